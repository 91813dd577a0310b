"""Journey rules: can the customer finish at all?"""

from __future__ import annotations

from collections.abc import Iterator

from frictionaudit.audit.model import Finding
from frictionaudit.audit.registry import AuditContext, rule
from frictionaudit.results import JourneyRun, StepResult


@rule(
    "J101",
    "journey-blocked",
    "Journey blocked",
    category="journey",
    severity="blocker",
    effort="M",
    confidence=1.0,
)
def journey_blocked(ctx: AuditContext) -> Iterator[Finding]:
    """A customer cannot finish the journey on this channel: a step could not be done.

    What it finds
    -------------
    A journey × channel run that stopped at a step: an element that never appeared, an expectation
    that was not met, a page that did not load. The remaining steps did not run.

    Why it hurts the customer
    -------------------------
    The customer is stuck. They call customer service, try another channel, or give up, and the
    task (paying, moving, cancelling) is not done. Nothing else on this list costs as much.

    Example
    -------
    The "Download PDF" link exists on desktop but not on phones: the journey "download the invoice"
    is blocked on mobile at "Click link Download PDF".

    How to fix
    ----------
    Open the screenshot of the blocked step and the reason. Make the control or content reachable
    on that channel (show it, or offer the same task another way), or fix the error that stopped it.
    If the journey file is out of date with the site, update the journey.
    """
    for run in ctx.runs():
        if run.status != "blocked" or run.blocked_at is None:
            continue
        step = next((s for s in run.steps if s.index == run.blocked_at), None)
        label = step.label if step else f"step {run.blocked_at + 1}"
        name = ctx.journey_name(run.journey)
        yield ctx.finding(
            run,
            step,
            title=f"Blocked on {run.channel} at “{label}”: {run.reason}",
            fix_title=f"“{name}” cannot be completed at step {run.blocked_at + 1} (“{label}”)",
            root_cause=f"{run.journey}#{run.blocked_at}",
            evidence={"reason": run.reason or "", "step": run.blocked_at},
        )


@rule(
    "J102",
    "second-try",
    "Needed a second try",
    category="journey",
    severity="major",
    effort="M",
    confidence=0.8,
)
def second_try(ctx: AuditContext) -> Iterator[Finding]:
    """A step failed, and worked when the customer went back and tried again.

    What it finds
    -------------
    Steps that failed on the first try (an error page, an element that did not appear, an
    expectation not met) and worked after the replayer went back to where the page began and
    repeated its actions, as a customer would. The first error and a screenshot of it are kept.

    Why it hurts the customer
    -------------------------
    The customer got there, but only after an error and a second attempt: some give up at the first
    error, some call, and all of them trust the service a little less. Intermittent failures are
    also the hardest for a team to see, because they "work on my machine".

    Example
    -------
    "Pay now" answered 500 the first time and went through when repeated.

    How to fix
    ----------
    Read the first error and its screenshot. Look for a race (an element that appears late, a
    session not ready yet), a flaky dependency behind the step, or a timeout that is too tight, and
    make the first try work. If it is the server, see also N103.
    """
    for run, step in ctx.steps():
        if not step.retried:
            continue
        name = ctx.journey_name(run.journey)
        yield ctx.finding(
            run,
            step,
            title=f"“{step.label}” failed on {run.channel} and worked on the second try: {step.first_error}",
            fix_title=f"“{step.label}” in “{name}” fails on the first try",
            root_cause=f"{run.journey}#{step.index}",
            evidence={"first_error": step.first_error or "", "first_screenshot": step.first_screenshot},
        )


@rule(
    "J103",
    "flaky-step",
    "Flaky step",
    category="journey",
    severity="major",
    effort="M",
    confidence=0.9,
)
def flaky_step(ctx: AuditContext) -> Iterator[Finding]:
    """With ``--repeat``, a step that works in some replays and fails in others.

    What it finds
    -------------
    A step of a journey × channel that was blocked, or needed a second try, in some of the
    ``--repeat K`` replays and worked at the first try in the others. One finding per step, on the
    first replay where it went wrong, saying in how many of the K replays it did.

    Why it hurts the customer
    -------------------------
    A step that fails now and then is friction for every customer who hits it, and the worst kind to
    fix: the team cannot reproduce it, so it stays. Customers learn that "it sometimes works".

    Example
    -------
    "Log in" needed a second try in 2 of 5 replays on mobile.

    How to fix
    ----------
    Look at the failing replays' first errors and screenshots: races between the page's scripts and
    the customer (a button that is there before its handler), slow dependencies that time out, caches
    that are cold on some requests. Fix the cause, then re-run with ``--repeat`` to see it gone.
    """
    runs_by_pair: dict[tuple[str, str], list[JourneyRun]] = {}
    for run in ctx.runs():
        if run.status != "error":
            runs_by_pair.setdefault((run.journey, run.channel), []).append(run)
    for (_, channel), runs in runs_by_pair.items():
        if len(runs) < 2:
            continue
        trouble: dict[int, list[tuple[JourneyRun, StepResult]]] = {}
        for run in runs:
            for step in run.steps:
                if step.status == "failed" or step.retried:
                    trouble.setdefault(step.index, []).append((run, step))
        for index, hits in sorted(trouble.items()):
            if len(hits) >= len(runs):
                continue  # always goes wrong: J101 or J102 say so, it is not flaky
            run, step = min(hits, key=lambda hit: hit[0].repeat)
            yield ctx.finding(
                run,
                step,
                title=f"“{step.label}” went wrong in {len(hits)} of {len(runs)} replays on {channel}: "
                f"{step.error or step.first_error}",
                fix_title=f"“{step.label}” in “{run.journey}” fails now and then",
                root_cause=f"{run.journey}#{index}",
                evidence={"replays": len(runs), "went_wrong": len(hits), "first_error": step.first_error or step.error},
            )
