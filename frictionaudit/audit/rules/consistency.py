"""Cross-channel consistency rules (C101–C106): the same service on every channel.

Each rule compares the runs of one journey on its channels, step by step: steps are matched by the
journey's own step index, never by URL, so an m. site with other URLs and a channel picked by
User-Agent at the same URL are compared the same way (``frictionaudit/consistency.py``).

Which channel a finding is on: C101–C103 compare every channel with the majority (ties go to the
channels listed first in frictionaudit.yaml) and report each channel that differs from it. C104–C106
compare each channel with the journey's first channel (the reference, normally desktop): a value
that differs is reported on the other channel; something missing is reported on the channel that
lacks it. Every finding's evidence has ``values`` and ``screenshots`` keyed by channel, ``step`` and
``fact``, so a report can show both sides.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from frictionaudit.audit.model import Finding, Severity
from frictionaudit.audit.registry import AuditContext, rule
from frictionaudit.consistency import (
    Fact,
    FactDiff,
    ScreenFacts,
    Value,
    channel_only_steps,
    comparable_groups,
    compare_facts,
    is_chrome_action,
    journey_runs,
    match_steps,
    normalise_space,
    normalise_text,
    parse_value,
    run_date,
    same_language,
    same_value,
    screen_facts,
    settled_run,
    similarity,
    site_segments,
    step_at,
    step_at_or_before,
    titles_agree,
    unstable_facts,
)
from frictionaudit.effort import journey_effort
from frictionaudit.results import JourneyRun, StepResult

CATEGORY = "consistency"
MAX_PER_JOURNEY = 10  # findings of one kind per journey × channel: beyond, the screens are simply different
SIMILAR_NAME = 0.85  # "Download PDF" and "Download PDF (2 MB)" are one action
COMPARABLE = 0.25  # two screens sharing less than this share of actions or headings are not the same screen
SIMILAR_SECTION = 0.5  # a section heading on one side this alike to one on the other is the same section reworded
SHARED_WORDS = 0.5  # screens declared in two languages that share this much of their words are in one
MANY = 3  # items (actions, sections) on a screen from which its overlap with the other screen is judged


def _name(ctx: AuditContext, journey: str) -> str:
    return ctx.journey_name(journey)


def _join(names: Sequence[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _shot(run: JourneyRun | None, index: int | None) -> str | None:
    if run is None or index is None:
        return None
    step = step_at(run, index)
    if step is None or step.status == "skipped" or not step.screenshot:
        step = step_at_or_before(run, index)
    return step.screenshot if step else None


def _lang(ctx: AuditContext, channel: str, step: StepResult | None) -> str:
    """The page's language (``<html lang>``), else the channel's locale."""
    facts = screen_facts(step) if step is not None else None
    if facts is not None and facts.lang:
        return facts.lang
    info = ctx.results.channel(channel)
    return (info.locale or "") if info else ""


def _words(step: StepResult | None) -> set[str]:
    facts = screen_facts(step) if step is not None else None
    if facts is None:
        return set()
    texts = [t for _, t in facts.headings] + list(facts.action_names.values())
    return {w for t in texts for w in normalise_text(t).split() if len(w) >= 3 and not w.isdigit()}


def _same_words(ctx: AuditContext, a: tuple[str, StepResult | None], b: tuple[str, StepResult | None]) -> bool:
    """Can the two screens' words be compared? Not when they are in two languages (a locale channel).

    The page's ``lang`` (else the channel's locale) says; when the two differ but the screens share
    most of their heading and control words, the markup is wrong and the words are compared.
    """
    if same_language(_lang(ctx, *a), _lang(ctx, *b)):
        return True
    wa, wb = _words(a[1]), _words(b[1])
    return min(len(wa), len(wb)) >= MANY and len(wa & wb) / min(len(wa), len(wb)) >= SHARED_WORDS


def _majority(channels: Sequence[str], values: Mapping[str, Value]) -> tuple[list[str], list[list[str]]]:
    """(the majority's channels, every other class of channels with one value); ties: the first listed."""
    classes: list[list[str]] = []
    for channel in channels:
        for members in classes:
            if same_value(values[members[0]], values[channel]):
                members.append(channel)
                break
        else:
            classes.append([channel])
    classes.sort(key=lambda members: (-len(members), channels.index(members[0])))
    return classes[0], classes[1:]


# ---------------------------------------------------------------------------- C101


@rule(
    "C101",
    "channel-completion-differs",
    "Journey completes on one channel, not on another",
    category=CATEGORY,
    severity="blocker",
    effort="M",
    confidence=1.0,
)
def completion_differs(ctx: AuditContext) -> Iterator[Finding]:
    """The journey can be completed on one channel and is blocked on another.

    What it finds
    -------------
    A journey that completed on at least one channel and was blocked on another (an element that
    never appeared, a page that did not load). It is the channel-difference view of J101: J101 says
    where the customer got stuck; C101 says that the same task works elsewhere, so the service
    *can* do it and this channel is missing a feature. Runs that failed for infrastructure reasons
    are not compared.

    Why it hurts the customer
    -------------------------
    Customers expect the same service whatever channel they pick. A task that works on desktop and
    not on the phone sends them to another device, to customer service, or away; and the usual
    answer, "use the website on a computer", is the most expensive one.

    Example
    -------
    "Download the invoice as PDF" completes on desktop and is blocked on mobile at "Download the
    PDF": the link is not on the phone's invoice page.

    How to fix
    ----------
    Compare the two screenshots of the step. Give the channel the same control or content (or
    another way to do the task on that screen), then re-run the journey on both channels. The J101
    finding of the same step has the reason the step failed.
    """
    for journey, runs in journey_runs(ctx.results).items():
        completed = [c for c, r in runs.items() if r.status == "completed"]
        blocked = [c for c, r in runs.items() if r.status == "blocked" and r.blocked_at is not None]
        if not completed or not blocked:
            continue
        name = _name(ctx, journey)
        for channel in blocked:
            run = runs[channel]
            index = run.blocked_at
            step = step_at(run, index) if index is not None else None
            label = step.label if step else f"step {(index or 0) + 1}"
            values = {c: "completed" for c in completed}
            values.update(
                {c: f"blocked at step {(runs[c].blocked_at or 0) + 1}: {runs[c].reason or ''}".strip() for c in blocked}
            )
            screenshots = {c: _shot(runs[c], index) for c in completed}
            screenshots.update({c: _shot(runs[c], runs[c].blocked_at) for c in blocked})
            yield ctx.finding(
                run,
                step,
                title=f"“{name}” is blocked on {channel} at step {(index or 0) + 1} (“{label}”) "
                f"but completes on {_join(completed)}",
                fix_title=f"“{name}” works on {_join(completed)}, not on {channel} (step {(index or 0) + 1} “{label}”)",
                root_cause=f"{journey}#{index}",
                evidence={
                    "values": values,
                    "screenshots": screenshots,
                    "step": index,
                    "fact": "completion",
                    "reason": run.reason or "",
                    "related": "J101",
                },
            )


# ---------------------------------------------------------------------------- C102


def _effort_text(effort: Any) -> str:
    return f"{effort.screens} screens, {effort.clicks} clicks, {effort.fields} fields"


def _plural(count: int, word: str) -> str:
    return f"{count} more {word}" + ("" if count == 1 else "s")


@rule(
    "C102",
    "channel-effort-differs",
    "One channel needs more screens, clicks or fields",
    category=CATEGORY,
    severity="minor",
    effort="M",
    confidence=0.9,
)
def effort_differs(ctx: AuditContext) -> Iterator[Finding]:
    """The same journey takes more screens, clicks or form fields on one channel than on another.

    What it finds
    -------------
    For a journey that completed on two or more channels, the distinct screens, the clicks/taps and
    the form fields of each channel (as in ``frictionaudit/effort.py``), compared with the channel
    that needs the fewest. Steps only one channel runs (``channels: [mobile]``, such as a menu tap)
    count. Extra screens are minor (major from ``thresholds.channel_extra_screens`` extra screens);
    extra clicks or fields on the same screens are cosmetic.

    Why it hurts the customer
    -------------------------
    Every extra screen is a page load and a new layout to read; every extra tap is one more chance
    to lose the thread. When one channel needs more, its customers pay for the channel they chose,
    and it is usually a sign of a feature squeezed behind menus.

    Example
    -------
    "Pay the latest invoice" takes 9 clicks on desktop and 10 on mobile: the receipt's menu must
    be opened on mobile ("Open the menu" runs only there).

    How to fix
    ----------
    Look at the steps only the busier channel runs and at the screens it adds. Bring the control
    out of the menu, or merge the extra screen into the one before it, where the layout allows.
    """
    major_screens = ctx.thresholds.channel_extra_screens
    for journey, runs in journey_runs(ctx.results).items():
        done = {c: r for c, r in runs.items() if r.status == "completed"}
        if len(done) < 2:
            continue
        efforts = {c: journey_effort(r) for c, r in done.items()}
        least = {m: min(getattr(e, m) for e in efforts.values()) for m in ("screens", "clicks", "fields")}
        name = _name(ctx, journey)
        for channel, effort in efforts.items():
            extra = {m: getattr(effort, m) - least[m] for m in least if getattr(effort, m) > least[m]}
            if not extra:
                continue
            reference = min(
                (c for c in efforts if c != channel),
                key=lambda c: (efforts[c].screens, efforts[c].clicks, efforts[c].fields),
            )
            severity: Severity = "cosmetic"
            if extra.get("screens", 0) >= major_screens:
                severity = "major"
            elif extra.get("screens") or extra.get("fields"):
                severity = "minor"
            only_here = channel_only_steps(done, channel)
            where = only_here[0] if only_here else None
            words = {"screens": "screen", "clicks": "click", "fields": "field"}
            more = ", ".join(_plural(n, words[m]) for m, n in extra.items())
            extra_steps = "; only on " + channel + ": " + ", ".join(f"“{s.label}”" for s in only_here[:3])
            yield ctx.finding(
                done[channel],
                where,
                title=f"“{name}” needs {more} on {channel} than on {reference}" + (extra_steps if only_here else ""),
                fix_title=f"“{name}” takes more effort on {channel} ({more})",
                root_cause=f"{journey}|effort",
                severity=severity,
                evidence={
                    "values": {c: _effort_text(e) for c, e in efforts.items()},
                    "screenshots": {
                        c: _shot(done[c], where.index if where else max(s.index for s in done[c].steps))
                        for c in efforts
                    },
                    "step": where.index if where else None,
                    "fact": "effort",
                    "effort": {c: e.as_dict() for c, e in efforts.items()},
                    "extra": extra,
                    "channel_only_steps": [{"step": s.index, "label": s.label} for s in only_here],
                },
            )


# ---------------------------------------------------------------------------- C103


@dataclass(frozen=True)
class _Captured:
    journey: str
    name: str
    index: int
    steps: Mapping[str, StepResult]
    values: Mapping[str, Value]


def _captures(ctx: AuditContext) -> Iterator[tuple[dict[str, JourneyRun], _Captured]]:
    for journey, runs in journey_runs(ctx.results).items():
        for match in match_steps(runs):
            ok = {c: s for c, s in match.steps.items() if s.status == "ok" and s.captured}
            for name in dict.fromkeys(n for s in ok.values() for n in s.captured):
                steps = {c: s for c, s in ok.items() if name in s.captured}
                if len(steps) >= 2:
                    values = {c: parse_value(s.captured[name]) for c, s in steps.items()}
                    yield runs, _Captured(journey, name, match.index, steps, values)


def captured_differences(ctx: AuditContext) -> list[Mapping[str, Value]]:
    """The captured values that differ between channels (channel → value), for C104 to leave alone."""
    out = []
    for _, cap in _captures(ctx):
        _, others = _majority(list(cap.values), cap.values)
        if others:
            out.append(cap.values)
    return out


@rule(
    "C103",
    "channel-captured-fact-differs",
    "A captured fact differs between channels",
    category=CATEGORY,
    severity="major",
    effort="M",
    confidence=0.9,
)
def captured_fact_differs(ctx: AuditContext) -> Iterator[Finding]:
    """A value the journey captures (``capture:``) is not the same on every channel.

    What it finds
    -------------
    Each ``capture`` value (an amount, a date, a plan name, a due date) compared across the
    channels that ran the step, after normalisation: currency signs and codes ("kr", "NOK"),
    thousands separators and decimal commas, date formats ("15.12.2026", "15 December 2026",
    "2026-12-15", Norwegian and other month names), whitespace, dashes and case. "kr 1 234,50" and
    "1234.50 NOK" are the same; "1 234,50" and "1 243,50" are not. A different amount, date or
    number is major; the same thing worded differently (a plan called another name) is minor, and
    not reported between screens in two languages (a locale channel translates words).

    Why it hurts the customer
    -------------------------
    Customers check the price on their phone and pay on their laptop, or the other way round. Two
    amounts for one invoice, or two due dates, and they do not know which one is true: they call,
    they pay late, they stop trusting the service.

    Example
    -------
    The invoice amount is "kr 1 234,50" on desktop and "kr 1 243,50" on mobile.

    How to fix
    ----------
    Find where each channel gets the value (another API, a cache, a copy of the text in the mobile
    template, a rounding or currency conversion) and make both read the same source. For a name
    worded differently, use one wording everywhere.
    """
    for runs, cap in _captures(ctx):
        channels = list(cap.values)
        majority, others = _majority(channels, cap.values)
        reference = majority[0]
        ref_value = cap.values[reference]
        name = _name(ctx, cap.journey)
        for members in others:
            for channel in members:
                value = cap.values[channel]
                numeric = {ref_value.kind, value.kind} & {"amount", "date", "number", "quantity"}
                if not numeric and not _same_words(
                    ctx, (reference, cap.steps[reference]), (channel, cap.steps[channel])
                ):
                    continue  # worded in another language: a translation, not a difference
                severity: Severity = "major" if numeric else "minor"
                worded = "" if numeric else " (worded differently)"
                yield ctx.finding(
                    runs[channel],
                    cap.steps[channel],
                    title=f"{cap.name} is “{value.raw}” on {channel} but “{ref_value.raw}” on "
                    f"{_join(majority)}{worded}",
                    fix_title=f"“{cap.name}” differs between channels in “{name}” "
                    f"({reference} “{ref_value.raw}”, {channel} “{value.raw}”)",
                    root_cause=f"{cap.journey}|capture:{cap.name}|{ref_value.key}|{value.key}",
                    severity=severity,
                    evidence={
                        "values": {c: cap.steps[c].captured[cap.name] for c in channels},
                        "normalised": {c: v.key for c, v in cap.values.items()},
                        "screenshots": {c: s.screenshot for c, s in cap.steps.items()},
                        "step": cap.index,
                        "fact": cap.name,
                        "kind": value.kind if value.kind == ref_value.kind else "text",
                    },
                )


# ---------------------------------------------------------------------------- pairs of channels


@dataclass
class _Pair:
    """One journey on its reference channel and on one other channel, with their comparable screens."""

    journey: str
    ref: str
    other: str
    runs: Mapping[str, JourneyRun]
    groups: list[list[int]]

    def steps(self, index: int) -> tuple[StepResult, StepResult]:
        a, b = step_at(self.runs[self.ref], index), step_at(self.runs[self.other], index)
        assert a is not None and b is not None
        return a, b

    def screenshots(self, index: int) -> dict[str, str | None]:
        a, b = self.steps(index)
        return {self.ref: a.screenshot, self.other: b.screenshot}


def _pairs(ctx: AuditContext) -> Iterator[_Pair]:
    for journey, runs in journey_runs(ctx.results).items():
        channels = [c for c, r in runs.items() if r.status != "error"]
        if len(channels) < 2:
            continue
        ref = channels[0]
        for other in channels[1:]:
            groups = comparable_groups(runs[ref], runs[other])
            if groups:
                yield _Pair(journey, ref, other, {ref: runs[ref], other: runs[other]}, groups)


def _read(step: StepResult) -> ScreenFacts:
    return screen_facts(step) or ScreenFacts()


# ---------------------------------------------------------------------------- C104


def _fact_text(fact: Fact | None) -> str:
    if fact is None:
        return "(missing)"
    return f"{fact.label}: {fact.value.raw}" if fact.structured else fact.value.raw


_FACT_WORDS = {"amount": "amount", "date": "date", "quantity": "number"}


@rule(
    "C104",
    "channel-screen-fact-differs",
    "An amount, date or key number on screen differs between channels",
    category=CATEGORY,
    severity="major",
    effort="M",
    confidence=0.7,
)
def screen_fact_differs(ctx: AuditContext) -> Iterator[Finding]:
    """An amount, a date or a key number on the same step's screen differs between channels.

    What it finds
    -------------
    With no ``capture`` written: for each step both channels did, the amounts (a number beside a
    currency), dates and key numbers (a number with a unit: kWh, %, GB, months) in the main content
    of the screen, normalised as in C103. A value with the same label (a ``<dt>``, a table header,
    the words around it) that differs is major for an amount or a date and minor for a number; an
    amount or date with a label of its own that one channel does not show at all is minor.

    Noise is kept out: only the main content is read, without live regions, timers, carousels,
    recommendations, navigation and dialogs; times of day, plain numbers and identifiers are not
    facts; dates with a time (timestamps) or within a day of the run are left out; text that keeps
    changing on the page is skipped by the probe; a value that changed between two reads of the
    same screen on one channel (a later step, a revisit, another journey, a repeat run) is noise;
    and only the last read of a screen is compared, when late content has arrived. A value a
    ``capture`` already reports (C103) is not reported again. Values in lists that differ in length
    are not paired, and a value is only called missing when the markup labels it (a ``<dt>``, a
    table header) and nothing of its kind is left unmatched on the other screen.

    The limit: with one load per channel, a value the page picks at random on every load (a
    "price of the day" outside any marked region) cannot be told from a real difference. When the
    same screen is read again on a channel (a revisit, another journey, ``--repeat``), such a value
    shows itself and is left out.

    Why it hurts the customer
    -------------------------
    As for C103: two amounts or two dates for the same thing, and the customer does not know which
    is true. Nobody wrote a check for it, so it ships.

    Example
    -------
    The receipt says "We have received kr 1 234,50" on desktop and "kr 1 243,50" on mobile.

    How to fix
    ----------
    Find where each channel gets the value and make them read the same source. Add a ``capture``
    for the value to the journey, so C103 guards it from now on.
    """
    unstable = unstable_facts(ctx.results)
    captured = captured_differences(ctx)
    for pair in _pairs(ctx):
        reported: set[tuple[Any, ...]] = set()
        counts: dict[str, int] = {}
        today = {c: run_date(r) for c, r in pair.runs.items()}
        for group in pair.groups:
            index = group[-1]
            sa, sb = pair.steps(index)
            # A fact that is noise on either channel is noise on both: its label is left out of the comparison.
            noise = unstable.get((pair.ref, sa.screen), set()) | unstable.get((pair.other, sb.screen), set())
            facts_a = [f for f in _read(sa).facts(today[pair.ref]) if (f.kind, f.label_key) not in noise]
            facts_b = [f for f in _read(sb).facts(today[pair.other]) if (f.kind, f.label_key) not in noise]
            translated = not _same_words(ctx, (pair.ref, sa), (pair.other, sb))
            for diff in compare_facts(facts_a, facts_b, translated=translated):
                if _captured_already(diff, pair, captured):
                    continue
                key = (diff.kind, diff.a.value.key if diff.a else None, diff.b.value.key if diff.b else None)
                if key in reported:
                    continue
                reported.add(key)
                finding = _fact_finding(ctx, pair, group, diff)
                counts[finding.channel] = counts.get(finding.channel, 0) + 1
                if counts[finding.channel] <= MAX_PER_JOURNEY:
                    yield finding


def _captured_already(diff: FactDiff, pair: _Pair, captured: Sequence[Mapping[str, Value]]) -> bool:
    if diff.a is None or diff.b is None:
        return False
    return any(
        pair.ref in values
        and pair.other in values
        and same_value(diff.a.value, values[pair.ref])
        and same_value(diff.b.value, values[pair.other])
        for values in captured
    )


def _fact_finding(ctx: AuditContext, pair: _Pair, group: list[int], diff: FactDiff) -> Finding:
    index = group[-1]
    word = _FACT_WORDS.get(diff.kind, diff.kind)
    name = _name(ctx, pair.journey)
    if diff.a is not None and diff.b is not None:
        channel, severity = pair.other, ("minor" if diff.kind == "quantity" else "major")
        label = diff.a.label if diff.a.structured else (diff.b.label if diff.b.structured else "")
        about = f"“{label}”" if label else f"an {word}" if word[0] in "aeiou" else f"a {word}"
        about = about[0].upper() + about[1:]
        title = f"{about} is “{diff.b.value.raw}” on {pair.other} but “{diff.a.value.raw}” on {pair.ref}"
        fix = f"The {word} “{diff.a.value.raw}” in “{name}” is “{diff.b.value.raw}” on {pair.other}"
        root = f"{diff.kind}|{diff.a.value.key}|{diff.b.value.key}"
    else:
        shown = diff.a or diff.b
        assert shown is not None
        has, lacks = (pair.ref, pair.other) if diff.a is not None else (pair.other, pair.ref)
        channel, severity = lacks, "minor"
        title = f"“{shown.label}: {shown.value.raw}” is on {has}, not on {lacks}"
        fix = f"“{shown.label}” ({word}) is missing on {lacks}"
        root = f"{diff.kind}|{normalise_text(shown.label)}|{shown.value.key}|missing"
    sa, sb = pair.steps(index)
    return ctx.finding(
        pair.runs[channel],
        sa if channel == pair.ref else sb,
        title=title,
        fix_title=fix,
        root_cause=root,
        severity=severity,  # type: ignore[arg-type]
        evidence={
            "values": {pair.ref: _fact_text(diff.a), pair.other: _fact_text(diff.b)},
            "normalised": {
                pair.ref: diff.a.value.key if diff.a else None,
                pair.other: diff.b.value.key if diff.b else None,
            },
            "screenshots": pair.screenshots(index),
            "step": index,
            "steps": group,
            "fact": diff.kind,
            "reference": pair.ref,
        },
    )


# ---------------------------------------------------------------------------- C105


def _blocked_names(ctx: AuditContext) -> dict[str, str]:
    """channel → the reasons its blocked runs gave, lower case (C101 already reports those controls)."""
    reasons: dict[str, str] = {}
    for run in ctx.runs():
        if run.status == "blocked" and run.reason:
            reasons[run.channel] = reasons.get(run.channel, "") + " " + run.reason.casefold()
    return reasons


def _present(facts: ScreenFacts) -> dict[str, str]:
    """Actions a customer can use (visible, or in a part they can open), chrome left out: key → name."""
    return {
        key: facts.action_names[key]
        for key, state in facts.actions.items()
        if state in ("v", "c") and not is_chrome_action(key)
    }


def _alike(a: str, b: str) -> bool:
    """Two names of one control: equal, one the other's first words ("Download PDF (2 MB)"), or 85 % alike."""
    short, long = sorted((a, b), key=len)
    return a == b or (bool(short) and long.startswith(short + " ")) or similarity(a, b) >= SIMILAR_NAME


def _has_like(key: str, keys: Mapping[str, str] | set[str]) -> bool:
    return key in keys or any(_alike(key, other) for other in keys)


def _overlap(a: Mapping[str, Any] | set[str], b: Mapping[str, Any] | set[str]) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 1.0


def _comparable(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Two screens to compare item by item: not when one has several items and the other none, or
    both have several and share less than a quarter of them (another page, an error, a loading state)."""
    if min(len(a), len(b)) == 0:
        return max(len(a), len(b)) < MANY
    return min(len(a), len(b)) < MANY or _overlap(a, b) >= COMPARABLE


@rule(
    "C105",
    "channel-action-missing",
    "A link or button is on one channel and missing on another",
    category=CATEGORY,
    severity="major",
    effort="M",
    confidence=0.7,
)
def action_missing(ctx: AuditContext) -> Iterator[Finding]:
    """A link or button on the same step's screen is on one channel and not on another.

    What it finds
    -------------
    For each step both channels did, the links and buttons of the main content by accessible name
    (as the accessibility tree names them: ``aria-labelledby``, ``aria-label``, the text, an image's
    ``alt``, ``title``). One a customer can use on one channel (visible, or in a part they can open:
    a closed ``<details>``, an accordion, a tab) that is absent or hidden on the other is reported on
    the channel that lacks it: major when it was visible, minor when it was in a collapsed part.

    Channel chrome is left out: controls outside the main content (header, navigation, footer,
    dialogs, cookie banners), toggles (``aria-expanded``, ``aria-haspopup``), and names such as
    Menu, Close, Skip to content, Back to top, language pickers, Search, Previous/Next, share
    buttons, "Full website", app-store links, log in/out and Home. Names alike (85 %) count as the
    same control. Screens that share less than a quarter of their actions are different screens and
    are not compared, and neither are items of long lists (six or more like items: a list, a
    table, a grid of cards), whose length may differ with the viewport. Screens in two languages
    (``<html lang>``, else the channel's locale) are not compared: their names differ by
    translation. A control a blocked step was looking for is reported by C101, not here.

    Why it hurts the customer
    -------------------------
    The customer who knows the feature from one channel looks for it on the other and cannot find
    it: a missing "Download PDF", "Change payment date" or "Cancel subscription" is a call to
    customer service or a trip to another device.

    Example
    -------
    The invoice page has "Download PDF" on desktop; on mobile it is not there.

    How to fix
    ----------
    Give the channel the same action on that screen, or a clear other way to it. If it is hidden
    on small screens by CSS, make it fit instead (a menu of actions, a full-width button).
    """
    blocked = _blocked_names(ctx)
    for pair in _pairs(ctx):
        reported: set[tuple[str, str]] = set()
        counts: dict[str, int] = {}
        for group in pair.groups:
            index = group[-1]
            sa, sb = pair.steps(index)
            if not _same_words(ctx, (pair.ref, sa), (pair.other, sb)):
                continue  # another language: names differ by translation
            fa, fb = _read(sa), _read(sb)
            pa, pb = _present(fa), _present(fb)
            if not _comparable(pa, pb):
                continue
            for has, lacks, mine, theirs, their_facts in (
                (pair.ref, pair.other, pa, pb, fb),
                (pair.other, pair.ref, pb, pa, fa),
            ):
                toggles = {k for k, s in their_facts.actions.items() if s == "t"}
                listed = (fa if has == pair.ref else fb).listed
                for key, name in mine.items():
                    if key in listed or _has_like(key, theirs) or _has_like(key, toggles) or (lacks, key) in reported:
                        continue
                    if f'"{name.casefold()}"' in blocked.get(lacks, "") or f"“{name.casefold()}”" in blocked.get(
                        lacks, ""
                    ):
                        continue
                    reported.add((lacks, key))
                    counts[lacks] = counts.get(lacks, 0) + 1
                    if counts[lacks] > MAX_PER_JOURNEY:
                        continue
                    state = (fb if has == pair.other else fa).actions.get(key, "v")
                    hidden = their_facts.actions.get(key) == "h"
                    values = {has: name, lacks: "(hidden)" if hidden else "(missing)"}
                    screen = sa.title if has == pair.ref else sb.title
                    yield ctx.finding(
                        pair.runs[lacks],
                        sb if lacks == pair.other else sa,
                        title=f"“{name}” is on {has} and {'hidden' if hidden else 'missing'} on {lacks}"
                        + (f" (“{normalise_space(screen)}”)" if screen else ""),
                        fix_title=f"“{name}” is missing on {lacks}",
                        root_cause=f"action|{key}",
                        severity="major" if state == "v" else "minor",
                        evidence={
                            "values": {pair.ref: values[pair.ref], pair.other: values[pair.other]},
                            "screenshots": pair.screenshots(index),
                            "step": index,
                            "steps": group,
                            "fact": "action",
                            "name": name,
                            "reference": pair.ref,
                        },
                    )


# ---------------------------------------------------------------------------- C106


def _heading_key(text: str) -> str:
    return normalise_text("".join("#" if ch.isdigit() else ch for ch in text))


@rule(
    "C106",
    "channel-heading-differs",
    "A heading or page title differs between channels",
    category=CATEGORY,
    severity="minor",
    effort="S",
    confidence=0.6,
)
def heading_differs(ctx: AuditContext) -> Iterator[Finding]:
    """The same step's screen has another main heading, page title or set of sections on another channel.

    What it finds
    -------------
    For each step both channels did: the main heading (the first ``h1`` of the main content)
    worded differently (minor); the page title worded differently once each channel's site name is
    set aside ("Invoice – Shop" and "Invoice | Shop mobile" agree; cosmetic); a section heading
    (``h2``/``h3``) on one channel with no counterpart on the other (minor), or with a differently
    worded counterpart (cosmetic). Headings that differ only in their numbers are left to C104;
    headings of long lists (cards) and screens in two languages are not compared; screens that
    share less than a quarter of their section headings are not compared section by section.

    Why it hurts the customer
    -------------------------
    Headings are how customers find their way and how they describe a page to customer service
    ("I was on *Payment registered*"). Different words on different channels make the service feel
    like two services, and a missing section is missing content.

    Example
    -------
    The receipt is headed "Payment received" on desktop and "Payment registered" on mobile.

    How to fix
    ----------
    Use one wording on every channel (one content source, or one copy deck for the templates);
    give the channel the missing section or a link to it.
    """
    sites: dict[str, set[str]] = {}
    for run in map(settled_run, ctx.runs()):
        sites.setdefault(run.channel, set()).update(s.title for s in run.steps if s.title and s.status == "ok")
    site = {c: site_segments(titles) for c, titles in sites.items()}
    for pair in _pairs(ctx):
        reported: set[tuple[str, ...]] = set()
        counts: dict[str, int] = {}
        for group in pair.groups:
            index = group[-1]
            sa, sb = pair.steps(index)
            if not _same_words(ctx, (pair.ref, sa), (pair.other, sb)):
                continue  # another language: headings differ by translation
            for diff in _heading_diffs(pair, sa, sb, site):
                if diff.key in reported:
                    continue
                reported.add(diff.key)
                counts[diff.channel] = counts.get(diff.channel, 0) + 1
                if counts[diff.channel] > MAX_PER_JOURNEY:
                    continue
                yield ctx.finding(
                    pair.runs[diff.channel],
                    sb if diff.channel == pair.other else sa,
                    title=diff.title,
                    fix_title=diff.fix,
                    root_cause=diff.root,
                    severity=diff.severity,
                    evidence={
                        "values": {pair.ref: diff.values.get(pair.ref), pair.other: diff.values.get(pair.other)},
                        "screenshots": pair.screenshots(index),
                        "step": index,
                        "steps": group,
                        "fact": diff.fact,
                        "reference": pair.ref,
                    },
                )


@dataclass(frozen=True)
class _HeadingDiff:
    key: tuple[str, ...]
    channel: str
    title: str
    fix: str
    root: str
    severity: Severity
    values: dict[str, str]
    fact: str


def _heading_diffs(pair: _Pair, sa: StepResult, sb: StepResult, site: Mapping[str, set[str]]) -> Iterator[_HeadingDiff]:
    ref, other = pair.ref, pair.other
    fa, fb = _read(sa), _read(sb)
    if sa.title and sb.title and not titles_agree(sa.title, sb.title, site.get(ref, set()), site.get(other, set())):
        ta, tb = normalise_text(sa.title), normalise_text(sb.title)
        yield _HeadingDiff(
            ("title", ta, tb),
            other,
            f"The page title is “{sb.title}” on {other} but “{sa.title}” on {ref}",
            f"Page title “{sa.title}” is “{sb.title}” on {other}",
            f"title|{ta}|{tb}",
            "cosmetic",
            {ref: sa.title, other: sb.title},
            "title",
        )
    all_a = {_heading_key(t) for _, t in fa.headings}
    all_b = {_heading_key(t) for _, t in fb.headings}
    h1a = next((t for level, t in fa.headings if level == 1), None)
    h1b = next((t for level, t in fb.headings if level == 1), None)
    if h1a and h1b and _heading_key(h1a) not in all_b and _heading_key(h1b) not in all_a:
        ka, kb = _heading_key(h1a), _heading_key(h1b)
        yield _HeadingDiff(
            ("h1", ka, kb),
            other,
            f"The main heading is “{h1b}” on {other} but “{h1a}” on {ref}",
            f"Heading “{h1a}” is worded “{h1b}” on {other}",
            f"heading|{ka}|{kb}",
            "minor",
            {ref: h1a, other: h1b},
            "heading",
        )
    sec_a = {_heading_key(t): t for level, t in fa.headings if level in (2, 3) and normalise_text(t) not in fa.listed}
    sec_b = {_heading_key(t): t for level, t in fb.headings if level in (2, 3) and normalise_text(t) not in fb.listed}
    if not _comparable(sec_a, sec_b):
        return
    only_a = {k: t for k, t in sec_a.items() if k not in all_b}
    only_b = {k: t for k, t in sec_b.items() if k not in all_a}
    for ka, ta in list(only_a.items()):
        scored = sorted(((similarity(ka, kb), kb) for kb in only_b), reverse=True)
        if not scored or scored[0][0] < SIMILAR_SECTION:
            continue
        best = scored[0][1]
        tb = only_b.pop(best)
        del only_a[ka]
        yield _HeadingDiff(
            ("section-worded", ka, best),
            other,
            f"The section “{ta}” is called “{tb}” on {other}",
            f"Section “{ta}” is worded “{tb}” on {other}",
            f"section-worded|{ka}|{best}",
            "cosmetic",
            {ref: ta, other: tb},
            "heading",
        )
    for has, lacks, only in ((ref, other, only_a), (other, ref, only_b)):
        for key, text in only.items():
            yield _HeadingDiff(
                ("section", lacks, key),
                lacks,
                f"The section “{text}” is on {has}, not on {lacks}",
                f"Section “{text}” is missing on {lacks}",
                f"section|{key}",
                "minor",
                {has: text, lacks: "(missing)"},
                "section",
            )
