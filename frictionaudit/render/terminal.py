"""The terminal report: a table per journey × channel, the fixes to make next, and a verdict line
(after a notice when the run was interrupted).

Readable at 80 columns; rich respects NO_COLOR by itself (colour goes, bold stays). Everything that
came from a page is passed through ``escape`` so it is printed, never read as rich markup.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from frictionaudit.analysis import Analysis
from frictionaudit.rank import Fix
from frictionaudit.render.interruption import interruption, unfinished_list

SEVERITY_STYLE = {"blocker": "bold red", "major": "red", "minor": "yellow", "cosmetic": "dim"}
STATUS_STYLE = {
    "completed": "[green]completed[/]",
    "blocked": "[bold red]blocked[/]",
    "error": "[magenta]error[/]",
}


def _fix_table(title: str, fixes: list[Fix], ranks: dict[str, int]) -> Table:
    table = Table(title=title, title_justify="left", pad_edge=False)
    table.add_column("#", justify="right")
    table.add_column("Fix", overflow="fold", ratio=1)
    table.add_column("Sev")
    table.add_column("Eff")
    table.add_column("Prio", justify="right")
    for fix in fixes:
        table.add_row(
            str(ranks[fix.id]),
            f"{escape(fix.title)} "
            f"[dim]({len(fix.occurrences)}× {escape(', '.join(fix.channels))}, {escape(fix.rule)})[/]",
            f"[{SEVERITY_STYLE[fix.severity]}]{fix.severity}[/]",
            fix.effort,
            f"{fix.priority:.1f}",
        )
    return table


def render_terminal(analysis: Analysis, console: Console, max_fixes: int = 5) -> None:
    table = Table(title="Journeys", title_justify="left", expand=False, pad_edge=False)
    table.add_column("Journey", overflow="fold", max_width=30)
    table.add_column("Channel", overflow="fold")
    table.add_column("Result")
    table.add_column("Steps", justify="right")
    table.add_column("Secs", justify="right")
    table.add_column("Finds", justify="right")
    for row in analysis.summaries():
        result = STATUS_STYLE[row.run.status]
        if row.run.blocked_at is not None:
            result += f" @{row.run.blocked_at + 1}"
        table.add_row(
            escape(row.journey_name),
            escape(row.run.channel),
            result,
            f"{row.steps_done}/{row.steps_total}",
            row.seconds_text,
            str(row.findings),
        )
    console.print(table)
    for run in analysis.blocked + analysis.infra_errors:
        where = f" at step {run.blocked_at + 1}" if run.blocked_at is not None else ""
        console.print(f"  [red]•[/] {escape(run.journey)} on {escape(run.channel)}{where}: {escape(run.reason or '')}")
    ranks = {fix.id: i for i, fix in enumerate(analysis.fixes, start=1)}
    small, big = analysis.small_fixes, analysis.big_fixes
    if small:
        console.print(
            _fix_table("Fix next: small fixes (effort XS, S), highest priority first", small[:max_fixes], ranks)
        )
    if big:
        console.print(_fix_table("Bigger fixes: plan these (effort M, L)", big[:max_fixes], ranks))
    hidden = max(0, len(small) - max_fixes) + max(0, len(big) - max_fixes)
    if hidden:
        console.print(f"  …and {hidden} more fix{'es' if hidden != 1 else ''} in report.html and report.md")
    first = analysis.first_fix
    if first:
        console.print(
            f"[bold]Why #{ranks[first.id]} first:[/] priority {first.priority:.1f} = "
            f"{first.severity_weight} (severity {first.severity}) × {first.reach:.2f} (reach, "
            f"{first.places} place{'s' if first.places != 1 else ''}) × {first.confidence:g} (confidence) ÷ "
            f"{first.effort_weight} (effort {first.effort})"
        )
    for outcome in analysis.audit.errors:
        console.print(f"[magenta]rule {outcome.rule} failed and was skipped:[/] {escape(outcome.error or '')}")
    stopped = interruption(analysis.results)
    if stopped:
        console.print(f"[bold yellow]{escape(stopped.note)}[/]")
        if stopped.unfinished:
            console.print(f"  [dim]Not finished: {escape(unfinished_list(stopped))}[/]")
    console.print(f"[bold]{escape(analysis.verdict())}[/]")
