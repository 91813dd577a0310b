"""Ctrl-C, SIGTERM and crashes: what finished is saved and reported, and nothing is half-written.

The real CLI runs as a subprocess against the demo service, with one journey slow enough to be in
flight when the signal comes; the tests wait until the first journey run has been saved, send the
signal, and check the exit code, the saved results (``interrupted: true``) and that ``report`` can
re-make the reports from them later.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path
from typing import Any

import pytest
from conftest import LoopThread, SiteServer, make_project
from hardening import cli, finish, kill_session, saved_runs, start_cli, wait_for

from frictionaudit.demo.server import PASSWORD, DemoServer
from frictionaudit.gather.runner import GatherPlan, gather
from frictionaudit.progress import NullProgress
from frictionaudit.results import RESULTS_FILE, RunResults, load_results, save_results, write_atomic

DEMO = Path(__file__).resolve().parent.parent / "frictionaudit" / "demo" / "project"
SLOW = "name: Slow\nchannels: [desktop]\nsteps:\n  - goto: /\n  - wait: 60\n  - expect: Power for everyday life\n"


@pytest.fixture(scope="module")
def demo_server() -> Any:
    with DemoServer(port=0) as server:
        yield server


def _start_run(demo_server: DemoServer, tmp_path: Path, run_id: str) -> tuple[Any, Path]:
    (tmp_path / "slow.yaml").write_text(SLOW, encoding="utf-8")
    process = start_cli(
        "run", str(tmp_path / "slow.yaml"), str(DEMO / "journeys"),
        "--config", str(DEMO / "frictionaudit.yaml"), "--base-url", demo_server.url,
        "--out", str(tmp_path / "out"), "--run-id", run_id, "--workers", "2", "--no-history",
        env={"DEMO_PASSWORD": PASSWORD},
    )  # fmt: skip
    return process, tmp_path / "out" / run_id


def _stop_mid_run(process: Any, run_dir: Path, signals: list[signal.Signals]) -> tuple[int, str, str]:
    try:
        wait_for(lambda: saved_runs(run_dir / RESULTS_FILE) >= 1, 90, "the first journey run to be saved")
        for sig in signals:
            process.send_signal(sig)
        return finish(process, 60)
    finally:
        kill_session(process)  # the driver and browser, should the CLI have left them behind


@pytest.mark.browser
@pytest.mark.parametrize(
    ("signals", "code", "said"),
    [([signal.SIGINT], 130, "interrupted (Ctrl-C)"), ([signal.SIGTERM], 143, "interrupted (SIGTERM)")],
    ids=["sigint", "sigterm"],
)
def test_a_signal_saves_and_reports_what_finished(
    demo_server: DemoServer, tmp_path: Path, signals: list[signal.Signals], code: int, said: str
) -> None:
    process, run_dir = _start_run(demo_server, tmp_path, "stopped")
    returncode, out, err = _stop_mid_run(process, run_dir, signals)
    assert returncode == code, out + err
    assert "Traceback" not in out + err
    results, _ = load_results(run_dir)
    assert results.interrupted
    assert "slow@desktop" in results.unfinished
    assert results.runs and all(r.status in ("completed", "blocked") for r in results.runs)
    total = len(results.runs) + len(results.unfinished)  # the demo's journeys × channels, and the slow one
    assert total >= 7
    assert f"{said}: {len(results.runs)} of {total} journey runs finished" in err
    for name in ("report.md", "findings.json"):
        assert (run_dir / name).is_file()
    assert (run_dir.parent / "latest").resolve() == run_dir.resolve()
    assert not list(run_dir.rglob("*.tmp"))
    # Later, without a browser: the reports are re-made from what was saved.
    (run_dir / "report.md").unlink()
    remade = cli("report", str(run_dir), env={"FRICTIONAUDIT_BROWSER": str(tmp_path / "no-browser")})
    assert remade.returncode == 0, remade.stdout + remade.stderr
    assert (run_dir / "report.md").is_file()


@pytest.mark.browser
def test_a_second_ctrl_c_stops_at_once_and_still_leaves_readable_results(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    process, run_dir = _start_run(demo_server, tmp_path, "twice")
    returncode, out, err = _stop_mid_run(process, run_dir, [signal.SIGINT, signal.SIGINT])
    assert returncode == 130, out + err
    assert "Traceback" not in out + err
    results, _ = load_results(run_dir)
    assert results.interrupted and results.runs


@pytest.mark.browser
def test_a_killed_run_leaves_results_that_report_can_use(demo_server: DemoServer, tmp_path: Path) -> None:
    process, run_dir = _start_run(demo_server, tmp_path, "crashed")
    try:
        wait_for(lambda: saved_runs(run_dir / RESULTS_FILE) >= 1, 90, "the first journey run to be saved")
    finally:
        kill_session(process)  # SIGKILL: no handler runs, nothing is cleaned up
    process.wait(30)
    saved = json.loads((run_dir / RESULTS_FILE).read_text(encoding="utf-8"))  # complete JSON, not half a file
    assert saved["interrupted"] is True and saved["runs"] and saved["unfinished"]
    remade = cli("report", str(run_dir))
    assert remade.returncode == 0, remade.stdout + remade.stderr
    assert "Traceback" not in remade.stdout + remade.stderr
    assert (run_dir / "report.md").is_file()


# ---------------------------------------------------------------------------- the runner, in process


def _plan(site: SiteServer, tmp_path: Path) -> GatherPlan:
    config, journeys = make_project(
        tmp_path / "project",
        site.url,
        {
            "first": {"channels": ["desktop"], "steps": ["goto: /clean.html"]},
            "second": {"channels": ["desktop"], "steps": ["goto: /clean.html", "wait: 30"]},
            "third": {"channels": ["desktop"], "steps": ["goto: /clean.html"]},
        },
    )
    return GatherPlan(config=config, journeys=journeys, env={}, workers=1)


class _StopAfterFirst(NullProgress):
    def __init__(self, stop: asyncio.Event) -> None:
        self.stop = stop

    def run_done(self, run_key: str, status: str, skipped_steps: int) -> None:
        self.stop.set()


@pytest.mark.browser
def test_stop_keeps_the_finished_runs_and_names_the_others(aio: LoopThread, site: SiteServer, tmp_path: Path) -> None:
    plan = _plan(site, tmp_path)

    async def go() -> RunResults:
        stop = asyncio.Event()
        return await gather(plan, tmp_path / "run", "stopped", _StopAfterFirst(stop), stop)

    results = aio.run(go(), timeout=60)
    assert [r.journey for r in results.runs] == ["first"]
    assert results.interrupted and results.unfinished == ["second@desktop", "third@desktop"]
    assert results.finished_at
    assert load_results(tmp_path / "run")[0] == results


@pytest.mark.browser
def test_cancelling_the_run_saves_what_finished_first(aio: LoopThread, site: SiteServer, tmp_path: Path) -> None:
    plan = _plan(site, tmp_path)

    async def go() -> None:
        task = asyncio.ensure_future(gather(plan, tmp_path / "run", "cancelled"))
        while saved_runs(tmp_path / "run" / RESULTS_FILE) < 1:
            await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    aio.run(go(), timeout=60)
    results, _ = load_results(tmp_path / "run")
    assert [r.journey for r in results.runs] == ["first"] and results.interrupted
    assert results.unfinished == ["second@desktop", "third@desktop"]


# ---------------------------------------------------------------------------- atomic writes


def test_a_failed_write_leaves_the_old_file_and_no_temporary_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / RESULTS_FILE
    write_atomic(target, '{"old": true}')

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError):
        write_atomic(target, "x" * 1_000_000)
    assert target.read_text() == '{"old": true}'
    assert [p.name for p in tmp_path.iterdir()] == [RESULTS_FILE]


def test_an_interrupt_during_a_write_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    results = RunResults(run_id="r")
    save_results(results, tmp_path)
    real_replace = os.replace

    def interrupted(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_results(results.model_copy(update={"run_id": "new"}), tmp_path)
    monkeypatch.setattr(os, "replace", real_replace)
    assert load_results(tmp_path)[0].run_id == "r"
    assert [p.name for p in tmp_path.iterdir()] == [RESULTS_FILE]


def test_report_on_a_truncated_results_file_is_bad_input_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / RESULTS_FILE).write_text('{"schema_version": 1, "run_id": "r", "runs": [{"jour', encoding="utf-8")
    done = cli("report", str(tmp_path))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert f"{tmp_path / RESULTS_FILE}: not a readable results file" in done.stderr
