"""Find a Chromium to drive, and launch it.

Order: ``--browser-path`` / ``FRICTIONAUDIT_BROWSER``, Playwright's own download, a system
``chromium-headless-shell`` (several times cheaper per journey), a system Chromium or Chrome.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from typing import Any

from frictionaudit.errors import BrowserNotFoundError

ENV_VAR = "FRICTIONAUDIT_BROWSER"

SYSTEM_HEADLESS_SHELLS = ("chromium-headless-shell", "/usr/lib/chromium/chromium-headless-shell")
SYSTEM_BROWSERS = (
    "chromium",
    "chromium-browser",
    "google-chrome-stable",
    "google-chrome",
    "chrome",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
)

_WAYS = """in any of these ways:
  - python -m playwright install chromium            (downloads Playwright's own build)
  - sudo apt-get install chromium-headless-shell      (Debian/Ubuntu; or: chromium)
  - brew install --cask chromium                      (macOS)
  - or point at an installed one: --browser-path /path/to/chrome  or  export FRICTIONAUDIT_BROWSER=/path/to/chrome"""
HOW_TO_GET_ONE = "no Chromium browser was found. Get one " + _WAYS


@dataclass(frozen=True)
class BrowserChoice:
    """Which browser to launch: ``path`` None means Playwright's own download."""

    path: str | None
    origin: str

    def describe(self) -> str:
        return f"{self.path or 'Playwright Chromium'} ({self.origin})"


def _resolve(candidate: str) -> str | None:
    if os.sep in candidate:
        return candidate if os.path.isfile(candidate) and os.access(candidate, os.X_OK) else None
    return shutil.which(candidate)


def _playwright_own(playwright: Any) -> str | None:
    try:
        path = playwright.chromium.executable_path
    except Exception:
        return None
    return path if path and os.path.exists(path) else None


def candidates(explicit: str | None, playwright: Any) -> list[BrowserChoice]:
    """Every usable browser in order of preference (the first that launches wins)."""
    chosen = explicit or os.environ.get(ENV_VAR)
    if chosen:
        path = _resolve(chosen)
        if path is None:
            origin = "--browser-path" if explicit else ENV_VAR
            raise BrowserNotFoundError(f"{origin} names {chosen!r}, which is not an executable file")
        return [BrowserChoice(path, "--browser-path" if explicit else ENV_VAR)]
    found: list[BrowserChoice] = []
    if _playwright_own(playwright):
        found.append(BrowserChoice(None, "Playwright's own"))
    for name in SYSTEM_HEADLESS_SHELLS:
        path = _resolve(name)
        if path:
            found.append(BrowserChoice(path, "system headless shell"))
            break
    for name in SYSTEM_BROWSERS:
        path = _resolve(name)
        if path:
            found.append(BrowserChoice(path, "system browser"))
            break
    if not found:
        raise BrowserNotFoundError(HOW_TO_GET_ONE)
    return found


async def launch(playwright: Any, explicit: str | None = None) -> tuple[Any, BrowserChoice]:
    """Launch the first browser that starts; raise :class:`BrowserNotFoundError` when none does."""
    problems: list[str] = []
    for choice in candidates(explicit, playwright):
        try:
            browser = await playwright.chromium.launch(
                executable_path=choice.path,
                headless=True,
                args=["--disable-background-networking", "--disable-component-update", "--no-first-run"],
            )
        except Exception as exc:
            problems.append(f"{choice.describe()}: {launch_problem(exc)}")
            continue
        return browser, choice
    raise BrowserNotFoundError(
        "no browser could be started; tried:\n  - " + "\n  - ".join(problems) + "\nGet a working one " + _WAYS
    )


def launch_problem(exc: BaseException) -> str:
    """Why a launch failed, in one line.

    Playwright's first line often says little ("Target page, context or browser has been closed");
    the browser's exit code and its own error output, further down, say why.
    """
    text = str(exc).strip()
    if not text:
        return type(exc).__name__
    first = re.sub(r"^\w+\.launch: ", "", text.splitlines()[0]).strip()
    said: list[str] = []
    for match in re.finditer(r"\[pid=\d+\]\[err\] *(.*\S)", text):
        line = match.group(1)[:200]
        if line not in said:
            said.append(line)
    parts = [first]
    exited = re.search(r"<process did exit: exitCode=(\w+), signal=(\w+)>", text)
    if exited and exited.group(1) != "null":
        parts.append(f"it exited with code {exited.group(1)}")
    elif exited and exited.group(2) != "null":
        parts.append(f"it was stopped by {exited.group(2)}")
    if said:
        parts.append("it said: " + " | ".join(said[:3]))
    return "; ".join(parts)
