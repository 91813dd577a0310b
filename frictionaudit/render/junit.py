"""``junit.xml``: one test suite per journey, one test case per channel, for CI systems to show natively.

A case fails when the journey is blocked on that channel, when it has findings that ``--fail-on``
selects (see :mod:`frictionaudit.gate`), or when it is over one of its budgets; a run the browser
could not do is an error (infrastructure, not the service). The other findings are listed in the
case's ``system-out``, so nothing is hidden.

An interrupted run says so in every suite: ``frictionaudit.interrupted`` and the counts as
properties, and the notice in the suite's ``system-out`` (no test case is made up for the runs that
did not finish). When no run finished there is one empty suite to carry it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from frictionaudit.analysis import Analysis
from frictionaudit.audit.model import Finding
from frictionaudit.gate import FailOn, Overrun, budget_overruns, parse_fail_on
from frictionaudit.render.interruption import Interruption, interruption, unfinished_list
from frictionaudit.results import JourneyRun

# Characters XML 1.0 cannot hold at all (a console message may contain them).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
MAX_TEXT = 4000


def _text(value: object) -> str:
    return _NOT_XML.sub("\ufffd", str(value))


def _line(f: Finding) -> str:
    step = f"step {f.step + 1} " if f.step is not None else ""
    return f"[{f.rule} {f.severity}] {step}{f.title}"


def _body(lines: list[str]) -> str:
    text = "\n".join(lines)
    return _text(text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…")


def _case(
    suite: ET.Element, run: JourneyRun, findings: list[Finding], fail_on: FailOn, overruns: list[Overrun], source: str
) -> tuple[int, int]:
    case = ET.SubElement(
        suite,
        "testcase",
        name=_text(run.channel),
        classname=_text(f"frictionaudit.{run.journey}"),
        time=f"{run.duration:.3f}",
    )
    if source:
        case.set("file", _text(source))
    failing = [f for f in findings if fail_on.matches(f)]
    failures = errors = 0
    if run.status == "error":
        error = ET.SubElement(case, "error", message=_text(run.reason or "the browser failed"), type="browser")
        error.text = _text(run.reason or "")
        errors = 1
    elif run.status == "blocked" or failing or overruns:
        where = f" at step {run.blocked_at + 1}" if run.blocked_at is not None else ""
        if run.status == "blocked":
            kind, message = "blocked", f"blocked{where}: {run.reason or ''}"
        elif failing:
            n = len(failing)
            kind, message = "findings", f"{n} finding{'s' if n != 1 else ''} selected by --fail-on {fail_on.text}"
        else:
            kind, message = "budget", overruns[0].reason()
        failure = ET.SubElement(case, "failure", message=_text(message), type=kind)
        failure.text = _body([message, *(o.reason() for o in overruns), *(_line(f) for f in failing)])
        failures = 1
    rest = [f for f in findings if f not in failing]
    if rest:
        ET.SubElement(case, "system-out").text = _body([_line(f) for f in rest])
    return failures, errors


def _interrupted_properties(suite: ET.Element, stopped: Interruption) -> None:
    """The interruption as the suite's properties (they must come before its test cases)."""
    properties = ET.SubElement(suite, "properties")
    values = {"frictionaudit.interrupted": "true", "frictionaudit.runs_finished": str(stopped.finished)}
    if stopped.total is not None:
        values["frictionaudit.runs_total"] = str(stopped.total)
    if stopped.unfinished:
        values["frictionaudit.runs_unfinished"] = ", ".join(stopped.unfinished)
    for name, value in values.items():
        ET.SubElement(properties, "property", name=name, value=_text(value))


def _interrupted_out(suite: ET.Element, stopped: Interruption) -> None:
    lines = [stopped.note]
    if stopped.unfinished:
        lines.append(f"Not finished: {unfinished_list(stopped)}")
    ET.SubElement(suite, "system-out").text = _body(lines)


def render_junit(analysis: Analysis, fail_on: str = "blocker") -> str:
    gate = parse_fail_on(fail_on)
    overruns = budget_overruns(analysis)
    root = ET.Element("testsuites", name=_text(f"frictionaudit {analysis.results.run_id}"))
    totals = {"tests": 0, "failures": 0, "errors": 0, "time": 0.0}
    stopped = interruption(analysis.results)
    journeys = list(dict.fromkeys(run.journey for run in analysis.results.runs))
    for journey in journeys:
        runs = [r for r in analysis.results.runs if r.journey == journey]
        info = analysis.results.journey(journey)
        suite = ET.SubElement(root, "testsuite", name=_text(info.name if info else journey))
        if stopped:
            _interrupted_properties(suite, stopped)
        failures = errors = 0
        for run in runs:
            findings = [f for f in analysis.findings if f.journey == run.journey and f.channel == run.channel]
            mine = [o for o in overruns if o.journey == run.journey and o.channel == run.channel]
            failed, errored = _case(suite, run, findings, gate, mine, info.source if info else "")
            failures += failed
            errors += errored
        if stopped:
            _interrupted_out(suite, stopped)
        seconds = sum(r.duration for r in runs)
        attributes = {"tests": len(runs), "failures": failures, "errors": errors, "skipped": 0, "time": seconds}
        for key, value in attributes.items():
            suite.set(key, f"{value:.3f}" if key == "time" else str(value))
        totals["tests"] += len(runs)
        totals["failures"] += failures
        totals["errors"] += errors
        totals["time"] += seconds
    if stopped and not journeys:
        empty = {"tests": "0", "failures": "0", "errors": "0", "skipped": "0", "time": "0.000"}
        suite = ET.SubElement(root, "testsuite", {"name": "frictionaudit run (interrupted)", **empty})
        _interrupted_properties(suite, stopped)
        _interrupted_out(suite, stopped)
    for key, value in totals.items():
        root.set(key, f"{value:.3f}" if key == "time" else str(int(value)))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
