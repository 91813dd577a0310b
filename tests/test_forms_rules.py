"""Rules F103–F109 on small saved observations (no browser): edge cases of each definition.

The observations are what the forms probe writes under ``step.extra["forms"]`` (see
``frictionaudit/gather/collectors/forms.py``); the page-level tests are in ``test_forms.py``.
"""

from __future__ import annotations

from typing import Any

import pytest

from frictionaudit.audit.model import Finding
from frictionaudit.audit.registry import AuditContext, all_rules
from frictionaudit.audit.rules.forms import autocomplete_problem, autofill_field, rejections, unhelpful
from frictionaudit.results import JourneyRun, RunResults, StepResult
from tests.observations import results, run, step

CODES = ("F103", "F104", "F105", "F106", "F107", "F108", "F109")


def check(code: str, observations: RunResults) -> list[Finding]:
    r = all_rules()[code]
    return list(r.check(AuditContext(results=observations, rule=r, settings=dict(observations.settings))))


def with_forms(s: StepResult, *, new_screen: bool = False, **forms: Any) -> StepResult:
    s.extra["forms"] = forms
    s.new_screen = new_screen
    s.screen = s.url
    return s


def submit(
    index: int,
    errors: list[dict[str, Any]],
    *,
    how: tuple[str, ...] = ("submit",),
    same_doc: bool = True,
    same_page: bool = True,
    cleared: list[dict[str, Any]] | None = None,
    filled: list[dict[str, Any]] | None = None,
    path: str = "/signup",
    came_from: str | None = None,
) -> StepResult:
    data: dict[str, Any] = {
        "how": list(how),
        "same_doc": same_doc,
        "same_page": same_page,
        "filled": filled or [],
        "errors": errors,
        "from": f"https://shop.test{came_from or path}",
    }
    if how:
        data["cleared"] = cleared or []
    return with_forms(step(index, "Click Send", path=path), submit=data)


def screen(index: int, *, path: str = "/signup", action: str = "goto", **facts: Any) -> StepResult:
    facts.setdefault("forms", [])
    facts.setdefault("fields", [])
    facts.setdefault("messages", [])
    facts.setdefault("main", {"h1": "Sign up", "text": "Sign up", "long": False})
    return with_forms(step(index, f"Open {path}", action=action, path=path), new_screen=True, screen=facts)


def one(journey_run: JourneyRun, **fields: Any) -> RunResults:
    return results(journey_run, **fields)


# ---------------------------------------------------------------------------- metadata


def test_form_rules_are_registered_with_documentation() -> None:
    rules = all_rules()
    for code in CODES:
        r = rules[code]
        assert r.category == "forms" and r.effort in ("XS", "S", "M", "L") and 0 < r.confidence <= 1
        for heading in ("What it finds", "Why it hurts the customer", "Example", "How to fix"):
            assert r.section(heading), f"{code} lacks '{heading}'"


# ---------------------------------------------------------------------------- F105 wording


@pytest.mark.parametrize(
    "message",
    [
        "Error 0x80004005",
        "ERR_CONNECTION_RESET",
        "INVALID_PHONE_FORMAT",
        "undefined",
        "Error: null",
        "Amount: NaN kr",
        "Error: [object Object]",
        "TypeError: Cannot read properties of undefined (reading 'x')",
        "at handleSubmit (https://shop.test/app.js:12:34)",
        "at Object.<anonymous> (/srv/app/index.js:3:9)",
        'File "/app/views.py", line 42, in post',
        "java.lang.NullPointerException",
        "Traceback (most recent call last):",
        "{{ error.message }}",
        "500 Internal Server Error",
        "HTTP Status 500 – Internal Server Error",
        "Error 404",
        "Service Unavailable",
        "Something went wrong",
        "Oops!",
        "An error occurred.",
        "Error",
        "Noe gikk galt",
        "Det oppstod en ukjent feil",
        "SQLSTATE[23000]: Integrity constraint violation",
    ],
)
def test_unhelpful_messages(message: str) -> None:
    assert unhelpful(message) is not None


@pytest.mark.parametrize(
    "message",
    [
        "Invalid phone number: use 8 digits",
        "Something went wrong. Please try again.",
        "Noe gikk galt. Prøv igjen senere.",
        "The card was declined. Try another card or contact your bank.",
        "Error 500: we could not save your changes. Try again in a minute.",
        "ERR_PAYMENT_DECLINED: use another card",
        "Beløpet kan ikke være null",  # Norwegian: "the amount cannot be zero"
        "Enter your postcode",
        "Feltet må fylles ut",
        "Null tolerance for late payments",
        "Undefined is not a word we use",
        "Your meeting at Oslo 10:30:00 could not be booked",
        "",
    ],
)
def test_helpful_messages(message: str) -> None:
    assert unhelpful(message) is None


def test_a_next_step_elsewhere_on_an_error_page_counts_but_leaks_always_do() -> None:
    assert unhelpful("Something went wrong", "Something went wrong We are on it. Try again later.") is None
    assert unhelpful("Something went wrong", None) is None  # the page's text is unknown (too long)
    assert unhelpful("Error: [object Object]", "Try again later") == "shows a raw JavaScript object"


# ---------------------------------------------------------------------------- F103 and F104


def test_validation_error_after_submit() -> None:
    found = check(
        "F103",
        one(
            run(
                "join",
                "mobile",
                screen(0),
                submit(1, [{"k": "validation", "f": "Phone", "t": "Please match the requested format."}]),
            )
        ),
    )
    [finding] = found
    assert (finding.rule, finding.step, finding.severity, finding.channel) == ("F103", 1, "major", "mobile")
    assert finding.evidence["fields"] == ["Phone"]
    assert finding.evidence["messages"] == ["Please match the requested format."]
    assert "Phone" in finding.title and "requested format" in finding.title


@pytest.mark.parametrize(
    ("items", "rejected"),
    [
        ([{"k": "alert", "t": "Thanks! We received your message."}], 0),
        ([{"k": "alert", "t": "Your session ends in 2 minutes"}], 0),  # no error words, no field
        ([{"k": "alert", "t": "Please check the fields marked in red"}], 1),
        ([{"k": "alert", "t": "2 problems"}, {"k": "invalid", "f": "E-mail", "t": ""}], 2),
        ([{"k": "error", "t": "Postcode not found"}], 1),
        ([{"k": "error", "t": "Saved"}], 0),
        ([{"k": "near", "f": "Phone", "t": "Required"}], 1),
        ([{"k": "near", "f": "Phone", "t": "12 of 200 characters"}], 0),
        ([{"k": "near", "f": "Postnummer", "t": "Ugyldig postnummer"}], 1),
    ],
)
def test_what_counts_as_a_rejection(items: list[dict[str, Any]], rejected: int) -> None:
    data = {"how": ["submit"], "same_doc": True, "same_page": True, "errors": items}
    assert len(rejections(data)) == rejected


def test_no_rejection_without_a_submit_or_after_leaving_the_page() -> None:
    error = [{"k": "alert", "t": "Invalid e-mail"}]
    assert rejections({"how": [], "same_doc": True, "same_page": True, "errors": error}) == []
    # The submit went on to another page (accepted); that page's alerts are its own.
    assert rejections({"how": ["post"], "same_doc": False, "same_page": False, "errors": error}) == []
    # A single-page app went on to another route: its widgets' errors are not the form's.
    assert rejections({"how": ["submit"], "same_doc": True, "same_page": False, "errors": error}) == []
    # The server answered the POST with the same page again: a server-side rejection.
    assert len(rejections({"how": ["post"], "same_doc": False, "same_page": True, "errors": error})) == 1


def test_fields_cleared_only_with_a_rejection() -> None:
    cleared = [{"label": "Full name", "name": "name", "type": "text"}, {"label": "E-mail", "name": "email"}]
    rejected = submit(1, [{"k": "invalid", "f": "Phone", "t": "Use 8 digits"}], cleared=cleared)
    thanked = submit(2, [{"k": "alert", "t": "Thank you!"}], cleared=cleared, path="/feedback")
    found = check("F104", one(run("join", "desktop", screen(0), rejected, thanked)))
    [finding] = found
    assert (finding.step, finding.severity) == (1, "major")
    assert finding.evidence["fields"] == ["Full name", "E-mail"]
    assert check("F103", one(run("join", "desktop", screen(0), thanked))) == []


# ---------------------------------------------------------------------------- F105


def test_unhelpful_message_reported_once_per_run() -> None:
    oops = {"h1": "Something went wrong", "text": "Something went wrong Error code: 0x80004005", "long": False}
    fine = {"h1": "Something went wrong", "text": "Something went wrong Try again later", "long": False}
    steps = [
        screen(0, path="/pay", main=oops),
        screen(1, path="/pay/retry", main=oops),
        screen(2, path="/other", main=fine),
        submit(3, [{"k": "alert", "t": "Error: [object Object]"}, {"k": "validation", "f": "X", "t": "undefined"}]),
        submit(4, [{"k": "near", "f": "Phone", "t": "Total: NaN kr"}]),  # new text near a field, no error words
    ]
    found = check("F105", one(run("pay", "desktop", *steps)))
    assert [(f.step, f.evidence["message"], f.evidence["where"]) for f in found] == [
        (0, "Something went wrong", "main"),
        (3, "Error: [object Object]", "alert"),
    ]


def test_a_code_on_a_short_page_is_judged_with_the_page() -> None:
    helpful = {"h1": "Page not found", "text": "Page not found 404 Go to the front page", "long": False}
    long = {"h1": "Our products", "text": "", "long": True}
    code = [{"k": "error", "t": "404"}]
    found = check("F105", one(run("shop", "desktop", screen(0, main=helpful, messages=code))))
    assert found == []
    found = check("F105", one(run("shop", "desktop", screen(0, main=long, messages=code))))
    assert [(f.evidence["message"], f.evidence["problem"]) for f in found] == [
        ("404", "shows only an HTTP status and no next step")
    ]


def test_error_page_without_heading_and_normal_pages() -> None:
    bare = {"h1": "", "text": "502 Bad Gateway nginx", "long": False}
    normal = {"h1": "Welcome, undefined", "text": "Welcome, undefined", "long": False}  # not an error page
    found = check("F105", one(run("pay", "desktop", screen(0, main=bare), screen(1, path="/home", main=normal))))
    assert [(f.step, f.evidence["message"]) for f in found] == [(0, "502 Bad Gateway nginx")]


# ---------------------------------------------------------------------------- F106


def test_long_form_over_the_threshold() -> None:
    forms = [
        {"form": "form move", "fields": 9, "labels": ["First name"]},
        {"form": "form search", "fields": 1, "labels": ["Search"]},
    ]
    observations = one(run("move", "mobile", screen(0, forms=forms)))
    [finding] = check("F106", observations)
    assert (finding.step, finding.severity) == (0, "minor")
    assert finding.evidence["fields"] == 9 and finding.evidence["form"] == "form move"
    observations.settings["thresholds"] = {"max_form_fields": 9}
    assert check("F106", observations) == []


# ---------------------------------------------------------------------------- F107


def test_paste_blocked_severity() -> None:
    fields = [
        {"label": "Password", "name": "pw", "type": "password", "paste_blocked": True},
        {"label": "Repeat e-mail", "name": "email2", "type": "email", "paste_blocked": True},
        {"label": "E-mail", "name": "email", "type": "email"},
    ]
    found = check("F107", one(run("join", "desktop", screen(0, fields=fields))))
    assert [(f.evidence["field"], f.severity) for f in found] == [("Password", "major"), ("Repeat e-mail", "minor")]


# ---------------------------------------------------------------------------- F108


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ("email", "email"),
        ("shipping street-address", "street-address"),
        ("section-1 billing mobile tel", "tel"),
        ("home email", "email"),
        ("username webauthn", "username"),
        ("ON", "on"),
        ("off", "off"),
        ("mobile name", None),  # home/work/mobile only before a contact field
        ("nope", None),
        ("new-email", None),
        ("billing", None),
        ("", None),
    ],
)
def test_autofill_tokens(value: str, field: str | None) -> None:
    assert autofill_field(value) == field


def field(label: str = "", name: str = "", type: str = "text", ac: str | None = None, **more: Any) -> dict[str, Any]:
    return {"label": label or name, "labelled": bool(label), "name": name, "id": "", "type": type, "ac": ac, **more}


@pytest.mark.parametrize(
    ("subject", "others", "problem"),
    [
        (field("E-mail", "email", "email"), [], ("e-mail field without autocomplete", "email")),
        (field("E-mail", "login", "email", "username"), [], None),
        (field("Fornavn", "fornavn"), [], ("first name field without autocomplete", "given-name")),
        (field("Etternavn", "etternavn", ac="family-name"), [], None),
        (field("Postnummer", "postnr", "tel", "postal-code"), [], None),  # type=tel for a number keypad
        (field("Postcode", "zip", ac="off"), [], None),  # "off" on a non-login field is a choice
        (field("Card number", "cc", ac="off"), [], ('card number field with autocomplete="off"', "cc-number")),
        (field("Card number", "cc", form_ac="off"), [], ('card number field with autocomplete="off"', "cc-number")),
        (field("Mobile", "mobile", ac="on"), [], ('phone field with autocomplete="on", which names no purpose', "tel")),
        (field("Delivery notes", "phone_notes"), [], None),  # the label says what it is
        (field("Vorname", "firstname"), [], None),  # a label we cannot read: not sure enough
        (
            field("", "fname", placeholder_only=True, label_text="First name"),
            [],
            ("first name field without autocomplete", "given-name"),
        ),
        (field("Name", "name"), [field("Project code", "code")], None),  # a project's name
        (
            field("Name", "name"),
            [field("E-mail", "email", "email", "email")],
            ("full name field without autocomplete", "name"),
        ),
        (field("Promo code", "promo"), [], None),
        (field("Security code", "code"), [], None),  # an SMS code or a card's: unclear
    ],
)
def test_autocomplete_purpose(subject: dict[str, Any], others: list[dict[str, Any]], problem: Any) -> None:
    if subject.get("placeholder_only"):
        subject["label"] = subject.pop("label_text")
    assert autocomplete_problem(subject, [subject, *others]) == problem


def test_login_form_fields() -> None:
    user = field("Customer number", "customer_number")
    password = field("Password", "password", "password", "new-password")
    assert autocomplete_problem(user, [user, password]) == ("username field without autocomplete", "username")
    assert autocomplete_problem(password, [user, password]) == (
        'password field with autocomplete="new-password"',
        "current-password",
    )
    ok_user = field("Customer number", "customer_number", ac="username")
    ok_password = field("Password", "password", "password", "current-password")
    assert autocomplete_problem(ok_user, [ok_user, ok_password]) is None
    assert autocomplete_problem(ok_password, [ok_user, ok_password]) is None
    confirm = field("Confirm password", "password2", "password", "current-password")
    assert autocomplete_problem(confirm, [confirm]) == (
        'new password field with autocomplete="current-password"',
        "new-password",
    )
    login_off = field("Password", "pw", "password", "off")
    assert autocomplete_problem(login_off, [ok_user, login_off]) == (
        'password field with autocomplete="off"',
        "current-password",
    )


def test_one_autocomplete_finding_per_form() -> None:
    fields = [
        {**field("E-mail", "email", "email"), "form": "form signup"},
        {**field("Phone", "phone", "tel"), "form": "form signup"},
        {**field("Search", "q"), "form": "form search"},
        {**field("E-mail", "news", "email", "email"), "form": "form newsletter"},
    ]
    [finding] = check("F108", one(run("join", "desktop", screen(0, fields=fields))))
    assert finding.evidence["form"] == "form signup"
    assert [(p["field"], p["use"]) for p in finding.evidence["fields"]] == [("E-mail", "email"), ("Phone", "tel")]


# ---------------------------------------------------------------------------- F109


def test_unlabelled_fields_the_journey_filled_once_per_page() -> None:
    phone = {"label": "Phone number", "labelled": False, "name": "phone", "type": "tel", "placeholder_only": True}
    name = {"label": "Name", "labelled": True, "name": "name", "type": "text"}
    steps = [
        screen(0, path="/callback"),
        step(1, "Fill Name", action="fill", path="/callback"),
        submit(2, [{"k": "near", "f": "Phone number", "t": "Required"}], filled=[name, phone], path="/callback"),
        submit(
            3,
            [],
            how=("post",),
            same_doc=False,
            same_page=False,
            filled=[name, phone],
            path="/thanks",
            came_from="/callback",
        ),
    ]
    [finding] = check("F109", one(run("callback", "desktop", *steps)))
    assert (finding.step, finding.severity) == (0, "major")
    assert finding.evidence["fields"] == [
        {"field": "Phone number", "name": "phone", "id": None, "type": "tel", "placeholder_only": True}
    ]


def test_no_form_rule_fires_without_observations() -> None:
    quiet = one(run("plain", "desktop", step(0, "Open /", action="goto"), step(1, "Click Next")))
    for code in CODES:
        assert check(code, quiet) == [], code
