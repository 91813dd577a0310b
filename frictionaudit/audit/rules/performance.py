"""Speed and stability rules over the performance probe's observations (``StepResult.extra["perf"]``).

The probe (``frictionaudit/gather/collectors/performance.py``) records raw timings; the lines are drawn
here, from ``thresholds:`` in frictionaudit.yaml. Where a standard has a "poor" line, the major
severity starts there (web-vitals: TTFB 1.8 s, LCP 4 s, CLS 0.25; Lighthouse: TBT 600 ms on mobile),
scaled with the threshold when it is tuned.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeGuard

from frictionaudit.audit.model import Finding
from frictionaudit.audit.registry import AuditContext, rule
from frictionaudit.audit.rules.speed import DEFAULT_STEP_BUDGET
from frictionaudit.audit.text import short, url_key, url_path
from frictionaudit.results import Request, StepResult

# web-vitals: TTFB good ≤ 0.8 s, poor > 1.8 s; LCP good ≤ 2.5 s, poor > 4 s.
TTFB_POOR_RATIO = 1.8 / 0.8
LCP_POOR_RATIO = 4.0 / 2.5
# Lighthouse's TBT: the part of each long task beyond 50 ms blocks input.
LONG_TASK_MS = 50
# Layout Instability API / web-vitals: shifts within 500 ms of discrete input are expected; a session
# window ends after a 1 s gap or 5 s in all.
RECENT_INPUT_MS = 500
SESSION_GAP_SECONDS = 1.0
SESSION_MAX_SECONDS = 5.0
# Steps where the customer acts on the page in place (a goto's page load is not "after an interaction").
INTERACTIONS = ("click", "fill", "select", "check", "press", "hover", "scroll")


def _perf(step: StepResult) -> dict[str, Any]:
    data = step.extra.get("perf")
    return data if isinstance(data, dict) else {}


def _number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _rows(data: dict[str, Any], key: str, width: int) -> list[list[Any]]:
    rows = data.get(key)
    if not isinstance(rows, list):
        return []
    return [r for r in rows if isinstance(r, list) and len(r) >= width and _number(r[0]) and _number(r[1])]


def _dicts(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = data.get(key)
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _page_name(url: str) -> str:
    return url_path(url) if url else "the page"


def blocking(step: StepResult) -> tuple[float, list[list[Any]]]:
    """Total blocking time (ms) of the long tasks in the page the step acted on, and those tasks."""
    tasks = [t for t in _rows(_perf(step), "long_tasks", 3) if t[2] is True]
    return sum(max(0.0, float(t[1]) - LONG_TASK_MS) for t in tasks), tasks


def counted_shifts(step: StepResult) -> list[list[Any]]:
    """The step's layout shifts, without those within 500 ms after the replay's own input."""
    shifts = []
    for row in _rows(_perf(step), "shifts", 4):
        since = row[2]
        if _number(since) and 0 <= since < RECENT_INPUT_MS:
            continue
        shifts.append(row)
    return sorted(shifts, key=lambda r: r[0])


def largest_session(shifts: list[list[Any]]) -> tuple[float, list[list[Any]]]:
    """web-vitals' CLS over these shifts: the largest session window's sum, and its shifts."""
    best: tuple[float, list[list[Any]]] = (0.0, [])
    window: list[list[Any]] = []
    for row in shifts:
        if window and (row[0] - window[-1][0] >= SESSION_GAP_SECONDS or row[0] - window[0][0] >= SESSION_MAX_SECONDS):
            window = []
        window.append(row)
        total = sum(float(r[1]) for r in window)
        if total > best[0]:
            best = (total, list(window))
    return best


@rule(
    "P102",
    "slow-server-response",
    "Slow server response (time to first byte)",
    category="speed",
    severity="minor",
    effort="M",
    confidence=0.7,
)
def slow_server_response(ctx: AuditContext) -> Iterator[Finding]:
    """A page took longer than ``thresholds.ttfb_seconds`` to start arriving (time to first byte).

    What it finds
    -------------
    Every page (main document) loaded during a step, by a ``goto``, a link, a form or a script, whose
    time to first byte is over the threshold (default 0.8 s). Time to first byte is measured as
    web-vitals' TTFB: from the start of the navigation to the first byte of the response
    (Navigation Timing ``responseStart``), so redirects and connection set-up count; the evidence
    splits it into the set-up before the request and the server's own wait. Over 2.25× the threshold
    (1.8 s by default, web-vitals' "poor" line) is major.

    Why it hurts the customer
    -------------------------
    Until the first byte arrives the customer sees the old page or a blank one, and nothing on the new
    page can start loading: every later paint waits for it. Slow server responses are usually the
    first second of a slow page.

    When most of that time went into an earlier request of the same navigation that redirected to the
    page (``POST /pay`` answering ``303 → /receipt``), the finding names that request instead. A step
    over its own budget is P101's (which names the slowest request); P102 then stays silent, so one
    slow answer is one fix, not two.

    Example
    -------
    ``/reports/yearly`` took 1.9 s to start answering (1.85 s of it waiting for the server);
    ``POST /pay`` took 3.5 s to answer before redirecting to ``/receipt``.

    How to fix
    ----------
    Look at the server work behind that URL at the time of the run: slow database queries, calls to
    other services, no caching of pages that are the same for everyone. When most of the time is
    set-up (``setup_seconds``), look at redirects and at DNS/TLS. A CDN in front helps customers far
    from the server.
    """
    limit = ctx.thresholds.ttfb_seconds
    step_budget = float((ctx.settings.get("budgets") or {}).get("step_seconds") or DEFAULT_STEP_BUDGET)
    for run, step in ctx.steps():
        if step.action != "wait" and step.status == "ok" and step.duration > step_budget:
            continue  # P101 reports this step, with its slowest request
        for page in _dicts(_perf(step), "pages"):
            ttfb = page.get("ttfb")
            if not _number(ttfb) or ttfb <= limit:
                continue
            url = str(page.get("url") or step.url)
            name = _page_name(url)
            evidence = {
                "url": url,
                "ttfb_seconds": round(float(ttfb), 3),
                "server_seconds": page.get("server"),
                "setup_seconds": page.get("setup"),
                "budget": limit,
            }
            hop = _slow_redirect(step, url, float(ttfb))
            if hop is not None:  # the time went into an earlier request that redirected here (a POST, an SSO hop)
                what = f"{hop.method} {url_path(hop.url)}"
                evidence.update(redirect=hop.url, redirect_method=hop.method, redirect_seconds=hop.duration)
                title = f"{what} took {hop.duration:.2f} s to answer (then {name}) on {run.channel}"
                fix = f"The server takes more than {limit:g} s to answer {what}"
                cause = f"{hop.method} {url_key(hop.url)}"
            else:
                title = f"{name} took {ttfb:.2f} s to start answering on {run.channel}"
                fix = f"The server takes more than {limit:g} s to answer {name}"
                cause = url_key(url)
            yield ctx.finding(
                run,
                step,
                title=f"{title} (budget {limit:g} s)",
                fix_title=fix,
                root_cause=cause,
                severity="major" if ttfb > limit * TTFB_POOR_RATIO else "minor",
                evidence=evidence,
            )


def _slow_redirect(step: StepResult, url: str, ttfb: float) -> Request | None:
    """The redirecting main-frame request of the step that took most of the page's time to first byte."""
    hops = [
        r
        for r in step.requests
        if r.is_navigation
        and r.status is not None
        and 300 <= r.status < 400
        and r.url != url
        and r.duration is not None
        and r.duration >= 0.5 * ttfb
    ]
    return max(hops, key=lambda r: r.duration or 0.0, default=None)


@rule(
    "P103",
    "slow-largest-paint",
    "Main content slow to appear (largest contentful paint)",
    category="speed",
    severity="minor",
    effort="M",
    confidence=0.7,
)
def slow_largest_paint(ctx: AuditContext) -> Iterator[Finding]:
    """A page's main content appeared later than ``thresholds.lcp_seconds`` (largest contentful paint).

    What it finds
    -------------
    Pages whose Largest Contentful Paint, the time from the start of the navigation until the biggest
    text block or image in the viewport was painted (the Core Web Vital, read from the browser's
    ``largest-contentful-paint`` entries until the first input), is over the threshold (default
    2.5 s, web-vitals' "good" line). A slow server response is P102's finding: the time to first
    byte beyond its own threshold is taken off first, so this fires only when the page is still slow
    to paint after that. Over 1.6× the threshold (4 s by default, web-vitals' "poor" line) is major.

    Why it hurts the customer
    -------------------------
    Until the main content is there the customer waits in front of a header, a spinner or a blank
    page, and cannot read or do what they came for.

    Example
    -------
    On ``/invoice`` the amount due (``p.hero``) appeared 3.1 s after the navigation started, because
    it is rendered only after an API call.

    How to fix
    ----------
    Look at the element in the evidence. If it is an image: preload it, serve it smaller, do not
    lazy-load it. If it is text rendered by JavaScript after an API call: render it on the server or
    make the call faster. Remove anti-flicker snippets that hide the page until a script loads.
    """
    limit = ctx.thresholds.lcp_seconds
    ttfb_limit = ctx.thresholds.ttfb_seconds
    for run, step in ctx.steps():
        for page in _dicts(_perf(step), "pages"):
            lcp = page.get("lcp")
            if not _number(lcp) or lcp <= limit:
                continue
            ttfb = page.get("ttfb")
            server_excess = max(0.0, float(ttfb) - ttfb_limit) if _number(ttfb) else 0.0
            painting = float(lcp) - server_excess
            if painting <= limit:
                continue  # a slow server explains it: P102
            url = str(page.get("url") or step.url)
            name = _page_name(url)
            element = str(page.get("lcp_element") or "")
            yield ctx.finding(
                run,
                step,
                title=f"The main content of {name} appeared after {lcp:.1f} s on {run.channel} (budget {limit:g} s)",
                fix_title=f"The main content of {name} takes more than {limit:g} s to appear",
                root_cause=url_key(url),
                severity="major" if painting > limit * LCP_POOR_RATIO else "minor",
                evidence={
                    "url": url,
                    "lcp_seconds": round(float(lcp), 3),
                    "element": element,
                    "image": page.get("lcp_url") or None,
                    "ttfb_seconds": ttfb,
                    "budget": limit,
                },
            )


@rule(
    "P104",
    "layout-shift",
    "Content jumps (layout shift)",
    category="speed",
    severity="minor",
    effort="S",
    confidence=0.8,
)
def layout_shift(ctx: AuditContext) -> Iterator[Finding]:
    """Visible content moved by itself during a step: a layout shift over ``thresholds.cls_warn``.

    What it finds
    -------------
    Steps where the page's content jumped. The score is computed like web-vitals' Cumulative Layout
    Shift over the step's ``layout-shift`` entries (main frame): the largest session window (shifts
    less than 1 s apart, at most 5 s) of summed shift scores. Over ``thresholds.cls_warn`` (0.1,
    web-vitals' "good" line) is minor, over ``thresholds.cls_fail`` (0.25, "poor") major. What the
    page does while a later ``wait``/``expect`` step waits counts for the step that acted before it.

    Shifts the customer caused are left out, as CLS does, but by one rule on every channel: a shift
    within 500 ms after the replay's own input (``pointerdown``, ``mousedown``, ``touchstart``,
    ``keydown``, ``input``/``change``) does not count, and Chromium's ``hadRecentInput`` flag is
    ignored, because under touch emulation Chromium sets it after a tap where a desktop run does not:
    the same shift must count the same on desktop and on mobile. A shift 0.8 s after a click (an
    answer that arrives and pushes the page down) counts.

    Why it hurts the customer
    -------------------------
    The text they were reading moves away; the button they were about to press moves and they press
    something else (an ad, "Cancel", the wrong product).

    Example
    -------
    On ``/offers`` a 200 px campaign banner appears above the text 300 ms after the page loaded and
    pushes everything down (score 0.24 on mobile).

    How to fix
    ----------
    Reserve the space: give images and embeds ``width`` and ``height`` (or ``aspect-ratio``), give
    banners, ads and late answers a box with a ``min-height`` before they arrive, or show them over
    the content instead of above it. Load web fonts with ``font-display: optional`` or matched
    fallback metrics.
    """
    warn, fail = ctx.thresholds.cls_warn, ctx.thresholds.cls_fail
    for run, step in ctx.steps():
        score, window = largest_session(counted_shifts(step))
        if score <= warn or not window:
            continue
        biggest = max(window, key=lambda r: float(r[1]))
        moved = str(biggest[3] or "") if len(biggest) > 3 else ""
        name = _page_name(step.url)
        yield ctx.finding(
            run,
            step,
            title=f"Content jumped on {name} during “{step.label}” on {run.channel} (layout shift {score:.2f})",
            fix_title=f"Content on {name} jumps" + (f" ({short(moved, 60)} moves)" if moved else ""),
            root_cause=f"{url_key(step.url)} {moved}".strip(),
            severity="major" if score > fail else "minor",
            evidence={
                "score": round(score, 4),
                "shifts": len(window),
                "moved": moved,
                "seconds_after_step_start": round(float(biggest[0]) - step.started, 2),
                "warn": warn,
                "fail": fail,
            },
        )


@rule(
    "P105",
    "main-thread-blocked",
    "Page frozen after an action (long tasks)",
    category="speed",
    severity="minor",
    effort="M",
    confidence=0.6,
)
def main_thread_blocked(ctx: AuditContext) -> Iterator[Finding]:
    """After an action, the page's scripts kept the browser busy longer than ``thresholds.blocking_ms``.

    What it finds
    -------------
    Click, fill, select, check, press, hover and scroll steps whose long tasks (the browser's
    ``longtask`` entries: main-thread tasks of 50 ms or more) in the page the customer acted on add up
    to a total blocking time over the threshold (default 300 ms). Blocking time is Lighthouse's TBT:
    the part of each long task beyond 50 ms, during which a tap or a key press cannot be handled.
    Tasks count from the action until the step settled (and while a following ``wait``/``expect``
    waits); frictionaudit's own work afterwards (screenshots, checks) does not. A new page's own
    loading is not counted here. Twice the threshold or more (600 ms, Lighthouse's "poor" TBT on
    mobile) is major. The evidence names the scripts that ran longest (Long Animation Frames).

    Why it hurts the customer
    -------------------------
    While the main thread is blocked the page is frozen: taps and typing are ignored or land late,
    spinners stop, and the customer taps again or thinks the site hung. Phones have slower processors
    than the machine that ran the audit, so it is worse for them.

    Example
    -------
    "Yearly price" runs ``yearlyPrice`` in ``BUTTON#heavy.onclick`` for 1.2 s: 1,150 ms of blocking.

    How to fix
    ----------
    Find the script in the evidence. Split the work into chunks that yield to the browser
    (``scheduler.yield()``, ``setTimeout``), move it to a Web Worker or the server, do less of it (only
    what is visible), or debounce handlers that run on every event.
    """
    limit = ctx.thresholds.blocking_ms
    for run, step in ctx.steps():
        if step.action not in INTERACTIONS:
            continue
        total, tasks = blocking(step)
        if total <= limit or not tasks:
            continue
        scripts = _script_rows(step)
        top = scripts[0] if scripts else None
        culprit = (top["invoker"] or top["source"]) if top else ""
        yield ctx.finding(
            run,
            step,
            title=f"The page froze for {total:.0f} ms after “{step.label}” on {run.channel} (budget {limit:g} ms)",
            fix_title=f"“{step.label}” blocks the page" + (f" ({short(culprit, 60)})" if culprit else ""),
            root_cause=f"{url_key(step.url)} {culprit}".strip() if culprit else f"{run.journey}#{step.index}",
            severity="major" if total >= 2 * limit else "minor",
            evidence={
                "blocking_ms": round(total),
                "long_tasks": len(tasks),
                "longest_task_ms": max(int(t[1]) for t in tasks),
                "scripts": scripts[:3],
                "budget_ms": limit,
            },
        )


def _script_rows(step: StepResult) -> list[dict[str, Any]]:
    """The step's long-running scripts, longest first: invoker, source URL, function, milliseconds."""
    rows = _perf(step).get("scripts")
    found = []
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, list) and len(row) == 4 and _number(row[3]):
            found.append({"invoker": str(row[0]), "source": str(row[1]), "function": str(row[2]), "ms": int(row[3])})
    return sorted(found, key=lambda s: -s["ms"])


@rule(
    "P106",
    "slow-click-feedback",
    "No visible answer to a click",
    category="speed",
    severity="minor",
    effort="S",
    confidence=0.7,
)
def slow_click_feedback(ctx: AuditContext) -> Iterator[Finding]:
    """After a click, nothing visible changed for longer than ``thresholds.feedback_seconds``.

    What it finds
    -------------
    Clicks after which the first visible change came later than the threshold (default 1 s, the
    limit for keeping the customer's flow of thought in Nielsen's response-time limits). The time
    runs from the press (``pointerdown``) to the first of: a change in the page's DOM to something
    rendered (an element added, removed, shown or hidden, text or styles changed), a navigation
    starting (the browser shows it is loading), a form control changing state, a ``<details>`` or
    popover opening, a text field taking focus, media starting, a native dialog, a popup or a
    download. Text and styles that were already changing by themselves before the click (a clock, a
    ticker, an animation) are not an answer, nor is another field's ``change`` event as the click
    takes the focus from it. The watch lasts until the next acting step (a following ``wait`` or
    ``expect`` is watched through), a new page, or 10 s.

    It is not P101: a slow step that shows a spinner at once is not slow feedback, and a click whose
    navigation starts at once is not either, however slow the next page is (P101, P102). A slow step
    that also shows nothing is both: two fixes (answer at once; be faster). When the page was frozen
    by its own scripts for most of the wait and P105 reports that step, this rule stays silent.
    Clicks after which nothing visible changed at all (a canvas redrawn, a change inside a frame) are
    not reported: a slow answer cannot be told from a change frictionaudit cannot see (a click that
    does nothing and leaves the journey stuck is F101's). Clicks inside frames are not timed. Twice
    the threshold or more is major.

    Why it hurts the customer
    -------------------------
    With no sign that the click was taken, customers click again (two orders, two payments), or
    decide the site is broken and leave.

    Example
    -------
    "Send" shows nothing for 1.5 s, then "Message sent" appears.

    How to fix
    ----------
    Acknowledge the click at once, before the work: disable the button and show a spinner or
    "Sending…", navigate at once to a page that shows progress, or update the page optimistically.
    """
    limit = ctx.thresholds.feedback_seconds
    for run, step in ctx.steps():
        total, tasks = blocking(step)
        frozen_reported = step.action in INTERACTIONS and total > ctx.thresholds.blocking_ms
        for click in _dicts(_perf(step), "clicks"):
            answer = click.get("answer")
            at = click.get("at")
            if not _number(answer) or answer <= limit:
                continue
            if frozen_reported and _number(at):
                frozen = _overlap_seconds(tasks, float(at), float(at) + float(answer))
                if frozen >= 0.5 * float(answer):
                    continue  # P105's finding: the page's own scripts froze it
            kind = str(click.get("kind") or "")
            yield ctx.finding(
                run,
                step,
                title=f"Nothing visible happened for {answer:.1f} s after “{step.label}” on {run.channel}",
                fix_title=f"“{step.label}” shows no sign of life for more than {limit:g} s",
                root_cause=f"{run.journey}#{step.index}",
                severity="major" if answer >= 2 * limit else "minor",
                evidence={
                    "seconds": round(float(answer), 3),
                    "first_change": kind,
                    "changed": str(click.get("what") or ""),
                    "budget": limit,
                },
            )


def _overlap_seconds(tasks: list[list[Any]], start: float, end: float) -> float:
    """Seconds of [start, end] covered by these long tasks ([at, ms, ...])."""
    covered = 0.0
    for task in tasks:
        t0, t1 = float(task[0]), float(task[0]) + float(task[1]) / 1000
        covered += max(0.0, min(end, t1) - max(start, t0))
    return covered
