"""The CI gate: --fail-on terms, baselines (only new problems fail), budgets per journey and channel."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from frictionaudit.analysis import analyse as audit_all
from frictionaudit.audit.registry import all_rules
from frictionaudit.cli import app
from frictionaudit.config.models import Budgets
from frictionaudit.diff import snapshot_of
from frictionaudit.errors import InputError, InputErrors
from frictionaudit.gate import Term, budget_overruns, evaluate, limits_for, parse_fail_on
from frictionaudit.pipeline import load_project
from frictionaudit.results import RunResults
from tests.observations import req, results, run, step

FIXTURE_RUN = Path(__file__).parent / "fixtures" / "small-run"
RULES_HERE = ("J101", "N101", "P101")


def analyse(made: RunResults):
    """Audit with only the rules these tests are about, so new rules elsewhere do not change them."""
    return audit_all(made, [code for code in all_rules() if code not in RULES_HERE])


def deploy(
    run_id: str = "r1",
    *,
    slow: bool = False,
    broken_image: bool = True,
    blocked_mobile: bool = False,
    late_image: bool = False,
    budgets: dict | None = None,
) -> RunResults:
    """Two channels of a 'pay' journey: a broken logo (N101 minor), optionally a slow step (P101)."""

    def steps(channel: str) -> list:
        image = [req("/img/logo.png", 404, "image")] if broken_image else []
        first = step(0, "Open /invoices", action="goto", path="/invoices", requests=image)
        pay = step(1, "Click Pay now", duration=4.0 if slow else 0.5, path="/receipt", title="Receipt")
        if blocked_mobile and channel == "mobile":
            pay = step(1, "Click Pay now", status="failed", path="/invoices")
            return [first, pay]
        late = [req("/img/banner.png", 404, "image")] if late_image else []
        return [first, pay, step(2, "Click Back", path="/invoices", title="Invoices", requests=late)]

    made = results(
        run("pay", "desktop", *steps("desktop")),
        run("pay", "mobile", *steps("mobile"), blocked_at=1 if blocked_mobile else None, reason="stuck"),
        run_id=run_id,
        steps={"pay": ["Open /invoices", "Click Pay now", "Click Back"]},
    )
    if budgets is not None:
        made.settings["budgets"] = {"step_seconds": 3.0, **budgets}
    return made


# ---------------------------------------------------------------------------- --fail-on


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("blocker", (Term(severity="blocker"),)),
        ("MAJOR", (Term(severity="major"),)),
        ("network", (Term(category="network"),)),
        ("network:minor", (Term(severity="minor", category="network"),)),
        ("e101", (Term(rule="E101"),)),
        ("major, network:cosmetic,P101", (Term(severity="major"), Term("cosmetic", "network"), Term(rule="P101"))),
    ],
)
def test_fail_on_terms(text, terms):
    assert parse_fail_on(text).terms == terms


def test_fail_on_never_fails_nothing():
    gate = parse_fail_on("never")
    assert gate.never
    assert evaluate(analyse(deploy(slow=True)), gate).passed


@pytest.mark.parametrize(
    ("text", "message", "hint"),
    [
        ("majr", "not a severity, a rule category or a rule code", "did you mean 'major'?"),
        ("netwrok", "not a severity", "did you mean 'network'?"),
        ("netwrok:major", "no rule category 'netwrok'", "did you mean 'network'?"),
        ("network:big", "'big' is not a severity", "severities: blocker, major, minor, cosmetic"),
        ("never,major", "'never' cannot be combined", None),
        ("", "--fail-on is empty", "e.g. --fail-on major"),
    ],
)
def test_fail_on_mistakes_are_bad_input_with_a_hint(text, message, hint):
    with pytest.raises(InputError) as caught:
        parse_fail_on(text)
    assert message in caught.value.message
    assert caught.value.hint == hint or (hint and hint in (caught.value.hint or ""))
    assert caught.value.exit_code == 2


def test_severity_category_and_rule_terms_select_the_findings():
    analysis = analyse(deploy(slow=True))  # N101 minor (network) ×2, P101 minor (speed) ×2
    assert {f.rule for f in analysis.findings} == {"N101", "P101"}
    assert evaluate(analysis, parse_fail_on("major")).passed
    by_category = evaluate(analysis, parse_fail_on("network"))
    assert {p.rule for p in by_category.failing} == {"N101"}
    assert len(by_category.failing) == 2
    assert {p.rule for p in evaluate(analysis, parse_fail_on("speed:minor")).failing} == {"P101"}
    assert evaluate(analysis, parse_fail_on("speed:major")).passed
    assert {p.rule for p in evaluate(analysis, parse_fail_on("P101")).failing} == {"P101"}
    assert len(evaluate(analysis, parse_fail_on("minor")).failing) == 4
    # Analysis.failing (used by the JUnit and HTML reports) reads the same syntax.
    assert {f.rule for f in analysis.failing("network:minor")} == {"N101"}


def test_reasons_name_each_failing_finding_and_where():
    result = evaluate(analyse(deploy(slow=True)), parse_fail_on("speed"))
    assert result.exit_code == 1
    assert result.headline() == "Gate failed (--fail-on speed): 2 findings at or over the gate."
    assert result.reasons() == [
        "P101 minor: “Click Pay now” took 4.0 s on desktop (budget 3 s) — pay on desktop, step 2 (Click Pay now)",
        "P101 minor: “Click Pay now” took 4.0 s on mobile (budget 3 s) — pay on mobile, step 2 (Click Pay now)",
    ]


# ---------------------------------------------------------------------------- baselines


def test_with_a_baseline_only_new_problems_fail_and_fixed_ones_are_reported():
    before = snapshot_of(analyse(deploy("r1", broken_image=True)))
    after = analyse(deploy("r2", broken_image=False, slow=True))
    result = evaluate(after, parse_fail_on("minor"), before)
    assert result.comparison is not None
    assert {p.rule for p in result.failing} == {"P101"}  # new; the logo 404 is fixed
    assert {(p.rule, p.channel) for p in result.comparison.fixed_problems} == {("N101", "desktop"), ("N101", "mobile")}
    assert result.comparison.still_problems == []
    assert [f.rule for f in result.comparison.fixed_fixes] == ["N101"]
    assert "baseline r1" in result.headline()
    assert all(" new: " in r for r in result.reasons())


def test_problems_still_there_do_not_fail_the_build():
    before = snapshot_of(analyse(deploy("r1", slow=True)))
    result = evaluate(analyse(deploy("r2", slow=True)), parse_fail_on("minor"), before)
    assert result.passed and result.exit_code == 0
    assert len(result.comparison.still_problems) == 4
    assert result.headline() == "Gate passed (--fail-on minor, baseline r1)."


def test_a_baseline_from_another_deployment_url_matches_by_folded_address():
    old = deploy("staging")
    moved = RunResults.model_validate_json(old.model_dump_json().replace("https://shop.test", "http://127.0.0.1:49152"))
    moved.run_id = "preview"
    result = evaluate(analyse(moved), parse_fail_on("minor"), snapshot_of(analyse(old)))
    assert result.comparison.new_problems == [] and result.passed
    assert len(result.comparison.still_problems) == 2


def test_a_problem_after_the_step_where_the_new_run_stopped_is_not_checked_rather_than_fixed():
    before = snapshot_of(analyse(deploy("r1", slow=True, late_image=True)))
    after = analyse(deploy("r2", slow=False, late_image=True, blocked_mobile=True))
    cmp = evaluate(after, parse_fail_on("never"), before).comparison
    assert {(p.rule, p.channel, p.step) for p in cmp.fixed_problems} == {("P101", "desktop", 1), ("P101", "mobile", 1)}
    # Mobile stopped at step 2 (index 1): the banner of step 3 was not seen, so it is not "fixed".
    assert [(p.rule, p.channel, p.step, p.url) for p in cmp.unchecked_problems] == [
        ("N101", "mobile", 2, "https://shop.test/invoices")
    ]
    assert [p.rule for p in cmp.new_problems] == ["J101"]


def test_problems_of_a_channel_that_did_not_run_are_not_checked():
    before = snapshot_of(analyse(deploy("r1")))
    only_desktop = deploy("r2")
    only_desktop.runs = [r for r in only_desktop.runs if r.channel == "desktop"]
    cmp = evaluate(analyse(only_desktop), parse_fail_on("minor"), before).comparison
    assert [p.channel for p in cmp.unchecked_problems] == ["mobile"]
    assert cmp.fixed_problems == [] and cmp.fixed_fixes == []
    assert "1 not checked" in cmp.summary


# ---------------------------------------------------------------------------- budgets


def test_limits_most_specific_wins_and_say_where_they_were_set():
    budgets = Budgets.model_validate(
        {
            "max_seconds": 30,
            "max_clicks": 10,
            "max_findings": {"major": 0},
            "channels": {"mobile": {"max_seconds": 40, "max_findings": {"major": 1}}},
            "journeys": {"pay": {"max_seconds": 12, "channels": {"mobile": {"max_seconds": 15}}}},
        }
    )
    limits, findings = limits_for(budgets, "pay", "mobile")
    assert (limits["max_seconds"].value, limits["max_seconds"].source) == (
        15,
        "budgets.journeys.pay.channels.mobile.max_seconds",
    )
    assert limits["max_clicks"].source == "budgets.max_clicks"
    assert findings["major"].source == "budgets.channels.mobile.max_findings.major"
    limits, findings = limits_for(budgets, "pay", "desktop")
    assert limits["max_seconds"].source == "budgets.journeys.pay.max_seconds"
    assert findings["major"].value == 0
    limits, _ = limits_for(budgets, "other", "mobile")
    assert limits["max_seconds"].value == 40


def test_budget_overruns_fail_the_run_whatever_fail_on_says():
    made = deploy(
        slow=True,
        budgets={
            "max_seconds": 4.5,  # each run takes 4.0 + 0.5 + 0.5 = 5.0 s
            "max_clicks": 2,  # exactly 2 clicks: at the limit is within it
            "journeys": {"pay": {"channels": {"mobile": {"max_seconds": 6, "max_screens": 1}}}},
            "max_findings": {"network": 0, "P101": 1, "all": 5, "minor": 2},
        },
    )
    analysis = analyse(made)
    overruns = budget_overruns(analysis)
    seen = {(o.channel, o.measure, o.source) for o in overruns}
    assert ("desktop", "time", "budgets.max_seconds") in seen
    assert ("mobile", "screens", "budgets.journeys.pay.channels.mobile.max_screens") in seen
    assert not any(o.channel == "mobile" and o.measure == "time" for o in overruns)  # 5.0 ≤ 6
    assert not any(o.measure == "clicks" for o in overruns)
    assert ("desktop", "network findings", "budgets.max_findings.network") in seen
    assert not any(o.measure == "P101 findings" for o in overruns)  # one per run: within 1
    assert not any(o.measure == "findings" for o in overruns)  # 2 per run: within all: 5
    assert not any(o.measure == "minor findings" for o in overruns)  # 2 per run: within 2
    result = evaluate(analysis, parse_fail_on("never"), snapshot_of(analysis))  # baseline: itself
    assert result.exit_code == 1
    reasons = result.reasons()
    assert "budget: pay on desktop: time 5.0 s, over the budget of 4.5 s (budgets.max_seconds)" in reasons
    assert (
        "budget: pay on mobile: screens 3, over the budget of 1 (budgets.journeys.pay.channels.mobile.max_screens)"
        in reasons
    )
    assert "budget" in result.headline() and "exceeded" in result.headline()


def test_browser_errors_exit_3_before_anything_else():
    made = deploy(slow=True)
    made.runs[1].status = "error"
    result = evaluate(analyse(made), parse_fail_on("minor"))
    assert result.exit_code == 3
    assert result.infra_errors


# ---------------------------------------------------------------------------- config and CLI


def _project(tmp_path: Path, budgets: str) -> Path:
    (tmp_path / "journeys").mkdir()
    (tmp_path / "journeys" / "pay-invoice.yaml").write_text("name: Pay\nsteps:\n  - goto: /\n")
    config = tmp_path / "frictionaudit.yaml"
    config.write_text(
        "base_url: http://127.0.0.1:1\nchannels:\n  desktop: {viewport: {width: 1366, height: 768}}\n"
        "  mobile: {device: Pixel 7}\n" + budgets
    )
    return config


def test_budgets_naming_unknown_channels_journeys_or_kinds_are_errors_at_their_place(tmp_path):
    config = _project(
        tmp_path,
        "budgets:\n"
        "  max_findings: {netwrok: 0}\n"
        "  channels:\n"
        "    mobil: {max_seconds: 10}\n"
        "  journeys:\n"
        "    pay-invoce: {max_clicks: 3}\n"
        "    pay-invoice:\n"
        "      channels: {tablet: {max_screens: 2}}\n",
    )
    with pytest.raises(InputErrors) as caught:
        load_project(str(config), [], env=None)
    rendered = [e.render().replace(str(config), "frictionaudit.yaml") for e in caught.value.errors]
    assert rendered == [
        "frictionaudit.yaml:6:18: unknown kind of finding 'netwrok' in max_findings\n  hint: did you mean 'network'?",
        "frictionaudit.yaml:8:5: unknown channel 'mobil' in budgets\n  hint: did you mean 'mobile'?",
        "frictionaudit.yaml:10:5: no journey 'pay-invoce' for budgets\n  hint: did you mean 'pay-invoice'?",
        "frictionaudit.yaml:12:18: unknown channel 'tablet' in budgets\n  hint: channels: desktop, mobile",
    ]


def test_valid_budgets_load(tmp_path):
    config = _project(
        tmp_path,
        "budgets:\n  max_seconds: 20\n  max_findings: {major: 0, network: 1, E101: 0, all: 9}\n"
        "  journeys:\n    pay-invoice: {max_clicks: 3, channels: {mobile: {max_screens: 2}}}\n",
    )
    _, config_model, journeys = load_project(str(config), [], env=None)
    assert config_model.budgets.journeys["pay-invoice"].channels["mobile"].max_screens == 2
    assert [j.id for j in journeys] == ["pay-invoice"]


def test_cli_fail_on_by_category_lists_the_reasons_and_exits_1():
    runner = CliRunner()
    done = runner.invoke(app, ["audit", str(FIXTURE_RUN), "--fail-on", "network:minor"])
    assert done.exit_code == 1, done.output
    assert "Gate failed (--fail-on network:minor)" in done.output
    assert "  • N101 minor: " in done.output
    done = runner.invoke(app, ["audit", str(FIXTURE_RUN), "--fail-on", "content"])
    assert done.exit_code in (0, 1)
    done = runner.invoke(app, ["audit", str(FIXTURE_RUN), "--fail-on", "netwrok"])
    assert done.exit_code == 2
    assert "did you mean 'network'?" in done.output


# ---------------------------------------------------------------------------- GitHub Actions


def test_annotation_commands_escape_their_data_and_properties():
    from frictionaudit.github import annotation

    assert annotation("error", "50% done\nnext", title="E101: a, b", file="journeys/pay.yaml", line=9) == (
        "::error file=journeys/pay.yaml,line=9,title=E101%3A a%2C b::50%25 done%0Anext"
    )
    assert annotation("notice", "plain") == "::notice::plain"


def test_new_problems_become_errors_or_warnings_on_the_journey_line(tmp_path, monkeypatch):
    from frictionaudit.github import annotation_lines

    journey = tmp_path / "journeys" / "pay.yaml"
    journey.parent.mkdir()
    journey.write_text("name: Pay\nsteps:\n  - goto: /invoices\n  - click: Pay now\n  - click: Back\n")
    made = deploy(slow=True)
    made.journeys[0].source = "journeys/pay.yaml"
    monkeypatch.chdir(tmp_path)
    analysis = analyse(made)
    lines = annotation_lines(evaluate(analysis, parse_fail_on("speed")), analysis, {"GITHUB_WORKSPACE": str(tmp_path)})
    errors = [line for line in lines if line.startswith("::error ")]
    warnings = [line for line in lines if line.startswith("::warning ")]
    assert len(errors) == 2 and len(warnings) == 2  # P101 fails the gate; N101 is new but does not
    assert errors[0].startswith("::error file=journeys/pay.yaml,line=4,title=P101 minor%3A pay on desktop::")
    assert warnings[0].startswith("::warning file=journeys/pay.yaml,line=3,title=N101 minor%3A pay on desktop::")
    limited = annotation_lines(evaluate(analysis, parse_fail_on("minor")), analysis, {}, limit=1)
    assert limited[-1] == "::notice::3 more new problems or budgets: see the job summary"


def test_publish_writes_the_summary_only_on_github(tmp_path):
    from frictionaudit.github import publish

    analysis = analyse(deploy(slow=True, budgets={"max_clicks": 1}))
    result = evaluate(analysis, parse_fail_on("major"))
    emitted: list[str] = []
    assert not publish(result, analysis, emitted.append, env={})
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    env = {"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_ACTIONS": "true"}
    assert publish(result, analysis, emitted.append, env=env, run_dir=Path("reports/r1"))
    text = summary.read_text()
    assert text.startswith("earlier step\n## ❌ frictionaudit — run r1\n")
    assert "Gate failed (--fail-on major): 2 budgets exceeded." in text
    assert "- budget: pay on desktop: clicks 2, over the budget of 1 (budgets.max_clicks)" in text
    assert "| pay | desktop | completed | 3/3 | 5.0 | 2 |" in text
    assert "Reports: `reports/r1/`" in text
    assert any(line.startswith("::error title=Budget exceeded::pay on desktop: clicks 2") for line in emitted)


def test_a_bad_baseline_is_refused_before_the_browser_starts(tmp_path, monkeypatch):
    from frictionaudit.history import record_run

    config = _project(tmp_path, "")
    record_run(tmp_path / "reports" / "history.sqlite", analyse(deploy("deploy-1")))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FRICTIONAUDIT_BROWSER", str(tmp_path / "no-browser-here"))  # any launch would fail: exit 3
    runner = CliRunner()
    done = runner.invoke(app, ["run", "--config", str(config), "--baseline", "reports/nowhere"])
    assert done.exit_code == 2 and "no saved run here" in done.output
    done = runner.invoke(app, ["run", "--config", str(config), "--baseline", "history:deploy-2"])
    assert done.exit_code == 2 and "did you mean 'deploy-1'?" in done.output
