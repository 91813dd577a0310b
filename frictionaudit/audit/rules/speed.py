"""Speed rules: steps that keep the customer waiting."""

from __future__ import annotations

from collections.abc import Iterator

from frictionaudit.audit.model import Finding
from frictionaudit.audit.registry import AuditContext, rule

DEFAULT_STEP_BUDGET = 3.0


@rule(
    "P101",
    "slow-step",
    "Step slower than the budget",
    category="speed",
    severity="minor",
    effort="M",
    confidence=0.7,
)
def slow_step(ctx: AuditContext) -> Iterator[Finding]:
    """A step took longer than ``budgets.step_seconds`` from the action until the page settled.

    What it finds
    -------------
    Steps whose duration, measured from the click (or fill, or navigation) until the page has loaded
    and the network has been quiet, exceeds the budget in ``frictionaudit.yaml`` (default 3 s).
    Twice the budget or more is major. Waits the journey asks for (``wait: {seconds: ...}``) are not
    counted.

    Why it hurts the customer
    -------------------------
    After about a second customers lose the feeling of a direct answer; after a few seconds they
    wonder whether the click worked, click again (paying twice?) or leave.

    Example
    -------
    "Pay now" takes 3.7 s on both channels against a 3 s budget.

    How to fix
    ----------
    Look at the step's requests: the slowest one is usually the server work behind the action. Make
    it faster, or answer at once and finish in the background with clear feedback.
    """
    budget = float(ctx.settings.get("budgets", {}).get("step_seconds") or DEFAULT_STEP_BUDGET)
    for run, step in ctx.steps():
        if step.action == "wait" or step.status != "ok" or step.duration <= budget:
            continue
        slowest = max(step.requests, key=lambda r: r.duration or 0.0, default=None)
        yield ctx.finding(
            run,
            step,
            title=f"“{step.label}” took {step.duration:.1f} s on {run.channel} (budget {budget:g} s)",
            fix_title=f"“{step.label}” in “{run.journey}” is slower than {budget:g} s",
            root_cause=f"{run.journey}#{step.index}",
            severity="major" if step.duration >= 2 * budget else "minor",
            evidence={
                "seconds": round(step.duration, 2),
                "budget": budget,
                "slowest_request": slowest.url if slowest else None,
                "slowest_request_seconds": slowest.duration if slowest else None,
            },
        )
