"""The performance probe and rules P102–P106 against a real Chromium.

Pages: ``perf-clean.html`` (answers at once or shows a spinner at once; a link to a slow server),
``perf-feedback.html`` ("Send" and "Continue" show nothing for 1.5 s; a clock ticks by itself; a
field whose "change" fires when "Send" takes the focus),
``perf-shift.html`` (a banner pushes the page down after load; details open right after a click;
offers arrive 0.8 s after a click and push the text down), ``perf-blocking.html`` (a click handler
computing for 1.2 s), ``perf-lcp.html`` (the main content is rendered after a 1.3 s API call), and
the ``/slow?ms=N`` route (a document served after N ms).
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import Replay, SiteServer, audit_only, saved_run

from frictionaudit.audit.model import Finding
from frictionaudit.config.models import Thresholds
from frictionaudit.results import JourneyRun

pytestmark = pytest.mark.browser

RULES = ("P102", "P103", "P104", "P105", "P106")


def findings(run: JourneyRun, site: SiteServer, thresholds: dict[str, Any] | None = None) -> list[Finding]:
    """Audit one replayed run the way ``frictionaudit run`` does, with only P102–P106 switched on."""
    settings = {"thresholds": Thresholds.model_validate(thresholds or {}).model_dump()}
    return audit_only(saved_run(run, site.url, settings), RULES)


def at(found: list[Finding], code: str) -> dict[int | None, Finding]:
    return {f.step: f for f in found if f.rule == code}


def button(name: str) -> dict[str, Any]:
    return {"click": {"role": "button", "name": name}}


def test_quick_pages_are_silent_and_a_slow_server_is_p102(replay: Replay, site: SiteServer) -> None:
    run = replay(
        [
            "goto: /clean.html",
            "goto: /perf-clean.html",
            button("Save settings"),  # a spinner at once, the answer after 1.2 s
            {"click": {"role": "link", "name": "Yearly report"}},  # navigates at once to a 1 s server
        ]
    )
    assert run.status == "completed", run.reason
    assert not [e for e in run.probe_errors if e.startswith("perf")]
    found = findings(run, site)
    assert [(f.rule, f.step) for f in found] == [("P102", 3)]
    [slow] = found
    assert slow.severity == "minor"
    assert slow.root_cause == "/slow"  # without the origin: the same fix on another deployment
    assert 1.0 <= slow.evidence["ttfb_seconds"] < 1.8
    assert slow.evidence["server_seconds"] >= 0.95
    # The raw observations behind the silence.
    clean, _, save, link = (s.extra["perf"] for s in run.steps)
    [page] = clean["pages"]
    assert page["url"] == f"{site.url}/clean.html" and 0 <= page["ttfb"] < 0.8
    assert page["lcp_element"] == "h1" and 0 < page["lcp"] < 2.5
    [click] = save["clicks"]
    assert click["kind"] == "mutation" and click["what"] == "span.spinner" and click["answer"] < 0.5
    [click] = link["clicks"]
    assert click["kind"] == "navigation" and click["answer"] < 0.5


def test_clean_page_is_silent_on_mobile(replay: Replay, site: SiteServer) -> None:
    run = replay(
        ["goto: /clean.html", "goto: /perf-clean.html", button("Check balance"), button("Save settings")],
        channel="mobile",
    )
    assert run.status == "completed", run.reason
    assert findings(run, site) == []
    [click] = run.steps[2].extra["perf"]["clicks"]  # the answer 0.2 s after the click
    assert click["kind"] == "mutation" and click["what"] == "p#status" and 0.15 <= click["answer"] < 1


@pytest.mark.parametrize("channel", ["desktop", "mobile"])
def test_p106_nothing_visible_for_1_5_s_after_a_click(replay: Replay, site: SiteServer, channel: str) -> None:
    steps: list[Any] = [
        "goto: /perf-feedback.html",
        {"fill": {"label": "Message", "value": "Hello"}},
        button("Send"),
        "expect: Message sent",
    ]
    if channel == "desktop":  # the delayed navigation: the old page's watch reaches the new page
        steps += [button("Continue"), {"expect": {"url": "**/perf-clean.html"}}]
    run = replay(steps, channel=channel)
    assert run.status == "completed", run.reason
    found = findings(run, site)
    slow = at(found, "P106")
    assert sorted(slow) == ([2, 4] if channel == "desktop" else [2])
    send = slow[2]
    assert send.severity == "minor"
    assert send.root_cause == "journey#2"
    assert 1.4 <= send.evidence["seconds"] < 2.0
    assert send.evidence["first_change"] == "mutation" and send.evidence["changed"] == "p#sent"
    if channel == "desktop":
        assert slow[4].evidence["first_change"] == "navigation"
        assert 1.4 <= slow[4].evidence["seconds"] < 2.0
    assert {f.rule for f in found} == {"P106"}


@pytest.mark.parametrize("channel", ["desktop", "mobile"])
def test_p104_the_same_late_shift_counts_on_desktop_and_mobile(replay: Replay, site: SiteServer, channel: str) -> None:
    run = replay(
        [
            "goto: /perf-shift.html",  # a banner pushes the page down 300 ms after load
            button("Show details"),  # moves the text at once: the customer's own doing
            button("Show offers"),  # moves the text 0.8 s after the click
            "expect: Offers for you",
        ],
        channel=channel,
    )
    assert run.status == "completed", run.reason
    shifts = at(findings(run, site), "P104")
    assert sorted(shifts) == [0, 2]
    offers = shifts[2]
    assert offers.evidence["score"] > 0.1 and offers.evidence["shifts"] == 1
    assert offers.evidence["moved"] == "div.article"
    assert offers.root_cause == "/perf-shift.html div.article"
    assert offers.severity == ("major" if offers.evidence["score"] > 0.25 else "minor")
    # The details' shift was recorded, 0–500 ms after the input, and left out on both channels.
    [details] = run.steps[1].extra["perf"]["shifts"]
    assert 0 <= details[2] < 500 and details[1] > 0.01
    [late] = run.steps[2].extra["perf"]["shifts"]
    assert late[2] >= 700


@pytest.mark.parametrize("channel", ["desktop"])
def test_p105_a_click_handler_freezes_the_page(replay: Replay, site: SiteServer, channel: str) -> None:
    run = replay(
        ["goto: /perf-blocking.html", button("Monthly price"), button("Yearly price")],
        channel=channel,
    )
    assert run.status == "completed", run.reason
    found = findings(run, site)
    # 1.2 s without a visible change is the freeze itself: P105 reports it, P106 stays silent.
    assert [(f.rule, f.step) for f in found] == [("P105", 2)]
    [frozen] = found
    assert frozen.severity == "major"
    assert 1000 <= frozen.evidence["blocking_ms"] < 2000
    assert frozen.evidence["long_tasks"] == 1
    [script, *_] = frozen.evidence["scripts"]
    assert script["invoker"] == "BUTTON#heavy.onclick" and script["function"] == "yearlyPrice"
    assert frozen.root_cause == "/perf-blocking.html BUTTON#heavy.onclick"
    [click] = run.steps[2].extra["perf"]["clicks"]
    assert click["answer"] > 1.0  # the slow answer was seen, and left to P105


def test_p103_main_content_after_an_api_call_and_p102_not_counted_twice(replay: Replay, site: SiteServer) -> None:
    thresholds = {"lcp_seconds": 1.2, "ttfb_seconds": 0.8}  # a lower LCP budget keeps the test quick
    run = replay(["goto: /perf-lcp.html", "goto: /slow?ms=1400"], channel="mobile")
    assert run.status == "completed", run.reason
    found = findings(run, site, thresholds)
    # /slow paints right after its slow first byte (LCP ≈ 1.45 s): that is P102's finding alone.
    assert sorted((f.rule, f.step) for f in found) == [("P102", 1), ("P103", 0)]
    lcp = at(found, "P103")[0]
    assert lcp.severity == "minor"
    assert lcp.evidence["element"] == "p.hero"
    assert 1.3 <= lcp.evidence["lcp_seconds"] < 1.6
    assert lcp.root_cause == "/perf-lcp.html"
