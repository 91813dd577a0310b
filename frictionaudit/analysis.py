"""One object for everything a report shows: the saved results, their findings and the fix list.

Built from saved results alone (pure), so ``report`` and ``audit`` give what ``run`` gave.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from frictionaudit.audit.model import SEVERITIES, AuditResult, Finding, severity_rank
from frictionaudit.audit.registry import audit
from frictionaudit.rank import Fix, fix_next, rank
from frictionaudit.results import JourneyRun, RunResults

FAIL_ON_CHOICES = (*SEVERITIES, "never")


@dataclass(frozen=True)
class RunSummary:
    run: JourneyRun
    journey_name: str
    steps_done: int
    steps_total: int
    seconds: float
    findings: int


@dataclass
class Analysis:
    results: RunResults
    audit: AuditResult
    fixes: list[Fix]

    @property
    def findings(self) -> list[Finding]:
        return self.audit.findings

    @property
    def fix_next(self) -> list[Fix]:
        return fix_next(self.fixes)

    def summaries(self) -> list[RunSummary]:
        rows = []
        for run in self.results.runs:
            info = self.results.journey(run.journey)
            rows.append(
                RunSummary(
                    run=run,
                    journey_name=info.name if info else run.journey,
                    steps_done=sum(1 for s in run.steps if s.status == "ok"),
                    steps_total=len(run.steps),
                    seconds=round(sum(s.duration for s in run.steps), 2),
                    findings=sum(1 for f in self.findings if f.journey == run.journey and f.channel == run.channel),
                )
            )
        return rows

    @property
    def blocked(self) -> list[JourneyRun]:
        return [r for r in self.results.runs if r.status == "blocked"]

    @property
    def infra_errors(self) -> list[JourneyRun]:
        return [r for r in self.results.runs if r.status == "error"]

    def failing(self, fail_on: str) -> list[Finding]:
        """Findings at or over the ``--fail-on`` severity."""
        if fail_on == "never":
            return []
        limit = severity_rank(fail_on)
        return [f for f in self.findings if severity_rank(f.severity) <= limit]

    def verdict(self) -> str:
        runs = len(self.results.runs)
        blocked = len(self.blocked)
        parts = [f"{runs} journey run{'s' if runs != 1 else ''}"]
        if blocked:
            parts.append(f"{blocked} blocked")
        if self.infra_errors:
            parts.append(f"{len(self.infra_errors)} failed to run (browser)")
        if not self.fixes:
            parts.append("no friction found")
            return ", ".join(parts) + "."
        small = sum(1 for f in self.fixes if f.is_small)
        parts.append(f"{len(self.fixes)} fix{'es' if len(self.fixes) != 1 else ''} ({small} small)")
        first = self.fix_next[0] if self.fix_next else self.fixes[0]
        return ", ".join(parts) + f". Fix first: {first.title}."


def analyse(results: RunResults, disabled: Iterable[str] = ()) -> Analysis:
    audited = audit(results, disabled)
    return Analysis(results=results, audit=audited, fixes=rank(audited.findings, results))
