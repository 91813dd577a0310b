"""Main-frame navigations: the screens a customer passed through during a step."""

from __future__ import annotations

from typing import Any

from frictionaudit.gather.collectors import Bucketed, clip


class NavigationCollector(Bucketed):
    kind = "navigations"

    def attach(self, page: Any) -> None:
        self._main = page.main_frame
        page.on("framenavigated", self._on_navigated)

    def _on_navigated(self, frame: Any) -> None:
        if frame is self._main or frame.parent_frame is None:
            self.add(clip(frame.url, 1000))
