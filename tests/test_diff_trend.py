"""diff (new / fixed / still there, effort changes) and trend (sparklines, the HTML report's SVG chart)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from frictionaudit.cli import app
from frictionaudit.diff import (
    compare,
    diff_json,
    diff_markdown,
    effort_change,
    fold_service,
    render_diff,
    snapshot_of,
)
from frictionaudit.history import record_run
from frictionaudit.results import save_results
from frictionaudit.trend import chart_points, load_trend, render_trend, sparkline, trend_json, trend_svg
from tests.test_gate import analyse, deploy

SVG = "{http://www.w3.org/2000/svg}"


def test_fold_service_replaces_the_service_origin_and_loopback_ports():
    origins = ["https://pr-42.shop.test", "http://127.0.0.1:8000"]
    assert fold_service("GET https://pr-42.shop.test/img/a.png 404", origins) == "GET {service}/img/a.png 404"
    assert fold_service("http://127.0.0.1:8000/m/login", origins) == "{service}/m/login"
    assert fold_service("http://127.0.0.1:41234/tracker.js refused", []) == "http://127.0.0.1:*/tracker.js refused"
    assert fold_service("http://localhost:3000/x", []) == "http://localhost:*/x"
    assert fold_service("https://cdn.example.com:8443/x.js", origins) == "https://cdn.example.com:8443/x.js"


def _pair():
    return analyse(deploy("before", slow=True)), analyse(deploy("after", broken_image=False, blocked_mobile=True))


def test_compare_sorts_problems_into_new_fixed_and_still_there():
    old, new = _pair()
    cmp = compare(snapshot_of(old, "reports/before"), snapshot_of(new, "reports/after"))
    assert [(p.rule, p.channel) for p in cmp.new_problems] == [("J101", "mobile")]
    assert sorted((p.rule, p.channel) for p in cmp.fixed_problems) == [
        ("N101", "desktop"),
        ("N101", "mobile"),
        ("P101", "desktop"),
        ("P101", "mobile"),
    ]
    assert cmp.summary == "1 new, 4 fixed, 0 still there"
    assert [f.rule for f in cmp.new_fixes] == ["J101"]
    assert sorted(f.rule for f in cmp.fixed_fixes) == ["N101", "P101"]
    change = {(c.journey, c.channel): c for c in cmp.journeys}[("pay", "desktop")]
    assert change.delta("seconds") == -3.5
    assert effort_change(change, "seconds", "s") == "5.0 → 1.5 s (−3.5)"
    assert effort_change(change, "screens", "") == "3"


def test_diff_markdown_and_json():
    old, new = _pair()
    cmp = compare(snapshot_of(old, "reports/before"), snapshot_of(new, "reports/after"))
    text = diff_markdown(cmp, heading="##")
    assert text.startswith("## Compared with reports/before\n\n**1 new, 4 fixed, 0 still there**")
    assert "### New problems" in text and "### Fixed" in text
    assert "| pay | mobile | completed → blocked @2 | 5.0 → 1.0 s (−4.0) |" in text
    payload = json.loads(diff_json(cmp))
    assert [p["rule"] for p in payload["problems"]["new"]] == ["J101"]
    assert len(payload["problems"]["fixed"]) == 4
    desktop = next(j for j in payload["journeys"] if j["channel"] == "desktop")
    assert desktop["delta"]["seconds"] == -3.5
    assert desktop["old"]["status"] == "completed"


def test_diff_in_the_terminal_fits_80_columns():
    old, new = _pair()
    console = Console(width=80, record=True, color_system=None)
    render_diff(compare(snapshot_of(old, "reports/before"), snapshot_of(new, "reports/after")), console)
    text = console.export_text()
    assert "reports/before → reports/after: 1 new, 4 fixed, 0 still there." in text
    assert " + J101 blocker " in text and " ✓ P101 minor " in text
    assert "5.0 → 1.0 s" in text and "✓ → ✗@2" in text
    table = text[text.index("Effort per journey") :]
    assert max(len(line.rstrip()) for line in table.splitlines()) <= 80


# ---------------------------------------------------------------------------- trend


def test_sparkline():
    assert sparkline([0, 1, 2, 3, 4, 5, 6, 7]) == "▁▂▃▄▅▆▇█"
    assert sparkline([3, None, 3]) == "▄ ▄"
    assert sparkline([0, 0, 0], floor=0) == "▁▁▁"
    assert sparkline([2, 2], floor=0) == "██"
    assert sparkline([None, None]) == "  "
    assert sparkline([10.0, 12.0, 11.0]) == "▁█▅"


@pytest.fixture
def three_runs(tmp_path: Path) -> Path:
    db = tmp_path / "history.sqlite"
    record_run(db, analyse(deploy("d1", slow=True)))
    record_run(db, analyse(deploy("d2")))
    record_run(db, analyse(deploy("d3", broken_image=False, blocked_mobile=True)))
    return db


def test_trend_table_has_a_row_per_journey_and_channel_with_sparklines(three_runs):
    data = load_trend(three_runs, last=10)
    assert [e.run_id for e in data.runs] == ["d1", "d2", "d3"]
    assert list(data.series) == [("pay", "desktop"), ("pay", "mobile")]
    console = Console(width=100, record=True, color_system=None)
    render_trend(data, console)
    text = console.export_text()
    assert "3 runs in " in text and ": d1 → d3, oldest on the left." in " ".join(text.split())
    mobile = next(line for line in text.splitlines() if " mobile " in line)
    assert "✓✓✗" in mobile  # blocked in the last run
    assert "█▄▁" in mobile or "▄" in mobile  # findings 4 → 2 → 1
    assert "1/0" in mobile  # blocker/major now: the J101
    assert "3→1/2→1" in mobile  # screens and clicks, changed since the run before
    desktop = next(line for line in text.splitlines() if " desktop " in line)
    assert "█▁▁ 1.5 s" in desktop  # 5.0 s, 1.5 s, 1.5 s


def test_trend_filters_and_json(three_runs):
    data = load_trend(three_runs, last=2, channels=["desktop"])
    payload = json.loads(trend_json(data))
    assert [r["run_id"] for r in payload["runs"]] == ["d2", "d3"]
    assert [(s["journey"], s["channel"]) for s in payload["series"]] == [("pay", "desktop")]
    assert [p["seconds"] for p in payload["series"][0]["points"]] == [1.5, 1.5]


def test_trend_svg_is_a_small_safe_chart_ending_with_the_reported_run(three_runs):
    current = analyse(deploy("d4 <&>", slow=True))
    svg = trend_svg(current, three_runs)
    root = ET.fromstring(svg)  # well-formed XML: text escaped
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert "script" not in svg and "href" not in svg
    assert root.find(f"{SVG}title").text.startswith("Findings per run, last 4 runs: 4 in d1, 4 in d4 <&>")
    groups = root.findall(f"{SVG}g")
    assert [g.find(f"{SVG}title").text.split(":")[0] for g in groups] == ["d1", "d2", "d3", "d4 <&>"]
    assert len(groups[2].findall(f"{SVG}path")) == 1  # d3 had a blocked journey
    assert trend_svg(current, three_runs, last=2).count("<g>") == 2


def test_trend_svg_of_a_recorded_run_does_not_count_it_twice(three_runs):
    again = analyse(deploy("d2"))
    assert [p.run_id for p in chart_points(again, three_runs)] == ["d1", "d2"]


def test_trend_svg_per_journey_and_channel(three_runs):
    svg = trend_svg(None, three_runs, journey="pay", channel="mobile")
    assert svg.count("<g>") == 3 and "Findings of pay on mobile" in svg


def test_trend_svg_is_empty_without_enough_history(tmp_path):
    current = analyse(deploy("only"))
    assert trend_svg(current, tmp_path / "none.sqlite") == ""
    broken = tmp_path / "broken.sqlite"
    broken.write_text("not a database")
    assert trend_svg(current, broken) == ""


# ---------------------------------------------------------------------------- the commands


def test_diff_command_on_saved_runs_and_history(tmp_path, three_runs):
    runs = {}
    for run_id, made in (
        ("d1", deploy("d1", slow=True)),
        ("d3", deploy("d3", broken_image=False, blocked_mobile=True)),
    ):
        folder = tmp_path / "reports" / run_id
        folder.mkdir(parents=True)
        save_results(made, folder)
        runs[run_id] = folder
    runner = CliRunner()
    done = runner.invoke(app, ["diff", str(runs["d1"]), str(runs["d3"]), "--json"])
    assert done.exit_code == 0, done.output
    from_files = json.loads(done.stdout)
    # New problems are counted with every rule; the history was recorded with the rules of these tests.
    assert "J101" in [p["rule"] for p in from_files["problems"]["new"]]
    done = runner.invoke(app, ["diff", "history:d1", "history:latest", "--history", str(three_runs), "--json"])
    assert done.exit_code == 0, done.output
    from_history = json.loads(done.stdout)
    assert [p["rule"] for p in from_history["problems"]["new"]] == ["J101"]
    assert from_history["old"]["source"] == "history:d1" and from_history["new"]["run_id"] == "d3"
    done = runner.invoke(
        app, ["diff", "history:-3", "history:-1", "--history", str(three_runs), "--fail-on", "blocker"]
    )
    assert done.exit_code == 1
    assert "1 new problem at or over --fail-on blocker" in done.output
    done = runner.invoke(app, ["diff", "history:d1", "history:d9", "--history", str(three_runs)])
    assert done.exit_code == 2 and "no run 'd9'" in done.output
    done = runner.invoke(app, ["diff", str(tmp_path / "nowhere"), "history:d1", "--history", str(three_runs)])
    assert done.exit_code == 2 and "no saved run here" in done.output


def test_trend_command(three_runs, tmp_path):
    runner = CliRunner()
    done = runner.invoke(app, ["trend", "--history", str(three_runs), "--last", "2", "-c", "mobile"])
    assert done.exit_code == 0, done.output
    assert "2 runs in" in done.output and "mobile" in done.output and "desktop" not in done.output
    done = runner.invoke(app, ["trend", "--history", str(tmp_path / "missing.sqlite")])
    assert done.exit_code == 2 and "no history yet" in done.output
