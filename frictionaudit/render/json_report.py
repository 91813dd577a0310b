"""``report.json``: the full results, every fix with its priority inputs and occurrences, and a verdict.

The document's shape is the pydantic model :class:`Report`; its JSON Schema is committed as
``frictionaudit/schemas/report.schema.json`` (``python -m frictionaudit.render.json_report`` prints
it; a test checks the committed file is current). ``schema_version`` changes when a field is removed
or changes meaning; new fields may appear within a version. The output is deterministic: keys are
sorted and nothing depends on when it was rendered.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Literal

from pydantic import BaseModel, Field

from frictionaudit import __version__
from frictionaudit.analysis import Analysis
from frictionaudit.audit.model import Finding, RuleOutcome
from frictionaudit.rank import Fix
from frictionaudit.render.interruption import Interruption, interruption
from frictionaudit.results import RunResults

REPORT_SCHEMA_VERSION: Literal[1] = 1


class ReportFinding(Finding):
    """One occurrence of a problem, with its fingerprint."""

    # Named apart from Finding.fingerprint (a property), written as "fingerprint".
    fingerprint_: str = Field(alias="fingerprint", description="Stable across runs, run order and worker counts.")


class ReportFix(Fix):
    """One fix: its place in the list, the inputs of its priority, and every occurrence."""

    rank: int = Field(description="1-based position in the fix list (highest priority first).")
    small: bool = Field(description="Effort XS or S: a candidate for 'fix next'.")
    fix_next: bool = Field(description="Among the top small fixes shown first.")
    occurrences: list[ReportFinding] = Field(default_factory=list)  # type: ignore[assignment]


class Effort(BaseModel):
    """What the journey costs a customer on this channel (Keystroke-Level Model estimate)."""

    screens: int
    clicks: int
    fields: int
    keystrokes: int
    seconds: float = Field(description="Measured time of the steps (without waits).")
    human_seconds: float = Field(description="Estimated time a practised customer needs, a floor.")


class RunSummary(BaseModel):
    """One journey × channel run at a glance."""

    journey: str
    journey_name: str
    channel: str
    status: Literal["completed", "blocked", "error"]
    blocked_at: int | None = Field(None, description="0-based index of the step where the customer got stuck.")
    reason: str | None = None
    steps_done: int
    steps_total: int
    seconds: float = Field(description="Measured time of the steps; with --repeat, the median of the replays.")
    findings: int
    effort: Effort
    replays: int = Field(1, description="How many replays (--repeat) this row stands for.")
    seconds_min: float = Field(description="The fastest replay's time (equals seconds without --repeat).")
    seconds_max: float = Field(description="The slowest replay's time (equals seconds without --repeat).")
    completed_in: int = Field(description="In how many of the replays the journey completed.")


class Counts(BaseModel):
    runs: int
    blocked: int
    errors: int = Field(description="Runs that failed for the browser, not the service.")
    findings: int
    fixes: int
    small_fixes: int


class Report(BaseModel):
    """The whole report of one run: what ``report.json`` holds."""

    schema_version: Literal[1] = Field(description="Version of this document's shape.")
    tool_version: str = Field(description="The frictionaudit that rendered this report.")
    run_id: str
    verdict: str = Field(description="The one-line verdict the terminal prints.")
    interrupted: Interruption | None = Field(
        None,
        description="Set when the run was stopped (Ctrl-C, SIGTERM) before every journey run finished: the "
        "findings cover only the runs that finished. Null for a run that finished.",
    )
    counts: Counts
    summary: list[RunSummary] = Field(description="One row per journey × channel.")
    fixes: list[ReportFix] = Field(description="Highest priority first.")
    rules: list[RuleOutcome] = Field(description="Each rule's outcome: ran, error (failed alone) or disabled.")
    results: RunResults = Field(description="The saved observations the report was made from (results.json).")


def build_report(analysis: Analysis) -> Report:
    next_ids = {f.id for f in analysis.fix_next}
    fixes = [
        ReportFix.model_validate(
            {
                **fix.model_dump(exclude={"occurrences"}),
                "rank": i,
                "small": fix.is_small,
                "fix_next": fix.id in next_ids,
                "occurrences": [f.model_dump() | {"fingerprint": f.fingerprint} for f in fix.occurrences],
            }
        )
        for i, fix in enumerate(analysis.fixes, start=1)
    ]
    summary = [
        RunSummary(
            journey=row.run.journey,
            journey_name=row.journey_name,
            channel=row.run.channel,
            status=row.run.status,
            blocked_at=row.run.blocked_at,
            reason=row.run.reason,
            steps_done=row.steps_done,
            steps_total=row.steps_total,
            seconds=row.seconds,
            findings=row.findings,
            effort=Effort.model_validate(row.effort.as_dict()),
            replays=row.replays,
            seconds_min=row.seconds_min,
            seconds_max=row.seconds_max,
            completed_in=row.completed_in,
        )
        for row in analysis.summaries()
    ]
    return Report(
        schema_version=REPORT_SCHEMA_VERSION,
        tool_version=__version__,
        run_id=analysis.results.run_id,
        verdict=analysis.verdict(),
        interrupted=interruption(analysis.results),
        counts=Counts(
            runs=len(analysis.results.runs),
            blocked=len(analysis.blocked),
            errors=len(analysis.infra_errors),
            findings=len(analysis.findings),
            fixes=len(analysis.fixes),
            small_fixes=len(analysis.small_fixes),
        ),
        summary=summary,
        fixes=fixes,
        rules=analysis.audit.outcomes,
        results=analysis.results,
    )


def dumps(data: Any) -> str:
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def render_json(analysis: Analysis) -> str:
    return dumps(build_report(analysis).model_dump(mode="json", by_alias=True))


def report_schema() -> dict[str, Any]:
    """The JSON Schema of ``report.json`` (draft 2020-12), generated from :class:`Report`."""
    schema = Report.model_json_schema(mode="serialization", by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
        "title": "frictionaudit report",
    }


def schema_text() -> str:
    return dumps(report_schema())


if __name__ == "__main__":  # python -m frictionaudit.render.json_report > frictionaudit/schemas/report.schema.json
    sys.stdout.write(schema_text())
