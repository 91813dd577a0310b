"""``frictionaudit init``: a new project — config, one commented example journey, schemas and a CI workflow.

Files written (none is overwritten unless ``--force``):

- ``frictionaudit.yaml``: base URL, a desktop and a mobile channel, budgets (commented);
- ``journeys/find-opening-hours.yaml``: one commented journey that shows the common actions;
- ``schema/frictionaudit.schema.json`` and ``schema/journey.schema.json``: for editor completion;
  both YAML files start with the ``# yaml-language-server: $schema=...`` line that uses them;
- ``.github/workflows/frictionaudit.yml``: the GitHub Actions workflow of ``examples/`` (``--no-ci``
  leaves it out).

The example journey runs as is against the bundled demo (``frictionaudit demo --serve``), the default
base URL, so a newcomer sees a whole run before writing their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from frictionaudit.config.models import _http_url
from frictionaudit.errors import InputError
from frictionaudit.results import write_atomic
from frictionaudit.schema import SCHEMA_FILES, schema_text

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
EXAMPLE_JOURNEY = "find-opening-hours"
WORKFLOW_PATH = ".github/workflows/frictionaudit.yml"

CONFIG_TEMPLATE = """\
# yaml-language-server: $schema=schema/frictionaudit.schema.json
# frictionaudit project: where the service lives and the channels (devices) to replay journeys on.
# Check it with `frictionaudit validate`; the README explains every key.
base_url: {base_url}    # the default is the demo: `frictionaudit demo --serve`

channels:
  desktop:
    viewport: {{width: 1366, height: 768}}
  mobile:
    device: Pixel 7             # any Playwright device descriptor name (iPhone 13, Galaxy S9+, ...)
    # weight: 0.6               # share of your customers on this channel: ranks the fixes

budgets:
  step_seconds: 3               # a step slower than this is a finding (P101)
  # Limits for CI: a journey × channel over one fails the run (exit 1). The most specific wins.
  # max_seconds: 30             # the journey's measured time
  # max_clicks: 10
  # max_findings: {{major: 0}}    # by severity (that or worse), category, rule code or all
  # channels:
  #   mobile: {{max_seconds: 40}}
  # journeys:
  #   {journey}: {{max_screens: 3, channels: {{mobile: {{max_clicks: 2}}}}}}

journeys: journeys              # the folder of journey files, relative to this file
"""

JOURNEY_TEMPLATE = """\
# yaml-language-server: $schema=../schema/journey.schema.json
# One customer task, step by step. The file name ({journey}) is the journey's id.
# `frictionaudit validate` checks it; `frictionaudit run` replays it on every channel.
name: Find the opening hours of customer service
description: A visitor goes from the home page to customer service and reads the opening hours.
# channels: [desktop, mobile]      # default: every channel of frictionaudit.yaml

steps:
  - goto: /                        # a path under base_url, or a full URL
  # Find elements the way a customer does: by role and name, by label, or by visible text.
  - click: {{role: link, name: Contact customer service}}
  - expect: {{url: "**/contact"}}    # a URL glob; also {{text: ...}}, {{title: ...}}, {{visible: ...}}
  - name: Read the opening hours   # a name for reports
    expect: {{text: Opening hours}}
  # More actions, for example a log-in:
  # - fill: {{label: Customer number, value: "12345678"}}
  # - fill: {{label: Password, value: "${{PASSWORD}}", secret: true}}   # from the environment, never written
  # - click: {{role: button, name: Log in}}
  # - click: Pay now                   # short form: by text
  # - select: {{label: Country, option: Norway}}
  # - press: Enter
  # - capture: {{name: phone, css: "[data-phone]"}}   # a fact compared across channels
  # - click: {{role: button, name: Menu}}
  #   channels: [mobile]               # a step only one channel needs
"""

WORKFLOW = """\
# frictionaudit in GitHub Actions: replay the customer journeys against a deployment on every push
# and pull request, fail the job when a deploy brings new problems, keep the history of runs from
# job to job, and upload the reports.
#
# Copy this file to .github/workflows/frictionaudit.yml (`frictionaudit init` does) and set:
#   - the repository variable SERVICE_URL (Settings → Secrets and variables → Actions → Variables):
#     the deployment to audit, e.g. your staging site;
#   - a repository secret for each ${NAME} your journeys read, here PASSWORD.
# The job summary shows the verdict, what changed since the previous run and the fixes to make next;
# new problems are annotated on the journey files in the pull request.
name: frictionaudit

on:
  push:
    branches: [main]
  pull_request:
  workflow_dispatch:

permissions:
  contents: read

jobs:
  journeys:
    runs-on: ubuntu-latest
    timeout-minutes: 20
    steps:
      - uses: actions/checkout@v4

      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"

      - name: Install frictionaudit and a browser
        run: |
          pip install frictionaudit
          frictionaudit install-browser

      # reports/history.sqlite (one row per run) goes from job to job through the Actions cache:
      # restore the newest copy; a pull request gets main's when it has none of its own yet.
      - name: Restore the history of runs
        uses: actions/cache/restore@v4
        with:
          path: reports/history.sqlite
          key: frictionaudit-history-${{ github.run_id }}
          restore-keys: frictionaudit-history-

      # Exit 1 when a problem at or over --fail-on is new since the previous run, or a budget of
      # frictionaudit.yaml is exceeded; exit 2 for a mistake in the journeys; 3 when the browser fails.
      - name: Replay the journeys
        env:
          PASSWORD: ${{ secrets.PASSWORD }}
        run: >-
          frictionaudit run
          --base-url "${{ vars.SERVICE_URL }}"
          --run-id "${{ github.run_number }}-${{ github.run_attempt }}"
          --baseline history:latest
          --fail-on major

      # Saved even when the gate failed, so the next run compares with this one.
      - name: Save the history of runs
        if: always() && hashFiles('reports/history.sqlite') != ''
        uses: actions/cache/save@v4
        with:
          path: reports/history.sqlite
          key: frictionaudit-history-${{ github.run_id }}

      - name: Show the trend
        if: always() && hashFiles('reports/history.sqlite') != ''
        run: frictionaudit trend --last 10

      - name: Upload the reports
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: frictionaudit-reports
          path: reports/
"""


@dataclass(frozen=True)
class Planned:
    path: Path
    text: str


def plan(folder: Path, base_url: str = DEFAULT_BASE_URL, ci: bool = True) -> list[Planned]:
    """The files ``init`` writes into ``folder``."""
    try:
        base_url = _http_url(base_url)
    except Exception:
        raise InputError(
            f"--base-url {base_url}: must start with http:// or https://", hint="e.g. https://www.example.com"
        ) from None
    files = [
        Planned(folder / "frictionaudit.yaml", CONFIG_TEMPLATE.format(base_url=base_url, journey=EXAMPLE_JOURNEY)),
        Planned(folder / "journeys" / f"{EXAMPLE_JOURNEY}.yaml", JOURNEY_TEMPLATE.format(journey=EXAMPLE_JOURNEY)),
        *(Planned(folder / "schema" / name, schema_text(which)) for which, name in SCHEMA_FILES.items()),
    ]
    if ci:
        files.append(Planned(folder / WORKFLOW_PATH, WORKFLOW))
    return files


def init_project(folder: Path, base_url: str = DEFAULT_BASE_URL, ci: bool = True, force: bool = False) -> list[Path]:
    """Write a new project into ``folder``; refuses to overwrite a file unless ``force``."""
    files = plan(folder, base_url, ci)
    existing = [f.path for f in files if f.path.exists()]
    if existing and not force:
        shown = ", ".join(str(p) for p in existing)
        raise InputError(
            f"{shown} already exist{'s' if len(existing) == 1 else ''}; nothing was written",
            hint="use --force to overwrite, or run init in an empty folder",
        )
    for f in files:
        write_atomic(f.path, f.text)
    return [f.path for f in files]
