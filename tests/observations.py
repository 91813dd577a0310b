"""A tiny builder of saved observations (``RunResults``) for tests of the pure stages.

Write only what a test is about; everything else gets a quiet default::

    results(
        run("pay", "mobile",
            step(0, "Open /invoices", path="/invoices"),
            step(1, "Click Pay now", requests=[req("/img/logo.png", 404, "image")]),
        ),
        channels={"desktop": 0.7, "mobile": 0.3},
    )

Journeys and channels a run mentions are added on their own (weight 1, step labels taken from the
runs' steps) unless given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from frictionaudit.results import (
    ChannelInfo,
    ConsoleMessage,
    JourneyInfo,
    JourneyRun,
    PageError,
    Request,
    RunResults,
    StepResult,
)

BASE = "https://shop.test"
StepStatus = Literal["ok", "failed", "skipped"]


def url(path: str) -> str:
    """An absolute URL on the test site, or ``path`` itself when it already is one."""
    return path if "://" in path else f"{BASE}{path}"


def req(
    path: str,
    status: int | None = 200,
    resource_type: str = "document",
    *,
    failure: str | None = None,
    method: str = "GET",
    duration: float | None = None,
) -> Request:
    return Request(
        url=url(path), status=status, resource_type=resource_type, failure=failure, method=method, duration=duration
    )


def failed(path: str, failure: str, resource_type: str = "script") -> Request:
    """A request that got no answer (no status), as Chromium reports it."""
    return req(path, None, resource_type, failure=failure)


def console(text: str, level: Literal["error", "warning"] = "error") -> ConsoleMessage:
    return ConsoleMessage(level=level, text=text, at=0.0)


def page_error(message: str, name: str = "", page: str = "", stack: str = "") -> PageError:
    return PageError(message=message, name=name, stack=stack, url=url(page) if page else "")


def step(
    index: int,
    label: str = "",
    *,
    action: str = "click",
    status: StepStatus = "ok",
    duration: float = 0.5,
    path: str = "/",
    title: str = "Shop",
    console: Iterable[ConsoleMessage] = (),
    page_errors: Iterable[PageError] = (),
    requests: Iterable[Request] = (),
) -> StepResult:
    return StepResult(
        index=index,
        label=label or f"Step {index + 1}",
        action=action,
        status=status,
        started=0.0,
        duration=duration,
        url=url(path),
        title=title,
        console=list(console),
        page_errors=list(page_errors),
        requests=list(requests),
        screenshot=f"screens/{index + 1:02d}.jpg",
    )


def run(
    journey: str,
    channel: str,
    *steps: StepResult,
    blocked_at: int | None = None,
    reason: str | None = None,
    status: Literal["completed", "blocked", "error"] | None = None,
) -> JourneyRun:
    """A journey × channel run; blocked when ``blocked_at`` is given."""
    if status is None:
        status = "blocked" if blocked_at is not None else "completed"
    return JourneyRun(
        journey=journey, channel=channel, status=status, blocked_at=blocked_at, reason=reason, steps=list(steps)
    )


def results(
    *runs: JourneyRun,
    channels: Mapping[str, float] | None = None,
    journeys: Mapping[str, str] | None = None,
    steps: Mapping[str, list[str]] | None = None,
    budget: float | None = 3.0,
    run_id: str = "test-run",
    **fields: Any,
) -> RunResults:
    """Saved results holding ``runs``.

    ``channels`` maps name → weight, ``journeys`` id → name, ``steps`` id → every step label (for a
    journey whose runs stop early). ``budget`` is ``budgets.step_seconds`` (None: no settings).
    """
    channel_weights = dict(channels or {})
    for r in runs:
        channel_weights.setdefault(r.channel, 1.0)
    labels: dict[str, dict[int, str]] = {}
    for r in runs:
        for s in r.steps:
            labels.setdefault(r.journey, {}).setdefault(s.index, s.label)
    journey_ids = list(dict.fromkeys([*(journeys or {}), *(steps or {}), *labels]))
    infos = []
    for jid in journey_ids:
        known = labels.get(jid, {})
        step_labels = (steps or {}).get(jid) or [
            known.get(i, f"Step {i + 1}") for i in range(max(known, default=-1) + 1)
        ]
        infos.append(
            JourneyInfo(
                id=jid,
                name=(journeys or {}).get(jid, jid),
                steps=step_labels,
                channels=sorted({r.channel for r in runs if r.journey == jid}),
            )
        )
    return RunResults(
        run_id=run_id,
        base_url=BASE,
        settings={} if budget is None else {"budgets": {"step_seconds": budget}},
        channels=[ChannelInfo(name=name, base_url=BASE, weight=w) for name, w in channel_weights.items()],
        journeys=infos,
        runs=list(runs),
        **fields,
    )
