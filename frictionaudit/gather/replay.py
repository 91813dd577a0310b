"""Replay one step on a page: find the element, do the action, wait for the page to settle.

Failure messages are written for a designer ("could not find link "Latest invoice" within 5 s"),
not as Playwright call logs.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from frictionaudit.config.loader import resolve_env
from frictionaudit.config.models import Locator

SETTLE_QUIET_SECONDS = 0.2
SETTLE_CAP_SECONDS = 15.0
_SETTLING_ACTIONS = {"goto", "click", "fill", "select", "check", "press", "hover", "scroll"}


class StepFailed(Exception):
    """The step could not be done; ``str()`` is the reason shown to the user."""


@dataclass
class ReplayContext:
    base_url: str
    env: Mapping[str, str]
    action_timeout: float
    navigation_timeout: float
    secret_targets: list[Locator] = field(default_factory=list)

    def url_for(self, target: str) -> str:
        target = resolve_env(target, self.env)
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", target):
            return target
        return self.base_url + ("" if target.startswith("/") else "/") + target


def locate(page: Any, loc: Locator, *, visible: bool = True) -> Any:
    """A Playwright locator for ``loc``; the first visible match when several elements match."""
    if loc.role is not None:
        kwargs: dict[str, Any] = {"exact": loc.exact}
        if loc.name is not None:
            kwargs["name"] = loc.name
        found = page.get_by_role(loc.role, **kwargs)
    elif loc.text is not None:
        found = page.get_by_text(loc.text, exact=loc.exact)
    elif loc.label is not None:
        found = page.get_by_label(loc.label, exact=loc.exact)
    elif loc.placeholder is not None:
        found = page.get_by_placeholder(loc.placeholder, exact=loc.exact)
    elif loc.testid is not None:
        found = page.get_by_test_id(loc.testid)
    else:
        found = page.locator(loc.css)
    if visible:
        found = found.filter(visible=True)
    return found.first


def _seconds(value: float) -> str:
    return f"{value:g} s"


def _reason(exc: Exception, what: str, timeout: float) -> str:
    name = type(exc).__name__
    text = str(exc)
    if name == "TimeoutError" or "Timeout" in text.split("\n", 1)[0]:
        if "not enabled" in text or "element is disabled" in text:
            return f"{what} stayed disabled for {_seconds(timeout)}"
        if "not stable" in text or "intercepts pointer events" in text or "not visible" in text:
            return f"{what} was found but could not be used within {_seconds(timeout)} (covered, moving or hidden)"
        return f"could not find {what} within {_seconds(timeout)}"
    first = text.strip().splitlines()[0] if text.strip() else name
    first = re.sub(r"^(Locator|Page|ElementHandle)\.\w+: ", "", first)
    return f"{what}: {first}"


async def _action(page: Any, step: Any, ctx: ReplayContext, timeout_ms: float) -> dict[str, str]:
    action = step.action
    captured: dict[str, str] = {}
    if action == "goto":
        url = ctx.url_for(step.goto)
        try:
            await page.goto(url, wait_until="load", timeout=ctx.navigation_timeout * 1000)
        except Exception as exc:
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            if "Timeout" in message:
                raise StepFailed(
                    f"the page {url} did not finish loading within {_seconds(ctx.navigation_timeout)}"
                ) from None
            match = re.search(r"net::(ERR_[A-Z_]+)", message)
            if match:
                raise StepFailed(f"could not open {url}: {match.group(1)}") from None
            raise StepFailed(f"could not open {url}: {message}") from None
        return captured
    if action == "click":
        await locate(page, step.click).click(timeout=timeout_ms)
    elif action == "fill":
        args = step.fill
        value = resolve_env(args.value, ctx.env)
        if args.secret:
            ctx.secret_targets.append(args)
        await locate(page, args).fill(value, timeout=timeout_ms)
    elif action == "select":
        target = locate(page, step.select)
        try:
            await target.select_option(label=step.select.option, timeout=timeout_ms)
        except Exception:
            await target.select_option(value=step.select.option, timeout=timeout_ms)
    elif action == "check":
        await locate(page, step.check).set_checked(step.check.checked, timeout=timeout_ms)
    elif action == "press":
        target = step.press.target()
        if target is not None:
            await locate(page, target).press(step.press.key, timeout=timeout_ms)
        else:
            await page.keyboard.press(step.press.key)
    elif action == "hover":
        await locate(page, step.hover).hover(timeout=timeout_ms)
    elif action == "scroll":
        args = step.scroll
        target = args.target()
        if target is not None:
            await locate(page, target).scroll_into_view_if_needed(timeout=timeout_ms)
        elif args.pixels is not None:
            await page.mouse.wheel(0, args.pixels)
        else:
            y = "0" if args.to == "top" else "document.scrollingElement.scrollHeight"
            await page.evaluate(f"window.scrollTo(0, {y})")
    elif action == "wait":
        target = step.wait.target()
        if target is not None:
            await locate(page, target).wait_for(state="visible", timeout=timeout_ms)
        else:
            await asyncio.sleep(step.wait.seconds)
    elif action == "expect":
        await _expect(page, step.expect, ctx, timeout_ms)
    elif action == "capture":
        args = step.capture
        text = await locate(page, args.target()).inner_text(timeout=timeout_ms)
        captured[args.name] = " ".join(text.split())
    return captured


async def _expect(page: Any, args: Any, ctx: ReplayContext, timeout_ms: float) -> None:
    if args.url is not None:
        glob = resolve_env(args.url, ctx.env)
        try:
            await page.wait_for_url(glob, timeout=timeout_ms, wait_until="commit")
        except Exception:
            raise StepFailed(f"expected the URL to match {glob}, but it is {page.url}") from None
    if args.text is not None:
        text = resolve_env(args.text, ctx.env)
        try:
            await page.get_by_text(text).filter(visible=True).first.wait_for(state="visible", timeout=timeout_ms)
        except Exception:
            raise StepFailed(f'expected to see the text "{text}", but it is not on the page') from None
    if args.title is not None:
        deadline = time.monotonic() + timeout_ms / 1000
        title = ""
        while True:
            title = await page.title()
            if args.title.lower() in title.lower():
                break
            if time.monotonic() > deadline:
                raise StepFailed(f'expected the title to contain "{args.title}", but it is "{title}"')
            await asyncio.sleep(0.1)
    if args.visible is not None:
        try:
            await locate(page, args.visible).wait_for(state="visible", timeout=timeout_ms)
        except Exception:
            raise StepFailed(f"expected {args.visible.describe()} to be visible, but it is not") from None
    if args.hidden is not None:
        try:
            await locate(page, args.hidden, visible=False).wait_for(state="hidden", timeout=timeout_ms)
        except Exception:
            raise StepFailed(f"expected {args.hidden.describe()} to be hidden, but it is visible") from None


def _target_description(step: Any) -> str:
    args = getattr(step, step.action, None)
    describe = getattr(args, "describe", None)
    if callable(describe):
        return str(describe())
    target = getattr(args, "target", None)
    if callable(target):
        loc = target()
        if loc is not None:
            return str(loc.describe())
    return step.action


async def run_step(page: Any, step: Any, ctx: ReplayContext, network: Any) -> tuple[float, dict[str, str]]:
    """Do the step; return (seconds until the page settled, captured facts). Raises :class:`StepFailed`."""
    timeout = step.timeout or ctx.action_timeout
    started = time.monotonic()
    try:
        captured = await _action(page, step, ctx, timeout * 1000)
    except StepFailed:
        raise
    except Exception as exc:
        raise StepFailed(_reason(exc, _target_description(step), timeout)) from None
    acted = time.monotonic()
    if step.action in _SETTLING_ACTIONS:
        settled = await settle(page, network, started)
        return max(settled, acted) - started, captured
    return acted - started, captured


async def settle(page: Any, network: Any, since: float) -> float:
    """Wait until the network has been quiet for a moment and the page has loaded.

    Returns the monotonic time at which the page settled (the last network activity, or now), so
    the quiet window itself is not counted in the step's duration.
    """
    deadline = time.monotonic() + SETTLE_CAP_SECONDS
    while time.monotonic() < deadline:
        quiet_for = time.monotonic() - network.last_activity
        if network.inflight == 0 and quiet_for >= SETTLE_QUIET_SECONDS:
            break
        await asyncio.sleep(0.03)
    try:
        await page.wait_for_load_state("load", timeout=max(0.1, deadline - time.monotonic()) * 1000)
    except Exception:
        pass
    last = network.last_activity if network.last_activity > since else since
    return min(last, time.monotonic())
