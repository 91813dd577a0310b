"""The run pipeline: load → gather → audit → rank → write reports, and re-rendering saved runs.

The CLI calls these functions and maps their errors to exit codes; nothing here prints.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from frictionaudit.analysis import Analysis, analyse
from frictionaudit.config.loader import (
    LoadedConfig,
    check_devices,
    journey_files,
    load_config,
    load_journeys,
    override_base_url,
)
from frictionaudit.config.models import Config, Journey
from frictionaudit.errors import InputError
from frictionaudit.progress import ProgressListener
from frictionaudit.results import RunResults, load_results, save_results, write_atomic
from frictionaudit.secrets import secret_values

LATEST = "latest"


@dataclass
class RunRequest:
    config_path: str
    journey_paths: Sequence[str] = ()
    channels: Sequence[str] | None = None
    out_dir: Path = Path("reports")
    run_id: str | None = None
    base_url: str | None = None
    browser_path: str | None = None
    workers: int = field(default_factory=lambda: default_workers())
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    connect: Sequence[str] = ()
    cdp: Sequence[str] = ()
    repeat: int = 1
    shard: tuple[int, int] | None = None
    formats: Sequence[str] = ("html", "md", "json", "junit")
    fail_on: str = "blocker"
    history: bool = True  # record the run in <out_dir>/history.sqlite (not a shard: merge records the whole)
    ignore_https_errors: bool = False  # accept certificates the browser does not trust (or the config's setting)


def default_workers() -> int:
    """Concurrent journey runs: 2–4 contexts in one browser use 2 cores best (measured), more cores more."""
    return max(2, min(6, os.cpu_count() or 2))


def parse_shard(text: str) -> tuple[int, int]:
    """``--shard i/n`` (1-based) as a pair, or an InputError that says how to write it."""
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise InputError(f"--shard {text}: write it as i/n, e.g. 1/4 for the first of four slices") from None
    if not 1 <= index <= count:
        raise InputError(f"--shard {text}: i must be between 1 and n")
    return index, count


def load_project(
    config_path: str, journey_paths: Sequence[str], env: Mapping[str, str] | None, base_url: str | None = None
) -> tuple[LoadedConfig, Config, list[Journey]]:
    loaded = load_config(config_path)
    config = override_base_url(loaded.config, base_url) if base_url else loaded.config
    files = journey_files(journey_paths, loaded.folder / config.journeys)
    journeys = load_journeys(files, config, env)
    from frictionaudit.gate import check_budget_refs

    check_budget_refs(loaded, [j.id for j in journeys])
    return loaded, config, journeys


def _check_channels(config: Config, channels: Sequence[str] | None) -> None:
    from frictionaudit.config.loader import did_you_mean

    for name in channels or ():
        if name not in config.channels:
            raise InputError(
                f"--channel {name}: no such channel",
                hint=did_you_mean(name, config.channels) or f"channels: {', '.join(config.channels)}",
            )


def run(request: RunRequest, progress: ProgressListener | None = None) -> tuple[Analysis, Path]:
    """Replay, audit and write the reports of one run; returns the analysis and the run folder."""
    from frictionaudit.gather.runner import GatherPlan, device_names, new_run_id

    loaded, config, journeys = load_project(request.config_path, request.journey_paths, request.env, request.base_url)
    _check_channels(config, request.channels)
    check_devices(loaded, device_names())
    run_id = request.run_id or new_run_id()
    run_dir = run_folder(request.out_dir, run_id)
    plan = GatherPlan(
        config=config,
        journeys=journeys,
        channels=request.channels,
        env=request.env,
        browser_path=request.browser_path,
        workers=request.workers,
        secrets=secret_values(journeys, request.env, config.secrets),
        ignore_https_errors=request.ignore_https_errors or config.ignore_https_errors,
        connect=request.connect,
        cdp=request.cdp,
        repeat=request.repeat,
        shard=request.shard,
    )
    results = _gather_until_stopped(plan, run_dir, run_id, progress)
    analysis = analyse(results)
    from frictionaudit.history import HISTORY_FILE, record_run

    records = request.history and request.shard is None and not results.interrupted
    history = request.out_dir / HISTORY_FILE if records else None  # the reports' trend chart counts this run
    write_reports(analysis, run_dir, request.formats, request.fail_on, history)
    point_latest(request.out_dir, run_dir)
    if history is not None:
        record_run(history, analysis, request.env)
    return analysis, run_dir


def _gather_until_stopped(plan: Any, run_dir: Path, run_id: str, progress: ProgressListener | None) -> RunResults:
    """Gather in an event loop of its own; Ctrl-C or SIGTERM stops it with what finished saved.

    A first signal returns the results of the runs that finished (``interrupted: true``), so they
    are reported; a second one stops at once and unwinds as Ctrl-C (the finished runs are saved).
    """
    from frictionaudit import interrupts
    from frictionaudit.gather.runner import gather

    async def until_stopped() -> RunResults:
        stop = asyncio.Event()
        with interrupts.stop_on_signals(stop):
            return await gather(plan, run_dir, run_id, progress, stop)

    try:
        return asyncio.run(until_stopped())
    except asyncio.CancelledError:
        raise interrupts.Terminated() if interrupts.exit_code() == 143 else KeyboardInterrupt() from None


MAX_RUN_ID = 100


def run_folder(out_dir: Path, run_id: str) -> Path:
    """The folder for a run, confined to ``out_dir`` whatever the id says; an old one is replaced.

    The id keeps letters, digits, '-', '_' and '.' (no separators, no dot first), at most 100
    characters, never a device name such as CON or NUL, never 'latest' in any case.
    """
    from frictionaudit.gather.journey_run import RESERVED_NAMES

    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in run_id).strip("._")[:MAX_RUN_ID].strip("._")
    safe = safe or "run"
    if safe.lower() == LATEST:
        raise InputError(f"--run-id {run_id}: '{LATEST}' is reserved for the link to the newest run")
    if safe.split(".")[0].upper() in RESERVED_NAMES:
        safe = f"run-{safe}"
    run_dir = out_dir / safe
    try:
        if run_dir.is_symlink():
            run_dir.unlink()
        elif run_dir.exists():
            if not (run_dir / "results.json").exists() and any(run_dir.iterdir()):
                raise InputError(
                    f"{run_dir} exists and is not a frictionaudit run folder; refusing to overwrite it",
                    hint="choose another --run-id or --out",
                )
            shutil.rmtree(run_dir)
        run_dir.mkdir(parents=True)
    except OSError as exc:
        raise InputError(
            f"cannot make the run folder {run_dir}: {exc.strerror or exc}", hint="choose another --out"
        ) from None
    return run_dir


def point_latest(out_dir: Path, run_dir: Path) -> None:
    link = out_dir / LATEST
    tmp = out_dir / f".{LATEST}.tmp"
    try:
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        tmp.symlink_to(run_dir.name, target_is_directory=True)
        os.replace(tmp, link)
    except OSError:  # no symlinks here (some Windows setups): leave a note instead
        write_atomic(out_dir / "LATEST", run_dir.name + "\n")


FINDINGS_FILE = "findings.json"


def findings_json(analysis: Analysis) -> str:
    """The audit's output: every finding with its fingerprint, and each rule's outcome."""
    payload = {
        "schema_version": analysis.results.schema_version,
        "run_id": analysis.results.run_id,
        "findings": [f.model_dump(mode="json") | {"fingerprint": f.fingerprint} for f in analysis.findings],
        "rules": [o.model_dump(mode="json") for o in analysis.audit.outcomes],
    }
    return json.dumps(payload, indent=1, ensure_ascii=False) + "\n"


REPORT_FILES = {"html": "report.html", "md": "report.md", "json": "report.json", "junit": "junit.xml"}
DEFAULT_FORMATS = tuple(REPORT_FILES)


def parse_formats(text: str) -> tuple[str, ...]:
    """``html,md`` → ("html", "md"); an unknown name is bad input."""
    from frictionaudit.config.loader import did_you_mean

    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    aliases = {"markdown": "md", "xml": "junit"}
    formats = []
    for name in names:
        name = aliases.get(name, name)
        if name not in REPORT_FILES:
            raise InputError(
                f"--format {name}: no such report format",
                hint=did_you_mean(name, REPORT_FILES) or f"use some of {', '.join(REPORT_FILES)}",
            )
        formats.append(name)
    if not formats:
        raise InputError("--format: name at least one of " + ", ".join(REPORT_FILES))
    return tuple(dict.fromkeys(formats))


def render_report(
    analysis: Analysis, fmt: str, run_dir: Path | None, fail_on: str = "blocker", history: Path | None = None
) -> str:
    """One report as text; ``run_dir`` is where the HTML report finds the screenshots, ``history``
    the history database its trend chart reads (none without it)."""
    if fmt == "md":
        from frictionaudit.render.markdown import render_markdown

        return render_markdown(analysis)
    if fmt == "json":
        from frictionaudit.render.json_report import render_json

        return render_json(analysis)
    if fmt == "junit":
        from frictionaudit.render.junit import render_junit

        return render_junit(analysis, fail_on)
    if fmt == "html":
        from frictionaudit.render.html import render_html

        return render_html(analysis, run_dir, fail_on, history)
    raise InputError(f"no report format {fmt!r}")


def write_reports(
    analysis: Analysis,
    run_dir: Path,
    formats: Sequence[str] = DEFAULT_FORMATS,
    fail_on: str = "blocker",
    history: Path | None = None,
) -> list[Path]:
    """Write the chosen reports into the run folder (and always ``findings.json``, the audit's output).

    ``history`` is the history database the run is recorded in, or is about to be: the HTML report
    charts the last runs from it. Without it (re-making a saved run's reports), the history beside
    the run folder is used when it holds this run.
    """
    if history is None and "html" in formats:
        history = recorded_history(analysis.results, run_dir)
    written = []
    outputs = [(REPORT_FILES[f], render_report(analysis, f, run_dir, fail_on, history)) for f in formats]
    for name, text in [*outputs, (FINDINGS_FILE, findings_json(analysis))]:
        write_atomic(run_dir / name, text)
        written.append(run_dir / name)
    return written


def recorded_history(results: RunResults, run_dir: Path) -> Path | None:
    """The history beside a saved run's folder (``<out>/history.sqlite``) when it holds this run, else None.

    Holding it means an entry with its run id and, when both are known, its start time: a run that
    was not recorded (``--no-history``, a shard, an interrupted run) is not mistaken for an earlier
    one of the same id. An unreadable history is no history: the reports are made without a chart.
    """
    import sqlite3

    from frictionaudit.errors import FrictionauditError
    from frictionaudit.history import HISTORY_FILE, open_history, runs

    history = run_dir.parent / HISTORY_FILE
    if not history.is_file():
        return None
    try:
        with open_history(history, readonly=True) as conn:
            entries = runs(conn)
    except (FrictionauditError, OSError, sqlite3.Error):
        return None
    for entry in entries:
        if entry.run_id == results.run_id:
            same = not entry.started_at or not results.started_at or entry.started_at == results.started_at
            return history if same else None
    return None


def reanalyse(run_path: str | Path) -> tuple[Analysis, Path, RunResults]:
    results, run_dir = load_results(run_path)
    return analyse(results), run_dir, results


def merge(run_paths: Sequence[str | Path], out_dir: Path, run_id: str) -> tuple[Analysis, Path]:
    """Combine shard runs into ``out_dir/run_id`` and write its reports."""
    from frictionaudit.merge import copy_screens, load_parts, merge_results

    parts = load_parts(run_paths)
    merged = merge_results(parts, run_id)
    run_dir = run_folder(out_dir, run_id)
    copy_screens(parts, run_dir)
    save_results(merged, run_dir)
    analysis = analyse(merged)
    from frictionaudit.history import HISTORY_FILE, record_run

    write_reports(analysis, run_dir, history=out_dir / HISTORY_FILE)
    point_latest(out_dir, run_dir)
    record_run(out_dir / HISTORY_FILE, analysis)  # shards are not recorded; their merged run is
    return analysis, run_dir
