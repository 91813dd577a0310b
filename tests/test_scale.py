"""Scale: the same answer with 1 or 4 workers, shards that merge into the unsharded run, remote browsers.

Real runs of the demo service with a real browser; the remote-browser test starts two real Playwright
browser servers (``playwright run-server``) on 127.0.0.1 and kills one of them midway.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from conftest import closed_port

from frictionaudit.demo.server import PASSWORD, DemoServer
from frictionaudit.pipeline import RunRequest, merge, run

pytestmark = pytest.mark.browser
DEMO_PROJECT = Path(__file__).resolve().parent.parent / "frictionaudit" / "demo" / "project"


@pytest.fixture(scope="module")
def demo_url() -> str:
    with DemoServer(port=0) as server:
        yield server.url


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo project with a shorter wait for missing elements, to keep these tests quick.

    Its journeys leave out pay-invoice (3.5 s of planted slowness per run); the rest still hold a
    blocked run, a second try's worth of findings and every kind of probe data.
    """
    folder = tmp_path_factory.mktemp("project")
    config = yaml.safe_load((DEMO_PROJECT / "frictionaudit.yaml").read_text())
    config["timeouts"] = {"action_seconds": 2}
    (folder / "frictionaudit.yaml").write_text(yaml.safe_dump(config))
    shutil.copytree(DEMO_PROJECT / "journeys", folder / "journeys", ignore=shutil.ignore_patterns("pay-invoice.yaml"))
    return folder


def _run(project: Path, base_url: str, out: Path, run_id: str, **options: object):
    request = RunRequest(
        config_path=str(project / "frictionaudit.yaml"),
        out_dir=out,
        run_id=run_id,
        base_url=base_url,
        env={**os.environ, "DEMO_PASSWORD": PASSWORD},
        **options,  # type: ignore[arg-type]
    )
    analysis, _ = run(request)
    return analysis


def _answer(analysis) -> tuple[list[str], list[str], list[tuple[str, str, str]]]:
    findings = sorted(f.fingerprint for f in analysis.findings)
    fixes = [f.id for f in analysis.fixes]
    runs = [(r.journey, r.channel, r.status) for r in analysis.results.runs]
    return findings, fixes, runs


@pytest.fixture(scope="module")
def one_worker(project: Path, demo_url: str, tmp_path_factory: pytest.TempPathFactory):
    return _run(project, demo_url, tmp_path_factory.mktemp("w1"), "w1", workers=1)


def test_four_workers_give_the_same_answer_as_one(one_worker, project, demo_url, tmp_path):
    four = _run(project, demo_url, tmp_path, "w4", workers=4)
    assert _answer(four) == _answer(one_worker)
    assert len(one_worker.findings) > 5


def test_shards_merge_into_the_unsharded_run(one_worker, project, demo_url, tmp_path):
    first = _run(project, demo_url, tmp_path, "s1", shard=(1, 2))
    second = _run(project, demo_url, tmp_path, "s2", shard=(2, 2))
    assert first.results.runs and second.results.runs
    assert {r.key for r in first.results.runs}.isdisjoint({r.key for r in second.results.runs})
    merged, run_dir = merge([tmp_path / "s1", tmp_path / "s2"], tmp_path, "all")
    assert _answer(merged) == _answer(one_worker)
    for shot in (s.screenshot for r in merged.results.runs for s in r.steps if s.screenshot):
        assert (run_dir / shot).is_file()
    report = (run_dir / "report.md").read_text()
    assert "# Friction report — run all" in report


def test_repeat_replays_each_run_k_times(project, demo_url, tmp_path):
    journeys = [str(project / "journeys" / f"{name}.yaml") for name in ("contact-hours", "update-phone")]
    analysis = _run(
        project, demo_url, tmp_path, "rep", repeat=2, workers=2, channels=["desktop"], journey_paths=journeys
    )
    keys = [r.key for r in analysis.results.runs]
    assert keys == [
        "contact-hours@desktop",
        "contact-hours@desktop#2",
        "update-phone@desktop",
        "update-phone@desktop#2",
    ]
    rows = analysis.summaries()  # one row per journey × channel, with the median time and its spread
    assert [(r.run.journey, r.replays) for r in rows] == [("contact-hours", 2), ("update-phone", 2)]
    assert all(r.seconds_min <= r.seconds <= r.seconds_max for r in rows)
    # Every finding of update-phone is in both replays: folded into one, not flaky.
    assert analysis.findings and all((f.seen_in, f.replays) == (2, 2) for f in analysis.findings)
    # Each replay keeps its own screenshots (a step may share one only within its own replay).
    for r in analysis.results.runs:
        shots = [s.screenshot for s in r.steps if s.screenshot]
        assert shots and all(("/repeat-2/" in shot) == (r.repeat == 1) for shot in shots), (r.key, shots)


# ---------------------------------------------------------------------------- remote browsers


def _headless_shell() -> str:
    for candidate in ("/usr/bin/chromium-headless-shell", shutil.which("chromium-headless-shell") or ""):
        if candidate and os.path.exists(candidate):
            return candidate
    pytest.skip("needs a system chromium-headless-shell for the browser servers")


def _browsers_folder(root: Path) -> dict[str, str]:
    """A PLAYWRIGHT_BROWSERS_PATH laid out as Playwright expects, pointing at the system browser."""
    env = {**os.environ, "PLAYWRIGHT_BROWSERS_PATH": str(root)}
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "from playwright.sync_api import sync_playwright as s\np=s().start()\np.chromium.launch()",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    match = re.search(r"Executable doesn't exist at (\S+)", probe.stderr)
    if match is None:
        pytest.skip(f"could not learn where Playwright looks for its browser: {probe.stderr[-300:]}")
    target = Path(match.group(1))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.symlink_to(_headless_shell())
    return env


def _browser_server(env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    port = closed_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "playwright", "run-server", "--port", str(port), "--host", "127.0.0.1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    line = server.stdout.readline() if server.stdout else ""
    assert "Listening on" in line, line
    return server, f"ws://127.0.0.1:{port}/"


def test_work_spreads_over_two_browser_servers_and_survives_one_dying(project, demo_url, tmp_path):
    env = _browsers_folder(tmp_path / "browsers")
    (a, a_url), (b, b_url) = _browser_server(env), _browser_server(env)
    out = tmp_path / "out"
    journeys = [str(DEMO_PROJECT / "journeys" / f"{name}.yaml") for name in ("pay-invoice", "download-invoice")]
    try:
        done = subprocess.Popen(
            [
                sys.executable, "-m", "frictionaudit", "run", *journeys,
                "--config", str(project / "frictionaudit.yaml"),
                "--base-url", demo_url, "--out", str(out), "--run-id", "remote", "--workers", "1",
                "--connect", a_url, "--connect", b_url, "--fail-on", "never",
            ],
            env={**os.environ, "DEMO_PASSWORD": PASSWORD, "NO_COLOR": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        # The queue hands pay-invoice@desktop to server a and pay-invoice@mobile to server b. Once b's
        # run has taken its first screenshot it is in flight (the journey takes several seconds more).
        first_shot = out / "remote" / "screens" / "pay-invoice" / "mobile" / "01.jpg"
        deadline = time.monotonic() + 120
        while not first_shot.exists() and time.monotonic() < deadline and done.poll() is None:
            time.sleep(0.05)
        assert first_shot.exists(), "server b never started its run"
        os.killpg(b.pid, signal.SIGKILL)  # server b and the browser it launched die mid-run
        stdout, stderr = done.communicate(timeout=240)
    finally:
        for server in (a, b):
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGKILL)
            server.wait(10)
    assert done.returncode == 3, stdout + stderr  # an infrastructure failure happened
    results = json.loads((out / "remote" / "results.json").read_text())
    status = {f"{r['journey']}@{r['channel']}": (r["status"], r["reason"]) for r in results["runs"]}
    assert list(status) == [  # the command line's order, whoever finished first
        "pay-invoice@desktop",
        "pay-invoice@mobile",
        "download-invoice@desktop",
        "download-invoice@mobile",
    ]
    state, reason = status["pay-invoice@mobile"]
    assert state == "error" and "went away" in reason, reason
    # The rest went on, on server a: the run it had, and the two still waiting in the queue.
    assert status["pay-invoice@desktop"][0] == "completed"
    assert status["download-invoice@desktop"][0] == "completed"
    assert status["download-invoice@mobile"][0] == "blocked"  # its planted problem, not the dead server
    assert a_url in results["browser"] and b_url in results["browser"]
