"""Page rules: how the customer gets to a page and how the page names itself."""

from __future__ import annotations

from collections.abc import Iterator

from frictionaudit.audit.model import Finding
from frictionaudit.audit.registry import AuditContext, rule
from frictionaudit.audit.text import url_key, url_path
from frictionaudit.effort import screen_key
from frictionaudit.results import Request

MIN_HOPS = 2


def redirect_chain(final: Request, by_url: dict[str, Request]) -> list[str]:
    """The URLs from the first request to ``final`` following ``redirected_from`` links."""
    chain = [final.url]
    current = final
    while current.redirected_from and len(chain) < 30:
        chain.append(current.redirected_from)
        previous = by_url.get(current.redirected_from)
        if previous is None or previous is current:
            break
        current = previous
    return list(reversed(chain))


@rule(
    "N104",
    "redirect-chain",
    "Redirect chain",
    category="network",
    severity="minor",
    effort="S",
    confidence=1.0,
)
def redirect_chains(ctx: AuditContext) -> Iterator[Finding]:
    """One navigation went through two or more redirects before the page arrived.

    What it finds
    -------------
    A page load that was redirected at least twice (``/a → /b → /c``), counted per navigation from
    the requests' redirect links. One redirect (such as the usual "POST then 303 to the result")
    is fine and not reported.

    Why it hurts the customer
    -------------------------
    Each hop is a full round trip before anything shows: on a phone network that is a few hundred
    milliseconds each, and chains often cross hosts (http → https → www → login → app).

    Example
    -------
    ``http://example.com/pay → https://example.com/pay → https://www.example.com/pay``.

    How to fix
    ----------
    Link to the final URL directly, and make each redirect rule send to the final address in one
    hop (canonical scheme and host together).
    """
    for run, step in ctx.steps():
        navigations = [r for r in step.requests if r.is_navigation]
        by_url = {r.url: r for r in navigations}
        for request in navigations:
            if not request.redirected_from or (request.status is not None and 300 <= request.status < 400):
                continue
            chain = redirect_chain(request, by_url)
            hops = len(chain) - 1
            if hops < MIN_HOPS:
                continue
            shown = " → ".join(url_path(u) if i else u for i, u in enumerate(chain))
            yield ctx.finding(
                run,
                step,
                title=f"{hops} redirects before {url_path(request.url)} loaded: {shown}",
                fix_title=f"{url_key(chain[0])} redirects {hops} times before it arrives",
                root_cause=f"{url_key(chain[0])} -> {url_key(request.url)}",
                evidence={"chain": chain, "hops": hops},
            )


@rule(
    "T101",
    "empty-title",
    "Page without a title",
    category="content",
    severity="minor",
    effort="XS",
    confidence=1.0,
)
def empty_title(ctx: AuditContext) -> Iterator[Finding]:
    """A screen of the journey has an empty ``<title>``.

    What it finds
    -------------
    Each distinct screen (URL without query, per channel) whose document title is empty or only
    white space after the step that showed it.

    Why it hurts the customer
    -------------------------
    The title names the tab, the history entry and the bookmark, and it is the first thing a screen
    reader announces (WCAG 2.4.2). Without it, a customer with five tabs open cannot find the bank.

    Example
    -------
    The receipt page ``/receipt`` has ``<title></title>``.

    How to fix
    ----------
    Give every page a short, specific title, most specific part first: "Receipt – Nordlys Energi".
    """
    seen: set[tuple[str, str, str]] = set()
    for run, step in ctx.steps():
        if step.status != "ok" or not step.url.startswith(("http://", "https://")) or step.title.strip():
            continue
        key = (run.journey, run.channel, screen_key(step.url, ""))
        if key in seen:
            continue
        seen.add(key)
        yield ctx.finding(
            run,
            step,
            title=f"{url_path(step.url)} has no title",
            fix_title=f"Give {url_path(step.url)} a title",
            root_cause=url_key(step.url),
            evidence={"url": step.url},
        )
