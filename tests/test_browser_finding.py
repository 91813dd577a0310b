"""Finding a Chromium to drive (frictionaudit.gather.browser): the order of candidates and the errors.

``candidates`` is tested with fake executables on a PATH we control; ``launch`` really starts them
(and, where a test says so, the real browser), through the session's Playwright driver.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import LoopThread

from frictionaudit.errors import BrowserNotFoundError
from frictionaudit.gather import browser as finding
from frictionaudit.gather.browser import ENV_VAR, HOW_TO_GET_ONE, BrowserChoice, candidates, launch

NOT_A_BROWSER = '#!/bin/sh\necho "this is not a browser" >&2\nexit 3\n'


def executable(path: Path, text: str = NOT_A_BROWSER) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def playwright_with(own: Path | None) -> Any:
    """A stand-in for the Playwright object: only where its own Chromium download would be."""
    return SimpleNamespace(chromium=SimpleNamespace(executable_path=str(own) if own else "/nonexistent/chrome"))


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder that is the whole PATH, and no FRICTIONAUDIT_BROWSER."""
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", str(folder))
    monkeypatch.delenv(ENV_VAR, raising=False)
    return folder


@pytest.fixture
def no_fixed_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    """Look on PATH only: drop the absolute install locations (this machine may have them)."""
    monkeypatch.setattr(finding, "SYSTEM_HEADLESS_SHELLS", ("chromium-headless-shell",))
    monkeypatch.setattr(finding, "SYSTEM_BROWSERS", ("chromium", "google-chrome"))


# ---------------------------------------------------------------------------- candidates()


def test_explicit_path_comes_first_and_alone(bin_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    explicit = executable(tmp_path / "mine" / "chrome")
    executable(bin_dir / "chromium-headless-shell")
    monkeypatch.setenv(ENV_VAR, str(executable(tmp_path / "env" / "chrome")))
    assert candidates(str(explicit), playwright_with(tmp_path / "mine" / "chrome")) == [
        BrowserChoice(str(explicit), "--browser-path")
    ]


def test_env_var_is_used_when_no_explicit_path(bin_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from_env = executable(tmp_path / "env" / "chrome")
    executable(bin_dir / "chromium")
    monkeypatch.setenv(ENV_VAR, str(from_env))
    assert candidates(None, playwright_with(None)) == [BrowserChoice(str(from_env), ENV_VAR)]


def test_explicit_name_is_looked_up_on_path(bin_dir: Path) -> None:
    found = executable(bin_dir / "my-chrome")
    assert candidates("my-chrome", playwright_with(None)) == [BrowserChoice(str(found), "--browser-path")]


@pytest.mark.parametrize("how", ["explicit", "env"])
def test_a_path_that_is_not_executable_is_named_in_the_error(
    how: str, bin_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = tmp_path / "chrome.txt"
    plain.write_text("not a program", encoding="utf-8")
    executable(bin_dir / "chromium")  # a usable fallback must not hide the mistake
    if how == "env":
        monkeypatch.setenv(ENV_VAR, str(plain))
    with pytest.raises(BrowserNotFoundError) as caught:
        candidates(str(plain) if how == "explicit" else None, playwright_with(None))
    message = str(caught.value)
    assert str(plain) in message and "not an executable file" in message
    assert ("--browser-path" if how == "explicit" else ENV_VAR) in message


def test_missing_explicit_path_is_an_error(bin_dir: Path, tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "chrome"
    with pytest.raises(BrowserNotFoundError, match="not an executable file") as caught:
        candidates(str(missing), playwright_with(None))
    assert str(missing) in str(caught.value)


def test_discovery_order_playwright_own_then_headless_shell_then_browser(
    bin_dir: Path, tmp_path: Path, no_fixed_paths: None
) -> None:
    own = executable(tmp_path / "ms-playwright" / "chrome")
    shell = executable(bin_dir / "chromium-headless-shell")
    full = executable(bin_dir / "chromium")
    executable(bin_dir / "google-chrome")  # only the first system browser found is kept
    assert candidates(None, playwright_with(own)) == [
        BrowserChoice(None, "Playwright's own"),
        BrowserChoice(str(shell), "system headless shell"),
        BrowserChoice(str(full), "system browser"),
    ]
    assert candidates(None, playwright_with(None))[0] == BrowserChoice(str(shell), "system headless shell")


def test_nothing_found_says_how_to_get_a_browser(bin_dir: Path, no_fixed_paths: None) -> None:
    with pytest.raises(BrowserNotFoundError) as caught:
        candidates(None, playwright_with(None))
    assert str(caught.value) == HOW_TO_GET_ONE
    assert "python -m playwright install chromium" in HOW_TO_GET_ONE and ENV_VAR in HOW_TO_GET_ONE


def test_a_non_executable_file_on_path_is_not_a_candidate(bin_dir: Path, no_fixed_paths: None) -> None:
    (bin_dir / "chromium-headless-shell").write_text("not a program", encoding="utf-8")
    full = executable(bin_dir / "chromium")
    assert candidates(None, playwright_with(None)) == [BrowserChoice(str(full), "system browser")]


# ---------------------------------------------------------------------------- launch()


@pytest.fixture
def no_playwright_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever this machine has downloaded, Playwright's own build is not a candidate here."""
    monkeypatch.setattr(finding, "_playwright_own", lambda playwright: None)


def test_launch_with_a_bogus_explicit_executable_is_a_clear_error(
    aio: LoopThread, playwright: Any, tmp_path: Path
) -> None:
    bogus = executable(tmp_path / "bogus-chrome")
    with pytest.raises(BrowserNotFoundError) as caught:
        aio.run(launch(playwright, str(bogus)))
    message = str(caught.value)
    assert message.startswith("no browser could be started; tried:\n")
    # What was tried, why it failed (the browser's exit code and its own words), how to get one.
    assert f"{bogus} (--browser-path): " in message
    assert "it exited with code 3" in message and "it said: this is not a browser" in message
    assert "python -m playwright install chromium" in message and "apt-get install chromium" in message
    assert "no Chromium browser was found" not in message  # one was found; it would not start


@pytest.mark.browser
def test_launch_falls_through_a_broken_headless_shell_to_the_system_browser(
    aio: LoopThread,
    playwright: Any,
    bin_dir: Path,
    no_fixed_paths: None,
    no_playwright_own: None,
) -> None:
    real = shutil.which("chromium-headless-shell", path=os.defpath + ":/usr/bin") or shutil.which(
        "chromium", path=os.defpath + ":/usr/bin"
    )
    if real is None:
        pytest.skip("no system Chromium to fall through to")
    executable(bin_dir / "chromium-headless-shell")  # found first, and broken
    (bin_dir / "chromium").symlink_to(real)

    async def go() -> tuple[BrowserChoice, str]:
        browser, choice = await launch(playwright)
        try:
            return choice, browser.version
        finally:
            await browser.close()

    choice, version = aio.run(go())
    assert choice == BrowserChoice(str(bin_dir / "chromium"), "system browser")
    assert version and version[0].isdigit()


def test_launch_lists_every_browser_it_tried(
    aio: LoopThread,
    playwright: Any,
    bin_dir: Path,
    no_fixed_paths: None,
    no_playwright_own: None,
) -> None:
    shell = executable(bin_dir / "chromium-headless-shell")
    full = executable(bin_dir / "chromium", '#!/bin/sh\necho "broken install" >&2\nexit 7\n')
    with pytest.raises(BrowserNotFoundError) as caught:
        aio.run(launch(playwright))
    tried = [line for line in str(caught.value).splitlines() if line.startswith("  - /")]
    assert len(tried) == 2
    assert tried[0].startswith(f"  - {shell} (system headless shell): ")
    assert tried[0].endswith("; it exited with code 3; it said: this is not a browser")
    assert tried[1].startswith(f"  - {full} (system browser): ")
    assert tried[1].endswith("; it exited with code 7; it said: broken install")
