"""Requests: what was asked, what came back, what failed; and when the network went quiet.

Playwright's ``requestfailed`` does not fire for an HTTP 404, so statuses come from ``response``.
The in-flight count and the time of the last network activity let the replayer decide that a step
has settled (see ``replay.settle``), counting only the requests a step started itself
(:meth:`NetworkCollector.waiting_since`, :meth:`NetworkCollector.activity_since`): a request still
open from an earlier step (a long poll, a slow beacon) neither holds a later step nor moves its end.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from frictionaudit.gather.collectors import Bucketed, clip
from frictionaudit.results import Request

# Long-lived connections never finish; they must not keep a step from settling.
_NEVER_SETTLE = {"websocket", "eventsource"}
# The page itself cancelled the request (a navigation away, a body nobody reads).
_CANCELLED = "net::ERR_ABORTED"


class NetworkCollector(Bucketed):
    kind = "requests"

    def __init__(self, clock: Any) -> None:
        super().__init__(clock)
        self._open: dict[Any, Request] = {}
        # Requests with no response yet. A response whose body the page never reads (a failed
        # fetch it gives up on) never "finishes", so the response, not the body, ends the wait.
        self._waiting: set[Any] = set()
        self._starts: dict[Any, float] = {}  # every open request -> when it started (monotonic)
        self.last_activity = time.monotonic()
        # (when, when its request started) of recent request events, for activity_since.
        self._events: deque[tuple[float, float]] = deque(maxlen=5000)

    @property
    def inflight(self) -> int:
        return len(self._waiting)

    def waiting_since(self, since: float) -> list[float]:
        """When each request started at or after ``since`` that has no answer yet began (monotonic)."""
        return [self._starts[r] for r in self._waiting if self._starts[r] >= since]

    def activity_since(self, since: float) -> float | None:
        """The last event (start, answer, end, failure) of a request started at or after ``since``;
        None when no request started since then."""
        for at, started in reversed(self._events):  # newest first; none before ``since`` can count
            if at < since:
                return None
            if started >= since:
                return at
        return None

    def attach(self, page: Any) -> None:
        page.on("request", self._on_request)
        page.on("response", self._on_response)
        page.on("requestfinished", self._on_finished)
        page.on("requestfailed", self._on_failed)

    def _touch(self, request: Any) -> None:
        self.last_activity = time.monotonic()
        self._events.append((self.last_activity, self._starts.get(request, self.last_activity)))

    def _on_request(self, request: Any) -> None:
        if request.url.startswith("data:"):
            return
        redirected = request.redirected_from
        try:
            main_frame_navigation = request.is_navigation_request() and request.frame.parent_frame is None
        except Exception:  # service-worker requests have no frame
            main_frame_navigation = False
        record = Request(
            url=clip(request.url, 1000),
            method=request.method,
            resource_type=request.resource_type,
            started=self.clock.now(),
            is_navigation=main_frame_navigation,
            redirected_from=clip(redirected.url, 1000) if redirected else None,
        )
        self.add(record)
        self._open[request] = record
        now = time.monotonic()
        self._starts[request] = now
        if request.resource_type not in _NEVER_SETTLE:
            self._waiting.add(request)
        self._touch(request)

    def _on_response(self, response: Any) -> None:
        self._waiting.discard(response.request)
        record = self._open.get(response.request)
        if record is None:
            return
        record.status = response.status
        # Until the body has loaded (``requestfinished``), the time to the answer is what we know.
        record.duration = round(self.clock.now() - record.started, 4)
        length = response.headers.get("content-length")
        if length and length.isdigit():
            record.bytes = int(length)
        self._touch(response.request)

    def _on_finished(self, request: Any) -> None:
        self._waiting.discard(request)
        record = self._open.pop(request, None)
        if record is not None:
            record.duration = round(self.clock.now() - record.started, 4)
        self._touch(request)
        self._starts.pop(request, None)

    def _on_failed(self, request: Any) -> None:
        self._waiting.discard(request)
        record = self._open.pop(request, None)
        if record is not None:
            failure = request.failure or "failed"
            if record.status is not None and failure.startswith(_CANCELLED):
                # The answer came; the page dropped the body later (it navigated away, or a fetch
                # never read it). Not a failure, and the time until then is not the request's.
                pass
            else:
                record.failure = clip(failure, 300)
                record.duration = round(self.clock.now() - record.started, 4)
        self._touch(request)
        self._starts.pop(request, None)
