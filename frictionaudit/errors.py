"""The errors a user can cause or meet, and the exit codes they map to.

The CLI turns each of these into a short message and an exit code; nothing here prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, as documented in the README."""

    OK = 0
    FINDINGS = 1
    BAD_INPUT = 2
    INFRASTRUCTURE = 3
    INTERRUPTED = 130
    TERMINATED = 143


@dataclass(frozen=True)
class SourcePos:
    """A place in a user's file, 1-based like an editor shows it."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class FrictionauditError(Exception):
    """Base of every error this package raises on purpose."""

    exit_code: ExitCode = ExitCode.BAD_INPUT


class InputError(FrictionauditError):
    """Bad user input: a journey, a config, a command-line value. Exit code 2."""

    exit_code = ExitCode.BAD_INPUT

    def __init__(self, message: str, pos: SourcePos | None = None, hint: str | None = None) -> None:
        self.message = message
        self.pos = pos
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        text = f"{self.pos}: {self.message}" if self.pos else self.message
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class InputErrors(InputError):
    """Several input errors found in one pass, so the user can fix them all at once."""

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = errors
        super().__init__("\n".join(e.render() for e in errors))

    def render(self) -> str:
        return "\n".join(e.render() for e in getattr(self, "errors", []))


class InfrastructureError(FrictionauditError):
    """The browser or the machine failed us, not the audited service. Exit code 3."""

    exit_code = ExitCode.INFRASTRUCTURE


class BrowserNotFoundError(InfrastructureError):
    """No usable Chromium was found; the message says how to get one."""
