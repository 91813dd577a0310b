"""Network rules: responses with an error status, and requests that never got an answer."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from frictionaudit.audit.model import Finding, Severity
from frictionaudit.audit.registry import AuditContext, rule
from frictionaudit.audit.text import site_of, url_key, url_path
from frictionaudit.results import Request, StepResult

_RESOURCE_NAMES = {
    "document": "Page",
    "stylesheet": "Stylesheet",
    "image": "Image",
    "media": "Media",
    "font": "Font",
    "script": "Script",
    "xhr": "API call",
    "fetch": "API call",
    "ping": "Beacon",
}
# What a third party answers to these is rarely something the customer sees: analytics beacons,
# tracking pixels, consent and A/B-test calls. One level lower than the service's own (a beacon:
# cosmetic). Its scripts, stylesheets and pages keep their weight: a payment or chat widget whose
# script fails is a feature gone.
_THIRD_PARTY_QUIETER = {"xhr", "fetch", "image", "media", "font", "ping", "other", "manifest", "texttrack"}
# Cancelled by the page itself (a navigation away, a download): not a failure the customer sees.
_CANCELLED = ("net::ERR_ABORTED", "NS_BINDING_ABORTED")


def is_repeated_submit(step: StepResult, request: Request) -> bool:
    """A form submission that answered 5xx and went through on the second try (N103's, not N101's)."""
    return (
        step.retried
        and request.is_navigation
        and request.method != "GET"
        and request.status is not None
        and request.status >= 500
    )


def _what(resource_type: str) -> str:
    return _RESOURCE_NAMES.get(resource_type, "Request")


def third_party(ctx: AuditContext, url: str, page: str) -> str | None:
    """The request's host when it belongs to another site than the service and the page that made it."""
    if not url.startswith(("http://", "https://")):
        return None
    site = site_of(url)
    own = {site_of(origin) for origin in ctx.origins} | {site_of(page)}
    return None if site in own else urlsplit(url).hostname


def quieter(severity: Severity, resource_type: str) -> Severity:
    """A third party's answer to a beacon, a pixel or an API call weighs one level less."""
    if resource_type == "ping":
        return "cosmetic"
    if resource_type not in _THIRD_PARTY_QUIETER:
        return severity
    lower: dict[str, Severity] = {"blocker": "major", "major": "minor"}
    return lower.get(severity, "cosmetic")


def _status_severity(resource_type: str, status: int, url: str) -> Severity:
    if url_path(url).endswith("/favicon.ico"):
        return "cosmetic"
    if resource_type == "document":
        return "major"
    if resource_type in ("xhr", "fetch", "script") or status >= 500:
        return "major"
    return "minor"


@rule(
    "N101",
    "http-error",
    "HTTP error response",
    category="network",
    severity="major",
    effort="S",
    confidence=1.0,
)
def http_error(ctx: AuditContext) -> Iterator[Finding]:
    """A page or a resource it needs answered with an HTTP status of 400 or more.

    What it finds
    -------------
    Every response with status ≥ 400 during a step: documents, images, scripts, stylesheets, fonts,
    and API calls (XHR/fetch), with the URL, the status and the kind of resource. A missing
    ``/favicon.ico`` counts as cosmetic.

    Why it hurts the customer
    -------------------------
    A 404 image is a broken picture; a 500 from an API is a feature that silently does not work (no
    recommendations, no balance); a 404 or 500 page is a dead end.

    A third party's answer (another site than the service's and the page's: ``api.nordlys.no`` is
    the service's own when the service is ``www.nordlys.no``) to an API call, a beacon, an image, a
    font or a media file weighs one level less (a beacon: cosmetic): most are analytics, pixels and
    consent calls the customer never sees. Its scripts, stylesheets and pages keep their weight, and
    the title names the host.

    Example
    -------
    ``GET /static/img/invoice-logo.png → 404`` (image) and ``GET /api/recommendations → 500``.

    How to fix
    ----------
    For 404s, fix the link or ship the file. For 5xx, look at the server logs at the time of the run
    for the URL in the finding.
    """
    for run, step in ctx.steps():
        for request in step.requests:
            if request.status is None or request.status < 400 or is_repeated_submit(step, request):
                continue
            what = _what(request.resource_type)
            path = url_path(request.url)
            severity = _status_severity(request.resource_type, request.status, request.url)
            evidence = {
                "url": request.url,
                "method": request.method,
                "status": request.status,
                "resource_type": request.resource_type,
                "page": step.url,
            }
            host = third_party(ctx, request.url, step.url)
            if host:
                path = f"{host}{path}"
                severity = quieter(severity, request.resource_type)
                evidence["third_party"] = host
            yield ctx.finding(
                run,
                step,
                title=f"{what} {path} answered {request.status}",
                fix_title=f"{what} {path} answers HTTP {request.status}",
                root_cause=f"{request.method} {url_key(request.url)} {request.status}",
                severity=severity,
                evidence=evidence,
            )


@rule(
    "N102",
    "request-failed",
    "Request failed",
    category="network",
    severity="major",
    effort="S",
    confidence=0.95,
)
def request_failed(ctx: AuditContext) -> Iterator[Finding]:
    """A request got no answer at all: refused, reset, timed out, blocked or a DNS failure.

    What it finds
    -------------
    Requests that failed at the network level (``net::ERR_CONNECTION_REFUSED``,
    ``ERR_NAME_NOT_RESOLVED``, ``ERR_TIMED_OUT``...). Requests the page cancelled itself (a
    navigation away, a download) are not counted.

    Why it hurts the customer
    -------------------------
    A script that never loads is a feature that never starts; a stylesheet that never loads is an
    unstyled page. Third-party scripts that hang also slow the page down for everyone. A third
    party's API call, beacon, image, font or media file that fails weighs one level less (as in
    N101); its scripts and stylesheets do not.

    Example
    -------
    ``http://127.0.0.1:9/tracker.js`` on the receipt page: connection refused.

    How to fix
    ----------
    Check the host in the finding: a retired third-party service, a wrong environment URL, a blocked
    mixed-content request. Remove the reference or point it at a working host.
    """
    for run, step in ctx.steps():
        for request in step.requests:
            if not request.failure or request.status is not None or request.failure.startswith(_CANCELLED):
                continue
            what = _what(request.resource_type)
            severity: Severity = "minor" if request.resource_type in ("image", "font", "media") else "major"
            evidence = {
                "url": request.url,
                "failure": request.failure,
                "resource_type": request.resource_type,
                "page": step.url,
            }
            host = third_party(ctx, request.url, step.url)
            if host:
                severity = quieter(severity, request.resource_type)
                evidence["third_party"] = host
            yield ctx.finding(
                run,
                step,
                title=f"{what} {url_key(request.url)} failed: {request.failure}",
                fix_title=f"{what} {url_key(request.url)} fails ({request.failure})",
                root_cause=f"{url_key(request.url)} {request.failure}",
                severity=severity,
                evidence=evidence,
            )


@rule(
    "N103",
    "submit-fails-once",
    "Submit failed, worked when repeated",
    category="network",
    severity="major",
    effort="M",
    confidence=0.8,
)
def submit_fails_once(ctx: AuditContext) -> Iterator[Finding]:
    """A form submission answered with a server error, and went through when repeated.

    What it finds
    -------------
    A step whose form submission (a POST or other non-GET navigation) got a 5xx answer on the first
    try and worked on the second: the journey completed, but the customer saw an error page first.

    Why it hurts the customer
    -------------------------
    The customer does not know whether the first submission went through: did the payment happen
    twice? did the order get lost? They see an error at the moment that matters most.

    Example
    -------
    ``POST /pay → 500`` the first time; the same submission a moment later ``→ 303 /receipt``.

    How to fix
    ----------
    Find the transient failure in the server logs at the time of the run (a cold cache, a lock, a
    dependency timing out). Make the endpoint idempotent, retry safely on the server side, and show
    the customer a clear "not paid yet, try again" page if it still fails.
    """
    for run, step in ctx.steps():
        for request in step.requests:
            if not is_repeated_submit(step, request):
                continue
            yield ctx.finding(
                run,
                step,
                title=f"{request.method} {url_path(request.url)} answered {request.status}, worked when repeated",
                fix_title=f"{request.method} {url_path(request.url)} fails with {request.status} now and then",
                root_cause=f"{request.method} {url_key(request.url)}",
                evidence={"url": request.url, "method": request.method, "status": request.status},
            )
