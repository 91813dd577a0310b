"""Progress reporting from the core to whoever shows it, without importing rich.

The runner calls these methods; the CLI passes an implementation that drives a progress bar.
"""

from __future__ import annotations

from typing import Protocol


class ProgressListener(Protocol):
    def planned(self, runs: int, steps: int) -> None:
        """The run is about to start: how many journey × channel runs and steps in all."""

    def step_done(self, run_key: str, label: str) -> None:
        """One step of ``run_key`` (``journey@channel``) finished, whatever its outcome."""

    def run_done(self, run_key: str, status: str, skipped_steps: int) -> None:
        """A journey × channel run ended; ``skipped_steps`` did not run (blocked)."""


class NullProgress:
    """Reports nothing: for tests, --quiet and library use."""

    def planned(self, runs: int, steps: int) -> None:
        pass

    def step_done(self, run_key: str, label: str) -> None:
        pass

    def run_done(self, run_key: str, status: str, skipped_steps: int) -> None:
        pass
