"""Compare two runs: which problems are new, fixed or still there, and how each journey's effort changed.

A run is remembered as a :class:`Snapshot`: its problems (one per finding fingerprint, with the fix
it belongs to), its fixes and, per journey × channel, the outcome and the effort (time, screens,
clicks, estimated human time). A snapshot comes from a saved run (re-audited with the current rules,
so a rule added since does not show up as a "new" problem of the service) or from an entry of the
history database (:mod:`frictionaudit.history`); ``frictionaudit diff`` and ``run --baseline``
accept either.

Problems are matched by their fingerprint (rule, root cause, journey, channel, step) and fixes by
their id (rule, root cause), both computed with the audited service's own address folded away
(and the port of a service on 127.0.0.1 or localhost), so a run against a preview deployment or
a service started on a random local port matches a baseline taken elsewhere. When nothing needs
folding the keys are exactly ``Finding.fingerprint`` and ``Fix.id``.

A problem is "fixed" only where the new run looked: its journey ran on that channel and got past
that step. Problems of journeys that did not run, or that stopped earlier, are "not checked".
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from frictionaudit.analysis import Analysis
from frictionaudit.audit.model import SEVERITIES, severity_rank
from frictionaudit.effort import journey_effort

HISTORY_PREFIX = "history:"
SERVICE = "{service}"
_LOOPBACK = re.compile(r"(https?://(?:127\.0\.0\.1|localhost|\[::1\])):\d+")


# ---------------------------------------------------------------------------- what a run is remembered by


@dataclass(frozen=True)
class Problem:
    """One finding as a baseline remembers it."""

    key: str
    """Comparison key: the fingerprint with the service's address folded away."""
    fingerprint: str
    """``Finding.fingerprint`` as the run wrote it in findings.json."""
    fix_key: str
    fix_id: str
    rule: str
    severity: str
    category: str
    title: str
    journey: str
    channel: str
    step: int | None = None
    step_label: str = ""
    url: str = ""

    @property
    def where(self) -> str:
        text = f"{self.journey} on {self.channel}"
        if self.step is not None:
            text += f", step {self.step + 1}" + (f" ({self.step_label})" if self.step_label else "")
        return text


@dataclass(frozen=True)
class FixSummary:
    """One fix of a run (findings grouped by root cause)."""

    key: str
    id: str
    rule: str
    title: str
    severity: str
    category: str
    effort: str
    priority: float
    occurrences: int
    journeys: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()


@dataclass(frozen=True)
class JourneyStat:
    """One journey on one channel: the outcome and the effort."""

    journey: str
    channel: str
    name: str
    status: str
    blocked_at: int | None
    steps_done: int
    steps_total: int
    seconds: float
    screens: int
    clicks: int
    fields: int
    keystrokes: int
    human_seconds: float
    findings: int
    blocker: int = 0
    major: int = 0
    minor: int = 0
    cosmetic: int = 0

    def reached(self, step: int | None) -> bool:
        """Did this run get far enough to see a problem at ``step``?"""
        if self.status == "error":
            return False
        if step is None or self.blocked_at is None:
            return True
        return step <= self.blocked_at


@dataclass
class Snapshot:
    """What a run found and measured, from a saved run or a history entry."""

    run_id: str
    source: str
    started_at: str = ""
    problems: dict[str, Problem] = field(default_factory=dict)
    fixes: dict[str, FixSummary] = field(default_factory=dict)
    journeys: dict[tuple[str, str], JourneyStat] = field(default_factory=dict)


def fold_service(text: str, origins: Iterable[str]) -> str:
    """``text`` with the audited service's origins replaced by ``{service}`` and loopback ports by ``*``."""
    for origin in sorted(set(origins), key=len, reverse=True):
        if origin:
            text = text.replace(origin, SERVICE)
    return _LOOPBACK.sub(r"\1:*", text)


def service_origins(base_urls: Iterable[str]) -> list[str]:
    origins = []
    for url in base_urls:
        parts = urlsplit(url)
        if parts.scheme and parts.netloc:
            origins.append(f"{parts.scheme}://{parts.netloc}")
    return origins


def problem_key(rule: str, root_cause: str, journey: str, channel: str, step: int | None) -> str:
    """Like ``Finding.fingerprint``, over an already folded root cause."""
    return hashlib.sha1(f"{rule}|{root_cause}|{journey}|{channel}|{step}".encode()).hexdigest()[:12]


def fix_key(rule: str, root_cause: str) -> str:
    """Like ``Fix.id``, over an already folded root cause."""
    return hashlib.sha1(f"{rule}|{root_cause}".encode()).hexdigest()[:10]


def snapshot_of(analysis: Analysis, source: str = "") -> Snapshot:
    """The snapshot of an analysed run."""
    results = analysis.results
    origins = service_origins([results.base_url, *(c.base_url for c in results.channels)])
    fix_of: dict[str, str] = {}
    fixes: dict[str, FixSummary] = {}
    for fix in analysis.fixes:
        first = fix.occurrences[0] if fix.occurrences else None
        key = fix_key(fix.rule, fold_service(first.root_cause, origins)) if first else fix.id
        for finding in fix.occurrences:
            fix_of[finding.fingerprint] = fix.id
        fixes[key] = FixSummary(
            key=key,
            id=fix.id,
            rule=fix.rule,
            title=fix.title,
            severity=fix.severity,
            category=fix.category,
            effort=fix.effort,
            priority=fix.priority,
            occurrences=len(fix.occurrences),
            journeys=tuple(fix.journeys),
            channels=tuple(fix.channels),
        )
    fix_keys = {f.id: f.key for f in fixes.values()}
    problems: dict[str, Problem] = {}
    for finding in analysis.findings:
        folded = fold_service(finding.root_cause, origins)
        key = problem_key(finding.rule, folded, finding.journey, finding.channel, finding.step)
        fid = fix_of.get(finding.fingerprint, "")
        problems.setdefault(
            key,
            Problem(
                key=key,
                fingerprint=finding.fingerprint,
                fix_key=fix_keys.get(fid, fix_key(finding.rule, folded)),
                fix_id=fid,
                rule=finding.rule,
                severity=finding.severity,
                category=finding.category,
                title=finding.title,
                journey=finding.journey,
                channel=finding.channel,
                step=finding.step,
                step_label=finding.step_label,
                url=finding.url,
            ),
        )
    journeys: dict[tuple[str, str], JourneyStat] = {}
    for row in analysis.summaries():
        run = row.run
        effort = journey_effort(run)
        mine = [f for f in analysis.findings if f.journey == run.journey and f.channel == run.channel]
        counts = {s: sum(1 for f in mine if f.severity == s) for s in SEVERITIES}
        journeys[(run.journey, run.channel)] = JourneyStat(
            journey=run.journey,
            channel=run.channel,
            name=row.journey_name,
            status=run.status,
            blocked_at=run.blocked_at,
            steps_done=row.steps_done,
            steps_total=row.steps_total,
            seconds=round(effort.seconds, 2),
            screens=effort.screens,
            clicks=effort.clicks,
            fields=effort.fields,
            keystrokes=effort.keystrokes,
            human_seconds=round(effort.human_seconds, 1),
            findings=len(mine),
            **counts,
        )
    return Snapshot(
        run_id=results.run_id,
        source=source or results.run_id,
        started_at=results.started_at,
        problems=problems,
        fixes=fixes,
        journeys=journeys,
    )


def load_snapshot(ref: str | Path, history_path: Path) -> Snapshot:
    """A run folder, a results.json, or ``history:latest`` / ``history:<run-id>`` / ``history:-N``."""
    text = str(ref)
    if text.startswith(HISTORY_PREFIX):
        from frictionaudit.history import snapshot

        return snapshot(history_path, text.removeprefix(HISTORY_PREFIX))
    from frictionaudit.analysis import analyse
    from frictionaudit.results import load_results

    results, run_dir = load_results(text)
    return snapshot_of(analyse(results), str(run_dir))


# ---------------------------------------------------------------------------- the comparison


@dataclass(frozen=True)
class JourneyChange:
    journey: str
    channel: str
    name: str
    old: JourneyStat | None
    new: JourneyStat | None

    def delta(self, measure: str) -> float | None:
        if self.old is None or self.new is None:
            return None
        return round(float(getattr(self.new, measure)) - float(getattr(self.old, measure)), 2)


@dataclass
class Comparison:
    old: Snapshot
    new: Snapshot
    new_problems: list[Problem]
    fixed_problems: list[Problem]
    still_problems: list[Problem]
    unchecked_problems: list[Problem]
    new_fixes: list[FixSummary]
    fixed_fixes: list[FixSummary]
    still_fixes: list[FixSummary]
    journeys: list[JourneyChange]

    @property
    def summary(self) -> str:
        text = f"{len(self.new_problems)} new, {len(self.fixed_problems)} fixed, {len(self.still_problems)} still there"
        if self.unchecked_problems:
            text += f", {len(self.unchecked_problems)} not checked"
        return text


def _problem_order(p: Problem) -> tuple[Any, ...]:
    return (severity_rank(p.severity), p.rule, p.journey, p.channel, -1 if p.step is None else p.step, p.title)


def _fix_order(f: FixSummary) -> tuple[Any, ...]:
    return (severity_rank(f.severity), -f.priority, f.rule, f.title)


def compare(old: Snapshot, new: Snapshot) -> Comparison:
    new_problems = [p for k, p in new.problems.items() if k not in old.problems]
    still = [p for k, p in new.problems.items() if k in old.problems]
    fixed: list[Problem] = []
    unchecked: list[Problem] = []
    for key, problem in old.problems.items():
        if key in new.problems:
            continue
        stat = new.journeys.get((problem.journey, problem.channel))
        (fixed if stat is not None and stat.reached(problem.step) else unchecked).append(problem)
    # A fix is fixed when none of its problems is left and at least one of them was checked.
    fixed_fix_keys = {p.fix_key for p in fixed} - {p.fix_key for p in unchecked}
    new_fixes = [f for k, f in new.fixes.items() if k not in old.fixes]
    still_fixes = [f for k, f in new.fixes.items() if k in old.fixes]
    fixed_fixes = [f for k, f in old.fixes.items() if k not in new.fixes and k in fixed_fix_keys]
    pairs = list(dict.fromkeys([*old.journeys, *new.journeys]))
    journeys = [
        JourneyChange(
            journey=j,
            channel=c,
            name=(new.journeys.get((j, c)) or old.journeys[(j, c)]).name,
            old=old.journeys.get((j, c)),
            new=new.journeys.get((j, c)),
        )
        for j, c in sorted(pairs)
    ]
    return Comparison(
        old=old,
        new=new,
        new_problems=sorted(new_problems, key=_problem_order),
        fixed_problems=sorted(fixed, key=_problem_order),
        still_problems=sorted(still, key=_problem_order),
        unchecked_problems=sorted(unchecked, key=_problem_order),
        new_fixes=sorted(new_fixes, key=_fix_order),
        fixed_fixes=sorted(fixed_fixes, key=_fix_order),
        still_fixes=sorted(still_fixes, key=_fix_order),
        journeys=journeys,
    )


# ---------------------------------------------------------------------------- output

EFFORT_MEASURES = (
    ("seconds", "time", "s"),
    ("screens", "screens", ""),
    ("clicks", "clicks", ""),
    ("human_seconds", "human time", "s"),
)


def _number(value: float, unit: str) -> str:
    text = f"{value:.1f}" if unit == "s" else f"{value:g}"
    return text + (" s" if unit == "s" else "")


def _signed(value: float, unit: str) -> str:
    if value == 0:
        return "±0"
    text = f"{value:+.1f}" if unit == "s" else f"{value:+g}"
    return text.replace("-", "−")


def effort_change(change: JourneyChange, measure: str, unit: str, delta: bool = True) -> str:
    """``12.3 → 8.1 s (−4.2)``, or one side only when the journey ran in only one of the runs."""
    old = None if change.old is None else float(getattr(change.old, measure))
    new = None if change.new is None else float(getattr(change.new, measure))
    if old is None and new is not None:
        return f"— → {_number(new, unit)}"
    if new is None and old is not None:
        return f"{_number(old, unit)} → —"
    assert old is not None and new is not None
    if old == new:
        return _number(new, unit)
    before = f"{old:.1f}" if unit == "s" else f"{old:g}"
    return f"{before} → {_number(new, unit)}" + (f" ({_signed(new - old, unit)})" if delta else "")


_MARKS = {"completed": "✓", "blocked": "✗", "error": "!"}


def status_change(change: JourneyChange, short: bool = False) -> str:
    """``completed``, ``completed → blocked @3``; with ``short``: ``✓``, ``✓ → ✗@3``, ``·`` (not run)."""

    def show(stat: JourneyStat | None) -> str:
        if stat is None:
            return "·" if short else "not run"
        text = _MARKS.get(stat.status, stat.status) if short else stat.status
        if stat.status == "blocked" and stat.blocked_at is not None:
            text += f"{'' if short else ' '}@{stat.blocked_at + 1}"
        return text

    old, new = show(change.old), show(change.new)
    return new if old == new else f"{old} → {new}"


def _md(text: str) -> str:
    text = " ".join(str(text).splitlines())
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def diff_markdown(cmp: Comparison, heading: str = "###", limit: int = 20) -> str:
    """The comparison as Markdown (GitHub step summary, pull request comments)."""
    lines = [
        f"{heading} Compared with {_md(cmp.old.source)}",
        "",
        f"**{cmp.summary}** (problems; fixes: {len(cmp.new_fixes)} new, {len(cmp.fixed_fixes)} fixed, "
        f"{len(cmp.still_fixes)} still there)",
        "",
    ]
    for title, problems in (("New problems", cmp.new_problems), ("Fixed", cmp.fixed_problems)):
        if not problems:
            continue
        lines += [f"{heading}# {title}", "", "| Rule | Severity | Problem | Where |", "|---|---|---|---|"]
        for p in problems[:limit]:
            lines.append(f"| `{p.rule}` | {p.severity} | {_md(p.title)} | {_md(p.where)} |")
        if len(problems) > limit:
            lines.append(f"\n…and {len(problems) - limit} more.")
        lines.append("")
    lines += [
        f"{heading}# Effort per journey",
        "",
        "| Journey | Channel | Result | Time | Screens | Clicks | Human time |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for change in cmp.journeys:
        cells = [_md(change.name), _md(change.channel), _md(status_change(change))]
        cells += [effort_change(change, m, u) for m, _, u in EFFORT_MEASURES]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    return "\n".join(lines)


def diff_json(cmp: Comparison) -> str:
    def journey(change: JourneyChange) -> dict[str, Any]:
        return {
            "journey": change.journey,
            "channel": change.channel,
            "old": None if change.old is None else asdict(change.old),
            "new": None if change.new is None else asdict(change.new),
            "delta": {m: change.delta(m) for m, _, _ in EFFORT_MEASURES},
        }

    payload = {
        "old": {"run_id": cmp.old.run_id, "source": cmp.old.source},
        "new": {"run_id": cmp.new.run_id, "source": cmp.new.source},
        "problems": {
            "new": [asdict(p) for p in cmp.new_problems],
            "fixed": [asdict(p) for p in cmp.fixed_problems],
            "still": [asdict(p) for p in cmp.still_problems],
            "not_checked": [asdict(p) for p in cmp.unchecked_problems],
        },
        "fixes": {
            "new": [asdict(f) for f in cmp.new_fixes],
            "fixed": [asdict(f) for f in cmp.fixed_fixes],
            "still": [asdict(f) for f in cmp.still_fixes],
        },
        "journeys": [journey(c) for c in cmp.journeys],
    }
    return json.dumps(payload, indent=1, ensure_ascii=False) + "\n"


def render_diff(cmp: Comparison, console: Any, limit: int = 15) -> None:
    """The comparison in the terminal (a rich console)."""
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    style = {"blocker": "bold red", "major": "red", "minor": "yellow", "cosmetic": "dim"}
    console.print(f"[bold]{escape(cmp.old.source)}[/] → [bold]{escape(cmp.new.source)}[/]: {cmp.summary}.")
    for title, problems, mark in (
        ("New problems", cmp.new_problems, "[red]+[/]"),
        ("Fixed", cmp.fixed_problems, "[green]✓[/]"),
        ("Not checked (the journey did not run or stopped earlier)", cmp.unchecked_problems, "[dim]?[/]"),
    ):
        if not problems:
            continue
        console.print(f"\n[bold]{title}[/]")
        for p in problems[:limit]:
            console.print(
                f" {mark} {p.rule} [{style.get(p.severity, '')}]{p.severity}[/] {escape(p.title)} "
                f"[dim]— {escape(p.where)}[/]",
                soft_wrap=True,
            )
        if len(problems) > limit:
            console.print(f"   …and {len(problems) - limit} more (--json lists them all)")
    if cmp.still_problems:
        console.print(f"\n[bold]Still there[/]: {len(cmp.still_problems)} problems in {len(cmp.still_fixes)} fixes.")
    console.print("\n[bold]Effort per journey[/] (time, screens, clicks, estimated human time)")
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    table.add_column("Journey", overflow="fold", min_width=min(24, max([8, *(len(c.journey) for c in cmp.journeys)])))
    table.add_column("Channel", no_wrap=True)
    table.add_column("Result", no_wrap=True)
    for name in ("Time", "Scr/clk", "Human"):
        table.add_column(name, justify="right", no_wrap=True)
    for change in cmp.journeys:
        table.add_row(
            escape(change.journey),
            escape(change.channel),
            escape(status_change(change, short=True)),
            effort_change(change, "seconds", "s", delta=False),
            f"{_count(change, 'screens')}/{_count(change, 'clicks')}",
            effort_change(change, "human_seconds", "s", delta=False),
        )
    console.print(table)
    console.print(
        "[dim]Result: ✓ completed, ✗@N blocked at step N, ! browser error, · not run. Scr/clk: screens/clicks. "
        "Human: estimated time for a customer.[/]"
    )


def _count(change: JourneyChange, measure: str) -> str:
    old = None if change.old is None else getattr(change.old, measure)
    new = None if change.new is None else getattr(change.new, measure)
    if old == new or old is None:
        return "—" if new is None else f"{new:g}"
    return f"{old:g}→" + ("—" if new is None else f"{new:g}")
