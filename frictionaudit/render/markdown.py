"""``report.md``: the run's story, short enough to paste into a pull request or an email.

The verdict (and, for an interrupted run, how much of it finished), the small fixes to make next
and the bigger ones apart (each with the inputs of its priority), the differences between channels,
and one row per journey × channel. The evidence and the screenshots are in ``report.html``.
"""

from __future__ import annotations

from frictionaudit.analysis import Analysis
from frictionaudit.rank import EFFORT_WEIGHT, SEVERITY_WEIGHT, Fix
from frictionaudit.render.interruption import interruption, unfinished_list

STATUS = {"completed": "✅ completed", "blocked": "⛔ blocked", "error": "⚠️ browser error"}


def _cell(text: str) -> str:
    """Text safe inside a table cell or a list item: one line (any line break), no pipes, no HTML."""
    text = " ".join(text.splitlines())
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _quoted(text: str) -> str:
    return f"“{_cell(text)}”" if text else "(nothing)"


def _secs(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 60 else f"{int(seconds // 60)} min {int(seconds % 60)} s"


def _fix_rows(fixes: list[Fix], ranks: dict[str, int]) -> list[str]:
    lines = [
        "| # | Fix | Severity | Effort | Where | Priority = sev × reach × conf ÷ effort |",
        "|---:|---|---|---|---|---|",
    ]
    for fix in fixes:
        journeys = f"{len(fix.journeys)} journey{'s' if len(fix.journeys) != 1 else ''}"
        where = f"{len(fix.occurrences)}× in {journeys} · {', '.join(fix.channels)}"
        cells = [
            str(ranks[fix.id]),
            f"{_cell(fix.title)} `{fix.rule}`",
            fix.severity,
            fix.effort,
            _cell(where),
            f"**{fix.priority:.1f}** = {fix.severity_weight} × {fix.reach:.2f} × {fix.confidence:g} "
            f"÷ {fix.effort_weight}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def render_markdown(analysis: Analysis, max_fixes: int = 10) -> str:
    results = analysis.results
    lines = [
        f"# Friction report — run {_cell(results.run_id)}",
        "",
        f"**{_cell(analysis.verdict())}**",
        "",
        f"Service: {_cell(results.base_url)} · browser: {_cell(results.browser)} · started {_cell(results.started_at)}",
        "",
    ]
    stopped = interruption(results)
    if stopped:
        lines.append(f"> ⚠️ **{_cell(stopped.note)}**")
        if stopped.unfinished:
            lines += [">", f"> Not finished: {_cell(unfinished_list(stopped))}"]
        lines.append("")
    ranks = {fix.id: i for i, fix in enumerate(analysis.fixes, start=1)}
    small, big = analysis.small_fixes, analysis.big_fixes
    if not analysis.fixes:
        lines += ["## Fixes", "", "Nothing to fix: no rule found friction in this run.", ""]
    if small:
        lines += ["## Fix next", "", "Small fixes (effort XS or S), highest priority first.", ""]
        lines += _fix_rows(small[:max_fixes], ranks)
        if len(small) > max_fixes:
            lines.append(f"\n…and {len(small) - max_fixes} more small fixes in report.html.")
        lines.append("")
    if big:
        lines += ["## Bigger fixes", "", "Effort M or L: plan these.", ""]
        lines += _fix_rows(big[:max_fixes], ranks)
        if len(big) > max_fixes:
            lines.append(f"\n…and {len(big) - max_fixes} more bigger fixes in report.html.")
        lines.append("")
    differences = analysis.channel_differences()
    if differences:
        lines += [
            "## Differences between channels",
            "",
            "| Journey | Step | Fact | Values | Rule |",
            "|---|---|---|---|---|",
        ]
        for d in differences:
            step = f"{d.step + 1}. {d.step_label}" if d.step is not None else ""
            values = " · ".join(f"{_cell(channel)}: {_quoted(value)}" for channel, value in d.values.items())
            lines.append(f"| {_cell(d.journey_name)} | {_cell(step)} | {_cell(d.fact)} | {values} | {d.finding.rule} |")
        lines.append("")
    lines += [
        "## Journeys",
        "",
        "| Journey | Channel | Result | Steps | Seconds | Human time | Findings |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for row in analysis.summaries():
        result = STATUS[row.run.status]
        if row.run.status != "completed" and row.run.reason:
            where = f" at step {row.run.blocked_at + 1}" if row.run.blocked_at is not None else ""
            result += f"{where}: {_cell(row.run.reason)}"
        lines.append(
            f"| {_cell(row.journey_name)} | {_cell(row.run.channel)} | {result} | "
            f"{row.steps_done}/{row.steps_total} | {row.seconds_text} | {_secs(row.effort.human_seconds)} | "
            f"{row.findings} |"
        )
    lines += ["", *_failed_rules(analysis)]
    if analysis.fixes:
        severities = ", ".join(f"{k} {v}" for k, v in SEVERITY_WEIGHT.items())
        efforts = ", ".join(f"{k} {v}" for k, v in EFFORT_WEIGHT.items())
        lines += [
            f"Priority = severity weight ({severities}) × reach (journey × channel × step places, weighted by "
            f"the share of customers who get that far) × confidence ÷ effort weight ({efforts}). "
            "Evidence and screenshots: report.html.",
            "",
        ]
    return "\n".join(lines)


def _failed_rules(analysis: Analysis) -> list[str]:
    """Rules that raised: shown whether or not the others found anything."""
    if not analysis.audit.errors:
        return []
    lines = ["## Rules that failed", ""]
    lines += [f"- `{o.rule}`: {_cell(o.error or '')}" for o in analysis.audit.errors]
    return [*lines, ""]
