"""GitHub Actions: a Markdown summary of the run on the job's page, and annotations for new problems.

When ``GITHUB_STEP_SUMMARY`` is set (GitHub sets it in every step), the summary is appended to that
file: the verdict, the gate's result and reasons, what changed since the baseline and the fixes to
make next. When ``GITHUB_ACTIONS`` is ``true``, each new problem becomes a workflow command on
standard output, ``::error`` when it fails the gate and ``::warning`` otherwise, pointing at the
journey file and the line of the step where it happened, so it shows on the pull request's diff.
GitHub shows at most 10 of each kind per step; the rest are counted in a ``::notice``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

from frictionaudit.analysis import Analysis
from frictionaudit.diff import Problem, diff_markdown
from frictionaudit.gate import GateResult

MAX_ANNOTATIONS = 10


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(
    level: str, message: str, *, title: str | None = None, file: str | None = None, line: int | None = None
) -> str:
    """One workflow command, e.g. ``::error file=journeys/pay.yaml,line=9,title=E101::...``."""
    props = []
    if file:
        props.append(f"file={_escape_property(file)}")
        if line:
            props.append(f"line={line}")
    if title:
        props.append(f"title={_escape_property(title)}")
    head = f"::{level} {','.join(props)}" if props else f"::{level}"
    return f"{head}::{_escape_data(message)}"


class _StepLines:
    """Where each journey's steps are, as repository paths and line numbers (read once per file)."""

    def __init__(self, analysis: Analysis, env: Mapping[str, str]) -> None:
        self.sources = {j.id: j.source for j in analysis.results.journeys if j.source}
        self.workspace = env.get("GITHUB_WORKSPACE")
        self.cache: dict[str, object] = {}

    def file(self, journey: str) -> str | None:
        source = self.sources.get(journey)
        if not source or not Path(source).is_file():
            return None
        path = Path(source).resolve()
        base = Path(self.workspace).resolve() if self.workspace else Path.cwd().resolve()
        try:
            return path.relative_to(base).as_posix()
        except ValueError:
            return None

    def line(self, journey: str, step: int | None) -> int | None:
        source = self.sources.get(journey)
        if not source:
            return None
        if source not in self.cache:
            try:
                from frictionaudit.config.yaml_source import read_yaml_file

                self.cache[source] = read_yaml_file(source)
            except Exception:
                self.cache[source] = None
        doc = self.cache[source]
        if doc is None:
            return None
        from frictionaudit.config.yaml_source import YamlDocument

        assert isinstance(doc, YamlDocument)
        path: tuple[str | int, ...] = ("steps", step) if step is not None else ("steps",)
        return doc.pos(path).line


def annotation_lines(
    result: GateResult, analysis: Analysis, env: Mapping[str, str], limit: int = MAX_ANNOTATIONS
) -> list[str]:
    """``::error`` for new problems that fail the gate and for exceeded budgets, ``::warning`` for other new ones."""
    where = _StepLines(analysis, env)
    failing = {p.key for p in result.failing}
    new = result.new_problems
    errors = [p for p in new if p.key in failing]
    warnings = [p for p in new if p.key not in failing]
    since = f" (new since {result.comparison.old.source})" if result.comparison is not None else ""

    def command(level: str, p: Problem) -> str:
        return annotation(
            level,
            f"{p.title} — {p.where}{since}",
            title=f"{p.rule} {p.severity}: {p.journey} on {p.channel}",
            file=where.file(p.journey),
            line=where.line(p.journey, p.step),
        )

    lines = [command("error", p) for p in errors[:limit]]
    budget_room = max(0, limit - len(lines))
    lines += [annotation("error", o.reason(), title="Budget exceeded") for o in result.overruns[:budget_room]]
    lines += [command("warning", p) for p in warnings[:limit]]
    left_out = max(0, len(errors) - limit) + max(0, len(result.overruns) - budget_room) + max(0, len(warnings) - limit)
    if left_out:
        lines.append(annotation("notice", f"{left_out} more new problems or budgets: see the job summary"))
    return lines


def _md(text: str) -> str:
    text = " ".join(str(text).splitlines())
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def summary_markdown(result: GateResult, analysis: Analysis, run_dir: Path | None = None) -> str:
    """The job summary: verdict, gate, changes since the baseline, journeys and the fixes to make next."""
    results = analysis.results
    icon = "✅" if result.passed and not result.infra_errors else "❌"
    lines = [
        f"## {icon} frictionaudit — run {_md(results.run_id)}",
        "",
        f"**{_md(analysis.verdict())}**",
        "",
        f"{_md(result.headline())}",
        "",
    ]
    reasons = result.reasons()
    for reason in reasons[:30]:
        lines.append(f"- {_md(reason)}")
    if len(reasons) > 30:
        lines.append(f"- …and {len(reasons) - 30} more")
    for error in result.infra_errors:
        lines.append(f"- browser error: {_md(error)}")
    if reasons or result.infra_errors:
        lines.append("")
    if result.comparison is not None:
        lines.append(diff_markdown(result.comparison, heading="###"))
    else:
        lines += [
            "### Journeys",
            "",
            "| Journey | Channel | Result | Steps | Seconds | Findings |",
            "|---|---|---|---:|---:|---:|",
        ]
        for row in analysis.summaries():
            status: str = row.run.status
            if row.run.blocked_at is not None:
                status = f"{status} @{row.run.blocked_at + 1}"
            lines.append(
                f"| {_md(row.journey_name)} | {_md(row.run.channel)} | {status} | "
                f"{row.steps_done}/{row.steps_total} | {row.seconds:.1f} | {row.findings} |"
            )
        lines.append("")
    if analysis.fix_next:
        lines += ["### Fix next", ""]
        for i, fix in enumerate(analysis.fix_next, start=1):
            lines.append(
                f"{i}. **{_md(fix.title)}** — {fix.severity}, effort {fix.effort}, "
                f"{len(fix.occurrences)}× ({_md(', '.join(fix.channels))}) `{fix.rule}`"
            )
        lines.append("")
    if run_dir is not None:
        lines += [f"Reports: `{_md(str(run_dir))}/`", ""]
    return "\n".join(lines) + "\n"


def publish(
    result: GateResult,
    analysis: Analysis,
    emit: Callable[[str], None],
    env: Mapping[str, str] | None = None,
    run_dir: Path | None = None,
) -> bool:
    """Write the job summary and emit the annotations when running on GitHub Actions; True if anything was done."""
    env = os.environ if env is None else env
    done = False
    summary_file = env.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        try:
            with open(summary_file, "a", encoding="utf-8") as handle:
                handle.write(summary_markdown(result, analysis, run_dir))
            done = True
        except OSError:
            pass  # a summary that cannot be written must not change the run's outcome
    if env.get("GITHUB_ACTIONS") == "true":
        for line in annotation_lines(result, analysis, env):
            emit(line)
        done = True
    return done
