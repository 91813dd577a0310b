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
from frictionaudit.gather.collectors import clip

SETTLE_QUIET_SECONDS = 0.2
# A request of the step's own with no answer after this long is a background connection (see settle).
BACKGROUND_SECONDS = 10.0
MIN_SECRET_LENGTH = 3  # as frictionaudit.secrets: shorter values are not masked
# What a typed value makes secret by itself: a password field, or a one-time code or card number.
_SENSITIVE_FIELD_JS = (
    "e => (e.type || '').toLowerCase() === 'password'"
    " || /password|one-time-code|cc-number|cc-csc/i.test(e.getAttribute('autocomplete') || '')"
)
# Chromium's network errors in words (the code stays, for searching); ERR_CONNECTION_REFUSED says enough.
_NET_ERRORS = {
    "ERR_NAME_NOT_RESOLVED": "the server's name was not found in DNS",
    "ERR_NAME_RESOLUTION_FAILED": "the server's name could not be looked up in DNS",
    "ERR_TOO_MANY_REDIRECTS": "the page redirects in a loop",
    "ERR_CONNECTION_RESET": "the server dropped the connection",
    "ERR_CONNECTION_CLOSED": "the server closed the connection without an answer",
    "ERR_EMPTY_RESPONSE": "the server closed the connection without an answer",
    "ERR_CONNECTION_TIMED_OUT": "the server did not answer",
    "ERR_ADDRESS_UNREACHABLE": "the server cannot be reached from here",
    "ERR_INTERNET_DISCONNECTED": "this machine is offline",
}
_CERT_HINT = (
    "the site's HTTPS certificate is not valid here; for a test server with its own certificate, use "
    "--ignore-https-errors or ignore_https_errors: true in frictionaudit.yaml"
)
_SETTLING_ACTIONS = {"goto", "click", "fill", "select", "check", "press", "hover", "scroll"}


class StepFailed(Exception):
    """The step could not be done; ``str()`` is the reason shown to the user.

    ``hung``: the page stopped responding (its main thread is stuck), so trying again is no use.
    """

    def __init__(self, reason: str, *, hung: bool = False) -> None:
        super().__init__(reason)
        self.hung = hung


RESPONDS_SECONDS = 2.0  # after an action timed out: a page that does not answer a trivial call is frozen


async def responds(page: Any, seconds: float = RESPONDS_SECONDS) -> bool:
    """Whether the page's main thread answers a trivial call within ``seconds`` (an error page that
    cannot run scripts, or a closed one, is not a frozen page: only a call that never returns is)."""
    try:
        await asyncio.wait_for(page.evaluate("1"), seconds)
    except TimeoutError:
        return False
    except Exception:
        return True
    return True


@dataclass
class ReplayContext:
    base_url: str
    env: Mapping[str, str]
    action_timeout: float
    navigation_timeout: float
    secret_targets: list[Locator] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)  # values to mask; a password typed into a field joins them

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


async def _when_visible(page: Any, loc: Locator, timeout_ms: float) -> Any:
    """The element, once visible (``timeouts.action_seconds``).

    The action that follows gets the navigation timeout instead: Playwright's actions wait for the
    navigation they start to commit, and a slow answer to a click is a slow step, not a failed one.
    """
    target = locate(page, loc)
    await target.wait_for(state="visible", timeout=timeout_ms)
    return target


def _seconds(value: float) -> str:
    return f"{value:g} s"


# Playwright's call log when another element takes the click: "- <div id="consent">…</div> intercepts
# pointer events", or "- <p>…</p> from <div id="consent">…</div> subtree intercepts pointer events".
_COVERED = re.compile(
    r"- (<[^\n]+?>)(?:…</[\w-]+>)?(?: from (<[^\n]+?>)(?:…</[\w-]+>)? subtree)? intercepts pointer events"
)


def covered_by(log: str) -> str | None:
    """The element that lay over the target the last time Playwright tried to click it (its opening tag)."""
    found = _COVERED.findall(log)
    if not found:
        return None
    inner, outer = found[-1]
    return clip(outer or inner, 160)


def _reason(exc: Exception, what: str, timeout: float) -> str:
    name = type(exc).__name__
    text = str(exc)
    if name == "TimeoutError" or "Timeout" in text.split("\n", 1)[0]:
        if "not enabled" in text or "element is disabled" in text:
            return f"{what} stayed disabled for {_seconds(timeout)}"
        cover = covered_by(text)
        if cover:  # a cookie banner, a dialog, a chat bubble over the control
            return f"{what} could not be clicked: {cover} lay over it"
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
            if "Download is starting" in message:
                return captured  # the address is a file: the customer got it (recorded as a download)
            raise StepFailed(could_not_open(url, message)) from None
        return captured
    if action == "click":
        await (await _when_visible(page, step.click, timeout_ms)).click(timeout=ctx.navigation_timeout * 1000)
    elif action == "fill":
        args = step.fill
        value = resolve_env(args.value, ctx.env)
        if args.secret:
            ctx.secret_targets.append(args)
        target = locate(page, args)
        await target.fill(value, timeout=timeout_ms)
        if not args.secret and await _sensitive(target, value, ctx):
            ctx.secret_targets.append(args)
            if len(value) >= MIN_SECRET_LENGTH:
                ctx.secrets.add(value)
    elif action == "select":
        target = await _when_visible(page, step.select, timeout_ms)
        try:
            await target.select_option(label=step.select.option, timeout=ctx.navigation_timeout * 1000)
        except Exception:
            await target.select_option(value=step.select.option, timeout=ctx.navigation_timeout * 1000)
    elif action == "check":
        await (await _when_visible(page, step.check, timeout_ms)).set_checked(
            step.check.checked, timeout=ctx.navigation_timeout * 1000
        )
    elif action == "press":
        target = step.press.target()
        if target is not None:
            await (await _when_visible(page, target, timeout_ms)).press(
                step.press.key, timeout=ctx.navigation_timeout * 1000
            )
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
        captured[args.name] = clip(" ".join(text.split()), 2000)
    return captured


def could_not_open(url: str, failure: str) -> str:
    """Why a page could not be opened, from Chromium's error text ("net::ERR_NAME_NOT_RESOLVED ...")."""
    match = re.search(r"net::(ERR_[A-Z0-9_]+)", failure)
    if not match:
        return f"could not open {url}: {failure}"
    code = match.group(1)
    words = _NET_ERRORS.get(code) or (_CERT_HINT if "CERT" in code or "SSL" in code else None)
    return f"could not open {url}: {code}" + (f" ({words})" if words else "")


async def _sensitive(target: Any, value: str, ctx: ReplayContext) -> bool:
    """The value holds a known secret, or the field is one whose value is secret by nature."""
    if any(secret in value for secret in ctx.secrets):
        return True
    try:
        return bool(await target.evaluate(_SENSITIVE_FIELD_JS, timeout=1000))
    except Exception:
        return False


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
    except Exception as exc:
        reason = str(exc) if isinstance(exc, StepFailed) else _reason(exc, _target_description(step), timeout)
        if not await responds(page):  # a frozen page, not a missing element: say so, and do not retry
            raise StepFailed(f"the page stopped responding (a script kept it busy): {reason}", hung=True) from None
        raise StepFailed(reason) from None
    acted = time.monotonic()
    if step.action in _SETTLING_ACTIONS:
        settled = await settle(page, network, started, ctx.navigation_timeout)
        return max(settled, acted) - started, captured
    return acted - started, captured


async def settle(page: Any, network: Any, since: float, cap: float) -> float:
    """Wait until the step's own requests have been quiet for a moment and the page has loaded (at
    most ``cap`` s).

    The action itself waited for the navigation it started to commit; this waits for the rest.
    Only the requests the step started count (``since`` is when its action began): one still open
    from an earlier step (a long poll, a slow beacon) holds nothing. A request of its own open for
    ``BACKGROUND_SECONDS`` without an answer is taken for a background connection (a long poll a
    chat or a push service keeps open) and is not waited for either.

    Returns the monotonic time at which the page settled (the step's last network activity, or
    now), so the quiet window itself is not counted in the step's duration.
    """
    deadline = time.monotonic() + cap
    while time.monotonic() < deadline:
        now = time.monotonic()
        waiting = [started for started in network.waiting_since(since) if now - started < BACKGROUND_SECONDS]
        own = network.activity_since(since)  # with none of its own, quiet counts from the last of any
        if not waiting and now - (network.last_activity if own is None else own) >= SETTLE_QUIET_SECONDS:
            break
        await asyncio.sleep(0.03)
    try:
        await page.wait_for_load_state("load", timeout=max(0.1, deadline - time.monotonic()) * 1000)
    except Exception:
        pass
    own = network.activity_since(since)
    return min(since if own is None else own, time.monotonic())
