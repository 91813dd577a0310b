"""Script error rules: exceptions and console errors the customer's browser hit."""

from __future__ import annotations

from collections.abc import Iterator

from frictionaudit.audit.model import Finding
from frictionaudit.audit.registry import AuditContext, rule
from frictionaudit.audit.text import message_key, short, url_path

# Chromium logs a console error for every failed request; those belong to the network rules.
REQUEST_ECHOES = ("Failed to load resource:", "net::ERR_")


@rule(
    "E101",
    "uncaught-exception",
    "Uncaught JavaScript exception",
    category="errors",
    severity="major",
    effort="S",
    confidence=1.0,
)
def uncaught_exception(ctx: AuditContext) -> Iterator[Finding]:
    """A script on the page threw an exception that nothing caught.

    What it finds
    -------------
    Uncaught exceptions and unhandled promise rejections reported by the browser while a step ran,
    with the error's name, message and stack.

    Why it hurts the customer
    -------------------------
    Whatever that script was doing stopped halfway: a chart that never draws, a button whose handler
    never got attached, a form that does not submit. The customer sees a page that half works.

    Example
    -------
    ``TypeError: Cannot read properties of undefined (reading 'series')`` on the invoice page.

    How to fix
    ----------
    Open the stack in the finding, reproduce on the step's URL with the browser's console open, and
    guard the code path (missing data, element not on this layout) or fix the data it expects.
    """
    for run, step in ctx.steps():
        for error in step.page_errors:
            message = (
                f"{error.name}: {error.message}"
                if error.name and not error.message.startswith(error.name)
                else error.message
            )
            page = url_path(error.url or step.url)
            yield ctx.finding(
                run,
                step,
                title=f"Uncaught {short(message, 100)} on {page}",
                fix_title=f"Uncaught {short(message, 100)}",
                root_cause=message_key(message),
                evidence={"message": message, "stack": error.stack, "page": error.url or step.url},
            )


@rule(
    "E102",
    "console-error",
    "Console error",
    category="errors",
    severity="minor",
    effort="S",
    confidence=0.9,
)
def console_error(ctx: AuditContext) -> Iterator[Finding]:
    """The page logged an error to the browser console.

    What it finds
    -------------
    ``console.error`` calls and errors the browser itself logs while a step runs. Messages that only
    echo a failed request ("Failed to load resource: ... 404") are left to the network rules, so one
    problem is reported once.

    Why it hurts the customer
    -------------------------
    A console error is the page admitting that something did not work: settings not loaded, a widget
    that gave up. The customer sees the symptom (a missing chart, an empty box) without the reason.

    Example
    -------
    ``Could not load usage chart settings`` on the invoice list.

    How to fix
    ----------
    Find the message in the code, and fix the cause rather than the log line. If the message is
    harmless noise, remove it: noise hides the next real error.
    """
    for run, step in ctx.steps():
        for message in step.console:
            if message.level != "error" or message.text.startswith(REQUEST_ECHOES):
                continue
            yield ctx.finding(
                run,
                step,
                title=f"Console error on {url_path(step.url)}: {short(message.text, 100)}",
                fix_title=f"Console error: {short(message.text, 100)}",
                root_cause=message_key(message.text),
                evidence={"text": message.text, "source": message.url, "line": message.line},
            )
