"""The CI gate: which findings and budget overruns fail a run (exit 1), and the reasons why.

``--fail-on`` takes one or more terms, separated by commas (or by repeating the option):

- a severity, ``blocker``, ``major``, ``minor`` or ``cosmetic``: findings at or over it;
- a category, e.g. ``network``: every finding of that category;
- a category and a severity, ``network:major``: findings of that category at or over it;
- a rule code, ``E101``: every finding of that rule;
- ``never``: no finding fails the run.

A finding fails the run when any term matches it. With a baseline (``--baseline``) only the
findings that are not in the baseline count: the problems the deploy brought (see
:mod:`frictionaudit.diff` for how problems are matched).

Budgets (``budgets:`` in frictionaudit.yaml: ``max_seconds``, ``max_screens``, ``max_clicks``,
``max_human_seconds`` and ``max_findings``, at the top for every journey × channel, per channel,
per journey and per journey on one channel) are limits the team set: a journey × channel over one
fails the run whatever ``--fail-on`` and the baseline say. The most specific limit wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from frictionaudit.analysis import Analysis
from frictionaudit.audit.model import SEVERITIES, Finding, severity_rank
from frictionaudit.config.models import Budgets, Limits
from frictionaudit.diff import Comparison, Problem, Snapshot, compare, snapshot_of
from frictionaudit.effort import journey_effort
from frictionaudit.errors import ExitCode, InputError

NEVER = "never"
ALL = "all"
_RULE_CODE = re.compile(r"^[A-Z]\d{3}$")


# ---------------------------------------------------------------------------- --fail-on


@dataclass(frozen=True)
class Term:
    """One ``--fail-on`` term: a severity floor, a category, a rule, or a category with a floor."""

    severity: str | None = None
    category: str | None = None
    rule: str | None = None

    def matches(self, rule: str, category: str, severity: str) -> bool:
        if self.rule is not None and rule != self.rule:
            return False
        if self.category is not None and category != self.category:
            return False
        return self.severity is None or severity_rank(severity) <= severity_rank(self.severity)


@dataclass(frozen=True)
class FailOn:
    text: str
    terms: tuple[Term, ...] = ()

    @property
    def never(self) -> bool:
        return not self.terms

    def matches(self, item: Problem | Finding) -> bool:
        return any(t.matches(item.rule, item.category, item.severity) for t in self.terms)


def _catalogue() -> tuple[list[str], list[str]]:
    from frictionaudit.audit.registry import all_rules

    rules = all_rules()
    return list(rules), sorted({r.category for r in rules.values()})


def parse_fail_on(text: str | Iterable[str]) -> FailOn:
    """Parse ``--fail-on`` (``major``, ``network``, ``network:major``, ``E101``, ``never``; comma-separated)."""
    raw = text if isinstance(text, str) else ",".join(text)
    words = [w.strip() for w in re.split(r"[,\s]+", raw) if w.strip()]
    if not words:
        raise InputError("--fail-on is empty", hint="e.g. --fail-on major, --fail-on network:minor or never")
    if NEVER in (w.lower() for w in words):
        if len(words) > 1:
            raise InputError(f"--fail-on {raw}: 'never' cannot be combined with other terms")
        return FailOn(NEVER)
    codes, categories = _catalogue()
    terms = []
    for word in words:
        terms.append(_term(word, codes, categories))
    return FailOn(",".join(words), tuple(terms))


def _term(word: str, codes: list[str], categories: list[str]) -> Term:
    from frictionaudit.config.loader import did_you_mean

    choices = [*SEVERITIES, *categories, *codes, NEVER]
    if ":" in word:
        category, _, severity = word.partition(":")
        category, severity = category.lower(), severity.lower()
        if category not in categories:
            raise InputError(
                f"--fail-on {word}: no rule category '{category}'",
                hint=did_you_mean(category, categories) or f"categories: {', '.join(categories)}",
            )
        if severity not in SEVERITIES:
            raise InputError(
                f"--fail-on {word}: '{severity}' is not a severity",
                hint=did_you_mean(severity, SEVERITIES) or f"severities: {', '.join(SEVERITIES)}",
            )
        return Term(severity=severity, category=category)
    if word.lower() in SEVERITIES:
        return Term(severity=word.lower())
    if word.lower() in categories:
        return Term(category=word.lower())
    if word.upper() in codes:
        return Term(rule=word.upper())
    hint = did_you_mean(word, choices)
    raise InputError(
        f"--fail-on {word}: not a severity, a rule category or a rule code",
        hint=hint
        or f"severities: {', '.join(SEVERITIES)}; categories: {', '.join(categories)}; "
        "or a rule code (frictionaudit rules), or never",
    )


# ---------------------------------------------------------------------------- budgets

MEASURES: dict[str, tuple[str, str]] = {
    "max_seconds": ("seconds", "time"),
    "max_screens": ("screens", "screens"),
    "max_clicks": ("clicks", "clicks"),
    "max_human_seconds": ("human_seconds", "estimated human time"),
}


@dataclass(frozen=True)
class Limit:
    value: float
    source: str
    """Where it was set, e.g. ``budgets.journeys.pay-invoice.max_clicks``."""


def limits_for(budgets: Budgets, journey: str, channel: str) -> tuple[dict[str, Limit], dict[str, Limit]]:
    """The limits of one journey × channel (by field) and its ``max_findings`` (by kind): most specific wins."""
    per_journey = budgets.journeys.get(journey)
    layers: list[tuple[Limits | None, str]] = [
        (budgets, "budgets"),
        (budgets.channels.get(channel), f"budgets.channels.{channel}"),
        (per_journey, f"budgets.journeys.{journey}"),
        (per_journey.channels.get(channel) if per_journey else None, f"budgets.journeys.{journey}.channels.{channel}"),
    ]
    limits: dict[str, Limit] = {}
    findings: dict[str, Limit] = {}
    for layer, where in layers:
        if layer is None:
            continue
        for name in MEASURES:
            value = getattr(layer, name)
            if value is not None:
                limits[name] = Limit(float(value), f"{where}.{name}")
        for kind, count in layer.max_findings.items():
            findings[kind] = Limit(float(count), f"{where}.max_findings.{kind}")
    return limits, findings


def finding_kind_matches(kind: str, finding: Finding) -> bool:
    """``max_findings`` keys: ``all``, a severity (that or worse), a rule code, or a category."""
    if kind == ALL:
        return True
    if kind in SEVERITIES:
        return severity_rank(finding.severity) <= severity_rank(kind)
    if _RULE_CODE.match(kind):
        return finding.rule == kind
    return finding.category == kind


@dataclass(frozen=True)
class Overrun:
    """A journey × channel over one of its budgets."""

    journey: str
    channel: str
    measure: str
    actual: float
    limit: float
    source: str

    def reason(self) -> str:
        seconds = self.measure in ("time", "estimated human time")
        actual = f"{self.actual:.1f} s" if seconds else f"{self.actual:g}"
        limit = f"{self.limit:g} s" if seconds else f"{self.limit:g}"
        return f"{self.journey} on {self.channel}: {self.measure} {actual}, over the budget of {limit} ({self.source})"


def budget_overruns(analysis: Analysis) -> list[Overrun]:
    """Every journey × channel over a budget; budgets come from the settings the run was gathered with."""
    budgets = Budgets.model_validate(analysis.results.settings.get("budgets") or {})
    overruns: list[Overrun] = []
    for run in analysis.results.runs:
        if run.status == "error":
            continue
        limits, finding_limits = limits_for(budgets, run.journey, run.channel)
        if not limits and not finding_limits:
            continue
        effort = journey_effort(run)
        for name, limit in limits.items():
            attribute, measure = MEASURES[name]
            actual = float(getattr(effort, attribute))
            if actual > limit.value:
                overruns.append(Overrun(run.journey, run.channel, measure, round(actual, 2), limit.value, limit.source))
        mine = [f for f in analysis.findings if f.journey == run.journey and f.channel == run.channel]
        for kind, limit in finding_limits.items():
            count = sum(1 for f in mine if finding_kind_matches(kind, f))
            if count > limit.value:
                what = "findings" if kind == ALL else f"{kind} findings"
                overruns.append(Overrun(run.journey, run.channel, what, count, limit.value, limit.source))
    return overruns


def check_budget_refs(loaded: object, journey_ids: Iterable[str] = ()) -> None:
    """The channels, journeys and finding kinds ``budgets:`` names must exist (errors at file:line:col).

    Journeys are the files of the config's journeys folder and ``journey_ids`` (those loaded).
    """
    from frictionaudit.config.loader import LoadedConfig, _raise, did_you_mean

    assert isinstance(loaded, LoadedConfig)
    budgets = loaded.config.budgets
    doc = loaded.doc
    channels = list(loaded.config.channels)
    folder = loaded.folder / loaded.config.journeys
    journeys = sorted({*(p.stem for p in folder.glob("*.y*ml") if folder.is_dir()), *journey_ids}) or None
    codes, categories = _catalogue()
    kinds = [ALL, *SEVERITIES, *codes, *categories]
    errors: list[InputError] = []

    def check_channels(names: Iterable[str], path: tuple[str, ...]) -> None:
        for name in names:
            if name not in channels:
                hint = did_you_mean(name, channels) or f"channels: {', '.join(channels)}"
                errors.append(
                    InputError(f"unknown channel '{name}' in budgets", doc.pos((*path, name), key=True), hint)
                )

    def check_kinds(limits: Limits, path: tuple[str, ...]) -> None:
        for kind in limits.max_findings:
            if kind not in kinds:
                hint = did_you_mean(kind, kinds) or (
                    f"use all, a severity ({', '.join(SEVERITIES)}), a category ({', '.join(categories)}) "
                    "or a rule code"
                )
                errors.append(
                    InputError(
                        f"unknown kind of finding '{kind}' in max_findings",
                        doc.pos((*path, "max_findings", kind), key=True),
                        hint,
                    )
                )

    check_kinds(budgets, ("budgets",))
    check_channels(budgets.channels, ("budgets", "channels"))
    for name, limits in budgets.channels.items():
        check_kinds(limits, ("budgets", "channels", name))
    for journey, limits in budgets.journeys.items():
        path = ("budgets", "journeys", journey)
        if journeys is not None and journey not in journeys:
            hint = did_you_mean(journey, journeys) or f"journey ids are file names in {folder.name}/"
            errors.append(InputError(f"no journey '{journey}' for budgets", doc.pos(path, key=True), hint))
        check_kinds(limits, path)
        check_channels(limits.channels, (*path, "channels"))
        for name, per_channel in limits.channels.items():
            check_kinds(per_channel, (*path, "channels", name))
    _raise(errors)


# ---------------------------------------------------------------------------- the verdict


@dataclass
class GateResult:
    fail_on: FailOn
    failing: list[Problem] = field(default_factory=list)
    """Problems at or over ``--fail-on`` (only the new ones when there is a baseline)."""
    overruns: list[Overrun] = field(default_factory=list)
    comparison: Comparison | None = None
    current: Snapshot | None = None
    infra_errors: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failing and not self.overruns

    @property
    def exit_code(self) -> int:
        if self.infra_errors:
            return int(ExitCode.INFRASTRUCTURE)
        return int(ExitCode.OK) if self.passed else int(ExitCode.FINDINGS)

    @property
    def new_problems(self) -> list[Problem]:
        """New since the baseline, or every problem without one."""
        if self.comparison is not None:
            return self.comparison.new_problems
        return list(self.current.problems.values()) if self.current else []

    def reasons(self) -> list[str]:
        new = " new" if self.comparison is not None else ""
        lines = [f"{p.rule} {p.severity}{new}: {p.title} — {p.where}" for p in self.failing]
        lines += [f"budget: {o.reason()}" for o in self.overruns]
        return lines

    def headline(self) -> str:
        base = f", baseline {self.comparison.old.source}" if self.comparison is not None else ""
        if self.passed:
            return f"Gate passed (--fail-on {self.fail_on.text}{base})."
        parts = []
        if self.failing:
            what = "new finding" if self.comparison is not None else "finding"
            parts.append(f"{len(self.failing)} {what}{'s' if len(self.failing) != 1 else ''} at or over the gate")
        if self.overruns:
            parts.append(f"{len(self.overruns)} budget{'s' if len(self.overruns) != 1 else ''} exceeded")
        return f"Gate failed (--fail-on {self.fail_on.text}{base}): " + " and ".join(parts) + "."


def evaluate(analysis: Analysis, fail_on: FailOn, baseline: Snapshot | None = None) -> GateResult:
    """Apply ``--fail-on``, the baseline and the budgets to an analysed run."""
    current = snapshot_of(analysis)
    comparison = compare(baseline, current) if baseline is not None else None
    candidates = comparison.new_problems if comparison is not None else list(current.problems.values())
    failing = sorted(
        (p for p in candidates if fail_on.matches(p)),
        key=lambda p: (severity_rank(p.severity), p.rule, p.journey, p.channel, p.step if p.step is not None else -1),
    )
    return GateResult(
        fail_on=fail_on,
        failing=failing,
        overruns=budget_overruns(analysis),
        comparison=comparison,
        current=current,
        infra_errors=[f"{r.journey} on {r.channel}: {r.reason or 'browser error'}" for r in analysis.infra_errors],
    )


def load_baseline(ref: str, history_path: Path) -> tuple[Snapshot | None, str | None]:
    """The baseline snapshot, and a note when ``history:latest`` found no run yet (then: no baseline)."""
    from frictionaudit.diff import HISTORY_PREFIX, load_snapshot

    if ref.startswith(HISTORY_PREFIX) and ref.removeprefix(HISTORY_PREFIX) in ("latest", "-1"):
        from frictionaudit.history import has_runs

        if not has_runs(history_path):
            return None, f"no run in {history_path} yet: every finding counts as new"
    return load_snapshot(ref, history_path), None
