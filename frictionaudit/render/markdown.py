"""``report.md``: the run's story, short enough to paste into a pull request or an email."""

from __future__ import annotations

from frictionaudit.analysis import Analysis

STATUS = {"completed": "✅ completed", "blocked": "⛔ blocked", "error": "⚠️ browser error"}


def _cell(text: str) -> str:
    """Text safe inside a table cell or a list item: one line (any line break), no pipes, no HTML."""
    text = " ".join(text.splitlines())
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def render_markdown(analysis: Analysis, max_fixes: int = 15) -> str:
    results = analysis.results
    lines = [
        f"# Friction report — run {results.run_id}",
        "",
        f"**{_cell(analysis.verdict())}**",
        "",
        f"Service: {_cell(results.base_url)} · browser: {_cell(results.browser)} · started {results.started_at}",
        "",
        "## Journeys",
        "",
        "| Journey | Channel | Result | Steps | Seconds | Findings |",
        "|---|---|---|---:|---:|---:|",
    ]
    for row in analysis.summaries():
        result = STATUS[row.run.status]
        if row.run.status != "completed" and row.run.reason:
            where = f" at step {row.run.blocked_at + 1}" if row.run.blocked_at is not None else ""
            result += f"{where}: {_cell(row.run.reason)}"
        lines.append(
            f"| {_cell(row.journey_name)} | {_cell(row.run.channel)} | {result} | "
            f"{row.steps_done}/{row.steps_total} | {row.seconds:.1f} | {row.findings} |"
        )
    lines.append("")
    if not analysis.fixes:
        lines += ["## Fixes", "", "Nothing to fix: no rule found friction in this run.", ""]
        return "\n".join(lines + _failed_rules(analysis))
    small = analysis.fix_next
    if small:
        lines += ["## Fix next (small fixes, highest priority first)", ""]
        for i, fix in enumerate(small, start=1):
            lines.append(
                f"{i}. **{_cell(fix.title)}** — {fix.severity}, effort {fix.effort}, "
                f"{len(fix.occurrences)} occurrence{'s' if len(fix.occurrences) != 1 else ''} "
                f"({_cell(', '.join(fix.channels))}) `{fix.rule}`"
            )
        lines.append("")
    lines += [
        "## All fixes",
        "",
        "| # | Priority | Fix | Severity | Effort | Where | Rule |",
        "|---:|---:|---|---|---|---|---|",
    ]
    for i, fix in enumerate(analysis.fixes[:max_fixes], start=1):
        where = f"{len(fix.journeys)} journey{'s' if len(fix.journeys) != 1 else ''} · {', '.join(fix.channels)}"
        cells = [str(i), f"{fix.priority:.1f}", _cell(fix.title), fix.severity, fix.effort, _cell(where), fix.rule]
        lines.append("| " + " | ".join(cells) + " |")
    if len(analysis.fixes) > max_fixes:
        lines.append(f"\n…and {len(analysis.fixes) - max_fixes} more in results.json.")
    lines += [
        "",
        "Priority = severity weight × reach × confidence ÷ effort weight (see the README).",
        "",
    ]
    return "\n".join(lines + _failed_rules(analysis))


def _failed_rules(analysis: Analysis) -> list[str]:
    """Rules that raised: shown whether or not the others found anything."""
    if not analysis.audit.errors:
        return []
    lines = ["## Rules that failed", ""]
    lines += [f"- `{o.rule}`: {_cell(o.error or '')}" for o in analysis.audit.errors]
    return [*lines, ""]
