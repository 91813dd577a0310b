"""The command line: parse, call the core, print, map errors to exit codes. Nothing more.

Exit codes: 0 ok, 1 findings at or over --fail-on, 2 bad input, 3 browser or infrastructure failure,
130 interrupted.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from frictionaudit import __version__
from frictionaudit.errors import ExitCode, FrictionauditError, InputError

app = typer.Typer(
    name="frictionaudit",
    help="Replay customer journeys on several channels and rank the small fixes to make next.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

FAIL_ON_HELP = "Exit 1 when a finding is at or over this severity: blocker, major, minor, cosmetic or never."

ConfigOption = Annotated[
    str | None,
    typer.Option("--config", help="The project file (default: ./frictionaudit.yaml).", show_default=False),
]
OutOption = Annotated[Path, typer.Option("--out", help="Folder for run folders.")]
BrowserOption = Annotated[
    str | None,
    typer.Option(
        "--browser-path", help="Chromium or Chrome to use (or set FRICTIONAUDIT_BROWSER).", show_default=False
    ),
]
FailOnOption = Annotated[str, typer.Option("--fail-on", help=FAIL_ON_HELP)]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Print only the verdict line.")]


def _fail(exc: FrictionauditError) -> None:
    label = "error" if isinstance(exc, InputError) else "browser error"
    from rich.markup import escape

    err.print(f"[bold red]{label}:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
    raise typer.Exit(int(exc.exit_code))


def _check_fail_on(value: str) -> str:
    from frictionaudit.analysis import FAIL_ON_CHOICES

    if value not in FAIL_ON_CHOICES:
        raise InputError(f"--fail-on {value}: use one of {', '.join(FAIL_ON_CHOICES)}")
    return value


def _exit_code(analysis: object, fail_on: str) -> int:
    from frictionaudit.analysis import Analysis

    assert isinstance(analysis, Analysis)
    if analysis.infra_errors:
        return int(ExitCode.INFRASTRUCTURE)
    return int(ExitCode.FINDINGS) if analysis.failing(fail_on) else int(ExitCode.OK)


class _Bar:
    """Drives a rich progress bar from the core's progress events."""

    def __init__(self, console: Console) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[now]}", style="dim"),
            console=console,
            transient=True,
        )
        self.task = self.progress.add_task("Replaying", total=None, now="")

    def planned(self, runs: int, steps: int) -> None:
        self.progress.update(self.task, total=steps, description=f"Replaying {runs} journey runs")

    def step_done(self, run_key: str, label: str) -> None:
        self.progress.update(self.task, advance=1, now=f"{run_key}: {label}"[:50])

    def run_done(self, run_key: str, status: str, skipped_steps: int) -> None:
        self.progress.update(self.task, advance=skipped_steps)


def _run_and_report(request: object, fail_on: str, quiet: bool) -> int:
    from frictionaudit import pipeline
    from frictionaudit.render.terminal import render_terminal

    assert isinstance(request, pipeline.RunRequest)
    bar = None if quiet or not err.is_terminal else _Bar(err)
    if bar:
        with bar.progress:
            analysis, run_dir = pipeline.run(request, bar)
    else:
        analysis, run_dir = pipeline.run(request, None)
    if quiet:
        out.print(analysis.verdict())
    else:
        render_terminal(analysis, out)
        out.print(f"Reports: {run_dir}/report.md · results: {run_dir}/results.json")
    return _exit_code(analysis, fail_on)


@app.command()
def run(
    journeys: Annotated[list[str] | None, typer.Argument(help="Journey files or folders (default: journeys/).")] = None,
    config: ConfigOption = None,
    channel: Annotated[
        list[str] | None,
        typer.Option("--channel", "-c", help="Only these channels (repeatable).", show_default=False),
    ] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Audit another deployment (channel URLs move along).")
    ] = None,
    out_dir: OutOption = Path("reports"),
    run_id: Annotated[
        str | None, typer.Option("--run-id", help="Name of the run folder (default: a timestamp).")
    ] = None,
    fail_on: FailOnOption = "blocker",
    workers: Annotated[int, typer.Option("--workers", min=1, max=16, help="Journey runs at once.")] = 2,
    browser_path: BrowserOption = None,
    quiet: QuietOption = False,
) -> None:
    """Replay the journeys on every channel, audit them and write reports/<run-id>/."""
    from frictionaudit import pipeline

    try:
        _check_fail_on(fail_on)
        request = pipeline.RunRequest(
            config_path=_config_path(config),
            journey_paths=journeys or [],
            channels=channel or None,
            out_dir=out_dir,
            run_id=run_id,
            base_url=base_url,
            browser_path=browser_path,
            workers=workers,
        )
        raise typer.Exit(_run_and_report(request, fail_on, quiet))
    except FrictionauditError as exc:
        _fail(exc)


def _config_path(config: str | None) -> str:
    from frictionaudit.config.loader import find_config

    return find_config(config)


@app.command()
def demo(
    serve: Annotated[bool, typer.Option("--serve", help="Only serve the demo site (until Ctrl-C).")] = False,
    port: Annotated[int, typer.Option("--port", help="Port for --serve (0: any free port).")] = 8000,
    out_dir: OutOption = Path("reports"),
    fail_on: FailOnOption = "never",
    browser_path: BrowserOption = None,
    quiet: QuietOption = False,
) -> None:
    """Start the bundled demo service on 127.0.0.1, audit it, and write reports/demo/."""
    from frictionaudit import pipeline
    from frictionaudit.demo.server import PASSWORD as DEMO_PASSWORD
    from frictionaudit.demo.server import DemoServer

    try:
        _check_fail_on(fail_on)
        if serve:
            with DemoServer(port=port) as server:
                out.print(f"Demo service on {server.url} (customer number 12345678, password {DEMO_PASSWORD})")
                out.print("Press Ctrl-C to stop.")
                try:
                    while True:
                        time.sleep(3600)
                except KeyboardInterrupt:
                    pass
            return
        project = Path(__file__).parent / "demo" / "project"
        env = dict(os.environ)
        env.setdefault("DEMO_PASSWORD", DEMO_PASSWORD)
        with DemoServer(port=0) as server:
            if not quiet:
                out.print(f"Demo service on {server.url}")
            request = pipeline.RunRequest(
                config_path=str(project / "frictionaudit.yaml"),
                out_dir=out_dir,
                run_id="demo",
                base_url=server.url,
                browser_path=browser_path,
                env=env,
            )
            code = _run_and_report(request, fail_on, quiet)
        raise typer.Exit(code)
    except FrictionauditError as exc:
        _fail(exc)


@app.command()
def report(
    run_path: Annotated[Path, typer.Argument(help="A run folder, e.g. reports/latest.")],
    quiet: QuietOption = False,
    fail_on: FailOnOption = "never",
) -> None:
    """Re-make the reports of a saved run, without a browser."""
    from frictionaudit.pipeline import reanalyse, write_reports
    from frictionaudit.render.terminal import render_terminal

    try:
        _check_fail_on(fail_on)
        analysis, run_dir, _ = reanalyse(run_path)
        written = write_reports(analysis, run_dir)
        if quiet:
            out.print(analysis.verdict())
        else:
            render_terminal(analysis, out)
            out.print("Wrote " + ", ".join(str(p) for p in written))
        raise typer.Exit(_exit_code(analysis, fail_on))
    except FrictionauditError as exc:
        _fail(exc)


@app.command()
def audit(
    run_path: Annotated[Path, typer.Argument(help="A run folder, e.g. reports/latest.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
    fail_on: FailOnOption = "blocker",
) -> None:
    """Re-run the rules on a saved run and list the findings, without a browser (writes nothing)."""
    from frictionaudit.pipeline import reanalyse

    try:
        _check_fail_on(fail_on)
        analysis, _, _ = reanalyse(run_path)
        if json_out:
            from frictionaudit.pipeline import findings_json

            sys.stdout.write(findings_json(analysis))
        else:
            from rich.markup import escape

            for f in analysis.findings:
                step = f" step {f.step + 1}" if f.step is not None else ""
                out.print(f"{f.rule} {f.severity:<8} {escape(f.journey)}@{escape(f.channel)}{step}: {escape(f.title)}")
            out.print(f"{len(analysis.findings)} findings from {len(analysis.results.runs)} journey runs.")
        raise typer.Exit(_exit_code(analysis, fail_on))
    except FrictionauditError as exc:
        _fail(exc)


@app.command()
def validate(
    paths: Annotated[list[str] | None, typer.Argument(help="Journey files or folders (default: journeys/).")] = None,
    config: ConfigOption = None,
) -> None:
    """Check the config and journeys without a browser: every problem with file:line:col."""
    from frictionaudit.config.loader import check_devices
    from frictionaudit.gather.runner import device_names
    from frictionaudit.pipeline import load_project

    try:
        loaded, _, journeys = load_project(_config_path(config), paths or [], env=None)
        check_devices(loaded, device_names())
        steps = sum(len(j.steps) for j in journeys)
        out.print(
            f"OK: {loaded.path} with {len(loaded.config.channels)} channels; {len(journeys)} journeys, {steps} steps."
        )
    except FrictionauditError as exc:
        _fail(exc)


@app.command()
def rules(code: Annotated[str | None, typer.Argument(help="A rule code, e.g. E101.")] = None) -> None:
    """List the rules, or print one rule's documentation."""
    from rich.markup import escape

    from frictionaudit.audit.registry import all_rules
    from frictionaudit.config.loader import did_you_mean

    catalogue = all_rules()
    if code is None:
        for r in catalogue.values():
            out.print(
                f"{r.code}  {r.slug:<22} {r.category:<10} {r.severity:<8} effort {r.effort:<2}  {escape(r.summary)}",
                soft_wrap=True,
            )
        return
    r = catalogue.get(code.upper()) or next((x for x in catalogue.values() if x.slug == code), None)
    if r is None:
        hint = did_you_mean(code.upper(), catalogue) or did_you_mean(code, [x.slug for x in catalogue.values()])
        _fail(InputError(f"no rule {code}", hint=hint or "run 'frictionaudit rules' for the list"))
        return
    out.print(f"{r.code} {r.slug}: {r.title}")
    out.print(f"category {r.category} · severity {r.severity} · effort {r.effort} · confidence {r.confidence:g}\n")
    out.print(escape(r.doc), soft_wrap=True)


@app.command("install-browser")
def install_browser() -> None:
    """Get a Chromium: Playwright's download, else the system package (Debian/Ubuntu, as root)."""
    from frictionaudit.install import install_browser as do_install

    try:
        message = do_install(out.print)
        out.print(message)
    except FrictionauditError as exc:
        _fail(exc)


def _version(value: bool) -> None:
    if value:
        out.print(f"frictionaudit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    pass


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(int(ExitCode.INTERRUPTED))
