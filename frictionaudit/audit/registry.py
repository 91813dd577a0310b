"""The rule registry: stable codes, metadata apart from the checks, and the runner that isolates them.

A rule is a function ``check(ctx) -> Iterable[Finding]`` registered with :func:`rule`. Its docstring
is its user documentation, under the headings ``What it finds``, ``Why it hurts the customer``,
``Example`` and ``How to fix`` (``frictionaudit rules CODE`` prints it). An exception inside one
rule becomes an error outcome for that rule alone; the audit goes on.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from frictionaudit.audit.model import AuditResult, Effort, Finding, RuleOutcome, Severity
from frictionaudit.config.models import Thresholds
from frictionaudit.results import JourneyRun, RunResults, StepResult


def fold_replays(findings: list[Finding], results: RunResults) -> list[Finding]:
    """With ``--repeat K``, one finding per occurrence, saying in how many of the K replays it was seen.

    A finding seen in some replays only is flaky. The first replay's occurrence is kept as evidence.
    """
    replays: dict[tuple[str, str], set[int]] = {}
    for run in results.runs:
        replays.setdefault((run.journey, run.channel), set()).add(run.repeat)
    if all(len(r) <= 1 for r in replays.values()):
        return findings
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.fingerprint, []).append(finding)
    folded = []
    for group in groups.values():
        group.sort(key=lambda f: f.repeat)
        first = group[0]
        total = len(replays.get((first.journey, first.channel), {0}))
        folded.append(first.model_copy(update={"seen_in": len({f.repeat for f in group}), "replays": total}))
    return folded


@dataclass(frozen=True)
class Rule:
    code: str
    slug: str
    title: str
    category: str
    severity: Severity
    effort: Effort
    confidence: float
    check: Callable[[AuditContext], Iterable[Finding]]

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.check.__doc__ or "")

    def section(self, heading: str) -> str:
        match = re.search(rf"^{re.escape(heading)}\n-+\n(.*?)(?=^\S[^\n]*\n-+\n|\Z)", self.doc, re.S | re.M)
        return match.group(1).strip() if match else ""

    @property
    def summary(self) -> str:
        return self.doc.split("\n\n", 1)[0].strip()


RULES: dict[str, Rule] = {}


def rule(
    code: str, slug: str, title: str, *, category: str, severity: Severity, effort: Effort, confidence: float
) -> Callable[[Callable[[AuditContext], Iterable[Finding]]], Callable[[AuditContext], Iterable[Finding]]]:
    """Register a rule under a stable code."""

    def register(
        check: Callable[[AuditContext], Iterable[Finding]],
    ) -> Callable[[AuditContext], Iterable[Finding]]:
        if code in RULES:
            raise ValueError(f"rule code {code} registered twice")
        RULES[code] = Rule(code, slug, title, category, severity, effort, confidence, check)
        return check

    return register


def all_rules() -> dict[str, Rule]:
    import frictionaudit.audit.rules  # noqa: F401  (registers the catalogue)

    return dict(sorted(RULES.items()))


@dataclass
class AuditContext:
    """What a rule may read: the saved results and the settings they were gathered with."""

    results: RunResults
    rule: Rule
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def origins(self) -> list[str]:
        """The audited service's own origins (``scheme://host:port``), longest first."""
        bases = [self.results.base_url, *(c.base_url for c in self.results.channels)]
        found = {f"{p.scheme}://{p.netloc}" for p in map(urlsplit, bases) if p.scheme and p.netloc}
        return sorted(found, key=len, reverse=True)

    def portable(self, root_cause: str) -> str:
        """A root cause without the service's own origin, so a fix keeps its id on another deployment
        (``--base-url``, a demo on another port); third-party origins stay."""
        for origin in self.origins:
            root_cause = root_cause.replace(origin, "")
        return root_cause

    @property
    def thresholds(self) -> Thresholds:
        """The thresholds the run was gathered with (defaults for anything not set)."""
        return Thresholds.model_validate(self.settings.get("thresholds") or {})

    def journey_name(self, journey_id: str) -> str:
        """The journey's human name (its id when the results do not know it)."""
        info = self.results.journey(journey_id)
        return info.name if info else journey_id

    def runs(self) -> Iterator[JourneyRun]:
        yield from self.results.runs

    def steps(self) -> Iterator[tuple[JourneyRun, StepResult]]:
        for run in self.results.runs:
            for step in run.steps:
                if step.status != "skipped":
                    yield run, step

    def finding(
        self,
        run: JourneyRun,
        step: StepResult | None,
        *,
        title: str,
        fix_title: str,
        root_cause: str,
        severity: Severity | None = None,
        evidence: dict[str, Any] | None = None,
    ) -> Finding:
        return Finding(
            rule=self.rule.code,
            severity=severity or self.rule.severity,
            category=self.rule.category,
            title=title,
            fix_title=fix_title,
            root_cause=self.portable(root_cause),
            journey=run.journey,
            channel=run.channel,
            step=step.index if step else None,
            step_label=step.label if step else "",
            url=step.url if step else "",
            screenshot=step.screenshot if step else None,
            evidence=evidence or {},
            repeat=run.repeat,
        )


def audit(results: RunResults, disabled: Iterable[str] = ()) -> AuditResult:
    """Run every enabled rule over saved results; a rule that raises fails alone.

    Rules are switched off by ``disabled``, by the project's ``rules.disable`` and, for one journey's
    findings, by that journey's ``rules.disable``.
    """
    disabled = set(disabled) | set((results.settings.get("rules") or {}).get("disable") or [])
    per_journey = {j.id: set(j.disabled_rules) for j in results.journeys if j.disabled_rules}
    outcome = AuditResult()
    settings = dict(results.settings)
    for code, r in all_rules().items():
        if code in disabled:
            outcome.outcomes.append(RuleOutcome(rule=code, status="disabled"))
            continue
        try:
            found = list(r.check(AuditContext(results=results, rule=r, settings=settings)))
        except Exception as exc:  # one broken rule never sinks the audit
            outcome.outcomes.append(RuleOutcome(rule=code, status="error", error=f"{type(exc).__name__}: {exc}"))
            continue
        found = [f for f in found if f.rule not in per_journey.get(f.journey, ())]
        outcome.findings.extend(found)
        outcome.outcomes.append(RuleOutcome(rule=code, status="ran", findings=len(found)))
    outcome.findings = fold_replays(outcome.findings, results)
    outcome.findings.sort(
        key=lambda f: (f.journey, f.channel, f.step if f.step is not None else -1, f.rule, f.root_cause)
    )
    return outcome
