"""What every report says about a run that was stopped (Ctrl-C, SIGTERM) before it finished.

``results.json`` of such a run has ``interrupted: true``; ``runs`` holds the journey runs that
finished and ``unfinished`` the others, so the total is their sum, as the CLI counts it. When
``unfinished`` is empty the results do not say how many runs were planned (a results file from
before the field, or a merge of shards), and the notice says only how many finished.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from frictionaudit.results import RunResults


class Interruption(BaseModel):
    """The run was stopped before every journey run finished: the findings cover only those that did."""

    finished: int = Field(description="Journey runs that finished; the findings cover only these.")
    total: int | None = Field(
        description="Journey runs planned (finished + unfinished); null when the results do not say."
    )
    unfinished: list[str] = Field(description="journey@channel runs that did not finish.")
    note: str = Field(description="The sentence every report shows.")


def _runs(n: int) -> str:
    return f"{n} journey run{'s' if n != 1 else ''}"


def interruption(results: RunResults) -> Interruption | None:
    """What to say about an interrupted run; None when the run finished."""
    if not results.interrupted:
        return None
    finished = len(results.runs)
    total = finished + len(results.unfinished) if results.unfinished else None
    if total is not None and finished:
        note = f"This run was interrupted: {finished} of {_runs(total)} finished; the findings cover only those."
    elif total is not None:
        note = f"This run was interrupted: 0 of {_runs(total)} finished, so nothing was audited."
    elif finished:
        note = f"This run was interrupted: the findings cover only the {_runs(finished)} that finished."
    else:
        note = "This run was interrupted before any journey run finished: nothing was audited."
    return Interruption(finished=finished, total=total, unfinished=list(results.unfinished), note=note)


def unfinished_list(stopped: Interruption, limit: int = 12) -> str:
    """The runs that did not finish, ``pay@mobile, faq@desktop and 3 more``; ``""`` when none are known."""
    names = stopped.unfinished[:limit]
    more = len(stopped.unfinished) - len(names)
    return ", ".join(names) + (f" and {more} more" if more else "")
