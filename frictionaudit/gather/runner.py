"""Run journeys × channels in one browser and save what was observed.

One browser per run, a fresh context per journey × channel, up to ``workers`` contexts at once.
A failure in one run (a step that fails, a page that hangs, a crashed context) is recorded in that
run alone; the others go on. The results are written atomically at the end (and on interruption).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from frictionaudit import __version__
from frictionaudit.config.models import Config, Journey, step_label
from frictionaudit.errors import InfrastructureError
from frictionaudit.gather.browser import launch
from frictionaudit.gather.channels import channel_info, context_options
from frictionaudit.gather.journey_run import JourneyReplay, safe_name, steps_for
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

    def pairs(self) -> list[tuple[Journey, str]]:
        pairs = []
        for journey in self.journeys:
            for channel in journey.channels or list(self.config.channels):
                if self.channels is None or channel in self.channels:
                    pairs.append((journey, channel))
        return pairs


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
) -> JourneyRun:
    """Replay one journey on one channel in a fresh browser context."""
    return await JourneyReplay(browser, plan, journey, channel, devices, run_dir, progress).replay()


def _journey_info(journey: Journey, plan: GatherPlan) -> JourneyInfo:
    return JourneyInfo(
        id=journey.id,
        name=journey.name,
        description=journey.description,
        source=journey.source,
        steps=[step_label(s) for s in journey.steps],
        channels=[c for j, c in plan.pairs() if j.id == journey.id],
        disabled_rules=list(journey.rules.disable),
    )


async def gather(
    plan: GatherPlan,
    run_dir: Path,
    run_id: str,
    progress: ProgressListener | None = None,
) -> RunResults:
    """Replay every journey × channel of the plan and save ``results.json`` in ``run_dir``."""
    from playwright.async_api import async_playwright

    progress = progress or NullProgress()
    pairs = plan.pairs()
    progress.planned(len(pairs), sum(len(steps_for(j, c)) for j, c in pairs))
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
        },
        journeys=[_journey_info(j, plan) for j in plan.journeys],
    )
    run_dir.mkdir(parents=True, exist_ok=True)
    redactor = Redactor(plan.secrets)
    async with async_playwright() as playwright:
        devices = dict(playwright.devices)
        browser, choice = await launch(playwright, plan.browser_path)
        results.browser = f"{choice.describe()} {browser.version}"
        results.channels = [
            channel_info(name, plan.config, context_options(plan.config.channels[name], devices))
            for name in plan.config.channels
            if any(c == name for _, c in pairs)
        ]
        semaphore = asyncio.Semaphore(max(1, plan.workers))

        async def one(journey: Journey, channel: str) -> JourneyRun:
            async with semaphore:
                return await run_journey(browser, plan, journey, channel, devices, run_dir, progress)

        try:
            runs = await asyncio.gather(*(one(j, c) for j, c in pairs))
        finally:
            try:
                await asyncio.wait_for(browser.close(), 10)
            except Exception:
                pass
    results.runs = list(runs)
    results.finished_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    if redactor:
        results = RunResults.model_validate(redactor.tree(results.model_dump()))
    save_results(results, run_dir)
    return results


def device_names() -> list[str]:
    """Playwright's device descriptor names (starts Playwright's driver, not a browser)."""
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            return sorted(playwright.devices)
    except Exception as exc:  # pragma: no cover - Playwright's driver itself is broken
        raise InfrastructureError(f"Playwright could not start: {exc}") from None
