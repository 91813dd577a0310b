"""The terminal report: a table per journey × channel, the fixes to make next, and a verdict line.

Readable at 80 columns; rich respects NO_COLOR by itself.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from frictionaudit.analysis import Analysis

SEVERITY_STYLE = {"blocker": "bold red", "major": "red", "minor": "yellow", "cosmetic": "dim"}
STATUS_STYLE = {
    "completed": "[green]completed[/]",
    "blocked": "[bold red]blocked[/]",
    "error": "[magenta]error[/]",
}


def render_terminal(analysis: Analysis, console: Console, max_fixes: int = 10) -> None:
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
            f"{row.seconds:.1f}",
            str(row.findings),
        )
    console.print(table)
    for run in analysis.blocked + analysis.infra_errors:
        where = f" at step {run.blocked_at + 1}" if run.blocked_at is not None else ""
        console.print(f"  [red]•[/] {escape(run.journey)} on {escape(run.channel)}{where}: {escape(run.reason or '')}")
    if analysis.fixes:
        fixes = Table(title="Fixes, highest priority first (★ = small: fix next)", title_justify="left", pad_edge=False)
        fixes.add_column("#", justify="right")
        fixes.add_column("Fix", overflow="fold", ratio=1)
        fixes.add_column("Sev")
        fixes.add_column("Eff")
        fixes.add_column("Prio", justify="right")
        for i, fix in enumerate(analysis.fixes[:max_fixes], start=1):
            star = "★ " if fix in analysis.fix_next else ""
            fixes.add_row(
                str(i),
                f"{star}{escape(fix.title)} "
                f"[dim]({len(fix.occurrences)}× {escape(', '.join(fix.channels))}, {fix.rule})[/]",
                f"[{SEVERITY_STYLE[fix.severity]}]{fix.severity}[/]",
                fix.effort,
                f"{fix.priority:.1f}",
            )
        console.print(fixes)
        if len(analysis.fixes) > max_fixes:
            console.print(f"  …and {len(analysis.fixes) - max_fixes} more in report.md")
    for outcome in analysis.audit.errors:
        console.print(f"[magenta]rule {outcome.rule} failed and was skipped:[/] {escape(outcome.error or '')}")
    console.print(f"[bold]{escape(analysis.verdict())}[/]")
