"""Replay one journey on one channel: steps, observations, screenshots, and one second try.

A customer who hits an error tries again. When a step fails (an error page, an element that does not
appear, an expectation not met), the replayer goes back to where that page began, repeats the
page's actions and the failed step once (``retries`` in frictionaudit.yaml), and the journey goes on
if that works: the step is marked ``retried`` with the first error. The journey is blocked only when
the second try fails too.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import time
from pathlib import Path
from typing import Any

from frictionaudit.config.loader import resolve_env
from frictionaudit.config.models import Journey, step_label
from frictionaudit.effort import screen_key
from frictionaudit.gather.channels import apply_network, channel_base_url, context_options
from frictionaudit.gather.collectors import Probe, StepClock, clip
from frictionaudit.gather.collectors.console import ConsoleCollector
from frictionaudit.gather.collectors.navigation import NavigationCollector
from frictionaudit.gather.collectors.network import NetworkCollector
from frictionaudit.gather.collectors.page_errors import PageErrorCollector
from frictionaudit.gather.collectors.probes import PROBES
from frictionaudit.gather.replay import ReplayContext, StepFailed, locate, run_step
from frictionaudit.progress import ProgressListener
from frictionaudit.results import JourneyRun, StepResult

SCREENSHOT_QUALITY = 70
ERROR_PAGE_STATUS = 400


def steps_for(journey: Journey, channel: str) -> list[tuple[int, Any]]:
    """The (index, step) pairs that run on ``channel``; indexes are the journey's own."""
    return [(i, s) for i, s in enumerate(journey.steps) if s.channels is None or channel in s.channels]


async def screenshot(page: Any, path: Path, ctx: ReplayContext) -> str | None:
    masks = [locate(page, loc, visible=False) for loc in ctx.secret_targets]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        await page.screenshot(
            path=str(path), type="jpeg", quality=SCREENSHOT_QUALITY, mask=masks, timeout=5000, animations="disabled"
        )
    except Exception:
        return None
    return path.as_posix()


def _error_document(requests: list[Any]) -> Any | None:
    """The last main-frame document of a step, when it is an error page."""
    documents = [r for r in requests if r.is_navigation and r.status is not None and not 300 <= r.status < 400]
    if documents and documents[-1].status >= ERROR_PAGE_STATUS:
        return documents[-1]
    return None


class JourneyReplay:
    """The state of one journey × channel replay."""

    def __init__(
        self,
        browser: Any,
        plan: Any,
        journey: Journey,
        channel: str,
        devices: dict[str, Any],
        run_dir: Path,
        progress: ProgressListener,
    ) -> None:
        self.browser = browser
        self.plan = plan
        self.config = plan.config
        self.journey = journey
        self.channel = channel
        self.channel_config = self.config.channels[channel]
        self.options = context_options(self.channel_config, devices)
        self.run_dir = run_dir
        self.progress = progress
        self.steps = steps_for(journey, channel)
        self.clock = StepClock()
        self.console = ConsoleCollector(self.clock)
        self.errors = PageErrorCollector(self.clock)
        self.network = NetworkCollector(self.clock)
        self.navigations = NavigationCollector(self.clock)
        self.probes: list[Probe] = [cls(self.clock) for cls in PROBES]
        self.ctx = ReplayContext(
            base_url=channel_base_url(self.config, self.channel_config),
            env=plan.env,
            action_timeout=self.config.timeouts.action_seconds,
            navigation_timeout=self.config.timeouts.navigation_seconds,
        )
        self.shots = run_dir / "screens" / safe_name(journey.id) / safe_name(channel)
        self.seen_screens: set[str] = set()
        # Where the current page began: the position in self.steps to repeat from, and the URL to
        # reopen first (None when that position is itself a goto).
        self.page_start = 0
        self.page_start_url: str | None = None
        self.run = JourneyRun(
            journey=journey.id,
            channel=channel,
            status="completed",
            started_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            user_agent=self.options.get("user_agent", ""),
            viewport=dict(self.options.get("viewport") or {}),
        )

    # -------------------------------------------------------------- the run

    async def replay(self) -> JourneyRun:
        t0 = time.monotonic()
        self.deadline = t0 + self.config.timeouts.journey_seconds
        context = None
        try:
            context = await self.browser.new_context(**self.options, accept_downloads=False)
            for probe in self.probes:
                if probe.init_script:
                    await context.add_init_script(probe.init_script)
            page = await context.new_page()
            await apply_network(context, page, self.channel_config)
            for collector in (self.console, self.errors, self.network, self.navigations, *self.probes):
                collector.attach(page)
            if not self.run.user_agent:  # no channel setting: record what the browser really sends
                try:
                    self.run.user_agent = str(await asyncio.wait_for(page.evaluate("navigator.userAgent"), 5))
                except Exception:
                    pass
            await self._steps(page)
        except Exception as exc:  # the browser or context failed us: infrastructure, not the service
            self.run.status = "error"
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            self.run.reason = f"browser failure: {clip(first, 300)}"
        finally:
            if context is not None:
                try:
                    await asyncio.wait_for(context.close(), 10)
                except Exception:
                    pass
        self.run.duration = round(time.monotonic() - t0, 4)
        done = {s.index for s in self.run.steps if s.status != "skipped"}
        self.progress.run_done(self.run.key, self.run.status, sum(1 for i, _ in self.steps if i not in done))
        return self.run

    async def _steps(self, page: Any) -> None:
        retries = self.config.retries
        for position, (index, step) in enumerate(self.steps):
            self.clock.step = index
            result = StepResult(index=index, label=step_label(step), action=step.action, started=self.clock.now())
            await self._probe("before_step", page, step, result)
            step_t0 = time.monotonic()
            try:
                await self._attempt(page, step, result)
            except StepFailed as first:
                if retries > 0 and time.monotonic() < self.deadline:
                    retries -= 1
                    await self._second_try(page, position, step, result, str(first))
                else:
                    self._fail(result, str(first), step_t0)
            if result.status == "failed" and result.duration == 0.0:
                result.duration = round(time.monotonic() - step_t0, 4)
            await self._finish_step(page, position, step, result)
            if self.run.status == "blocked":
                for later_index, later in self.steps[position + 1 :]:
                    self.run.steps.append(
                        StepResult(index=later_index, label=step_label(later), action=later.action, status="skipped")
                    )
                return

    async def _attempt(self, page: Any, step: Any, result: StepResult) -> None:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise StepFailed(f"the journey took longer than {self.config.timeouts.journey_seconds:g} s")
        requests_before = len(self.network.peek(self.clock.step))
        try:
            duration, captured = await asyncio.wait_for(run_step(page, step, self.ctx, self.network), remaining)
        except TimeoutError:
            raise StepFailed(f"the journey took longer than {self.config.timeouts.journey_seconds:g} s") from None
        result.duration = round(duration, 4)
        result.captured = captured
        if step.action == "fill":
            result.metrics["keystrokes"] = len(resolve_env(step.fill.value, self.ctx.env))
        elif step.action == "press":
            result.metrics["keystrokes"] = 1
        if step.action in ("goto", "click", "press", "select", "check"):
            error_page = _error_document(self.network.peek(self.clock.step)[requests_before:])
            if error_page is not None:
                raise StepFailed(f"the page answered HTTP {error_page.status} ({error_page.method} {error_page.url})")

    async def _second_try(self, page: Any, position: int, step: Any, result: StepResult, first_error: str) -> None:
        """Go back to where this page began, repeat its steps and this one; fail for good if it fails again."""
        step_t0 = time.monotonic()
        result.first_error = first_error
        shot = await screenshot(page, self.shots / f"{result.index + 1:02d}-first-try.jpg", self.ctx)
        result.first_screenshot = os.path.relpath(shot, self.run_dir) if shot else None
        start = min(self.page_start, position)
        result.retry_from = self.steps[start][0]
        try:
            if self.page_start_url is not None:
                await run_step(page, _Goto(self.page_start_url), self.ctx, self.network)
            for _, earlier in self.steps[start:position]:
                try:
                    await self._attempt(page, earlier, StepResult(index=0, label="", action=earlier.action))
                except StepFailed as exc:
                    raise StepFailed(f"on the second try, “{step_label(earlier)}” failed too: {exc}") from None
            await self._attempt(page, step, result)
            result.retried = True
        except StepFailed as second:
            self._fail(result, str(second), step_t0)

    def _fail(self, result: StepResult, reason: str, step_t0: float) -> None:
        result.status = "failed"
        result.error = reason
        result.duration = round(time.monotonic() - step_t0, 4)
        self.run.status = "blocked"
        self.run.blocked_at = result.index
        self.run.reason = reason

    async def _finish_step(self, page: Any, position: int, step: Any, result: StepResult) -> None:
        result.url = page.url
        try:
            result.title = await asyncio.wait_for(page.title(), 5)
        except Exception:
            result.title = ""
        result.screen = screen_key(result.url, result.title)
        result.new_screen = result.screen not in self.seen_screens
        self.seen_screens.add(result.screen)
        shot = await screenshot(page, self.shots / f"{result.index + 1:02d}.jpg", self.ctx)
        result.screenshot = os.path.relpath(shot, self.run_dir) if shot else None
        if result.status == "ok":
            self._track_page_start(position, step, result)
            await self._probe("after_step", page, step, result)
        self._drain(result)
        self.run.steps.append(result)
        self.progress.step_done(self.run.key, result.label)

    def _track_page_start(self, position: int, step: Any, result: StepResult) -> None:
        if step.action == "goto":
            self.page_start, self.page_start_url = position, None
            return
        navigated = self.navigations.peek(result.index)
        if navigated and _error_document(self.network.peek(result.index)) is None:
            self.page_start, self.page_start_url = position + 1, result.url

    async def _probe(self, hook: str, page: Any, step: Any, result: StepResult) -> None:
        for probe in self.probes:
            try:
                if hook == "before_step":
                    await asyncio.wait_for(probe.before_step(page, step), 15)
                else:
                    await asyncio.wait_for(probe.after_step(page, step, result), 30)
            except Exception as exc:
                message = f"{probe.kind} at step {result.index + 1}: {type(exc).__name__}: {clip(str(exc), 200)}"
                if len(self.run.probe_errors) < 50:
                    self.run.probe_errors.append(message)

    def _drain(self, result: StepResult) -> None:
        index = result.index
        result.console, dropped_console = self.console.drain(index)
        result.page_errors, dropped_errors = self.errors.drain(index)
        result.requests, dropped_requests = self.network.drain(index)
        result.navigations, _ = self.navigations.drain(index)
        for kind, count in (
            ("console", dropped_console),
            ("page_errors", dropped_errors),
            ("requests", dropped_requests),
        ):
            if count:
                result.dropped[kind] = count


class _Goto:
    """A synthetic ``goto`` step used to reopen the page a second try starts from."""

    action = "goto"
    timeout = None

    def __init__(self, url: str) -> None:
        self.goto = url


def safe_name(name: str) -> str:
    """A file-name-safe version of a journey or channel name (no separators, no dots first)."""
    import re

    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "unnamed"
    return cleaned[:80]
