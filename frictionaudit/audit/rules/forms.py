"""Form rules: what a form does with the data a customer types, and what it asks of them.

They read the forms probe's observations (``step.extra["forms"]``, see
``gather/collectors/forms.py``): ``submit`` on click and press steps (how the step submitted a
form, the error feedback that was new after it, the fields the journey filled and which of them
came back empty) and ``screen`` on the first step of each screen (fields per form, each text-like
field's purpose hints and ``autocomplete``, whether it refuses a paste, visible error messages and
the page's main message).

F109 (a field without a label) is about the fields the journey itself filled, and counts a
placeholder alone as no label; axe-core's ``label`` rule (A101) covers every field of the page
and accepts a placeholder. Where both fire on one field, F109 is the one to keep.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from frictionaudit.audit.model import Finding, Severity
from frictionaudit.audit.registry import AuditContext, rule
from frictionaudit.audit.text import message_key, short, url_key, url_path
from frictionaudit.results import JourneyRun, StepResult

# ------------------------------------------------------------------------------ message wording

# Words of a message that rejects what was typed (English and Norwegian).
ERROR_WORDS = re.compile(
    r"\b(?:invalid|not valid|required|must (?:be|contain|have|match|include)|"
    r"please (?:enter|provide|fill|select|choose|check|correct|use|type)|enter (?:a|an|your)\b|"
    r"incorrect|wrong|does(?:n't| not) match|too (?:short|long)|not allowed|error|failed|"
    r"cannot be (?:empty|blank)|can't be blank|is missing|"
    r"ugyldig|ikke gyldig|må fylles ut|påkrevd|obligatorisk|feil|må (?:være|inneholde|ha)|"
    r"vennligst (?:fyll|oppgi|skriv|velg)|oppgi|skriv inn|fyll (?:inn|ut)|for (?:kort|langt?)|"
    r"mangler|stemmer ikke|ikke tillatt|kan ikke være tom)",
    re.I,
)
SUCCESS_WORDS = re.compile(
    r"\b(?:thank|thanks|success|successfully|saved|sent|received|submitted|welcome|confirmed|"
    r"takk|lagret|sendt|mottatt|registrert|velkommen|bekreftet|fullført)\b",
    re.I,
)
# Internal details that leak into what the customer reads: always a bug, whatever else it says.
_LEAKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\[object \w+\]"), "a raw JavaScript object"),
    (re.compile(r"(?<![\w-])undefined(?![\w-])"), "“undefined”"),
    (re.compile(r"(?<![\w-])NaN(?![\w-])"), "“NaN”"),
    (re.compile(r"^\W*(?:error\W*)?null\W*$", re.I), "“null”"),
    (
        re.compile(
            r"\bat [\w$.<>\[\]]+ \(?(?:[^\s()]*\.(?:m?js|cjs|jsx?|tsx?|vue|py|php|rb|cs|java|go|kt)|"
            r"https?://[^\s()]+|<anonymous>)(?::\d+){1,2}\)?"
        ),
        "a stack trace",
    ),
    (
        re.compile(
            r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+|"
            r"\bat [\w$]+(?:\.[\w$<>]+)+\(\w+\.java:\d+\)"
        ),
        "a stack trace",
    ),
    (re.compile(r"\b(?:[A-Z][a-z0-9]+)+(?:Exception|Error)\b|\bException\b"), "an exception name"),
    (re.compile(r"\{\{\s*[\w.$]+\s*\}\}|\$\{\s*[\w.]+\s*\}|%s\b|<%=?"), "a template placeholder"),
    (re.compile(r"\bSQLSTATE\b|\bORA-\d{5}\b|syntax error at or near"), "a database error"),
)
# Codes instead of words, and bare HTTP status lines: unhelpful unless the message says what to do.
_CODES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b0x[0-9A-Fa-f]{4,}\b"), "a raw error code"),
    (re.compile(r"\bERR_[A-Z0-9_]+\b"), "a raw error code"),
    (re.compile(r"\b[A-Z][A-Z0-9]+(?:_[A-Z0-9]+)+\b"), "a raw error code"),
    (
        re.compile(
            r"^\W*(?:HTTP(?:/\d(?:\.\d)?)?\s*)?(?:status\s*)?(?:error\s*)?(?:code\s*)?[45]\d\d\b[\s:–—-]*"
            r"(?:[A-Za-z][A-Za-z' -]{0,40})?\W*$",
            re.I,
        ),
        "only an HTTP status",
    ),
    (
        re.compile(
            r"^\W*(?:bad request|unauthorized|forbidden|not found|method not allowed|request timeout|"
            r"internal server error|bad gateway|service unavailable|gateway timeout)\W*$",
            re.I,
        ),
        "only an HTTP status",
    ),
)
_GENERIC = re.compile(
    r"something went wrong|an? (?:unexpected |unknown |internal )?error (?:has )?occurred|unknown error|"
    r"unexpected error|\boops\b|^\W*(?:an )?(?:error|feil|failed)\W*$|request failed|operation failed|"
    r"noe gikk galt|det (?:har )?oppstått en (?:ukjent |uventet )?feil|det oppstod en (?:ukjent |uventet )?feil|"
    r"en (?:ukjent|uventet) feil|ukjent feil|uventet feil",
    re.I,
)
_NEXT_STEP = re.compile(
    r"try again|retry|reload|refresh|contact|call us|\bcall\b|check (?:your|the|that)|go back|back to|"
    r"return to|home ?page|front page|later|\buse\b|\bmust\b|should|\benter\b|choose|select|\bwait\b|"
    r"prøv (?:igjen|på nytt|senere)|last inn|kontakt|\bring\b|sjekk|gå tilbake|tilbake til|forsiden|"
    r"senere|\bmå\b|\bbruk\b|velg|skriv|oppgi|fyll|vent",
    re.I,
)
# The page's heading or short text is an error page's.
_ERROR_PAGE = re.compile(
    r"error|exception|went wrong|\bfeil\b|not found|unavailable|forbidden|denied|\boops\b|"
    r"\b[45]\d\d\b|ikke funnet|gikk galt",
    re.I,
)
_WHOLE_LEAK = re.compile(r"^\W*(?:undefined|null|NaN|\[object \w+\])\W*$")


def unhelpful(message: str, scope: str | None = "") -> str | None:
    """Why an error message does not help the customer, or None when it is fine.

    ``scope`` is the text a next step may be in (the message itself when empty; the page's main
    text for an error page's heading; None when it is not known, and then only leaks count).
    Leaked internals always count; codes, bare statuses and "something went wrong" count when
    nothing in ``scope`` says what to do.
    """
    text = " ".join(message.split())
    if not text:
        return None
    for pattern, why in _LEAKS:
        if pattern.search(text):
            return f"shows {why}"
    if scope is None or _NEXT_STEP.search(scope or text):
        return None
    for pattern, why in _CODES:
        if pattern.search(text):
            return f"shows {why} and no next step"
    if _GENERIC.search(text):
        return "says only that something went wrong, not what to do"
    return None


def rejects(item: dict[str, Any], field_tied: bool) -> bool:
    """Whether a piece of new error feedback after a submit says the form rejected the input."""
    kind, text = item.get("k"), str(item.get("t") or "")
    if kind in ("validation", "invalid"):
        return True
    success_only = bool(SUCCESS_WORDS.search(text)) and not ERROR_WORDS.search(text)
    if kind == "error":
        return bool(text) and not success_only
    if kind == "alert":
        return bool(text) and not success_only and (bool(ERROR_WORDS.search(text)) or field_tied)
    if kind == "near":
        return bool(ERROR_WORDS.search(text)) and not success_only
    return False


# ------------------------------------------------------------------------------ observations


def _forms(step: StepResult) -> dict[str, Any]:
    data = step.extra.get("forms")
    return data if isinstance(data, dict) else {}


def _submit(step: StepResult) -> dict[str, Any]:
    data = _forms(step).get("submit")
    return data if isinstance(data, dict) else {}


def _screen(step: StepResult) -> dict[str, Any]:
    data = _forms(step).get("screen")
    return data if isinstance(data, dict) else {}


def rejections(submit: dict[str, Any]) -> list[dict[str, Any]]:
    """The new error feedback of a submit that says the form rejected the input ([] when none).

    Only a submit that stayed on its page (same path, or the POST's answer at the POST's URL)
    counts: a submit that went on to another page, or to another route of a single-page app, was
    accepted, and that page's alerts are its own.
    """
    if not submit.get("how") or not submit.get("same_page"):
        return []
    items = [i for i in submit.get("errors") or [] if isinstance(i, dict)]
    field_tied = any(i.get("k") in ("validation", "invalid") for i in items) or any(
        i.get("k") == "near" and ERROR_WORDS.search(str(i.get("t") or "")) for i in items
    )
    return [i for i in items if rejects(i, field_tied)]


def _field_name(field: dict[str, Any]) -> str:
    return str(field.get("label") or field.get("name") or field.get("id") or "a field")


def _field_key(field: dict[str, Any]) -> str:
    return str(field.get("name") or field.get("id") or field.get("label") or "")


def _page_step(run: JourneyRun, step: StepResult, url: str) -> StepResult:
    """The latest step up to ``step`` that opened ``url`` (``step`` itself when none did)."""
    found = step
    for earlier in run.steps:
        if earlier.index > step.index:
            break
        if earlier.status != "skipped" and url_key(earlier.url) == url_key(url) and earlier.new_screen:
            found = earlier
    return found


# ------------------------------------------------------------------------------ F103


@rule(
    "F103",
    "validation-error",
    "Form rejected the journey's data",
    category="forms",
    severity="major",
    effort="M",
    confidence=0.8,
)
def validation_error(ctx: AuditContext) -> Iterator[Finding]:
    """A submit brought back a validation error: the form rejected data a customer would type.

    What it finds
    -------------
    A click or key press that submitted a form (a ``submit`` event, HTML5 constraint validation
    refusing it, a POST back to the same page, or a "Send"/"Continue" button after filling fields)
    and was answered, on the same page, with new error feedback: the browser's validation message
    (``validationMessage``), fields that became ``aria-invalid="true"``, an alert region
    (``role=alert``, ``aria-live=assertive``) gaining error text, elements styled as errors, or
    error wording next to a field. Success messages ("Thanks, we received…") are not counted.
    The finding names the fields and the messages. It is reported even when the journey goes on.
    A journey that tests error handling on purpose can switch it off (``rules: {disable: [F103]}``).
    Server-side validation is seen when the form is sent with POST (or another method than GET)
    and the answer is the same page again.

    Why it hurts the customer
    -------------------------
    The journey script types what a real customer would type. When the form refuses it, customers
    must work out what the form wants (no spaces in a phone number, a postcode without letters),
    and many give up: Baymard's checkout studies find inline validation errors among the most
    common causes of abandonment. WCAG 3.3.1 and 3.3.3 ask that errors are described and that a
    correction is suggested; better still is accepting the input.

    Example
    -------
    Filling "Phone" with ``12 34 56 78`` and pressing "Send" shows "Please match the requested
    format." (an ``<input pattern="[0-9]{8}">``).

    How to fix
    ----------
    Accept the formats people type: strip spaces, dashes and a country prefix from phone and card
    numbers on the server, trim e-mail addresses, accept lower case postcodes. Validate only what
    you must, and where you must reject, say what to type instead.
    """
    for run, step in ctx.steps():
        submit = _submit(step)
        items = rejections(submit)
        if not items:
            continue
        fields = list(dict.fromkeys(str(i["f"]) for i in items if i.get("f")))
        messages = list(dict.fromkeys(short(str(i["t"]), 200) for i in items if i.get("t")))
        where = ", ".join(fields[:3]) if fields else "the form"
        said = f": “{short(messages[0], 100)}”" if messages else ""
        yield ctx.finding(
            run,
            step,
            title=f"The form rejected the data typed into {where}{said}",
            fix_title=f"{url_path(step.url)} rejects what customers type into {where}",
            root_cause=f"{url_path(step.url)} {'|'.join(sorted(fields)) or message_key(next(iter(messages), ''))}",
            evidence={
                "fields": fields,
                "messages": messages,
                "kinds": sorted({str(i.get("k")) for i in items}),
                "how": submit.get("how"),
                "page": step.url,
            },
        )


# ------------------------------------------------------------------------------ F104


@rule(
    "F104",
    "fields-cleared",
    "Fields cleared after a validation error",
    category="forms",
    severity="major",
    effort="S",
    confidence=0.9,
)
def fields_cleared(ctx: AuditContext) -> Iterator[Finding]:
    """Fields the customer had filled were empty again when the form came back with an error.

    What it finds
    -------------
    A submit that brought back a validation error (see F103) and left fields empty that the
    journey had filled on that page before the submit: the page was re-rendered without the
    customer's input, or a script reset the form. Password, one-time-code, card security code
    and file fields are not counted (clearing those is accepted security practice).

    Why it hurts the customer
    -------------------------
    The customer is asked to type everything again to fix one field. WCAG 3.3.7 (Redundant Entry)
    asks not to make people re-enter what they already gave in the same process; Baymard finds
    cleared fields after an error to be a frequent reason to abandon a form.

    Example
    -------
    A sign-up form posts to the server, which answers "Phone number is not valid" with an empty
    form: name, e-mail and address are gone.

    How to fix
    ----------
    When the server rejects a submission, render the form again with the submitted values in the
    fields (``value="..."``); in a script, show the errors without calling ``form.reset()``.
    """
    for run, step in ctx.steps():
        submit = _submit(step)
        cleared = [c for c in submit.get("cleared") or [] if isinstance(c, dict)]
        if not cleared or not rejections(submit):
            continue
        names = [_field_name(c) for c in cleared]
        yield ctx.finding(
            run,
            step,
            title=f"After the error, {len(names)} filled field(s) were empty again: {', '.join(names[:4])}",
            fix_title=f"{url_path(step.url)} empties the customer's fields after a validation error",
            root_cause=f"{url_path(step.url)} {'|'.join(sorted(_field_key(c) for c in cleared))}",
            evidence={"fields": names, "page": step.url},
        )


# ------------------------------------------------------------------------------ F105


def _messages(step: StepResult) -> Iterator[tuple[str, str | None, str]]:
    """(message, scope, where) of every error message this step's observations show (see unhelpful)."""
    screen = _screen(step)
    found = screen.get("main")
    main: dict[str, Any] = found if isinstance(found, dict) else {}
    page_text = str(main.get("text") or "")  # a short page's text: a next step may be anywhere in it
    for item in screen.get("messages") or []:
        if isinstance(item, dict) and item.get("t"):
            yield str(item["t"]), page_text or str(item["t"]), str(item.get("k") or "")
    for item in _submit(step).get("errors") or []:
        if not isinstance(item, dict) or not item.get("t") or item.get("k") == "validation":
            continue
        text = str(item["t"])
        if item.get("k") == "near" and not (ERROR_WORDS.search(text) or _WHOLE_LEAK.match(text)):
            continue
        yield text, text, str(item.get("k") or "")
    if main:
        heading, text = str(main.get("h1") or ""), str(main.get("text") or "")
        long = bool(main.get("long"))
        if heading and _ERROR_PAGE.search(heading):
            yield heading, (text or None) if long else (text or heading), "main"
        elif not heading and text and not long and _ERROR_PAGE.search(text):
            yield text, text, "main"


@rule(
    "F105",
    "unhelpful-error",
    "Error message that does not say what to do",
    category="forms",
    severity="minor",
    effort="XS",
    confidence=0.8,
)
def unhelpful_error(ctx: AuditContext) -> Iterator[Finding]:
    """An error message shows a code, a programmer's detail or "something went wrong", and no next step.

    What it finds
    -------------
    Visible error text in an alert region, an element styled as an error, a field's error message,
    or as the main message of an error page, that shows internals (``[object Object]``,
    ``undefined``, ``NaN``, ``null``, a stack trace, an exception name, a template placeholder, a
    database error), or only a code (``Error 0x80004005``, ``ERR_PAYMENT``, ``INVALID_PHONE``), only
    an HTTP status line (``500 Internal Server Error``), or only "Something went wrong" with no next
    step (try again, contact us, what to type). A message that says what to do, such as "Invalid
    phone number: use 8 digits", is fine. Each message is reported once per journey and channel.

    Why it hurts the customer
    -------------------------
    The customer cannot tell whether the mistake is theirs, what to change, or whether to try
    again; many call customer service or leave. WCAG 3.3.1 (Error Identification) and 3.3.3 (Error
    Suggestion) ask for errors described in text with a suggested correction; Nielsen's heuristic 9
    asks for plain-language messages that suggest a solution.

    Example
    -------
    After "Pay now" an alert says ``Error: [object Object]``; a page shows only
    ``500 Internal Server Error``.

    How to fix
    ----------
    Map each error the service can return to a sentence that says what happened and what to do
    ("The card was declined. Try another card or contact your bank."). Never show exception text
    or codes alone; keep a reference number beside a sentence if support needs it.
    """
    for run in ctx.runs():
        seen: set[str] = set()
        for step in run.steps:
            if step.status == "skipped":
                continue
            for message, scope, where in _messages(step):
                key = message_key(message)
                if key in seen:
                    continue
                why = unhelpful(message, scope)
                if why is None:
                    continue
                seen.add(key)
                yield ctx.finding(
                    run,
                    step,
                    title=f"Error message “{short(message, 100)}” {why}",
                    fix_title=f"Error message “{short(message, 80)}” does not tell the customer what to do",
                    root_cause=key,
                    evidence={"message": short(message, 300), "problem": why, "where": where, "page": step.url},
                )


# ------------------------------------------------------------------------------ F106


@rule(
    "F106",
    "long-form",
    "Form with too many fields",
    category="forms",
    severity="minor",
    effort="M",
    confidence=0.8,
)
def long_form(ctx: AuditContext) -> Iterator[Finding]:
    """A form shows more fields at once than ``thresholds.max_form_fields`` (8).

    What it finds
    -------------
    On each new screen, the visible, enabled, editable fields of each form are counted: text
    inputs, selects, text areas and file inputs; a radio group counts once; checkboxes, hidden
    fields, buttons, read-only and disabled fields, and fields off the page (honeypots, skip
    links) are not counted. Fields outside any ``<form>`` count as one form.

    Why it hurts the customer
    -------------------------
    Every field is work and a chance to make a mistake. Baymard finds that the average checkout
    shows about twice the fields it needs, and that 7–8 fields are enough for most; long forms are
    a leading reason given for abandoning a checkout.

    Example
    -------
    A "Move your contract" form asks for 14 fields on one page.

    How to fix
    ----------
    Drop fields you can do without (a second address line, a title, "confirm e-mail"), derive what
    you can (city from postcode), make optional fields optional or move them after the purchase,
    and split what is left into short steps.
    """
    limit = ctx.thresholds.max_form_fields
    for run, step in ctx.steps():
        for form in _screen(step).get("forms") or []:
            if not isinstance(form, dict) or int(form.get("fields") or 0) <= limit:
                continue
            count = int(form["fields"])
            name = str(form.get("form") or "page")
            shown = "the page's fields" if name == "page" else name
            labels = [str(label) for label in form.get("labels") or []]
            yield ctx.finding(
                run,
                step,
                title=f"{shown[:1].upper()}{shown[1:]} shows {count} fields at once (more than {limit})",
                fix_title=f"Shorten the form on {url_path(step.url)} ({count} fields)",
                root_cause=f"{url_path(step.url)} {name}",
                evidence={"fields": count, "limit": limit, "form": name, "labels": labels, "page": step.url},
            )


# ------------------------------------------------------------------------------ F107


_SECRET_TYPES = ("password",)


@rule(
    "F107",
    "paste-blocked",
    "Paste blocked in a field",
    category="forms",
    severity="minor",
    effort="XS",
    confidence=0.9,
)
def paste_blocked(ctx: AuditContext) -> Iterator[Finding]:
    """A field refuses pasted text.

    What it finds
    -------------
    On each new screen, every visible text-like field gets a synthetic ``paste`` event (with text
    to paste) in the page; a field whose handler cancels it (``onpaste="return false"``,
    ``preventDefault()``) and does not put the text in itself refuses pasting. Handlers that take
    the paste over (formatting it, spreading a code over several boxes) are not counted. The value
    of every field is restored afterwards. Severity is major on password and one-time-code fields.

    Why it hurts the customer
    -------------------------
    People paste passwords from password managers, account and card numbers from their bank,
    codes from an SMS, and e-mail addresses they would otherwise mistype. Blocking paste makes them
    retype long strings by hand, and pushes them towards weak passwords; the UK NCSC calls it
    harmful, and WCAG 2.2 (3.3.8, Accessible Authentication) fails log-in forms that prevent pasting
    a password.

    Example
    -------
    ``<input name="email_confirm" onpaste="return false">`` under "Repeat your e-mail".

    How to fix
    ----------
    Remove the paste handler. If you want to catch typos in an e-mail address, show what was typed
    for the customer to check instead of asking for it twice.
    """
    for run, step in ctx.steps():
        for field in _screen(step).get("fields") or []:
            if not isinstance(field, dict) or not field.get("paste_blocked"):
                continue
            name = _field_name(field)
            secret = field.get("type") in _SECRET_TYPES or "one-time-code" in str(field.get("ac") or "")
            severity: Severity = "major" if secret else "minor"
            yield ctx.finding(
                run,
                step,
                title=f"Field “{name}” does not let the customer paste",
                fix_title=f"Allow pasting into “{name}” on {url_path(step.url)}",
                root_cause=f"{url_path(step.url)} {_field_key(field)}",
                severity=severity,
                evidence={"field": name, "name": field.get("name"), "type": field.get("type"), "page": step.url},
            )


# ------------------------------------------------------------------------------ F108

# The HTML Living Standard's autofill field names (4.10.18.7.1).
AUTOFILL_FIELDS = frozenset(
    """name honorific-prefix given-name additional-name family-name honorific-suffix nickname username
    new-password current-password one-time-code organization-title organization street-address
    address-line1 address-line2 address-line3 address-level4 address-level3 address-level2
    address-level1 country country-name postal-code cc-name cc-given-name cc-additional-name
    cc-family-name cc-number cc-exp cc-exp-month cc-exp-year cc-csc cc-type transaction-currency
    transaction-amount language bday bday-day bday-month bday-year sex url photo""".split()  # noqa: SIM905
)
AUTOFILL_CONTACT_FIELDS = frozenset(
    "tel tel-country-code tel-national tel-area-code tel-local tel-local-prefix tel-local-suffix tel-extension email impp".split()  # noqa: E501, SIM905
)
_CONTACT_KINDS = frozenset({"home", "work", "mobile", "fax", "pager"})


def autofill_field(value: str) -> str | None:
    """The autofill field name of an ``autocomplete`` value, "on"/"off", or None when it is not valid."""
    tokens = value.lower().split()
    if tokens in (["on"], ["off"]):
        return tokens[0]
    if tokens and tokens[-1] == "webauthn":
        tokens = tokens[:-1]
    if not tokens:
        return None
    field, prefix = tokens[-1], tokens[:-1]
    if prefix and prefix[0].startswith("section-"):
        prefix = prefix[1:]
    if prefix and prefix[0] in ("shipping", "billing"):
        prefix = prefix[1:]
    if field in AUTOFILL_CONTACT_FIELDS:
        if prefix and prefix[0] in _CONTACT_KINDS:
            prefix = prefix[1:]
    elif field not in AUTOFILL_FIELDS:
        return None
    return None if prefix else field


# purpose → (name/id pattern, label pattern, accepted tokens, recommended token)
_PURPOSES: tuple[tuple[str, str, str, frozenset[str], str], ...] = (
    (
        "card number",
        r"\b(?:cc ?num(?:ber)?|card ?(?:num(?:ber)?|no)|cardnumber|ccnumber|credit ?card(?: ?number)?|"
        r"kortnummer|kort ?nr)\b",
        r"\b(?:card number|credit card|kortnummer)\b",
        frozenset({"cc-number"}),
        "cc-number",
    ),
    (
        "card security code",
        r"\b(?:cvc2?|cvv2?|csc|card ?code|card ?security ?code)\b",
        r"\b(?:cvc2?|cvv2?|card security code|kontrollsiffer)\b",
        frozenset({"cc-csc"}),
        "cc-csc",
    ),
    (
        "card expiry",
        r"\b(?:cc ?exp(?:iry|iration)?(?: ?(?:date|month|year))?|card ?exp(?:iry|iration)?|"
        r"exp(?:iry|iration) ?(?:date|month|year))\b",
        r"\b(?:expiry date|expiration date|expiry|utløpsdato)\b",
        frozenset({"cc-exp", "cc-exp-month", "cc-exp-year"}),
        "cc-exp",
    ),
    (
        "name on card",
        r"\b(?:cc ?name|card ?holder(?: ?name)?|name ?on ?card)\b",
        r"\b(?:name on (?:the )?card|cardholder|card holder|kortholder|navn på kortet)\b",
        frozenset({"cc-name"}),
        "cc-name",
    ),
    (
        "one-time code",
        r"\b(?:otp|one ?time ?(?:code|password|pin)|totp|verification ?code|sms ?code|engangskode|"
        r"bekreftelseskode|verifiseringskode)\b",
        r"\b(?:one-time code|one time code|verification code|sms code|sms-kode|engangskode|"
        r"bekreftelseskode|verifiseringskode)\b",
        frozenset({"one-time-code"}),
        "one-time-code",
    ),
    (
        "e-mail",
        r"\b(?:e ?mail|epost|e ?post)(?: ?address| ?adresse)?\b",
        r"\b(?:e-?mail|e-?post|epost)\b",
        frozenset({"email", "username"}),
        "email",
    ),
    (
        "phone",
        r"\b(?:phone|tel|telephone|mobile|mobil|telefon|mobilnummer|telefonnummer|phonenumber|cellphone|msisdn)\b",
        r"\b(?:phone|telephone|mobile|mobile number|mobile phone|telefon|telefonnummer|mobil|mobilnummer|tlf)\b",
        frozenset({"tel", "tel-national", "tel-local"}),
        "tel",
    ),
    (
        "first name",
        r"\b(?:first ?name|fname|given ?name|forename|fornavn)\b",
        r"\b(?:first name|given name|forename|fornavn)\b",
        frozenset({"given-name"}),
        "given-name",
    ),
    (
        "last name",
        r"\b(?:last ?name|lname|sur ?name|family ?name|etternavn)\b",
        r"\b(?:last name|surname|family name|etternavn)\b",
        frozenset({"family-name"}),
        "family-name",
    ),
    (
        "postcode",
        r"\b(?:post ?code|postal ?code|zip(?: ?code)?|postnummer|post ?nr)\b",
        r"\b(?:postcode|post code|postal code|zip|zip code|postnummer|postnr)\b",
        frozenset({"postal-code"}),
        "postal-code",
    ),
    (
        "city",
        r"\b(?:city|town|poststed)\b",
        r"^\W*(?:city|town|poststed|town ?/ ?city)\W*$",
        frozenset({"address-level2"}),
        "address-level2",
    ),
    (
        "street address",
        r"\b(?:street(?: ?address)?|address ?(?:line ?)?[12]?|addr ?1|adresse|gateadresse|street ?name)\b",
        r"\b(?:street address|street|address|address line 1|adresse|gateadresse|postadresse)\b",
        frozenset({"street-address", "address-line1", "address-line2", "address-line3"}),
        "street-address",
    ),
    (
        "username",
        r"\b(?:user ?name|login ?(?:name|id)?|user ?id|brukernavn|bruker ?id)\b",
        r"\b(?:username|user name|user id|brukernavn|bruker-id)\b",
        frozenset({"username", "email", "tel"}),
        "username",
    ),
)
_FULL_NAME_ATTR = re.compile(r"^\s*(?:name|full ?name|your ?name|navn|fullt ?navn)\s*$")
_FULL_NAME_LABEL = re.compile(
    r"^\W*(?:name|full name|your name|first and last name|navn|fullt navn|ditt navn|for- og etternavn)\W*$", re.I
)
_NEW_PASSWORD = re.compile(r"\b(?:new|confirm|repeat|retype|re ?enter|nytt|bekreft|gjenta)\b", re.I)
_PERSONAL = frozenset({"e-mail", "phone", "street address", "postcode", "first name", "last name"})
_LOGIN_OR_PAYMENT = frozenset(
    {"username", "password", "new password", "card number", "card security code", "card expiry", "name on card"}
)
_PURPOSE_TYPES = frozenset({"text", "email", "tel", "password", "number"})


def _tokens(*values: Any) -> str:
    """Name and id as lower-case words: ``billingFirstName`` → ``billing first name``."""
    out = []
    for value in values:
        text = re.sub(r"([a-zæøå])([A-ZÆØÅ])", r"\1 \2", str(value or ""))
        out.append(re.sub(r"[^0-9a-zA-ZæøåÆØÅ]+", " ", text).lower())
    return " ".join(out).strip()


def _match(attr: str, label: str, labelled: bool) -> tuple[str, frozenset[str], str] | None:
    """The purpose that the field's name/id and its label agree on.

    A field with a label is judged by it: when the label names no purpose we know (another
    language, or "Delivery notes" on ``name="phone_notes"``), the name alone is not trusted.
    """
    found_attr = next((p for p in _PURPOSES if re.search(p[1], attr)), None)
    found_label = next((p for p in _PURPOSES if re.search(p[2], label, re.I)), None)
    if found_attr and found_label and found_attr[0] != found_label[0]:
        return None  # the name and the label disagree: not sure enough to judge
    found = found_label or (found_attr if not labelled else None)
    return (found[0], found[3], found[4]) if found else None


def field_purpose(field: dict[str, Any], form: list[dict[str, Any]]) -> tuple[str, frozenset[str], str] | None:
    """(purpose, accepted autocomplete tokens, recommended token) of a field, when it is clear."""
    kind = str(field.get("type") or "text")
    if kind not in _PURPOSE_TYPES:
        return None
    attr = _tokens(field.get("name"), field.get("id"))
    labelled = bool(field.get("labelled"))
    # Without an accessible name, "label" holds the placeholder or the name: only the former is text.
    label = " ".join(str(field.get(k) or "") for k in ("label", "placeholder")) if labelled else ""
    if not labelled and field.get("placeholder_only"):
        label = str(field.get("label") or "")
    if kind == "password":
        if _NEW_PASSWORD.search(attr) or _NEW_PASSWORD.search(label):
            return "new password", frozenset({"new-password"}), "new-password"
        if _login_form(form):
            return "password", frozenset({"current-password"}), "current-password"
        return "password", frozenset({"current-password", "new-password"}), "current-password"
    if kind == "email":
        return "e-mail", frozenset({"email", "username"}), "email"
    found = _match(attr, label, labelled)
    if kind == "tel" and (found is None or found[0] == "phone"):
        # type=tel is also used for other digits (a postcode, a card number) to get a number keypad.
        accepted = {"tel", "tel-national", "tel-local"} | ({"username"} if _login_form(form) else set())
        return "phone", frozenset(accepted), "tel"
    names = (_tokens(field.get("name")), _tokens(field.get("id")))
    if labelled:
        full_name = bool(_FULL_NAME_LABEL.match(str(field.get("label") or "")))
    else:
        full_name = any(_FULL_NAME_ATTR.match(n) for n in names)
    if found is None and full_name:
        # "Name" alone is a person's name only beside other personal fields (a project name is not).
        others = [field_purpose(f, []) for f in form if f is not field]
        if any(o and o[0] in _PERSONAL for o in others):
            found = ("full name", frozenset({"name"}), "name")
    if found is None and _login_form(form) and kind in ("text", "number"):
        found = ("username", frozenset({"username", "email", "tel"}), "username")
    return found


def _login_form(form: list[dict[str, Any]]) -> bool:
    """One password field and one other text-like field: a log-in form."""
    passwords = [f for f in form if f.get("type") == "password"]
    others = [f for f in form if f.get("type") in ("text", "email", "tel", "number")]
    return len(passwords) == 1 and len(others) == 1 and not _NEW_PASSWORD.search(_tokens(passwords[0].get("name")))


def autocomplete_problem(field: dict[str, Any], form: list[dict[str, Any]]) -> tuple[str, str] | None:
    """(problem, recommended token) when a field's ``autocomplete`` does not identify its purpose."""
    purpose = field_purpose(field, form)
    if purpose is None:
        return None
    what, accepted, recommended = purpose
    raw = field.get("ac")
    if raw is None and str(field.get("form_ac") or "").lower() == "off":
        raw = "off"
    if raw is None or not str(raw).strip():
        return f"{what} field without autocomplete", recommended
    token = autofill_field(str(raw))
    if token == "off":
        if what in _LOGIN_OR_PAYMENT:
            return f'{what} field with autocomplete="off"', recommended
        return None  # a deliberate choice on other fields (an address search of its own)
    if token == "on":
        return f'{what} field with autocomplete="on", which names no purpose', recommended
    if token is None:
        return f'{what} field with an invalid autocomplete "{short(str(raw), 40)}"', recommended
    if token not in accepted:
        return f'{what} field with autocomplete="{token}"', recommended
    return None


@rule(
    "F108",
    "autocomplete-missing",
    "Personal-data field without the right autocomplete",
    category="forms",
    severity="minor",
    effort="XS",
    confidence=0.8,
)
def autocomplete_missing(ctx: AuditContext) -> Iterator[Finding]:
    """Fields for the customer's own data do not tell the browser what they are for.

    What it finds
    -------------
    On each new screen, fields whose purpose is clear from their type, name, id, label or
    placeholder (English and Norwegian): name, first and last name, e-mail, phone, street address,
    postcode, city, card number, expiry, security code and name on card, one-time code, username,
    current and new password; and whose ``autocomplete`` is missing, ``on``, not a valid token of
    the HTML autofill list, or a token for something else (``autocomplete="name"`` on "First
    name"). ``autocomplete="off"`` counts on log-in and payment fields only. Fields whose name and
    label disagree are left alone. One finding per form lists its fields.

    Why it hurts the customer
    -------------------------
    With the right token, browsers and password managers fill the field in one tap; without it,
    customers type (and mistype) their address and card number on a phone keyboard. WCAG 1.3.5
    (Identify Input Purpose, level AA) requires the purpose of these fields to be programmatically
    determinable, which the ``autocomplete`` attribute does.

    Example
    -------
    ``<input name="phone">`` under "Mobile number" with no ``autocomplete``: use
    ``autocomplete="tel"``.

    How to fix
    ----------
    Add the token from the HTML autofill list to each field (``email``, ``tel``, ``given-name``,
    ``postal-code``, ``cc-number``, ``one-time-code``, ``username``, ``current-password``,
    ``new-password``...), with ``shipping``/``billing`` where a form has both addresses.
    """
    for run, step in ctx.steps():
        fields = [f for f in _screen(step).get("fields") or [] if isinstance(f, dict)]
        by_form: dict[str, list[dict[str, Any]]] = {}
        for field in fields:
            by_form.setdefault(str(field.get("form") or "page"), []).append(field)
        for form_key, form in by_form.items():
            problems = []
            for field in form:
                found = autocomplete_problem(field, form)
                if found:
                    problems.append(
                        {
                            "field": _field_name(field),
                            "name": field.get("name"),
                            "autocomplete": field.get("ac"),
                            "problem": found[0],
                            "use": found[1],
                        }
                    )
            if not problems:
                continue
            listed = ", ".join(f"{p['field']} (use {p['use']})" for p in problems[:3])
            more = f" and {len(problems) - 3} more" if len(problems) > 3 else ""
            yield ctx.finding(
                run,
                step,
                title=f"{len(problems)} field(s) lack the right autocomplete: {listed}{more}",
                fix_title=f"Add autocomplete tokens to the form on {url_path(step.url)}",
                root_cause=f"{form_key} {'|'.join(sorted(str(p['name'] or p['field']) for p in problems))}",
                evidence={"form": form_key, "fields": problems, "page": step.url},
            )


# ------------------------------------------------------------------------------ F109


@rule(
    "F109",
    "field-without-label",
    "Field without a label",
    category="forms",
    severity="major",
    effort="XS",
    confidence=0.95,
)
def field_without_label(ctx: AuditContext) -> Iterator[Finding]:
    """A field the journey fills has no label: no accessible name, or only a placeholder.

    What it finds
    -------------
    Fields the journey typed into or chose in (text fields, selects, text areas) that have no
    accessible name from ``<label for>``, a wrapping ``<label>``, ``aria-label``,
    ``aria-labelledby`` or ``title``. A placeholder alone counts as no label. One finding per
    screen lists the fields. axe-core's ``label`` rule (A101) checks every field of a page and
    accepts a placeholder; where both fire on the same field, keep F109.

    Why it hurts the customer
    -------------------------
    A screen reader announces only "edit text"; voice-control users cannot say the field's name;
    a placeholder disappears as soon as the customer types, so nobody can check what the field was
    for. WCAG 1.3.1, 3.3.2 (Labels or Instructions) and 4.1.2 (Name, Role, Value) require a label;
    the W3C forms tutorial warns against placeholders as labels.

    Example
    -------
    ``<input name="phone" placeholder="Phone">`` with no ``<label>``.

    How to fix
    ----------
    Give each field a visible ``<label for="id">`` (or wrap it in the label). Where the design has
    no room, use ``aria-label`` at least, and keep the placeholder for an example value.
    """
    for run in ctx.runs():
        seen: set[tuple[str, str]] = set()
        pending: dict[str, tuple[StepResult, list[dict[str, Any]]]] = {}
        for step in run.steps:
            if step.status == "skipped":
                continue
            for field in _submit(step).get("filled") or []:
                if not isinstance(field, dict) or field.get("labelled") is not False:
                    continue
                # The fields were filled on the page the step started from (it may have left it).
                first = _page_step(run, step, str(_submit(step).get("from") or step.url))
                key = (url_key(first.url), _field_key(field) or _field_name(field))
                if key in seen:
                    continue
                seen.add(key)
                pending.setdefault(f"{first.index}", (first, []))[1].append(field)
        for first, fields in pending.values():
            names = [_field_name(f) for f in fields]
            yield ctx.finding(
                run,
                first,
                title=f"{len(names)} field(s) the customer fills have no label: {', '.join(names[:4])}",
                fix_title=f"Label the fields on {url_path(first.url)}: {', '.join(names[:3])}",
                root_cause=f"{url_path(first.url)} {'|'.join(sorted(_field_key(f) for f in fields))}",
                evidence={
                    "fields": [
                        {
                            "field": _field_name(f),
                            "name": f.get("name"),
                            "id": f.get("id"),
                            "type": f.get("type"),
                            "placeholder_only": bool(f.get("placeholder_only")),
                        }
                        for f in fields
                    ],
                    "page": first.url,
                },
            )
