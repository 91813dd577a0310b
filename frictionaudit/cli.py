"""The command line: parse, call the core, print, map errors to exit codes. Nothing more.

Exit codes: 0 ok, 1 findings at or over --fail-on, 2 bad input, 3 browser or infrastructure failure,
130 interrupted (Ctrl-C), 143 stopped by SIGTERM; after either, what finished is saved and reported.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Annotated, Any

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

FAIL_ON_HELP = (
    "Exit 1 on findings at or over a severity (blocker, major, minor, cosmetic), of a category (network), "
    "both (network:minor) or of a rule (E101); comma-separated; or never."
)

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
FormatOption = Annotated[
    str, typer.Option("--format", help="Reports to write, comma-separated: html, md, json, junit.")
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print the JSON report (report.json) to stdout instead of the summary.")
]
ALL_FORMATS = "html,md,json,junit"


def _fail(exc: FrictionauditError) -> None:
    label = "error" if isinstance(exc, InputError) else "browser error"
    from rich.markup import escape

    err.print(f"[bold red]{label}:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
    raise typer.Exit(int(exc.exit_code))


def _check_fail_on(value: str) -> str:
    from frictionaudit.gate import parse_fail_on

    parse_fail_on(value)  # severities, categories, category:severity, rule codes, never (see gate.py)
    return value


def _exit_code(analysis: object, fail_on: str) -> int:
    return _gate(analysis, fail_on)


def _gate(
    analysis: object,
    fail_on: str,
    baseline: object = None,
    *,
    console: Console | None = None,
    quiet: bool = False,
    github_run_dir: Path | None = None,
) -> int:
    """The exit code from --fail-on, the baseline and the budgets; prints the reasons (and GitHub output)."""
    from rich.markup import escape

    from frictionaudit import gate
    from frictionaudit.analysis import Analysis

    assert isinstance(analysis, Analysis)
    assert baseline is None or isinstance(baseline, gate.Snapshot)
    result = gate.evaluate(analysis, gate.parse_fail_on(fail_on), baseline)
    console = console or out
    if not result.passed or result.comparison is not None:
        reasons = result.reasons()
        console.print(escape(result.headline()), soft_wrap=True)
        if quiet and reasons:
            more = f" (+{len(reasons) - 1} more)" if len(reasons) > 1 else ""
            console.print(f"  • {escape(reasons[0])}{more}", soft_wrap=True)
        elif not quiet:
            for reason in reasons:
                console.print(f"  • {escape(reason)}", soft_wrap=True)
            if result.comparison is not None:
                console.print(f"Compared with {escape(result.comparison.old.source)}: {result.comparison.summary}.")
    if github_run_dir is not None:
        from frictionaudit.github import publish

        stream = sys.stderr if console is err else sys.stdout

        def emit(line: str) -> None:
            stream.write(line + "\n")

        publish(result, analysis, emit, run_dir=github_run_dir)
    return result.exit_code


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


def _print_summary(analysis: object, written: list[Path], quiet: bool, json_out: bool) -> None:
    """The terminal report, the verdict alone (--quiet), or the JSON report on stdout (--json)."""
    from frictionaudit.analysis import Analysis
    from frictionaudit.render.terminal import render_terminal

    assert isinstance(analysis, Analysis)
    if json_out:
        from frictionaudit.render.json_report import render_json

        sys.stdout.write(render_json(analysis))
        sys.stdout.flush()
    elif quiet:
        out.print(analysis.verdict(), soft_wrap=True)
    else:
        render_terminal(analysis, out)
        reports = [p for p in written if p.name != "findings.json"]
        if reports:
            out.print(f"Reports in {reports[0].parent}: {', '.join(p.name for p in reports)}", soft_wrap=True)


def _run_and_report(request: object, fail_on: str, quiet: bool, json_out: bool = False, baseline: object = None) -> int:
    from frictionaudit import pipeline

    assert isinstance(request, pipeline.RunRequest)
    bar = None if quiet or json_out or not err.is_terminal else _Bar(err)
    if bar:
        with bar.progress:
            analysis, run_dir = pipeline.run(request, bar)
    else:
        analysis, run_dir = pipeline.run(request, None)
    written = [run_dir / pipeline.REPORT_FILES[f] for f in request.formats]
    _print_summary(analysis, written, quiet, json_out)
    if analysis.results.interrupted:
        return _interrupted(analysis, run_dir)
    return _gate(analysis, fail_on, baseline, console=err if json_out else out, quiet=quiet, github_run_dir=run_dir)


def _interrupted(analysis: object, run_dir: Path) -> int:
    """Say what an interrupted run kept; the exit code is 130 (Ctrl-C) or 143 (SIGTERM)."""
    from frictionaudit import interrupts
    from frictionaudit.analysis import Analysis

    assert isinstance(analysis, Analysis)
    results = analysis.results
    total = len(results.runs) + len(results.unfinished)
    err.print(
        f"interrupted ({interrupts.signal_name()}): {len(results.runs)} of {total} journey runs finished; "
        f"they are saved and reported in {run_dir}",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    _INTERRUPT_REPORTED.append(True)
    return interrupts.exit_code()


_INTERRUPT_REPORTED: list[bool] = []


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
    baseline: Annotated[
        str | None,
        typer.Option(
            "--baseline",
            help="Only problems not in this run fail: a run folder, a results.json, or history:latest, "
            "history:-2, history:<run-id>.",
            show_default=False,
        ),
    ] = None,
    history: Annotated[
        bool, typer.Option("--history/--no-history", help="Record the run in <out>/history.sqlite.")
    ] = True,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            max=32,
            help="Journey runs at once, per browser (default: 2-6 by cores).",
            show_default=False,
        ),
    ] = None,
    repeat: Annotated[int, typer.Option("--repeat", min=1, max=20, help="Replay each journey × channel K times.")] = 1,
    shard: Annotated[
        str | None,
        typer.Option("--shard", help="Run only slice i of n (e.g. 2/4), for a CI matrix.", show_default=False),
    ] = None,
    connect: Annotated[
        list[str] | None,
        typer.Option(
            "--connect", help="A Playwright browser server ws://... to run on (repeatable).", show_default=False
        ),
    ] = None,
    cdp: Annotated[
        list[str] | None,
        typer.Option("--cdp", help="A Chromium with remote debugging, http://... (repeatable).", show_default=False),
    ] = None,
    browser_path: BrowserOption = None,
    ignore_https_errors: Annotated[
        bool,
        typer.Option(
            "--ignore-https-errors",
            help="Accept HTTPS certificates the browser does not trust (a test server's self-signed one).",
        ),
    ] = False,
    quiet: QuietOption = False,
    formats: FormatOption = ALL_FORMATS,
    json_out: JsonOption = False,
) -> None:
    """Replay the journeys on every channel, audit them and write reports/<run-id>/."""
    from frictionaudit import pipeline

    try:
        _check_fail_on(fail_on)
        before = _load_baseline(baseline, out_dir) if baseline else None
        request = pipeline.RunRequest(
            history=history,
            formats=pipeline.parse_formats(formats),
            fail_on=fail_on,
            connect=connect or (),
            cdp=cdp or (),
            repeat=repeat,
            shard=pipeline.parse_shard(shard) if shard else None,
            config_path=_config_path(config),
            journey_paths=journeys or [],
            channels=channel or None,
            out_dir=out_dir,
            run_id=run_id,
            base_url=base_url,
            browser_path=browser_path,
            ignore_https_errors=ignore_https_errors,
            workers=workers or pipeline.default_workers(),
        )
        raise typer.Exit(_run_and_report(request, fail_on, quiet, json_out, before))
    except FrictionauditError as exc:
        _fail(exc)


def _load_baseline(ref: str, out_dir: Path) -> object:
    """The baseline's snapshot (resolved before the run, so history:latest is the previous run)."""
    from frictionaudit.gate import load_baseline
    from frictionaudit.history import HISTORY_FILE

    snapshot, note = load_baseline(ref, out_dir / HISTORY_FILE)
    if note:
        err.print(f"note: --baseline {ref}: {note}", highlight=False)
    return snapshot


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
    formats: FormatOption = ALL_FORMATS,
    json_out: JsonOption = False,
) -> None:
    """Start the bundled demo service on 127.0.0.1, audit it, and write reports/demo/."""
    from frictionaudit import pipeline
    from frictionaudit.demo.server import PASSWORD as DEMO_PASSWORD
    from frictionaudit.demo.server import DemoServer

    try:
        _check_fail_on(fail_on)
        chosen = pipeline.parse_formats(formats)
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
            if not quiet and not json_out:
                out.print(f"Demo service on {server.url}")
            request = pipeline.RunRequest(
                config_path=str(project / "frictionaudit.yaml"),
                out_dir=out_dir,
                run_id="demo",
                base_url=server.url,
                browser_path=browser_path,
                env=env,
                formats=chosen,
                fail_on=fail_on,
            )
            code = _run_and_report(request, fail_on, quiet, json_out)
        raise typer.Exit(code)
    except FrictionauditError as exc:
        _fail(exc)


@app.command()
def report(
    run_path: Annotated[Path, typer.Argument(help="A run folder, e.g. reports/latest.")],
    formats: FormatOption = ALL_FORMATS,
    quiet: QuietOption = False,
    json_out: JsonOption = False,
    fail_on: FailOnOption = "never",
) -> None:
    """Re-make the reports of a saved run, without a browser."""
    from frictionaudit.pipeline import parse_formats, reanalyse, write_reports

    try:
        _check_fail_on(fail_on)
        chosen = parse_formats(formats)
        analysis, run_dir, _ = reanalyse(run_path)
        written = write_reports(analysis, run_dir, chosen, fail_on)
        _print_summary(analysis, written, quiet, json_out)
        raise typer.Exit(_gate(analysis, fail_on, console=err if json_out else out, quiet=quiet))
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
        raise typer.Exit(_gate(analysis, fail_on, console=err if json_out else out))
    except FrictionauditError as exc:
        _fail(exc)


@app.command()
def merge(
    runs: Annotated[list[str], typer.Argument(help="The run folders of the shards (--shard i/n).")],
    out_dir: OutOption = Path("reports"),
    run_id: Annotated[str, typer.Option("--run-id", help="Name of the merged run folder.")] = "merged",
    fail_on: FailOnOption = "blocker",
    quiet: QuietOption = False,
) -> None:
    """Combine shard runs into one run, with the reports an unsharded run would have."""
    from frictionaudit import pipeline
    from frictionaudit.render.terminal import render_terminal

    try:
        _check_fail_on(fail_on)
        analysis, run_dir = pipeline.merge(runs, out_dir, run_id)
        if quiet:
            out.print(analysis.verdict())
        else:
            render_terminal(analysis, out)
            out.print(f"Merged {len(runs)} runs into {run_dir}")
        raise typer.Exit(_gate(analysis, fail_on, quiet=quiet, github_run_dir=run_dir))
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
    found = catalogue.get(code.upper()) or next((x for x in catalogue.values() if x.slug == code), None)
    if found is None:
        hint = did_you_mean(code.upper(), catalogue) or did_you_mean(code, [x.slug for x in catalogue.values()])
        _fail(InputError(f"no rule {code}", hint=hint or "run 'frictionaudit rules' for the list"))
        return
    r = found
    out.print(f"{r.code} {r.slug}: {r.title}")
    out.print(f"category {r.category} · severity {r.severity} · effort {r.effort} · confidence {r.confidence:g}\n")
    out.print(escape(r.doc), soft_wrap=True)


HistoryOption = Annotated[Path, typer.Option("--history", help="The history database (written by 'run' under --out).")]


@app.command()
def diff(
    old: Annotated[str, typer.Argument(help="The earlier run: a run folder, a results.json or history:<run-id>.")],
    new: Annotated[str, typer.Argument(help="The later run (same forms), e.g. reports/latest or history:latest.")],
    history_path: HistoryOption = Path("reports/history.sqlite"),
    json_out: Annotated[bool, typer.Option("--json", help="Print the comparison as JSON.")] = False,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print the comparison as Markdown.")] = False,
    fail_on: Annotated[
        str, typer.Option("--fail-on", help="Exit 1 when a NEW problem matches (as run's --fail-on).")
    ] = "never",
) -> None:
    """New, fixed and still-there problems between two runs, and each journey's change of effort per channel."""
    from frictionaudit import diff as diff_mod
    from frictionaudit.gate import parse_fail_on

    try:
        gate = parse_fail_on(fail_on)
        comparison = diff_mod.compare(
            diff_mod.load_snapshot(old, history_path), diff_mod.load_snapshot(new, history_path)
        )
        if json_out:
            sys.stdout.write(diff_mod.diff_json(comparison))
        elif markdown:
            sys.stdout.write(diff_mod.diff_markdown(comparison, heading="##"))
        else:
            diff_mod.render_diff(comparison, out)
        failing = [p for p in comparison.new_problems if gate.matches(p)]
        if failing:
            err.print(f"{len(failing)} new problem{'s' if len(failing) != 1 else ''} at or over --fail-on {fail_on}.")
        raise typer.Exit(int(ExitCode.FINDINGS) if failing else int(ExitCode.OK))
    except FrictionauditError as exc:
        _fail(exc)


@app.command()
def trend(
    last: Annotated[int, typer.Option("--last", "-n", min=1, max=500, help="How many of the latest runs.")] = 10,
    journey: Annotated[
        list[str] | None, typer.Option("--journey", "-j", help="Only these journeys (repeatable).", show_default=False)
    ] = None,
    channel: Annotated[
        list[str] | None, typer.Option("--channel", "-c", help="Only these channels (repeatable).", show_default=False)
    ] = None,
    history_path: HistoryOption = Path("reports/history.sqlite"),
    json_out: Annotated[bool, typer.Option("--json", help="Print the series as JSON.")] = False,
) -> None:
    """Per journey and channel over the last runs: blocked or not, findings, effort; with sparklines."""
    from frictionaudit.trend import load_trend, render_trend, trend_json

    try:
        if not history_path.is_file():
            raise InputError(
                f"{history_path}: no history yet",
                hint="'frictionaudit run' records each run in <--out>/history.sqlite; or pass --history PATH",
            )
        data = load_trend(history_path, last, journey or (), channel or ())
        if json_out:
            sys.stdout.write(trend_json(data))
        else:
            render_trend(data, out)
    except FrictionauditError as exc:
        _fail(exc)


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="Where to create the project.")] = Path("."),
    base_url: Annotated[str, typer.Option("--base-url", help="Where the service lives.")] = "http://127.0.0.1:8000",
    ci: Annotated[bool, typer.Option("--ci/--no-ci", help="Also write .github/workflows/frictionaudit.yml.")] = True,
    force: Annotated[bool, typer.Option("--force", help="Overwrite files that exist.")] = False,
) -> None:
    """Start a project: frictionaudit.yaml, an example journey, JSON schemas for editors, a CI workflow."""
    from frictionaudit.init_project import init_project

    try:
        written = init_project(folder, base_url, ci, force)
        for path in written:
            out.print(f"wrote {path}")
        out.print(
            "Next: 'frictionaudit validate', then 'frictionaudit run' (try it on the demo: 'frictionaudit demo "
            "--serve' in another terminal). Add reports/ to .gitignore.",
            soft_wrap=True,
        )
    except FrictionauditError as exc:
        _fail(exc)


@app.command()
def schema(
    which: Annotated[
        str | None, typer.Argument(help="config (frictionaudit.yaml) or journey; both with --out.", show_default=False)
    ] = None,
    out_folder: Annotated[
        Path | None, typer.Option("--out", help="Write the schema files into this folder.", show_default=False)
    ] = None,
) -> None:
    """Print (or write) the JSON Schema of the config or journey files, for editor completion and validation."""
    from frictionaudit.config.loader import did_you_mean
    from frictionaudit.results import write_atomic
    from frictionaudit.schema import SCHEMA_FILES, schema_text

    try:
        if which is not None and which not in SCHEMA_FILES:
            raise InputError(f"no schema '{which}'", hint=did_you_mean(which, SCHEMA_FILES) or "use config or journey")
        if out_folder is None:
            if which is None:
                raise InputError("say which schema to print", hint="frictionaudit schema journey, or --out schema/")
            sys.stdout.write(schema_text(which))
            return
        for name in [which] if which else list(SCHEMA_FILES):
            write_atomic(out_folder / SCHEMA_FILES[name], schema_text(name))
            out.print(f"wrote {out_folder / SCHEMA_FILES[name]}")
    except FrictionauditError as exc:
        _fail(exc)


@app.command("import")
def import_recording(
    recording: Annotated[Path, typer.Argument(help="A Chrome DevTools Recorder recording (JSON).")],
    out_path: Annotated[
        str | None,
        typer.Option("--out", "-o", help="The journey file to write; - for standard output.", show_default=False),
    ] = None,
    config: ConfigOption = None,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="URLs under it become paths (default: the config's).", show_default=False),
    ] = None,
    name: Annotated[str | None, typer.Option("--id", help="The journey's id (file name).", show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the journey file.")] = False,
) -> None:
    """Convert a Chrome DevTools Recorder recording into a journey; what cannot be converted is listed."""
    from rich.markup import escape

    from frictionaudit.config.loader import load_config, load_journey
    from frictionaudit.config.models import Config
    from frictionaudit.recorder_import import import_recording as convert
    from frictionaudit.recorder_import import load_recording, slug
    from frictionaudit.results import write_atomic

    try:
        data = load_recording(recording)
        config_file = None
        try:
            config_file = _config_path(config)
        except InputError:
            if config:
                raise
        loaded = load_config(config_file) if config_file else None
        base = base_url or (loaded.config.base_url if loaded else None)
        if name is not None and slug(name) != name:
            raise InputError(f"--id {name}: use lower-case letters, digits and '-'", hint=f"e.g. --id {slug(name)}")
        if out_path == "-":
            target = None
        elif out_path:
            target = Path(out_path)
        else:
            folder = (loaded.folder / loaded.config.journeys) if loaded else Path("journeys")
            title = data.get("title") if isinstance(data.get("title"), str) else ""
            target = folder / f"{name or slug(title or recording.stem)}.yaml"
        schema_file = None
        if target is not None:
            project = loaded.folder if loaded else target.parent.parent
            candidate = project / "schema" / "journey.schema.json"
            if candidate.is_file():
                schema_file = os.path.relpath(candidate, target.parent.resolve())
        imported = convert(data, str(recording), base, target.stem if target else name, schema_file)
        if target is None:
            sys.stdout.write(imported.text())
        else:
            if target.exists() and not force:
                raise InputError(f"{target} exists; nothing was written", hint="use --force, or --out another file")
            write_atomic(target, imported.text())
            # The journey must load like any other: a mistake here is a bug of the import, said plainly.
            fallback = Config.model_validate({"base_url": base or "http://localhost"})
            load_journey(str(target), loaded.config if loaded else fallback)
            shown = os.path.relpath(target) if not os.path.relpath(target).startswith("..") else str(target)
            out.print(
                f"wrote {escape(shown)}: {len(imported.steps)} steps from {len(data['steps'])} recorded steps",
                soft_wrap=True,
            )
        for note in imported.notes:
            label = {"unsupported": "[red]not imported[/]", "approximated": "[yellow]approximated[/]"}.get(
                note.kind, "[dim]note[/]"
            )
            err.print(f"{label}: {escape(note.render())}", soft_wrap=True)
        if imported.unsupported:
            err.print(
                f"{len(imported.unsupported)} recorded step{'s' if len(imported.unsupported) != 1 else ''} "
                "could not be converted; they are comments in the journey where they were.",
                soft_wrap=True,
            )
    except FrictionauditError as exc:
        _fail(exc)


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
    """The console script: exit codes 130 after Ctrl-C and 143 after SIGTERM, however they arrive."""
    from frictionaudit import interrupts

    interrupts.install()
    try:
        app()
    except KeyboardInterrupt:  # typer turns these into exit 130 itself; this is the fallback
        sys.exit(_stopped(interrupts))
    except SystemExit as exc:
        if exc.code == ExitCode.INTERRUPTED and not _INTERRUPT_REPORTED:
            sys.exit(_stopped(interrupts))
        raise
    except OSError as exc:  # a full disk, a folder that vanished: the machine, not the input
        err.print(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), markup=False, highlight=False)
        sys.exit(int(ExitCode.INFRASTRUCTURE))


def _stopped(interrupts: Any) -> int:
    code = interrupts.exit_code()
    err.print("terminated" if code == ExitCode.TERMINATED else "interrupted", markup=False, highlight=False)
    return code
