"""The demo web service: "Nordlys Energi", a small customer portal of a power company.

This module owns the demo server that ``frictionaudit demo`` audits: a stdlib
``ThreadingHTTPServer`` on 127.0.0.1 that serves the pages under ``site/`` through
a small routing table. Pages are HTML fragments wrapped in a layout and filled in
with ``string.Template``. Two layouts share the same flows: the responsive desktop
site at ``/...`` and a simpler "m." site under ``/m/...``.

Some friction is planted on purpose, so that an audit has something to find. Each
planted problem is marked ``PLANTED`` where it lives (here, in ``site/``) and is
listed in ``planted.yaml``. The home, contact and login pages are kept clean.

Run it by hand with ``python -m frictionaudit.demo.server --port 8000``.

``DemoServer(variant="next")`` (``--variant next``) is the same service one deploy later, for
tests of CI gates, baselines and trends: the payment answers at once (the slow "Pay now" is fixed)
and the customer service page loads a chat widget script that was never deployed (a new problem:
HTTP 404 for a script, rule N101, on the otherwise clean contact journey). The default is unchanged.
"""

from __future__ import annotations

import argparse
import hmac
import html
import json
import secrets
import socketserver
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from string import Template
from typing import Any
from urllib.parse import parse_qs, urlsplit

DEMO_DIR = Path(__file__).resolve().parent
SITE_DIR = DEMO_DIR / "site"
STATIC_DIR = SITE_DIR / "static"
PROJECT_DIR = DEMO_DIR / "project"
PLANTED_FILE = DEMO_DIR / "planted.yaml"

HOST = "127.0.0.1"
CUSTOMER_NUMBER = "12345678"
PASSWORD = "nordlys-demo-2026"
SESSION_COOKIE = "nordlys_session"
MOBILE_SITE = "/m"

# PLANTED (P101): paying takes longer than the 3 s step budget.
PAY_DELAY_SECONDS = 3.5
# The "next" deploy (see the module docstring): no payment delay, a missing chat widget script.
VARIANTS = ("default", "next")
NEXT_CHAT_SCRIPT = "/static/js/chat-widget.js"
# PLANTED (J101 on mobile): phones do not get the "Download PDF" link.
MOBILE_UA_MARKERS = ("Mobile", "Android", "iPhone")
# PLANTED (price difference between channels): phones see another amount.
AMOUNT_DESKTOP = "kr 1 234,50"
AMOUNT_MOBILE = "kr 1 243,50"
# PLANTED (a fact worded differently between channels): the same plan has another name on phones.
PLAN_DESKTOP = "Spot price"
PLAN_MOBILE = "Market price"

CONTENT_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".ico": "image/x-icon",
    ".png": "image/png",
    ".pdf": "application/pdf",
}


@dataclass(frozen=True)
class Page:
    """A page: an HTML fragment under site/pages/, wrapped in the layout."""

    template: str
    title: str
    protected: bool = False
    scripts: tuple[str, ...] = ()


PAGES: dict[str, Page] = {
    "/": Page("home.html", "Home"),
    "/contact": Page("contact.html", "Customer service"),
    "/login": Page("login.html", "Log in"),
    "/invoices": Page("invoices.html", "Your invoices", True, ("/static/js/invoices.js",)),
    "/invoices/2026-11": Page("invoice.html", "Invoice November 2026", True, ("/static/js/invoice.js",)),
    "/receipt": Page("receipt.html", "Payment received", True),
    "/details": Page("details.html", "My details", True),
    "/details/saved": Page("details-saved.html", "Details saved", True),
}
NOT_FOUND = Page("not-found.html", "Page not found")


def _template(name: str) -> Template:
    return Template((SITE_DIR / name).read_text(encoding="utf-8"))


def is_mobile_user_agent(user_agent: str) -> bool:
    """True for the User-Agents that get the planted phone-only behaviour."""
    return any(marker in user_agent for marker in MOBILE_UA_MARKERS)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    server_version = "NordlysPortal/1.0"
    sys_version = ""

    # --- routing -------------------------------------------------------------

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        path = urlsplit(self.path).path
        if method == "GET" and path.startswith("/static/"):
            self._static(path.removeprefix("/static/"))
        elif method == "GET" and path == "/favicon.ico":
            self._static("favicon.ico")
        elif path == "/api/recommendations":
            self._recommendations()
        else:
            root, path = "", path.rstrip("/") or "/"
            if path == MOBILE_SITE or path.startswith(MOBILE_SITE + "/"):
                root, path = MOBILE_SITE, path.removeprefix(MOBILE_SITE) or "/"
            action = ROUTES.get((method, path))
            if action is not None:
                action(self, root)
            elif method == "GET" and path in PAGES:
                self._page(root, PAGES[path])
            else:
                self._page(root, NOT_FOUND, HTTPStatus.NOT_FOUND)

    # --- actions -------------------------------------------------------------

    def _login(self, root: str) -> None:
        form = self._form()
        number = form.get("customer_number", "").strip()
        password = form.get("password", "")
        if number == CUSTOMER_NUMBER and hmac.compare_digest(password.encode(), PASSWORD.encode()):
            token = secrets.token_urlsafe(16)
            self.server.sessions.add(token)
            cookie = f"{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax"
            self._redirect(f"{root}/invoices", cookie)
            return
        error = _template("pages/login-error.html").substitute().rstrip()
        self._page(root, PAGES["/login"], error=error, customer_number=html.escape(number))

    def _logout(self, root: str) -> None:
        self.server.sessions.discard(self._session() or "")
        self._redirect(f"{root}/", f"{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax")

    def _pay(self, root: str) -> None:
        if not self._session():
            self._redirect(f"{root}/login")
            return
        self._form()  # read the body; the demo keeps no payment state
        # PLANTED (P101): the payment provider is slow (fixed in the "next" variant).
        time.sleep(0 if self.server.variant == "next" else PAY_DELAY_SECONDS)
        self._redirect(f"{root}/receipt")

    def _details(self, root: str) -> None:
        if not self._session():
            self._redirect(f"{root}/login")
            return
        form = self._form()
        phone = form.get("phone", "")
        if phone.isdigit() and len(phone) == 8:
            self._redirect(f"{root}/details/saved")
            return
        # PLANTED (F103, F104): a phone number written with spaces is refused, and the form comes
        # back with the e-mail address the customer typed emptied.
        error = _template("pages/details-error.html").substitute().rstrip()
        self._page(root, PAGES["/details"], error=error, phone=html.escape(phone), email="")

    def _invoice_pdf(self, root: str) -> None:
        if not self._session():
            self._redirect(f"{root}/login")
            return
        body = (STATIC_DIR / "files" / "invoice-2026-11.pdf").read_bytes()
        disposition = 'attachment; filename="nordlys-invoice-2026-11.pdf"'
        self._send(HTTPStatus.OK, body, CONTENT_TYPES[".pdf"], {"Content-Disposition": disposition})

    def _recommendations(self) -> None:
        # PLANTED (N101): the recommendation API is broken and always answers 500.
        body = json.dumps({"error": "recommendation engine unavailable"}).encode()
        self._send(HTTPStatus.INTERNAL_SERVER_ERROR, body, "application/json")

    # --- responses -----------------------------------------------------------

    def _page(self, root: str, page: Page, status: HTTPStatus = HTTPStatus.OK, **values: str) -> None:
        logged_in = self._session() is not None
        if page.protected and not logged_in:
            self._redirect(f"{root}/login")
            return
        mobile = is_mobile_user_agent(self.headers.get("User-Agent", ""))
        pdf_link = _template("pages/invoice-pdf-link.html").substitute(root=root).rstrip()
        fields = {
            "root": root,
            "error": "",
            "customer_number": "",
            "phone": "",
            "email": "",
            # PLANTED (N102): the receipt's tracker points at a port nothing listens on.
            "tracker_origin": f"http://{HOST}:{self.server.tracker_port}",
            # PLANTED (price difference between channels): phones see another amount.
            "amount": AMOUNT_MOBILE if mobile else AMOUNT_DESKTOP,
            "plan": PLAN_MOBILE if mobile else PLAN_DESKTOP,
            # PLANTED (J101 on mobile): the PDF link is left out for phones.
            "pdf_link": "" if mobile else pdf_link,
        }
        fields.update(values)
        content = _template(f"pages/{page.template}").substitute(fields)
        sources = page.scripts + (
            (NEXT_CHAT_SCRIPT,) if self.server.variant == "next" and page is PAGES["/contact"] else ()
        )
        scripts = "\n".join(f'  <script src="{src}"></script>' for src in sources)
        layout = _template("m-layout.html" if root else "layout.html")
        body = layout.substitute(
            title=page.title,
            content=content.rstrip("\n"),
            scripts=scripts,
            root=root,
            account_href="logout" if logged_in else "login",
            account_label="Log out" if logged_in else "Log in",
        )
        self._send(status, body.encode(), "text/html; charset=utf-8")

    def _static(self, relative: str) -> None:
        path = (STATIC_DIR / relative).resolve()
        content_type = CONTENT_TYPES.get(path.suffix)
        # Files that are not shipped answer 404; that is how the planted
        # /static/img/invoice-logo.png (N101) fails: there is no such file.
        if not path.is_relative_to(STATIC_DIR) or not path.is_file() or content_type is None:
            self._page("", NOT_FOUND, HTTPStatus.NOT_FOUND)
            return
        self._send(HTTPStatus.OK, path.read_bytes(), content_type, {"Cache-Control": "no-cache"})

    def _redirect(self, location: str, cookie: str | None = None) -> None:
        headers = {"Location": location}
        if cookie:
            headers["Set-Cookie"] = cookie
        self._send(HTTPStatus.SEE_OTHER, b"", "text/plain; charset=utf-8", headers)

    def _send(
        self,
        status: HTTPStatus,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    # --- request helpers -----------------------------------------------------

    def _session(self) -> str | None:
        cookie = SimpleCookie()
        try:
            cookie.load(self.headers.get("Cookie", ""))
        except CookieError:
            return None
        morsel = cookie.get(SESSION_COOKIE)
        if morsel is not None and morsel.value in self.server.sessions:
            return morsel.value
        return None

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        return {key: values[0] for key, values in parse_qs(data).items()}

    def log_message(self, *args: Any) -> None:
        """Stay quiet: no request log on stderr."""


# (method, path without the /m prefix) -> action; other GETs are looked up in PAGES.
ROUTES: dict[tuple[str, str], Callable[[_Handler, str], None]] = {
    ("POST", "/login"): _Handler._login,
    ("GET", "/logout"): _Handler._logout,
    ("GET", "/pay"): _Handler._pay,
    ("POST", "/pay"): _Handler._pay,
    ("POST", "/details"): _Handler._details,
    ("GET", "/invoices/2026-11.pdf"): _Handler._invoice_pdf,
}


# A privileged port nothing listens on (and one Chromium does not refuse as "unsafe"): the tracker's
# connection is refused, and its URL is the same in every run, so the finding keeps its fix id.
TRACKER_PORT = 2


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, variant: str = "default") -> None:
        super().__init__((HOST, port), _Handler)
        self.variant = variant
        self.sessions: set[str] = set()
        self.tracker_port = TRACKER_PORT

    def server_bind(self) -> None:
        # Like HTTPServer.server_bind, without its reverse DNS lookup of the host.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = HOST, int(self.server_address[1])

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # a browser that gave up on a request (e.g. a download) is no news
        super().handle_error(request, client_address)


class DemoServer:
    """The demo portal on 127.0.0.1, served from a daemon thread.

    >>> with DemoServer(port=0) as srv:  # port 0 picks a free port
    ...     srv.url  # doctest: +SKIP
    'http://127.0.0.1:54321'
    """

    def __init__(self, port: int = 0, variant: str = "default") -> None:
        if variant not in VARIANTS:
            raise ValueError(f"unknown demo variant {variant!r}; use one of {', '.join(VARIANTS)}")
        self._port = port
        self._variant = variant
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> DemoServer:
        """Bind the socket and start serving; returns self."""
        if self._httpd is None:
            self._httpd = _HTTPServer(self._port, self._variant)
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.1},
                name="frictionaudit-demo-server",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket."""
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()
        self._httpd = self._thread = None

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the demo server is not running")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """The base URL, without a trailing slash, e.g. ``http://127.0.0.1:54321``."""
        return f"http://{HOST}:{self.port}"

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the demo portal until Ctrl-C."""
    parser = argparse.ArgumentParser(
        prog="python -m frictionaudit.demo.server",
        description="Serve the Nordlys Energi demo portal on 127.0.0.1.",
    )
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000, 0 = any)")
    parser.add_argument("--variant", choices=VARIANTS, default="default", help="'next': the service one deploy later")
    args = parser.parse_args(argv)
    with DemoServer(port=args.port, variant=args.variant) as server:
        print(
            f"Nordlys Energi demo portal at {server.url}/ (mobile site: {server.url}/m/)\n"
            f"Log in with customer number {CUSTOMER_NUMBER} and password {PASSWORD}. "
            "Ctrl-C stops it.",
            flush=True,
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
