"""Helpers of the hardening tests (faults, interrupts, secrets, confinement): small servers that
misbehave, a self-signed certificate, the real CLI as a subprocess, and the processes it starts.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import signal
import ssl
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


# ---------------------------------------------------------------------------- a server that misbehaves


class FaultHandler(BaseHTTPRequestHandler):
    """``/one`` (a page linking to ``/two``; with ``?die=1`` the server stops right after serving it),
    ``/two``, ``/loop`` (redirects to itself), ``/file.pdf`` (an attachment), anything else: a page."""

    server: FaultServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8", **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        self.server.hits.append(self.path)
        if path == "/loop":
            self._send(302, b"", Location="/loop")
        elif path == "/file.pdf":
            self._send(
                200,
                b"%PDF-1.4 not really\n" * 50,
                "application/pdf",
                Content_Disposition='attachment; filename="invoice.pdf"',
            )
        elif path == "/one":
            self._send(200, b"<!doctype html><title>One</title><h1>Page one</h1><a href='/two'>Next</a>")
            if "die=1" in query:
                threading.Thread(target=self.server.stop, daemon=True).start()
        else:
            self._send(200, f"<!doctype html><title>Page</title><h1>Page {path}</h1>".encode())


class FaultServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        super().__init__((HOST, 0), FaultHandler)
        self.hits: list[str] = []
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True)
        self.scheme = "https" if tls else "http"
        self._thread = threading.Thread(target=self.serve_forever, name="fault-server", daemon=True)
        self._stopped = False

    @property
    def url(self) -> str:
        return f"{self.scheme}://{HOST}:{self.server_address[1]}"

    def start(self) -> FaultServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        if not self._stopped:
            self._stopped = True
            self.shutdown()
            self.server_close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a browser that rejects the certificate hangs up mid-handshake


def self_signed_context(folder: Path) -> ssl.SSLContext:
    """A server TLS context with a fresh self-signed certificate for 127.0.0.1 (no CA trusts it)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "frictionaudit test server")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context


# ---------------------------------------------------------------------------- the CLI as a subprocess


def cli_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DEMO_PASSWORD", "FRICTIONAUDIT_BROWSER")}
    env.update({"NO_COLOR": "1", "COLUMNS": "120", "PYTHONUNBUFFERED": "1"})
    env.update(extra or {})
    return env


def cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 240):
    """Run ``frictionaudit ARGS`` to the end; returns the CompletedProcess."""
    return subprocess.run(
        [sys.executable, "-m", "frictionaudit", *args],
        cwd=cwd,
        env=cli_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start ``frictionaudit ARGS`` in a session of its own (so the test can clean up after it)."""
    return subprocess.Popen(
        [sys.executable, "-m", "frictionaudit", *args],
        cwd=cwd,
        env=cli_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def finish(process: subprocess.Popen[str], timeout: float = 120) -> tuple[int, str, str]:
    """Wait for the process; on timeout kill its whole session and fail."""
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_session(process)
        out, err = process.communicate()
        raise AssertionError(f"the CLI did not end within {timeout} s\n{out}\n{err}") from None
    return process.returncode, out, err


def kill_session(process: subprocess.Popen[str]) -> None:
    """SIGKILL every process of the session the test started (the CLI, its driver, its browser)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def saved_runs(results_file: Path) -> int:
    """How many journey runs a (possibly in-progress) results.json holds; 0 while there is none."""
    try:
        return len(json.loads(results_file.read_text(encoding="utf-8"))["runs"])
    except (OSError, ValueError, KeyError):
        return 0


# ---------------------------------------------------------------------------- processes


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            kids.setdefault(parent, []).append(int(entry))
    return kids


def descendants(root: int) -> Iterator[int]:
    kids = _children()
    todo = [root]
    while todo:
        for child in kids.get(todo.pop(), []):
            yield child
            todo.append(child)


def browser_processes(root: int) -> list[int]:
    """The browser processes (not renderers, not shell wrappers) Playwright launched below ``root``."""
    found = []
    for pid in descendants(root):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if (
            any(b"--remote-debugging-pipe" in a for a in argv)
            and not any(b"--type=" in a for a in argv)
            and not argv[0].endswith(b"sh")
        ):
            found.append(pid)
    return found


# ---------------------------------------------------------------------------- files


def write_project(folder: Path, config: dict[str, Any], journeys: dict[str, dict[str, Any]]) -> Path:
    """frictionaudit.yaml and journeys/<id>.yaml in ``folder``; returns the config file."""
    (folder / "journeys").mkdir(parents=True, exist_ok=True)
    config_file = folder / "frictionaudit.yaml"
    config_file.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    for journey_id, body in journeys.items():
        steps = [yaml.safe_load(s) if isinstance(s, str) else s for s in body["steps"]]
        data = {"name": body.get("name", journey_id), **{k: v for k, v in body.items() if k != "name"}, "steps": steps}
        (folder / "journeys" / f"{journey_id}.yaml").write_text(
            yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8"
        )
    return config_file


def jpeg_size(data: bytes) -> tuple[int, int]:
    """(width, height) of a JPEG, read from its start-of-frame marker."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    i = 2
    while i < len(data):
        marker, length = data[i + 1], struct.unpack(">H", data[i + 2 : i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        i += 2 + length
    raise AssertionError("no start-of-frame marker in the JPEG")
