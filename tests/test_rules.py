"""Each audit rule on small saved observations: it fires where a problem is planted, and only there.

Like yamllint's ``RuleTestCase``: build a tiny ``RunResults`` with :mod:`tests.observations`, run one
rule, and compare what it found with the expected places. No browser anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from frictionaudit.audit.model import Finding
from frictionaudit.audit.registry import AuditContext, all_rules, audit, rule
from frictionaudit.audit.text import message_key, url_key
from frictionaudit.results import ConsoleMessage, Request, RunResults, StepResult
from tests.observations import BASE, console, failed, page_error, req, results, run, step

HEADINGS = ("What it finds", "Why it hurts the customer", "Example", "How to fix")
CODES = ("E101", "E102", "J101", "N101", "N102", "P101")  # the rules tested one by one here
CATALOGUE = sorted(all_rules())  # every registered rule, including ones added later


def check(code: str, observations: RunResults) -> list[Finding]:
    """Run one rule alone, as the audit would."""
    r = all_rules()[code]
    return list(r.check(AuditContext(results=observations, rule=r, settings=dict(observations.settings))))


def places(findings: list[Finding]) -> list[tuple[str, str, str, int | None, str]]:
    return [(f.rule, f.journey, f.channel, f.step, f.severity) for f in findings]


def clean() -> RunResults:
    """A run with nothing wrong: fast steps, 200s and 304s, a console warning, an aborted download."""
    return results(
        run(
            "pay",
            "desktop",
            step(0, "Open /invoices", action="goto", path="/invoices", requests=[req("/invoices")]),
            step(
                1,
                "Click Download PDF",
                path="/invoices/17",
                console=[console("Deprecated API used", level="warning")],
                requests=[
                    req("/static/site.css", 304, "stylesheet"),
                    req("/api/usage", 200, "fetch"),
                    failed("/files/invoice-17.pdf", "net::ERR_ABORTED", "document"),
                ],
            ),
            step(2, "Wait for receipt", action="wait", duration=2.9),
        ),
        journeys={"pay": "Pay an invoice"},
    )


def test_clean_run_has_no_findings() -> None:
    outcome = audit(clean())
    assert outcome.findings == []
    assert {o.rule: o.status for o in outcome.outcomes} == dict.fromkeys(CATALOGUE, "ran")


@pytest.mark.parametrize("code", CATALOGUE)
def test_each_rule_is_silent_on_a_clean_run(code: str) -> None:
    assert check(code, clean()) == []


# J101 journey blocked ------------------------------------------------------------------------------


def blocked_run() -> RunResults:
    return results(
        run(
            "pay",
            "mobile",
            step(0, "Open /invoices"),
            step(1, "Click Pay now", status="failed"),
            step(2, "Expect receipt", status="skipped"),
            blocked_at=1,
            reason="no element matches role=button name='Pay now'",
        ),
        run("pay", "desktop", step(0, "Open /invoices"), step(1, "Click Pay now"), step(2, "Expect receipt")),
        journeys={"pay": "Pay an invoice"},
    )


def test_j101_fires_on_a_blocked_run() -> None:
    [finding] = check("J101", blocked_run())
    assert places([finding]) == [("J101", "pay", "mobile", 1, "blocker")]
    assert finding.title == "Blocked on mobile at “Click Pay now”: no element matches role=button name='Pay now'"
    assert finding.fix_title == "“Pay an invoice” cannot be completed at step 2 (“Click Pay now”)"
    assert finding.root_cause == "pay#1"
    assert finding.step_label == "Click Pay now"
    assert finding.url == "https://shop.test/"
    assert finding.screenshot == "screens/02.jpg"
    assert finding.category == "journey"
    assert finding.evidence == {"reason": "no element matches role=button name='Pay now'", "step": 1}


def test_j101_ignores_completed_and_browser_error_runs() -> None:
    observations = results(
        run("pay", "desktop", step(0)),
        run("pay", "mobile", status="error", reason="browser failure: Target closed"),
    )
    assert check("J101", observations) == []


def test_j101_without_the_blocked_step_recorded_names_it_by_number() -> None:
    [finding] = check("J101", results(run("pay", "mobile", blocked_at=3, reason="timeout"), journeys={"pay": "Pay"}))
    assert finding.step is None
    assert finding.fix_title == "“Pay” cannot be completed at step 4 (“step 4”)"
    assert finding.root_cause == "pay#3"


# E101 uncaught exception --------------------------------------------------------------------------


def test_e101_fires_on_an_uncaught_exception() -> None:
    observations = results(
        run(
            "pay",
            "desktop",
            step(0),
            step(
                1,
                "Open invoice",
                path="/invoices/17",
                page_errors=[
                    page_error("Cannot read properties of undefined (reading 'series')", "TypeError", stack="at x")
                ],
            ),
        )
    )
    [finding] = check("E101", observations)
    assert places([finding]) == [("E101", "pay", "desktop", 1, "major")]
    assert finding.title == "Uncaught TypeError: Cannot read properties of undefined (reading 'series') on /invoices/17"
    assert finding.fix_title == "Uncaught TypeError: Cannot read properties of undefined (reading 'series')"
    assert finding.root_cause == "TypeError: Cannot read properties of undefined (reading 'series')"
    assert finding.evidence["stack"] == "at x"
    assert finding.evidence["page"] == "https://shop.test/invoices/17"


def test_e101_does_not_repeat_a_name_already_in_the_message_and_uses_the_error_page() -> None:
    observations = results(
        run("pay", "desktop", step(0, path="/a", page_errors=[page_error("Error: boom", "Error", page="/b.js")]))
    )
    [finding] = check("E101", observations)
    assert finding.title == "Uncaught Error: boom on /b.js"


def test_e101_same_error_on_two_invoices_is_one_root_cause() -> None:
    observations = results(
        run(
            "pay",
            "desktop",
            step(0, page_errors=[page_error("Invoice 2024-0012 has no lines", "RangeError")]),
            step(1, page_errors=[page_error("Invoice 2024-0013 has no lines", "RangeError")]),
        )
    )
    findings = check("E101", observations)
    assert len(findings) == 2
    assert {f.root_cause for f in findings} == {"RangeError: Invoice N-N has no lines"}


@pytest.mark.parametrize(
    ("stack", "severity", "third_party"),
    [
        (
            "TypeError: x\n    at t (https://www.googletagmanager.com/gtm.js?id=G-1:12:40)",
            "minor",
            "www.googletagmanager.com",
        ),
        (  # a CDN library that failed on the service's own call: the service's bug
            "TypeError: x\n    at e (https://code.jquery.example.com/jquery.min.js:2:100)\n"
            "    at pay (https://shop.test/static/pay.js:10:5)",
            "major",
            None,
        ),
        ("TypeError: x\n    at pay (https://static.shop.test/pay.js:10:5)", "major", None),  # own subdomain
        ("TypeError: x", "major", None),  # no frame to tell by
    ],
    ids=["tag-manager", "cdn-library-called-by-the-service", "own-subdomain", "no-stack"],
)
def test_e101_an_exception_only_in_a_third_partys_scripts_is_minor(
    stack: str, severity: str, third_party: str | None
) -> None:
    error = page_error("x", "TypeError", stack=stack)
    [finding] = check("E101", results(run("pay", "desktop", step(0, path="/invoices", page_errors=[error]))))
    assert (finding.severity, finding.evidence.get("third_party")) == (severity, third_party)
    assert (f"in {third_party}'s script" in finding.title) == (third_party is not None)


# E102 console error -------------------------------------------------------------------------------


def test_e102_fires_on_a_console_error() -> None:
    observations = results(
        run("pay", "desktop", step(0, path="/invoices", console=[console("Could not load usage chart settings")]))
    )
    [finding] = check("E102", observations)
    assert places([finding]) == [("E102", "pay", "desktop", 0, "minor")]
    assert finding.title == "Console error on /invoices: Could not load usage chart settings"
    assert finding.fix_title == "Console error: Could not load usage chart settings"
    assert finding.root_cause == "Could not load usage chart settings"


def test_e102_a_third_partys_console_error_is_cosmetic_and_named() -> None:
    logged = ConsoleMessage(
        level="error", text="[GSI_LOGGER]: origin not allowed", at=0.0, url="https://accounts.example.com/gsi/client"
    )
    own = ConsoleMessage(
        level="error", text="Could not load usage chart settings", at=0.0, url="https://shop.test/js/invoices.js"
    )
    found = check("E102", results(run("pay", "desktop", step(0, path="/invoices", console=[logged, own]))))
    assert [(f.severity, f.evidence.get("third_party")) for f in found] == [
        ("cosmetic", "accounts.example.com"),
        ("minor", None),
    ]
    assert found[0].title == "Console error from accounts.example.com on /invoices: [GSI_LOGGER]: origin not allowed"


@pytest.mark.parametrize(
    "message",
    [
        console("Failed to load resource: the server responded with a status of 404 (Not Found)"),
        console("Failed to load resource: net::ERR_CONNECTION_REFUSED"),
        console("net::ERR_NAME_NOT_RESOLVED"),
        console("Could not load usage chart settings", level="warning"),
    ],
    ids=["404-echo", "refused-echo", "net-error", "warning"],
)
def test_e102_ignores_request_echoes_and_warnings(message: ConsoleMessage) -> None:
    assert check("E102", results(run("pay", "desktop", step(0, console=[message])))) == []


# N101 HTTP status >= 400 --------------------------------------------------------------------------


def test_n101_fires_on_an_error_status() -> None:
    observations = results(
        run("pay", "desktop", step(0, path="/invoices", requests=[req("/static/img/logo.png?v=3", 404, "image")]))
    )
    [finding] = check("N101", observations)
    assert places([finding]) == [("N101", "pay", "desktop", 0, "minor")]
    assert finding.title == "Image /static/img/logo.png answered 404"
    assert finding.fix_title == "Image /static/img/logo.png answers HTTP 404"
    assert finding.root_cause == "GET /static/img/logo.png 404"  # the service's own origin left out
    assert finding.evidence["page"] == "https://shop.test/invoices"


@pytest.mark.parametrize(
    ("path", "status", "resource_type", "severity"),
    [
        ("/invoices/99", 404, "document", "major"),
        ("/invoices", 500, "document", "major"),
        ("/invoices", 400, "document", "major"),
        ("/api/recommendations", 500, "xhr", "major"),
        ("/api/usage", 404, "fetch", "major"),
        ("/static/app.js", 404, "script", "major"),
        ("/static/img/logo.png", 404, "image", "minor"),
        ("/static/img/logo.png", 503, "image", "major"),
        ("/static/site.css", 410, "stylesheet", "minor"),
        ("/favicon.ico", 404, "image", "cosmetic"),
        ("/favicon.ico", 404, "other", "cosmetic"),
    ],
)
def test_n101_severity(path: str, status: int, resource_type: str, severity: str) -> None:
    observations = results(run("pay", "desktop", step(0, requests=[req(path, status, resource_type)])))
    assert [f.severity for f in check("N101", observations)] == [severity]


@pytest.mark.parametrize(
    ("url", "resource_type", "severity", "title"),
    [
        (
            "https://www.google-analytics.com/g/collect?v=2",
            "fetch",
            "minor",
            "API call www.google-analytics.com/g/collect",
        ),
        ("https://px.ads.example.net/pixel.gif", "image", "cosmetic", "Image px.ads.example.net/pixel.gif"),
        ("https://collector.example.org/beacon", "ping", "cosmetic", "Beacon collector.example.org/beacon"),
        ("https://js.payments.example.com/v3/pay.js", "script", "major", "Script js.payments.example.com/v3/pay.js"),
        ("https://api.shop.test/v1/balance", "fetch", "major", "API call /v1/balance"),  # the service's own site
    ],
    ids=["analytics", "pixel", "beacon", "payment-script", "own-subdomain"],
)
def test_n101_third_party_calls_weigh_less_and_name_their_host(
    url: str, resource_type: str, severity: str, title: str
) -> None:
    observations = results(run("pay", "desktop", step(0, path="/invoices", requests=[req(url, 400, resource_type)])))
    [finding] = check("N101", observations)
    assert (finding.severity, finding.title) == (severity, f"{title} answered 400")
    third = "api.shop.test" not in url
    assert finding.evidence.get("third_party") == (url.split("/")[2] if third else None)


@pytest.mark.parametrize("status", [200, 204, 301, 304, 399])
def test_n101_ignores_statuses_under_400(status: int) -> None:
    assert check("N101", results(run("pay", "desktop", step(0, requests=[req("/x", status, "fetch")])))) == []


# N102 failed request ------------------------------------------------------------------------------


def test_n102_fires_on_a_request_without_an_answer() -> None:
    observations = results(
        run(
            "pay",
            "desktop",
            step(0),
            step(
                1,
                path="/receipt",
                requests=[failed("http://127.0.0.1:9/tracker.js?id=42", "net::ERR_CONNECTION_REFUSED")],
            ),
        )
    )
    [finding] = check("N102", observations)
    assert places([finding]) == [("N102", "pay", "desktop", 1, "major")]
    assert finding.title == "Script http://127.0.0.1:9/tracker.js failed: net::ERR_CONNECTION_REFUSED"
    assert finding.fix_title == "Script http://127.0.0.1:9/tracker.js fails (net::ERR_CONNECTION_REFUSED)"
    assert finding.root_cause == "http://127.0.0.1:9/tracker.js net::ERR_CONNECTION_REFUSED"


@pytest.mark.parametrize(
    ("resource_type", "severity"), [("script", "major"), ("stylesheet", "major"), ("image", "minor"), ("font", "minor")]
)
def test_n102_severity(resource_type: str, severity: str) -> None:
    observations = results(run("pay", "desktop", step(0, requests=[failed("/x", "net::ERR_TIMED_OUT", resource_type)])))
    assert [f.severity for f in check("N102", observations)] == [severity]


@pytest.mark.parametrize(
    ("url", "resource_type", "severity"),
    [
        ("https://region1.analytics.example.com/g/collect", "fetch", "minor"),
        ("https://cdn.example.net/banner.png", "image", "cosmetic"),
        ("https://chat.example.io/widget.js", "script", "major"),
        ("https://static.shop.test/app.js", "script", "major"),
        ("https://static.shop.test/api/tips", "fetch", "major"),  # the service's own site: not quieter
    ],
)
def test_n102_third_party_calls_weigh_less(url: str, resource_type: str, severity: str) -> None:
    observations = results(run("pay", "desktop", step(0, requests=[failed(url, "net::ERR_TIMED_OUT", resource_type)])))
    assert [f.severity for f in check("N102", observations)] == [severity]


@pytest.mark.parametrize(
    "request_",
    [
        failed("/files/invoice-17.pdf", "net::ERR_ABORTED", "document"),
        failed("/api/poll", "net::ERR_ABORTED", "fetch"),
        req("/api/usage", 200, "fetch", failure="net::ERR_HTTP2_PROTOCOL_ERROR"),
        req("/api/usage", 200, "fetch"),
    ],
    ids=["aborted-download", "aborted-fetch", "has-status", "ok"],
)
def test_n102_ignores_cancelled_requests_and_requests_with_a_status(request_: Request) -> None:
    observations = results(run("pay", "desktop", step(0, requests=[request_])))
    assert check("N102", observations) == []


# P101 slow step -----------------------------------------------------------------------------------


def test_p101_fires_on_a_step_over_the_budget() -> None:
    observations = results(
        run(
            "pay",
            "desktop",
            step(0, "Open /invoices", duration=1.0),
            step(
                1, "Pay now", duration=3.7, requests=[req("/pay", 200, duration=3.1), req("/a.css", 200, duration=0.2)]
            ),
        )
    )
    [finding] = check("P101", observations)
    assert places([finding]) == [("P101", "pay", "desktop", 1, "minor")]
    assert finding.title == "“Pay now” took 3.7 s on desktop (budget 3 s)"
    assert finding.fix_title == "“Pay now” in “pay” is slower than 3 s"
    assert finding.root_cause == "pay#1"
    assert finding.evidence == {
        "seconds": 3.7,
        "budget": 3.0,
        "slowest_request": "https://shop.test/pay",
        "slowest_request_seconds": 3.1,
    }


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(2.9, []), (3.0, []), (3.01, ["minor"]), (5.99, ["minor"]), (6.0, ["major"]), (20, ["major"])],
)
def test_p101_severity_against_the_budget(seconds: float, expected: list[str]) -> None:
    observations = results(run("pay", "desktop", step(0, duration=seconds)), budget=3.0)
    assert [f.severity for f in check("P101", observations)] == expected


def test_p101_reads_the_budget_from_the_settings() -> None:
    observations = results(run("pay", "desktop", step(0, "Pay now", duration=2.0)), budget=1.5)
    [finding] = check("P101", observations)
    assert finding.title == "“Pay now” took 2.0 s on desktop (budget 1.5 s)"
    assert finding.evidence["budget"] == 1.5


def test_p101_default_budget_without_settings() -> None:
    observations = results(run("pay", "desktop", step(0, duration=2.9), step(1, duration=3.5)), budget=None)
    assert [f.step for f in check("P101", observations)] == [1]


def test_p101_ignores_waits_and_failed_steps() -> None:
    observations = results(
        run(
            "pay",
            "desktop",
            step(0, action="wait", duration=10.0),
            step(1, status="failed", duration=30.0),
            blocked_at=1,
            reason="timeout",
        )
    )
    assert check("P101", observations) == []


# Every rule ---------------------------------------------------------------------------------------


def test_skipped_steps_are_ignored_by_every_rule() -> None:
    def noisy(index: int, action: str) -> StepResult:
        """A skipped step carrying every problem a rule looks for."""
        return step(
            index,
            action=action,
            status="skipped",
            duration=30.0,
            title="",
            console=[console("Could not load settings")],
            page_errors=[page_error("boom", "Error")],
            requests=[req("/img.png", 404, "image"), failed("/t.js", "net::ERR_CONNECTION_REFUSED")],
        )

    observations = results(
        run(
            "pay",
            "mobile",
            step(0),
            step(1, status="failed", duration=0.5),
            noisy(2, "click"),
            noisy(3, "goto"),
            blocked_at=1,
            reason="element not found",
        )
    )
    assert places(audit(observations).findings) == [("J101", "pay", "mobile", 1, "blocker")]


def test_a_rule_that_raises_fails_alone(restore_rules: None) -> None:
    @rule("X999", "broken", "Broken rule", category="test", severity="minor", effort="XS", confidence=1.0)
    def broken(ctx: AuditContext) -> Iterator[Finding]:
        yield from check("E102", ctx.results)
        raise RuntimeError("boom")

    observations = results(
        run("pay", "desktop", step(0, console=[console("oops")], requests=[req("/x.png", 404, "image")]))
    )
    outcome = audit(observations)
    statuses = {o.rule: (o.status, o.error) for o in outcome.outcomes}
    assert statuses["X999"] == ("error", "RuntimeError: boom")
    assert all(statuses[code] == ("ran", None) for code in CATALOGUE)
    assert [o.rule for o in outcome.errors] == ["X999"]
    assert sorted(f.rule for f in outcome.findings) == ["E102", "N101"]  # nothing from the broken rule


def test_the_restore_fixture_put_the_catalogue_back() -> None:
    assert "X999" not in all_rules()
    assert sorted(all_rules()) == CATALOGUE


def test_registering_a_code_twice_is_refused(restore_rules: None) -> None:
    with pytest.raises(ValueError, match="E101 registered twice"):
        rule("E101", "again", "Again", category="x", severity="minor", effort="S", confidence=1.0)(lambda ctx: [])


def test_disabled_rules_are_reported_as_disabled() -> None:
    observations = results(run("pay", "desktop", step(0, duration=9.0, console=[console("oops")])))
    outcome = audit(observations, disabled=["P101", "E102"])
    statuses = {o.rule: o.status for o in outcome.outcomes}
    assert statuses == {code: "disabled" if code in ("E102", "P101") else "ran" for code in CATALOGUE}
    assert outcome.findings == []
    assert [o.rule for o in outcome.outcomes] == CATALOGUE


def test_findings_are_sorted_by_place_then_rule() -> None:
    observations = results(
        run("b", "mobile", step(0, console=[console("x")])),
        run(
            "a",
            "desktop",
            step(1, duration=9.0, console=[console("y")]),
            step(0, requests=[req("/i.png", 404, "image")]),
        ),
    )
    assert [(f.journey, f.step, f.rule) for f in audit(observations).findings] == [
        ("a", 0, "N101"),
        ("a", 1, "E102"),
        ("a", 1, "P101"),
        ("b", 0, "E102"),
    ]


# The catalogue ------------------------------------------------------------------------------------


def test_the_catalogue() -> None:
    catalogue = all_rules()
    assert set(CODES) <= set(catalogue)
    assert all(re.fullmatch(r"[A-Z]\d{3}", code) for code in catalogue)
    assert all(r.code == code for code, r in catalogue.items())
    slugs = [r.slug for r in catalogue.values()]
    assert len(set(slugs)) == len(slugs)


@pytest.mark.parametrize("code", CATALOGUE)
def test_rule_docstring_has_the_four_headings(code: str) -> None:
    r = all_rules()[code]
    assert r.summary and not r.summary.startswith(HEADINGS)
    for heading in HEADINGS:
        assert r.section(heading), f"{code}: no text under '{heading}'"
    assert [h for h in HEADINGS if h in r.doc] == list(HEADINGS)
    assert 0 < r.confidence <= 1


# Text helpers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Invoice 2024-0012 not found", "Invoice 2024-0013 not found"),
        ("Invoice 9999999 failed", "Invoice 10000000 failed"),
        ("Object 5f3a9b2c1d8e gone", "Object 0c44aa98e7f1 gone"),
        ("Bad pointer 0x7ffe1a2b", "Bad pointer 0xdead"),
        (
            "order 550e8400-e29b-41d4-a716-446655440000 missing",
            "order 6ba7b810-9dad-11d1-80b4-00c04fd430c8 missing",
        ),
        ("GET https://shop.test/api/inv/17?token=abc&v=2 failed", "GET https://shop.test/api/inv/18?v=3 failed"),
        ("Took 12  ms\nto load", "Took 7 ms to load"),
    ],
)
def test_message_key_folds_volatile_parts(one: str, other: str) -> None:
    assert message_key(one) == message_key(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Cannot read properties of undefined (reading 'series')", "Cannot read properties of undefined (reading 'x')"),
        ("GET https://shop.test/api/usage failed", "GET https://shop.test/api/invoices failed"),
    ],
)
def test_message_key_keeps_what_tells_errors_apart(one: str, other: str) -> None:
    assert message_key(one) != message_key(other)


def test_message_key_examples() -> None:
    assert message_key("Invoice 2024-0012 not found") == "Invoice N-N not found"
    assert message_key("GET https://shop.test/a/b?x=1#top") == "GET https://shop.test/a/b"
    assert message_key("x" * 400) == "x" * 300


def test_url_key_drops_query_and_fragment() -> None:
    assert url_key("https://shop.test/img/logo.png?v=2#a") == "https://shop.test/img/logo.png"
    assert url_key("/relative?x=1") == "/relative?x=1"


def test_root_causes_leave_out_the_services_own_origin_but_keep_third_parties() -> None:
    """A fix keeps its id when the same service runs elsewhere (--base-url, another port)."""
    third_party = "https://cdn.example.net/widget.js"
    saved = results(
        run(
            "pay",
            "desktop",
            step(0, requests=[req("/missing.png", 404, "image"), Request(url=third_party, failure="net::ERR_FAILED")]),
        )
    )
    moved = saved.model_copy(
        update={
            "base_url": "http://127.0.0.1:9999",
            "channels": [c.model_copy(update={"base_url": "http://127.0.0.1:9999"}) for c in saved.channels],
            "runs": [
                r.model_copy(
                    update={
                        "steps": [
                            s.model_copy(
                                update={
                                    "requests": [
                                        q.model_copy(update={"url": q.url.replace(BASE, "http://127.0.0.1:9999")})
                                        for q in s.requests
                                    ]
                                }
                            )
                            for s in r.steps
                        ]
                    }
                )
                for r in saved.runs
            ],
        }
    )
    here = {(f.rule, f.root_cause) for f in audit(saved).findings}
    there = {(f.rule, f.root_cause) for f in audit(moved).findings}
    assert here == there
    assert ("N102", f"{third_party} net::ERR_FAILED") in here


# J102, N103, N104, T101 ---------------------------------------------------------------------------


def _nav(path: str, status: int, *, method: str = "GET", came_from: str | None = None) -> Request:
    return Request(
        url=f"{BASE}{path}",
        method=method,
        status=status,
        resource_type="document",
        is_navigation=True,
        redirected_from=f"{BASE}{came_from}" if came_from else None,
    )


def test_n104_fires_on_two_redirects_and_not_on_one() -> None:
    two = [_nav("/a", 301), _nav("/b", 302, came_from="/a"), _nav("/c", 200, came_from="/b")]
    one = [_nav("/pay", 303, method="POST"), _nav("/receipt", 200, came_from="/pay")]
    found = check("N104", results(run("pay", "desktop", step(0, requests=two), step(1, requests=one))))
    assert [(f.step, f.evidence["hops"], f.root_cause) for f in found] == [(0, 2, "/a -> /c")]
    assert found[0].title == "2 redirects before /c loaded: https://shop.test/a → /b → /c"


def test_t101_fires_once_per_screen_without_a_title() -> None:
    untitled = [
        step(0, path="/receipt", title=""),
        step(1, path="/receipt", title="  "),
        step(2, path="/", title="Home"),
    ]
    found = check("T101", results(run("pay", "desktop", *untitled)))
    assert [(f.step, f.title, f.severity) for f in found] == [(0, "/receipt has no title", "minor")]
    assert check("T101", results(run("pay", "desktop", step(0, title="Shop")))) == []


def test_j102_and_n103_on_a_submit_that_worked_the_second_time() -> None:
    first_500 = [
        _nav("/pay", 500, method="POST"),
        _nav("/pay", 303, method="POST"),
        _nav("/receipt", 200, came_from="/pay"),
    ]
    retried = step(1, label="Pay now", requests=first_500).model_copy(
        update={"retried": True, "first_error": "the page answered HTTP 500 (POST https://shop.test/pay)"}
    )
    saved = results(run("pay", "desktop", step(0), retried))
    [second_try] = check("J102", saved)
    assert second_try.step == 1 and second_try.severity == "major"
    assert second_try.evidence["first_error"].startswith("the page answered HTTP 500")
    [submit] = check("N103", saved)
    assert (submit.step, submit.root_cause) == (1, "POST /pay")
    assert check("N101", saved) == []  # the same 500 is N103's, not a second fix
    not_retried = results(run("pay", "desktop", step(0), step(1, requests=first_500[:1])))
    assert check("N103", not_retried) == [] and check("J102", not_retried) == []
    assert [f.rule for f in check("N101", not_retried)] == ["N101"]
