"""The saved observations of a run: ``reports/<run-id>/results.json``.

This is the boundary between gather (the browser) and everything after it. Audits, ranking and
reports read only these models, so any report can be re-made from a saved run without a browser.
Writes are atomic: a crash never leaves half a ``results.json``.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from frictionaudit.errors import InputError

SCHEMA_VERSION = 1
RESULTS_FILE = "results.json"


class Record(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ConsoleMessage(Record):
    level: Literal["error", "warning"]
    text: str
    url: str = ""
    line: int | None = None
    at: float = Field(description="Seconds since the journey started.")


class PageError(Record):
    """An uncaught exception or unhandled promise rejection in the page."""

    message: str
    name: str = ""
    stack: str = ""
    url: str = ""
    at: float = 0.0


class Request(Record):
    url: str
    method: str = "GET"
    resource_type: str = "other"
    status: int | None = None
    failure: str | None = Field(None, description="Network error text when the request failed.")
    bytes: int = 0
    started: float = 0.0
    duration: float | None = None
    is_navigation: bool = False
    redirected_from: str | None = None


class StepResult(Record):
    index: int = Field(description="0-based position in the journey's step list.")
    label: str = Field(description="The step's name, or what it does.")
    action: str
    status: Literal["ok", "failed", "skipped"] = "ok"
    error: str | None = None
    started: float = Field(0.0, description="Seconds since the journey started.")
    duration: float = Field(0.0, description="Seconds from the action until the page settled.")
    url: str = ""
    title: str = ""
    navigations: list[str] = Field(default_factory=list)
    console: list[ConsoleMessage] = Field(default_factory=list)
    page_errors: list[PageError] = Field(default_factory=list)
    requests: list[Request] = Field(default_factory=list)
    dropped: dict[str, int] = Field(default_factory=dict, description="Records not kept over the caps.")
    screenshot: str | None = Field(None, description="Path relative to the run folder.")
    retried: bool = Field(False, description="The step failed once and worked on the second try.")
    first_error: str | None = Field(None, description="Why the first try failed (retried or blocked steps).")
    first_screenshot: str | None = None
    retry_from: int | None = Field(None, description="The step index the second try started from.")
    screen: str = Field("", description="URL without query + title: which screen the step ended on.")
    new_screen: bool = Field(False, description="The first step of this run to end on this screen.")
    captured: dict[str, str] = Field(default_factory=dict)
    metrics: dict[str, float] = Field(default_factory=dict)
    extra: dict[str, Any] = Field(default_factory=dict, description="Collector-specific observations.")


class JourneyRun(Record):
    """One journey replayed on one channel."""

    journey: str
    channel: str
    repeat: int = Field(0, description="Which of --repeat K replays this is (0-based).")
    status: Literal["completed", "blocked", "error"]
    blocked_at: int | None = Field(None, description="Index of the step where the customer got stuck.")
    reason: str | None = None
    started_at: str = ""
    duration: float = 0.0
    steps: list[StepResult] = Field(default_factory=list)
    user_agent: str = ""
    viewport: dict[str, int] = Field(default_factory=dict)
    probe_errors: list[str] = Field(default_factory=list, description="Collectors that failed (not the service).")

    @property
    def key(self) -> str:
        return f"{self.journey}@{self.channel}" + (f"#{self.repeat + 1}" if self.repeat else "")


class JourneyInfo(Record):
    id: str
    name: str
    description: str | None = None
    source: str = ""
    steps: list[str] = Field(default_factory=list, description="Each step's label.")
    channels: list[str] = Field(default_factory=list)
    disabled_rules: list[str] = Field(default_factory=list, description="Rules switched off for this journey.")
    weight: float = Field(1.0, description="The journey's weight in ranking (its share of customers).")


class ChannelInfo(Record):
    name: str
    device: str | None = None
    base_url: str
    is_mobile: bool = False
    viewport: dict[str, int] = Field(default_factory=dict)
    locale: str | None = None
    weight: float = 1.0


class RunResults(Record):
    schema_version: int = SCHEMA_VERSION
    run_id: str
    tool_version: str = ""
    started_at: str = ""
    finished_at: str = ""
    base_url: str = ""
    browser: str = ""
    settings: dict[str, Any] = Field(default_factory=dict, description="Budgets and timeouts used.")
    channels: list[ChannelInfo] = Field(default_factory=list)
    journeys: list[JourneyInfo] = Field(default_factory=list)
    runs: list[JourneyRun] = Field(default_factory=list)
    interrupted: bool = Field(
        False,
        description="The run did not finish (Ctrl-C, SIGTERM, or still going when saved): ``runs`` holds "
        "the journey runs that finished, ``unfinished`` the others.",
    )
    unfinished: list[str] = Field(default_factory=list, description="journey@channel runs that did not finish.")

    def journey(self, journey_id: str) -> JourneyInfo | None:
        return next((j for j in self.journeys if j.id == journey_id), None)

    def channel(self, name: str) -> ChannelInfo | None:
        return next((c for c in self.channels if c.name == name), None)


def write_atomic(path: Path, data: str | bytes, *, durable: bool = True) -> None:
    """Write a file so readers see the old content or the new, never half of it.

    The data goes to a temporary file beside ``path``, which then replaces it in one step, so a
    crash, Ctrl-C or a full disk leaves the old file (or none) and no temporary file behind.
    ``durable`` also flushes it to the disk first (skip it for screenshots: a crash of the machine
    could lose one, never corrupt the run).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data if isinstance(data, bytes) else data.encode("utf-8")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:100]}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save_results(results: RunResults, run_dir: Path) -> Path:
    target = run_dir / RESULTS_FILE
    write_atomic(target, results.model_dump_json(indent=1))
    return target


def load_results(path: str | Path) -> tuple[RunResults, Path]:
    """Load ``results.json`` from a run folder (or the file itself); returns it and the run folder."""
    path = Path(path)
    file = path / RESULTS_FILE if path.is_dir() else path
    if not file.exists():
        raise InputError(
            f"{path}: no saved run here (looked for {file})",
            hint="pass a folder under reports/ written by 'frictionaudit run', e.g. reports/latest",
        )
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{file}: not a readable results file ({exc})") from None
    version = raw.get("schema_version") if isinstance(raw, dict) else None
    if version != SCHEMA_VERSION:
        raise InputError(
            f"{file}: results schema version {version!r} is not supported (this frictionaudit reads {SCHEMA_VERSION})",
            hint="re-run the journeys with this version of frictionaudit",
        )
    try:
        return RunResults.model_validate(raw), file.parent
    except ValidationError as exc:
        raise InputError(f"{file}: results do not match the schema: {exc.errors()[0]['msg']}") from None
