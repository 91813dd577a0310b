"""Console errors and warnings the page logs."""

from __future__ import annotations

from typing import Any

from frictionaudit.gather.collectors import Bucketed, clip
from frictionaudit.results import ConsoleMessage


class ConsoleCollector(Bucketed):
    kind = "console"

    def attach(self, page: Any) -> None:
        page.on("console", self._on_console)

    def _on_console(self, message: Any) -> None:
        level = message.type
        if level not in ("error", "warning"):
            return
        location = message.location or {}
        self.add(
            ConsoleMessage(
                level=level,
                text=clip(message.text),
                url=clip(location.get("url", ""), 500),
                line=location.get("lineNumber"),
                at=self.clock.now(),
            )
        )
