"""Ctrl-C and SIGTERM: stop a run cleanly, keep what finished, exit 130 or 143.

During a run (``stop_on_signals``) the first Ctrl-C or SIGTERM asks the run to stop: no further
journey starts, the journeys in flight are cancelled and their browser contexts closed, and what
finished is saved (``results.json`` with ``interrupted: true``), audited and reported. A second
signal stops at once; what finished is still saved. Outside a run, SIGTERM unwinds like Ctrl-C
(:class:`Terminated`), so the process never dies halfway through writing a file.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

from frictionaudit.errors import ExitCode

SIGNAL_NAMES: dict[int, str] = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}
EXIT_CODES: dict[int, ExitCode] = {signal.SIGINT: ExitCode.INTERRUPTED, signal.SIGTERM: ExitCode.TERMINATED}

_received: list[int] = []


class Terminated(KeyboardInterrupt):
    """SIGTERM outside a run: unwinds like Ctrl-C; the process exits 143."""


def received() -> int | None:
    """The first stop signal this process received, or None."""
    return _received[0] if _received else None


def exit_code() -> int:
    """130 after Ctrl-C, 143 after SIGTERM."""
    return int(EXIT_CODES.get(received() or signal.SIGINT, ExitCode.INTERRUPTED))


def signal_name() -> str:
    return SIGNAL_NAMES.get(received() or signal.SIGINT, "a signal")


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    _received.append(signum)
    raise Terminated()


def install() -> None:
    """Make SIGTERM raise :class:`Terminated` in the main thread (call once, at start-up)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)


@contextlib.contextmanager
def stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    """Inside a running event loop: the first SIGINT or SIGTERM sets ``stop``; a second one cancels
    the current task. Without loop signal handlers (Windows), Ctrl-C cancels the run as asyncio does."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    saved: dict[int, Any] = {}

    def on_signal(signum: int) -> None:
        if not stop.is_set():
            _received.append(signum)
            stop.set()
        elif task is not None:
            task.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            previous = signal.getsignal(sig)
            loop.add_signal_handler(sig, on_signal, sig)
        except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
            continue
        saved[sig] = previous
    try:
        yield
    finally:
        for signum, previous in saved.items():
            loop.remove_signal_handler(signum)
            if previous is not None:
                signal.signal(signum, previous)
