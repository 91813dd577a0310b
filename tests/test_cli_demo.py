"""End to end through the real CLI: the demo audit, re-audits from saved results, exit codes, secrets.

These run ``frictionaudit`` as a subprocess (a real browser, the real demo server on 127.0.0.1), the
way a newcomer or a CI job does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from frictionaudit.demo.server import PASSWORD, DemoServer

DEMO = Path(__file__).resolve().parent.parent / "frictionaudit" / "demo"
pytestmark = pytest.mark.browser


def cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != "DEMO_PASSWORD"}
    full_env.update(env or {})
    full_env["NO_COLOR"] = "1"
    full_env["COLUMNS"] = "100"
    return subprocess.run(
        [sys.executable, "-m", "frictionaudit", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    work = tmp_path_factory.mktemp("demo")
    done = cli("demo", "--out", str(work / "reports"), cwd=work)
    return work / "reports" / "demo", done


def _findings(run_dir: Path) -> list[dict]:
    return json.loads((run_dir / "findings.json").read_text())["findings"]


def test_demo_runs_and_writes_reports(demo_run):
    run_dir, done = demo_run
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    for name in ("results.json", "report.md", "findings.json"):
        assert (run_dir / name).is_file()
    results = json.loads((run_dir / "results.json").read_text())
    assert results["schema_version"] == 1
    assert (run_dir.parent / "latest").resolve() == run_dir.resolve()
    shots = list((run_dir / "screens").rglob("*.jpg"))
    assert shots and all(p.read_bytes()[:3] == b"\xff\xd8\xff" for p in shots)
    assert "Fix first:" in done.stdout


def test_every_planted_problem_is_found_by_its_rule(demo_run):
    run_dir, _ = demo_run
    planted = yaml.safe_load((DEMO / "planted.yaml").read_text())
    findings = _findings(run_dir)
    for problem in planted["planted"]:
        for channel in problem["channels"]:
            hits = [
                f
                for f in findings
                if f["rule"] == problem["rule"] and f["journey"] == problem["journey"] and f["channel"] == channel
            ]
            if "url_contains" in problem and problem["rule"] in ("N101", "N102"):
                hits = [f for f in hits if problem["url_contains"] in f["evidence"].get("url", "")]
            if "message_contains" in problem:
                hits = [f for f in hits if problem["message_contains"] in json.dumps(f["evidence"])]
            if "step" in problem:
                hits = [f for f in hits if f["step_label"] == problem["step"]]
            assert hits, f"planted problem {problem['id']} not found on {channel}"
    results = json.loads((run_dir / "results.json").read_text())
    status = {(r["journey"], r["channel"]): r["status"] for r in results["runs"]}
    assert status[("download-invoice", "mobile")] == "blocked"
    assert status[("download-invoice", "desktop")] == "completed"


def test_clean_journey_has_no_finding(demo_run):
    run_dir, _ = demo_run
    planted = yaml.safe_load((DEMO / "planted.yaml").read_text())
    findings = _findings(run_dir)
    for journey in planted["clean_journeys"]:
        assert [f["title"] for f in findings if f["journey"] == journey] == []


def test_secret_is_absent_from_every_file_and_output(demo_run):
    run_dir, done = demo_run
    secret = PASSWORD.encode()
    assert PASSWORD not in done.stdout + done.stderr
    files = [p for p in run_dir.parent.rglob("*") if p.is_file()]
    assert len(files) > 5
    leaks = [str(p) for p in files if secret in p.read_bytes()]
    assert leaks == []


def test_audit_and_report_remake_the_same_findings_without_a_browser(demo_run, tmp_path):
    run_dir, _ = demo_run
    before = json.loads((run_dir / "findings.json").read_text())
    env = {"FRICTIONAUDIT_BROWSER": str(tmp_path / "no-browser-here")}  # any browser use would fail
    audited = cli("audit", str(run_dir), "--json", "--fail-on", "never", env=env)
    assert audited.returncode == 0, audited.stderr
    again = json.loads(audited.stdout)
    assert [f["fingerprint"] for f in again["findings"]] == [f["fingerprint"] for f in before["findings"]]
    report_md = (run_dir / "report.md").read_text()
    (run_dir / "report.md").unlink()
    remade = cli("report", str(run_dir), env=env)
    assert remade.returncode == 0, remade.stderr
    assert (run_dir / "report.md").read_text() == report_md


def test_run_exit_codes_and_a_blocked_journey(tmp_path):
    project = DEMO / "project"
    with DemoServer(port=0) as server:
        done = cli(
            "run",
            "--config",
            str(project / "frictionaudit.yaml"),
            "--base-url",
            server.url,
            "--out",
            str(tmp_path),
            "--run-id",
            "gate",
            str(project / "journeys" / "download-invoice.yaml"),
            env={"DEMO_PASSWORD": PASSWORD},
        )
    assert done.returncode == 1, done.stdout + done.stderr  # default --fail-on blocker: mobile is blocked
    assert 'could not find link "Download PDF"' in done.stdout
    assert (tmp_path / "gate" / "results.json").is_file()


def test_unreachable_service_blocks_each_journey_and_the_run_goes_on(tmp_path):
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    project = DEMO / "project"
    done = cli(
        "run",
        "--config",
        str(project / "frictionaudit.yaml"),
        "--base-url",
        f"http://127.0.0.1:{closed}",
        "--out",
        str(tmp_path),
        "--run-id",
        "down",
        "--fail-on",
        "never",
        env={"DEMO_PASSWORD": PASSWORD},
    )
    assert done.returncode == 0, done.stderr
    results = json.loads((tmp_path / "down" / "results.json").read_text())
    assert len(results["runs"]) == 8  # four demo journeys on two channels
    for run in results["runs"]:
        assert run["status"] == "blocked"
        assert run["blocked_at"] == 0
        assert "ERR_CONNECTION_REFUSED" in run["reason"]
        assert run["steps"][0]["screenshot"]


def test_browser_that_cannot_start_exits_3(tmp_path):
    fake = tmp_path / "chrome"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    project = DEMO / "project"
    done = cli(
        "run",
        "--config",
        str(project / "frictionaudit.yaml"),
        "--browser-path",
        str(fake),
        "--out",
        str(tmp_path / "out"),
        env={"DEMO_PASSWORD": PASSWORD},
    )
    assert done.returncode == 3, done.stdout + done.stderr
    assert "no browser could be started" in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_journey_exits_2_with_position_and_no_traceback(tmp_path):
    (tmp_path / "journeys").mkdir()
    (tmp_path / "frictionaudit.yaml").write_text("base_url: http://127.0.0.1:1\n")
    (tmp_path / "journeys" / "broken.yaml").write_text("name: Broken\nsteps:\n  - goto: /\n  - clik: Pay\n")
    done = cli("run", cwd=tmp_path)
    assert done.returncode == 2
    assert "journeys/broken.yaml:4:5: step 2: unknown action 'clik'" in done.stderr
    assert "did you mean 'click'?" in done.stderr
    assert "Traceback" not in done.stderr
    done = cli("validate", cwd=tmp_path)
    assert done.returncode == 2
    assert "broken.yaml:4:5" in done.stderr
