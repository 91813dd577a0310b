"""The click probe and rules F101 (dead click) and F102 (error click) against a real Chromium.

Pages: ``click-dead.html`` ("Continue" does nothing the first time),
``click-error.html`` (a click handler that throws; an update that logs a console error),
``click-alive.html`` (a button that answers after 150 ms, a heading that does nothing, harmlessly, a
checkbox),
``click-background-error.html`` (a widget failing every 200 ms, and a button that works).
"""

from __future__ import annotations

import pytest
from conftest import Replay, SiteServer, audit_only, saved_run

from frictionaudit.audit.model import Finding
from frictionaudit.results import JourneyRun

pytestmark = pytest.mark.browser

RULES = ("F101", "F102")
FAST = {"action_seconds": 1}


def findings(run: JourneyRun, site: SiteServer, codes: tuple[str, ...] = RULES) -> list[Finding]:
    """Audit one replayed run the way ``frictionaudit run`` does, with only ``codes`` switched on."""
    return audit_only(saved_run(run, site.url), codes)


CONTINUE = {"click": {"role": "button", "name": "Continue"}}


@pytest.mark.parametrize("channel", ["desktop", "mobile"])
def test_f101_click_that_works_only_on_the_second_try(replay: Replay, site: SiteServer, channel: str) -> None:
    run = replay(
        ["goto: /click-dead.html", CONTINUE, {"expect": {"text": "Order confirmed"}}], channel=channel, timeouts=FAST
    )
    assert run.status == "completed" and run.steps[2].retried and run.steps[2].retry_from == 0
    facts = run.steps[1].extra["click"]
    assert facts["control"] == 'button "Continue"' and facts["input"] == "pointerdown" and facts["interactive"]
    assert facts["mutations"] == 0 and facts["first"] == {} and facts["observed"] == 1.0
    assert facts["at"] >= run.steps[1].started
    [finding] = findings(run, site)
    assert (finding.rule, finding.severity, finding.step) == ("F101", "major", 2)  # where the journey stumbled
    assert finding.title.startswith('Clicking button "Continue" on /click-dead.html (step 2) did nothing')
    assert "needed a second try" in finding.title
    assert finding.root_cause == "journey#2" and finding.evidence["related"] == "J102"  # explains J102's trouble
    assert finding.evidence["click_step"] == 1 and finding.evidence["second_try_worked"] is True
    assert "Order confirmed" in finding.evidence["then_error"]


@pytest.mark.parametrize("channel", ["desktop", "mobile"])
def test_clicks_that_answer_or_harmlessly_do_nothing_are_not_findings(
    replay: Replay, site: SiteServer, channel: str
) -> None:
    run = replay(
        [
            "goto: /click-alive.html",
            CONTINUE,
            {"click": {"role": "heading", "name": "Terms"}},  # does nothing, and nothing needed it
            {"click": {"label": "Send me offers"}},  # a checkbox: no attribute changes, but its value does
            {"expect": {"text": "Order confirmed"}},
            "goto: /clean.html",
            {"click": {"role": "link", "name": "Again"}},  # a same-page link: a navigation
        ],
        channel=channel,
        timeouts=FAST,
    )
    assert run.status == "completed"
    assert run.steps[1].extra["click"]["first"]["mutation"] >= 0.1
    heading = run.steps[2].extra["click"]
    assert heading["first"] == {} and not heading["interactive"]  # a dead click on text: harmless
    assert "change" in run.steps[3].extra["click"]["first"]
    assert "navigation" in run.steps[6].extra["click"]["first"]
    assert findings(run, site) == []


def test_f102_click_handler_throws_and_an_update_logs_an_error(replay: Replay, site: SiteServer) -> None:
    run = replay(
        [
            "goto: /click-error.html",
            {"click": {"role": "button", "name": "Apply code"}},
            {"click": {"role": "button", "name": "Update basket"}},
            {"fill": {"label": "Discount code", "value": "SECRET-123", "secret": True}},
            {"press": {"key": "Enter", "label": "Discount code"}},
        ]
    )
    assert run.status == "completed"
    [error] = run.steps[1].extra["click"]["errors"]
    assert error["sync"] is True and error["message"].startswith("TypeError: Cannot read properties of undefined")
    assert run.steps[4].extra["click"]["control"] == 'input "Discount code"'  # the label, never the value
    found = findings(run, site, ("F101", "F102", "E101"))
    assert [(f.rule, f.step, f.severity) for f in found] == [
        ("E101", 1, "major"),  # E101 reports the exception itself
        ("F102", 1, "major"),  # F102: the control that sets it off, and did nothing else
        ("F102", 2, "minor"),  # a console error after an update that worked
    ]
    apply = found[1]
    assert apply.root_cause == found[0].root_cause and apply.evidence["related"] == "E101"  # one fix with E101
    assert apply.title.startswith('Clicking button "Apply code" on /click-error.html threw TypeError')
    assert apply.evidence["errors"][0]["in_handler"] is True and apply.evidence["nothing_else_happened"] is True
    update = found[2]
    [log] = update.evidence["errors"]
    assert (log["kind"], log["message"], log["in_handler"]) == ("console", "basket sync: stale revision", False)
    assert 0.05 <= log["seconds_after"] <= 1.0  # logged 100 ms after the click, from a timer


def test_f102_leaves_background_errors_to_e101(replay: Replay, site: SiteServer) -> None:
    run = replay(["goto: /click-background-error.html", {"click": {"role": "button", "name": "Show details"}}])
    assert run.steps[1].page_errors  # the widget kept failing during the click
    assert findings(run, site) == []
