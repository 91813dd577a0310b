"""The mobile probe and rules M101–M106 against a real Chromium and the pages in tests/site/mobile-*.html.

Each test replays a journey on the ``mobile`` channel (Pixel 7, 412 × 839) and, where the rule
applies there too, on ``desktop`` (1366 × 768), then audits the saved observations as a run would.
``mobile-clean.html`` is a page with the real-world traps (a parked skip link, visually hidden text,
an off-canvas menu, a collapsed accordion, links in a sentence, a table that scrolls in its own
box, an icon link, a labelled checkbox, fields that take letters): no mobile rule may fire on it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from conftest import Replay, SiteServer, audit_only, saved_run

from frictionaudit.audit.model import Finding
from frictionaudit.results import JourneyRun

pytestmark = pytest.mark.browser

MOBILE_RULES = ("M101", "M102", "M103", "M104", "M105", "M106")
# One journey through every page with a planted problem (one replay per channel for the whole module).
TOUR = [
    "goto: /mobile-no-viewport.html",  # 0: M101 major
    "goto: /mobile-zoom-lock.html",  # 1: M101 minor
    "goto: /mobile-overflow.html",  # 2: M102
    "goto: /mobile-tap-targets.html",  # 3: M103
    "goto: /mobile-small-text.html",  # 4: M104
    "goto: /mobile-numeric-fields.html",  # 5: M105
    "goto: /mobile-long-page.html",  # 6: M106 (the next step's button is far down)
    {"click": {"role": "button", "name": "Accept and continue"}},  # 7
]
# The clean pages, with a fill of a field that already has a number pad and a click near the top.
CLEAN = [
    "goto: /mobile-clean.html",
    {"fill": {"label": "Kundenummer", "value": "12345678"}},  # inputmode=numeric: fine
    {"click": {"role": "button", "name": "Continue"}},
    "goto: /clean.html",
]
_REPLAYED: dict[tuple[str, str], JourneyRun] = {}


def findings(run: JourneyRun, site: SiteServer, code: str | None = None) -> list[Finding]:
    """Audit one replayed run the way ``frictionaudit run`` does; only mobile rules (or one)."""
    return audit_only(saved_run(run, site.url), (code,) if code else MOBILE_RULES)


def only(found: list[Finding], code: str) -> Finding:
    assert [f.rule for f in found] == [code], [(f.rule, f.title) for f in found]
    return found[0]


def screen(run: JourneyRun, index: int = 0) -> dict[str, Any]:
    return run.steps[index].extra["mobile"]["screen"]


@pytest.fixture
def tour(replay: Replay) -> Callable[[str], JourneyRun]:
    """The TOUR replayed on a channel, once per test session (the result is plain saved data)."""
    return lambda channel: replayed(replay, "tour", channel)


@pytest.fixture
def clean(replay: Replay) -> Callable[[str], JourneyRun]:
    """The CLEAN journey replayed on a channel, once per test session."""
    return lambda channel: replayed(replay, "clean", channel)


def replayed(replay: Replay, name: str, channel: str) -> JourneyRun:
    if (name, channel) not in _REPLAYED:
        run = replay(TOUR if name == "tour" else CLEAN, channel=channel)
        assert run.status == "completed" and run.probe_errors == [], (run.reason, run.probe_errors)
        _REPLAYED[name, channel] = run
    return _REPLAYED[name, channel]


def at(found: list[Finding], step: int) -> list[Finding]:
    return [f for f in found if f.step == step]


# ---------------------------------------------------------------------------- clean pages


def test_clean_pages_on_mobile(clean: Callable[[str], JourneyRun], site: SiteServer) -> None:
    run = clean("mobile")
    found = findings(run, site)
    assert found == []
    assert run.steps[1].extra["mobile"]["field"]["inputmode"] == "numeric"
    nxt = run.steps[1].extra["mobile"]["next"]  # the Continue button is on the first screens (no M106)
    assert nxt["step"] == 2 and 0 < nxt["top"] < 3 * nxt["viewport_height"]


def test_clean_pages_on_desktop(clean: Callable[[str], JourneyRun], site: SiteServer) -> None:
    assert findings(clean("desktop"), site) == []


def test_clean_page_facts_leave_out_what_the_customer_cannot_see(clean: Callable[[str], JourneyRun]) -> None:
    facts = screen(clean("mobile"))
    viewport = facts["viewport"]
    assert viewport["metas"] == ["width=device-width, initial-scale=1"]
    assert (viewport["device_width"], viewport["client_width"], viewport["scroll_width"]) == (412, 412, 412)
    names = {item["name"] for item in facts["taps"]["items"]}
    assert "Skip to content" not in names and not names & {"Home", "Hidden one"}  # parked, off-canvas, collapsed
    assert facts["taps"]["inline"] == 3  # the three links in a sentence
    help_link = next(item for item in facts["taps"]["items"] if item["name"] == "Help")
    assert (help_link["w"], help_link["h"]) == (32, 32)  # the icon, not the line box of the link
    checkbox = next(item for item in facts["taps"]["items"] if item["name"] == "I accept the terms")
    assert checkbox["w"] == 13 and checkbox["label_box"][1] == 44  # small, but its label is a big target
    assert "10" not in facts["text"]["sizes"]  # the collapsed accordion's text is not visible text
    assert facts["text"]["sizes"]["11"] == len("©ExampleAS.PricesincludeVAT.")  # the footer, not the drawer
    assert {f["name"] for f in facts["fields"]} == {"login", "promo", "postcode"}  # no tel/numeric ones
    assert all("value" not in f for f in facts["fields"])


def test_desktop_gets_only_the_rules_that_apply_everywhere(tour: Callable[[str], JourneyRun], site: SiteServer) -> None:
    found = findings(tour("desktop"), site)
    assert [(f.rule, f.step) for f in found] == [("M102", 2), ("M106", 6)]


# ---------------------------------------------------------------------------- M101


def test_m101_no_viewport_meta(tour: Callable[[str], JourneyRun], site: SiteServer) -> None:
    finding = only(at(findings(tour("mobile"), site), 0), "M101")  # and neither M102 nor M104: one root cause
    assert (finding.severity, finding.channel) == ("major", "mobile")
    assert finding.evidence["viewport_meta"] is None
    assert finding.evidence["layout_width"] == 980 and finding.evidence["screen_width"] == 412
    assert (
        finding.title == "/mobile-no-viewport.html has no mobile viewport: laid out 980 px wide and shrunk to the phone"
    )


def test_m101_zoom_lock(tour: Callable[[str], JourneyRun], site: SiteServer) -> None:
    finding = only(at(findings(tour("mobile"), site), 1), "M101")
    assert finding.severity == "minor"
    assert finding.evidence["locks"] == "user-scalable=no"
    assert finding.evidence["viewport_meta"].endswith("maximum-scale=1, user-scalable=no")


# ---------------------------------------------------------------------------- M102


@pytest.mark.parametrize(("channel", "screen_width"), [("mobile", 412), ("desktop", 1366)])
def test_m102_page_wider_than_the_screen(
    tour: Callable[[str], JourneyRun], site: SiteServer, channel: str, screen_width: int
) -> None:
    finding = only(at(findings(tour(channel), site), 2), "M102")
    assert finding.channel == channel
    assert finding.evidence["screen_width"] == screen_width
    assert finding.evidence["page_width"] >= 1600
    assert finding.evidence["elements"][0]["sel"] == "main > div.promo-banner"  # not the table, not the drawer
    assert finding.severity == ("major" if channel == "mobile" else "minor")


# ---------------------------------------------------------------------------- M103


def test_m103_small_crowded_tap_targets(tour: Callable[[str], JourneyRun], site: SiteServer) -> None:
    finding = only(at(findings(tour("mobile"), site), 3), "M103")
    assert finding.severity == "minor"
    targets = finding.evidence["targets"]
    assert [t["name"] for t in targets] == ["Download", "Print", "Share", "Delete"]  # not Close, not the terms link
    assert all((t["width"], t["height"]) == (18, 18) for t in targets)
    assert finding.evidence["minimum_px"] == 24


# ---------------------------------------------------------------------------- M104


def test_m104_most_text_is_small(tour: Callable[[str], JourneyRun], site: SiteServer) -> None:
    finding = only(at(findings(tour("mobile"), site), 4), "M104")
    assert finding.severity == "minor"
    assert finding.evidence["small_share"] > 0.8
    example = finding.evidence["examples"][0]
    assert (example["px"], example["selector"]) == (10, "div.details > p")
    assert example["text"].startswith(("Late payment", "Due date", "Questions"))


# ---------------------------------------------------------------------------- M105


def test_m105_number_fields_with_a_full_keyboard(tour: Callable[[str], JourneyRun], site: SiteServer) -> None:
    finding = only(at(findings(tour("mobile"), site), 5), "M105")
    assert finding.severity == "minor"
    fields = {f["field"]: (f["kind"], f["fix"]) for f in finding.evidence["fields"]}
    assert fields == {
        "Mobilnummer": ("phone number", 'type="tel"'),
        "Kundenummer": ("customer number", 'inputmode="numeric"'),
        "Card number": ("card number", 'inputmode="numeric" autocomplete="cc-number"'),
    }


def test_m105_field_shown_later_on_the_same_screen_is_read_when_filled(replay: Replay, site: SiteServer) -> None:
    steps = [
        "goto: /mobile-late-field.html",
        {"click": {"role": "button", "name": "Send me a code"}},
        {"fill": {"label": "Engangskode fra SMS", "value": "123456"}},
    ]
    run = replay(steps, channel="mobile")
    assert run.status == "completed"
    assert screen(run)["fields"] == []  # hidden when the screen was measured
    finding = only(findings(run, site), "M105")
    assert finding.step == 2
    [field] = finding.evidence["fields"]
    assert (field["field"], field["kind"]) == ("Engangskode fra SMS", "one-time code or PIN")


# ---------------------------------------------------------------------------- M106


@pytest.mark.parametrize(("channel", "height"), [("mobile", 839), ("desktop", 768)])
def test_m106_next_control_far_below(
    tour: Callable[[str], JourneyRun], site: SiteServer, channel: str, height: int
) -> None:
    run = tour(channel)
    assert run.steps[7].status == "ok"
    finding = only(at(findings(run, site), 6), "M106")  # on the screen the customer had to search
    assert finding.severity == "minor"
    assert finding.evidence["next_step"] == 7 and finding.evidence["target"] == 'button "Accept and continue"'
    assert finding.evidence["screens"] > 3
    assert finding.evidence["screen_height_px"] == height
