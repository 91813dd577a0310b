"""frictionaudit init (a project that validates and runs) and schema (JSON Schemas for editors)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
import yaml
from typer.testing import CliRunner

from frictionaudit.cli import app
from frictionaudit.init_project import WORKFLOW
from frictionaudit.pipeline import load_project
from frictionaudit.schema import config_schema, journey_schema

ROOT = Path(__file__).resolve().parent.parent
DEMO_PROJECT = ROOT / "frictionaudit" / "demo" / "project"
RUN = [sys.executable, "-m", "frictionaudit", "run", "--fail-on", "never"]
jsonschema = pytest.importorskip("jsonschema")


def _schema_line(path: Path) -> Path:
    first = path.read_text().splitlines()[0]
    match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
    assert match, first
    return (path.parent / match.group(1)).resolve()


def test_init_writes_a_project_that_validates(tmp_path):
    done = CliRunner().invoke(app, ["init", str(tmp_path / "shop"), "--base-url", "https://shop.example.com/"])
    assert done.exit_code == 0, done.output
    project = tmp_path / "shop"
    written = sorted(str(p.relative_to(project)) for p in project.rglob("*") if p.is_file())
    assert written == [
        ".github/workflows/frictionaudit.yml",
        "frictionaudit.yaml",
        "journeys/find-opening-hours.yaml",
        "schema/frictionaudit.schema.json",
        "schema/journey.schema.json",
    ]
    _, config, journeys = load_project(str(project / "frictionaudit.yaml"), [], env={})
    assert config.base_url == "https://shop.example.com"
    assert list(config.channels) == ["desktop", "mobile"]
    assert [j.id for j in journeys] == ["find-opening-hours"]
    assert len(journeys[0].steps) == 4
    # The editor line of each file points at the schema init wrote.
    assert _schema_line(project / "frictionaudit.yaml") == (project / "schema/frictionaudit.schema.json").resolve()
    journey_file = project / "journeys/find-opening-hours.yaml"
    assert _schema_line(journey_file) == (project / "schema/journey.schema.json").resolve()
    assert (project / ".github/workflows/frictionaudit.yml").read_text() == WORKFLOW
    assert "frictionaudit validate" in done.output


def test_init_never_overwrites_without_force(tmp_path):
    runner = CliRunner()
    assert runner.invoke(app, ["init", str(tmp_path), "--no-ci"]).exit_code == 0
    assert not (tmp_path / ".github").exists()
    (tmp_path / "frictionaudit.yaml").write_text("base_url: https://mine.example.com\n")
    done = runner.invoke(app, ["init", str(tmp_path)])
    assert done.exit_code == 2
    assert "already exist; nothing was written" in done.output and "--force" in done.output
    assert (tmp_path / "frictionaudit.yaml").read_text() == "base_url: https://mine.example.com\n"
    assert not (tmp_path / ".github").exists()
    assert runner.invoke(app, ["init", str(tmp_path), "--force"]).exit_code == 0
    assert "127.0.0.1:8000" in (tmp_path / "frictionaudit.yaml").read_text()


def test_init_refuses_a_base_url_without_scheme(tmp_path):
    done = CliRunner().invoke(app, ["init", str(tmp_path), "--base-url", "shop.example.com"])
    assert done.exit_code == 2 and "must start with http:// or https://" in done.output
    assert list(tmp_path.iterdir()) == []


def test_the_example_workflow_is_the_one_init_writes_and_keeps_the_history_when_the_gate_fails():
    assert (ROOT / "examples" / "github-actions.yml").read_text() == WORKFLOW
    workflow = yaml.safe_load(WORKFLOW)
    steps = workflow["jobs"]["journeys"]["steps"]
    by_name = {s.get("name"): s for s in steps}
    run = by_name["Replay the journeys"]["run"]
    assert "--baseline history:latest" in run and "--fail-on major" in run
    assert by_name["Restore the history of runs"]["uses"].startswith("actions/cache/restore@")
    save = by_name["Save the history of runs"]
    assert save["uses"].startswith("actions/cache/save@") and save["if"].startswith("always()")
    assert by_name["Upload the reports"]["if"] == "always()"


# ---------------------------------------------------------------------------- schemas


def _journey_files() -> list[Path]:
    return sorted([*DEMO_PROJECT.glob("journeys/*.yaml"), *ROOT.glob("journeys/*.yaml")])


def test_the_schemas_are_valid_and_accept_every_shipped_file(tmp_path):
    for schema in (config_schema(), journey_schema()):
        jsonschema.Draft202012Validator.check_schema(schema)
    journeys = jsonschema.Draft202012Validator(journey_schema())
    configs = jsonschema.Draft202012Validator(config_schema())
    CliRunner().invoke(app, ["init", str(tmp_path)])
    for path in [*_journey_files(), tmp_path / "journeys" / "find-opening-hours.yaml"]:
        errors = [e.message for e in journeys.iter_errors(yaml.safe_load(path.read_text()))]
        assert errors == [], path
    for path in (ROOT / "frictionaudit.yaml", DEMO_PROJECT / "frictionaudit.yaml", tmp_path / "frictionaudit.yaml"):
        assert [e.message for e in configs.iter_errors(yaml.safe_load(path.read_text()))] == [], path


@pytest.mark.parametrize(
    "steps",
    [
        [{"clik": "Pay now"}],  # unknown action
        [{"click": "Pay now", "goto": "/"}],  # two actions
        [{"scroll": "middle"}],  # not a short form
        [{"wait": {"seconds": 0}}],
        [{"click": {"role": "button", "nme": "Pay"}}],  # unknown locator key
        [{"goto": "/", "channel": ["mobile"]}],
        [{"fill": {"label": "Name"}}],  # no value
    ],
)
def test_the_journey_schema_rejects_what_the_loader_rejects(steps):
    validator = jsonschema.Draft202012Validator(journey_schema())
    assert list(validator.iter_errors({"name": "x", "steps": steps}))


def test_the_journey_schema_offers_documented_keys_not_the_loaders_own():
    schema = journey_schema()
    assert "id" not in schema["properties"] and "source" not in schema["properties"]
    assert schema["required"] == ["name", "steps"]
    click = schema["$defs"]["ClickStep"]
    assert "action" not in click["properties"]
    assert click["description"] == "Click an element."
    assert schema["$defs"]["Locator"]["properties"]["role"]["description"].startswith("An ARIA role")
    budgets = config_schema()["$defs"]["Budgets"]["properties"]
    assert {"max_seconds", "max_screens", "max_clicks", "max_findings", "channels", "journeys"} <= set(budgets)


def test_schema_command(tmp_path):
    runner = CliRunner()
    done = runner.invoke(app, ["schema", "journey"])
    assert done.exit_code == 0
    assert json.loads(done.stdout)["title"] == "frictionaudit journey"
    done = runner.invoke(app, ["schema", "--out", str(tmp_path / "schema")])
    assert done.exit_code == 0
    assert sorted(p.name for p in (tmp_path / "schema").iterdir()) == [
        "frictionaudit.schema.json",
        "journey.schema.json",
    ]
    done = runner.invoke(app, ["schema", "jorney"])
    assert done.exit_code == 2 and "did you mean 'journey'?" in done.output
    assert runner.invoke(app, ["schema"]).exit_code == 2


def test_readme_documents_the_new_commands_and_their_options():
    readme = (ROOT / "README.md").read_text()
    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    for command in ("init", "schema", "import", "diff", "trend"):
        assert f"frictionaudit {command}" in readme, command
        for param in commands[command].params:
            for option in param.opts:
                if option.startswith("--"):
                    assert option in readme, f"{command} {option}"
    for option in ("--baseline", "--no-history", "history:latest", "GITHUB_STEP_SUMMARY", "yaml-language-server"):
        assert option in readme, option
    assert "## CI" in readme


# ---------------------------------------------------------------------------- runs


@pytest.mark.browser
def test_the_example_journey_completes_on_the_demo(tmp_path):
    from frictionaudit.demo.server import DemoServer

    assert CliRunner().invoke(app, ["init", str(tmp_path), "--no-ci"]).exit_code == 0
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")} | {"NO_COLOR": "1"}
    with DemoServer(port=0) as server:
        done = subprocess.run(
            [*RUN, "--base-url", server.url, "-c", "desktop", "--no-history", "--run-id", "example", "-q"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((tmp_path / "reports" / "example" / "results.json").read_text())
    assert [(r["journey"], r["status"]) for r in results["runs"]] == [("find-opening-hours", "completed")]
    assert not (tmp_path / "reports" / "history.sqlite").exists()
