"""Journey rules: can the customer finish at all?"""

from __future__ import annotations

from collections.abc import Iterator

from frictionaudit.audit.model import Finding
from frictionaudit.audit.registry import AuditContext, rule


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
        journey = ctx.results.journey(run.journey)
        name = journey.name if journey else run.journey
        yield ctx.finding(
            run,
            step,
            title=f"Blocked on {run.channel} at “{label}”: {run.reason}",
            fix_title=f"“{name}” cannot be completed at step {run.blocked_at + 1} (“{label}”)",
            root_cause=f"{run.journey}#{run.blocked_at}",
            evidence={"reason": run.reason or "", "step": run.blocked_at},
        )
