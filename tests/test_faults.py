"""Faults during a run, each for real: the run records them in the journey they hit and goes on.

A server that stops mid-journey, a name that does not resolve, a self-signed certificate, a page that
never loads, a redirect loop, an endless script, dialogs, popups, a download, a flood of console
messages and requests, a 50,000 px page, a probe that hangs or hoards, and the browser killed
mid-run. Each test fails without the protection it names.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import LoopThread, Replay, SiteServer, make_project
from hardening import (
    FaultServer,
    browser_processes,
    cli,
    finish,
    jpeg_size,
    kill_session,
    self_signed_context,
    start_cli,
    wait_for,
    write_project,
)

from frictionaudit.gather import journey_run, screens
from frictionaudit.gather.collectors import MAX_RECORDS_PER_STEP, MAX_TEXT, Probe
from frictionaudit.gather.runner import GatherPlan, gather
from frictionaudit.results import load_results

pytestmark = pytest.mark.browser

FAST = {"action_seconds": 1, "navigation_seconds": 2, "step_seconds": 3, "journey_seconds": 30}


@pytest.fixture
def fault_server() -> Any:
    server = FaultServer().start()
    yield server
    server.stop()


@pytest.fixture
def quick_freeze(monkeypatch: pytest.MonkeyPatch) -> None:
    """A page counts as frozen after 1 s without an answer (3 s in real runs), to keep tests short."""
    monkeypatch.setattr(journey_run, "RESPONSIVE_SECONDS", 1.0)


# ---------------------------------------------------------------------------- the network and the server


def test_network_faults_block_their_journey_and_the_run_goes_on(
    aio: LoopThread, site: SiteServer, fault_server: FaultServer, tmp_path: Path
) -> None:
    dying = FaultServer().start()
    config, journeys = make_project(
        tmp_path / "project",
        site.url,
        {
            "server-stops": {
                "channels": ["desktop"],
                "steps": [f"goto: {dying.url}/one?die=1", "wait: 0.5", "click: Next"],
            },
            "dns": {"channels": ["desktop"], "steps": ["goto: http://frictionaudit-test.invalid/"]},
            "redirect-loop": {"channels": ["desktop"], "steps": [f"goto: {fault_server.url}/loop"]},
            "never-loads": {"channels": ["desktop"], "steps": ["goto: /hang.html", "goto: /clean.html"]},
            "clean": {"channels": ["desktop"], "steps": ["goto: /clean.html", "expect: Nothing wrong here"]},
        },
        timeouts=FAST,
    )
    plan = GatherPlan(config=config, journeys=journeys, env={}, workers=2)
    run_dir = tmp_path / "run"
    started = time.monotonic()
    results = aio.run(gather(plan, run_dir, "faults"))
    assert time.monotonic() - started < 30
    runs = {r.journey: r for r in results.runs}

    stops = runs["server-stops"]
    assert (stops.status, stops.blocked_at) == ("blocked", 2), stops.reason
    # The click led nowhere: the page it opens never came. The second try finds the server gone too.
    assert stops.steps[2].first_error == f"could not open {dying.url}/two: ERR_CONNECTION_REFUSED"
    assert "ERR_CONNECTION_REFUSED" in str(stops.reason)
    assert [s.status for s in stops.steps] == ["ok", "ok", "failed"]
    assert all(s.screenshot for s in stops.steps)  # where the customer got stuck, too

    dns = runs["dns"]
    assert dns.status == "blocked" and dns.blocked_at == 0
    assert dns.reason == (
        "could not open http://frictionaudit-test.invalid/: ERR_NAME_NOT_RESOLVED "
        "(the server's name was not found in DNS)"
    )

    loop = runs["redirect-loop"]
    assert loop.status == "blocked"
    assert (
        loop.reason == f"could not open {fault_server.url}/loop: ERR_TOO_MANY_REDIRECTS (the page redirects in a loop)"
    )
    assert len(loop.steps[0].requests) <= MAX_RECORDS_PER_STEP

    never = runs["never-loads"]
    assert never.status == "blocked" and never.blocked_at == 0
    assert never.reason == f"the page {site.url}/hang.html did not finish loading within 2 s"

    assert runs["clean"].status == "completed", runs["clean"].reason
    assert load_results(run_dir)[0].runs[-1].status == "completed"  # saved too


def test_self_signed_certificate_blocks_unless_accepted(aio: LoopThread, site: SiteServer, tmp_path: Path) -> None:
    server = FaultServer(tls=self_signed_context(tmp_path)).start()
    try:
        for accept in (False, True):
            config, journeys = make_project(
                tmp_path / f"project-{accept}",
                server.url,
                {"tls": {"channels": ["desktop"], "steps": ["goto: /one", "expect: Page one"]}},
                timeouts=FAST,
                config={"ignore_https_errors": True} if accept else None,
            )
            plan = GatherPlan(config=config, journeys=journeys, env={}, workers=1)
            [run] = aio.run(gather(plan, tmp_path / f"run-{accept}", "tls")).runs
            if accept:
                assert run.status == "completed", run.reason
                assert run.steps[0].requests[0].url == f"{server.url}/one"
            else:
                assert run.status == "blocked" and run.blocked_at == 0
                assert run.reason is not None
                assert run.reason.startswith(f"could not open {server.url}/one: ERR_CERT_AUTHORITY_INVALID (")
                assert "--ignore-https-errors" in run.reason and "ignore_https_errors: true" in run.reason
    finally:
        server.stop()


def test_ignore_https_errors_option_of_the_cli(tmp_path: Path) -> None:
    server = FaultServer(tls=self_signed_context(tmp_path)).start()
    try:
        config = write_project(
            tmp_path / "project",
            {"base_url": server.url, "channels": {"desktop": {"viewport": {"width": 800, "height": 600}}}},
            {"tls": {"steps": ["goto: /one", "expect: Page one"]}},
        )
        args = ("run", "--config", str(config), "--out", str(tmp_path / "out"), "--no-history", "-q")
        refused = cli(*args, "--run-id", "refused")
        accepted = cli(*args, "--run-id", "accepted", "--ignore-https-errors")
    finally:
        server.stop()
    assert refused.returncode == 1, refused.stdout + refused.stderr  # blocked: a finding, not a crash
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    [blocked] = load_results(tmp_path / "out" / "refused")[0].runs
    assert "ERR_CERT_AUTHORITY_INVALID" in (blocked.reason or "")
    [ok] = load_results(tmp_path / "out" / "accepted")[0].runs
    assert ok.status == "completed"


def test_opening_a_file_is_a_download_not_a_failure(replay: Replay, fault_server: FaultServer, tmp_path: Path) -> None:
    run = replay([f"goto: {fault_server.url}/file.pdf", f"goto: {fault_server.url}/two"], timeouts=FAST)
    assert run.status == "completed", run.reason
    assert run.steps[0].extra["downloads"] == [
        {
            "url": f"{fault_server.url}/file.pdf",
            "filename": "invoice.pdf",
            "at": run.steps[0].extra["downloads"][0]["at"],
        }
    ]
    assert not list(tmp_path.rglob("invoice.pdf"))


# ---------------------------------------------------------------------------- what the page does


def test_endless_script_on_click_is_cut_off_and_not_retried(replay: Replay, quick_freeze: None) -> None:
    started = time.monotonic()
    run = replay(["goto: /fault-busy.html", "click: Spin", "expect: Never", "goto: /clean.html"], timeouts=FAST)
    assert run.status == "blocked" and run.blocked_at == 1
    # Cut off by the click's own wait or by the step's hard limit, whichever comes first.
    assert "the page stopped responding" in str(run.reason)
    goto, click, *later = run.steps
    assert goto.status == "ok" and goto.screenshot
    assert click.status == "failed" and click.first_error is None  # no second try on a frozen page
    assert click.extra.get("unresponsive") is True and click.screenshot is None
    assert [s.status for s in later] == ["skipped", "skipped"]
    assert time.monotonic() - started < 15


def test_page_that_freezes_by_itself_hits_the_step_limit(replay: Replay, quick_freeze: None) -> None:
    started = time.monotonic()
    run = replay(
        ["goto: /fault-busy.html?after=200", "wait: 0.5", "scroll: bottom", "goto: /clean.html"], timeouts=FAST
    )
    assert run.status == "blocked" and run.blocked_at == 2, run.reason
    # scroll runs a script in the page, which never answers: only the step's hard limit ends it.
    assert run.reason == "the step did not finish within 3 s (timeouts.step_seconds): the page stopped responding"
    assert run.steps[1].extra.get("unresponsive") is True
    assert time.monotonic() - started < 15


def test_a_frozen_page_does_not_stall_the_other_journeys(
    aio: LoopThread, site: SiteServer, tmp_path: Path, quick_freeze: None
) -> None:
    config, journeys = make_project(
        tmp_path / "project",
        site.url,
        {
            "frozen": {
                "channels": ["desktop"],
                "steps": ["goto: /fault-busy.html?after=100", "wait: 0.3", "scroll: bottom"],
            },
            "after-it": {"channels": ["desktop", "mobile"], "steps": ["goto: /clean.html", "expect: Nothing wrong"]},
        },
        timeouts={**FAST, "journey_seconds": 6, "step_seconds": 60},
    )
    plan = GatherPlan(config=config, journeys=journeys, env={}, workers=1)  # one at a time: the frozen one first
    started = time.monotonic()
    results = aio.run(gather(plan, tmp_path / "run", "frozen"))
    frozen, *others = results.runs
    assert frozen.status == "blocked" and frozen.reason == "the journey took longer than 6 s"
    assert [r.status for r in others] == ["completed", "completed"], [r.reason for r in others]
    assert time.monotonic() - started < 25


def test_dialogs_are_dismissed_recorded_and_the_journey_goes_on(replay: Replay) -> None:
    run = replay(
        [
            "goto: /fault-dialogs.html",
            "click: Delete my account",
            "expect: Cancelled",
            "click: Tell us your name",
            "goto: /clean.html",
            "expect: Nothing wrong here",
        ],
        timeouts=FAST,
    )
    assert run.status == "completed", run.reason

    def dialogs(step: int) -> list[tuple[str, str, str]]:
        return [(d["type"], d["message"], d["answer"]) for d in run.steps[step].extra.get("dialogs", [])]

    assert dialogs(0) == [("alert", "Welcome! Cookies are used on this site.", "dismissed")]
    assert dialogs(1) == [("confirm", "Are you sure?", "dismissed")]
    assert dialogs(3) == [("prompt", "Your name?", "dismissed")]
    assert [(t, a) for t, _, a in dialogs(4)] == [("beforeunload", "accepted")]  # the step asked to leave
    assert run.steps[4].url.endswith("/clean.html")
    assert dialogs(2) == dialogs(5) == []


def test_popups_are_recorded_and_closed(replay: Replay, site: SiteServer) -> None:
    run = replay(
        ["goto: /fault-popup.html", "click: Chat with us", "click: Terms and conditions", "expect: Still here"],
        timeouts=FAST,
    )
    assert run.status == "completed", run.reason
    [chat] = run.steps[1].extra["popups"]
    [terms] = run.steps[2].extra["popups"]
    assert chat["url"] == f"{site.url}/clean.html?from=window-open"
    assert terms["url"] == f"{site.url}/clean.html?from=new-tab"
    assert run.steps[2].url == f"{site.url}/fault-popup.html"  # the journey stayed on its page


def test_a_download_is_recorded_and_not_saved(replay: Replay, site: SiteServer, tmp_path: Path) -> None:
    before = set(Path.cwd().iterdir())
    run = replay(["goto: /fault-download.html", "click: Download the invoice", "expect: After the download"])
    assert run.status == "completed", run.reason
    [download] = run.steps[1].extra["downloads"]
    assert (download["url"], download["filename"]) == (f"{site.url}/clean.html", "invoice-2026-11.html")
    assert not [p for p in tmp_path.rglob("*") if "invoice" in p.name]
    assert set(Path.cwd().iterdir()) == before


# ---------------------------------------------------------------------------- resource bounds


def test_console_and_request_floods_are_capped(replay: Replay, tmp_path: Path) -> None:
    run = replay(["goto: /fault-flood.html", "wait: 1", "goto: /clean.html"], timeouts={"navigation_seconds": 10})
    assert run.status == "completed", run.reason
    flood = run.steps[0]
    assert len(flood.console) == MAX_RECORDS_PER_STEP
    assert flood.dropped["console"] + len(flood.console) >= 10_000
    assert max(len(m.text) for m in flood.console) <= MAX_TEXT
    steps = run.steps[:2]
    assert all(len(s.requests) <= MAX_RECORDS_PER_STEP and len(s.page_errors) <= MAX_RECORDS_PER_STEP for s in steps)
    assert sum(len(s.page_errors) + s.dropped.get("page_errors", 0) for s in steps) == 1000
    assert sum(len(s.requests) + s.dropped.get("requests", 0) for s in steps) >= 300
    assert len(run.model_dump_json()) < 1_500_000  # what reaches results.json stays small


def test_screenshots_are_of_the_viewport_only_and_capped(
    replay: Replay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, devices: dict[str, Any]
) -> None:
    desktop = replay(["goto: /fault-tall.html"])
    mobile = replay(["goto: /fault-tall.html"], channel="mobile")
    for run, viewport in ((desktop, (1366, 768)), (mobile, tuple(devices["Pixel 7"]["viewport"].values()))):
        data = (tmp_path / "run" / str(run.steps[0].screenshot)).read_bytes()
        assert jpeg_size(data) == viewport  # CSS pixels of the viewport, not 50,000 px, not device pixels
        assert len(data) <= screens.MAX_SCREENSHOT_BYTES
    # A screen that cannot be made small enough is not saved at all.
    monkeypatch.setattr(screens, "MAX_SCREENSHOT_BYTES", 20_000)
    capped = replay(["goto: /fault-tall.html"])
    assert capped.status == "completed" and capped.steps[0].screenshot is None


class _HoardingProbe(Probe):
    kind = "hoard"

    async def after_step(self, page: Any, step: Any, result: Any) -> None:
        result.extra[self.kind] = {"text": "x" * 1_000_000}


class _HangingProbe(Probe):
    kind = "hang"

    async def before_step(self, page: Any, step: Any) -> None:
        await asyncio.sleep(3600)


def test_a_probe_that_hangs_or_hoards_is_bounded(replay: Replay, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(journey_run, "PROBES", [_HangingProbe, _HoardingProbe])
    monkeypatch.setattr(journey_run, "PROBE_CAP_SECONDS", {"before_step": 0.5, "after_step": 0.5})
    started = time.monotonic()
    run = replay(["goto: /clean.html", "goto: /console.html"])
    assert run.status == "completed"
    assert time.monotonic() - started < 8
    assert all("hoard" not in s.extra and s.dropped["extra.hoard"] > 1_000_000 for s in run.steps)
    assert [e.split(":")[0] for e in run.probe_errors] == [
        "hang at step 1",
        "hoard at step 1",
        "hang at step 2",
        "hoard at step 2",
    ]


# ---------------------------------------------------------------------------- the browser dies


def test_browser_killed_mid_run_fails_the_runs_in_flight_and_the_rest_finish(site: SiteServer, tmp_path: Path) -> None:
    journeys = {
        f"j{i}": {"channels": ["desktop"], "steps": [f"goto: /clean.html?j={i}", "wait: 2", "expect: Nothing wrong"]}
        for i in range(1, 5)
    }
    config = write_project(
        tmp_path / "project",
        {"base_url": site.url, "channels": {"desktop": {"viewport": {"width": 800, "height": 600}}}},
        journeys,
    )
    process = start_cli(
        "run", "--config", str(config), "--out", str(tmp_path / "out"), "--run-id", "killed", "--workers", "2",
        "--no-history",
    )  # fmt: skip
    try:
        wait_for(
            lambda: {("GET", "/clean.html?j=1"), ("GET", "/clean.html?j=2")} <= set(site.hits),
            60,
            "the first two journeys to open their pages",
        )
        [browser] = browser_processes(process.pid)
        os.kill(browser, signal.SIGKILL)
        code, out, err = finish(process)
    finally:
        kill_session(process)
    assert code == 3, out + err
    assert "Traceback" not in out + err
    results, _ = load_results(tmp_path / "out" / "killed")
    status = {r.journey: r for r in results.runs}
    for gone in ("j1", "j2"):
        run = status[gone]
        assert run.status == "error" and run.blocked_at is None  # not the service's fault: no J101
        assert re.match(
            r"browser failure: the browser stopped during the journey at step [12] \(crashed or killed\)",
            str(run.reason),
        )
        failed = next(i for i, s in enumerate(run.steps) if s.status == "failed")
        assert [s.status for s in run.steps] == ["ok"] * failed + ["failed"] + ["skipped"] * (2 - failed)
    for rest in ("j3", "j4"):
        assert status[rest].status == "completed", status[rest].reason
    assert "2 failed to run (browser)" in out
    assert not results.interrupted
    json.loads((tmp_path / "out" / "killed" / "results.json").read_text())
