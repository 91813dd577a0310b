"""Session-wide fixtures: one local test web site, one event loop, one browser.

Like playwright-python's own test suite, the expensive things are made once per session: an HTTP
server on 127.0.0.1 serving ``tests/site/`` (plus a few dynamic routes), an asyncio loop running in
a background thread, Playwright's driver and ONE launched Chromium. Each test gets a fresh browser
context (``run_journey`` makes one per journey × channel), so tests stay isolated and cheap.
"""

from __future__ import annotations

import asyncio
import html
import socket
import threading
import time
from collections.abc import Callable, Coroutine, Iterable, Iterator
from concurrent.futures import TimeoutError as FutureTimeout
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import yaml

from frictionaudit.audit.model import Finding
from frictionaudit.audit.registry import all_rules, audit
from frictionaudit.config.loader import load_config, load_journey
from frictionaudit.config.models import Config, Journey
from frictionaudit.gather.runner import GatherPlan, run_journey
from frictionaudit.progress import NullProgress
from frictionaudit.results import ChannelInfo, JourneyInfo, JourneyRun, RunResults

SITE_DIR = Path(__file__).resolve().parent / "site"
HOST = "127.0.0.1"
MAX_SLOW_MS = 30_000
# Ports Chromium refuses to connect to (net::ERR_UNSAFE_PORT) that an ephemeral port might hit.
_CHROMIUM_UNSAFE_PORTS = {6000, 6566, 6665, 6666, 6667, 6668, 6669, 6697, 10080}

T = TypeVar("T")


def closed_port() -> int:
    """A port of 127.0.0.1 nothing listens on (bound, then closed), one Chromium agrees to try."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((HOST, 0))
            port = int(sock.getsockname()[1])
        if port not in _CHROMIUM_UNSAFE_PORTS:
            return port


# ---------------------------------------------------------------------------- the test web site


class SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, refused_port: int) -> None:
        super().__init__((HOST, 0), SiteHandler)
        self.refused_port = refused_port
        self.stopping = threading.Event()
        self.hits: list[tuple[str, str]] = []  # (method, path) of every request, in order
        self.flaky_counts: dict[str, int] = {}
        self._thread = threading.Thread(target=self.serve_forever, name="test-site", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}"

    def start(self) -> SiteServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()  # wakes slow handlers, so no thread outlives the session by long
        self.shutdown()
        self.server_close()
        self._thread.join(5)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the browser hangs up on slow responses when a test ends: not worth a traceback


class SiteHandler(SimpleHTTPRequestHandler):
    """Static files of ``tests/site/`` plus the dynamic routes below.

    - ``GET /slow?ms=N``      an HTML page after N ms (at most 30 s)
    - ``GET /status/<code>``  an empty-ish reply with that status
    - ``GET /redirect?to=P``  302 to P
    - ``POST /submit``        the sign-up form: 303 to ``/thanks?name=...`` (see form.html)
    - ``GET /thanks?name=N``  "Thanks, N"
    - ``GET /flaky?key=K&fail=N``  500 for the first N requests with key K, then a page with a button
    - ``POST /flaky-submit?key=K`` 500 the first time for key K, then 303 to ``/thanks?name=paid``
    HTML files get ``__CLOSED_PORT__`` replaced by a port nothing listens on.
    """

    server: SiteServer
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".ico": "image/x-icon"}  # noqa: RUF012

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, directory=str(SITE_DIR), **kwargs)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, body: str = "", content_type: str = "text/html; charset=utf-8", **headers: str):
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        path = parts.path
        self.server.hits.append(("GET", self.path))
        if path == "/slow":
            ms = min(int(query.get("ms", ["1000"])[0]), MAX_SLOW_MS)
            deadline = time.monotonic() + ms / 1000
            while not self.server.stopping.is_set() and time.monotonic() < deadline:
                time.sleep(min(0.02, max(0.0, deadline - time.monotonic())))
            self._reply(200, f"<!doctype html><title>Slow</title><p>Served after {ms} ms</p>")
        elif path.startswith("/status/"):
            code = int(path.rsplit("/", 1)[1])
            self._reply(code, f"status {code}", "text/plain; charset=utf-8")
        elif path == "/flaky":
            key = query.get("key", [""])[0]
            seen = self.server.flaky_counts[key] = self.server.flaky_counts.get(key, 0) + 1
            if seen <= int(query.get("fail", ["1"])[0]):
                self._reply(500, "<!doctype html><title>Error</title><h1>Something went wrong</h1>")
            else:
                self._reply(200, "<!doctype html><title>Flaky OK</title><button>Continue</button>")
        elif path == "/second-chance":  # the button comes only on the second load, a moment after it
            key = query.get("key", [""])[0]
            seen = self.server.flaky_counts[key] = self.server.flaky_counts.get(key, 0) + 1
            later = (
                "<script>setTimeout(() => document.body.insertAdjacentHTML('beforeend',"
                f" '<button>Continue</button>'), {int(query.get('ms', ['1500'])[0])})</script>"
            )
            self._reply(200, f"<!doctype html><title>Order</title><h1>Your order</h1>{later if seen > 1 else ''}")
        elif path == "/redirect":
            self._reply(302, "", Location=query.get("to", ["/clean.html"])[0])
        elif path == "/thanks":
            name = html.escape(query.get("name", [""])[0])
            self._reply(200, f"<!doctype html><title>Thanks</title><h1>Thanks, {name}</h1>")
        elif path.endswith(".html") and (SITE_DIR / path.lstrip("/")).is_file() and ".." not in path:
            text = (SITE_DIR / path.lstrip("/")).read_text(encoding="utf-8")
            self._reply(200, text.replace("__CLOSED_PORT__", str(self.server.refused_port)))
        else:
            super().do_GET()

    def do_POST(self) -> None:
        self.server.hits.append(("POST", self.path))
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode("utf-8"))
        if urlsplit(self.path).path == "/flaky-submit":
            key = "submit:" + parse_qs(urlsplit(self.path).query).get("key", [""])[0]
            seen = self.server.flaky_counts[key] = self.server.flaky_counts.get(key, 0) + 1
            if seen == 1:
                self._reply(500, "<!doctype html><title>Error</title><h1>Internal error</h1>")
            else:
                self._reply(303, "", Location="/thanks?name=paid")
            return
        if urlsplit(self.path).path != "/submit":
            self._reply(404, "no such form", "text/plain; charset=utf-8")
            return
        name = form.get("name", [""])[0]
        password = form.get("password", [""])[0]
        # PLANTED: the service echoes the password into the redirect URL, so it would reach the
        # recorded URLs and navigations unless frictionaudit redacts it.
        location = f"/thanks?name={quote(name)}" + (f"&session={quote(password)}" if password else "")
        self._reply(303, "", Location=location)


@pytest.fixture(scope="session")
def site() -> Iterator[SiteServer]:
    """The test web site, started once for the session; ``site.url`` is its base URL."""
    server = SiteServer(refused_port=closed_port()).start()
    try:
        yield server
    finally:
        server.stop()


# ---------------------------------------------------------------------------- one loop, one browser


class LoopThread:
    """An asyncio loop running in a daemon thread; ``run(coro)`` runs a coroutine on it and waits.

    Playwright's async objects belong to the loop that made them, so every browser call of the
    session goes through this one loop. Test code stays synchronous, and a hung coroutine fails its
    test after ``timeout`` seconds instead of hanging the suite.
    """

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="browser-loop", daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 90) -> T:
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(timeout)
        except FutureTimeout:
            future.cancel()
            raise TimeoutError(f"the coroutine did not finish within {timeout:g} s") from None

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


@pytest.fixture(scope="session")
def aio() -> Iterator[LoopThread]:
    runner = LoopThread()
    try:
        yield runner
    finally:
        runner.close()


@pytest.fixture(scope="session")
def playwright(aio: LoopThread) -> Iterator[Any]:
    from playwright.async_api import async_playwright

    manager = async_playwright()
    driver = aio.run(manager.start())
    try:
        yield driver
    finally:
        aio.run(manager.__aexit__(None, None, None))


@pytest.fixture(scope="session")
def devices(playwright: Any) -> dict[str, Any]:
    return dict(playwright.devices)


@pytest.fixture(scope="session")
def shared_browser(aio: LoopThread, playwright: Any) -> Iterator[Any]:
    """ONE Chromium for the whole session (found by frictionaudit's own ``launch``)."""
    from frictionaudit.errors import BrowserNotFoundError
    from frictionaudit.gather.browser import launch

    try:
        browser, _choice = aio.run(launch(playwright))
    except BrowserNotFoundError as exc:
        pytest.skip(f"no Chromium to run browser tests with: {exc}")
    try:
        yield browser
    finally:
        try:
            aio.run(browser.close(), timeout=15)
        except Exception:
            pass


# ---------------------------------------------------------------------------- projects and replays


CHANNELS: dict[str, Any] = {
    "desktop": {"viewport": {"width": 1366, "height": 768}},
    "mobile": {"device": "Pixel 7"},
    "norsk": {"viewport": {"width": 1024, "height": 700}, "locale": "nb-NO"},
}


def saved_run(run: JourneyRun, base_url: str, settings: dict[str, Any] | None = None) -> RunResults:
    """One replayed run saved as ``frictionaudit run`` saves it (its channel, journey and steps)."""
    return RunResults(
        run_id="test",
        base_url=base_url,
        settings=settings or {},
        channels=[
            ChannelInfo(name=run.channel, base_url=base_url, is_mobile=run.channel == "mobile", viewport=run.viewport)
        ],
        journeys=[JourneyInfo(id=run.journey, name=run.journey, steps=[s.label for s in run.steps])],
        runs=[run],
    )


def audit_only(results: RunResults, codes: Iterable[str]) -> list[Finding]:
    """The findings of ``results`` with only the rules ``codes`` switched on."""
    keep = set(codes)
    return audit(results, disabled=[c for c in all_rules() if c not in keep]).findings


def make_project(
    folder: Path,
    base_url: str,
    journeys: dict[str, dict[str, Any]],
    *,
    timeouts: dict[str, float] | None = None,
    env: dict[str, str] | None = None,
    config: dict[str, Any] | None = None,
) -> tuple[Config, list[Journey]]:
    """Write frictionaudit.yaml and journeys/*.yaml, and load them the way the CLI does.

    ``config`` adds or overrides top-level settings (thresholds, retries, channels...).
    """
    config_data: dict[str, Any] = {"base_url": base_url, "channels": CHANNELS}
    if timeouts:
        config_data["timeouts"] = timeouts
    config_data.update(config or {})
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "frictionaudit.yaml").write_text(yaml.safe_dump(config_data), encoding="utf-8")
    loaded_config = load_config(str(folder / "frictionaudit.yaml")).config
    (folder / "journeys").mkdir(exist_ok=True)
    loaded = []
    for journey_id, body in journeys.items():
        # A step written as "goto: /x" is short for the mapping {"goto": "/x"}.
        steps = [yaml.safe_load(s) if isinstance(s, str) else s for s in body["steps"]]
        path = folder / "journeys" / f"{journey_id}.yaml"
        data = {"name": journey_id.replace("-", " "), **body, "steps": steps}
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        loaded.append(load_journey(str(path), loaded_config, env))
    return loaded_config, loaded


Replay = Callable[..., JourneyRun]


@pytest.fixture
def replay(aio: LoopThread, shared_browser: Any, devices: dict[str, Any], site: SiteServer, tmp_path: Path) -> Replay:
    """``replay(steps, channel=..., ...)``: run one journey on one channel in the shared browser."""

    def run(
        steps: list[Any],
        *,
        channel: str = "desktop",
        timeouts: dict[str, float] | None = None,
        env: dict[str, str] | None = None,
        base_url: str | None = None,
        config: dict[str, Any] | None = None,
    ) -> JourneyRun:
        env = env or {}
        project, [journey] = make_project(
            tmp_path / "project",
            base_url or site.url,
            {"journey": {"steps": steps}},
            timeouts=timeouts,
            env=env,
            config=config,
        )
        plan = GatherPlan(config=project, journeys=[journey], env=env, workers=1)
        return aio.run(run_journey(shared_browser, plan, journey, channel, devices, tmp_path / "run", NullProgress()))

    return run


@pytest.fixture
def restore_rules() -> Iterator[None]:
    """Let a test register rules of its own; the catalogue is put back afterwards."""
    from frictionaudit.audit.registry import RULES, all_rules

    saved = all_rules()
    yield
    RULES.clear()
    RULES.update(saved)
