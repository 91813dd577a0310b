"""``frictionaudit merge``: combine the run folders of ``--shard i/n`` runs into one run.

The merged run holds every journey × channel run in the order an unsharded run would have (the
journeys' and channels' order as saved), so its findings, fix list and fingerprints equal those of
one run over all the work. Screenshots are copied into the merged run folder.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from frictionaudit.errors import InputError
from frictionaudit.results import RunResults, load_results

# Settings that must agree between shards; anything else (timings) may differ.
_MUST_AGREE = ("budgets", "timeouts", "retries", "thresholds", "rules", "repeat")


def merge_results(parts: Sequence[tuple[RunResults, Path]], run_id: str) -> RunResults:
    if not parts:
        raise InputError("merge needs at least one run folder")
    first, first_dir = parts[0]
    for results, folder in parts[1:]:
        for key in _MUST_AGREE:
            if results.settings.get(key) != first.settings.get(key):
                raise InputError(
                    f"{folder}: its {key} differ from {first_dir}'s; shards of one run share one config",
                    hint="merge only the shards of one 'frictionaudit run --shard i/n' matrix",
                )
        if [j.id for j in results.journeys] != [j.id for j in first.journeys]:
            raise InputError(f"{folder}: its journeys differ from {first_dir}'s; shards of one run share one set")
    journey_order = {j.id: i for i, j in enumerate(first.journeys)}
    channels = {c.name: c for results, _ in parts for c in results.channels}
    channel_order = {name: i for i, name in enumerate(sorted(channels, key=lambda n: _channel_rank(parts, n)))}
    seen: set[tuple[str, str, int]] = set()
    runs = []
    for results, folder in parts:
        for run in results.runs:
            place = (run.journey, run.channel, run.repeat)
            if place in seen:
                raise InputError(f"{folder}: {run.key} is in two of the run folders", hint="merge each shard once")
            seen.add(place)
            runs.append(run)
    runs.sort(key=lambda r: (journey_order.get(r.journey, 1 << 30), channel_order[r.channel], r.repeat))
    settings = dict(first.settings)
    settings["shard"] = None
    return first.model_copy(
        update={
            "run_id": run_id,
            "started_at": min(r.started_at for r, _ in parts),
            "finished_at": max(r.finished_at for r, _ in parts),
            "browser": ", ".join(sorted({r.browser for r, _ in parts})),
            "settings": settings,
            "channels": sorted(channels.values(), key=lambda c: channel_order[c.name]),
            "runs": runs,
            "interrupted": any(r.interrupted for r, _ in parts),
            # Each shard knows only its own unfinished runs: together they are the merged run's.
            "unfinished": list(dict.fromkeys(key for r, _ in parts for key in r.unfinished)),
        }
    )


def _channel_rank(parts: Sequence[tuple[RunResults, Path]], name: str) -> tuple[int, int]:
    """Channels keep the config's order: the first position any shard saved them at."""
    for part_index, (results, _) in enumerate(parts):
        for position, channel in enumerate(results.channels):
            if channel.name == name:
                return position, part_index
    return 1 << 30, 0


def load_parts(paths: Sequence[str | Path]) -> list[tuple[RunResults, Path]]:
    return [load_results(p) for p in paths]


def copy_screens(parts: Sequence[tuple[RunResults, Path]], run_dir: Path) -> None:
    for _, folder in parts:
        screens = folder / "screens"
        if screens.is_dir():
            shutil.copytree(screens, run_dir / "screens", dirs_exist_ok=True)
