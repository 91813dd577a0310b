"""Tests of the bundled demo server (frictionaudit.demo.server), over HTTP with urllib only."""

from __future__ import annotations

import http.cookiejar
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message

import pytest

from frictionaudit.demo.server import (
    AMOUNT_DESKTOP,
    AMOUNT_MOBILE,
    CUSTOMER_NUMBER,
    PASSWORD,
    PLANTED_FILE,
    PROJECT_DIR,
    DemoServer,
)

DESKTOP_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"
PIXEL_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Mobile Safari/537.36"
)
IPHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0"


@dataclass
class Reply:
    status: int
    url: str
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class Client:
    """A browser stand-in: keeps cookies, follows redirects unless told not to."""

    def __init__(self, base_url: str, user_agent: str = DESKTOP_UA) -> None:
        self.base_url = base_url
        self.user_agent = user_agent
        cookies = urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        self._follow = urllib.request.build_opener(cookies)
        self._stay = urllib.request.build_opener(cookies, _NoRedirect())

    def request(self, path: str, form: dict[str, str] | None = None, follow: bool = True) -> Reply:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        req = urllib.request.Request(self.base_url + path, data=data, headers={"User-Agent": self.user_agent})
        opener = self._follow if follow else self._stay
        try:
            with opener.open(req, timeout=10) as resp:
                return Reply(resp.status, resp.url, resp.headers, resp.read())
        except urllib.error.HTTPError as err:
            with err:
                return Reply(err.code, err.url, err.headers, err.read())

    def log_in(self, root: str = "") -> Reply:
        form = {"customer_number": CUSTOMER_NUMBER, "password": PASSWORD}
        return self.request(f"{root}/login", form)


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer(port=0) as srv:
        yield srv


@pytest.fixture
def client(server: DemoServer) -> Client:
    return Client(server.url)


@pytest.fixture
def customer(server: DemoServer) -> Client:
    client = Client(server.url)
    assert client.log_in().url == server.url + "/invoices"
    return client


def test_starts_on_a_free_port_and_stops() -> None:
    with DemoServer(port=0) as srv:
        assert srv.url.startswith("http://127.0.0.1:")
        assert not srv.url.endswith("/")
        assert srv.port > 0
        with urllib.request.urlopen(srv.url + "/", timeout=5) as resp:
            assert resp.status == 200
        port = srv.port
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass


@pytest.mark.parametrize("root", ["", "/m"])
@pytest.mark.parametrize("path", ["/", "/contact", "/login"])
def test_public_pages_are_complete_html(client: Client, root: str, path: str) -> None:
    reply = client.request(root + path)
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
    html = reply.text
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in html
    assert "<title>" in html and "Nordlys Energi" in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "<main" in html and "<h1" in html
    assert "PLANTED" not in html  # the clean pages carry no planted problem


def test_contact_page_has_opening_hours(client: Client) -> None:
    html = client.request("/contact").text
    assert "Opening hours" in html
    assert "Monday to Friday" in html
    assert "data-phone" in html


@pytest.mark.parametrize(
    ("path", "content_type", "magic"),
    [
        ("/favicon.ico", "image/x-icon", b"\x00\x00\x01\x00"),
        ("/static/css/site.css", "text/css; charset=utf-8", b"/*"),
        ("/static/css/m.css", "text/css; charset=utf-8", b"/*"),
        ("/static/js/site.js", "text/javascript; charset=utf-8", b"//"),
    ],
)
def test_static_files(client: Client, path: str, content_type: str, magic: bytes) -> None:
    reply = client.request(path)
    assert reply.status == 200
    assert reply.headers["Content-Type"] == content_type
    assert reply.body.startswith(magic)


def test_unknown_paths_and_escapes_answer_404(client: Client) -> None:
    assert client.request("/no/such/page").status == 404
    assert client.request("/static/../server.py").status == 404
    assert client.request("/static/%2e%2e/server.py").status == 404


@pytest.mark.parametrize("root", ["", "/m"])
@pytest.mark.parametrize("path", ["/invoices", "/invoices/2026-11", "/invoices/2026-11.pdf", "/receipt", "/pay"])
def test_logged_out_access_redirects_to_login(client: Client, root: str, path: str) -> None:
    reply = client.request(root + path, follow=False)
    assert reply.status == 303
    assert reply.headers["Location"] == f"{root}/login"


def test_wrong_password_shows_an_error(client: Client) -> None:
    reply = client.request("/login", {"customer_number": CUSTOMER_NUMBER, "password": "nope"})
    assert reply.status == 200
    assert reply.url.endswith("/login")
    assert 'role="alert"' in reply.text
    assert "customer number or password is wrong" in reply.text
    assert f'value="{CUSTOMER_NUMBER}"' in reply.text  # the number is kept
    assert client.request("/invoices").url.endswith("/login")  # still logged out


def test_login_sets_a_session_and_redirects(client: Client) -> None:
    form = {"customer_number": CUSTOMER_NUMBER, "password": PASSWORD}
    reply = client.request("/login", form, follow=False)
    assert reply.status == 303
    assert reply.headers["Location"] == "/invoices"
    assert "HttpOnly" in reply.headers["Set-Cookie"]
    assert client.request("/invoices").status == 200


def test_mobile_site_login_stays_on_mobile_site(client: Client) -> None:
    assert client.log_in("/m").url.endswith("/m/invoices")


def test_logout_ends_the_session(customer: Client) -> None:
    assert customer.request("/logout").url.endswith("/")
    assert customer.request("/invoices").url.endswith("/login")


def test_invoice_list(customer: Client) -> None:
    html = customer.request("/invoices").text
    assert "<h1>Your invoices</h1>" in html
    assert 'href="/invoices/2026-11">Latest invoice</a>' in html
    assert 'class="menu-toggle"' in html and ">Menu</button>" in html
    assert '<script src="/static/js/invoices.js"></script>' in html


def test_invoice_page(customer: Client) -> None:
    html = customer.request("/invoices/2026-11").text
    assert f"data-amount>{AMOUNT_DESKTOP}<" in html
    assert "15 December 2026" in html
    assert ">Pay now</button>" in html
    assert ">Download PDF</a>" in html


def test_invoice_pdf(customer: Client) -> None:
    reply = customer.request("/invoices/2026-11.pdf")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "application/pdf"
    assert reply.body.startswith(b"%PDF-") and reply.body.rstrip().endswith(b"%%EOF")


# --- planted problems -----------------------------------------------------------------


def test_planted_console_error_on_invoice_list(client: Client) -> None:
    assert 'console.error("Could not load usage chart settings")' in client.request("/static/js/invoices.js").text


def test_planted_exception_on_invoice_page(customer: Client) -> None:
    assert '<script src="/static/js/invoice.js"></script>' in customer.request("/invoices/2026-11").text
    script = customer.request("/static/js/invoice.js").text
    assert "var config = window.nordlysChart;" in script and "config.series" in script


def test_planted_missing_logo(customer: Client) -> None:
    assert 'src="/static/img/invoice-logo.png"' in customer.request("/invoices/2026-11").text
    assert customer.request("/static/img/invoice-logo.png").status == 404


def test_planted_broken_api(client: Client) -> None:
    reply = client.request("/api/recommendations")
    assert reply.status == 500
    assert reply.headers["Content-Type"] == "application/json"


def test_planted_unreachable_tracker_on_receipt(customer: Client) -> None:
    html = customer.request("/receipt").text
    assert "Payment received" in html
    match = re.search(r'<script src="http://127\.0\.0\.1:(\d+)/tracker\.js"', html)
    assert match, html
    with pytest.raises(OSError):  # nothing listens there: the browser's request is refused
        socket.create_connection(("127.0.0.1", int(match.group(1))), timeout=2).close()


def test_planted_slow_payment(customer: Client) -> None:
    started = time.monotonic()
    reply = customer.request("/pay", {"invoice": "2026-11"})
    assert time.monotonic() - started >= 3.5
    assert reply.status == 200
    assert reply.url.endswith("/receipt")


@pytest.mark.parametrize("user_agent", [PIXEL_UA, IPHONE_UA])
@pytest.mark.parametrize("root", ["", "/m"])
def test_planted_phone_differences(server: DemoServer, user_agent: str, root: str) -> None:
    phone = Client(server.url, user_agent)
    assert phone.log_in(root).url.endswith(f"{root}/invoices")
    html = phone.request(f"{root}/invoices/2026-11").text
    assert "Download PDF" not in html  # J101 on mobile
    assert f"data-amount>{AMOUNT_MOBILE}<" in html  # the price difference
    assert AMOUNT_DESKTOP not in html


def test_desktop_sees_pdf_link_and_desktop_amount_on_both_sites(customer: Client) -> None:
    html = customer.request("/m/invoices/2026-11").text
    assert 'href="/m/invoices/2026-11.pdf"' in html
    assert f"data-amount>{AMOUNT_DESKTOP}<" in html


# --- the demo project -------------------------------------------------------------------


def test_planted_list_matches_the_demo_journeys() -> None:
    yaml = pytest.importorskip("yaml")
    planted = yaml.safe_load(PLANTED_FILE.read_text(encoding="utf-8"))
    stems = {path.stem for path in (PROJECT_DIR / "journeys").glob("*.yaml")}
    assert stems == {"pay-invoice", "download-invoice", "contact-hours", "update-phone"}
    from frictionaudit.audit.registry import all_rules

    rules = {entry["rule"] for entry in planted["planted"]}
    assert rules <= set(all_rules())
    # At least one planted problem in every rule category the demo can show.
    assert {"E101", "E102", "N101", "N102", "P101", "J101", "C101", "C103", "F103", "A101", "M105"} <= rules
    for entry in planted["planted"]:
        assert entry["journey"] in stems
    assert set(planted["clean_journeys"]) <= stems
    config = yaml.safe_load((PROJECT_DIR / "frictionaudit.yaml").read_text(encoding="utf-8"))
    assert config["base_url"] == "http://127.0.0.1:8000"
    assert set(config["channels"]) == {"desktop", "mobile"}
    assert config["budgets"]["step_seconds"] == 3


def test_planted_details_form_refuses_spaces_and_empties_the_email(customer: Client) -> None:
    reply = customer.request("/details", {"phone": "99 88 77 66", "email": "kari@example.no"})
    assert reply.status == 200
    assert 'role="alert"' in reply.text and "must be 8 digits" in reply.text
    assert 'name="email" type="email" autocomplete="email" value=""' in reply.text
    assert 'value="99 88 77 66"' in reply.text
    saved = customer.request("/details", {"phone": "99887766", "email": "kari@example.no"})
    assert "Your details are saved" in saved.text
