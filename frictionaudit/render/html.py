"""``report.html``: one self-contained file for consultants, made from saved results alone.

What to fix first and why on the first screen (under a notice when the run was interrupted, and
beside the findings of the last runs when the run is recorded in a history), then the fix list with
its evidence, a filmstrip of every journey with the channels side by side, channel differences,
effort per channel and the run's settings.

Self-contained and safe to open from disk: screenshots are embedded as ``data:`` URIs (each distinct
image once, as a CSS class, and only the ones the report shows), nothing is fetched, there is no
script at all, and a Content-Security-Policy forbids any. Everything that came from an audited page
(titles, URLs, console text, evidence) goes through Jinja2's autoescaping; no page data is marked
safe (the trend chart's inline SVG is, as built by :mod:`frictionaudit.trend`, which escapes its
text). The output is deterministic: the same results (and history) give the same bytes.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from frictionaudit import __version__
from frictionaudit.analysis import Analysis, ChannelDifference, RunSummary
from frictionaudit.audit.model import Finding
from frictionaudit.audit.registry import all_rules
from frictionaudit.rank import EFFORT_WEIGHT, SEVERITY_WEIGHT, Fix
from frictionaudit.render.interruption import interruption, unfinished_list
from frictionaudit.results import JourneyRun, StepResult
from frictionaudit.trend import SEVERITY_COLOURS, trend_svg

MAX_SHOT_BYTES = 2_000_000
MAX_TOTAL_SHOT_BYTES = 30_000_000
MAX_OCCURRENCES = 25
MAX_EVIDENCE_CHARS = 600


# ---------------------------------------------------------------------------- screenshots


def image_size(data: bytes) -> tuple[str, int, int] | None:
    """(MIME type, width, height) of a JPEG or PNG, read from its header; None for anything else."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return ("image/png", width, height) if width and height else None
    if data[:3] != b"\xff\xd8\xff":
        return None
    i = 2
    while i + 9 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # a start-of-frame segment
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return ("image/jpeg", width, height) if width and height else None
        i += 2 + length
    return None


@dataclass(frozen=True)
class Shot:
    """A screenshot the report shows: its CSS class (the image itself lives in the style sheet)."""

    css: str
    label: str
    width: int
    height: int

    @property
    def portrait(self) -> bool:
        return self.height > self.width


@dataclass
class ShotBox:
    """Reads screenshots from the run folder and embeds each distinct image once."""

    run_dir: Path | None
    images: dict[str, tuple[str, str, int, int]] = field(default_factory=dict)  # css → (mime, b64, w, h)
    by_path: dict[str, tuple[str, int, int] | None] = field(default_factory=dict)
    total: int = 0
    left_out: int = 0

    def _load(self, path: str) -> tuple[str, int, int] | None:
        if self.run_dir is None or not path or Path(path).is_absolute():
            return None
        root = self.run_dir.resolve()
        file = (root / path).resolve()
        if not file.is_relative_to(root) or not file.is_file():
            return None
        data = file.read_bytes()
        info = image_size(data)
        if info is None or len(data) > MAX_SHOT_BYTES:
            return None
        css = "s" + hashlib.sha1(data).hexdigest()[:12]
        if css not in self.images:
            if self.total + len(data) > MAX_TOTAL_SHOT_BYTES:
                self.left_out += 1
                return None
            self.total += len(data)
            self.images[css] = (info[0], base64.b64encode(data).decode("ascii"), info[1], info[2])
        return css, info[1], info[2]

    def get(self, path: str | None, label: str) -> Shot | None:
        if not path:
            return None
        if path not in self.by_path:
            self.by_path[path] = self._load(path)
        found = self.by_path[path]
        return Shot(found[0], label, found[1], found[2]) if found else None

    def css(self) -> str:
        rules = []
        for css, (mime, b64, width, height) in self.images.items():
            # Unquoted: base64 has no character that HTML escaping or CSS would change.
            rules.append(f".{css}{{background-image:url(data:{mime};base64,{b64});aspect-ratio:{width}/{height}}}")
        return "\n".join(rules)


# ---------------------------------------------------------------------------- the view


@dataclass
class Occurrence:
    finding: Finding
    journey_name: str
    step: str
    evidence: list[tuple[str, str]]
    shot: Shot | None


@dataclass
class FixView:
    fix: Fix
    rank: int
    anchor: str
    rule_title: str
    how_to_fix: str
    where: str
    occurrences: list[Occurrence]
    more: int
    shots: list[tuple[str, Shot]]  # (channel, shot), side by side


@dataclass
class Frame:
    step: StepResult | None
    shot: Shot | None
    fixes: list[tuple[str, str]]  # (rule, anchor) of fixes found at this step on this channel
    same_as: int | None  # the step whose screen this is, when not shown again


@dataclass
class FilmRow:
    """One step of a journey: its frame on each channel (matched by the step's index)."""

    index: int
    label: str
    frames: list[Frame]

    @property
    def quiet(self) -> bool:
        """No channel shows a screenshot or a finding here: the column is drawn narrow."""
        return not any(f.shot or f.fixes or (f.step and f.step.status == "failed") for f in self.frames)


@dataclass
class JourneyView:
    id: str
    name: str
    description: str
    weight: float
    runs: list[RunSummary]
    channels: list[str]
    rows: list[FilmRow]
    fastest_human: float


@dataclass
class DifferenceView:
    difference: ChannelDifference
    anchor: str
    cells: list[tuple[str, str, Shot | None]]  # channel, value, shot


def _evidence_value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= MAX_EVIDENCE_CHARS else text[: MAX_EVIDENCE_CHARS - 1] + "…"


def _evidence(finding: Finding) -> list[tuple[str, str]]:
    return [(str(k), _evidence_value(v)) for k, v in finding.evidence.items() if v not in (None, "", [], {})]


def _step_text(analysis: Analysis, finding: Finding) -> str:
    if finding.step is None:
        return "whole journey"
    info = analysis.results.journey(finding.journey)
    label = finding.step_label or (info.steps[finding.step] if info and finding.step < len(info.steps) else "")
    return f"{finding.step + 1}. {label}" if label else f"step {finding.step + 1}"


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _where(analysis: Analysis, fix: Fix) -> str:
    names = []
    for journey in fix.journeys:
        info = analysis.results.journey(journey)
        names.append(f"“{info.name if info else journey}”")
    return (
        f"{_plural(len(fix.occurrences), 'occurrence')} at {_plural(fix.places, 'place')} "
        f"in {_plural(len(fix.journeys), 'journey')} ({', '.join(names)}) on {', '.join(fix.channels)}"
    )


def _first_paragraph(text: str) -> str:
    return " ".join(text.strip().split("\n\n", 1)[0].split())


SEVERITY_WORDS = {
    "blocker": "a blocker (customers cannot finish)",
    "major": "a major problem",
    "minor": "a minor problem",
    "cosmetic": "a cosmetic problem",
}
EFFORT_WORDS = {"XS": "a tiny change", "S": "a small change", "M": "a medium change", "L": "a large change"}


def why_first(analysis: Analysis, fix: Fix) -> str:
    """One sentence a consultant can say to defend the order."""
    best = "the highest-priority small fix" if fix.is_small and analysis.fix_next else "the highest-priority fix"
    certainty = "a deterministic signal" if fix.confidence >= 0.95 else f"a signal of confidence {fix.confidence:g}"
    text = (
        f"{best}: {SEVERITY_WORDS[fix.severity]}, met at {_plural(fix.places, 'place')} on "
        f"{' and '.join(fix.channels)}, by {certainty}, and {EFFORT_WORDS[fix.effort]} (effort {fix.effort})."
    )
    return text[:1].upper() + text[1:]


def fix_anchor(fix: Fix) -> str:
    return f"fix-{fix.id}"


def _fix_view(analysis: Analysis, fix: Fix, rank: int, shots: ShotBox) -> FixView:
    rule = all_rules().get(fix.rule)
    occurrences = []
    for finding in fix.occurrences[:MAX_OCCURRENCES]:
        journey = analysis.results.journey(finding.journey)
        occurrences.append(
            Occurrence(
                finding=finding,
                journey_name=journey.name if journey else finding.journey,
                step=_step_text(analysis, finding),
                evidence=_evidence(finding),
                shot=shots.get(finding.screenshot, f"{finding.channel}: {finding.step_label or finding.journey}"),
            )
        )
    side_by_side: list[tuple[str, Shot]] = []
    first = fix.first
    ordered = ([first] if first else []) + [f for f in fix.occurrences if f is not first]
    for finding in ordered:  # one screenshot per channel, the first occurrence's first
        if any(channel == finding.channel for channel, _ in side_by_side):
            continue
        shot = shots.get(finding.screenshot, f"{finding.channel}: {_step_text(analysis, finding)}")
        if shot:
            side_by_side.append((finding.channel, shot))
    return FixView(
        fix=fix,
        rank=rank,
        anchor=fix_anchor(fix),
        rule_title=rule.title if rule else fix.rule,
        how_to_fix=_first_paragraph(rule.section("How to fix")) if rule else "",
        where=_where(analysis, fix),
        occurrences=occurrences,
        more=max(0, len(fix.occurrences) - MAX_OCCURRENCES),
        shots=side_by_side[:4],
    )


def _key_frame(step: StepResult, last: int, has_findings: bool) -> bool:
    return step.new_screen or step.status == "failed" or step.retried or has_findings or step.index == last


def _journey_view(
    analysis: Analysis, journey_id: str, anchors: dict[tuple[str, str, int | None], list[Fix]], shots: ShotBox
) -> JourneyView:
    info = analysis.results.journey(journey_id)
    runs = [r for r in analysis.summaries() if r.run.journey == journey_id]
    channels = [r.run.channel for r in runs]
    indexes = sorted({s.index for r in runs for s in r.run.steps})
    labels = dict(enumerate(info.steps)) if info else {}
    rows = []
    last_shown: dict[str, tuple[str, int]] = {}  # channel → (screen, step index) of the last frame shown
    for index in indexes:
        frames = []
        label = labels.get(index, "")
        for summary in runs:
            run: JourneyRun = summary.run
            step = next((s for s in run.steps if s.index == index), None)
            if step is None:
                frames.append(Frame(None, None, [], None))
                continue
            label = label or step.label
            fixes = anchors.get((run.journey, run.channel, index), [])
            done = [s.index for s in run.steps if s.status != "skipped"]
            shown = step.status != "skipped" and _key_frame(step, max(done, default=-1), bool(fixes))
            same_as = None
            shot = None
            if shown:
                shot = shots.get(step.screenshot, f"{run.channel}, step {index + 1}: {step.label}")
                last_shown[run.channel] = (step.screen, index)
            elif step.status != "skipped" and run.channel in last_shown:
                same_as = last_shown[run.channel][1]
            frames.append(Frame(step, shot, [(f.rule, fix_anchor(f)) for f in fixes], same_as))
        rows.append(FilmRow(index, label, frames))
    humans = [r.effort.human_seconds for r in runs if r.run.status == "completed"]
    return JourneyView(
        id=journey_id,
        name=info.name if info else journey_id,
        description=(info.description or "") if info else "",
        weight=getattr(info, "weight", 1.0) if info else 1.0,
        runs=runs,
        channels=channels,
        rows=rows,
        fastest_human=min(humans, default=0.0),
    )


def _settings_rows(settings: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    rows = []
    for key in sorted(settings):
        value = settings[key]
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            rows += _settings_rows(value, name + ".")
        else:
            rows.append((name, _evidence_value(value) if not isinstance(value, str) else value))
    return rows


def _matrix(analysis: Analysis) -> tuple[list[str], list[tuple[str, str, list[RunSummary | None]]]]:
    summaries = analysis.summaries()
    channels = [c.name for c in analysis.results.channels]
    channels += [s.run.channel for s in summaries if s.run.channel not in channels]
    channels = list(dict.fromkeys(channels))
    journeys = list(dict.fromkeys(s.run.journey for s in summaries))
    rows = []
    for journey in journeys:
        cells: list[RunSummary | None] = [
            next((s for s in summaries if s.run.journey == journey and s.run.channel == c), None) for c in channels
        ]
        name = next(s.journey_name for s in summaries if s.run.journey == journey)
        rows.append((journey, name, cells))
    return channels, rows


@functools.cache
def _environment() -> Environment:
    """One environment per process: the template is compiled once."""
    env = Environment(
        loader=PackageLoader("frictionaudit.render", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["secs"] = lambda s: f"{s:.1f} s" if s < 60 else f"{int(s // 60)} min {int(s % 60)} s"
    env.filters["plural"] = _plural
    return env


def render_html(
    analysis: Analysis, run_dir: Path | None = None, fail_on: str = "blocker", history: Path | None = None
) -> str:
    """The HTML report; screenshots are read from ``run_dir`` (left out when it is None or they are missing).

    ``history`` is the history database the run is recorded in (or is about to be): the report then
    shows the findings of the last runs as a chart, when it holds at least one run before this one.
    """
    context, _ = _context(analysis, run_dir, fail_on, history)
    return _environment().get_template("report.html.j2").render(**context)


def _trend_chart(analysis: Analysis, history: Path | None) -> Markup:
    """The trend chart as inline SVG; empty without a history or when it holds no run before this one.

    The one piece of markup not escaped by the template: :func:`frictionaudit.trend.render_svg`
    builds it from numbers and escapes every text it writes (run ids), and it has no script, link
    or style element.
    """
    return Markup(trend_svg(analysis, history) if history is not None else "")


def screenshots_shown(analysis: Analysis, run_dir: Path) -> list[str]:
    """The screenshot paths (relative to the run folder) the HTML report embeds."""
    _, shots = _context(analysis, run_dir, "never")
    return sorted(path for path, found in shots.by_path.items() if found)


def _context(
    analysis: Analysis, run_dir: Path | None, fail_on: str, history: Path | None = None
) -> tuple[dict[str, Any], ShotBox]:
    shots = ShotBox(run_dir)
    results = analysis.results
    ranks = {fix.id: i for i, fix in enumerate(analysis.fixes, start=1)}
    first = analysis.first_fix
    first_view = _fix_view(analysis, first, ranks[first.id], shots) if first else None
    small = [_fix_view(analysis, f, ranks[f.id], shots) for f in analysis.small_fixes]
    big = [_fix_view(analysis, f, ranks[f.id], shots) for f in analysis.big_fixes]
    anchors: dict[tuple[str, str, int | None], list[Fix]] = {}
    for fix in analysis.fixes:
        for finding in fix.occurrences:
            places = anchors.setdefault((finding.journey, finding.channel, finding.step), [])
            if fix not in places:
                places.append(fix)
    differences = [
        DifferenceView(
            difference=d,
            anchor=fix_anchor(d.fix),
            cells=[
                (channel, value, shots.get(d.screenshots.get(channel), f"{channel}: {d.fact} = {value}"))
                for channel, value in d.values.items()
            ],
        )
        for d in analysis.channel_differences()
    ]
    journey_ids = [j.id for j in results.journeys if any(r.journey == j.id for r in results.runs)]
    journey_ids += [r.journey for r in results.runs if r.journey not in journey_ids]
    journeys = [_journey_view(analysis, j, anchors, shots) for j in dict.fromkeys(journey_ids)]
    channels, matrix = _matrix(analysis)
    stopped = interruption(results)
    context = dict(
        a=analysis,
        results=results,
        verdict=analysis.verdict(),
        status=analysis.status_line(),
        first=first_view,
        why_first=why_first(analysis, first) if first else "",
        then=[f for f in analysis.fixes if f is not first][:4],
        ranks=ranks,
        small=small,
        big=big,
        fix_next_ids={f.id for f in analysis.fix_next},
        differences=differences,
        journeys=journeys,
        channels=channels,
        matrix=matrix,
        settings=_settings_rows(results.settings),
        failed_rules=analysis.audit.errors,
        disabled_rules=[o.rule for o in analysis.audit.outcomes if o.status == "disabled"],
        severity_weight=SEVERITY_WEIGHT,
        effort_weight=EFFORT_WEIGHT,
        fail_on=fail_on,
        tool_version=__version__,
        shots_css=shots.css(),
        shot_classes=list(shots.images),
        shots_left_out=shots.left_out,
        blocked=[s for s in analysis.summaries() if s.run.status != "completed"],
        stopped=stopped,
        unfinished=unfinished_list(stopped) if stopped else "",
        trend=_trend_chart(analysis, history),
        trend_colours=SEVERITY_COLOURS,
    )
    return context, shots
