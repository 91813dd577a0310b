"""``frictionaudit install-browser``: get a Chromium the way that works on this machine.

First Playwright's own download (works wherever its download host is reachable), then the system
package on Debian/Ubuntu when running as root (or with passwordless sudo). Otherwise it says what
to do by hand.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable

from frictionaudit.errors import BrowserNotFoundError
from frictionaudit.gather.browser import HOW_TO_GET_ONE, SYSTEM_BROWSERS, SYSTEM_HEADLESS_SHELLS, _resolve

APT_PACKAGES = ["chromium", "chromium-headless-shell"]


def _found() -> str | None:
    for name in (*SYSTEM_HEADLESS_SHELLS, *SYSTEM_BROWSERS):
        path = _resolve(name)
        if path:
            return path
    return None


def _playwright_download(say: Callable[[str], None]) -> bool:
    say("Trying Playwright's own Chromium download…")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "playwright", "install", "chromium"],
            timeout=900,
            capture_output=True,
            text=True,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        say(f"  Playwright's download did not work: {exc}")
        return False
    if done.returncode == 0:
        return True
    last = (done.stderr or done.stdout).strip().splitlines()
    say(f"  Playwright's download did not work: {last[-1] if last else 'exit ' + str(done.returncode)}")
    return False


def _apt(say: Callable[[str], None]) -> bool:
    if not shutil.which("apt-get"):
        return False
    prefix: list[str] = []
    if os.geteuid() != 0:
        if not shutil.which("sudo") or subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode != 0:
            say("  apt-get needs root: run  sudo apt-get install -y " + " ".join(APT_PACKAGES))
            return False
        prefix = ["sudo", "-n"]
    say("Installing the system packages " + ", ".join(APT_PACKAGES) + " with apt-get…")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *APT_PACKAGES]):
        done = subprocess.run(prefix + command, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            say(f"  {' '.join(command)} failed: {(done.stderr or done.stdout).strip()[-300:]}")
            return False
    return True


def _playwright_own() -> str | None:
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            path = playwright.chromium.executable_path
    except Exception:
        return None
    return path if path and os.path.exists(path) else None


def install_browser(say: Callable[[str], None]) -> str:
    """Make a browser available; return what was done. Raises when nothing worked."""
    existing = _playwright_own() or _found()
    if existing:
        return f"A browser is already installed: {existing}"
    if _playwright_download(say):
        return "Playwright's Chromium is installed."
    if _apt(say) and _found():
        return f"Installed the system Chromium: {_found()}"
    raise BrowserNotFoundError(HOW_TO_GET_ONE)
