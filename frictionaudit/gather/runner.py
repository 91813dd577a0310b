"""Run journeys × channels in one browser and save what was observed.

One browser per run, a fresh context per journey × channel, up to ``workers`` contexts at once.
A failure in one run (a step that fails, a page that hangs, a crashed context) is recorded in that
run alone; the others go on. The results are written atomically at the end (and on interruption).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from frictionaudit import __version__
from frictionaudit.config.models import Config, Journey, step_label
from frictionaudit.errors import InfrastructureError
from frictionaudit.gather.channels import channel_info, context_options
from frictionaudit.gather.journey_run import JourneyReplay, safe_name, steps_for
from frictionaudit.gather.pool import close_all, endpoints_from, open_browser, run_everywhere
from frictionaudit.progress import NullProgress, ProgressListener
from frictionaudit.results import JourneyInfo, JourneyRun, RunResults, save_results
from frictionaudit.secrets import Redactor

__all__ = ["GatherPlan", "device_names", "gather", "new_run_id", "run_journey", "safe_name", "steps_for"]


@dataclass
class GatherPlan:
    config: Config
    journeys: Sequence[Journey]
    channels: Sequence[str] | None = None  # None: every channel each journey names
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    browser_path: str | None = None
    workers: int = 2
    secrets: set[str] = field(default_factory=set)
    connect: Sequence[str] = ()  # Playwright browser servers (ws://...)
    cdp: Sequence[str] = ()  # Chromiums with remote debugging (http://...)
    repeat: int = 1  # each journey × channel this many times
    shard: tuple[int, int] | None = None  # (i, n): only the i-th of n deterministic slices (1-based)
    ignore_https_errors: bool = False  # accept HTTPS certificates the browser does not trust

    def pairs(self) -> list[tuple[Journey, str]]:
        pairs = []
        for journey in self.journeys:
            for channel in journey.channels or list(self.config.channels):
                if self.channels is None or channel in self.channels:
                    pairs.append((journey, channel))
        return pairs

    def work(self) -> list[tuple[Journey, str, int]]:
        """What this run does: the shard's slice of the journey × channel pairs, each ``repeat`` times."""
        pairs = self.pairs()
        if self.shard is not None:
            index, count = self.shard
            pairs = [pair for position, pair in enumerate(pairs) if position % count == index - 1]
        return [(journey, channel, r) for journey, channel in pairs for r in range(self.repeat)]


def plan_journey(plan: GatherPlan, journey_id: str) -> Journey:
    return next(j for j in plan.journeys if j.id == journey_id)


def new_run_id() -> str:
    return dt.datetime.now().strftime("%Y%m%d-%H%M%S")


async def run_journey(
    browser: Any,
    plan: GatherPlan,
    journey: Journey,
    channel: str,
    devices: dict[str, Any],
    run_dir: Path,
    progress: ProgressListener,
    repeat: int = 0,
) -> JourneyRun:
    """Replay one journey on one channel in a fresh browser context (``repeat``: which of --repeat K)."""
    return await JourneyReplay(browser, plan, journey, channel, devices, run_dir, progress, repeat).replay()


def _journey_info(journey: Journey, plan: GatherPlan) -> JourneyInfo:
    return JourneyInfo(
        id=journey.id,
        name=journey.name,
        description=journey.description,
        source=journey.source,
        steps=[step_label(s) for s in journey.steps],
        channels=[c for j, c in plan.pairs() if j.id == journey.id],
        disabled_rules=list(journey.rules.disable),
        weight=journey.weight,
    )


CHECKPOINT_SECONDS = 2.0  # at least this long between two saves of results.json during a run


class _Saver:
    """Writes ``results.json`` (redacted, atomically) as runs finish, and once more at the end.

    While the run goes on, the saved file holds the runs finished so far with ``interrupted: true``,
    so a run that is killed outright still leaves a readable results.json for ``report``.
    """

    def __init__(self, run_dir: Path, secrets: set[str]) -> None:
        self.run_dir = run_dir
        self.secrets = secrets  # shared: values found during the run (password fields) join it
        self.next_at = 0.0

    def save(self, results: RunResults) -> RunResults:
        started = time.monotonic()
        redactor = Redactor(self.secrets)
        if redactor:
            results = RunResults.model_validate(redactor.tree(results.model_dump()))
        save_results(results, self.run_dir)
        # A big results file is not rewritten more often than it takes to write it, times ten.
        self.next_at = time.monotonic() + max(CHECKPOINT_SECONDS, 10 * (time.monotonic() - started))
        return results

    def checkpoint(self, results: RunResults) -> None:
        if time.monotonic() >= self.next_at:
            self.save(results)


def _partial(results: RunResults, finished: dict[tuple[str, str, int], JourneyRun], keys: list[Any]) -> RunResults:
    """The results with the runs finished so far, in plan order, marked interrupted."""
    runs = [finished[k] for k in keys if k in finished]
    unfinished = [f"{j}@{c}" + (f"#{r + 1}" if r else "") for j, c, r in keys if (j, c, r) not in finished]
    return results.model_copy(update={"runs": runs, "interrupted": True, "unfinished": unfinished})


async def _until_done_or_stopped(task: asyncio.Future[Any], stop: asyncio.Event | None) -> bool:
    """Wait for ``task``; when ``stop`` is set first, cancel it and let it wind down. True: it finished."""
    if stop is None:
        await task
        return True
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
    if task.done():
        task.result()  # its exception, if it had one
        return True
    task.cancel()  # each journey run closes its browser context as it unwinds
    await asyncio.gather(task, return_exceptions=True)
    return False


async def gather(
    plan: GatherPlan,
    run_dir: Path,
    run_id: str,
    progress: ProgressListener | None = None,
    stop: asyncio.Event | None = None,
) -> RunResults:
    """Replay every journey × channel of the plan and save ``results.json`` in ``run_dir``.

    When ``stop`` is set (Ctrl-C, SIGTERM), no further journey starts, the ones in flight are
    cancelled, and the results of the runs that finished are saved with ``interrupted: true``. The
    same is saved when the task itself is cancelled, before the cancellation goes on.
    """
    from playwright.async_api import async_playwright

    progress = progress or NullProgress()
    work = plan.work()
    progress.planned(len(work), sum(len(steps_for(j, c)) for j, c, _ in work))
    results = RunResults(
        run_id=run_id,
        tool_version=__version__,
        started_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        base_url=plan.config.base_url,
        settings={
            "budgets": plan.config.budgets.model_dump(),
            "timeouts": plan.config.timeouts.model_dump(),
            "retries": plan.config.retries,
            "thresholds": plan.config.thresholds.model_dump(),
            "rules": plan.config.rules.model_dump(),
            "repeat": plan.repeat,
            "shard": list(plan.shard) if plan.shard else None,
        },
        journeys=[_journey_info(j, plan) for j in plan.journeys],
    )
    run_dir.mkdir(parents=True, exist_ok=True)
    saver = _Saver(run_dir, plan.secrets)
    finished: dict[tuple[str, str, int], JourneyRun] = {}
    keys = [(j.id, c, r) for j, c, r in work]
    async with async_playwright() as playwright:
        devices = dict(playwright.devices)
        endpoints = endpoints_from(plan.connect, plan.cdp)
        failures: list[InfrastructureError] = []
        for endpoint in endpoints:
            try:
                await open_browser(playwright, endpoint, plan.browser_path)
            except InfrastructureError as exc:
                endpoint.dead = True
                endpoint.problems.append(str(exc))
                failures.append(exc)
        if len(failures) == len(endpoints):
            raise failures[0]
        results.browser = ", ".join(
            f"{e.describe()} {e.browser.version}" for e in endpoints if not e.dead and e.browser is not None
        )
        results.channels = [
            channel_info(name, plan.config, context_options(plan.config.channels[name], devices))
            for name in plan.config.channels
            if any(c == name for _, c in plan.pairs())
        ]

        async def one(browser: Any, journey: Journey, channel: str, repeat: int) -> JourneyRun:
            run = await run_journey(browser, plan, journey, channel, devices, run_dir, progress, repeat)
            finished[(journey.id, channel, repeat)] = run
            saver.checkpoint(_partial(results, finished, keys))
            return run

        def skipped(run: JourneyRun) -> None:
            progress.run_done(run.key, run.status, len(steps_for(plan_journey(plan, run.journey), run.channel)))

        everything = asyncio.ensure_future(
            run_everywhere(playwright, endpoints, work, plan.workers, plan.browser_path, one, on_skipped=skipped)
        )
        try:
            complete = await _until_done_or_stopped(everything, stop)
        except asyncio.CancelledError:  # cancelled outright: keep what finished, then go on cancelling
            everything.cancel()
            await asyncio.gather(everything, return_exceptions=True)
            saver.save(_partial(results, finished, keys))
            raise
        finally:
            await close_all(endpoints)
    if complete:
        results.runs = list(everything.result())
    else:
        results = _partial(results, finished, keys)
    results.finished_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return saver.save(results)


def device_names() -> list[str]:
    """Playwright's device descriptor names (starts Playwright's driver, not a browser)."""
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            return sorted(playwright.devices)
    except Exception as exc:  # pragma: no cover - Playwright's driver itself is broken
        raise InfrastructureError(f"Playwright could not start: {exc}") from None
