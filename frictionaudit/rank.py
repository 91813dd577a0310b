"""Rank: group findings into fixes by root cause and order them by what to fix first.

    priority = severity weight × reach × confidence ÷ effort weight

- severity weight follows Nielsen's severity scale: blocker (4, catastrophe) 50, major (3) 10,
  minor (2) 3, cosmetic (1) 1. The steps widen at the top so that a blocked journey outranks a
  handful of minor problems; a fix takes its worst occurrence's severity.
- reach sums, over each distinct journey × channel × step where the problem occurs, the journey's
  weight times the channel's weight (``weight:`` in frictionaudit.yaml and in a journey file, e.g.
  the mobile share of traffic; default 1) times how many customers get that far: 1.0 at a
  journey's first step falling linearly to 0.5 at its last (1.0 for the journey as a whole).
- confidence is the rule's: 1.0 for deterministic signals (an HTTP 404), lower for timing.
- effort weight comes from the rule's effort: XS 1, S 2, M 4, L 8.

A finding whose evidence names a ``related`` rule with the same root cause (C101, the channel view
of a blocked journey, names J101) joins that rule's fix as one more occurrence.

"Fix next" is the small fixes (effort XS or S) in priority order; the big ones (M, L) are listed
apart. A fix's id hashes its rule and root cause only, so it is the same whatever the order of the
runs, the number of workers or the run's id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from pydantic import BaseModel, Field

from frictionaudit.audit.model import Effort, Finding, Severity, severity_rank
from frictionaudit.audit.registry import all_rules
from frictionaudit.results import RunResults

SEVERITY_WEIGHT = {"blocker": 50, "major": 10, "minor": 3, "cosmetic": 1}
EFFORT_WEIGHT = {"XS": 1, "S": 2, "M": 4, "L": 8}
SMALL_EFFORTS = ("XS", "S")


class Fix(BaseModel):
    """One thing to change, with every occurrence that change would remove."""

    id: str = Field(description="Stable fingerprint of the fix: a hash of its rule and root cause.")
    rule: str = Field(description="The rule's code, e.g. N101.")
    title: str = Field(description="What to fix (the worst occurrence's fix title).")
    severity: Severity = Field(description="The worst occurrence's severity.")
    category: str
    effort: Effort = Field(description="The rule's effort estimate: XS, S, M or L.")
    confidence: float = Field(description="How deterministic the rule's signal is, 0..1.")
    reach: float = Field(description="Σ journey weight × channel weight × share of customers reaching the step.")
    priority: float = Field(description="severity_weight × reach × confidence ÷ effort_weight.")
    severity_weight: int = Field(0, description="Nielsen's severity scale as a weight: 50, 10, 3, 1.")
    effort_weight: int = Field(0, description="XS 1, S 2, M 4, L 8.")
    places: int = Field(0, description="Distinct journey × channel × step places where it occurs.")
    journeys: list[str]
    channels: list[str]
    occurrences: list[Finding] = Field(default_factory=list)

    @property
    def is_small(self) -> bool:
        return self.effort in SMALL_EFFORTS

    @property
    def inputs(self) -> str:
        return (
            f"{SEVERITY_WEIGHT[self.severity]} (severity {self.severity}) × {self.reach:.2f} (reach) × "
            f"{self.confidence:g} (confidence) ÷ {EFFORT_WEIGHT[self.effort]} (effort {self.effort})"
        )

    @property
    def formula(self) -> str:
        """The priority with its inputs in one short line: ``16.4 = 10 × 3.28 × 1 ÷ 2``."""
        return (
            f"{self.priority:.1f} = {SEVERITY_WEIGHT[self.severity]} × {self.reach:.2f} × "
            f"{self.confidence:g} ÷ {EFFORT_WEIGHT[self.effort]}"
        )

    @property
    def first(self) -> Finding | None:
        """The occurrence to show first: the worst, earliest in its journey."""
        worst = [f for f in self.occurrences if f.severity == self.severity]
        return min(worst or self.occurrences, key=_place_key, default=None)


def _place_key(f: Finding) -> tuple[int, str, str]:
    return (f.step if f.step is not None else -1, f.journey, f.channel)


def position_factor(step: int | None, steps_in_journey: int) -> float:
    if step is None or steps_in_journey <= 1:
        return 1.0
    return 1.0 - 0.5 * min(step, steps_in_journey - 1) / (steps_in_journey - 1)


def fix_id(rule: str, root_cause: str) -> str:
    return hashlib.sha1(f"{rule}|{root_cause}".encode()).hexdigest()[:10]


def rank(findings: Iterable[Finding], results: RunResults) -> list[Fix]:
    rules = all_rules()
    groups: dict[tuple[str, str], list[Finding]] = {}
    for finding in findings:
        groups.setdefault((finding.rule, finding.root_cause), []).append(finding)
    # Another view of a problem another rule already names (evidence "related": that rule's code, the
    # same root cause) joins that rule's fix: C101 "works on desktop, not on mobile" joins J101
    # "blocked on mobile" at the same step. Without such a fix it stays a fix of its own.
    for key in sorted(groups):
        related = {f.evidence.get("related") for f in groups[key]}
        target = (str(next(iter(related))), key[1]) if len(related) == 1 and None not in related else None
        if target and target != key and target in groups and key in groups:
            groups[target].extend(groups.pop(key))
    weights = {c.name: c.weight for c in results.channels}
    journey_weights = {j.id: getattr(j, "weight", 1.0) for j in results.journeys}
    step_counts = {j.id: len(j.steps) for j in results.journeys}
    fixes = []
    for (code, root_cause), occurrences in groups.items():
        rule = rules.get(code)
        effort = rule.effort if rule else "M"
        confidence = rule.confidence if rule else 0.5
        severity = min((f.severity for f in occurrences), key=severity_rank)
        # Sorted, the last key being the whole finding: the same findings in any order give the same fix.
        occurrences.sort(
            key=lambda f: (f.journey, f.channel, f.step if f.step is not None else -1, f.title, f.model_dump_json())
        )
        places = dict.fromkeys((f.journey, f.channel, f.step) for f in occurrences)
        reach = sum(
            journey_weights.get(journey, 1.0)
            * weights.get(channel, 1.0)
            * position_factor(step, step_counts.get(journey, 1))
            for journey, channel, step in places
        )
        priority = SEVERITY_WEIGHT[severity] * reach * confidence / EFFORT_WEIGHT[effort]
        own = [f for f in occurrences if f.rule == code] or occurrences
        worst = next((f for f in own if f.severity == severity), own[0])
        fixes.append(
            Fix(
                id=fix_id(code, root_cause),
                rule=code,
                title=worst.fix_title,
                severity=severity,
                category=worst.category,
                effort=effort,
                confidence=confidence,
                reach=round(reach, 4),
                priority=round(priority, 4),
                severity_weight=SEVERITY_WEIGHT[severity],
                effort_weight=EFFORT_WEIGHT[effort],
                places=len(places),
                journeys=sorted({f.journey for f in occurrences}),
                channels=sorted({f.channel for f in occurrences}),
                occurrences=occurrences,
            )
        )
    fixes.sort(key=lambda f: (-f.priority, severity_rank(f.severity), f.id))
    return fixes


def fix_next(fixes: list[Fix], limit: int = 5) -> list[Fix]:
    """The top small fixes (effort XS or S): what to do first."""
    return small_fixes(fixes)[:limit]


def small_fixes(fixes: list[Fix]) -> list[Fix]:
    """Every small fix (effort XS or S), in priority order."""
    return [f for f in fixes if f.is_small]


def big_fixes(fixes: list[Fix]) -> list[Fix]:
    """The fixes that need planning (effort M or L), in priority order."""
    return [f for f in fixes if not f.is_small]
