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
from frictionaudit.render.markdown import render_markdown
from frictionaudit.results import RunResults, load_results, write_atomic
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
    workers: int = 2
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))


def load_project(
    config_path: str, journey_paths: Sequence[str], env: Mapping[str, str] | None, base_url: str | None = None
) -> tuple[LoadedConfig, Config, list[Journey]]:
    loaded = load_config(config_path)
    config = override_base_url(loaded.config, base_url) if base_url else loaded.config
    files = journey_files(journey_paths, loaded.folder / config.journeys)
    journeys = load_journeys(files, config, env)
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
    from frictionaudit.gather.runner import GatherPlan, device_names, gather, new_run_id

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
        secrets=secret_values(journeys, request.env),
    )
    results = asyncio.run(gather(plan, run_dir, run_id, progress))
    analysis = analyse(results)
    write_reports(analysis, run_dir)
    point_latest(request.out_dir, run_dir)
    return analysis, run_dir


def run_folder(out_dir: Path, run_id: str) -> Path:
    """The folder for a run, confined to ``out_dir`` whatever the id says; an old one is replaced."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in run_id).strip("._") or "run"
    if safe == LATEST:
        raise InputError(f"--run-id {run_id}: '{LATEST}' is reserved for the link to the newest run")
    run_dir = out_dir / safe
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


def write_reports(analysis: Analysis, run_dir: Path) -> list[Path]:
    written = []
    for name, text in (("report.md", render_markdown(analysis)), (FINDINGS_FILE, findings_json(analysis))):
        write_atomic(run_dir / name, text)
        written.append(run_dir / name)
    return written


def reanalyse(run_path: str | Path) -> tuple[Analysis, Path, RunResults]:
    results, run_dir = load_results(run_path)
    return analyse(results), run_dir, results
