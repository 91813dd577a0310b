"""Where journeys run: one local browser, or browsers elsewhere, fed from one shared queue.

Each endpoint — the local browser (launched here), a Playwright browser server (``--connect ws://``,
``playwright run-server`` or Browserless-compatible) or a Chromium started with remote debugging
(``--cdp http://``) — gets ``workers`` slots pulling journey × channel runs from one queue, so a fast
endpoint takes more work and the order of results never depends on who finished first.

When a browser dies mid-run, the runs it had in flight are marked infrastructure failures. A local
browser is launched again for the runs still waiting (at most ``MAX_RELAUNCHES`` times); a remote
endpoint that dies is dropped and the others take the rest. When no endpoint is left, the remaining
runs are marked infrastructure failures too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from frictionaudit.errors import InfrastructureError
from frictionaudit.gather.browser import launch, launch_problem
from frictionaudit.results import JourneyRun

MAX_RELAUNCHES = 2
CONNECT_TIMEOUT_MS = 30_000


@dataclass
class Endpoint:
    """One place to run browsers: ``kind`` is launch, connect or cdp."""

    kind: str
    address: str | None = None
    browser: Any = None
    label: str = ""
    relaunches: int = 0
    dead: bool = False
    problems: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return self.label or (self.address or "local browser")


def endpoints_from(connect: Sequence[str], cdp: Sequence[str]) -> list[Endpoint]:
    endpoints = [Endpoint("connect", address) for address in connect]
    endpoints += [Endpoint("cdp", address) for address in cdp]
    return endpoints or [Endpoint("launch")]


async def open_browser(playwright: Any, endpoint: Endpoint, browser_path: str | None) -> Any:
    """Start or reach the endpoint's browser; raises InfrastructureError when it cannot."""
    try:
        if endpoint.kind == "launch":
            browser, choice = await launch(playwright, browser_path)
            endpoint.label = choice.describe()
        elif endpoint.kind == "connect":
            browser = await playwright.chromium.connect(endpoint.address, timeout=CONNECT_TIMEOUT_MS)
            endpoint.label = f"browser server {endpoint.address}"
        else:
            browser = await playwright.chromium.connect_over_cdp(endpoint.address, timeout=CONNECT_TIMEOUT_MS)
            endpoint.label = f"CDP {endpoint.address}"
    except InfrastructureError:
        raise
    except Exception as exc:
        raise InfrastructureError(f"could not reach the browser at {endpoint.address}: {launch_problem(exc)}") from None
    endpoint.browser = browser
    return browser


def _failed(journey: Any, channel: str, repeat: int, reason: str) -> JourneyRun:
    return JourneyRun(journey=journey.id, channel=channel, repeat=repeat, status="error", reason=reason)


async def run_everywhere(
    playwright: Any,
    endpoints: list[Endpoint],
    pairs: Sequence[tuple[Any, str, int]],
    workers: int,
    browser_path: str | None,
    run_one: Callable[[Any, Any, str, int], Awaitable[JourneyRun]],
    on_skipped: Callable[[JourneyRun], None] | None = None,
) -> list[JourneyRun]:
    """Run every (journey, channel, repeat) on the endpoints; results in the order of ``pairs``."""
    results: list[JourneyRun | None] = [None] * len(pairs)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for position in range(len(pairs)):
        queue.put_nowait(position)
    locks = {id(e): asyncio.Lock() for e in endpoints}

    async def browser_of(endpoint: Endpoint) -> Any:
        async with locks[id(endpoint)]:
            if endpoint.dead:
                return None
            browser = endpoint.browser
            if browser is not None and browser.is_connected():
                return browser
            if browser is not None:  # it died
                if endpoint.kind != "launch" or endpoint.relaunches >= MAX_RELAUNCHES:
                    endpoint.dead = True
                    return None
                endpoint.relaunches += 1
            try:
                return await open_browser(playwright, endpoint, browser_path)
            except InfrastructureError as exc:
                endpoint.problems.append(str(exc))
                endpoint.dead = True
                return None

    async def slot(endpoint: Endpoint) -> None:
        while not queue.empty():
            browser = await browser_of(endpoint)
            if browser is None:
                return
            try:
                position = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            journey, channel, repeat = pairs[position]
            run = await run_one(browser, journey, channel, repeat)
            if run.status == "error" and not browser.is_connected():
                run.reason = f"{run.reason} (the browser at {endpoint.describe()} went away)"
            results[position] = run

    await asyncio.gather(*(slot(e) for e in endpoints for _ in range(max(1, workers))))
    problems = "; ".join(p for e in endpoints for p in e.problems) or "no browser was left to run it"
    for position, run in enumerate(results):
        if run is None:
            journey, channel, repeat = pairs[position]
            results[position] = skipped = _failed(journey, channel, repeat, f"not run: {problems}")
            if on_skipped:
                on_skipped(skipped)
    return [r for r in results if r is not None]


async def close_all(endpoints: list[Endpoint]) -> None:
    for endpoint in endpoints:
        if endpoint.browser is not None:
            try:
                await asyncio.wait_for(endpoint.browser.close(), 10)
            except Exception:
                pass
