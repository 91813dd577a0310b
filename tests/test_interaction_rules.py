"""Rules F101 (dead click) and F102 (error click) on hand-made observations: no browser."""

from __future__ import annotations

from typing import Any

from observations import console, page_error, req, results, run, step

from frictionaudit.audit.model import Finding
from frictionaudit.audit.registry import all_rules, audit
from frictionaudit.audit.rules.interaction import action_errors, trouble_after
from frictionaudit.rank import rank
from frictionaudit.results import RunResults, StepResult


def click(index: int, *, at: float = 1.0, observed: float = 1.0, mutations: int = 0, **fields: Any) -> StepResult:
    """A click step on /checkout whose probe facts say: input at ``at``, these effects (``first``)."""
    first = fields.pop("first", {})
    errors = fields.pop("errors", [])
    interactive = fields.pop("interactive", True)
    s = step(index, f"Click {index}", path="/checkout", **fields)
    s.started = at - 0.2
    s.extra["click"] = {
        "at": at,
        "input": "pointerdown",
        "control": 'button "Continue"',
        "interactive": interactive,
        "observed": observed,
        "new_document": False,
        "mutations": mutations,
        "first": first,
        "errors": errors,
    }
    return s


def expect(index: int, *, retried: bool = False, retry_from: int | None = None, **fields: Any) -> StepResult:
    s = step(index, "Expect Order confirmed", action="expect", path="/checkout", **fields)
    s.retried = retried
    s.retry_from = retry_from
    if retried or s.status == "failed":
        s.first_error = 'expected to see the text "Order confirmed", but it is not on the page'
    return s


def goto(index: int, path: str = "/checkout") -> StepResult:
    s = step(index, f"Open {path}", action="goto", path=path)
    s.navigations = [s.url]
    return s


def found(data: RunResults, *codes: str) -> list[Finding]:
    codes = codes or ("F101", "F102")
    return audit(data, disabled=[c for c in all_rules() if c not in codes]).findings


def dead_then_retried(**click_fields: Any) -> RunResults:
    return results(run("buy", "desktop", goto(0), click(1, **click_fields), expect(2, retried=True, retry_from=0)))


# ---------------------------------------------------------------------------- F101


def test_f101_dead_click_then_a_second_try() -> None:
    [finding] = found(dead_then_retried())
    assert (finding.rule, finding.severity, finding.step) == ("F101", "major", 2)
    assert (
        finding.title
        == 'Clicking button "Continue" on /checkout (step 2) did nothing; the journey needed a second try here'
    )
    assert finding.evidence["click_step"] == 1
    assert finding.root_cause == "buy#2" and finding.evidence["related"] == "J102"
    assert finding.fix_title == 'button "Continue" on /checkout does nothing when clicked'
    assert finding.evidence["second_try_worked"]


def test_f101_is_an_occurrence_of_the_second_try_or_blocked_journey_fix() -> None:
    data = dead_then_retried()
    [fix] = rank(found(data, "F101", "J102"), data)
    assert fix.rule == "J102" and sorted(o.rule for o in fix.occurrences) == ["F101", "J102"]
    assert fix.places == 1  # the same place as J102's: reach is not counted twice
    blocked = results(run("buy", "desktop", goto(0), click(1), expect(2, status="failed"), blocked_at=2))
    fixes = rank(found(blocked, "F101", "J101"), blocked)
    assert [(f.rule, sorted(o.rule for o in f.occurrences)) for f in fixes] == [("J101", ["F101", "J101"])]


def test_f101_effects_within_the_window_keep_a_click_alive() -> None:
    for first in (
        {"mutation": 0.3},
        {"scroll": 0.1},
        {"focus": 0.05},
        {"dialog": 0.0},
        {"popup": 0.4},
        {"download": 0.2},
        {"navigation": 0.9},
        {"request": 0.2},
        {"change": 0.0},
    ):
        assert found(dead_then_retried(first=first)) == [], first


def test_f101_a_late_effect_does_not_save_a_click() -> None:
    [finding] = found(dead_then_retried(first={"mutation": 1.3}))
    assert finding.rule == "F101"


def fetched(started: float) -> Any:
    request = req("/api/cart", 200, "fetch")
    request.started = started
    return request


def test_f101_a_request_soon_after_the_click_is_an_effect() -> None:
    assert found(dead_then_retried(requests=[fetched(1.4)])) == []
    # ... but one from before the click is not.
    [finding] = found(dead_then_retried(requests=[fetched(0.5)]))
    assert finding.rule == "F101"


def test_f101_dialogs_popups_and_downloads_recorded_by_the_page_event_collectors_are_effects() -> None:
    for kind in ("dialogs", "popups", "downloads"):
        data = dead_then_retried()
        data.runs[0].steps[1].extra[kind] = [{"at": 1.3}]
        assert found(data) == [], kind
        data.runs[0].steps[1].extra[kind] = [{"at": 2.5}]
        assert [f.rule for f in found(data)] == ["F101"], kind


def test_f101_only_for_what_looks_clickable() -> None:
    assert found(dead_then_retried(interactive=False)) == []


def test_f101_needs_the_whole_window_watched() -> None:
    assert found(dead_then_retried(observed=0.4)) == []


def test_f101_needs_trouble_on_the_clicks_page() -> None:
    # The journey went on happily: a harmless click on a heading.
    assert found(results(run("buy", "desktop", goto(0), click(1), expect(2)))) == []
    # The second try started after the click: it did not repeat it.
    retried_later = run("buy", "desktop", goto(0), click(1), goto(2, "/pay"), expect(3, retried=True, retry_from=2))
    assert found(results(retried_later)) == []
    # A failure on another page, with no second try.
    failed_later = run("buy", "desktop", goto(0), click(1), goto(2, "/pay"), expect(3, status="failed"), blocked_at=3)
    assert found(results(failed_later)) == []


def test_f101_a_failure_on_the_same_page_counts() -> None:
    blocked = run("buy", "desktop", goto(0), click(1), expect(2, status="failed"), blocked_at=2)
    [finding] = found(results(blocked))
    assert "got stuck" in finding.title and finding.evidence["second_try_worked"] is False


def test_f101_skips_navigations_and_unknown_inputs() -> None:
    navigated = dead_then_retried()
    navigated.runs[0].steps[1].navigations = ["https://shop.test/next"]
    assert found(navigated) == []
    gone = dead_then_retried()
    gone.runs[0].steps[1].extra["click"].update(at=None, new_document=True)
    assert found(gone) == []
    nothing = dead_then_retried()
    nothing.runs[0].steps[1].extra.clear()
    assert found(nothing) == []


def test_trouble_after_stops_at_a_navigation() -> None:
    steps = [goto(0), click(1), goto(2, "/pay"), expect(3, status="failed")]
    assert trouble_after(steps, 1) is None
    steps = [goto(0), click(1), step(2, action="fill", path="/checkout"), expect(3, status="failed")]
    assert trouble_after(steps, 1) is steps[3]


def test_f101_is_one_fix_across_channels() -> None:
    data = results(
        run("buy", "desktop", goto(0), click(1), expect(2, retried=True, retry_from=0)),
        run("buy", "mobile", goto(0), click(1), expect(2, retried=True, retry_from=0)),
    )
    [fix] = rank(found(data), data)
    assert fix.rule == "F101" and fix.channels == ["desktop", "mobile"]


# ---------------------------------------------------------------------------- F102


def thrown(message: str, at: float) -> Any:
    error = page_error(message, name="TypeError", page="/checkout")
    error.at = at
    return error


def logged(text: str, at: float) -> Any:
    message = console(text)
    message.at = at
    return message


def test_f102_handler_throws_and_nothing_happens_is_major() -> None:
    s = click(
        1,
        page_errors=[thrown("x is undefined", 1.004)],
        errors=[{"message": "TypeError: x is undefined", "after": 0.004, "sync": True}],
    )
    findings = found(results(run("buy", "desktop", goto(0), s)), "F101", "F102", "E101")
    assert [(f.rule, f.severity) for f in findings] == [("E101", "major"), ("F102", "major")]
    f102 = findings[1]
    assert f102.title == 'Clicking button "Continue" on /checkout threw TypeError: x is undefined'
    assert f102.root_cause == findings[0].root_cause == "TypeError: x is undefined"
    assert f102.evidence["related"] == "E101"
    assert f102.evidence["errors"] == [
        {"kind": "exception", "message": "TypeError: x is undefined", "seconds_after": 0.004, "in_handler": True}
    ]


def test_f102_joins_the_e101_fix_of_the_same_error() -> None:
    s = click(
        1,
        page_errors=[thrown("x is undefined", 1.004)],
        errors=[{"message": "TypeError: x is undefined", "after": 0.004, "sync": True}],
    )
    data = results(run("buy", "desktop", goto(0), s))
    [fix] = rank(found(data, "F102", "E101"), data)
    assert fix.rule == "E101" and sorted(o.rule for o in fix.occurrences) == ["E101", "F102"]
    # Without E101, F102 is a fix of its own.
    [alone] = rank(found(data, "F102"), data)
    assert alone.rule == "F102"


def test_f102_takes_over_f101_for_a_click_whose_handler_threw() -> None:
    s = click(
        1,
        page_errors=[thrown("x is undefined", 1.004)],
        errors=[{"message": "TypeError: x is undefined", "after": 0.004, "sync": True}],
    )
    data = results(run("buy", "desktop", goto(0), s, expect(2, retried=True, retry_from=0)))
    assert [(f.rule, f.severity) for f in found(data)] == [("F102", "major")]


def test_f102_console_error_after_a_working_update_is_minor() -> None:
    s = click(1, first={"mutation": 0.1}, mutations=3, console=[logged("sync failed: revision 12", 1.1)])
    [finding] = found(results(run("buy", "desktop", goto(0), s)))
    assert (finding.rule, finding.severity) == ("F102", "minor")
    assert finding.title == 'Clicking button "Continue" on /checkout logged sync failed: revision 12'
    assert finding.root_cause == "sync failed: revision N" and finding.evidence["related"] == "E102"
    assert finding.fix_title == "Console error: sync failed: revision 12"


def test_f102_ignores_errors_outside_the_window_and_request_echoes() -> None:
    late = click(1, first={"mutation": 0.1}, page_errors=[thrown("late", 2.5)])
    before = click(1, first={"mutation": 0.1}, page_errors=[thrown("early", 0.7)])
    echo = click(1, first={"mutation": 0.1}, console=[logged("Failed to load resource: 500", 1.2)])
    for s in (late, before, echo):
        assert found(results(run("buy", "desktop", goto(0), s))) == []


def test_f102_leaves_background_errors_seen_before_on_the_page() -> None:
    load = goto(0)
    load.page_errors = [thrown("widget: no data", 0.3)]
    s = click(1, first={"mutation": 0.1}, page_errors=[thrown("widget: no data", 1.2)])
    assert found(results(run("buy", "desktop", load, s))) == []
    # On a new page, the same message is new again.
    other = goto(1, "/other")
    other.page_errors = []
    s2 = click(2, first={"mutation": 0.1}, page_errors=[thrown("widget: no data", 1.2)])
    assert [f.rule for f in found(results(run("buy", "desktop", load, other, s2)))] == ["F102"]


def test_f102_threshold_widens_the_window() -> None:
    s = click(1, first={"mutation": 0.1}, page_errors=[thrown("slow failure", 2.5)])
    data = results(run("buy", "desktop", goto(0), s))
    data.settings["thresholds"] = {"error_click_seconds": 2.0}
    assert [f.rule for f in found(data)] == ["F102"]


def test_action_errors_only_for_timed_actions() -> None:
    filled = step(1, action="fill", path="/checkout", page_errors=[thrown("oops", 1.1)])
    assert action_errors(run("buy", "desktop", goto(0), filled), 1.0) == {}
