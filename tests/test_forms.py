"""The forms probe and rules F103–F109 against a real Chromium and the pages in tests/site/form-*.html.

Three tours replay every planted page (one replay per tour and channel for the whole module), then
the saved observations are audited as a run would be. To keep the suite fast, the tours run with
the forms probe alone, except the clean tour on desktop, which runs with every probe of a real run
(so the forms probe is checked beside the others):

- SUBMIT: forms that reject a phone number with spaces (F103; F104 when the script also empties
  the form), an error that shows ``[object Object]`` and an error page that only says "Something
  went wrong" (F105);
- SCREENS: a long form (F106), fields that refuse paste (F107), wrong or missing ``autocomplete``
  (F108) and a field the journey fills that has only a placeholder (F109);
- CLEAN: ``clean.html`` and forms that work (a submit that goes on, one that says thanks and
  empties itself): none of the form rules may fire.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import LoopThread, Replay, SiteServer, audit_only, saved_run

from frictionaudit.audit.model import Finding
from frictionaudit.gather import journey_run
from frictionaudit.gather.collectors.forms import INIT_SCRIPT, FormsProbe
from frictionaudit.results import JourneyRun

pytestmark = pytest.mark.browser

FORM_RULES = ("F103", "F104", "F105", "F106", "F107", "F108", "F109")


def fill(label: str, value: str) -> dict[str, Any]:
    return {"fill": {"label": label, "value": value}}


def button(name: str) -> dict[str, Any]:
    return {"click": {"role": "button", "name": name}}


SUBMIT = [
    "goto: /form-phone.html",  # 0
    fill("Full name", "Ada Lovelace"),  # 1
    fill("E-mail", "ada@example.com"),  # 2
    fill("Phone", "12 34 56 78"),  # 3
    button("Send"),  # 4: F103 (the browser refuses the pattern)
    fill("Phone", "12345678"),  # 5
    button("Send"),  # 6: accepted, on to /thanks
    "expect: Thanks, Ada",  # 7
    "goto: /form-reset.html",  # 8
    fill("Full name", "Ada Lovelace"),  # 9
    fill("E-mail", "ada@example.com"),  # 10
    fill("Phone", "12 34 56 78"),  # 11
    button("Send message"),  # 12: F103 + F104 (a helpful message: no F105)
    "goto: /form-unhelpful.html",  # 13
    button("Check balance"),  # 14: F105 ([object Object]), not a submit
    "goto: /form-oops.html",  # 15: F105 (the page says only "Something went wrong")
    "goto: /form-oops-helpful.html",  # 16: clean (says what to do)
]
SUBMIT_ON_PHONES = 13  # the mobile tour stops after the form that clears itself: messages are channel-blind
SCREENS = [
    "goto: /form-long.html",  # 0: F106
    "goto: /form-paste.html",  # 1: F107 ×2
    "goto: /form-autocomplete.html",  # 2: F108
    "goto: /form-nolabel.html",  # 3: F109 (reported on the screen's first step)
    fill("Name", "Ada Lovelace"),  # 4
    {"fill": {"placeholder": "Phone number", "value": "12345678"}},  # 5
    button("Call me"),  # 6: on to /thanks
    "expect: Thanks, Ada",  # 7
]
CLEAN = [
    "goto: /clean.html",  # 0
    "goto: /form-clean.html",  # 1
    fill("Name", "Ada Lovelace"),  # 2
    fill("E-mail", "ada@example.com"),  # 3
    fill("Telefon", "12 34 56 78"),  # 4
    fill("Postnummer", "9008"),  # 5
    button("Sign up"),  # 6
    "expect: Thanks, Ada",  # 7
    "goto: /form-success.html",  # 8
    fill("E-mail", "ada@example.com"),  # 9
    fill("Your feedback", "Works well"),  # 10
    button("Send"),  # 11: thanks in an alert region, the form empties itself
    "expect: We received your feedback",  # 12
]
TOURS = {"submit": SUBMIT, "screens": SCREENS, "clean": CLEAN}
SHORT = {("submit", "mobile"): SUBMIT_ON_PHONES}
_RUNS: dict[tuple[str, str], JourneyRun] = {}


@pytest.fixture
def tour(replay: Replay, monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str], JourneyRun]:
    """A tour replayed on a channel, once per test session (the result is plain saved data)."""

    def get(name: str, channel: str) -> JourneyRun:
        if (name, channel) not in _RUNS:
            with monkeypatch.context() as patch:
                if (name, channel) != ("clean", "desktop"):
                    patch.setattr(journey_run, "PROBES", [FormsProbe])
                run = replay(TOURS[name][: SHORT.get((name, channel))], channel=channel)
            assert run.status == "completed" and run.probe_errors == [], (run.reason, run.probe_errors)
            _RUNS[name, channel] = run
        return _RUNS[name, channel]

    return get


def findings(run: JourneyRun, site: SiteServer) -> list[Finding]:
    """Audit one replayed run the way ``frictionaudit run`` does, with only the form rules."""
    return audit_only(saved_run(run, site.url), FORM_RULES)


def places(found: list[Finding]) -> list[tuple[str, int | None, str]]:
    return sorted((f.rule, f.step, f.severity) for f in found)


# ---------------------------------------------------------------------------- F103, F104, F105


@pytest.mark.parametrize("channel", ["desktop", "mobile"])
def test_submit_tour_finds_rejections_cleared_fields_and_unhelpful_errors(
    tour: Callable[[str, str], JourneyRun], site: SiteServer, channel: str
) -> None:
    run = tour("submit", channel)
    found = findings(run, site)
    expected = [("F103", 4, "major"), ("F103", 12, "major"), ("F104", 12, "major")]
    if channel == "desktop":
        expected += [("F105", 14, "minor"), ("F105", 15, "minor")]
    assert places(found) == expected, [(f.rule, f.step, f.title) for f in found]
    by = {(f.rule, f.step): f for f in found}

    browser = by["F103", 4]
    assert browser.evidence["fields"] == ["Phone"]
    assert browser.evidence["messages"] and "format" in browser.evidence["messages"][0]
    assert browser.evidence["kinds"] == ["validation"] and browser.evidence["how"] == ["invalid"]
    assert browser.url == f"{site.url}/form-phone.html" and "Phone" in browser.title

    script = by["F103", 12]
    assert script.evidence["fields"] == ["Phone"]
    assert script.evidence["messages"] == ["Invalid phone number: use 8 digits"]
    assert by["F104", 12].evidence["fields"] == ["Full name", "E-mail", "Phone"]

    # The accepted submit (step 6) went on to another page: no rejection, nothing cleared.
    submit = run.steps[6].extra["forms"]["submit"]
    assert submit["how"] == ["post"] and submit["same_page"] is False
    # The probe never records what was typed.
    assert "12 34 56 78" not in str([s.extra for s in run.steps])

    if channel == "mobile":
        return
    leak = by["F105", 14]
    assert leak.evidence["message"] == "Error: [object Object]" and "JavaScript object" in leak.evidence["problem"]
    oops = by["F105", 15]
    assert oops.evidence["message"] == "Something went wrong" and oops.evidence["where"] == "main"


# ---------------------------------------------------------------------------- F106–F109


@pytest.mark.parametrize("channel", ["desktop", "mobile"])
def test_screens_tour_finds_long_forms_paste_autocomplete_and_labels(
    tour: Callable[[str, str], JourneyRun], site: SiteServer, channel: str
) -> None:
    run = tour("screens", channel)
    found = findings(run, site)
    assert places(found) == [
        ("F106", 0, "minor"),
        ("F107", 1, "major"),
        ("F107", 1, "minor"),
        ("F108", 2, "minor"),
        ("F108", 2, "minor"),
        ("F109", 3, "major"),
    ], [(f.rule, f.step, f.title) for f in found]
    by = {(f.rule, f.severity if f.rule == "F107" else f.evidence.get("form", "")): f for f in found}

    long = by["F106", "form moving"]
    assert long.evidence["fields"] == 10 and long.evidence["limit"] == 8 and long.evidence["form"] == "form moving"
    assert "Leave this empty" not in long.evidence["labels"] and "Customer number" not in long.evidence["labels"]

    assert by["F107", "minor"].evidence["field"] == "Repeat e-mail"
    assert by["F107", "major"].evidence["field"] == "New password"

    def problems(form: str) -> dict[str, tuple[str, str]]:
        return {p["field"]: (p["problem"], p["use"]) for p in by["F108", form].evidence["fields"]}

    assert problems("form details") == {
        "Fornavn": ("first name field without autocomplete", "given-name"),
        "First name (billing)": ('first name field with autocomplete="name"', "given-name"),
        "Mobile number": ("phone field without autocomplete", "tel"),
        "E-mail": ('e-mail field with an invalid autocomplete "nope"', "email"),
    }
    assert problems("form card") == {"Card number": ('card number field with autocomplete="off"', "cc-number")}

    unlabelled = by["F109", ""]
    assert [f["field"] for f in unlabelled.evidence["fields"]] == ["Phone number"]
    assert unlabelled.evidence["fields"][0]["placeholder_only"] is True
    assert unlabelled.url == f"{site.url}/form-nolabel.html"


# ---------------------------------------------------------------------------- clean pages


@pytest.mark.parametrize("channel", ["desktop", "mobile"])
def test_clean_forms_have_no_form_findings(
    tour: Callable[[str, str], JourneyRun], site: SiteServer, channel: str
) -> None:
    run = tour("clean", channel)
    assert findings(run, site) == []
    # The probe saw the submits and the thanks, and judged them accepted.
    assert run.steps[6].extra["forms"]["submit"]["how"] == ["post"]
    thanks = run.steps[11].extra["forms"]["submit"]
    assert thanks["how"] == ["submit"]
    assert thanks["errors"] == [{"k": "alert", "t": "Thanks! We received your feedback."}]  # success: not F103
    assert [c["label"] for c in thanks["cleared"]] == ["E-mail", "Your feedback"]  # emptied, but no error: not F104


# ---------------------------------------------------------------------------- the probe itself


def test_paste_check_restores_what_it_touched(
    aio: LoopThread, shared_browser: Any, site: SiteServer, tmp_path: Path
) -> None:
    """The synthetic paste leaves every field as it was, even where a handler took the paste over."""

    async def check() -> tuple[Any, list[str]]:
        context = await shared_browser.new_context()
        try:
            await context.add_init_script(INIT_SCRIPT)
            page = await context.new_page()
            await page.goto(f"{site.url}/form-paste.html")
            await page.fill("[name=email]", "ada@example.com")
            data = await page.evaluate("() => window.__frictionauditForms.after({screen: true})")
            values = await page.evaluate("() => Array.from(document.querySelectorAll('input')).map(i => i.value)")
            return data, values
        finally:
            await context.close()

    data, values = aio.run(check())
    assert values == ["ada@example.com", "", "", "", ""]
    blocked = [f["label"] for f in data["screen"]["fields"] if f.get("paste_blocked")]
    assert blocked == ["Repeat e-mail", "New password"]
