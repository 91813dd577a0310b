"""frictionaudit import: Chrome DevTools Recorder recordings (@puppeteer/replay JSON) into journeys.

The recordings under tests/fixtures/recordings/ are recordings of the demo portal (served with
`frictionaudit demo --serve --port 8000`) in the Recorder's export format; the round trip imports
them and replays the journeys on the demo.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from frictionaudit.cli import app
from frictionaudit.config.loader import load_journey
from frictionaudit.config.models import Config
from frictionaudit.demo.server import PASSWORD
from frictionaudit.recorder_import import choose_locator, expression_step, import_recording, load_recording

ROOT = Path(__file__).resolve().parent.parent
RECORDINGS = Path(__file__).resolve().parent / "fixtures" / "recordings"
DEMO_PROJECT = ROOT / "frictionaudit" / "demo" / "project"
BASE = "http://127.0.0.1:8000"
RUN = [sys.executable, "-m", "frictionaudit", "run", "--fail-on", "never"]


def recording(*steps: dict[str, Any], title: str = "Test flow") -> dict[str, Any]:
    return {"title": title, "steps": [{"type": "navigate", "url": f"{BASE}/"}, *steps]}


def click(*selectors: str | list[str], **extra: Any) -> dict[str, Any]:
    return {
        "type": "click",
        "target": "main",
        "selectors": [[s] if isinstance(s, str) else s for s in selectors],
    } | extra


# ---------------------------------------------------------------------------- selectors


@pytest.mark.parametrize(
    ("selectors", "action", "expected"),
    [
        (['aria/Log in[role="button"]', "form > button"], "click", {"role": "button", "name": "Log in"}),
        (["aria/Latest invoice", "section.card a"], "click", {"role": "link", "name": "Latest invoice"}),
        (["aria/Pay now", "form > button"], "click", {"role": "button", "name": "Pay now"}),
        (["aria/Accept", 'input[type="checkbox"]'], "click", {"role": "checkbox", "name": "Accept"}),
        (["aria/Customer number", "#customer-number"], "fill", {"label": "Customer number"}),
        (["aria/Country", "select#country"], "fill", {"label": "Country"}),
        (["aria/Help", "#help"], "click", {"text": "Help"}),
        (["#pay", "text/Pay now"], "click", {"text": "Pay now"}),
        (['[data-testid="pay"]', "xpath///*[@id='pay']"], "click", {"testid": "pay"}),
        (["div.actions > a.primary", "xpath//html/body/a"], "click", {"css": "div.actions > a.primary"}),
        (["pierce/#inner"], "click", {"css": "#inner"}),
        (["xpath//html/body/main/a"], "click", {"css": "xpath=/html/body/main/a"}),
        ([["app-shell", "#buy"]], "click", {"css": "app-shell #buy"}),
        ([["aria/Shop", 'aria/Buy[role="button"]']], "click", {"role": "button", "name": "Buy"}),
        (['aria/[role="main"]', "main"], "click", {"role": "main"}),
        (['aria/Go[role="StaticText"]', "text/Go"], "click", {"text": "Go"}),
    ],
)
def test_the_best_locator_prefers_role_label_and_text_to_css(selectors, action, expected):
    step = {"selectors": [s if isinstance(s, list) else [s] for s in selectors]}
    choice = choose_locator(step, action)
    assert choice is not None and choice.locator == expected


def test_no_usable_selector_gives_none():
    assert choose_locator({"selectors": []}, "click") is None
    assert choose_locator({}, "click") is None


@pytest.mark.parametrize(
    ("expression", "step"),
    [
        ("document.title === 'Log in – Nordlys'", {"expect": {"title": "Log in – Nordlys"}}),
        ('window.location.pathname == "/receipt"', {"expect": {"url": "**/receipt"}}),
        ("location.href.includes('/invoices')", {"expect": {"url": "**/invoices**"}}),
        ("document.body.innerText.includes(`Payment received`);", {"expect": {"text": "Payment received"}}),
        ("new Promise(resolve => setTimeout(() => resolve(true), 2000))", {"wait": {"seconds": 2.0}}),
        ("document.querySelectorAll('li').length > 2", None),
        ("location.pathname === '/a*b'", None),
    ],
)
def test_common_wait_expressions_become_checks(expression, step):
    assert expression_step(expression) == step


# ---------------------------------------------------------------------------- steps


def test_keys_pair_up_into_presses_with_their_modifiers():
    flow = recording(
        {"type": "keyDown", "key": "Shift"},
        {"type": "keyDown", "key": "Tab"},
        {"type": "keyUp", "key": "Tab"},
        {"type": "keyUp", "key": "Shift"},
        {"type": "keyDown", "key": " "},
        {"type": "keyUp", "key": " "},
        {"type": "keyDown", "key": "Escape"},
        {"type": "keyUp", "key": "Escape"},
        {"type": "keyDown", "key": "Control"},
        {"type": "keyUp", "key": "Control"},
        {"type": "keyUp", "key": "Enter"},
    )
    steps = import_recording(flow, "flow.json", BASE).steps
    assert steps[1:] == [
        {"press": {"key": "Shift+Tab"}},
        {"press": {"key": "Space"}},
        {"press": {"key": "Escape"}},
        {"press": {"key": "Control"}},
    ]


def test_navigation_assertions_become_url_checks_and_urls_under_the_base_become_paths():
    flow = recording(
        click(
            "aria/Contact customer service", "a", assertedEvents=[{"type": "navigation", "url": f"{BASE}/contact?x=1"}]
        ),
        {"type": "navigate", "url": "https://other.example.com/page"},
        click("text/Next", assertedEvents=[{"type": "navigation", "title": "Step 2"}]),
    )
    assert import_recording(flow, "flow.json", BASE).steps == [
        {"goto": "/"},
        {"click": {"role": "link", "name": "Contact customer service"}},
        {"expect": {"url": "**/contact*"}},
        {"goto": "https://other.example.com/page"},
        {"click": {"text": "Next"}},
        {"expect": {"title": "Step 2"}},
    ]


def test_scrolls_of_the_page_become_relative_scrolls():
    flow = recording(
        {"type": "scroll", "y": 600},
        {"type": "scroll", "y": 900},
        {"type": "scroll", "x": 0, "y": 0},
    )
    imported = import_recording(flow, "flow.json", BASE)
    assert imported.steps[1:] == [{"scroll": {"pixels": 600}}, {"scroll": {"pixels": 300}}, {"scroll": {"to": "top"}}]
    assert [n.kind for n in imported.notes] == ["approximated", "approximated"]


def test_waits_for_elements():
    flow = recording(
        {"type": "waitForElement", "selectors": [["text/Saved"]]},
        {"type": "waitForElement", "selectors": [["#spinner"]], "operator": "==", "count": 0},
        {"type": "waitForElement", "selectors": [[".row"]], "operator": ">=", "count": 3},
    )
    imported = import_recording(flow, "flow.json", BASE)
    assert imported.steps[1:] == [{"wait": {"text": "Saved"}}, {"expect": {"hidden": {"css": "#spinner"}}}]
    assert [n.render() for n in imported.unsupported] == [
        "recording step 4 (waitForElement): it waits for >= 3 elements; journeys wait for one"
    ]


def test_a_select_box_change_becomes_select():
    flow = recording(
        {"type": "change", "value": "NO", "selectors": [['aria/Country[role="combobox"]'], ["#country"]]},
        {"type": "change", "value": "nb", "selectors": [["#language"], ["select#language"]]},
    )
    assert import_recording(flow, "flow.json", BASE).steps[1:] == [
        {"select": {"role": "combobox", "name": "Country", "option": "NO"}},
        {"select": {"css": "#language", "option": "nb"}},
    ]


def test_typed_passwords_never_reach_the_journey():
    flow = recording(
        {"type": "change", "value": "hunter2-secret", "selectors": [["aria/Password"], ["#password"]]},
        {"type": "change", "value": "4242", "selectors": [['input[type="password"]']]},
    )
    imported = import_recording(flow, "flow.json", BASE)
    assert imported.steps[1:] == [
        {"fill": {"label": "Password", "value": "${PASSWORD}", "secret": True}},
        {"fill": {"css": 'input[type="password"]', "value": "${PASSWORD}", "secret": True}},
    ]
    text = imported.text() + json.dumps([n.render() for n in imported.notes])
    assert "hunter2" not in text and "4242" not in text


def test_steps_without_a_journey_action_are_reported_and_left_as_comments_in_place(tmp_path):
    flow = recording(
        click("text/One"),
        {"type": "doubleClick", "selectors": [["text/Two"]], "offsetX": 1, "offsetY": 1},
        click("text/Right", button="secondary"),
        {"type": "customStep", "name": "lighthouse", "parameters": {}},
        {"type": "waitForExpression", "expression": "window.appReady === true"},
        {"type": "scroll", "selectors": [[".list"]], "y": 200},
        click("text/Popup", target="https://example.com/popup"),
        click("text/In frame", frame=[0]),
        {"type": "dragAndDrop"},
        click("text/Last"),
        {"type": "setViewport", "width": 390, "height": 844, "isMobile": True},
        {"type": "emulateNetworkConditions", "download": 1000, "upload": 1000, "latency": 400},
        {"type": "close"},
    )
    imported = import_recording(flow, "flow.json", BASE)
    assert [(n.step, n.type) for n in imported.unsupported] == [
        (3, "doubleClick"),
        (4, "click"),
        (5, "customStep"),
        (6, "waitForExpression"),
        (7, "scroll"),
        (8, "click"),
        (9, "click"),
        (10, "dragAndDrop"),
    ]
    assert [(n.step, n.type) for n in imported.notes if n.kind == "info"] == [
        (12, "setViewport"),
        (13, "emulateNetworkConditions"),
        (14, "close"),
    ]
    lines = imported.text().splitlines()
    first, last = lines.index("  - click: One"), lines.index("  - click: Last")
    between = lines[first + 1 : last]
    assert len(between) == 8 and all(line.startswith("  # NOT IMPORTED — recording step ") for line in between)
    assert "window.appReady === true" in between[3]
    # Every recorded step is accounted for: a journey step, a comment, or a note.
    path = tmp_path / "flow.yaml"
    path.write_text(imported.text())
    journey = load_journey(str(path), Config(base_url=BASE))
    assert [s.action for s in journey.steps] == ["goto", "click", "click"]


def test_the_fixture_recordings_convert_as_expected():
    imported = import_recording(load_recording(RECORDINGS / "contact-hours.json"), "contact-hours.json", BASE)
    assert imported.journey_id == "find-the-opening-hours"
    assert imported.steps == [
        {"goto": "/"},
        {"scroll": {"pixels": 180}},
        {"click": {"role": "link", "name": "Contact customer service"}},
        {"expect": {"url": "**/contact"}},
        {"wait": {"role": "heading", "name": "Opening hours"}},
        {"hover": {"role": "link", "name": "+47 77 00 00 00"}},
        {"expect": {"title": "Customer service"}},
    ]
    assert [n.type for n in imported.unsupported] == ["doubleClick"]
    pay = import_recording(load_recording(RECORDINGS / "pay-invoice.json"), "pay-invoice.json", BASE)
    assert {"click": {"role": "button", "name": "Pay now"}, "timeout": 10.0} in pay.steps
    assert {"fill": {"label": "Password", "value": "${PASSWORD}", "secret": True}} in pay.steps
    keyboard = import_recording(load_recording(RECORDINGS / "login-keyboard.json"), "login-keyboard.json", BASE)
    assert {"press": {"key": "Shift+Tab"}} in keyboard.steps
    assert [n.type for n in keyboard.unsupported] == ["waitForExpression", "scroll"]


# ---------------------------------------------------------------------------- the command


def test_import_command_writes_into_the_projects_journeys_with_the_schema_line(tmp_path):
    runner = CliRunner()
    assert runner.invoke(app, ["init", str(tmp_path), "--no-ci"]).exit_code == 0
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        done = runner.invoke(app, ["import", str(RECORDINGS / "contact-hours.json")])
        assert done.exit_code == 0, done.output
        target = tmp_path / "journeys" / "find-the-opening-hours.yaml"
        assert "wrote journeys/find-the-opening-hours.yaml: 7 steps from 8 recorded steps" in done.output
        assert "not imported: recording step 5 (doubleClick)" in done.output
        text = target.read_text()
        assert text.startswith("# yaml-language-server: $schema=../schema/journey.schema.json\n")
        again = runner.invoke(app, ["import", str(RECORDINGS / "contact-hours.json")])
        assert again.exit_code == 2 and "exists; nothing was written" in again.output
        assert runner.invoke(app, ["import", str(RECORDINGS / "contact-hours.json"), "--force"]).exit_code == 0
        done = runner.invoke(app, ["validate"])
        assert done.exit_code == 0, done.output
    finally:
        os.chdir(cwd)


def test_import_command_reports_json_mistakes_at_their_place(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "title": "x",\n  "steps": [\n    {"type": "navigate" "url": "/"}\n  ]\n}\n')
    done = CliRunner().invoke(app, ["import", str(broken), "--out", "-"])
    assert done.exit_code == 2
    assert f"{broken}:4:25: not valid JSON: Expecting ',' delimiter" in done.output
    (tmp_path / "list.json").write_text("[1, 2]")
    done = CliRunner().invoke(app, ["import", str(tmp_path / "list.json"), "--out", "-"])
    assert done.exit_code == 2 and "not a Chrome DevTools Recorder recording" in done.output
    (tmp_path / "empty.json").write_text('{"title": "x", "steps": [{"type": "customStep"}]}')
    done = CliRunner().invoke(app, ["import", str(tmp_path / "empty.json"), "--out", "-"])
    assert done.exit_code == 2 and "nothing in this recording can be replayed" in done.output


@pytest.mark.browser
def test_recordings_of_the_demo_round_trip_into_journeys_that_complete(tmp_path):
    from frictionaudit.demo.server import DemoServer

    shutil.copy(DEMO_PROJECT / "frictionaudit.yaml", tmp_path / "frictionaudit.yaml")
    runner = CliRunner()
    imported = {}
    for recording_file in sorted(RECORDINGS.glob("*.json")):
        target = tmp_path / "journeys" / f"{recording_file.stem}.yaml"
        done = runner.invoke(
            app,
            ["import", str(recording_file), "--config", str(tmp_path / "frictionaudit.yaml"), "--out", str(target)],
        )
        assert done.exit_code == 0, done.output
        imported[recording_file.stem] = load_journey(str(target), Config(base_url=BASE))
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env.update(PASSWORD=PASSWORD, NO_COLOR="1")
    with DemoServer(port=0) as server:
        done = subprocess.run(
            [*RUN, "--base-url", server.url, "-c", "desktop", "--run-id", "imported", "--no-history", "-q"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
        )
    assert done.returncode == 0, done.stdout + done.stderr
    saved = (tmp_path / "reports" / "imported" / "results.json").read_text()
    results = json.loads(saved)
    outcome = {r["journey"]: (r["status"], r.get("reason"), len(r["steps"])) for r in results["runs"]}
    assert outcome == {name: ("completed", None, len(j.steps)) for name, j in imported.items()}
    assert PASSWORD not in saved  # the imported fill is secret
    receipt = next(r for r in results["runs"] if r["journey"] == "pay-invoice")["steps"][-1]
    assert receipt["url"].endswith("/receipt")
