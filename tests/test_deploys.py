"""Two deploys of the demo, as a CI job runs them: one problem fixed, another introduced.

Deploy 1 is the demo as shipped; deploy 2 is ``DemoServer(variant="next")``: the slow payment is
fixed (P101 on "Pay now") and the customer service page loads a chat widget script that was never
deployed (N101, major, on the contact journey). Each deploy runs on its own random port, as preview
deployments do, so the baseline must match problems with the service's address folded away.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from frictionaudit.audit.registry import all_rules
from frictionaudit.demo.server import PASSWORD, DemoServer
from frictionaudit.diff import load_snapshot
from frictionaudit.gate import evaluate, parse_fail_on
from frictionaudit.pipeline import reanalyse
from frictionaudit.trend import trend_svg

pytestmark = pytest.mark.browser
DEMO_PROJECT = Path(__file__).resolve().parent.parent / "frictionaudit" / "demo" / "project"
JOURNEYS = ("pay-invoice", "contact-hours")
CHAT = "/static/js/chat-widget.js"


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_") and k != "DEMO_PASSWORD"}
    full.update({"NO_COLOR": "1", "COLUMNS": "120", "DEMO_PASSWORD": PASSWORD, **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "frictionaudit", *args], cwd=cwd, env=full, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def deploys(tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("deploys")
    (work / "journeys").mkdir()
    for journey in JOURNEYS:
        shutil.copy(DEMO_PROJECT / "journeys" / f"{journey}.yaml", work / "journeys")
    # The gate here is about the deploys, not about timings on a busy machine: the timing rules other
    # than the step budget (P101, which finds the slow payment) are switched off.
    timing = [code for code, r in all_rules().items() if r.category == "speed" and code != "P101"]
    config = (DEMO_PROJECT / "frictionaudit.yaml").read_text()
    (work / "frictionaudit.yaml").write_text(config + f"rules:\n  disable: [{', '.join(timing)}]\n")
    with DemoServer(port=0) as first_deploy:
        first = cli("run", "--base-url", first_deploy.url, "--run-id", "deploy-1", "--fail-on", "blocker", cwd=work)
    summary = work / "summary.md"
    github = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_WORKSPACE": str(work)}
    with DemoServer(port=0, variant="next") as second_deploy:
        second = cli(
            "run",
            "--base-url",
            second_deploy.url,
            "--run-id",
            "deploy-2",
            "--baseline",
            "history:latest",
            "--fail-on",
            "major",
            cwd=work,
            env=github,
        )
    return work, first, second


def _problems(payload: dict, kind: str) -> set[tuple[str, str, str, str]]:
    return {(p["rule"], p["journey"], p["channel"], p["step_label"]) for p in payload["problems"][kind]}


def test_the_first_deploy_passes_its_gate_and_starts_the_history(deploys):
    work, first, _ = deploys
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Gate failed" not in first.stdout
    assert (work / "reports" / "history.sqlite").is_file()


def test_the_second_deploy_fails_on_the_new_problem_only(deploys):
    _, _, second = deploys
    assert second.returncode == 1, second.stdout + second.stderr
    assert "Gate failed (--fail-on major, baseline history:deploy-1):" in second.stdout
    reasons = [line for line in second.stdout.splitlines() if line.startswith("  • ")]
    assert any(CHAT in r and "contact-hours on desktop" in r for r in reasons), reasons
    assert any(CHAT in r and "contact-hours on mobile" in r for r in reasons), reasons
    # Problems both deploys have do not fail the build, though they are major.
    assert not any("series" in r or "/api/recommendations" in r or "tracker.js" in r for r in reasons), reasons
    assert "Compared with history:deploy-1: " in second.stdout


def test_github_gets_a_summary_and_annotations_on_the_journey_file(deploys):
    work, _, second = deploys
    summary = (work / "summary.md").read_text()
    assert summary.startswith("## ❌ frictionaudit — run deploy-2\n")
    assert "### Compared with history:deploy-1" in summary
    new = summary[summary.index("#### New problems") : summary.index("#### Fixed")]
    assert CHAT in new
    fixed = summary[summary.index("#### Fixed") : summary.index("#### Effort per journey")]
    assert "| `P101` | minor |" in fixed and "Pay now" in fixed
    errors = [line for line in second.stdout.splitlines() if line.startswith("::error ")]
    assert (
        "::error file=journeys/contact-hours.yaml,line=7,title=N101 major%3A contact-hours on desktop::"
        f"Script {CHAT} answered 404"
    ) in "\n".join(errors)
    assert all("series" not in line for line in errors)


def test_the_diff_shows_the_fix_the_new_problem_and_the_effort(deploys):
    work, _, _ = deploys
    done = cli("diff", "reports/deploy-1", "reports/deploy-2", "--json", cwd=work)
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    new, fixed, still = (_problems(payload, k) for k in ("new", "fixed", "still"))
    pay_now = {("P101", "pay-invoice", channel, "Pay now") for channel in ("desktop", "mobile")}
    assert pay_now <= fixed
    chat = {(rule, journey, channel) for rule, journey, channel, _ in new if rule == "N101"}
    assert chat == {("N101", "contact-hours", "desktop"), ("N101", "contact-hours", "mobile")}
    assert {("E101", "pay-invoice", c) for c in ("desktop", "mobile")} <= {(r, j, c) for r, j, c, _ in still}
    effort = {(j["journey"], j["channel"]): j["delta"] for j in payload["journeys"]}
    assert effort[("pay-invoice", "desktop")]["seconds"] < -2.5  # the 3.5 s payment delay is gone
    assert effort[("pay-invoice", "mobile")]["seconds"] < -2.5
    assert effort[("contact-hours", "desktop")]["clicks"] == 0
    # The history remembers the same: comparing the two entries gives the same answer.
    again = json.loads(cli("diff", "history:deploy-1", "history:deploy-2", "--json", cwd=work).stdout)
    assert (_problems(again, "new"), _problems(again, "fixed")) == (new, fixed)
    text = cli("diff", "history:-2", "history:-1", cwd=work)
    assert text.stdout.startswith("history:deploy-1 → history:deploy-2: ")
    assert "pay-invoice" in text.stdout and "✓" in text.stdout
    assert cli("diff", "history:-2", "history:-1", "--fail-on", "major", cwd=work).returncode == 1
    assert cli("diff", "history:-2", "history:-1", "--fail-on", "blocker", cwd=work).returncode == 0


def test_the_trend_follows_both_deploys(deploys):
    work, _, _ = deploys
    done = cli("trend", "--json", cwd=work)
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert [r["run_id"] for r in payload["runs"]] == ["deploy-1", "deploy-2"]
    series = {(s["journey"], s["channel"]): s["points"] for s in payload["series"]}
    assert set(series) == {(j, c) for j in JOURNEYS for c in ("desktop", "mobile")}
    for channel in ("desktop", "mobile"):
        before, after = series[("pay-invoice", channel)]
        assert after["seconds"] < before["seconds"] - 2.5
        assert all(p["status"] == "completed" for p in (before, after))
        before, after = series[("contact-hours", channel)]
        assert after["major"] == before["major"] + 1  # the chat widget
    table = cli("trend", cwd=work)
    assert table.returncode == 0
    assert "2 runs in reports/history.sqlite: deploy-1" in table.stdout
    pay = next(line for line in table.stdout.splitlines() if line.startswith(" pay-invoice ") and "desktop" in line)
    assert "✓✓" in pay and "█▁" in pay  # time fell
    # The HTML report's chart has one bar group per deploy.
    analysis, _, _ = reanalyse(work / "reports" / "deploy-2")
    svg = trend_svg(analysis, work / "reports" / "history.sqlite")
    assert svg.count("<g>") == 2 and "deploy-1" in svg and "deploy-2" in svg


def test_a_deploy_compared_with_itself_passes(deploys):
    work, _, _ = deploys
    analysis, _, _ = reanalyse(work / "reports" / "deploy-2")
    baseline = load_snapshot("history:deploy-2", work / "reports" / "history.sqlite")
    result = evaluate(analysis, parse_fail_on("minor"), baseline)
    assert result.comparison.new_problems == [] and result.exit_code == 0
