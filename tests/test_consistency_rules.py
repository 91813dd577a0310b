"""The C-rules (cross-channel consistency) and the step matching they use, on saved results: no browser.

Saved observations are built with ``tests/observations.py``; the page_facts probe's record of a
screen (``StepResult.extra["page_facts"]``) is written by hand with :func:`facts`.
"""

from __future__ import annotations

from typing import Any

import pytest
from observations import results, run, step

from frictionaudit.audit.model import Finding
from frictionaudit.audit.registry import audit
from frictionaudit.consistency import (
    channel_only_steps,
    comparable_groups,
    journey_runs,
    match_steps,
    settled_run,
    unstable_facts,
)
from frictionaudit.effort import screen_key
from frictionaudit.results import JourneyRun, RunResults, StepResult

DESKTOP, MOBILE = "desktop", "mobile"


def facts(
    texts: list[Any] = (),  # type: ignore[assignment]
    actions: list[str] | dict[str, str] = (),  # type: ignore[assignment]
    headings: list[tuple[int, str]] = (),  # type: ignore[assignment]
    **fields: Any,
) -> dict[str, Any]:
    """A page_facts record: texts as "text" or ("text", "label"); actions as names (visible) or name → state."""
    pairs = actions.items() if isinstance(actions, dict) else ((a, "v") for a in actions)
    return {
        "scope": "main",
        "texts": [[t, ""] if isinstance(t, str) else list(t) for t in texts],
        "actions": [[name, state] for name, state in pairs],
        "headings": [[level, text] for level, text in headings],
        **fields,
    }


def st(
    index: int,
    channel: str = DESKTOP,
    *,
    path: str = "/",
    title: str = "Shop",
    label: str = "",
    action: str = "click",
    status: str = "ok",
    page: dict[str, Any] | None = None,
    captured: dict[str, str] | None = None,
) -> StepResult:
    base = step(index, label, action=action, status=status, path=path, title=title)  # type: ignore[arg-type]
    return base.model_copy(
        update={
            "extra": {"page_facts": page} if page is not None else {},
            "captured": captured or {},
            "screen": screen_key(base.url, title),
            "screenshot": f"screens/{channel}/{index + 1:02d}.jpg",
        }
    )


def audit_c(*runs: JourneyRun, thresholds: dict[str, Any] | None = None) -> list[Finding]:
    saved = results(*runs, channels={DESKTOP: 1.0, MOBILE: 1.0})
    if thresholds:
        saved.settings["thresholds"] = thresholds
    outcome = audit(saved)
    assert [o for o in outcome.errors if o.rule.startswith("C")] == []
    return [f for f in outcome.findings if f.rule.startswith("C")]


def only(findings: list[Finding], code: str) -> Finding:
    [found] = [f for f in findings if f.rule == code]
    return found


def two_sided(finding: Finding, step_index: int) -> None:
    """The evidence every C-finding carries: both channels' values and screenshots, the step, the fact."""
    evidence = finding.evidence
    assert set(evidence["values"]) == set(evidence["screenshots"]) == {DESKTOP, MOBILE}
    assert evidence["step"] == step_index and evidence["fact"]
    for channel, shot in evidence["screenshots"].items():
        assert shot is None or shot.startswith(f"screens/{channel}/")


def same_screens(page_d: dict[str, Any], page_m: dict[str, Any], *, path_m: str = "/") -> list[JourneyRun]:
    """One step on each channel, on one screen each."""
    return [
        run("j", DESKTOP, st(0, DESKTOP, page=page_d)),
        run("j", MOBILE, st(0, MOBILE, page=page_m, path=path_m)),
    ]


# ---------------------------------------------------------------------------- matching steps


def test_steps_match_by_index_never_by_url() -> None:
    desktop = run("j", DESKTOP, st(0, path="/invoice"), st(1, path="/receipt"))
    mobile = run("j", MOBILE, st(0, MOBILE, path="/m/faktura"), st(1, MOBILE, label="Menu"), st(2, MOBILE, path="/x"))
    mobile.steps[1] = mobile.steps[1].model_copy(update={"index": 2})
    mobile.steps[2] = mobile.steps[2].model_copy(update={"index": 1})
    matches = match_steps({DESKTOP: desktop, MOBILE: mobile})
    assert [(m.index, sorted(m.steps)) for m in matches] == [
        (0, [DESKTOP, MOBILE]),
        (1, [DESKTOP, MOBILE]),
        (2, [MOBILE]),
    ]
    assert matches[1].steps[MOBILE].url.endswith("/x")  # matched by the journey's index, whatever the URL
    assert [s.index for s in channel_only_steps({DESKTOP: desktop, MOBILE: mobile}, MOBILE)] == [2]
    assert channel_only_steps({DESKTOP: desktop, MOBILE: mobile}, DESKTOP) == []


def test_skipped_steps_do_not_match() -> None:
    desktop = run("j", DESKTOP, st(0), st(1))
    mobile = run("j", MOBILE, st(0, MOBILE), st(1, MOBILE, status="skipped"), blocked_at=0)
    assert [sorted(m.steps) for m in match_steps({DESKTOP: desktop, MOBILE: mobile})] == [
        [DESKTOP, MOBILE],
        [DESKTOP],
    ]


def test_comparable_groups_follow_screen_visits() -> None:
    page = facts()
    desktop = run("j", DESKTOP, *(st(i, page=page, path=p) for i, p in enumerate(["/a", "/a", "/b", "/b", "/a"])))
    mobile = run(
        "j", MOBILE, *(st(i, MOBILE, page=page, path=p) for i, p in enumerate(["/m/a", "/m/a", "/m/a", "/m/b", "/m/a"]))
    )
    # Each group ends when either channel moves on; step 2 is /b on desktop and still /m/a on mobile.
    assert comparable_groups(desktop, mobile) == [[0, 1], [2], [3], [4]]
    mobile.steps[1] = mobile.steps[1].model_copy(update={"extra": {}})  # not read: not compared
    assert comparable_groups(desktop, mobile) == [[0], [2], [3], [4]]


def test_settled_run_takes_the_probes_url_and_title() -> None:
    loading = st(0, path="/login", title="Loading http://shop.test/login", page=facts(url="https://shop.test/invoices"))
    later = st(1, path="/invoices", title="Your invoices", page=facts(url="https://shop.test/invoices"))
    settled = settled_run(run("j", DESKTOP, loading, later))
    assert [(s.url, s.title) for s in settled.steps] == [
        ("https://shop.test/invoices", "Your invoices"),
        ("https://shop.test/invoices", "Your invoices"),
    ]
    assert settled.steps[0].screen == settled.steps[1].screen


def test_first_run_of_each_channel_is_compared_in_config_order() -> None:
    saved = results(run("j", MOBILE, st(0, MOBILE)), run("j", DESKTOP, st(0)), channels={DESKTOP: 1, MOBILE: 1})
    assert list(journey_runs(saved)["j"]) == [DESKTOP, MOBILE]


# ---------------------------------------------------------------------------- C101


def test_c101_completes_on_one_channel_blocked_on_another() -> None:
    desktop = run("pdf", DESKTOP, st(0, label="Open invoice"), st(1, label="Download the PDF"))
    mobile = run(
        "pdf",
        MOBILE,
        st(0, MOBILE, label="Open invoice"),
        st(1, MOBILE, label="Download the PDF", status="failed"),
        blocked_at=1,
        reason='could not find link "Download PDF" within 5 s',
    )
    found = audit_c(desktop, mobile)
    c101 = only(found, "C101")
    assert (c101.severity, c101.channel, c101.step, c101.root_cause) == ("blocker", MOBILE, 1, "pdf#1")
    assert c101.fix_title == "“pdf” works on desktop, not on mobile (step 2 “Download the PDF”)"
    assert c101.evidence["values"] == {
        DESKTOP: "completed",
        MOBILE: 'blocked at step 2: could not find link "Download PDF" within 5 s',
    }
    assert c101.evidence["screenshots"] == {DESKTOP: "screens/desktop/02.jpg", MOBILE: "screens/mobile/02.jpg"}
    two_sided(c101, 1)
    assert [f.rule for f in found] == ["C101"]  # a blocked run's effort is not compared (C102)


def test_c101_not_when_every_channel_blocks_or_fails() -> None:
    blocked = [run("j", c, st(0, c, status="failed"), blocked_at=0, reason="no") for c in (DESKTOP, MOBILE)]
    assert audit_c(*blocked) == []
    error = run("j", MOBILE, status="error", reason="browser failure: crashed")
    assert audit_c(run("j", DESKTOP, st(0)), error) == []


def test_c101_blocked_at_a_step_only_that_channel_has() -> None:
    desktop = run("j", DESKTOP, st(0), st(2))
    mobile = run("j", MOBILE, st(0, MOBILE), st(1, MOBILE, label="Open the menu", status="failed"), blocked_at=1)
    c101 = only(audit_c(desktop, mobile), "C101")
    assert c101.evidence["screenshots"] == {DESKTOP: "screens/desktop/01.jpg", MOBILE: "screens/mobile/02.jpg"}


# ---------------------------------------------------------------------------- C102


def test_c102_a_menu_tap_only_mobile_needs_is_cosmetic() -> None:
    desktop = run("j", DESKTOP, st(0, action="goto"), st(2, label="Pay now"))
    mobile = run("j", MOBILE, st(0, MOBILE, action="goto"), st(1, MOBILE, label="Open the menu"), st(2, MOBILE))
    c102 = only(audit_c(desktop, mobile), "C102")
    assert (c102.severity, c102.channel, c102.step) == ("cosmetic", MOBILE, 1)
    assert c102.evidence["extra"] == {"clicks": 1}
    assert c102.evidence["channel_only_steps"] == [{"step": 1, "label": "Open the menu"}]
    assert c102.evidence["values"] == {
        DESKTOP: "1 screens, 1 clicks, 0 fields",
        MOBILE: "1 screens, 2 clicks, 0 fields",
    }
    two_sided(c102, 1)
    assert c102.evidence["screenshots"] == {DESKTOP: "screens/desktop/01.jpg", MOBILE: "screens/mobile/02.jpg"}


def test_c102_extra_screens_are_worse_than_extra_taps() -> None:
    desktop = run("j", DESKTOP, st(0, path="/a"), st(1, path="/b"))
    one_more = run("j", MOBILE, st(0, MOBILE, path="/a"), st(1, MOBILE, path="/interstitial"), st(2, MOBILE, path="/b"))
    one_more.steps[1] = one_more.steps[1].model_copy(update={"action": "expect"})
    assert only(audit_c(desktop, one_more), "C102").severity == "minor"
    two_more = run("j", MOBILE, *(st(i, MOBILE, path=p) for i, p in enumerate(["/a", "/x", "/y", "/b"])))
    assert only(audit_c(run("j", DESKTOP, st(0, path="/a"), st(3, path="/b")), two_more), "C102").severity == "major"
    assert only(audit_c(desktop, one_more, thresholds={"channel_extra_screens": 1}), "C102").severity == "major"


def test_c102_more_fields_on_mobile_is_minor() -> None:
    desktop = run("j", DESKTOP, st(0, action="fill"))
    mobile = run("j", MOBILE, st(0, MOBILE, action="fill"), st(1, MOBILE, action="fill", label="Fill Phone"))
    c102 = only(audit_c(desktop, mobile), "C102")
    assert (c102.severity, c102.evidence["extra"]) == ("minor", {"fields": 1})


def test_c102_equal_effort_is_quiet() -> None:
    assert audit_c(run("j", DESKTOP, st(0), st(1)), run("j", MOBILE, st(0, MOBILE), st(1, MOBILE))) == []


# ---------------------------------------------------------------------------- C103


def capture_runs(desktop: str, mobile: str, name: str = "amount") -> list[JourneyRun]:
    return [
        run("pay", DESKTOP, st(0), st(1, action="capture", captured={name: desktop})),
        run("pay", MOBILE, st(0, MOBILE), st(1, MOBILE, action="capture", captured={name: mobile})),
    ]


def test_c103_captured_amount_differs() -> None:
    c103 = only(audit_c(*capture_runs("kr 1 234,50", "kr 1 243,50")), "C103")
    assert (c103.severity, c103.channel, c103.step) == ("major", MOBILE, 1)
    assert c103.evidence["values"] == {DESKTOP: "kr 1 234,50", MOBILE: "kr 1 243,50"}
    assert c103.evidence["normalised"] == {DESKTOP: "1234.5 kr", MOBILE: "1243.5 kr"}
    assert c103.evidence["fact"] == "amount" and c103.evidence["kind"] == "amount"
    two_sided(c103, 1)
    assert c103.title == "amount is “kr 1 243,50” on mobile but “kr 1 234,50” on desktop"


@pytest.mark.parametrize(
    ("desktop", "mobile"),
    [("kr 1 234,50", "1234.50 NOK"), ("15.12.2026", "15. desember 2026"), ("Spot price", "spot  price")],
)
def test_c103_same_fact_in_another_format_is_quiet(desktop: str, mobile: str) -> None:
    assert audit_c(*capture_runs(desktop, mobile)) == []


def test_c103_worded_differently_is_minor() -> None:
    c103 = only(audit_c(*capture_runs("Spot price", "Market price", name="plan")), "C103")
    assert (c103.severity, c103.evidence["kind"]) == ("minor", "text")
    assert "worded differently" in c103.title


def test_c103_three_channels_report_the_one_that_differs() -> None:
    runs = [
        run("pay", c, st(0, c, action="capture", captured={"amount": v}))
        for c, v in ((DESKTOP, "kr 1 243,50"), (MOBILE, "1 234,50 kr"), ("norsk", "kr 1 234,50"))
    ]
    saved = results(*runs, channels={DESKTOP: 1.0, MOBILE: 1.0, "norsk": 1.0})
    [c103] = [f for f in audit(saved).findings if f.rule == "C103"]
    assert c103.channel == DESKTOP  # desktop alone differs from the majority
    assert set(c103.evidence["values"]) == {DESKTOP, MOBILE, "norsk"}
    assert "on mobile and norsk" in c103.title


# ---------------------------------------------------------------------------- C104

INVOICE_D = facts([("kr 1 234,50", "Amount"), ("15 December 2026", "Due date"), ("812 kWh", "Usage")])
INVOICE_M = facts([("kr 1 243,50", "Amount"), ("15.12.2026", "Due date"), ("812 kWh", "Usage")])


def test_c104_amount_on_screen_differs() -> None:
    c104 = only(audit_c(*same_screens(INVOICE_D, INVOICE_M)), "C104")
    assert (c104.severity, c104.channel, c104.step) == ("major", MOBILE, 0)
    assert c104.evidence["values"] == {DESKTOP: "Amount: kr 1 234,50", MOBILE: "Amount: kr 1 243,50"}
    assert c104.evidence["fact"] == "amount"
    two_sided(c104, 0)
    assert c104.title == "“Amount” is “kr 1 243,50” on mobile but “kr 1 234,50” on desktop"
    assert c104.root_cause == "amount|1234.5 kr|1243.5 kr"


def test_c104_is_quiet_when_the_same_facts_are_written_differently() -> None:
    mobile = facts(["Amount: 1234.50 NOK", "Due 2026-12-15", "You used 812 kwh"])
    assert audit_c(*same_screens(INVOICE_D, mobile, path_m="/m/invoice")) == []


def test_c104_key_number_differs_is_minor() -> None:
    mobile = facts([("kr 1 234,50", "Amount"), ("15 December 2026", "Due date"), ("821 kWh", "Usage")])
    assert only(audit_c(*same_screens(INVOICE_D, mobile)), "C104").severity == "minor"


def test_c104_missing_labelled_amount_is_minor() -> None:
    mobile = facts([("15 December 2026", "Due date"), ("812 kWh", "Usage")])
    c104 = only(audit_c(*same_screens(INVOICE_D, mobile)), "C104")
    assert (c104.severity, c104.channel) == ("minor", MOBILE)
    assert c104.evidence["values"] == {DESKTOP: "Amount: kr 1 234,50", MOBILE: "(missing)"}


def test_c104_leaves_captured_differences_to_c103() -> None:
    desktop = run("pay", DESKTOP, st(0, page=INVOICE_D), st(1, page=INVOICE_D, captured={"amount": "kr 1 234,50"}))
    mobile = run(
        "pay", MOBILE, st(0, MOBILE, page=INVOICE_M), st(1, MOBILE, page=INVOICE_M, captured={"amount": "kr 1 243,50"})
    )
    receipt_d = facts(["We have received kr 1 234,50. Thank you!"])
    receipt_m = facts(["We have received kr 1 243,50. Thank you!"])
    desktop.steps.append(st(2, page=receipt_d, path="/receipt"))
    mobile.steps.append(st(2, MOBILE, page=receipt_m, path="/receipt"))
    found = audit_c(desktop, mobile)
    assert [f.rule for f in found] == ["C103"]


def test_c104_a_difference_seen_on_several_steps_is_reported_once() -> None:
    desktop = run("j", DESKTOP, st(0, page=INVOICE_D, path="/a"), st(1, page=INVOICE_D, path="/b"))
    mobile = run("j", MOBILE, st(0, MOBILE, page=INVOICE_M, path="/a"), st(1, MOBILE, page=INVOICE_M, path="/b"))
    assert only(audit_c(desktop, mobile), "C104").evidence["step"] == 0


def test_c104_a_value_that_changes_between_reads_is_noise() -> None:
    """Read twice on one screen (or loaded twice) on one channel with two values: not a fact to compare."""
    first = facts([("kr 412,00", "Price of the day")])
    second = facts([("kr 377,00", "Price of the day")])
    mobile_page = facts([("kr 129,00", "Price of the day")])
    desktop = run("j", DESKTOP, st(0, page=first), st(1, page=second))
    mobile = run("j", MOBILE, st(0, MOBILE, page=mobile_page), st(1, MOBILE, page=mobile_page))
    assert audit_c(desktop, mobile) == []
    assert ("amount", "price of the day") in unstable_facts(results(desktop, mobile))[
        (DESKTOP, desktop.steps[0].screen)
    ]


def test_c104_a_revisit_in_another_journey_is_a_second_load() -> None:
    visit = run("other", DESKTOP, st(0, page=facts([("kr 377,00", "Price of the day")])))
    desktop = run("j", DESKTOP, st(0, page=facts([("kr 412,00", "Price of the day")])))
    mobile = run("j", MOBILE, st(0, MOBILE, page=facts([("kr 129,00", "Price of the day")])))
    assert audit_c(desktop, mobile, visit) == []
    assert len(audit_c(desktop, mobile)) == 1  # read once per channel, it cannot be told from a difference


def test_c104_compares_the_settled_read_of_a_screen() -> None:
    """Late content: the first read has no amount yet; the last read of the visit has it on both channels."""
    loading = facts(["Loading…"])
    desktop = run("j", DESKTOP, st(0, page=loading), st(1, page=INVOICE_D))
    mobile = run("j", MOBILE, st(0, MOBILE, page=INVOICE_D), st(1, MOBILE, page=INVOICE_D))
    assert audit_c(desktop, mobile) == []


def test_c104_today_is_not_a_fact() -> None:
    desktop, mobile = same_screens(facts(["Today is 21 November 2026"]), facts(["Today is 22 November 2026"]))
    for r in (desktop, mobile):
        r.started_at = "2026-11-21T23:59:00+00:00"
    assert audit_c(desktop, mobile) == []


def test_old_results_without_page_facts_are_quiet() -> None:
    assert audit_c(run("j", DESKTOP, st(0)), run("j", MOBILE, st(0, MOBILE))) == []


# ---------------------------------------------------------------------------- C105

ACTIONS = ["Pay now", "Download PDF", "Change payment date", "Back to the invoice list"]


def test_c105_visible_action_missing_on_mobile() -> None:
    mobile = facts(actions={"Pay now": "v", "Change payment date": "v", "Back to the invoice list": "v"})
    c105 = only(audit_c(*same_screens(facts(actions=ACTIONS), mobile)), "C105")
    assert (c105.severity, c105.channel, c105.step) == ("major", MOBILE, 0)
    assert c105.evidence["values"] == {DESKTOP: "Download PDF", MOBILE: "(missing)"}
    assert c105.evidence["name"] == "Download PDF" and c105.root_cause == "action|download pdf"
    two_sided(c105, 0)


def test_c105_missing_on_the_reference_channel_is_reported_there() -> None:
    c105 = only(audit_c(*same_screens(facts(actions=ACTIONS[:3]), facts(actions=ACTIONS))), "C105")
    assert c105.channel == DESKTOP
    assert c105.evidence["values"] == {DESKTOP: "(missing)", MOBILE: "Back to the invoice list"}


def test_c105_hidden_by_css_and_collapsed() -> None:
    hidden = facts(actions={**dict.fromkeys(ACTIONS, "v"), "Download PDF": "h"})
    c105 = only(audit_c(*same_screens(facts(actions=ACTIONS), hidden)), "C105")
    assert c105.evidence["values"][MOBILE] == "(hidden)" and "hidden on mobile" in c105.title
    collapsed_desktop = facts(actions={**dict.fromkeys(ACTIONS, "v"), "Download PDF": "c"})
    assert only(audit_c(*same_screens(collapsed_desktop, hidden)), "C105").severity == "minor"
    # In a part the customer can open on mobile: present.
    assert (
        audit_c(
            *same_screens(facts(actions=ACTIONS), facts(actions={**dict.fromkeys(ACTIONS, "v"), "Download PDF": "c"}))
        )
        == []
    )


def test_c105_ignores_chrome_toggles_and_rewording() -> None:
    desktop = facts(actions=[*ACTIONS, "Skip to content", "Back to top", "Norsk", "Share"])
    mobile = facts(
        actions={
            "Pay now": "v",
            "Download PDF (2 MB)": "v",  # alike: the same action
            "Change payment date": "v",
            "Back to the invoice list": "v",
            "Menu": "t",
            "Close": "v",
            "☰": "v",
            "Full website": "v",
        }
    )
    assert audit_c(*same_screens(desktop, mobile)) == []


def test_c105_and_c106_leave_long_lists_alone() -> None:
    """Items of a list, a table or a grid of cards (flagged by the probe) are listing content."""
    months = [f"Invoice {m}" for m in ("May", "June", "July", "August", "September", "October")]
    desktop = facts(actions=ACTIONS, headings=[(1, "Invoices"), *((3, m) for m in months)])
    desktop["actions"] += [[m, "v", "r"] for m in months]
    desktop["headings"] = [[1, "Invoices"], *([3, m, "r"] for m in months)]
    mobile = facts(actions=[*ACTIONS, *months[:2]], headings=[(1, "Invoices"), *((3, m) for m in months[:2])])
    assert audit_c(*same_screens(desktop, mobile)) == []


def test_c105_screens_with_little_in_common_are_not_compared() -> None:
    desktop = facts(actions=["Pay now", "Download PDF", "Change payment date", "Split the invoice"])
    mobile = facts(actions=["Get the offer", "Read more", "See prices", "Contact sales"])
    assert audit_c(*same_screens(desktop, mobile)) == []
    assert audit_c(*same_screens(desktop, facts(actions=[]))) == []  # an error or a loading state


def test_c105_leaves_the_control_a_blocked_step_looked_for_to_c101() -> None:
    page_m = facts(actions=ACTIONS[:1] + ACTIONS[2:])
    desktop = run("pdf", DESKTOP, st(0, page=facts(actions=ACTIONS)), st(1))
    mobile = run(
        "pdf",
        MOBILE,
        st(0, MOBILE, page=page_m),
        st(1, MOBILE, status="failed"),
        blocked_at=1,
        reason='could not find link "Download PDF" within 5 s',
    )
    assert [f.rule for f in audit_c(desktop, mobile)] == ["C101"]


# ---------------------------------------------------------------------------- C106


def test_c106_main_heading_worded_differently() -> None:
    desktop = facts(headings=[(1, "Payment received")])
    c106 = only(audit_c(*same_screens(desktop, facts(headings=[(1, "Payment registered")]))), "C106")
    assert (c106.severity, c106.channel, c106.evidence["fact"]) == ("minor", MOBILE, "heading")
    assert c106.evidence["values"] == {DESKTOP: "Payment received", MOBILE: "Payment registered"}
    two_sided(c106, 0)


def test_c106_headings_differing_only_in_numbers_or_level_are_quiet() -> None:
    desktop = facts(headings=[(1, "3 new messages"), (2, "Your usage")])
    mobile = facts(headings=[(1, "4 new messages"), (3, "Your usage")])
    assert audit_c(*same_screens(desktop, mobile)) == []


def test_c106_sections() -> None:
    desktop = facts(headings=[(1, "Invoice"), (2, "Payment"), (2, "Your usage"), (2, "Questions about your invoice?")])
    mobile = facts(headings=[(1, "Invoice"), (2, "Payment"), (2, "Questions about the invoice?")])
    found = sorted(audit_c(*same_screens(desktop, mobile)), key=lambda f: f.severity)
    assert [(f.severity, f.channel, f.evidence["fact"]) for f in found] == [
        ("cosmetic", MOBILE, "heading"),
        ("minor", MOBILE, "section"),
    ]
    assert found[1].evidence["values"] == {DESKTOP: "Your usage", MOBILE: "(missing)"}


def test_c106_page_titles() -> None:
    desktop = run("j", DESKTOP, st(0, title="Invoice – Shop"), st(1, title="Receipt – Shop", path="/r"))
    mobile = run(
        "j",
        MOBILE,
        st(0, MOBILE, title="Invoice | Shop mobile"),
        st(1, MOBILE, title="Receipt | Shop mobile", path="/r"),
    )
    for r in (desktop, mobile):
        r.steps[:] = [s.model_copy(update={"extra": {"page_facts": facts()}}) for s in r.steps]
    assert audit_c(desktop, mobile) == []
    mobile.steps[1] = mobile.steps[1].model_copy(update={"title": "Your receipt | Shop mobile"})
    mobile.steps[1] = mobile.steps[1].model_copy(
        update={"screen": screen_key(mobile.steps[1].url, mobile.steps[1].title)}
    )
    c106 = only(audit_c(desktop, mobile), "C106")
    assert (c106.severity, c106.evidence["fact"], c106.step) == ("cosmetic", "title", 1)


# ---------------------------------------------------------------------------- every C-finding


def test_every_c_finding_carries_both_sides() -> None:
    saved: RunResults = results(
        *capture_runs("kr 1 234,50", "kr 1 243,50"),
        *same_screens(
            facts([("kr 9,00", "Fee")], ACTIONS, [(1, "Invoice")]),
            facts([("kr 8,00", "Fee")], ACTIONS[:2], [(1, "Your invoice")]),
        ),
        channels={DESKTOP: 1.0, MOBILE: 1.0},
    )
    found = [f for f in audit(saved).findings if f.rule.startswith("C")]
    assert {f.rule for f in found} == {"C103", "C104", "C105", "C106"}
    for finding in found:
        assert set(finding.evidence["values"]) == set(finding.evidence["screenshots"]) == {DESKTOP, MOBILE}
        assert finding.evidence["step"] == finding.step
        assert finding.channel in (DESKTOP, MOBILE)


# ---------------------------------------------------------------------------- a channel in another language


def test_a_translated_channel_is_compared_by_its_values_not_its_words() -> None:
    english = facts([("kr 1 234,50", "Amount")], ACTIONS, [(1, "Invoice"), (2, "Payment")], lang="en")
    norsk = facts(
        [("kr 1 243,50", "Beløp")], ["Betal nå", "Last ned PDF"], [(1, "Faktura"), (2, "Betaling")], lang="nb"
    )
    found = audit_c(*same_screens(english, norsk))
    [c104] = found  # the amount differs in any language; the words are a translation
    assert c104.rule == "C104" and c104.evidence["normalised"] == {DESKTOP: "1234.5 kr", MOBILE: "1243.5 kr"}


def test_c103_worded_in_another_language_is_a_translation() -> None:
    runs = capture_runs("Spot price", "Spotpris", name="plan")
    runs[0].steps[1].extra["page_facts"] = facts(lang="en-GB")
    runs[1].steps[1].extra["page_facts"] = facts(lang="nb-NO")
    assert audit_c(*runs) == []


def test_a_wrong_lang_attribute_does_not_hide_differences() -> None:
    """Declared in two languages, but the screens share their words: the markup is wrong, compare."""
    desktop = facts(actions=ACTIONS, headings=[(1, "Invoice"), (2, "Payment")], lang="en")
    mobile = facts(actions=ACTIONS[:1] + ACTIONS[2:], headings=[(1, "Invoice"), (2, "Payment")], lang="nb")
    assert only(audit_c(*same_screens(desktop, mobile)), "C105").evidence["name"] == "Download PDF"
