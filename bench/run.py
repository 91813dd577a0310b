"""Benchmark: frictionaudit's overhead over a plain Playwright script, throughput by workers, peak memory.

Run it with ``make bench`` (or ``python bench/run.py``). In one run, on the bundled demo service:

(a) a plain Playwright script replays the demo journeys' steps on every channel, one at a time: the
    same browser, a fresh context per journey × channel, each step done with the same Playwright calls
    and nothing else (no collectors, no settle wait, no screenshots, no audit, no reports);
(b) ``frictionaudit run`` does the same journeys with its full default audit (collectors, probes,
    screenshots, second tries, rules, ranking, reports), one journey at a time;

and prints the ratio b/a, then frictionaudit's throughput at 1, 2 and 4 workers and the peak memory
(resident set of this process and every process it started, sampled every 50 ms) for 4 workers.
Targets (from the issue): ratio ≤ 1.5; 2 workers ≥ 1.7× one worker on 2 cores; 4 workers < 1.5 GB.
It prints; it asserts nothing. Journeys that end blocked wait for their timeouts in both (a) and (b).

(a) and (b) run twice, alternately, and the faster of each pair counts: on a small machine one run of
either can be a few seconds off. The ratio is printed twice: like for like (both one journey run at
a time) and as a user runs it (frictionaudit's default number of workers for this machine). With
``--breakdown`` (as ``make bench`` runs it), (b) runs once more with timers around the parts of a
replay, and the benchmark prints where its time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from frictionaudit.config.loader import journey_files, load_config, load_journeys, override_base_url
from frictionaudit.demo.server import PASSWORD, DemoServer
from frictionaudit.gather.collectors.accessibility import forget_scans
from frictionaudit.gather.replay import ReplayContext, StepFailed, _action
from frictionaudit.gather.runner import steps_for
from frictionaudit.pipeline import RunRequest, default_workers, run

PROJECT = Path(__file__).resolve().parent.parent / "frictionaudit" / "demo" / "project"


# ---------------------------------------------------------------------------- memory


def _tree_rss_bytes(root: int) -> int:
    """Resident memory of ``root`` and all its descendants, from /proc (Linux)."""
    total, stack, seen = 0, [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        break
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as children:
                    stack.extend(int(c) for c in children.read().split())
        except OSError:
            continue
    return total


class PeakMemory:
    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss_bytes(os.getpid()))
            self._stop.wait(0.05)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# ---------------------------------------------------------------------------- (a) the plain script


async def plain_playwright(config: Any, journeys: list[Any], env: dict[str, str], browser_path: str | None) -> int:
    """Replay every journey × channel with bare Playwright calls; returns the number of runs."""
    from playwright.async_api import async_playwright

    from frictionaudit.gather.browser import launch
    from frictionaudit.gather.channels import channel_base_url, context_options

    runs = 0
    async with async_playwright() as playwright:
        browser, _ = await launch(playwright, browser_path)
        devices = dict(playwright.devices)
        for journey in journeys:
            for channel in journey.channels or list(config.channels):
                channel_config = config.channels[channel]
                context = await browser.new_context(**context_options(channel_config, devices))
                page = await context.new_page()
                ctx = ReplayContext(
                    base_url=channel_base_url(config, channel_config),
                    env=env,
                    action_timeout=config.timeouts.action_seconds,
                    navigation_timeout=config.timeouts.navigation_seconds,
                )
                for _, step in steps_for(journey, channel):
                    try:
                        await _action(page, step, ctx, (step.timeout or ctx.action_timeout) * 1000)
                    except (StepFailed, Exception):
                        break  # blocked: a plain script stops too
                await context.close()
                runs += 1
        await browser.close()
    return runs


# ---------------------------------------------------------------------------- (b) frictionaudit


def frictionaudit_run(base_url: str, workers: int, out: Path, env: dict[str, str], browser_path: str | None) -> int:
    forget_scans()  # as a fresh process: no accessibility scan reused from the run before
    analysis, _ = run(
        RunRequest(
            config_path=str(PROJECT / "frictionaudit.yaml"),
            out_dir=out,
            run_id=f"bench-{workers}",
            base_url=base_url,
            browser_path=browser_path,
            workers=workers,
            env=env,
        )
    )
    return len(analysis.results.runs)


@contextlib.contextmanager
def timers() -> Iterator[dict[str, float]]:
    """Seconds spent in the parts of a replay, while the block runs (the wrapped calls are restored)."""
    from frictionaudit.gather import replay
    from frictionaudit.gather.collectors.accessibility import AccessibilityProbe
    from frictionaudit.gather.journey_run import JourneyReplay

    spent: dict[str, float] = {}

    def timed(name: str, fn: Any) -> Any:
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return await fn(*args, **kwargs)
            finally:
                key = f"{name} {args[1]}" if name == "probes" else name
                spent[key] = spent.get(key, 0.0) + time.perf_counter() - t

        return wrapper

    patched = [
        (replay, "settle"),
        (AccessibilityProbe, "after_step"),
        (JourneyReplay, "_second_try"),
        (JourneyReplay, "_probe"),
        (JourneyReplay, "_screenshot"),
        (JourneyReplay, "_steps"),
    ]
    names = ["settle", "axe", "second try", "probes", "screenshot", "steps"]
    originals = [getattr(owner, attr) for owner, attr in patched]
    try:
        for (owner, attr), name, original in zip(patched, names, originals, strict=True):
            setattr(owner, attr, timed(name, original))
        yield spent
    finally:
        for (owner, attr), original in zip(patched, originals, strict=True):
            setattr(owner, attr, original)


def print_breakdown(spent: dict[str, float], total: float) -> None:
    after = spent.get("probes after_step", 0.0)
    parts = [
        ("the quiet-network window and load wait after each action", spent.get("settle", 0.0)),
        ("axe-core (once per new screen)", spent.get("axe", 0.0)),
        ("the other after-step probes, with the screenshot taken meanwhile", after - spent.get("axe", 0.0)),
        ("before-step probes", spent.get("probes before_step", 0.0)),
        ("the screenshot's checks (and Playwright's shots of pages with secrets)", spent.get("screenshot", 0.0)),
        ("second tries (their actions and waits included)", spent.get("second try", 0.0)),
    ]
    print(f"where (b)'s {total:.1f} s go, 1 worker (the steps themselves: {spent.get('steps', 0.0):.1f} s):")
    for what, seconds in parts:
        print(f"  {seconds:5.1f} s  {what}")


def _seconds(values: list[float]) -> str:
    return ", ".join(f"{v:.1f} s" for v in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--browser-path", default=None, help="as for frictionaudit run")
    parser.add_argument(
        "--breakdown", action="store_true", help="also run (b) once more with timers and print where its time goes"
    )
    args = parser.parse_args()
    env = dict(os.environ)
    env.setdefault("DEMO_PASSWORD", PASSWORD)
    out = Path(tempfile.mkdtemp(prefix="frictionaudit-bench-"))
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {sys.platform}")
    try:
        with DemoServer(port=0) as server:
            loaded = load_config(str(PROJECT / "frictionaudit.yaml"))
            config = override_base_url(loaded.config, server.url)
            journeys = load_journeys(journey_files([], loaded.folder / config.journeys), config, env)

            plains, fulls = [], []
            for _ in range(2):
                t = time.perf_counter()
                runs = asyncio.run(plain_playwright(config, journeys, env, args.browser_path))
                plains.append(time.perf_counter() - t)
                t = time.perf_counter()
                frictionaudit_run(server.url, 1, out, env, args.browser_path)
                fulls.append(time.perf_counter() - t)
            plain, full = min(plains), min(fulls)
            print(f"(a) plain Playwright script: {runs} journey runs in {plain:.1f} s  (runs: {_seconds(plains)})")
            print(f"(b) frictionaudit, full default audit, 1 worker: {full:.1f} s  (runs: {_seconds(fulls)})")
            print(f"ratio b/a, like for like (one journey run at a time): {full / plain:.2f}   (target ≤ 1.5)")
            default = default_workers()
            t = time.perf_counter()
            frictionaudit_run(server.url, default, out, env, args.browser_path)
            as_run = time.perf_counter() - t
            print(f"ratio b/a, frictionaudit as run by default ({default} workers): {as_run / plain:.2f}")
            if args.breakdown:
                with timers() as spent:
                    t = time.perf_counter()
                    frictionaudit_run(server.url, 1, out, env, args.browser_path)
                    timed_run = time.perf_counter() - t
                print_breakdown(spent, timed_run)

            seconds: dict[int, float] = {1: full}
            peak = 0
            for workers in (2, 4):
                t = time.perf_counter()
                if workers == 4:
                    with PeakMemory() as memory:
                        frictionaudit_run(server.url, workers, out, env, args.browser_path)
                    peak = memory.peak
                else:
                    frictionaudit_run(server.url, workers, out, env, args.browser_path)
                seconds[workers] = time.perf_counter() - t
            for workers, took in seconds.items():
                print(
                    f"throughput, {workers} worker{'s' if workers > 1 else ''}: {runs / took * 60:.1f} journey runs/min"
                    f"  ({took:.1f} s; {seconds[1] / took:.2f}× one worker)"
                )
            print(f"speed-up at 2 workers: {seconds[1] / seconds[2]:.2f}×   (target ≥ 1.7×)")
            print(f"peak memory, 4 workers: {peak / 2**20:.0f} MiB   (target < 1536 MiB)")
    finally:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
