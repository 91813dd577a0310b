"""Replay one journey on one channel: steps, observations, screenshots, and one second try.

A customer who hits an error tries again. When a step fails (an error page, an element that does not
appear, an expectation not met), the replayer goes back to where that page began, repeats the
page's actions and the failed step once (``retries`` in frictionaudit.yaml), and the journey goes on
if that works: the step is marked ``retried`` with the first error. The journey is blocked only when
the second try fails too.

Nothing a page does can stall the run for long: every step has a hard limit
(``timeouts.step_seconds``), the journey a deadline (``timeouts.journey_seconds``, enforced again
around the whole replay), and a page whose main thread stops answering (an endless script) gets
no screenshot or probes until it answers again. When the browser itself goes away mid-journey,
the run is an infrastructure failure (status ``error``), never a blocked journey.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import os
import re
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
from frictionaudit.gather.collectors.page_events import DialogCollector, DownloadCollector, PopupCollector
from frictionaudit.gather.collectors.probes import PROBES, READ_ONLY_AFTER_STEP
from frictionaudit.gather.replay import ReplayContext, StepFailed, could_not_open, locate, responds, run_step
from frictionaudit.gather.screens import CHANGES_SCRIPT, LOOKING_ACTIONS, capture, look, page_print, screenshot
from frictionaudit.progress import ProgressListener
from frictionaudit.results import JourneyRun, StepResult

ERROR_PAGE_STATUS = 400
# A page whose main thread does not answer a trivial call within this is unresponsive.
RESPONSIVE_SECONDS = 3.0
# After the journey's deadline, this long to finish the step in progress before it is cut off.
JOURNEY_GRACE_SECONDS = 20.0
# All probes of one hook together, per step; and what one probe may store per step (JSON characters).
PROBE_BUDGET_SECONDS = {"before_step": 20.0, "after_step": 45.0}
PROBE_CAP_SECONDS = {"before_step": 15.0, "after_step": 30.0}
MAX_PROBE_EXTRA_CHARS = 200_000
# A second try stops waiting once the reopened page has been the same as the one that failed, with
# the network quiet, for this long (looked at every SAME_PAGE_POLL_SECONDS).
SAME_PAGE_SECONDS = 1.0
SAME_PAGE_POLL_SECONDS = 0.25


def steps_for(journey: Journey, channel: str) -> list[tuple[int, Any]]:
    """The (index, step) pairs that run on ``channel``; indexes are the journey's own."""
    return [(i, s) for i, s in enumerate(journey.steps) if s.channels is None or channel in s.channels]


class BrowserGone(Exception):
    """The browser process went away (crashed or killed) during the journey."""


# Playwright's words when the browser, the context or the page is gone under a call.
_GONE_SIGNS = ("Target page, context or browser has been closed", "Browser has been closed", "Target closed")
GONE_WAIT_TICKS = 40  # × 50 ms: how long a failure that says "closed" waits for the disconnection


def _failed_document(requests: list[Any]) -> Any | None:
    """The last main-frame document of a step, when it failed at the network level (not cancelled)."""
    documents = [r for r in requests if r.is_navigation]
    if documents and documents[-1].failure and not documents[-1].failure.startswith("net::ERR_ABORTED"):
        return documents[-1]
    return None


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
        repeat: int = 0,
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
        self.page_events = (DialogCollector(self.clock), PopupCollector(self.clock), DownloadCollector(self.clock))
        self.probes: list[Probe] = [cls(self.clock) for cls in PROBES]
        self.ctx = ReplayContext(
            base_url=channel_base_url(self.config, self.channel_config),
            env=plan.env,
            action_timeout=self.config.timeouts.action_seconds,
            navigation_timeout=self.config.timeouts.navigation_seconds,
            secrets=plan.secrets,  # shared by the run: a password typed here is masked in every run
        )
        self.unresponsive = False  # the page's main thread stopped answering (see _finish_step)
        self.current: tuple[int, StepResult] | None = None  # the step in progress: position and result
        self.shots = run_dir / "screens" / safe_name(journey.id) / safe_name(channel)
        if repeat:
            self.shots = self.shots / f"repeat-{repeat + 1}"
        self.seen_screens: set[str] = set()
        # The last screenshot taken, and the page's change mark just after it was taken.
        self.last_shot: str | None = None
        self.last_mark: str | None = None
        self.cdp: Any = None  # a DevTools session on cdp_page, for screenshots that leave the page alone
        self.cdp_page: Any = None
        # Where the current page began: the position in self.steps to repeat from, and the URL to
        # reopen first (None when that position is itself a goto).
        self.page_start = 0
        self.page_start_url: str | None = None
        self.run = JourneyRun(
            journey=journey.id,
            channel=channel,
            repeat=repeat,
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
        accept_any_certificate = self.config.ignore_https_errors or getattr(self.plan, "ignore_https_errors", False)
        https = {"ignore_https_errors": True} if accept_any_certificate else {}
        try:
            context = await self.browser.new_context(**self.options, **https, accept_downloads=False)
            await context.add_init_script(CHANGES_SCRIPT)
            for probe in self.probes:
                if probe.init_script:
                    await context.add_init_script(probe.init_script)
            page = await context.new_page()
            await apply_network(context, page, self.channel_config)
            for collector in (self.console, self.errors, self.network, self.navigations, *self.page_events):
                collector.attach(page)
            for probe in self.probes:
                probe.attach(page)
            if not self.run.user_agent:  # no channel setting: record what the browser really sends
                try:
                    self.run.user_agent = str(await asyncio.wait_for(page.evaluate("navigator.userAgent"), 5))
                except Exception:
                    pass
            try:
                hard_limit = self.deadline - time.monotonic() + JOURNEY_GRACE_SECONDS
                await asyncio.wait_for(self._steps(page), max(0.1, hard_limit))
            except TimeoutError:  # a step kept going past the deadline and its grace: cut it off
                self._overran()
        except BrowserGone as gone:
            self._browser_gone(str(gone))
        except Exception as exc:  # the browser or context failed us: infrastructure, not the service
            if not self.browser.is_connected():
                self._browser_gone()
            else:
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
            self.current = (position, result)
            self._check_browser()
            if self.unresponsive:  # the last step left the page busy: does it answer again?
                self.unresponsive = not await self._responds(page)
            await self._probe("before_step", page, step, result)
            step_t0 = time.monotonic()
            try:
                await self._attempt(page, step, result)
            except StepFailed as first:
                await self._check_gone(page, str(first))  # "target closed": the browser went away, not the service
                if first.hung:  # reloading a frozen page does not help (its renderer stays busy)
                    self.unresponsive = True
                    self._fail(result, str(first), step_t0)
                elif retries > 0 and time.monotonic() < self.deadline:
                    retries -= 1
                    await self._second_try(page, position, step, result, str(first))
                else:
                    self._fail(result, str(first), step_t0)
            if result.status == "failed" and result.duration == 0.0:
                result.duration = round(time.monotonic() - step_t0, 4)
            if result.status == "failed":
                await self._check_gone(page, str(result.error))
            await self._finish_step(page, position, step, result)
            if self.run.status == "blocked":
                self._skip_after(position)
                return

    def _skip_after(self, position: int) -> None:
        for later_index, later in self.steps[position + 1 :]:
            self.run.steps.append(
                StepResult(index=later_index, label=step_label(later), action=later.action, status="skipped")
            )

    def _check_browser(self) -> None:
        if not self.browser.is_connected():
            raise BrowserGone()

    async def _check_gone(self, page: Any, reason: str) -> None:
        """Raise :class:`BrowserGone` when a step failed because the browser (or this page) went away.

        A remote browser's disconnection reaches ``is_connected`` a moment after the calls it broke,
        so a failure in Playwright's words for "closed" waits briefly for it. A page closed under a
        connected browser is no fault of the service either.
        """
        self._check_browser()
        if not any(sign in reason for sign in _GONE_SIGNS):
            return
        for _ in range(GONE_WAIT_TICKS):
            await asyncio.sleep(0.05)
            self._check_browser()
        if page.is_closed():
            raise BrowserGone("the page or its browser context was closed")

    def _cut_off(self, status: str, reason: str) -> None:
        """End the run at the step in progress: it failed with ``reason``; the later steps are skipped."""
        if self.current is not None:
            position, result = self.current
            if all(done is not result for done in self.run.steps):
                result.status = "failed"
                result.error = reason
                self._drain(result)
                self.run.steps.append(result)
            self._skip_after(position)
            self.run.blocked_at = result.index if status == "blocked" else None
        self.run.status = status  # type: ignore[assignment]
        self.run.reason = reason

    def _overran(self) -> None:
        self._cut_off("blocked", f"the journey took longer than {self.config.timeouts.journey_seconds:g} s")

    def _browser_gone(self, what: str = "") -> None:
        where = f" at step {self.current[1].index + 1}" if self.current is not None else ""
        if what and self.browser.is_connected():
            self._cut_off("error", f"browser failure: {what} during the journey{where}")
        else:
            reason = f"browser failure: the browser stopped during the journey{where} (crashed or killed)"
            self._cut_off("error", reason)

    def _step_limit(self, step: Any) -> float:
        """The hard limit of one step: ``timeouts.step_seconds``, or longer when the step asks to wait longer."""
        own = getattr(step, "timeout", None) or 0.0
        wait = getattr(step, "wait", None)
        if wait is not None and getattr(wait, "seconds", None):
            own = max(own, wait.seconds)
        return max(self.config.timeouts.step_seconds, own + 5.0) if own else self.config.timeouts.step_seconds

    async def _attempt(self, page: Any, step: Any, result: StepResult) -> None:
        journey_message = f"the journey took longer than {self.config.timeouts.journey_seconds:g} s"
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise StepFailed(journey_message)
        limit = self._step_limit(step)
        requests_before = len(self.network.peek(self.clock.step))
        try:
            duration, captured = await asyncio.wait_for(
                run_step(page, step, self.ctx, self.network), min(remaining, limit)
            )
        except TimeoutError:
            if remaining <= limit:
                raise StepFailed(journey_message) from None
            raise StepFailed(
                f"the step did not finish within {limit:g} s (timeouts.step_seconds): the page stopped responding",
                hung=True,
            ) from None
        result.duration = round(duration, 4)
        result.captured = captured
        if step.action == "fill":
            result.metrics["keystrokes"] = len(resolve_env(step.fill.value, self.ctx.env))
        elif step.action == "press":
            result.metrics["keystrokes"] = 1
        if step.action in ("goto", "click", "press", "select", "check"):
            started = self.network.peek(self.clock.step)[requests_before:]
            failed = _failed_document(started)
            if failed is not None:  # the page the action led to never came (the server went away, ...)
                raise StepFailed(could_not_open(failed.url, failed.failure or ""))
            error_page = _error_document(started)
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
        failed_print = await page_print(page)  # the page as the first try left it
        try:
            if self.page_start_url is not None:
                await run_step(page, _Goto(self.page_start_url), self.ctx, self.network)
            for _, earlier in self.steps[start:position]:
                try:
                    await self._attempt(page, earlier, StepResult(index=0, label="", action=earlier.action))
                except StepFailed as exc:
                    raise StepFailed(f"on the second try, “{step_label(earlier)}” failed too: {exc}") from None
            await self._attempt_unless_same(page, step, result, failed_print, first_error)
            result.retried = True
        except StepFailed as second:
            self._fail(result, str(second), step_t0)

    async def _attempt_unless_same(
        self, page: Any, step: Any, result: StepResult, failed_print: str | None, first_error: str
    ) -> None:
        """The second try of a step, cut short when the reopened page is the one that failed.

        A page that came back exactly as the first try left it (same address, markup, values, scroll
        and focus) and stays so with the network quiet for ``SAME_PAGE_SECONDS`` is not going to grow
        the missing element: waiting out the whole timeout again would only cost time. A page that
        differs in any way (a flaky server, a late script) gets the full wait, as before.
        """
        attempt = asyncio.ensure_future(self._attempt(page, step, result))
        if failed_print is None:
            await attempt
            return
        same_since: float | None = None
        try:
            while True:
                done, _ = await asyncio.wait({attempt}, timeout=SAME_PAGE_POLL_SECONDS)
                if done:
                    attempt.result()
                    return
                now = time.monotonic()
                quiet = self.network.inflight == 0 and (same_since is None or self.network.last_activity < same_since)
                if quiet and await page_print(page) == failed_print:
                    same_since = now if same_since is None else same_since
                    if now - same_since >= SAME_PAGE_SECONDS:
                        raise StepFailed(f"{first_error}; on the second try the page came back the same")
                else:
                    same_since = None
        finally:
            if not attempt.done():
                attempt.cancel()
                await asyncio.gather(attempt, return_exceptions=True)

    def _fail(self, result: StepResult, reason: str, step_t0: float) -> None:
        result.status = "failed"
        result.error = reason
        result.duration = round(time.monotonic() - step_t0, 4)
        self.run.status = "blocked"
        self.run.blocked_at = result.index
        self.run.reason = reason

    async def _finish_step(self, page: Any, position: int, step: Any, result: StepResult) -> None:
        result.url = clip(page.url, 2000)
        result.title = ""
        if not self.unresponsive:
            try:
                result.title = clip(await asyncio.wait_for(page.title(), RESPONSIVE_SECONDS), 500)
            except TimeoutError:  # the main thread is busy (an endless script): no screenshot, no probes
                self.unresponsive = True
            except Exception:
                pass
        if self.unresponsive:
            result.extra["unresponsive"] = True
        result.screen = screen_key(result.url, result.title)
        result.new_screen = result.screen not in self.seen_screens
        self.seen_screens.add(result.screen)
        taking = None if self.unresponsive else await self._screenshot(page, step, result)
        try:
            if result.status == "ok":
                self._track_page_start(position, step, result)
                if self.unresponsive:
                    self._probe_error(f"step {result.index + 1}: the page did not respond; after_step probes skipped")
                else:
                    await self._probe("after_step", page, step, result, taking)
        finally:
            if taking is not None:
                await asyncio.gather(taking, return_exceptions=True)
        self._drain(result)
        self.run.steps.append(result)
        self.progress.step_done(self.run.key, result.label)

    async def _screenshot(self, page: Any, step: Any, result: StepResult) -> asyncio.Future[None] | None:
        """The step's screenshot; a step that only looked at an unchanged page shares the one before.

        A page with no secret on it is captured straight from the browser, which leaves the page
        alone: that capture is returned still running, for the read-only probes to run meanwhile.
        Otherwise Playwright takes it with the secrets masked, and it is done on return.
        """
        seen = await look(page, self.ctx.secrets)
        unchanged = seen.mark is not None and seen.mark == self.last_mark
        if step.action in LOOKING_ACTIONS and result.status == "ok" and unchanged and self.last_shot:
            result.screenshot = self.last_shot
            return None
        path = self.shots / f"{result.index + 1:02d}.jpg"
        cdp = await self._cdp(page) if seen.shown == [] else None
        if cdp is not None and not await self._secret_fields_here(page):
            self.last_mark = seen.mark  # the capture puts nothing into the page: the mark stays
            self.last_shot = None

            async def take() -> None:
                try:
                    shot = await capture(cdp, page.viewport_size, path)
                except Exception:  # the browser would not: Playwright's way (a rare race with the probes)
                    shot = await screenshot(page, path, self.ctx, [])
                self._shot_saved(result, shot)

            return asyncio.ensure_future(take())
        self._shot_saved(result, await screenshot(page, path, self.ctx, seen.shown))
        self.last_mark = (await look(page, set())).mark  # after Playwright's own marks came and went
        return None

    def _shot_saved(self, result: StepResult, shot: str | None) -> None:
        result.screenshot = os.path.relpath(shot, self.run_dir) if shot else None
        self.last_shot = result.screenshot

    async def _cdp(self, page: Any) -> Any:
        """A DevTools session on the page for straight captures; None where the browser gives none."""
        if self.cdp_page is not page:
            self.cdp_page, self.cdp = page, None
            try:
                self.cdp = await asyncio.wait_for(page.context.new_cdp_session(page), RESPONSIVE_SECONDS)
            except Exception:
                self.cdp = None
        return self.cdp

    async def _secret_fields_here(self, page: Any) -> bool:
        """Whether a field the journey typed a secret into is on this page (its screenshot masks it)."""
        for target in self.ctx.secret_targets:
            try:
                if await asyncio.wait_for(locate(page, target, visible=False).count(), RESPONSIVE_SECONDS):
                    return True
            except Exception:
                return True  # cannot tell: mask
        return False

    def _track_page_start(self, position: int, step: Any, result: StepResult) -> None:
        if step.action == "goto":
            self.page_start, self.page_start_url = position, None
            return
        navigated = self.navigations.peek(result.index)
        if navigated and _error_document(self.network.peek(result.index)) is None:
            self.page_start, self.page_start_url = position + 1, result.url

    def _probe_error(self, message: str) -> None:
        if len(self.run.probe_errors) < 50:
            self.run.probe_errors.append(message)

    async def _responds(self, page: Any) -> bool:
        return await responds(page, RESPONSIVE_SECONDS)

    async def _probe(
        self, hook: str, page: Any, step: Any, result: StepResult, taking: asyncio.Future[None] | None = None
    ) -> None:
        """Run every probe's hook, within its own cap and a budget for all; never longer on a hung page.

        Probes that only read the page run together (every probe before a step; after it, those in
        ``READ_ONLY_AFTER_STEP``, while ``taking``, the step's screenshot, is still being captured);
        the rest run one after the other once the screenshot is saved. Their problems are recorded
        in the probes' order, whichever finished first.
        """
        if not self.probes:
            return
        if self.unresponsive:
            self._probe_error(f"step {result.index + 1}: the page did not respond; {hook} probes skipped")
            return
        end = time.monotonic() + PROBE_BUDGET_SECONDS[hook]
        together = [p for p in self.probes if hook == "before_step" or isinstance(p, READ_ONLY_AFTER_STEP)]
        outcomes = await asyncio.gather(*(self._one_probe(hook, p, page, step, result, end) for p in together))
        if taking is not None:
            await asyncio.gather(taking, return_exceptions=True)
        if not await self._probes_done(hook, together, outcomes, page, result):
            return
        for probe in (p for p in self.probes if p not in together):
            if not await self._probes_done(
                hook, [probe], [await self._one_probe(hook, probe, page, step, result, end)], page, result
            ):
                return

    async def _one_probe(self, hook: str, probe: Probe, page: Any, step: Any, result: StepResult, end: float) -> Any:
        """Run one probe's hook within its cap; returns None, "late" (no time was left) or the exception."""
        left = min(PROBE_CAP_SECONDS[hook], end - time.monotonic())
        if left <= 0:
            return "late"
        try:
            if hook == "before_step":
                await asyncio.wait_for(probe.before_step(page, step), left)
            else:
                await asyncio.wait_for(probe.after_step(page, step, result), left)
        except Exception as exc:
            return exc
        return None

    async def _probes_done(
        self, hook: str, probes: list[Probe], outcomes: list[Any], page: Any, result: StepResult
    ) -> bool:
        """Record what these probes left (problems, oversized observations); False when later probes must not run."""
        hung = False
        for probe, outcome in zip(probes, outcomes, strict=True):
            if outcome == "late":
                self._probe_error(f"step {result.index + 1}: {hook} probes out of time; {probe.kind} and later skipped")
                return False
            if isinstance(outcome, Exception):
                what = f"{type(outcome).__name__}: {clip(str(outcome), 200)}"
                self._probe_error(f"{probe.kind} at step {result.index + 1}: {what}")
                hung = hung or isinstance(outcome, TimeoutError)
            if hook == "after_step":
                self._cap_extra(probe.kind, result)
        if hung and not await self._responds(page):
            self.unresponsive = True
            self._probe_error(f"step {result.index + 1}: the page stopped responding; later probes skipped")
            return False
        return True

    def _cap_extra(self, kind: str, result: StepResult) -> None:
        """A probe's observations larger than the cap are dropped (a broken probe or a hostile page)."""
        data = result.extra.get(kind)
        if data is None:
            return
        try:
            size = len(json.dumps(data, default=str))
        except (TypeError, ValueError):
            size = MAX_PROBE_EXTRA_CHARS + 1
        if size > MAX_PROBE_EXTRA_CHARS:
            del result.extra[kind]
            result.dropped[f"extra.{kind}"] = size
            self._probe_error(f"{kind} at step {result.index + 1}: {size:,} characters of observations dropped")

    def _drain(self, result: StepResult) -> None:
        index = result.index
        result.console, dropped_console = self.console.drain(index)
        result.page_errors, dropped_errors = self.errors.drain(index)
        result.requests, dropped_requests = self.network.drain(index)
        result.navigations, _ = self.navigations.drain(index)
        for collector in self.page_events:
            records, dropped = collector.drain(index)
            if records:
                result.extra[collector.kind] = records
            if dropped:
                result.dropped[collector.kind] = dropped
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


# Names Windows reserves for devices, with or without an extension ("con.txt" is the console too).
RESERVED_NAMES = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
MAX_NAME = 80


def safe_name(name: str) -> str:
    """A file-name-safe version of a journey or channel name, for a folder inside the run folder.

    Only ASCII letters, digits, '.', '_' and '-' survive (no separators, no '..', no dot first), at
    most 80 characters, never a reserved device name such as CON or NUL. A name that had to change
    gets a short hash of the original, so two names never share a folder ("blå" and "blø").
    """
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._-") or "unnamed"
    if cleaned.split(".")[0].upper() in RESERVED_NAMES:
        cleaned = "_" + cleaned
    if cleaned != name or len(cleaned) > MAX_NAME:
        digest = hashlib.sha1(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        cleaned = f"{cleaned[: MAX_NAME - 9].rstrip('._-')}-{digest}"
    return cleaned
