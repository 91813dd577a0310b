"""Dialogs, popups and downloads: what a page does to the customer besides showing itself.

A page may open alert, confirm or prompt dialogs, ask "leave this page?" (``beforeunload``), open
new windows, or start a download. A customer answers or closes these and goes on, and so does the
replay, which records each on the step during which it happened:

- ``extra["dialogs"]``: ``{type, message, answer, at}``. Dialogs are dismissed (Playwright's own
  default, so a journey behaves the same with or without this collector), except "leave this page?",
  which is accepted: the step asked to leave.
- ``extra["popups"]``: ``{url, at}``. The new window is closed at once; the journey stays on its page.
- ``extra["downloads"]``: ``{url, filename, at}``. Contexts are made with ``accept_downloads=False``,
  so the browser cancels the download and nothing is written anywhere.

A page that opens dialogs or windows in a loop is capped like every collector (``MAX_RECORDS_PER_STEP``).
"""

from __future__ import annotations

from typing import Any

from frictionaudit.gather.collectors import Bucketed, clip

POPUP_COMMIT_MS = 3000


class DialogCollector(Bucketed):
    kind = "dialogs"

    def attach(self, page: Any) -> None:
        page.on("dialog", self._on_dialog)

    async def _on_dialog(self, dialog: Any) -> None:
        accept = dialog.type == "beforeunload"
        self.add(
            {
                "type": dialog.type,
                "message": clip(dialog.message, 300),
                "answer": "accepted" if accept else "dismissed",
                "at": self.clock.now(),
            }
        )
        try:
            await (dialog.accept() if accept else dialog.dismiss())
        except Exception:  # the page or the dialog went away first
            pass


class PopupCollector(Bucketed):
    kind = "popups"

    def attach(self, page: Any) -> None:
        page.on("popup", self._on_popup)

    async def _on_popup(self, popup: Any) -> None:
        record: dict[str, Any] = {"url": "", "at": self.clock.now()}
        self.add(record)
        try:
            await popup.wait_for_load_state("commit", timeout=POPUP_COMMIT_MS)
        except Exception:
            pass
        try:
            record["url"] = clip(popup.url, 1000)
            await popup.close()
        except Exception:
            pass


class DownloadCollector(Bucketed):
    kind = "downloads"

    def attach(self, page: Any) -> None:
        page.on("download", self._on_download)

    def _on_download(self, download: Any) -> None:
        self.add(
            {
                "url": clip(download.url, 1000),
                "filename": clip(download.suggested_filename, 200),
                "at": self.clock.now(),
            }
        )
