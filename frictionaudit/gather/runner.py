"""Run journeys × channels in one browser and save what was observed.

One browser per run, a fresh context per journey × channel, up to ``workers`` contexts at once.
A failure in one run (a step that fails, a page that hangs, a crashed context) is recorded in that
run alone; the others go on. The results are written atomically at the end (and on interruption).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from frictionaudit import __version__
from frictionaudit.config.models import Config, Journey, step_label
from frictionaudit.errors import InfrastructureError
from frictionaudit.gather.browser import launch
from frictionaudit.gather.channels import apply_network, channel_base_url, channel_info, context_options
from frictionaudit.gather.collectors import StepClock
from frictionaudit.gather.collectors.console import ConsoleCollector
from frictionaudit.gather.collectors.navigation import NavigationCollector
from frictionaudit.gather.collectors.network import NetworkCollector
from frictionaudit.gather.collectors.page_errors import PageErrorCollector
from frictionaudit.gather.replay import ReplayContext, StepFailed, locate, run_step
from frictionaudit.progress import NullProgress, ProgressListener
from frictionaudit.results import JourneyInfo, JourneyRun, RunResults, StepResult, save_results
from frictionaudit.secrets import Redactor

SCREENSHOT_QUALITY = 70
MAX_SCREENSHOT_HEIGHT = 4000


def safe_name(name: str) -> str:
    """A file-name-safe version of a journey or channel name (no separators, no dots first)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "unnamed"
    return cleaned[:80]


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


def steps_for(journey: Journey, channel: str) -> list[tuple[int, Any]]:
    return [(i, s) for i, s in enumerate(journey.steps) if s.channels is None or channel in s.channels]


def new_run_id() -> str:
    return dt.datetime.now().strftime("%Y%m%d-%H%M%S")


async def _screenshot(page: Any, path: Path, ctx: ReplayContext) -> str | None:
    masks = [locate(page, loc, visible=False) for loc in ctx.secret_targets]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        await page.screenshot(
            path=str(path),
            type="jpeg",
            quality=SCREENSHOT_QUALITY,
            mask=masks,
            timeout=5000,
            animations="disabled",
        )
    except Exception:
        return None
    return path.as_posix()


async def run_journey(
    browser: Any,
    plan: GatherPlan,
    journey: Journey,
    channel: str,
    devices: dict[str, Any],
    run_dir: Path,
    progress: ProgressListener,
) -> JourneyRun:
    config = plan.config
    channel_config = config.channels[channel]
    options = context_options(channel_config, devices)
    started_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    run = JourneyRun(
        journey=journey.id,
        channel=channel,
        status="completed",
        started_at=started_at,
        user_agent=options.get("user_agent", ""),
        viewport=dict(options.get("viewport") or {}),
    )
    steps = steps_for(journey, channel)
    key = run.key
    t0 = time.monotonic()
    context = None
    try:
        context = await browser.new_context(**options, accept_downloads=False)
        page = await context.new_page()
        await apply_network(context, page, channel_config)
        clock = StepClock()
        console, errors, network, navigations = (
            ConsoleCollector(clock),
            PageErrorCollector(clock),
            NetworkCollector(clock),
            NavigationCollector(clock),
        )
        for collector in (console, errors, network, navigations):
            collector.attach(page)
        ctx = ReplayContext(
            base_url=channel_base_url(config, channel_config),
            env=plan.env,
            action_timeout=config.timeouts.action_seconds,
            navigation_timeout=config.timeouts.navigation_seconds,
        )
        shots = run_dir / "screens" / safe_name(journey.id) / safe_name(channel)
        journey_deadline = t0 + config.timeouts.journey_seconds
        for position, (index, step) in enumerate(steps):
            clock.step = index
            result = StepResult(index=index, label=step_label(step), action=step.action, started=clock.now())
            remaining = journey_deadline - time.monotonic()
            try:
                if remaining <= 0:
                    raise StepFailed(f"the journey took longer than {config.timeouts.journey_seconds:g} s")
                duration, captured = await asyncio.wait_for(
                    run_step(page, step, ctx, network), timeout=remaining
                )
                result.duration = round(duration, 4)
                result.captured = captured
            except (TimeoutError, StepFailed) as exc:
                reason = str(exc) or f"the journey took longer than {config.timeouts.journey_seconds:g} s"
                result.status = "failed"
                result.error = reason
                result.duration = round(time.monotonic() - t0 - result.started, 4)
                run.status = "blocked"
                run.blocked_at = index
                run.reason = reason
            result.url = page.url
            try:
                result.title = await asyncio.wait_for(page.title(), 5)
            except Exception:
                result.title = ""
            shot = await _screenshot(page, shots / f"{index + 1:02d}.jpg", ctx)
            result.screenshot = os.path.relpath(shot, run_dir) if shot else None
            _drain(result, index, console, errors, network, navigations)
            run.steps.append(result)
            progress.step_done(key, result.label)
            if run.status == "blocked":
                for later_index, later in steps[position + 1 :]:
                    run.steps.append(
                        StepResult(
                            index=later_index, label=step_label(later), action=later.action, status="skipped"
                        )
                    )
                break
    except Exception as exc:  # the browser or context failed us: infrastructure, not the service
        run.status = "error"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        run.reason = f"browser failure: {first}"
    finally:
        if context is not None:
            try:
                await asyncio.wait_for(context.close(), 10)
            except Exception:
                pass
    run.duration = round(time.monotonic() - t0, 4)
    done_indexes = {s.index for s in run.steps if s.status != "skipped"}
    progress.run_done(key, run.status, sum(1 for i, _ in steps if i not in done_indexes))
    return run


def _drain(result: StepResult, index: int, *collectors: Any) -> None:
    console, errors, network, navigations = collectors
    result.console, dropped_console = console.drain(index)
    result.page_errors, dropped_errors = errors.drain(index)
    result.requests, dropped_requests = network.drain(index)
    result.navigations, _ = navigations.drain(index)
    for kind, count in (
        ("console", dropped_console),
        ("page_errors", dropped_errors),
        ("requests", dropped_requests),
    ):
        if count:
            result.dropped[kind] = count


def _journey_info(journey: Journey, plan: GatherPlan) -> JourneyInfo:
    return JourneyInfo(
        id=journey.id,
        name=journey.name,
        description=journey.description,
        source=journey.source,
        steps=[step_label(s) for s in journey.steps],
        channels=[c for j, c in plan.pairs() if j.id == journey.id],
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
