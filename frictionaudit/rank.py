"""Rank: group findings into fixes by root cause and order them by what to fix first.

    priority = severity weight × reach × confidence ÷ effort weight

- severity weight follows Nielsen's severity scale: blocker (4, catastrophe) 50, major (3) 10,
  minor (2) 3, cosmetic (1) 1. The steps widen at the top so that a blocked journey outranks a
  handful of minor problems; a fix takes its worst occurrence's severity.
- reach sums, over each distinct journey × channel × step where the problem occurs, the channel's
  weight (``weight:`` in frictionaudit.yaml, e.g. its share of traffic; default 1) times how many
  customers get that far: 1.0 at a journey's first step falling linearly to 0.5 at its last.
- confidence is the rule's: 1.0 for deterministic signals (an HTTP 404), lower for timing.
- effort weight comes from the rule's effort: XS 1, S 2, M 4, L 8.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from pydantic import BaseModel, Field

from frictionaudit.audit.model import Finding, severity_rank
from frictionaudit.audit.registry import all_rules
from frictionaudit.results import RunResults

SEVERITY_WEIGHT = {"blocker": 50, "major": 10, "minor": 3, "cosmetic": 1}
EFFORT_WEIGHT = {"XS": 1, "S": 2, "M": 4, "L": 8}
SMALL_EFFORTS = ("XS", "S")


class Fix(BaseModel):
    """One thing to change, with every occurrence that change would remove."""

    id: str
    rule: str
    title: str
    severity: str
    category: str
    effort: str
    confidence: float
    reach: float
    priority: float
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
    weights = {c.name: c.weight for c in results.channels}
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
            weights.get(channel, 1.0) * position_factor(step, step_counts.get(journey, 1))
            for journey, channel, step in places
        )
        priority = SEVERITY_WEIGHT[severity] * reach * confidence / EFFORT_WEIGHT[effort]
        worst = next(f for f in occurrences if f.severity == severity)
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
                journeys=sorted({f.journey for f in occurrences}),
                channels=sorted({f.channel for f in occurrences}),
                occurrences=occurrences,
            )
        )
    fixes.sort(key=lambda f: (-f.priority, severity_rank(f.severity), f.id))
    return fixes


def fix_next(fixes: list[Fix], limit: int = 5) -> list[Fix]:
    """The top small fixes (effort XS or S): what to do first."""
    return [f for f in fixes if f.is_small][:limit]
