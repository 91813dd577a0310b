"""Uncaught exceptions and unhandled promise rejections in the page."""

from __future__ import annotations

from typing import Any

from frictionaudit.gather.collectors import Bucketed, clip
from frictionaudit.results import PageError


class PageErrorCollector(Bucketed):
    kind = "page_errors"

    def __init__(self, clock: Any) -> None:
        super().__init__(clock)
        self._page: Any = None

    def attach(self, page: Any) -> None:
        self._page = page
        page.on("pageerror", self._on_error)

    def _on_error(self, error: Any) -> None:
        try:
            url = self._page.url if self._page else ""
        except Exception:  # the page may be closing
            url = ""
        self.add(
            PageError(
                message=clip(getattr(error, "message", str(error))),
                name=clip(getattr(error, "name", "") or "", 200),
                stack=clip(getattr(error, "stack", "") or "", 4000),
                url=clip(url, 500),
                at=self.clock.now(),
            )
        )
