"""Ranking: findings grouped into fixes by (rule, root cause), and the fixes ordered by priority."""

from __future__ import annotations

import random

import pytest

from frictionaudit.analysis import analyse
from frictionaudit.audit.model import Finding, Severity
from frictionaudit.rank import Fix, fix_id, fix_next, position_factor, rank
from frictionaudit.results import RunResults
from tests.observations import req, results, run, step


def finding(
    rule: str,
    root_cause: str,
    journey: str,
    channel: str,
    step: int | None,
    severity: Severity = "minor",
    **evidence: object,
) -> Finding:
    return Finding(
        rule=rule,
        severity=severity,
        category="test",
        title=f"{rule} {root_cause} at {journey}/{channel}/{step}",
        fix_title=f"Fix {root_cause}",
        root_cause=root_cause,
        journey=journey,
        channel=channel,
        step=step,
        evidence=dict(evidence),
    )


def by_rule(fixes: list[Fix]) -> dict[str, Fix]:
    return {f.rule: f for f in fixes}


# Grouping -----------------------------------------------------------------------------------------


def test_the_same_404_image_on_five_screens_is_one_fix() -> None:
    logo = req("/static/img/logo.png", 404, "image")
    observations = results(
        run("pay", "desktop", step(0, requests=[logo]), step(1, requests=[logo]), step(2, requests=[logo])),
        run("pay", "mobile", step(0, requests=[req("/static/img/logo.png?v=2", 404, "image")])),
        run("download", "mobile", step(0, requests=[logo, req("/static/img/banner.png", 404, "image")])),
    )
    fixes = [f for f in analyse(observations).fixes if f.rule == "N101"]  # other rules may see other things
    assert [(f.title, len(f.occurrences)) for f in fixes] == [
        ("Image /static/img/logo.png answers HTTP 404", 5),
        ("Image /static/img/banner.png answers HTTP 404", 1),
    ]
    logo_fix = fixes[0]
    assert logo_fix.journeys == ["download", "pay"]
    assert logo_fix.channels == ["desktop", "mobile"]
    assert [(f.journey, f.channel, f.step) for f in logo_fix.occurrences] == [
        ("download", "mobile", 0),
        ("pay", "desktop", 0),
        ("pay", "desktop", 1),
        ("pay", "desktop", 2),
        ("pay", "mobile", 0),
    ]


def test_another_status_or_another_rule_is_another_fix() -> None:
    fixes = rank(
        [
            finding("N101", "GET /a 404", "pay", "desktop", 0),
            finding("N101", "GET /a 500", "pay", "desktop", 0),
            finding("E102", "GET /a 404", "pay", "desktop", 0),
        ],
        results(),
    )
    assert sorted((f.rule, f.occurrences[0].root_cause) for f in fixes) == [
        ("E102", "GET /a 404"),
        ("N101", "GET /a 404"),
        ("N101", "GET /a 500"),
    ]


def test_a_fix_takes_its_worst_severity_and_that_occurrence_s_title() -> None:
    occurrences = [
        finding("P101", "pay#1", "pay", "desktop", 1, "minor"),
        finding("P101", "pay#1", "pay", "mobile", 1, "major"),
    ]
    occurrences[1].fix_title = "Worst title"
    [fix] = rank(occurrences, results())
    assert (fix.severity, fix.title) == ("major", "Worst title")


# Priority -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "steps", "factor"),
    [(0, 5, 1.0), (1, 5, 0.875), (2, 5, 0.75), (4, 5, 0.5), (9, 5, 0.5), (None, 5, 1.0), (0, 1, 1.0), (3, 0, 1.0)],
)
def test_position_factor(step: int | None, steps: int, factor: float) -> None:
    assert position_factor(step, steps) == factor


def small_case() -> tuple[list[Finding], RunResults]:
    findings = [
        # N101 minor: pay step 0 on desktop twice (one place), pay step 4 (the last) on mobile.
        finding("N101", "GET /img.png 404", "pay", "desktop", 0, url="/img.png?v=1"),
        finding("N101", "GET /img.png 404", "pay", "desktop", 0, url="/img.png?v=2"),
        finding("N101", "GET /img.png 404", "pay", "mobile", 4),
        # J101 blocker: pay step 2 of 5 on mobile.
        finding("J101", "pay#2", "pay", "mobile", 2, "blocker"),
        # P101 major on desktop, minor on mobile, step 1 of 5.
        finding("P101", "pay#1", "pay", "desktop", 1, "major"),
        finding("P101", "pay#1", "pay", "mobile", 1, "minor"),
        # E102 minor: last step of a two-step journey.
        finding("E102", "oops", "download", "desktop", 1),
        # An unknown rule (effort M, confidence 0.5) on a channel the results do not list (weight 1).
        finding("Z999", "odd", "download", "tablet", None, "cosmetic"),
    ]
    observations = results(
        channels={"desktop": 0.7, "mobile": 0.3},
        steps={"pay": ["s1", "s2", "s3", "s4", "s5"], "download": ["d1", "d2"]},
    )
    return findings, observations


def test_priority_computed_by_hand() -> None:
    fixes = rank(*small_case())
    # priority = severity weight × reach × confidence ÷ effort weight
    expected = {
        # 50 × 0.3·0.75 × 1.0 ÷ 4 (M)
        "J101": ("blocker", 0.225, 1.0, "M", 2.8125),
        # 10 × (0.7·0.875 + 0.3·0.875) × 0.7 ÷ 4 (M)
        "P101": ("major", 0.875, 0.7, "M", 1.53125),
        # 3 × (0.7·1.0 + 0.3·0.5) × 1.0 ÷ 2 (S)
        "N101": ("minor", 0.85, 1.0, "S", 1.275),
        # 3 × 0.7·0.5 × 0.9 ÷ 2 (S)
        "E102": ("minor", 0.35, 0.9, "S", 0.4725),
        # 1 × 1.0·1.0 × 0.5 ÷ 4 (M)
        "Z999": ("cosmetic", 1.0, 0.5, "M", 0.125),
    }
    assert [f.rule for f in fixes] == list(expected)
    for fix in fixes:
        severity, reach, confidence, effort, priority = expected[fix.rule]
        assert (fix.severity, fix.confidence, fix.effort) == (severity, confidence, effort), fix.rule
        assert fix.reach == pytest.approx(reach, abs=1e-4), fix.rule
        assert fix.priority == pytest.approx(priority, abs=1e-4), fix.rule
    n101 = by_rule(fixes)["N101"]
    assert len(n101.occurrences) == 3  # two occurrences at one place count once in reach
    assert n101.inputs == "3 (severity minor) × 0.85 (reach) × 1 (confidence) ÷ 2 (effort S)"


def test_equal_priority_puts_the_worse_severity_first_then_the_id() -> None:
    findings = [
        # minor: 3 × 1 × 1.0 ÷ 2 = 1.5; cosmetic: 1 × 3 × 1.0 ÷ 2 = 1.5
        finding("N101", "GET /a.png 404", "pay", "desktop", 0, "minor"),
        finding("N101", "GET /favicon.ico 404", "pay", "desktop", 0, "cosmetic"),
        finding("N101", "GET /favicon.ico 404", "pay", "mobile", 0, "cosmetic"),
        finding("N101", "GET /favicon.ico 404", "pay", "tablet", 0, "cosmetic"),
        finding("N101", "GET /b.png 404", "pay", "desktop", 0, "minor"),
    ]
    fixes = rank(findings, results(steps={"pay": ["only"]}))
    assert [f.priority for f in fixes] == [1.5, 1.5, 1.5]
    assert [f.severity for f in fixes] == ["minor", "minor", "cosmetic"]
    assert fixes[0].id < fixes[1].id


def test_order_does_not_depend_on_the_order_of_the_findings() -> None:
    findings, observations = small_case()
    findings += [
        finding("N101", "GET /img.png 404", "pay", "desktop", 0, url="/img.png?v=3"),
        finding("E101", "boom", "pay", "desktop", 3, "major"),
        finding("E101", "boom", "download", "mobile", 0, "major"),
    ]
    expected = [f.model_dump() for f in rank(findings, observations)]
    for seed in range(20):
        shuffled = list(findings)
        random.Random(seed).shuffle(shuffled)
        assert [f.model_dump() for f in rank(shuffled, observations)] == expected, f"seed {seed}"


def test_fix_ids_are_stable() -> None:
    # The service's own origin is not part of a root cause: the id holds on another deployment.
    assert fix_id("N101", "GET /static/img/logo.png 404") == "43e25f0537"

    def analysed() -> list[str]:
        observations = results(
            run("pay", "desktop", step(0, requests=[req("/static/img/logo.png", 404, "image")])),
            run("pay", "mobile", step(3, duration=7.0)),
            run_id="another-run-each-time",
        )
        return [f.id for f in analyse(observations).fixes]

    assert analysed() == analysed()
    assert "43e25f0537" in analysed()
    assert analysed()[1] == fix_id("P101", "pay#3")


# Fix next -----------------------------------------------------------------------------------------


def test_fix_next_is_the_small_fixes_in_priority_order() -> None:
    fixes = rank(*small_case())
    assert [f.rule for f in fix_next(fixes)] == ["N101", "E102"]
    assert [f.rule for f in fix_next(fixes, limit=1)] == ["N101"]
    assert all(f.effort in ("XS", "S") for f in fix_next(fixes))


def test_fix_next_keeps_at_most_five() -> None:
    findings = [finding("N101", f"GET /{i}.png 404", "pay", "desktop", 0) for i in range(8)]
    assert len(fix_next(rank(findings, results()))) == 5


def test_no_findings_no_fixes() -> None:
    assert rank([], results()) == []
    assert fix_next([]) == []
