"""What an audit produces: findings, and each rule's outcome (ran, or failed on its own)."""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from pydantic import BaseModel, Field

Severity = Literal["blocker", "major", "minor", "cosmetic"]
SEVERITIES: tuple[Severity, ...] = ("blocker", "major", "minor", "cosmetic")
Effort = Literal["XS", "S", "M", "L"]


def severity_rank(severity: str) -> int:
    """0 for blocker, 3 for cosmetic: sort key and threshold comparisons."""
    return SEVERITIES.index(severity)  # type: ignore[arg-type]


class Finding(BaseModel):
    """One occurrence of a problem: a rule, where it happened, and the evidence."""

    rule: str = Field(description="The rule's code, e.g. E101.")
    severity: Severity
    category: str
    title: str = Field(description="What happened here, in a customer's terms.")
    fix_title: str = Field(description="What to fix; the same for every occurrence of one root cause.")
    root_cause: str = Field(description="Occurrences with the same rule and root cause are one fix.")
    journey: str
    channel: str
    step: int | None = Field(None, description="0-based step index; None for the journey as a whole.")
    step_label: str = ""
    url: str = ""
    screenshot: str | None = None
    evidence: dict[str, Any] = Field(default_factory=dict)
    repeat: int = Field(0, description="Which replay (--repeat) it was seen in first; not part of the fingerprint.")
    seen_in: int = Field(1, description="In how many of the replays of its journey × channel it was seen.")
    replays: int = Field(1, description="How many replays its journey × channel had (--repeat).")

    @property
    def flaky(self) -> bool:
        """Seen in some replays of its journey × channel and not in others."""
        return self.seen_in < self.replays

    @property
    def fingerprint(self) -> str:
        """Stable across runs, run order and worker counts: only what identifies the occurrence."""
        key = f"{self.rule}|{self.root_cause}|{self.journey}|{self.channel}|{self.step}"
        return hashlib.sha1(key.encode()).hexdigest()[:12]


class RuleOutcome(BaseModel):
    rule: str
    status: Literal["ran", "error", "disabled"]
    findings: int = 0
    error: str | None = None


class AuditResult(BaseModel):
    findings: list[Finding] = Field(default_factory=list)
    outcomes: list[RuleOutcome] = Field(default_factory=list)

    @property
    def errors(self) -> list[RuleOutcome]:
        return [o for o in self.outcomes if o.status == "error"]
