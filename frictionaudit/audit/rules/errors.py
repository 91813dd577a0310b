"""Script error rules: exceptions and console errors the customer's browser hit."""

from __future__ import annotations

import re
from collections.abc import Iterator

from frictionaudit.audit.model import Finding, Severity
from frictionaudit.audit.registry import AuditContext, rule
from frictionaudit.audit.rules.network import third_party
from frictionaudit.audit.text import message_key, short, url_path

# Chromium logs a console error for every failed request; those belong to the network rules.
REQUEST_ECHOES = ("Failed to load resource:", "net::ERR_")
_FRAME_URL = re.compile(r"https?://[^\s()]+?(?=:\d+:\d+|\)|\s|$)")


def third_party_stack(ctx: AuditContext, stack: str, page: str) -> str | None:
    """The third party whose scripts alone are in an exception's stack; None when a frame is the
    service's own (a library from a CDN that failed on the service's data is the service's bug)."""
    hosts = [third_party(ctx, url, page) for url in _FRAME_URL.findall(stack or "")]
    return hosts[0] if hosts and all(hosts) else None


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
    guard the code path (missing data, element not on this layout) or fix the data it expects. An
    exception whose stack holds only a third party's scripts (another site than the service's and
    the page's: analytics, ads, a consent tool) is minor, with the host named: it rarely stops the
    service's own features; report it to the vendor or update its snippet. One frame of the
    service's own code in the stack keeps it major.
    """
    for run, step in ctx.steps():
        for error in step.page_errors:
            message = (
                f"{error.name}: {error.message}"
                if error.name and not error.message.startswith(error.name)
                else error.message
            )
            page = url_path(error.url or step.url)
            evidence = {"message": message, "stack": error.stack, "page": error.url or step.url}
            severity: Severity = "major"
            where = ""
            host = third_party_stack(ctx, error.stack, error.url or step.url)
            if host:
                severity, where = "minor", f" in {host}'s script"
                evidence["third_party"] = host
            yield ctx.finding(
                run,
                step,
                title=f"Uncaught {short(message, 100)}{where} on {page}",
                fix_title=f"Uncaught {short(message, 100)}{where}",
                root_cause=message_key(message),
                severity=severity,
                evidence=evidence,
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
    harmless noise, remove it: noise hides the next real error. A message logged by a third party's
    script (another site than the service's and the page's) is cosmetic, with the host named.
    """
    for run, step in ctx.steps():
        for message in step.console:
            if message.level != "error" or message.text.startswith(REQUEST_ECHOES):
                continue
            evidence = {"text": message.text, "source": message.url, "line": message.line}
            severity: Severity = "minor"
            where = ""
            host = third_party(ctx, message.url or "", step.url)
            if host:
                severity, where = "cosmetic", f" from {host}"
                evidence["third_party"] = host
            yield ctx.finding(
                run,
                step,
                title=f"Console error{where} on {url_path(step.url)}: {short(message.text, 100)}",
                fix_title=f"Console error{where}: {short(message.text, 100)}",
                root_cause=message_key(message.text),
                severity=severity,
                evidence=evidence,
            )
