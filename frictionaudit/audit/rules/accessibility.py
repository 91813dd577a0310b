"""Accessibility rules: axe-core's WCAG violations on the screens of a journey."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from frictionaudit.audit.model import Finding, Severity
from frictionaudit.audit.registry import RULES, AuditContext, rule
from frictionaudit.audit.text import short, url_path

# axe impact → severity, for rules that test a WCAG 2.x A/AA success criterion. Nothing is a
# blocker: a blocked journey (J101) is what blocks; an inaccessible control that blocks a screen
# reader user is major, like an uncaught exception.
WCAG_SEVERITY: dict[str, Severity] = {"critical": "major", "serious": "major", "moderate": "minor", "minor": "cosmetic"}
# axe's best-practice rules are advice, not conformance failures: the serious ones one step lower,
# the moderate and minor ones (landmarks, heading order, "page has a heading one") not reported.
BEST_PRACTICE_SEVERITY: dict[str, Severity] = {"critical": "minor", "serious": "minor"}
# axe rules whose problem another rule reports (so one problem is one fix), when that rule exists:
# an empty title (T101); a viewport meta that locks zoom, a phone's problem (M101).
COVERED_ELSEWHERE = {"document-title": "T101", "meta-viewport": "M101", "meta-viewport-large": "M101"}
# On mobile channels, WCAG 2.5.8 target size is left to M103 (tap targets) when that rule exists.
TARGET_SIZE_ON_MOBILE = "M103"
# A field the journey fills without a label is F109's (it also refuses a placeholder as a label).
FIELD_LABELS = ("label", "select-name")
FILLED_FIELDS_RULE = "F109"
_ATTRIBUTE = re.compile(r'\b(?:id|name)="([^"]+)"')
MAX_NODES_SHOWN = 5

_NTH = re.compile(r":nth-(?:last-)?(?:child|of-type)\([^)]*\)")
_TOKEN = re.compile(r"[#.](?:\\.|[\w-])+|\[[^\]]*\]")


def is_wcag(tags: list[str]) -> bool:
    return any(re.fullmatch(r"wcag2\d*a{1,2}", t) for t in tags)


def severity_of(violation: dict[str, Any]) -> Severity | None:
    """The finding's severity for one axe violation, or None when it is not reported."""
    impact = str(violation.get("impact") or "minor")
    if is_wcag(list(violation.get("tags") or [])):
        return WCAG_SEVERITY.get(impact, "minor")
    return BEST_PRACTICE_SEVERITY.get(impact)


def normalise_selector(target: str) -> str:
    """axe's selector with positions and numbers folded: the 3rd and 7th card of a list are one place.

    ``ul.products > li:nth-child(3) > a#buy-1234`` → ``ul.products > li > a#buy-N``.
    """
    selector = _NTH.sub("", target)
    selector = _TOKEN.sub(lambda m: re.sub(r"\d+", "N", m.group(0)), selector)
    return " ".join(selector.split())


def node_group(axe_rule: str, node: dict[str, Any]) -> str:
    """What one fix changes: the colour pair for contrast, else the element's normalised selector."""
    data = node.get("data") or {}
    if axe_rule == "color-contrast" and data.get("fgColor") and data.get("bgColor"):
        return f"{data['fgColor']} on {data['bgColor']}"
    return normalise_selector(str(node.get("target") or ""))


def unlabelled_filled_fields(run: Any) -> set[tuple[str, str]]:
    """(page path, field name or id) of the fields without a label that the journey filled.

    Read from the forms probe's facts (``extra["forms"]["submit"]["filled"]``), which F109 reports.
    """
    found: set[tuple[str, str]] = set()
    for step in run.steps:
        forms = step.extra.get("forms")
        submit = forms.get("submit") if isinstance(forms, dict) else None
        if not isinstance(submit, dict):
            continue
        page = url_path(str(submit.get("from") or step.url))
        for field in submit.get("filled") or []:
            if isinstance(field, dict) and field.get("labelled") is False:
                found.update((page, str(field[k])) for k in ("name", "id") if field.get(k))
    return found


def is_filled(node: dict[str, Any], page: str, fields: set[tuple[str, str]]) -> bool:
    """The node is one of ``fields`` on ``page`` (matched by its ``id`` or ``name`` attribute)."""
    path = url_path(page)
    return any((path, value) in fields for value in _ATTRIBUTE.findall(str(node.get("html") or "")))


def wcag_criteria(tags: list[str]) -> list[str]:
    """``wcag143`` → ``1.4.3``; the success criteria a violation fails."""
    found = []
    for tag in tags:
        match = re.fullmatch(r"wcag(\d)(\d)(\d+)", tag)
        if match:
            found.append(".".join(match.groups()))
    return found


@rule(
    "A101",
    "accessibility-violation",
    "Accessibility violation (axe-core)",
    category="accessibility",
    severity="major",
    effort="S",
    confidence=0.9,
)
def accessibility_violation(ctx: AuditContext) -> Iterator[Finding]:
    """A screen fails an automated WCAG 2.x A/AA check of axe-core.

    What it finds
    -------------
    On each distinct screen of a journey (the first step that ends on it, per channel), axe-core
    4.x runs the rules tagged WCAG 2.0/2.1/2.2 A and AA plus its best-practice rules, with
    ``target-size`` (WCAG 2.2 SC 2.5.8) switched on. Each violated axe rule is reported once per
    group of elements: the same colour pair for colour contrast, otherwise the same element
    (axe's CSS selector, with list positions and numbers folded, so the 3rd and the 7th product
    card are one place). The same group on other screens and channels is the same fix, with every
    occurrence as evidence. Severity follows axe's impact: critical and serious → major, moderate
    → minor, minor → cosmetic. Best-practice rules that are not WCAG criteria count one step lower
    when serious or critical (→ minor) and are not reported below that (landmarks, heading
    order). axe's "needs review" results are never findings. Left to other rules: an empty title
    (T101), a viewport that locks zoom (M101), on mobile channels the tap-target size (M103, the
    same WCAG 2.5.8 criterion), and a field the journey fills without a label (F109). Content
    inside iframes is not checked.

    Why it hurts the customer
    -------------------------
    About one person in six lives with a significant disability (WHO, 2023). An image button
    without a name is a silent "button" to a screen reader; a field without a label cannot be
    filled in by voice; grey-on-white text is unreadable in sunlight or with low vision; a
    16-pixel close button is missed by a trembling finger. These customers cannot finish the
    journey alone, and for banks, shops, transport and public services the European
    Accessibility Act and the Web Accessibility Directive make WCAG AA a legal requirement.

    Example
    -------
    ``image-alt`` (critical): ``<img src="/img/logo.svg">`` in the header of every screen has no
    text alternative; ``color-contrast`` (serious): ``#9a9a9a`` text on ``#ffffff`` has a ratio of
    2.8:1 where 4.5:1 is needed.

    How to fix
    ----------
    Open the rule's page (``help_url`` in the evidence: Deque University explains the rule and the
    fix) and the elements' HTML snippets. Fix it in the shared component or design token rather
    than per page: the logo component gets ``alt="Nordlys Energi – home"``, the grey text colour
    token gets darker. Re-run to confirm.
    """
    mobile = {c.name for c in ctx.results.channels if c.is_mobile}
    target_size_elsewhere = TARGET_SIZE_ON_MOBILE in RULES
    covered = {axe_rule for axe_rule, code in COVERED_ELSEWHERE.items() if code in RULES}
    filled: dict[tuple[str, str], set[tuple[str, str]]] = {}
    if FILLED_FIELDS_RULE in RULES:
        for run in ctx.runs():
            filled[(run.journey, run.channel)] = unlabelled_filled_fields(run)
    for run, step in ctx.steps():
        scan = step.extra.get("a11y")
        if not isinstance(scan, dict):
            continue
        fields = filled.get((run.journey, run.channel), set())
        for violation in scan.get("violations") or []:
            axe_rule = str(violation.get("id") or "")
            severity = severity_of(violation)
            if severity is None or axe_rule in covered:
                continue
            if axe_rule == "target-size" and target_size_elsewhere and run.channel in mobile:
                continue
            groups: dict[str, list[dict[str, Any]]] = {}
            for node in violation.get("nodes") or []:
                if axe_rule in FIELD_LABELS and is_filled(node, step.url, fields):
                    continue
                groups.setdefault(node_group(axe_rule, node), []).append(node)
            for group, nodes in groups.items():
                yield _finding(ctx, run, step, scan, violation, severity, group, nodes)


def _finding(
    ctx: AuditContext,
    run: Any,
    step: Any,
    scan: dict[str, Any],
    violation: dict[str, Any],
    severity: Severity,
    group: str,
    nodes: list[dict[str, Any]],
) -> Finding:
    axe_rule = str(violation.get("id"))
    help_text = short(str(violation.get("help") or axe_rule), 120)
    tags = list(violation.get("tags") or [])
    shown = [
        {k: node[k] for k in ("target", "html", "summary", "data") if node.get(k) not in (None, "")}
        for node in nodes[:MAX_NODES_SHOWN]
    ]
    where = short(group, 80)
    many = f"{len(nodes)} elements" if len(nodes) > 1 else "1 element"
    return ctx.finding(
        run,
        step,
        title=f"{help_text} on {url_path(step.url)}: {many} ({where})",
        fix_title=f"{help_text}: {where}",
        root_cause=f"{axe_rule} {group}",
        severity=severity,
        evidence={
            "axe_rule": axe_rule,
            "impact": violation.get("impact"),
            "help": violation.get("help"),
            "help_url": violation.get("help_url"),
            "wcag": wcag_criteria(tags),
            "tags": tags,
            "group": group,
            "elements": len(nodes),
            "elements_on_screen": violation.get("count", len(nodes)),
            "nodes": shown,
            "page": step.url,
            "engine": scan.get("engine", ""),
        },
    )
