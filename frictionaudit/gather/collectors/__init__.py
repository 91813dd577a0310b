"""Collectors: every ``page.on(...)`` listener lives here.

Each collector is attached to a page once, files what it sees under the step that is running, and
hands its records to that step when the step ends (``drain``). Caps keep a hostile page from filling
memory: records beyond ``MAX_RECORDS_PER_STEP`` are counted, not kept.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

MAX_RECORDS_PER_STEP = 200
MAX_TEXT = 2000


@dataclass
class StepClock:
    """Shared by the collectors of one page: when the journey started and which step is running."""

    start: float = field(default_factory=time.monotonic)
    step: int = 0

    def now(self) -> float:
        return round(time.monotonic() - self.start, 4)


def clip(text: str | None, limit: int = MAX_TEXT) -> str:
    if not text:
        return ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Bucketed:
    """Records grouped by step index, capped per step."""

    kind = "records"

    def __init__(self, clock: StepClock) -> None:
        self.clock = clock
        self._by_step: dict[int, list[Any]] = {}
        self._dropped: dict[int, int] = {}

    def add(self, record: Any) -> None:
        bucket = self._by_step.setdefault(self.clock.step, [])
        if len(bucket) >= MAX_RECORDS_PER_STEP:
            self._dropped[self.clock.step] = self._dropped.get(self.clock.step, 0) + 1
            return
        bucket.append(record)

    def peek(self, step: int) -> list[Any]:
        """The records of ``step`` so far, without taking them."""
        return self._by_step.get(step, [])

    def drain(self, step: int) -> tuple[list[Any], int]:
        return self._by_step.pop(step, []), self._dropped.pop(step, 0)


class Probe:
    """A collector that looks at the page around each step (not only at events).

    Subclasses set ``kind`` (their key in ``StepResult.extra``), may set ``init_script`` (JavaScript
    added to every page before its own scripts run, e.g. PerformanceObservers), and override the
    hooks. A probe that raises is recorded in ``JourneyRun.probe_errors`` and never fails a step.
    """

    kind = "probe"
    init_script: str | None = None

    def __init__(self, clock: StepClock) -> None:
        self.clock = clock

    def attach(self, page: Any) -> None:
        """Register ``page.on(...)`` listeners (called once per page)."""

    async def before_step(self, page: Any, step: Any) -> None:
        """Just before the step's action."""

    async def after_step(self, page: Any, step: Any, result: Any) -> None:
        """After the step settled and its screenshot was taken; write to ``result.extra[self.kind]``
        or ``result.metrics``. ``result.new_screen`` says whether this screen is new in this run."""
