"""Progress over time, from the history database: a terminal table with sparklines and a small SVG chart.

``frictionaudit trend`` shows, per journey and channel over the last N runs, whether it was
blocked, its findings (by severity) and its effort (time, screens, clicks, estimated human time).

The HTML report embeds :func:`trend_svg`: a self-contained inline SVG (no script, no external
resource, text escaped) of the findings per run, stacked by severity, with the blocked runs
marked and the journeys' total time as a line.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from html import escape as xml_escape
from pathlib import Path
from typing import Any

from frictionaudit.analysis import Analysis
from frictionaudit.audit.model import SEVERITIES
from frictionaudit.diff import JourneyStat, snapshot_of
from frictionaudit.history import RunEntry, journey_rows, open_history, runs

SPARKS = "▁▂▃▄▅▆▇█"
SEVERITY_COLOURS = {"blocker": "#7f1d1d", "major": "#dc2626", "minor": "#f59e0b", "cosmetic": "#9ca3af"}
STATUS_MARKS = {"completed": "✓", "blocked": "✗", "error": "!", None: "·"}


def sparkline(values: Sequence[float | None], floor: float | None = None) -> str:
    """One character per value, ``▁`` (lowest) to ``█`` (highest); a space where a value is missing.

    With ``floor`` (0 for counts) the scale starts there, so a row of zeros is flat at the bottom.
    """
    known = [float(v) for v in values if v is not None]
    if not known:
        return " " * len(values)
    lo = min(known) if floor is None else min(floor, *known)
    hi = max(known)
    chars = []
    for v in values:
        if v is None:
            chars.append(" ")
        elif hi <= lo:
            chars.append(SPARKS[0] if hi == 0 or (floor is not None and hi == floor) else SPARKS[3])
        else:
            chars.append(SPARKS[round((float(v) - lo) / (hi - lo) * (len(SPARKS) - 1))])
    return "".join(chars)


# ---------------------------------------------------------------------------- data


@dataclass
class Trend:
    """The last runs (oldest first) and, per journey × channel, its row in each (None: did not run)."""

    history: Path
    runs: list[RunEntry]
    series: dict[tuple[str, str], list[JourneyStat | None]] = field(default_factory=dict)


def load_trend(history: Path, last: int = 10, journeys: Sequence[str] = (), channels: Sequence[str] = ()) -> Trend:
    with open_history(history) as conn:
        entries = runs(conn, last)
        rows = journey_rows(conn, [e.seq for e in entries])
    pairs = sorted({pair for per_run in rows.values() for pair in per_run})
    pairs = [(j, c) for j, c in pairs if (not journeys or j in journeys) and (not channels or c in channels)]
    series = {pair: [rows[e.seq].get(pair) for e in entries] for pair in pairs}
    return Trend(history=history, runs=entries, series=series)


# ---------------------------------------------------------------------------- terminal


def _latest(values: Sequence[float | None], unit: str = "") -> str:
    known = [v for v in values if v is not None]
    if not known:
        return "—"
    value = known[-1]
    text = f"{value:.1f}" if unit == "s" else f"{value:g}"
    return text + (" s" if unit == "s" else "")


def _column(values: Sequence[float | None], unit: str = "", floor: float | None = None) -> str:
    return f"{sparkline(values, floor)} {_latest(values, unit)}"


def _count_change(values: Sequence[float | None]) -> str:
    """The latest value, and where it came from when it changed since the run before: ``4→3``."""
    known = [v for v in values if v is not None]
    if not known:
        return "—"
    if len(known) > 1 and known[-1] != known[-2]:
        return f"{known[-2]:g}→{known[-1]:g}"
    return f"{known[-1]:g}"


def render_trend(trend: Trend, console: Any) -> None:
    """The trend as a rich table: one row per journey × channel, one character per run in each sparkline."""
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    if not trend.runs:
        console.print(f"No runs in {escape(str(trend.history))} yet: 'frictionaudit run' records each run there.")
        return
    first, last = trend.runs[0], trend.runs[-1]

    def named(entry: RunEntry) -> str:
        return escape(entry.run_id) + (f" ({entry.started_at[:10]})" if entry.started_at else "")

    span = named(first)
    if len(trend.runs) > 1:
        span += f" → {named(last)}, oldest on the left"
    console.print(
        f"{len(trend.runs)} run{'s' if len(trend.runs) != 1 else ''} in {escape(str(trend.history))}: {span}."
    )
    width = min(24, max([12, *(len(j) for j, _ in trend.series)]))
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    table.add_column("Journey", overflow="fold", min_width=width)
    table.add_column("Channel", no_wrap=True, min_width=max([7, *(len(c) for _, c in trend.series)]))
    for name in ("Result", "Findings", "B/M", "Time", "Human", "Scr/clk"):
        table.add_column(name, no_wrap=True, justify="right" if name in ("B/M", "Scr/clk") else "left")
    table.add_row(
        "[bold]all journeys[/]",
        "",
        "".join("[red]✗[/]" if e.blocked else "✓" for e in trend.runs),
        _column([e.findings for e in trend.runs], floor=0),
        f"{last.blocker}/{last.major}",
        _column([e.seconds for e in trend.runs], "s"),
        _column([e.human_seconds for e in trend.runs], "s"),
        "",
        end_section=True,
    )
    for (journey, channel), stats in trend.series.items():
        latest = next((s for s in reversed(stats) if s is not None), None)

        def values(measure: str, stats: list[JourneyStat | None] = stats) -> list[float | None]:
            return [None if s is None else float(getattr(s, measure)) for s in stats]

        marks = "".join(STATUS_MARKS[None if s is None else s.status] for s in stats)
        table.add_row(
            escape(journey),
            escape(channel),
            marks.replace("✗", "[red]✗[/]"),
            _column(values("findings"), floor=0),
            f"{latest.blocker}/{latest.major}" if latest else "—",
            _column(values("seconds"), "s"),
            _column(values("human_seconds"), "s"),
            f"{_count_change(values('screens'))}/{_count_change(values('clicks'))}",
        )
    console.print(table)
    console.print(
        "[dim]Result: ✓ completed, ✗ blocked, ! browser error, · not run. B/M: blocker/major findings in the "
        "latest run. Human: estimated time for a customer. Scr/clk: screens/clicks in the latest run "
        "(before→now when they changed).[/]"
    )


def trend_json(trend: Trend) -> str:
    payload = {
        "history": str(trend.history),
        "runs": [asdict(e) for e in trend.runs],
        "series": [
            {
                "journey": journey,
                "channel": channel,
                "points": [None if s is None else asdict(s) for s in stats],
            }
            for (journey, channel), stats in trend.series.items()
        ],
    }
    return json.dumps(payload, indent=1, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------- SVG for the HTML report


@dataclass(frozen=True)
class ChartPoint:
    run_id: str
    counts: dict[str, int]
    blocked: int
    seconds: float

    @property
    def findings(self) -> int:
        return sum(self.counts.values())


def _point_of_entry(entry: RunEntry) -> ChartPoint:
    counts: dict[str, int] = {s: getattr(entry, s) for s in SEVERITIES}
    return ChartPoint(entry.run_id, counts, entry.blocked, entry.seconds)


def _point_of_stat(run_id: str, stat: JourneyStat | None) -> ChartPoint | None:
    if stat is None:
        return None
    counts: dict[str, int] = {s: getattr(stat, s) for s in SEVERITIES}
    return ChartPoint(run_id, counts, 1 if stat.status == "blocked" else 0, stat.seconds)


def chart_points(
    analysis: Analysis | None,
    history: Path,
    last: int = 12,
    journey: str | None = None,
    channel: str | None = None,
) -> list[ChartPoint]:
    """The points of the chart: history runs up to the analysed run, which comes from ``analysis`` itself.

    The run being reported need not be recorded yet (the report is written before the history). An
    entry with its run id and another start time is an earlier run of that id, which recording this
    one replaces: it is left out, and the runs after it stay.
    """
    current = analysis.results if analysis is not None else None
    points: list[ChartPoint] = []
    if Path(history).is_file():
        with open_history(history, readonly=True) as conn:
            entries = runs(conn)
            if current is not None:
                ids = [e.run_id for e in entries]
                if current.run_id in ids:
                    at = ids.index(current.run_id)
                    recorded = entries[at].started_at
                    if recorded and current.started_at and recorded != current.started_at:
                        entries = entries[:at] + entries[at + 1 :]
                    else:
                        entries = entries[:at]
            keep = last - 1 if analysis is not None else last
            entries = entries[max(0, len(entries) - keep) :] if keep > 0 else []
            per_run = journey_rows(conn, [e.seq for e in entries]) if journey else {}
        for entry in entries:
            if journey:
                point = _point_of_stat(entry.run_id, per_run[entry.seq].get((journey, channel or "")))
                if point is not None:
                    points.append(point)
            else:
                points.append(_point_of_entry(entry))
    if analysis is not None:
        snap = snapshot_of(analysis)
        if journey:
            point = _point_of_stat(snap.run_id, snap.journeys.get((journey, channel or "")))
            if point is not None:
                points.append(point)
        else:
            counts: dict[str, int] = {s: sum(1 for f in analysis.findings if f.severity == s) for s in SEVERITIES}
            seconds = round(sum(s.seconds for s in snap.journeys.values()), 2)
            points.append(ChartPoint(snap.run_id, counts, len(analysis.blocked), seconds))
    return points


def trend_svg(
    analysis: Analysis | None,
    history: Path,
    *,
    last: int = 12,
    journey: str | None = None,
    channel: str | None = None,
    width: int = 360,
    height: int = 110,
) -> str:
    """A small inline SVG chart of the findings of the last runs; ``""`` when there is nothing to compare.

    ``analysis`` is the run being reported (its point is the last, whether or not the history holds
    it yet); ``history`` is the history database (``<reports>/history.sqlite``). With ``journey``
    and ``channel`` the chart is that journey × channel's; otherwise the whole run's. Never raises:
    an unreadable history gives ``""``.
    """
    try:
        points = chart_points(analysis, history, last, journey, channel)
    except Exception:
        return ""
    if len(points) < 2:
        return ""
    return render_svg(points, width=width, height=height, subject=f"{journey} on {channel}" if journey else "")


def render_svg(points: Sequence[ChartPoint], *, width: int = 360, height: int = 110, subject: str = "") -> str:
    left, right, top, bottom = 26, 8, 14, 22
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(points)
    slot = plot_w / n
    bar = max(2.0, min(28.0, slot * 0.6))
    top_count = max(1, max(p.findings for p in points))
    top_seconds = max((p.seconds for p in points), default=0.0) or 1.0
    first, last = points[0], points[-1]
    what = f"Findings of {subject}" if subject else "Findings per run"
    summary = f"{what}, last {n} runs: {first.findings} in {first.run_id}, {last.findings} in {last.run_id}" + (
        f"; {last.blocked} blocked in the last run" if last.blocked else ""
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" class="fa-trend" font-family="system-ui, sans-serif" font-size="10">',
        f"<title>{xml_escape(summary)}</title>",
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#d1d5db"/>',
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" fill="#6b7280">{top_count}</text>',
        f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end" fill="#6b7280">0</text>',
    ]
    line: list[str] = []
    for i, p in enumerate(points):
        x = left + slot * i + (slot - bar) / 2
        tip = (
            f"{p.run_id}: {p.findings} finding{'s' if p.findings != 1 else ''} ("
            + ", ".join(f"{p.counts[s]} {s}" for s in SEVERITIES)
            + f"); {p.blocked} blocked; {p.seconds:.1f} s"
        )
        out.append(f"<g><title>{xml_escape(tip)}</title>")
        y: float = top + plot_h
        for severity in reversed(SEVERITIES):  # the worst on top
            count = p.counts.get(severity, 0)
            if not count:
                continue
            h = plot_h * count / top_count
            y -= h
            out.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{SEVERITY_COLOURS[severity]}"/>'
            )
        if p.findings == 0:
            out.append(f'<rect x="{x:.1f}" y="{top + plot_h - 1:.1f}" width="{bar:.1f}" height="1" fill="#16a34a"/>')
        if p.blocked:
            cx, cy = x + bar / 2, top - 2
            out.append(
                f'<path d="M{cx - 4:.1f} {cy - 7:.1f} L{cx + 4:.1f} {cy - 7:.1f} L{cx:.1f} {cy:.1f} Z" '
                f'fill="{SEVERITY_COLOURS["blocker"]}"/>'
            )
        out.append("</g>")
        line.append(f"{x + bar / 2:.1f},{top + plot_h - plot_h * p.seconds / top_seconds:.1f}")
    out.append(f'<polyline points="{" ".join(line)}" fill="none" stroke="#2563eb" stroke-width="1.5"/>')
    label_y = height - 6
    out.append(f'<text x="{left}" y="{label_y}" fill="#6b7280">{xml_escape(_short(first.run_id))}</text>')
    out.append(
        f'<text x="{left + plot_w}" y="{label_y}" text-anchor="end" fill="#6b7280">{xml_escape(_short(last.run_id))}'
        "</text>"
    )
    out.append(
        f'<text x="{left + plot_w}" y="{top - 4}" text-anchor="end" fill="#2563eb">time (max {top_seconds:.1f} s)'
        "</text>"
    )
    out.append("</svg>")
    return "".join(out)


def _short(text: str, limit: int = 22) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
