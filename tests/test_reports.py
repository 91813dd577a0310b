"""The reports people and CI jobs read, made from saved results without a browser.

- the golden report: a saved demo run re-rendered in every format and compared with stored outputs
  (see tests/golden.py for how to regenerate them);
- report.json: its committed JSON Schema is current and the output validates against it;
- junit.xml: one suite per journey, one case per channel, failures by --fail-on;
- report.html: self-contained, escaped, deterministic (the browser half is tests/test_html_report.py);
- the fix list: journey weights, related findings, fingerprints independent of run order;
- the CLI's report command: --format, --json, --quiet.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import struct
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest
from rich.console import Console
from typer.testing import CliRunner

from frictionaudit.analysis import Analysis, analyse
from frictionaudit.audit.model import AuditResult, Finding
from frictionaudit.cli import app
from frictionaudit.history import record_run
from frictionaudit.pipeline import reanalyse, render_report
from frictionaudit.rank import rank
from frictionaudit.render.html import image_size, render_html
from frictionaudit.render.json_report import render_json, report_schema, schema_text
from frictionaudit.render.junit import render_junit
from frictionaudit.render.markdown import render_markdown
from frictionaudit.render.terminal import render_terminal
from frictionaudit.results import JourneyInfo, RunResults
from frictionaudit.trend import chart_points
from tests.golden import GOLDEN, OUTPUTS, golden_analysis, render_all, write_outputs
from tests.observations import console, page_error, req, results, run, step

REGENERATE = os.environ.get("FRICTIONAUDIT_REGENERATE") == "1"
SCHEMA_FILE = Path(__file__).resolve().parent.parent / "frictionaudit" / "schemas" / "report.schema.json"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xc0\x00\x11\x08\x00\x02\x00\x03"


# The golden report ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def golden() -> Analysis:
    if REGENERATE:
        write_outputs()
    return golden_analysis()


@pytest.fixture(scope="module")
def golden_outputs(golden: Analysis) -> dict[str, str]:
    return render_all(golden)


@pytest.mark.parametrize("name", list(OUTPUTS))
def test_golden_report(golden_outputs: dict[str, str], name: str) -> None:
    rendered = golden_outputs[name]
    expected = (GOLDEN / name).read_text(encoding="utf-8")
    assert rendered == expected, (
        f"{name} differs from tests/fixtures/golden/{name}; if the change is intended, run "
        "FRICTIONAUDIT_REGENERATE=1 python -m pytest tests/test_reports.py and review the diff"
    )


def test_golden_is_a_real_demo_run_with_what_the_reports_must_show(golden: Analysis) -> None:
    assert {r.status for r in golden.results.runs} == {"completed", "blocked"}
    assert golden.first_fix is not None and golden.first_fix.is_small
    assert golden.big_fixes and golden.channel_differences()
    html = (GOLDEN / "report.html").read_text(encoding="utf-8")
    assert html.count("data:image/jpeg;base64,") >= 10  # the filmstrip's screenshots are embedded


def test_reports_do_not_depend_on_the_order_of_the_runs(golden: Analysis, golden_outputs: dict[str, str]) -> None:
    """Workers finish in any order: the fix list and every fingerprint stay the same."""
    shuffled = golden.results.model_copy(deep=True)
    for seed in range(2):
        random.Random(seed).shuffle(shuffled.runs)
        again = analyse(shuffled)
        assert [f.model_dump() for f in again.fixes] == [f.model_dump() for f in golden.fixes]
        assert [f.fingerprint for f in again.findings] == [f.fingerprint for f in golden.findings]
    assert render_json(golden_analysis()) == golden_outputs["report.json"]  # and a re-render is the same


# report.json and its schema ------------------------------------------------------------------------


def test_committed_schema_is_current() -> None:
    if REGENERATE:
        SCHEMA_FILE.write_text(schema_text(), encoding="utf-8")
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(), (
        "frictionaudit/schemas/report.schema.json is stale: run "
        "python -m frictionaudit.render.json_report > frictionaudit/schemas/report.schema.json"
    )


def test_json_report_validates_against_the_committed_schema(golden_outputs: dict[str, str]) -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    report = json.loads(golden_outputs["report.json"])
    jsonschema.validate(report, schema, cls=jsonschema.Draft202012Validator)
    assert report["schema_version"] == 1
    assert report["results"]["schema_version"] == 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"schema_version": 1, "counts": {"runs": "six"}}, schema)


def test_json_report_holds_fixes_with_their_inputs_and_fingerprints(
    golden: Analysis, golden_outputs: dict[str, str]
) -> None:
    report = json.loads(golden_outputs["report.json"])
    first = report["fixes"][0]
    assert first["rank"] == 1
    assert first["priority"] == pytest.approx(
        first["severity_weight"] * first["reach"] * first["confidence"] / first["effort_weight"], abs=0.01
    )
    assert all(re.fullmatch(r"[0-9a-f]{12}", o["fingerprint"]) for f in report["fixes"] for o in f["occurrences"])
    assert sum(len(f["occurrences"]) for f in report["fixes"]) == report["counts"]["findings"]
    assert [f["fix_next"] for f in report["fixes"]].count(True) == len(golden.fix_next)
    assert {(s["journey"], s["channel"]) for s in report["summary"]} == {
        (r.journey, r.channel) for r in golden.results.runs
    }
    assert list(report) == sorted(report)  # sorted keys: stable diffs


# junit.xml -----------------------------------------------------------------------------------------


def junit_cases(xml: str) -> dict[tuple[str, str], ET.Element]:
    root = ET.fromstring(xml)
    return {(suite.get("name", ""), case.get("name", "")): case for suite in root for case in suite}


def gate_results() -> RunResults:
    return results(
        run("pay", "desktop", step(0, requests=[req("/img/logo.png", 404, "image")])),
        run("pay", "mobile", step(0), step(1, status="failed"), blocked_at=1, reason="no button Pay"),
        run("pay", "tablet", step(0), status="error", reason="browser crashed"),
        run("contact", "desktop", step(0, page_errors=[page_error("TypeError: x is undefined")])),
        journeys={"pay": "Pay an invoice", "contact": "Contact us"},
    )


def test_junit_has_a_suite_per_journey_and_a_case_per_channel() -> None:
    xml = render_junit(analyse(gate_results()), fail_on="blocker")
    root = ET.fromstring(xml)
    assert root.tag == "testsuites"
    assert [s.get("name") for s in root] == ["Pay an invoice", "Contact us"]
    assert [c.get("name") for c in root[0]] == ["desktop", "mobile", "tablet"]
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "1", "1")
    assert "Gate" not in xml
    cases = junit_cases(xml)
    blocked = cases[("Pay an invoice", "mobile")].find("failure")
    assert blocked is not None and blocked.get("type") == "blocked"
    assert "blocked at step 2: no button Pay" in (blocked.get("message") or "")
    assert cases[("Pay an invoice", "tablet")].find("error") is not None
    assert cases[("Pay an invoice", "desktop")].find("failure") is None
    assert "N101" in (cases[("Pay an invoice", "desktop")].findtext("system-out") or "")  # listed, not failed
    assert cases[("Pay an invoice", "desktop")].get("classname") == "frictionaudit.pay"


@pytest.mark.parametrize(
    ("fail_on", "failed"),
    [
        ("never", {"mobile"}),
        ("blocker", {"mobile"}),
        ("major", {"mobile", "contact-desktop"}),
        ("minor", {"mobile", "contact-desktop", "desktop"}),
    ],
)
def test_junit_fails_a_case_when_blocked_or_over_fail_on(fail_on: str, failed: set[str]) -> None:
    cases = junit_cases(render_junit(analyse(gate_results()), fail_on=fail_on))
    names = {"Pay an invoice": "", "Contact us": "contact-"}
    got = {names[suite] + channel for (suite, channel), case in cases.items() if case.find("failure") is not None}
    assert got == failed


def test_junit_survives_control_characters_and_markup() -> None:
    observations = results(
        run("pay", "desktop", step(0, console=[console("bad \x00\x1b[31m <b>&amp; ]]>")])),
        journeys={"pay": 'Pay "<now>" & \x07 later'},
    )
    xml = render_junit(analyse(observations), fail_on="minor")
    root = ET.fromstring(xml)  # parses: nothing XML 1.0 forbids got through
    assert root[0].get("name") == 'Pay "<now>" & \ufffd later'
    assert "bad \ufffd\ufffd[31m <b>&amp; ]]>" in (root.find(".//failure").text or "")


def test_junit_takes_the_gate_s_fail_on_terms() -> None:
    cases = junit_cases(render_junit(analyse(gate_results()), fail_on="N101,errors:major"))
    failed = {key for key, case in cases.items() if case.find("failure") is not None}
    assert failed == {("Pay an invoice", "desktop"), ("Pay an invoice", "mobile"), ("Contact us", "desktop")}
    assert "--fail-on N101,errors:major" in (cases[("Pay an invoice", "desktop")].find("failure").get("message") or "")


# report.html (pure checks; the browser checks are in test_html_report.py) --------------------------

PAYLOAD = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">'


class Tags(HTMLParser):
    """Every element and attribute name in a document, as a browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.attributes: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.names.add(tag)
        self.attributes.update(name for name, _ in attrs)


def hostile_analysis(tmp_path: Path) -> Analysis:
    observations = results(
        run(
            "pay",
            "desktop",
            step(
                0,
                f"Click {PAYLOAD}",
                title=f"Shop {PAYLOAD}",
                path=f"/x?q={PAYLOAD}",
                console=[console(f"boom {PAYLOAD}")],
                page_errors=[page_error(f"Error {PAYLOAD}", stack=PAYLOAD)],
                requests=[req(f"/img/{PAYLOAD}.png", 404, "image")],
            ),
        ),
        run("pay", "mobile", step(0, status="failed"), blocked_at=0, reason=f"timeout {PAYLOAD}"),
        journeys={"pay": f"Pay {PAYLOAD}"},
    )
    observations.base_url = f"https://shop.test/{PAYLOAD}"
    observations.browser = PAYLOAD
    observations.runs[0].steps[0].captured = {"amount": PAYLOAD}
    analysis = analyse(observations)
    # A consistency finding with page data in its values, as the C rules make them.
    difference = Finding(
        rule="C199",
        severity="major",
        category="consistency",
        title=f"amount differs {PAYLOAD}",
        fix_title=f"Make the amount agree {PAYLOAD}",
        root_cause="pay#0 amount",
        journey="pay",
        channel="mobile",
        step=0,
        evidence={
            "values": {"desktop": PAYLOAD, "mobile": "kr 1"},
            "screenshots": {"desktop": "../../etc/passwd", "mobile": "/etc/hostname"},
            "step": 0,
            "fact": f"amount {PAYLOAD}",
        },
    )
    findings = [*analysis.findings, difference]
    return Analysis(
        results=analysis.results,
        audit=AuditResult(findings=findings, outcomes=analysis.audit.outcomes),
        fixes=rank(findings, analysis.results),
    )


def test_html_escapes_everything_that_came_from_a_page(tmp_path: Path) -> None:
    html = render_html(hostile_analysis(tmp_path), tmp_path)
    tags = Tags()
    tags.feed(html)
    assert "script" not in tags.names and "img" not in tags.names
    assert not [a for a in tags.attributes if a.startswith("on")]
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in html
    assert "Differences between channels" in html and "amount &lt;script&gt;" in html


def test_html_is_self_contained_and_forbids_script(golden_outputs: dict[str, str]) -> None:
    html = golden_outputs["report.html"]
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    assert csp and csp.group(1).startswith("default-src 'none'; img-src data:; style-src 'unsafe-inline'")
    assert not re.search(r"\s(src|srcset|action|formaction|poster|data)=", html)
    assert all(href.startswith("#") for href in re.findall(r'href="([^"]*)"', html))
    assert not re.search(r"url\((?!data:image/(jpeg|png);base64,)", html)
    assert "@import" not in html and "<link" not in html and "<iframe" not in html


def test_html_embeds_each_screenshot_once_and_only_from_the_run_folder(tmp_path: Path) -> None:
    shots = tmp_path / "screens"
    shots.mkdir()
    for name in ("01.jpg", "02.jpg"):
        (shots / name).write_bytes(JPEG + b"same")  # two steps, one identical image
    (tmp_path / "secret.txt").write_text("not an image")
    observations = results(
        run("pay", "desktop", step(0, requests=[req("/a.png", 404, "image")]), step(1, duration=9.0)),
    )
    observations.runs[0].steps[0].screenshot = "screens/01.jpg"
    observations.runs[0].steps[1].screenshot = "screens/02.jpg"
    html = render_html(analyse(observations), tmp_path)
    assert html.count("data:image/jpeg;base64,") == 1
    observations.runs[0].steps[0].screenshot = "../secret.txt"
    observations.runs[0].steps[1].screenshot = "secret.txt"  # inside the folder, but not an image
    html = render_html(analyse(observations), tmp_path)
    assert "data:image" not in html


def test_image_size_reads_jpeg_and_png_headers() -> None:
    assert image_size(JPEG) == ("image/jpeg", 3, 2)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + struct.pack(">II", 40, 30)
    assert image_size(png) == ("image/png", 40, 30)
    assert image_size(b"GIF89a....") is None
    assert image_size(b"\xff\xd8\xff") is None


def test_html_is_deterministic(golden: Analysis, golden_outputs: dict[str, str]) -> None:
    assert render_html(golden_analysis(), GOLDEN, "major") == golden_outputs["report.html"]


@pytest.mark.parametrize(
    "observations",
    [
        results(),
        results(run("pay", "desktop", status="error", reason="browser crashed")),
        results(run("pay", "desktop", step(0), step(1))),
    ],
    ids=["no runs", "only a browser error", "clean"],
)
def test_every_format_renders_a_run_with_nothing_to_fix(observations: RunResults) -> None:
    analysis = analyse(observations)
    for fmt in ("html", "md", "json", "junit"):
        assert render_report(analysis, fmt, None, "blocker")
    assert "Nothing to fix" in render_html(analysis)


# The fix list --------------------------------------------------------------------------------------


def test_journey_weight_multiplies_reach() -> None:
    logo = req("/img/logo.png", 404, "image")
    observations = results(run("pay", "desktop", step(0, requests=[logo])), run("faq", "desktop", step(0)))
    [fix] = [f for f in analyse(observations).fixes if f.rule == "N101"]
    observations.journeys = [
        j.model_copy(update={"weight": 3.0}) if j.id == "pay" else j for j in observations.journeys
    ]
    [weighted] = [f for f in analyse(observations).fixes if f.rule == "N101"]
    assert weighted.reach == pytest.approx(3 * fix.reach)
    assert weighted.priority == pytest.approx(3 * fix.priority)
    assert JourneyInfo(id="x", name="x").weight == 1.0


def test_a_related_finding_joins_the_fix_it_names() -> None:
    def finding(rule: str, channel: str, **evidence: object) -> Finding:
        return Finding(
            rule=rule,
            severity="blocker",
            category="journey",
            title=f"{rule} on {channel}",
            fix_title=f"fix {rule}",
            root_cause="pay#2",
            journey="pay",
            channel=channel,
            step=2,
            evidence=dict(evidence),
        )

    observations = results(steps={"pay": ["a", "b", "c"]})
    blocked = finding("J101", "mobile")
    view = finding("C101", "mobile", related="J101", values={"desktop": "completed", "mobile": "blocked"})
    [fix] = rank([view, blocked], observations)
    assert (fix.rule, fix.title, fix.places) == ("J101", "fix J101", 1)
    assert [f.rule for f in fix.occurrences] == ["C101", "J101"]
    # Without the fix it names, it stays a fix of its own.
    assert [f.rule for f in rank([view], observations)] == ["C101"]


def test_small_fixes_first_and_big_ones_apart() -> None:
    analysis = analyse(gate_results())
    assert analysis.small_fixes and all(f.effort in ("XS", "S") for f in analysis.small_fixes)
    assert all(f.effort in ("M", "L") for f in analysis.big_fixes)
    assert len(analysis.small_fixes) + len(analysis.big_fixes) == len(analysis.fixes)
    assert analysis.first_fix is analysis.small_fixes[0]
    assert analysis.verdict().endswith(f"Fix first: {analysis.small_fixes[0].title}.")


# Terminal and Markdown -----------------------------------------------------------------------------


def test_terminal_respects_no_color(monkeypatch: pytest.MonkeyPatch, golden: Analysis) -> None:
    def render(**kwargs: object) -> str:
        buffer = io.StringIO()
        render_terminal(golden, Console(file=buffer, force_terminal=True, width=80, **kwargs))  # type: ignore[arg-type]
        return buffer.getvalue()

    assert re.search(r"\x1b\[[0-9;]*3[1-7]m", render(color_system="standard"))  # colour without NO_COLOR
    monkeypatch.setenv("NO_COLOR", "1")
    text = render()
    assert not re.search(r"\x1b\[[0-9;]*(3[0-7]|38;|9[0-7])[0-9;]*m", text)
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    assert max(len(line) for line in plain.splitlines()) <= 80


def test_markdown_shows_channel_differences_side_by_side(tmp_path: Path) -> None:
    md = render_markdown(hostile_analysis(tmp_path))
    row = next(line for line in md.splitlines() if "C199" in line and line.startswith("| Pay"))
    assert "desktop: “&lt;script&gt;window.pwned=1&lt;/script&gt;" in row and "mobile: “kr 1”" in row
    assert "<script" not in md and "<img" not in md


# The report command --------------------------------------------------------------------------------


@pytest.fixture
def saved_run(tmp_path: Path) -> Path:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    saved = gate_results()
    saved.runs = [r for r in saved.runs if r.status != "error"]  # an infrastructure error would exit 3
    (run_dir / "results.json").write_text(saved.model_dump_json(), encoding="utf-8")
    return run_dir


def test_report_command_writes_the_chosen_formats(saved_run: Path) -> None:
    done = CliRunner().invoke(app, ["report", str(saved_run), "--format", "md,junit", "--quiet"])
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in saved_run.iterdir()) == ["findings.json", "junit.xml", "report.md", "results.json"]
    assert done.output.strip().startswith("3 journey runs, 1 blocked")
    done = CliRunner().invoke(app, ["report", str(saved_run)])
    assert done.exit_code == 0, done.output
    for name in ("report.html", "report.md", "report.json", "junit.xml"):
        assert (saved_run / name).is_file(), name
    assert "Reports in" in done.output and "report.html" in done.output


def test_report_command_json_goes_to_stdout_alone(saved_run: Path) -> None:
    done = CliRunner().invoke(app, ["report", str(saved_run), "--json", "--fail-on", "blocker"])
    assert done.exit_code == 1  # the mobile run is blocked
    report = json.loads(done.stdout)
    assert report["counts"]["blocked"] == 1
    jsonschema.validate(report, report_schema(), cls=jsonschema.Draft202012Validator)


def test_report_command_refuses_an_unknown_format(saved_run: Path) -> None:
    done = CliRunner().invoke(app, ["report", str(saved_run), "--format", "html,pdf"])
    assert done.exit_code == 2
    assert "--format pdf: no such report format" in done.stderr
    done = CliRunner().invoke(app, ["report", str(saved_run), "--format", "htm"])
    assert "did you mean 'html'?" in done.stderr


# An interrupted run --------------------------------------------------------------------------------

STOPPED = "This run was interrupted: 2 of 5 journey runs finished; the findings cover only those."


def interrupted_results(unfinished: tuple[str, ...] = ("faq@desktop", "faq@mobile", "pay@tablet")) -> RunResults:
    """Ctrl-C after two of five journey runs: a broken logo on desktop, a blocked mobile run."""
    return results(
        run("pay", "desktop", step(0, requests=[req("/img/logo.png", 404, "image")])),
        run("pay", "mobile", step(0), step(1, status="failed"), blocked_at=1, reason="no button Pay"),
        interrupted=True,
        unfinished=list(unfinished),
    )


def terminal_text(analysis: Analysis) -> str:
    out = Console(width=80, record=True, color_system=None, file=io.StringIO())
    render_terminal(analysis, out)
    return " ".join(out.export_text().split())


def every_format(analysis: Analysis) -> dict[str, str]:
    rendered = {fmt: render_report(analysis, fmt, None, "blocker") for fmt in ("html", "md", "json", "junit")}
    return rendered | {"terminal": terminal_text(analysis)}


def test_every_format_says_the_run_was_interrupted() -> None:
    for fmt, text in every_format(analyse(interrupted_results())).items():
        assert STOPPED in text, fmt
        unfinished = '"faq@desktop",\n   "faq@mobile",\n   "pay@tablet"' if fmt == "json" else "faq@desktop, faq"
        assert unfinished in text, fmt
    for fmt, text in every_format(analyse(interrupted_results().model_copy(update={"interrupted": False}))).items():
        assert "was interrupted" not in text and "Not finished" not in text, fmt


def test_the_notice_counts_what_the_results_know() -> None:
    unknown = analyse(interrupted_results(unfinished=()))  # no unfinished list: the total is not known
    for fmt, text in every_format(unknown).items():
        assert "This run was interrupted: the findings cover only the 2 journey runs that finished." in text, fmt
        assert " of " not in text.split("interrupted", 1)[1].split(".", 1)[0], fmt
    assert json.loads(render_json(unknown))["interrupted"]["total"] is None
    nothing = analyse(results(interrupted=True, unfinished=["pay@desktop"]))
    assert "This run was interrupted: 0 of 1 journey run finished, so nothing was audited." in render_markdown(nothing)


def test_html_puts_the_interrupted_notice_at_the_top_escaped() -> None:
    html = render_html(analyse(interrupted_results(unfinished=(f"pay@{PAYLOAD}",))))
    notice = html.index("This run was interrupted: 2 of 3 journey runs finished")
    assert html.index("<h1>") < notice < html.index('class="top-grid"')
    assert "Not finished: pay@&lt;script&gt;" in html
    tags = Tags()
    tags.feed(html)
    assert "script" not in tags.names and "img" not in tags.names


def test_json_report_says_the_run_was_interrupted_within_its_schema() -> None:
    report = json.loads(render_json(analyse(interrupted_results())))
    assert report["interrupted"] == {
        "finished": 2,
        "total": 5,
        "unfinished": ["faq@desktop", "faq@mobile", "pay@tablet"],
        "note": STOPPED,
    }
    assert report["results"]["interrupted"] is True
    assert report["schema_version"] == 1
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.validate(report, schema, cls=jsonschema.Draft202012Validator)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(report | {"interrupted": {"finished": "two"}}, schema)


def test_junit_says_the_run_was_interrupted_without_making_up_cases() -> None:
    stopped = render_junit(analyse(interrupted_results()), fail_on="blocker")
    finished = render_junit(analyse(interrupted_results().model_copy(update={"interrupted": False})), "blocker")
    root = ET.fromstring(stopped)
    assert (root.get("tests"), root.get("failures")) == (ET.fromstring(finished).get("tests"), "1")
    [suite] = root
    assert [c.get("name") for c in suite.iter("testcase")] == ["desktop", "mobile"]
    assert [child.tag for child in suite] == ["properties", "testcase", "testcase", "system-out"]
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties == {
        "frictionaudit.interrupted": "true",
        "frictionaudit.runs_finished": "2",
        "frictionaudit.runs_total": "5",
        "frictionaudit.runs_unfinished": "faq@desktop, faq@mobile, pay@tablet",
    }
    assert (suite.findtext("system-out") or "").startswith(STOPPED)
    # Stopped before any run finished: one empty suite carries the notice, no test case.
    root = ET.fromstring(render_junit(analyse(results(interrupted=True, unfinished=["pay@desktop"]))))
    assert [(s.get("name"), s.get("tests"), len(s.findall("testcase"))) for s in root] == [
        ("frictionaudit run (interrupted)", "0", 0)
    ]
    assert "0 of 1 journey run finished" in (root[0].findtext("system-out") or "")


# The trend chart in report.html ---------------------------------------------------------------------

TREND = 'class="fa-trend"'


def history_of(db: Path, *run_ids: str) -> Path:
    """A history holding a run per id, oldest first, each with a broken logo."""
    for run_id in run_ids:
        logo = req("/img/logo.png", 404, "image")
        record_run(db, analyse(results(run("pay", "desktop", step(0, requests=[logo])), run_id=run_id)))
    return db


def test_html_embeds_the_trend_chart_with_a_history_of_two_runs(tmp_path: Path) -> None:
    current = analyse(results(run("pay", "desktop", step(0)), run_id="r3"))
    html = render_html(current, None, history=history_of(tmp_path / "history.sqlite", "r1", "r2"))
    assert html.count("<svg") == 1 and TREND in html and "Findings over the last runs" in html
    chart = html[html.index("<svg") : html.index("</svg>") + 6]
    groups = ET.fromstring(chart).findall("{http://www.w3.org/2000/svg}g")  # one per run, this one last
    assert [g.findtext("{http://www.w3.org/2000/svg}title", "").split(":")[0] for g in groups] == ["r1", "r2", "r3"]
    # Still self-contained and script-free: nothing to fetch, no link out, the same CSP.
    assert "<script" not in html and "<foreignObject" not in html
    assert not re.search(r"\s(src|srcset|action|formaction|poster|data|xlink:href)=", html)
    assert all(href.startswith("#") for href in re.findall(r'href="([^"]*)"', html))
    assert re.search(r'content="default-src \'none\'; img-src data:; style-src \'unsafe-inline\';', html)


def test_html_has_no_trend_chart_without_a_history_of_two_runs(tmp_path: Path) -> None:
    current = analyse(results(run("pay", "desktop", step(0)), run_id="r1"))
    assert "<svg" not in render_html(current)
    assert "<svg" not in render_html(current, None, history=tmp_path / "none.sqlite")
    only = history_of(tmp_path / "history.sqlite", "r1")  # the run itself: nothing to compare it with
    assert "<svg" not in render_html(current, None, history=only)
    broken = tmp_path / "broken.sqlite"
    broken.write_text("not a database")
    assert "<svg" not in render_html(current, None, history=broken)
    assert "Findings over the last runs" not in render_html(current, None, history=broken)


def test_the_trend_chart_escapes_hostile_run_ids(tmp_path: Path) -> None:
    db = history_of(tmp_path / "history.sqlite", f"old {PAYLOAD}", f'"><svg onload="x">{PAYLOAD}')
    html = render_html(analyse(results(run("pay", "desktop", step(0)), run_id=f"new {PAYLOAD}")), None, history=db)
    assert TREND in html
    tags = Tags()
    tags.feed(html)
    assert "script" not in tags.names and "img" not in tags.names
    assert not [a for a in tags.attributes if a.startswith("on")]
    assert html.count("<svg") == 1 and "&lt;script&gt;window.pwned=1&lt;/script&gt;" in html


def test_a_re_run_under_an_old_id_replaces_it_in_the_chart(tmp_path: Path) -> None:

    db = tmp_path / "history.sqlite"
    for run_id, started in (("r1", "2026-01-01T10:00:00+00:00"), ("main", "2026-01-02T10:00:00+00:00")):
        record_run(db, analyse(results(run("pay", "desktop", step(0)), run_id=run_id, started_at=started)))
    history_of(db, "r3")
    again = analyse(results(run("pay", "desktop", step(0)), run_id="main", started_at="2026-01-04T10:00:00+00:00"))
    assert [p.run_id for p in chart_points(again, db)] == ["r1", "r3", "main"]  # to be recorded as the newest
    same = analyse(results(run("pay", "desktop", step(0)), run_id="main", started_at="2026-01-02T10:00:00+00:00"))
    assert [p.run_id for p in chart_points(same, db)] == ["r1", "main"]  # the recorded run, re-rendered


def saved_in(out: Path, run_id: str, started_at: str = "") -> Path:
    """A saved run folder ``out/run_id`` with a broken logo."""
    saved = results(run("pay", "desktop", step(0, requests=[req("/img/logo.png", 404, "image")])), run_id=run_id)
    saved.started_at = started_at
    (out / run_id).mkdir(parents=True)
    (out / run_id / "results.json").write_text(saved.model_dump_json(), encoding="utf-8")
    return out / run_id


def test_report_command_charts_the_trend_when_the_history_holds_the_run(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    run_dir = saved_in(out, "r2", "2026-01-02T10:00:00+00:00")

    history_of(out / "history.sqlite", "r1")
    record_run(out / "history.sqlite", reanalyse(run_dir)[0])
    history_of(out / "history.sqlite", "r3")  # a later run: not in r2's chart
    done = CliRunner().invoke(app, ["report", str(run_dir), "--quiet"])
    assert done.exit_code == 0, done.output
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    chart = html[html.index("<svg") : html.index("</svg>")]
    assert TREND in chart and ">r1<" in chart and ">r2<" in chart and "r3" not in chart
    # Without a history, or one that does not hold this run, the reports are made without a chart.
    other = saved_in(tmp_path / "elsewhere", "r2", "2026-01-02T10:00:00+00:00")
    assert CliRunner().invoke(app, ["report", str(other), "--quiet"]).exit_code == 0
    assert "<svg" not in (other / "report.html").read_text(encoding="utf-8")
    unrecorded = saved_in(out, "r9")
    assert CliRunner().invoke(app, ["report", str(unrecorded), "--quiet"]).exit_code == 0
    assert "<svg" not in (unrecorded / "report.html").read_text(encoding="utf-8")
    rerun = saved_in(tmp_path / "rerun", "r2", "2026-01-05T10:00:00+00:00")  # --no-history under an old id
    (tmp_path / "rerun" / "history.sqlite").write_bytes((out / "history.sqlite").read_bytes())
    assert CliRunner().invoke(app, ["report", str(rerun), "--quiet"]).exit_code == 0
    assert "<svg" not in (rerun / "report.html").read_text(encoding="utf-8")


def test_report_command_works_beside_a_broken_history(tmp_path: Path) -> None:
    run_dir = saved_in(tmp_path / "reports", "r1")
    (tmp_path / "reports" / "history.sqlite").write_text("not a database")
    done = CliRunner().invoke(app, ["report", str(run_dir), "--quiet"])
    assert done.exit_code == 0, done.output
    assert "<svg" not in (run_dir / "report.html").read_text(encoding="utf-8")


def test_merged_interrupted_shards_know_every_unfinished_run(tmp_path: Path) -> None:
    from frictionaudit.merge import merge_results
    from frictionaudit.render.interruption import interruption
    from tests.observations import results as saved
    from tests.observations import run as journey_run
    from tests.observations import step as saved_step

    every = {name: name for name in "abcde"}  # the shards of one run share its journeys
    one = saved(journey_run("a", "desktop", saved_step(0)), journeys=every, interrupted=True, unfinished=["b@desktop"])
    two = saved(
        journey_run("c", "mobile", saved_step(0)), journeys=every, interrupted=True, unfinished=["d@mobile", "e@mobile"]
    )
    merged = merge_results([(one, tmp_path / "1"), (two, tmp_path / "2")], "merged")
    assert merged.interrupted and merged.unfinished == ["b@desktop", "d@mobile", "e@mobile"]
    stopped = interruption(merged)
    assert stopped is not None and (stopped.finished, stopped.total) == (2, 5)
