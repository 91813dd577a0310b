"""Rule F110 (native dialog or new window) on what a real Chromium recorded.

Pages: ``fault-dialogs.html`` (an alert on load, a confirm and a prompt on clicks, "leave this
page?" once clicked) and ``fault-popup.html`` (a button that calls ``window.open``, a link with
``target=_blank``).
"""

from __future__ import annotations

import pytest
from conftest import Replay, SiteServer, audit_only, saved_run

from frictionaudit.audit.model import Finding
from frictionaudit.rank import rank
from frictionaudit.results import ChannelInfo, JourneyRun, RunResults

pytestmark = pytest.mark.browser

FAST = {"action_seconds": 1, "navigation_seconds": 2, "step_seconds": 3, "journey_seconds": 30}


def saved(run: JourneyRun, site: SiteServer) -> RunResults:
    return saved_run(run, site.url)


def findings(results: RunResults) -> list[Finding]:
    return audit_only(results, ["F110"])


def test_f110_dialogs_recorded_by_the_gather_stage(replay: Replay, site: SiteServer) -> None:
    run = replay(
        [
            "goto: /fault-dialogs.html",
            "click: Delete my account",
            "expect: Cancelled",
            "click: Tell us your name",
            "goto: /clean.html",
            "expect: Nothing wrong here",
        ],
        timeouts=FAST,
    )
    assert run.status == "completed", run.reason
    found = findings(saved(run, site))
    assert [(f.step, f.severity, f.root_cause) for f in found] == [
        (0, "minor", "alert:Welcome! Cookies are used on this site."),
        (1, "major", "confirm:Are you sure?"),
        (3, "major", "prompt:Your name?"),
        (4, "minor", "beforeunload:/fault-dialogs.html"),  # nothing had been typed there
    ]
    alert, confirm, prompt, leave = found
    assert confirm.title == "A confirm box on /fault-dialogs.html asked “Are you sure?”; the replay answered Cancel"
    assert confirm.evidence["control"] == 'button "Delete my account"' and confirm.evidence["answer"] == "Cancel"
    assert prompt.evidence["control"] == 'button "Tell us your name"'
    assert alert.evidence["action"] == "goto" and alert.url == f"{site.url}/fault-dialogs.html"
    assert leave.evidence["left_page"] == f"{site.url}/fault-dialogs.html"
    assert leave.evidence["to_page"] == f"{site.url}/clean.html"
    assert leave.evidence["finished"] == "nothing had been entered on it"


def test_f110_popups_recorded_by_the_gather_stage(replay: Replay, site: SiteServer) -> None:
    steps = ["goto: /fault-popup.html", "click: Chat with us", "click: Terms and conditions", "expect: Still here"]
    desktop = replay(steps, timeouts=FAST)
    mobile = replay(steps, channel="mobile", timeouts=FAST)
    assert desktop.status == mobile.status == "completed", (desktop.reason, mobile.reason)
    data = saved(desktop, site)
    data.runs.append(mobile)
    data.channels.append(ChannelInfo(name="mobile", base_url=site.url, is_mobile=True))
    found = findings(data)
    assert [(f.channel, f.step, f.severity, f.evidence["opened_by"], f.root_cause) for f in found] == [
        ("desktop", 1, "minor", "script", "popup:script:/clean.html"),
        ("desktop", 2, "cosmetic", "link", "popup:link:/clean.html"),
        ("mobile", 1, "major", "script", "popup:script:/clean.html"),
        ("mobile", 2, "minor", "link", "popup:link:/clean.html"),
    ]
    chat, terms = found[2:]
    assert chat.title == 'button "Chat with us" on /fault-popup.html opened /clean.html in a new window on a phone'
    assert chat.evidence["popup_url"] == f"{site.url}/clean.html?from=window-open"
    assert terms.evidence["popup_url"] == f"{site.url}/clean.html?from=new-tab"
    assert terms.evidence["control"] == 'a "Terms and conditions"'
    # Each way of opening is one fix over both channels, at its worst channel's severity.
    assert sorted((f.severity, f.places, tuple(f.channels)) for f in rank(found, data)) == [
        ("major", 2, ("desktop", "mobile")),
        ("minor", 2, ("desktop", "mobile")),
    ]
