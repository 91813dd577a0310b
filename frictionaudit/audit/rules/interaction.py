"""Interaction rules: what the customer's clicks did — nothing at all (F101), or an error (F102).

Both read the click probe's facts (``StepResult.extra["click"]``, see
``frictionaudit/gather/collectors/interaction.py``) beside the step's requests, page errors and
console messages, all on the journey's clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from frictionaudit.audit.model import Finding, Severity
from frictionaudit.audit.registry import AuditContext, rule
from frictionaudit.audit.rules.errors import REQUEST_ECHOES
from frictionaudit.audit.text import message_key, short, url_path
from frictionaudit.results import JourneyRun, StepResult

CLICK_ACTIONS = ("click", "check")
ERROR_ACTIONS = ("click", "press", "select", "check")
EFFECTS = ("mutation", "scroll", "focus", "change", "dialog", "popup", "download", "navigation", "request")
# Clock slack between the page's timestamps and Playwright's events (one evaluate round trip).
SLACK = 0.05


def facts(step: StepResult) -> dict[str, Any] | None:
    """The click probe's facts of a step, when it timed an input in a page that stayed."""
    found = step.extra.get("click")
    if not isinstance(found, dict) or found.get("at") is None or found.get("new_document"):
        return None
    return found


def control_of(step: StepResult, found: dict[str, Any]) -> str:
    return str(found.get("control") or "") or step.label


def effects_within(step: StepResult, found: dict[str, Any], window: float) -> list[str]:
    """What the action set off within ``window`` seconds: DOM changes, requests, scrolls, focus..."""
    at = float(found["at"])
    seen = [k for k in EFFECTS if (found.get("first") or {}).get(k) is not None and found["first"][k] <= window]
    if any(at - SLACK <= r.started <= at + window for r in step.requests):
        seen.append("request")
    if step.navigations and "navigation" not in seen:
        seen.append("navigation")
    for kind in ("dialogs", "popups", "downloads"):  # the page-event collectors' records, same clock
        records = step.extra.get(kind)
        if isinstance(records, list) and any(
            isinstance(r, dict) and at - SLACK <= float(r.get("at") or -1) <= at + window for r in records
        ):
            seen.append(kind.rstrip("s"))
    return list(dict.fromkeys(seen))


def is_dead(step: StepResult, found: dict[str, Any], window: float) -> bool:
    """Nothing happened within ``window`` seconds of the click, and the probe watched that long."""
    return float(found.get("observed") or 0) >= window - SLACK and not effects_within(step, found, window)


def trouble_after(steps: list[StepResult], position: int) -> StepResult | None:
    """The later step that needed a second try over this step's page, or failed on it; else None.

    A step retried from this step or earlier repeated this click; a failure without a second try
    counts when nothing navigated away in between (the failure happened on the click's page).
    """
    step = steps[position]
    for later in steps[position + 1 :]:
        if later.retried or later.status == "failed":
            if later.retry_from is not None:
                return later if later.retry_from <= step.index else None
            return later
        if later.navigations or later.action == "goto":
            return None
    return None


@dataclass(frozen=True)
class ActionError:
    kind: str  # "exception" or "console"
    message: str
    after: float
    during_dispatch: bool


def _exception_text(name: str, message: str) -> str:
    return f"{name}: {message}" if name and not message.startswith(name) else message


def action_errors(run: JourneyRun, window: float) -> dict[int, list[ActionError]]:
    """For each step of ``run`` (by index), the errors its action set off.

    An error counts when it came at most ``window`` seconds after the step's input, in the same
    document, and its message had not appeared on that page before the input (a timer that fails
    every few seconds is background, not the action). Errors raised while the browser dispatched
    the action's own input events (the control's handler threw) are marked ``during_dispatch``.
    Console messages that echo a failed request are left to the network rules.
    """
    found: dict[int, list[ActionError]] = {}
    seen: set[str] = set()
    for step in run.steps:
        if step.status == "skipped":
            continue
        if step.navigations:
            seen = set()
        probe = facts(step) if step.action in ERROR_ACTIONS else None
        at = float(probe["at"]) if probe else None
        errors: list[ActionError] = []
        sync = {message_key(str(e.get("message", ""))) for e in (probe or {}).get("errors", []) if e.get("sync")}
        timed = [("exception", _exception_text(e.name, e.message), e.at) for e in step.page_errors] + [
            ("console", m.text, m.at)
            for m in step.console
            if m.level == "error" and not m.text.startswith(REQUEST_ECHOES)
        ]
        for kind, text, when in sorted(timed, key=lambda t: t[2]):
            key = message_key(text)
            if at is not None and at - SLACK <= when <= at + window and key not in seen:
                errors.append(
                    ActionError(kind, text, round(max(0.0, when - at), 3), kind == "exception" and key in sync)
                )
            seen.add(key)
        if errors:
            found[step.index] = errors
    return found


@rule(
    "F101",
    "dead-click",
    "Dead click",
    category="interaction",
    severity="major",
    effort="M",
    confidence=0.8,
)
def dead_click(ctx: AuditContext) -> Iterator[Finding]:
    """A click did nothing at all, and the journey needed a second try there or failed.

    What it finds
    -------------
    A scripted click (or check) after which, for ``thresholds.dead_click_seconds`` (1 s), nothing
    happened: no DOM change (a ``MutationObserver`` on the whole document), no request, no
    navigation, no scroll, no focus moving elsewhere (or into a field), no control changing its
    value (a checkbox, a radio), no dialog, popup or download; AND a later step on the same page
    then failed, or only worked on the replayer's second try (which repeats the click). Like the
    "dead clicks" of Microsoft Clarity, FullStory and Sentry, it is a click that gets no response
    on something that looks clickable (a link, a button, a form control, a widget role, or an
    element under a pointer cursor, as Sentry and Clickport count them); unlike them it needs
    proof that the response mattered: a click that does nothing while the journey goes on is not
    a finding. A click that raised an error is F102's, not this rule's.

    F101 explains a J102 (needed a second try) or J101 (blocked) finding: it is filed on the
    step that went wrong, with that finding's root cause (the journey and the step), and names
    it as ``related``, so ranking makes it one more occurrence of that fix, at the same place,
    rather than a second fix for the same trouble. The click's step is in the evidence. With
    J101/J102 switched off it is a fix of its own.

    Why it hurts the customer
    -------------------------
    The customer pressed the button and nothing happened: no spinner, no message, no page. They
    press again, wait, reload, or leave. When the button works on the second press (a handler
    attached late, a double-submit guard that swallows the first press), customers who press once
    and wait are stuck; when it never works, the journey ends here.

    Example
    -------
    On ``/checkout`` the first click on "Continue" does nothing (the script that handles it loads
    after the button is shown); ``expect: Order confirmed`` fails, and the journey works only
    when the page is reloaded and the button clicked again.

    How to fix
    ----------
    Make the control work from the moment it is visible: render it disabled (with a visible
    state) until its handler is attached, or use a real ``<a href>`` / ``<form>`` that works
    without script. Give every press an immediate response (a pressed state, a spinner) and
    announce the result.
    """
    window = ctx.thresholds.dead_click_seconds
    claimed = ctx.thresholds.error_click_seconds
    for run in ctx.runs():
        steps = [s for s in run.steps if s.status != "skipped"]
        errors = action_errors(run, claimed)
        for position, step in enumerate(steps):
            found = facts(step)
            if step.action not in CLICK_ACTIONS or found is None or step.index in errors:
                continue
            if not found.get("interactive"):  # text, a heading: nothing promised a response
                continue
            if not is_dead(step, found, window):
                continue
            later = trouble_after(steps, position)
            if later is None:
                continue
            control = control_of(step, found)
            outcome = "needed a second try" if later.status == "ok" else "got stuck"
            # Filed on the step that went wrong, like the J101/J102 finding it explains, so the two
            # are one place of one fix; the click's own step is in the evidence.
            yield ctx.finding(
                run,
                later,
                title=f"Clicking {control} on {url_path(step.url)} (step {step.index + 1}) did nothing; "
                f"the journey {outcome} here",
                fix_title=f"{control} on {url_path(step.url)} does nothing when clicked",
                root_cause=f"{run.journey}#{later.index}",
                evidence={
                    "related": "J102" if later.status == "ok" else "J101",
                    "control": control,
                    "click_step": step.index,
                    "click_label": step.label,
                    "page": step.url,
                    "watched_seconds": found.get("observed"),
                    "mutations": found.get("mutations", 0),
                    "requests": 0,
                    "navigation": False,
                    "then_error": later.first_error or later.error,
                    "second_try_worked": later.status == "ok",
                },
            )


@rule(
    "F102",
    "error-click",
    "Error click",
    category="interaction",
    severity="major",
    effort="S",
    confidence=0.8,
)
def error_click(ctx: AuditContext) -> Iterator[Finding]:
    """The customer's click, key press or choice set off a script error.

    What it finds
    -------------
    An uncaught exception, an unhandled promise rejection or a console error at most
    ``thresholds.error_click_seconds`` (1 s) after a click, press, select or check, in the page
    the action happened on, whose message had not already appeared on that page before the
    action (a timer that fails every few seconds is not the action's doing). Console messages
    that only echo a failed request are the network rules'. Like Microsoft Clarity's "error
    clicks", it ties the error to the control the customer used.

    Major when the control also failed the customer: an exception thrown by the control's own
    event handler while nothing else happened (no DOM change, request or navigation within
    1 s), or a journey that needed a second try or failed after it; minor when the page still
    responded.

    E101 and E102 report each error wherever it happens: the code to fix. F102 says which
    control sets it off: where customers meet it, and how to reproduce it. It is the same bug,
    so F102 has the same root cause (the normalised message) and names E101 (an exception) or
    E102 (a console message) as ``related``: ranking makes it one more occurrence of that fix,
    not a fix of its own, and its severity can raise that fix's (a console error that breaks a
    button is major). F102 is left out when the error came before the action or without one
    (then only E101/E102 report it), and it takes over F101 for a click that did nothing
    because its handler threw.

    Why it hurts the customer
    -------------------------
    The customer did what the page asked and the page broke under their hand: a discount that is
    not applied, a form that does not submit, a basket that does not update, usually without a
    message. They blame themselves, try again, or leave.

    Example
    -------
    Clicking "Apply code" on ``/basket`` throws ``TypeError: Cannot read properties of undefined
    (reading 'current')`` from the button's click handler, and the code is not applied.

    How to fix
    ----------
    Reproduce with the step's action on the step's page and the console open; fix the handler
    (guard the missing data, catch the failed request and tell the customer what to do). Add a
    test that performs the action.
    """
    window = ctx.thresholds.error_click_seconds
    dead_window = ctx.thresholds.dead_click_seconds
    for run in ctx.runs():
        steps = [s for s in run.steps if s.status != "skipped"]
        errors = action_errors(run, window)
        for position, step in enumerate(steps):
            found = facts(step)
            if step.index not in errors or found is None:
                continue
            caused = errors[step.index]
            first = caused[0]
            control = control_of(step, found)
            later = trouble_after(steps, position)
            no_effect = is_dead(step, found, dead_window) if step.action in CLICK_ACTIONS else False
            handler_threw = any(e.during_dispatch for e in caused)
            severity: Severity = "major" if (handler_threw and no_effect) or later is not None else "minor"
            what = "threw" if first.kind == "exception" else "logged"
            yield ctx.finding(
                run,
                step,
                title=f"{_verb(step.action)} {control} on {url_path(step.url)} {what} {short(first.message, 100)}",
                fix_title=f"{'Uncaught' if first.kind == 'exception' else 'Console error:'} "
                f"{short(first.message, 100)}",
                root_cause=message_key(first.message),
                severity=severity,
                evidence={
                    "related": "E101" if first.kind == "exception" else "E102",
                    "control": control,
                    "action": step.action,
                    "page": step.url,
                    "errors": [
                        {
                            "kind": e.kind,
                            "message": e.message,
                            "seconds_after": e.after,
                            "in_handler": e.during_dispatch,
                        }
                        for e in caused
                    ],
                    "nothing_else_happened": no_effect,
                    "then_step": later.index if later else None,
                    "then_error": (later.first_error or later.error) if later else None,
                },
            )


def _verb(action: str) -> str:
    return {"click": "Clicking", "check": "Ticking", "press": "Pressing a key on", "select": "Choosing in"}.get(
        action, "Using"
    )
