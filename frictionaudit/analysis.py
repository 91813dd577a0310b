"""One object for everything a report shows: the saved results, their findings and the fix list.

Built from saved results alone (pure), so ``report`` and ``audit`` give what ``run`` gave.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass

from frictionaudit.audit.model import SEVERITIES, AuditResult, Finding
from frictionaudit.audit.registry import audit
from frictionaudit.effort import Effort, journey_effort
from frictionaudit.rank import Fix, big_fixes, fix_next, rank, small_fixes
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
    effort: Effort
    replays: int = 1
    seconds_min: float = 0.0
    seconds_max: float = 0.0
    completed_in: int = 1

    @property
    def seconds_text(self) -> str:
        """``4.2``, or with --repeat the median and the spread: ``4.2 (3.9–4.6)``."""
        if self.replays <= 1:
            return f"{self.seconds:.1f}"
        return f"{self.seconds:.1f} ({self.seconds_min:.1f}–{self.seconds_max:.1f})"


@dataclass(frozen=True)
class ChannelDifference:
    """A fact that differs between channels at one step (a consistency rule's evidence), side by side.

    Consistency rules (codes starting with C) put ``{"values": {channel: value}, "screenshots":
    {channel: path}, "step": n, "fact": name}`` in their evidence.
    """

    fix: Fix
    finding: Finding
    journey: str
    journey_name: str
    step: int | None
    step_label: str
    fact: str
    values: dict[str, str]
    screenshots: dict[str, str]


def _difference_evidence(finding: Finding) -> tuple[dict[str, str], dict[str, str]] | None:
    values = finding.evidence.get("values")
    if not finding.rule.startswith("C") or not isinstance(values, dict) or not values:
        return None
    shots = finding.evidence.get("screenshots")
    shots = shots if isinstance(shots, dict) else {}
    return (
        {str(k): "" if v is None else str(v) for k, v in values.items()},
        {str(k): str(v) for k, v in shots.items() if isinstance(v, str)},
    )


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

    @property
    def small_fixes(self) -> list[Fix]:
        return small_fixes(self.fixes)

    @property
    def big_fixes(self) -> list[Fix]:
        return big_fixes(self.fixes)

    @property
    def first_fix(self) -> Fix | None:
        """What to fix first: the top small fix, else the top fix."""
        candidates = self.fix_next or self.fixes
        return candidates[0] if candidates else None

    def channel_differences(self) -> list[ChannelDifference]:
        """Every consistency finding with per-channel values, one per journey × step × fact."""
        seen: dict[tuple[str, int | None, str], ChannelDifference] = {}
        for fix in self.fixes:
            for finding in fix.occurrences:
                shape = _difference_evidence(finding)
                if shape is None:
                    continue
                values, shots = shape
                raw_step = finding.evidence.get("step", finding.step)
                step = raw_step if isinstance(raw_step, int) else finding.step
                fact = str(finding.evidence.get("fact") or "")
                key = (finding.journey, step, fact)
                if key in seen:
                    continue
                info = self.results.journey(finding.journey)
                label = finding.step_label
                if info and step is not None and 0 <= step < len(info.steps):
                    label = label or info.steps[step]
                seen[key] = ChannelDifference(
                    fix=fix,
                    finding=finding,
                    journey=finding.journey,
                    journey_name=info.name if info else finding.journey,
                    step=step,
                    step_label=label,
                    fact=fact,
                    values=values,
                    screenshots=shots,
                )
        return list(seen.values())

    def summaries(self) -> list[RunSummary]:
        """One row per journey × channel. With ``--repeat K`` the row stands for its K replays: the
        median time with its spread, and the replay that went worst (blocked first) as the run shown."""
        groups: dict[tuple[str, str], list[JourneyRun]] = {}
        for run in self.results.runs:
            groups.setdefault((run.journey, run.channel), []).append(run)
        rows = []
        for (journey, channel), runs in groups.items():
            worst = min(runs, key=lambda r: ({"error": 0, "blocked": 1}.get(r.status, 2), r.repeat))
            times = sorted(round(sum(s.duration for s in r.steps), 2) for r in runs)
            info = self.results.journey(journey)
            rows.append(
                RunSummary(
                    run=worst,
                    journey_name=info.name if info else journey,
                    steps_done=sum(1 for s in worst.steps if s.status == "ok"),
                    steps_total=len(worst.steps),
                    seconds=round(statistics.median(times), 2),
                    findings=sum(1 for f in self.findings if f.journey == journey and f.channel == channel),
                    effort=journey_effort(worst),
                    replays=len(runs),
                    seconds_min=times[0],
                    seconds_max=times[-1],
                    completed_in=sum(1 for r in runs if r.status == "completed"),
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
        """Findings at or over the ``--fail-on`` gate: severities, categories, rule codes (see gate.py)."""
        if fail_on == "never":
            return []
        from frictionaudit.gate import parse_fail_on

        gate = parse_fail_on(fail_on)
        return [f for f in self.findings if gate.matches(f)]

    def status_line(self) -> str:
        """The verdict without its "fix first" part: runs, blocked runs, fixes."""
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
        return ", ".join(parts) + "."

    def verdict(self) -> str:
        """One line: the status and what to fix first."""
        first = self.first_fix
        return self.status_line() + (f" Fix first: {first.title}." if first else "")


def analyse(results: RunResults, disabled: Iterable[str] = ()) -> Analysis:
    audited = audit(results, disabled)
    return Analysis(results=results, audit=audited, fixes=rank(audited.findings, results))
