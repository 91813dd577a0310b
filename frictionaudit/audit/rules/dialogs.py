"""Dialog and window rules: what a page throws in the customer's way besides itself (F110).

F110 reads the page-event collectors' records (``StepResult.extra["dialogs"]`` and
``extra["popups"]``, see ``frictionaudit/gather/collectors/page_events.py``), the click probe's
control (``extra["click"]``), the forms probe's submits (``extra["forms"]``) and the channel's
``is_mobile``. Dialog messages and popup addresses are the page's text: they are cleaned of control
characters and clipped before they reach a title, a root cause or the evidence.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from frictionaudit.audit.model import Finding, Severity
from frictionaudit.audit.registry import AuditContext, rule
from frictionaudit.audit.rules.forms import rejections
from frictionaudit.audit.rules.interaction import trouble_after
from frictionaudit.audit.rules.mobile import is_mobile
from frictionaudit.audit.text import message_key, short, url_key, url_path
from frictionaudit.results import JourneyRun, StepResult

ASKING = ("confirm", "prompt")  # the page asks a question the customer must answer
INPUT_ACTIONS = ("click", "press", "select", "check")  # a window opened by these followed the customer's input
ENTRY_ACTIONS = ("fill", "select", "check")  # the customer gave the page data it may not have saved
LINK = re.compile(r"^(?:a|link)(?:\s|$)")  # the click probe's control: 'a "Terms"', 'link "Help"'
MESSAGE_CHARS = 300  # in the evidence
TITLE_CHARS = 80  # in titles


def clean(text: Any, limit: int) -> str:
    """Page-provided text, made safe to show: no control or format characters, one line, clipped."""
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in str(text or ""))
    return short(text, limit)


def records(step: StepResult, kind: str) -> list[dict[str, Any]]:
    found = step.extra.get(kind)
    return [r for r in found if isinstance(r, dict)] if isinstance(found, list) else []


def trouble(steps: list[StepResult], position: int) -> StepResult | None:
    """The step that went wrong at or right after this one, on its page (see ``trouble_after``)."""
    step = steps[position]
    if step.status == "failed" or step.retried:
        return step
    return trouble_after(steps, position)


def trouble_words(step: StepResult, then: StepResult) -> str:
    where = "this step" if then is step else f"step {then.index + 1}"
    return f"{where} then {'needed a second try' if then.status == 'ok' else 'failed'}"


def control(step: StepResult) -> str:
    found = step.extra.get("click")
    return clean(found.get("control"), 90) if isinstance(found, dict) else ""


def submitted(step: StepResult) -> bool:
    """The step submitted a form that was not sent back with a validation error."""
    forms = step.extra.get("forms")
    submit = forms.get("submit") if isinstance(forms, dict) else None
    return isinstance(submit, dict) and bool(submit.get("how")) and not rejections(submit)


def same_document(step: StepResult) -> bool:
    """The step's navigations stayed in its document (a single-page app's route change)."""
    found = step.extra.get("click")
    forms = step.extra.get("forms")
    submit = forms.get("submit") if isinstance(forms, dict) else None
    return (isinstance(found, dict) and found.get("new_document") is False) or (
        isinstance(submit, dict) and submit.get("same_doc") is True
    )


def finished(steps: list[StepResult], position: int) -> str | None:
    """Why the page the step at ``position`` leaves was finished with; None when it may hold unsaved input.

    The page's steps run from the one that loaded it (a ``goto``, or a step that navigated to a new
    document) to the step before ``position``. It was finished when the leaving step itself
    submitted a form, when nothing was typed, chosen or ticked on it, or when the last entry was
    followed by a submit the form did not reject.
    """
    if submitted(steps[position]):
        return "the step submitted the form"
    entered = False
    for earlier in reversed(steps[:position]):
        if earlier.action == "goto" or (earlier.navigations and not same_document(earlier)):
            break  # its own action belonged to the page before
        if submitted(earlier) and not entered:
            return "the form on it had been submitted"
        if earlier.action in ENTRY_ACTIONS:
            entered = True
    return None if entered else "nothing had been entered on it"


def target(ctx: AuditContext, step: StepResult, address: str) -> tuple[str, str]:
    """(what to show, what to group by) for a popup's address: the service's own origin left out,
    ids folded; a blank or unknown window is named by the page that opened it."""
    if re.match(r"^https?://", address, re.I):
        shown = ctx.portable(url_key(address))
        return clean(shown, 100), message_key(clean(shown, MESSAGE_CHARS))
    page = ctx.portable(url_key(step.url))
    name = address or "an unknown page"
    return f"{name} from {url_path(step.url)}", message_key(f"{name} from {clean(page, MESSAGE_CHARS)}")


@rule(
    "F110",
    "dialog-or-new-window",
    "Native dialog or new window",
    category="interaction",
    severity="major",
    effort="S",
    confidence=0.9,
)
def dialog_or_new_window(ctx: AuditContext) -> Iterator[Finding]:
    """A step opened a native alert, confirm or prompt box, or a new window or tab.

    What it finds
    -------------
    What the page-event collectors recorded during a step:

    - a native ``alert()``, ``confirm()`` or ``prompt()`` box. Major for a confirm or prompt (a
      question the customer must answer; the replay answered Cancel, as Playwright does, and the
      journey went on with that answer); minor for an alert, which only informs. An alert is major
      too when the step failed, or needed a second try, or a later step on the same page did: the
      title then says so ("the replay answered Cancel and step 4 then failed"), because a dismissed
      confirm is a likely reason.
    - a new window or tab (``window.open``, a link or form with ``target=_blank``), whatever its
      origin: a PDF, a chat, a payment or identity provider are judged alike (no list of domains).
      Opened by a link the customer clicked: cosmetic on desktop, where a new tab is a common,
      deliberate choice (help, terms, a PDF) and the first tab stays in view; minor on a mobile
      channel, where the new tab hides the journey's page. Opened by a script after a click, key
      press or choice, or by the page on its own: minor on desktop, major on a mobile channel.
      Major whenever the journey went wrong right after it on that page.
    - a "leave this page?" (``beforeunload``) prompt, minor, only when the page being left was
      finished: the leaving step submitted a form, nothing had been typed, chosen or ticked on
      the page, or its form had been submitted and not rejected since the last entry. A prompt
      that guards input the customer typed and did not send is the page doing its job and is not
      reported; neither is one on a step that needed a second try (the replayer's own reload can
      set it off).

    Each message (its kind and its text, numbers folded) is one fix wherever it appears; each
    window by its address (query left out, the service's own origin left out, ids folded) and how
    it was opened; each "leave this page?" by the page that asks. Cookie banners, analytics and
    consent tools do not use native dialogs or open windows, so everything recorded here was the
    page's choice.

    Why it hurts the customer
    -------------------------
    A native box stops everything: on a phone it covers the screen with a system dialog that looks
    like a warning from the phone, not the service; screen readers announce it badly and embedded
    web views (apps, in-app browsers) often show nothing at all, or answer it themselves, so the
    customer's "delete" or "pay" silently does nothing. A new window on a phone moves the customer
    to another tab with no way back but the tab switcher: they lose their place in the journey,
    and real browsers block windows a page opens on its own. "Leave this page?" after the customer
    has finished makes them doubt that what they sent was received.

    Example
    -------
    Clicking "Delete my account" on ``/account`` opens ``confirm("Are you sure?")``; on mobile the
    "Pay" button opens the payment page with ``window.open``, and the customer lands in a new tab.

    How to fix
    ----------
    Replace alert, confirm and prompt with in-page messages and dialogs (``<dialog>``, a focused
    region with a live announcement, an undo instead of "are you sure?"). Open payment, identity
    and document pages in the same tab with a return address (a redirect back) or in an in-page
    view; keep ``target=_blank`` for what really belongs beside the journey, and say "opens in a
    new tab" on the link. Clear the ``beforeunload`` guard once the form is sent or saved.
    """
    for run in ctx.runs():
        mobile = is_mobile(ctx, run)
        steps = [s for s in run.steps if s.status != "skipped"]
        for position in range(len(steps)):
            found: dict[str, Finding] = {}
            counts: dict[str, int] = {}
            for finding in [
                *_dialogs(ctx, run, steps, position),
                *_popups(ctx, run, steps, position, mobile),
            ]:
                counts[finding.root_cause] = counts.get(finding.root_cause, 0) + 1
                found.setdefault(finding.root_cause, finding)
            for cause, finding in found.items():
                finding.evidence["count"] = counts[cause]
                yield finding


def _dialogs(ctx: AuditContext, run: JourneyRun, steps: list[StepResult], position: int) -> Iterator[Finding]:
    step = steps[position]
    page = url_path(step.url)
    for record in records(step, "dialogs"):
        kind = str(record.get("type") or "")
        if kind not in ("alert", "confirm", "prompt", "beforeunload"):
            continue
        message = clean(record.get("message"), MESSAGE_CHARS)
        answer = "Cancel" if record.get("answer") == "dismissed" else "OK"
        shown = clean(message, TITLE_CHARS) or "(no text)"
        if kind == "beforeunload":
            if position == 0 or step.retried:
                continue
            why = finished(steps, position)
            if why is None:
                continue
            left = steps[position - 1].url
            yield ctx.finding(
                run,
                step,
                title=f"Leaving {url_path(left)} asked “leave this page?” though {why}",
                fix_title=f"{url_path(left)} asks “leave this page?” after the customer is done",
                root_cause=f"beforeunload:{message_key(clean(ctx.portable(url_key(left)), MESSAGE_CHARS))}",
                severity="minor",
                evidence={
                    "kind": "beforeunload",
                    "message": message,
                    "left_page": left,
                    "to_page": step.url,
                    "finished": why,
                    "action": step.action,
                },
            )
            continue
        then = trouble(steps, position)
        severity: Severity = "major" if kind in ASKING or then is not None else "minor"
        if kind == "alert":
            title = f"An alert box on {page} said “{shown}”"
        else:
            title = f"A {kind} box on {page} asked “{shown}”; the replay answered {answer}"
        if then is not None:
            title += f"{' and' if kind in ASKING else ';'} {trouble_words(step, then)}"
        yield ctx.finding(
            run,
            step,
            title=title,
            fix_title=f"Native {kind}() box: “{shown}”",
            root_cause=f"{kind}:{message_key(message)}",
            severity=severity,
            evidence={
                "kind": "dialog",
                "type": kind,
                "message": message,
                "answer": answer,
                "page": step.url,
                "action": step.action,
                "control": control(step),
                "then_step": then.index if then else None,
                "then_error": (then.first_error or then.error) if then else None,
            },
        )


def _popups(
    ctx: AuditContext, run: JourneyRun, steps: list[StepResult], position: int, mobile: bool
) -> Iterator[Finding]:
    step = steps[position]
    severity: Severity
    for record in records(step, "popups"):
        address = clean(record.get("url"), 1000)
        shown, key = target(ctx, step, address)
        opener = control(step)
        if step.action == "click" and LINK.match(opener):
            how, severity = "link", ("minor" if mobile else "cosmetic")
            what = f"Clicking {opener} on {url_path(step.url)} opened {shown} in a new tab"
            fix = f"A link opens {shown} in a new tab"
        elif step.action in INPUT_ACTIONS:
            how, severity = "script", ("major" if mobile else "minor")
            what = f"{opener or '“' + step.label + '”'} on {url_path(step.url)} opened {shown} in a new window"
            fix = f"A script opens {shown} in a new window"
        else:
            how, severity = "page", ("major" if mobile else "minor")
            what = f"{url_path(step.url)} opened {shown} in a new window by itself"
            fix = f"A page opens {shown} in a new window by itself"
        then = trouble(steps, position)
        if then is not None:
            severity = "major"
            what += f"; {trouble_words(step, then)}"
        yield ctx.finding(
            run,
            step,
            title=what + (" on a phone" if mobile else ""),
            fix_title=fix,
            root_cause=f"popup:{how}:{key}",
            severity=severity,
            evidence={
                "kind": "popup",
                "popup_url": address,
                "opened_by": how,
                "control": opener,
                "mobile": mobile,
                "page": step.url,
                "action": step.action,
                "then_step": then.index if then else None,
                "then_error": (then.first_error or then.error) if then else None,
            },
        )
