"""The page_facts, forms and mobile probes inside open shadow roots (web components), in a real Chromium.

- ``shadow-dom.html``: problems planted inside shadow roots: another amount and a missing button on
  phones (C104, C105), small crowded icon buttons (M103), a field with only a placeholder (F109), an
  e-mail field without autocomplete (F108), a script that refuses a phone number with spaces (F103);
- ``shadow-clean.html``: the same components without them: no channel, form or mobile rule fires;
- ``shadow-slots.html``: slotted light-DOM content is read once, where its slot shows it.

Only the three probes run (the others cost seconds per journey and do not read shadow roots).
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import Replay
from observations import results

from frictionaudit.audit.model import Finding
from frictionaudit.audit.registry import all_rules, audit
from frictionaudit.gather.collectors.forms import FormsProbe
from frictionaudit.gather.collectors.mobile import MobileProbe
from frictionaudit.gather.collectors.page_facts import PageFactsProbe
from frictionaudit.results import JourneyRun

pytestmark = pytest.mark.browser

RULES = ("C101", "C102", "C103", "C104", "C105", "C106", "F103", "F104", "F105", "F106", "F107", "F108", "F109")
RULES += ("M101", "M102", "M103", "M104", "M105", "M106")

PLANTED = [
    "goto: /shadow-dom.html",  # 0: M103 (mobile), F108, F109 (on the screen's first step)
    {"fill": {"label": "Full name", "value": "Ada Lovelace"}},  # 1
    {"fill": {"placeholder": "Phone number", "value": "12 34 56 78"}},  # 2
    {"click": {"role": "button", "name": "Call me"}},  # 3: F103 (the form's script refuses the spaces);
]  # C104 and C105 (mobile) on step 3, the screen's last read
CLEAN = [
    "goto: /shadow-clean.html",  # 0
    {"fill": {"label": "Full name", "value": "Ada Lovelace"}},  # 1
    {"fill": {"label": "Phone", "value": "12345678"}},  # 2
    {"click": {"role": "button", "name": "Call me"}},  # 3
    "expect: Thanks, we will call you.",  # 4
]
_RUNS: dict[tuple[str, str], JourneyRun] = {}


@pytest.fixture(autouse=True)
def shadow_probes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("frictionaudit.gather.journey_run.PROBES", [PageFactsProbe, MobileProbe, FormsProbe])


def replayed(replay: Replay, steps: list[Any], channel: str) -> JourneyRun:
    """A journey on a channel, replayed once per test session (the result is plain saved data)."""
    key = (str(steps[0]), channel)
    if key not in _RUNS:
        run = replay(steps, channel=channel)
        assert run.status == "completed" and run.probe_errors == [], (run.reason, run.probe_errors)
        _RUNS[key] = run.model_copy(update={"journey": "journey"})
    return _RUNS[key]


def found(*runs: JourneyRun) -> list[Finding]:
    """The channel, form and mobile rules on the runs, as ``frictionaudit run`` audits them."""
    saved = results(*runs, channels={r.channel: 1.0 for r in runs})
    channels = [c.model_copy(update={"is_mobile": c.name == "mobile"}) for c in saved.channels]
    saved = saved.model_copy(update={"channels": channels})
    return audit(saved, disabled=[c for c in all_rules() if c not in RULES]).findings


def places(findings: list[Finding]) -> list[tuple[str, str, int | None]]:
    return sorted((f.rule, f.channel, f.step) for f in findings)


def facts(run: JourneyRun, step: int = 0) -> dict[str, Any]:
    return run.steps[step].extra["page_facts"]


# ---------------------------------------------------------------------------- planted problems


def test_page_facts_read_inside_shadow_roots(replay: Replay) -> None:
    desktop, mobile = (replayed(replay, PLANTED, channel) for channel in ("desktop", "mobile"))
    page = facts(desktop)
    assert page["texts"] == [["Invoice November 2026", ""], ["kr 1 234,50", "Amount"], ["812 kWh", "Usage"]]
    assert [1, "Your account"] in page["headings"] and [2, "Invoice November 2026"] in page["headings"]
    actions = {name: state for name, state, *_ in page["actions"]}
    # "Pay now" is a design-system button named by its slotted text; the toolbar is declarative shadow DOM.
    assert {"Pay now", "Change payment date", "Download", "Call me"} <= set(actions)
    assert actions["Pay now"] == actions["Change payment date"] == "v"
    assert ["kr 1 243,50", "Amount"] in facts(mobile)["texts"]
    assert "Change payment date" not in {name for name, *_ in facts(mobile)["actions"]}
    # The mobile probe reads the field a fill step types into, in its shadow root.
    assert mobile.steps[1].extra["mobile"]["field"]["label"] == "Full name"


def test_planted_problems_inside_shadow_roots_are_found(replay: Replay) -> None:
    desktop, mobile = (replayed(replay, PLANTED, channel) for channel in ("desktop", "mobile"))
    findings = found(desktop, mobile)
    assert places(findings) == [
        ("C104", "mobile", 3),
        ("C105", "mobile", 3),
        ("F103", "desktop", 3),
        ("F103", "mobile", 3),
        ("F108", "desktop", 0),
        ("F108", "mobile", 0),
        ("F109", "desktop", 0),
        ("F109", "mobile", 0),
        ("M103", "mobile", 0),
    ], [(f.rule, f.channel, f.step, f.title) for f in findings]
    by = {(f.rule, f.channel): f for f in findings}

    amount = by["C104", "mobile"]
    assert amount.evidence["fact"] == "amount"
    assert amount.evidence["normalised"] == {"desktop": "1234.5 kr", "mobile": "1243.5 kr"}
    assert by["C105", "mobile"].evidence["values"] == {"desktop": "Change payment date", "mobile": "(missing)"}

    # The light-DOM <label for="phone"> does not reach the field in the shadow root: only a placeholder.
    [unlabelled] = by["F109", "desktop"].evidence["fields"]
    assert (unlabelled["field"], unlabelled["placeholder_only"]) == ("Phone number", True)
    [email] = by["F108", "desktop"].evidence["fields"]
    assert (email["field"], email["use"]) == ("E-mail", "email")  # labelled by slotted text

    refused = by["F103", "desktop"]
    assert refused.evidence["fields"] == ["Phone number"]
    assert refused.evidence["messages"] == ["Invalid phone number: use 8 digits"]
    # The submit event never leaves the shadow root: the probe heard it there.
    assert desktop.steps[3].extra["forms"]["submit"]["how"] == ["submit"]

    taps = by["M103", "mobile"].evidence["targets"]
    assert [t["name"] for t in taps] == ["Download", "Print", "Share", "Delete"]
    assert all((t["width"], t["height"]) == (18, 18) for t in taps)
    assert {t["selector"] for t in taps} == {"main > x-toolbar >>> div.toolbar > button"}  # the component named


def test_forms_probe_labels_resolve_in_their_own_tree(replay: Replay) -> None:
    screen = replayed(replay, PLANTED, "desktop").steps[0].extra["forms"]["screen"]
    labels = ["Full name", "E-mail", "Phone number"]
    assert screen["forms"] == [{"form": "form callback", "fields": 3, "labels": labels}]
    labelled = {f["label"]: f["labelled"] for f in screen["fields"]}
    assert labelled == {"Full name": True, "E-mail": True, "Phone number": False}


# ---------------------------------------------------------------------------- the clean page


def test_clean_shadow_dom_page_has_no_findings(replay: Replay) -> None:
    desktop, mobile = (replayed(replay, CLEAN, channel) for channel in ("desktop", "mobile"))
    findings = found(desktop, mobile)
    assert findings == [], [(f.rule, f.channel, f.step, f.title) for f in findings]
    # Not clean because nothing was read: the probes saw the shadow roots' content.
    assert ["kr 1 234,50", "Amount"] in facts(desktop)["texts"]
    # The counter ticking in a shadow root is live text, left out (the init script watches open shadow roots).
    last = facts(desktop, 3)
    assert last["skipped"]["live"] >= 1 and not [t for t, *_ in last["texts"] if "Energy" in t]
    screen = desktop.steps[0].extra["forms"]["screen"]
    assert {f["label"]: f["labelled"] for f in screen["fields"]} == {"Full name": True, "E-mail": True, "Phone": True}
    taps = mobile.steps[0].extra["mobile"]["screen"]["taps"]
    assert (taps["targets"], taps["small"]) == (8, 0)
    assert desktop.steps[3].extra["forms"]["submit"]["how"] == ["submit"]


# ---------------------------------------------------------------------------- slotted content


def test_slotted_content_is_read_once_where_it_is_shown(replay: Replay) -> None:
    run = replay(["goto: /shadow-slots.html"], channel="mobile")
    assert run.status == "completed" and run.probe_errors == [], (run.reason, run.probe_errors)
    page = facts(run)
    assert page["texts"] == [["Order 12345", ""], ["Total: kr 249,00", ""], ["Delivery in 2 days", ""]]
    assert page["headings"] == [[1, "Slots"], [2, "Order 12345"]]
    assert page["actions"] == [["Track parcel", "v"]]

    screen = run.steps[0].extra["mobile"]["screen"]
    # Every character of visible text once: Slots, Order12345, Total:, kr249,00, Trackparcel,
    # Deliveryin2days, Postcode; never the light child no slot takes ("Not shown 999").
    assert screen["text"]["chars"] == 5 + 10 + 6 + 8 + 11 + 15 + 8
    assert screen["text"]["sizes"] == {"32": 5, "24": 10, "16": 48}
    assert screen["taps"]["targets"] == 2  # the slotted button and the slotted field

    forms = run.steps[0].extra["forms"]["screen"]
    assert forms["forms"] == [{"form": "page", "fields": 1, "labels": ["Postcode"]}]
    assert [f["name"] for f in forms["fields"]] == ["postcode"]
