"""Rules P102–P106 on hand-made observations (no browser): the lines they draw and what they leave out.

The shape of ``StepResult.extra["perf"]`` is the performance probe's (see
``frictionaudit/gather/collectors/performance.py``); times ``at`` are on the journey clock.
"""

from __future__ import annotations

from typing import Any

import pytest
from observations import req, results, run, step

from frictionaudit.audit.model import Finding
from frictionaudit.audit.registry import all_rules, audit
from frictionaudit.results import StepResult

RULES = ("P102", "P103", "P104", "P105", "P106")


def perf(s: StepResult, **parts: Any) -> StepResult:
    data: dict[str, Any] = {"pages": [], "shifts": [], "long_tasks": [], "scripts": [], "clicks": [], "dropped": 0}
    data.update(parts)
    s.extra["perf"] = data
    return s


def page(path: str = "/", ttfb: float | None = 0.1, lcp: float | None = 0.5, **more: Any) -> dict[str, Any]:
    return {
        "url": f"https://shop.test{path}",
        "at": 0.0,
        "type": "navigate",
        "ttfb": ttfb,
        "server": ttfb,
        "setup": 0.0,
        "lcp": lcp,
        "lcp_element": "img.hero",
        "lcp_url": "",
        "lcp_size": 1000,
        **more,
    }


def audit_steps(
    *steps: StepResult, channel: str = "desktop", thresholds: dict[str, Any] | None = None
) -> list[Finding]:
    saved = results(run("buy", channel, *steps))
    if thresholds:
        saved.settings["thresholds"] = thresholds
    return audit(saved, disabled=[c for c in all_rules() if c not in RULES]).findings


def codes(found: list[Finding]) -> list[tuple[str, int | None, str]]:
    return [(f.rule, f.step, f.severity) for f in found]


def test_every_rule_is_documented_under_the_four_headings() -> None:
    for code in RULES:
        r = all_rules()[code]
        for heading in ("What it finds", "Why it hurts the customer", "Example", "How to fix"):
            assert r.section(heading), f"{code} has no '{heading}'"
        assert r.category == "speed" and r.effort in ("S", "M") and 0 < r.confidence <= 1


def test_nothing_recorded_is_nothing_found() -> None:
    assert audit_steps(step(0, action="goto"), step(1), perf(step(2))) == []
    odd = step(3)
    odd.extra["perf"] = {"pages": "not a list", "shifts": [[None, "x"]], "long_tasks": [["a", 1, True]], "clicks": [1]}
    assert audit_steps(odd) == []


# ---------------------------------------------------------------------------- P102


@pytest.mark.parametrize(
    ("ttfb", "expected"),
    [(0.5, None), (0.8, None), (0.81, "minor"), (1.8, "minor"), (1.81, "major"), (None, None)],
)
def test_p102_ttfb_lines_follow_web_vitals(ttfb: float | None, expected: str | None) -> None:
    found = audit_steps(perf(step(0, action="goto"), pages=[page("/reports", ttfb=ttfb, lcp=None)]))
    assert codes(found) == ([("P102", 0, expected)] if expected else [])


def test_p102_evidence_and_one_root_cause_for_one_url() -> None:
    slow = page("/reports?year=2025", ttfb=1.2, lcp=None, server=1.15, setup=0.05)
    found = audit_steps(
        perf(step(0, action="goto"), pages=[slow]), perf(step(1), pages=[page("/reports?year=2024", ttfb=1.3)])
    )
    assert [f.root_cause for f in found] == ["/reports"] * 2
    assert found[0].evidence == {
        "url": slow["url"],
        "ttfb_seconds": 1.2,
        "server_seconds": 1.15,
        "setup_seconds": 0.05,
        "budget": 0.8,
    }
    assert "/reports took 1.20 s to start answering on desktop" in found[0].title


def test_p102_names_the_slow_request_that_redirected_to_the_page() -> None:
    pay = req("/pay", 303, method="POST", duration=3.5)
    receipt = req("/receipt", 200, duration=0.1)
    pay.is_navigation = receipt.is_navigation = True
    s = perf(step(7, label="Pay now", requests=[pay, receipt]), pages=[page("/receipt", ttfb=3.52, server=0.01)])
    [found] = audit_steps(s)
    assert found.root_cause == "POST /pay" and found.severity == "major"
    assert found.title == "POST /pay took 3.50 s to answer (then /receipt) on desktop (budget 0.8 s)"
    assert found.evidence["redirect"] == "https://shop.test/pay" and found.evidence["redirect_seconds"] == 3.5
    # A quick redirect does not take the blame.
    pay.duration = 0.2
    [found] = audit_steps(s)
    assert found.root_cause == "/receipt" and "redirect" not in found.evidence


def test_p102_threshold_is_tunable() -> None:
    found = audit_steps(perf(step(0, action="goto"), pages=[page(ttfb=1.2)]), thresholds={"ttfb_seconds": 1.5})
    assert found == []
    found = audit_steps(perf(step(0, action="goto"), pages=[page(ttfb=3.5)]), thresholds={"ttfb_seconds": 1.5})
    assert codes(found) == [("P102", 0, "major")]  # over 2.25 × 1.5 s


# ---------------------------------------------------------------------------- P103


@pytest.mark.parametrize(
    ("lcp", "ttfb", "expected"),
    [
        (2.4, 0.1, None),
        (2.6, 0.1, "minor"),
        (4.1, 0.1, "major"),
        (3.0, 2.5, None),  # 1.7 s of server slowness beyond P102's line: painting took 1.3 s
        (3.0, 1.0, "minor"),  # still 2.8 s after taking off the server's excess 0.2 s
        (2.6, None, "minor"),
    ],
)
def test_p103_lcp_lines_without_counting_p102_twice(lcp: float, ttfb: float | None, expected: str | None) -> None:
    found = audit_steps(perf(step(0, action="goto"), pages=[page("/invoice", ttfb=ttfb, lcp=lcp)]))
    assert [c for c in codes(found) if c[0] == "P103"] == ([("P103", 0, expected)] if expected else [])


def test_p103_evidence_names_the_element() -> None:
    [found] = audit_steps(
        perf(step(0, action="goto"), pages=[page("/invoice", lcp=3.2, lcp_url="https://shop.test/h.jpg")])
    )
    assert found.evidence["element"] == "img.hero" and found.evidence["image"] == "https://shop.test/h.jpg"
    assert found.root_cause == "/invoice"


# ---------------------------------------------------------------------------- P104


def shift(at: float, value: float, since: int | None = None, source: str = "main") -> list[Any]:
    return [at, value, since, source]


@pytest.mark.parametrize(
    ("shifts", "expected"),
    [
        ([shift(1.0, 0.05), shift(1.4, 0.04)], None),
        ([shift(1.0, 0.08), shift(1.5, 0.08)], "minor"),  # one session window: 0.16
        ([shift(1.0, 0.08), shift(2.1, 0.08)], None),  # 1.1 s apart: two windows of 0.08
        ([shift(1.0, 0.3)], "major"),
        ([shift(1.0, 0.2, since=120)], None),  # the customer's own doing (within 500 ms of input)
        ([shift(1.0, 0.2, since=499)], None),
        ([shift(1.0, 0.2, since=500)], "minor"),  # an answer that arrived later and pushed the page
        ([shift(1.0, 0.2, since=900), shift(1.2, 0.2, since=50)], "minor"),
    ],
)
def test_p104_session_windows_and_input_exclusion(shifts: list[list[Any]], expected: str | None) -> None:
    found = audit_steps(perf(step(1), shifts=shifts))
    assert codes(found) == ([("P104", 1, expected)] if expected else [])


def test_p104_session_windows_last_at_most_5_seconds() -> None:
    # 0.03 every 0.9 s for 9 s: never more than 6 shifts (5 s) in one window.
    shifts = [shift(1.0 + 0.9 * i, 0.03) for i in range(11)]
    [found] = audit_steps(perf(step(1), shifts=shifts))
    assert found.evidence["shifts"] == 6 and found.evidence["score"] == pytest.approx(0.18)


def test_p104_same_shift_counts_the_same_on_every_channel() -> None:
    """The probe's since-input time is the only input signal: no channel-specific flag decides."""
    shifts = [shift(2.0, 0.15, since=820, source="div.article")]
    for channel in ("desktop", "mobile"):
        [found] = audit_steps(perf(step(2, path="/offers"), shifts=shifts), channel=channel)
        assert (found.severity, found.root_cause) == ("minor", "/offers div.article")
        assert found.evidence["moved"] == "div.article"


def test_p104_thresholds_are_tunable() -> None:
    shifts = [shift(1.0, 0.15)]
    assert audit_steps(perf(step(1), shifts=shifts), thresholds={"cls_warn": 0.2, "cls_fail": 0.4}) == []
    found = audit_steps(perf(step(1), shifts=shifts), thresholds={"cls_warn": 0.05, "cls_fail": 0.12})
    assert codes(found) == [("P104", 1, "major")]


# ---------------------------------------------------------------------------- P105


@pytest.mark.parametrize(
    ("tasks", "action", "expected"),
    [
        ([[1.0, 200, True], [1.3, 200, True]], "click", None),  # 150 + 150 = 300 ms: not over
        ([[1.0, 200, True], [1.3, 210, True]], "click", "minor"),
        ([[1.0, 700, True]], "click", "major"),  # 650 ms ≥ 2 × 300 ms
        ([[1.0, 900, False]], "click", None),  # a new page loading: not after an interaction
        ([[1.0, 900, True]], "goto", None),
        ([[1.0, 500, True]], "fill", "minor"),
        ([[1.0, 60, True]] * 20, "select", None),  # many short tasks: 10 ms each
    ],
)
def test_p105_total_blocking_time_after_an_action(tasks: list[list[Any]], action: str, expected: str | None) -> None:
    found = audit_steps(perf(step(1, action=action), long_tasks=tasks))
    assert codes(found) == ([("P105", 1, expected)] if expected else [])


def test_p105_names_the_script_that_ran_longest() -> None:
    scripts = [
        ["TimerHandler:setTimeout", "https://shop.test/a.js", "tick", 60],
        ["BUTTON#pay.onclick", "https://shop.test/app.js", "pay", 780],
    ]
    [found] = audit_steps(perf(step(1, path="/pay"), long_tasks=[[1.0, 850, True]], scripts=scripts))
    assert found.evidence["blocking_ms"] == 800 and found.evidence["longest_task_ms"] == 850
    assert found.evidence["scripts"][0] == {
        "invoker": "BUTTON#pay.onclick",
        "source": "https://shop.test/app.js",
        "function": "pay",
        "ms": 780,
    }
    assert found.root_cause == "/pay BUTTON#pay.onclick"
    [bare] = audit_steps(perf(step(1), long_tasks=[[1.0, 850, True]]))
    assert bare.root_cause == "buy#1"


# ---------------------------------------------------------------------------- P106


def click(at: float, answer: float | None, kind: str | None = "mutation", what: str = "p#done") -> dict[str, Any]:
    return {"at": at, "answer": answer, "kind": kind, "what": what, "waited": answer or 3.0}


@pytest.mark.parametrize(
    ("answer", "expected"),
    [(0.2, None), (1.0, None), (1.5, "minor"), (2.0, "major"), (None, None)],
)
def test_p106_first_visible_change_after_a_click(answer: float | None, expected: str | None) -> None:
    found = audit_steps(perf(step(1, label="Send"), clicks=[click(1.0, answer)]))
    assert codes(found) == ([("P106", 1, expected)] if expected else [])


def test_p106_evidence_and_root_cause() -> None:
    [found] = audit_steps(perf(step(1, label="Continue"), clicks=[click(1.0, 1.52, "navigation", "")]))
    assert found.evidence == {"seconds": 1.52, "first_change": "navigation", "changed": "", "budget": 1.0}
    assert found.root_cause == "buy#1"
    assert found.title == "Nothing visible happened for 1.5 s after “Continue” on desktop"


def test_p106_leaves_a_frozen_page_to_p105() -> None:
    frozen = perf(step(1), clicks=[click(1.0, 1.25)], long_tasks=[[1.01, 1230, True]])
    assert codes(audit_steps(frozen)) == [("P105", 1, "major")]
    # A short freeze does not explain a long silence: both are reported.
    partly = perf(step(1), clicks=[click(1.0, 2.5)], long_tasks=[[1.01, 400, True]])
    assert sorted(codes(audit_steps(partly))) == [("P105", 1, "minor"), ("P106", 1, "major")]
    # Blocking under P105's line is not P105's finding: the silence is P106's.
    small = perf(step(1), clicks=[click(1.0, 1.25)], long_tasks=[[1.01, 300, True]])
    assert codes(audit_steps(small)) == [("P106", 1, "minor")]


def test_p106_threshold_is_tunable() -> None:
    found = audit_steps(perf(step(1), clicks=[click(1.0, 1.5)]), thresholds={"feedback_seconds": 2})
    assert found == []
