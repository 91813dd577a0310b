"""Mobile rules: does each screen fit a phone, and can the customer tap, read and type on it?

They read what the mobile probe saved (``StepResult.extra["mobile"]``, see
``frictionaudit/gather/collectors/mobile.py``): once per new screen the viewport, the tap targets,
the text sizes and the fields; before each element step how far down its target was. M101, M103,
M104 and M105 apply to mobile channels only (``ChannelInfo.is_mobile``); M102 (sideways scrolling)
and M106 (the next control far below) hurt on every channel and apply everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from frictionaudit.audit.model import Finding
from frictionaudit.audit.registry import AuditContext, rule
from frictionaudit.audit.text import short, url_key, url_path
from frictionaudit.results import JourneyRun, StepResult

OVERFLOW_TOLERANCE_PX = 2  # sub-pixel rounding and a stray border are not sideways scrolling
OVERFLOW_MAJOR_SHARE = 0.25  # a page this much wider than the screen hides real content
MIN_ZOOM = 2.0  # axe-core meta-viewport / ACT b4f0c3: maximum-scale under 2 blocks 200 % zoom
MIN_SMALL_CHARS = 40  # a caption or a cookie line alone is not "the page's text is small"
MAX_LISTED = 10


# ---------------------------------------------------------------------------- shared helpers


def _facts(step: StepResult, key: str) -> dict[str, Any] | None:
    mine = step.extra.get("mobile")
    value = mine.get(key) if isinstance(mine, dict) else None
    return value if isinstance(value, dict) else None


def is_mobile(ctx: AuditContext, run: JourneyRun) -> bool:
    channel = ctx.results.channel(run.channel)
    return bool(channel and channel.is_mobile)


def device_width(ctx: AuditContext, run: JourneyRun, viewport: dict[str, Any]) -> int:
    """The width of the customer's screen in CSS px: the channel's viewport, not the page's innerWidth."""
    channel = ctx.results.channel(run.channel)
    candidates = (
        (channel.viewport if channel else {}).get("width"),
        run.viewport.get("width"),
        viewport.get("device_width"),
        viewport.get("outer_width"),
    )
    return next((int(w) for w in candidates if isinstance(w, int | float) and w > 0), 0)


def screens(ctx: AuditContext, mobile_only: bool = True) -> Iterator[tuple[JourneyRun, StepResult, dict[str, Any]]]:
    """(run, step, screen facts) for each new screen measured, on mobile channels unless told otherwise."""
    for run in ctx.runs():
        if mobile_only and not is_mobile(ctx, run):
            continue
        for step in run.steps:
            if step.status == "skipped":
                continue
            screen = _facts(step, "screen")
            if screen is not None:
                yield run, step, screen


def parse_viewport(content: str) -> dict[str, str]:
    """``width=device-width, initial-scale=1`` → {"width": "device-width", "initial-scale": "1"}.

    Separators and case as browsers accept them (commas, semicolons, spaces around ``=``).
    """
    pairs: dict[str, str] = {}
    for item in re.split(r"[,;]", content.lower()):
        key, _, value = item.partition("=")
        if key.strip() and value.strip():
            pairs[key.strip()] = value.strip()
    return pairs


def mobile_viewport(metas: list[str]) -> bool:
    """Lighthouse's ``viewport`` audit: a viewport meta with ``width`` or ``initial-scale``."""
    return any({"width", "initial-scale"} & parse_viewport(m).keys() for m in metas)


def _number(value: str) -> float | None:
    match = re.match(r"^[+-]?(\d+\.?\d*|\.\d+)", value)
    return float(match.group(0)) if match else None


def zoom_lock(content: str) -> str | None:
    """What in a viewport meta stops pinch zoom, as axe-core's ``meta-viewport`` check reads it."""
    pairs = parse_viewport(content)
    scalable = pairs.get("user-scalable")
    if scalable is not None:
        number = _number(scalable)
        if (number is None and scalable not in ("yes", "device-width", "device-height")) or (
            number is not None and -1 < number < 1
        ):
            return f"user-scalable={scalable}"
    maximum = pairs.get("maximum-scale")
    if maximum is not None:
        number = _number(maximum)
        if (number is None and maximum not in ("device-width", "device-height")) or (
            number is not None and 0 <= number < MIN_ZOOM
        ):
            return f"maximum-scale={maximum}"
    return None


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def _fits_phone(screen: dict[str, Any]) -> bool:
    viewport = screen.get("viewport") or {}
    return mobile_viewport(list(viewport.get("metas") or []))


# ---------------------------------------------------------------------------- M101


@rule(
    "M101",
    "mobile-viewport",
    "No mobile viewport, or zoom locked",
    category="mobile",
    severity="major",
    effort="XS",
    confidence=0.95,
)
def mobile_viewport_meta(ctx: AuditContext) -> Iterator[Finding]:
    """The page has no mobile viewport, so phones show a shrunken desktop page; or it forbids zooming.

    What it finds
    -------------
    On mobile channels, a screen without ``<meta name="viewport">`` that sets ``width`` or
    ``initial-scale`` (Lighthouse's ``viewport`` audit) — major; or one whose viewport meta stops
    pinch zoom with ``user-scalable=no`` (or 0) or ``maximum-scale`` under 2 (axe-core's
    ``meta-viewport`` rule, WCAG 1.4.4 Resize text) — minor.

    Why it hurts the customer
    -------------------------
    Without a viewport meta a phone lays the page out 980 px wide and shrinks it to the screen: text
    is a third of its size and every link is a fiddly target, so customers pinch and pan to read
    anything. A zoom lock takes away the only way a customer with poor sight, or in bright sunlight,
    can read small print.

    Example
    -------
    The invoice page has no viewport meta: on a Pixel 7 it is laid out 980 px wide and shown at 42 %.
    The login page has ``maximum-scale=1, user-scalable=no``.

    How to fix
    ----------
    Put ``<meta name="viewport" content="width=device-width, initial-scale=1">`` in the page
    template's ``<head>``, and remove ``user-scalable=no`` and ``maximum-scale`` (or set it to 5).
    """
    for run, step, screen in screens(ctx):
        viewport = screen.get("viewport") or {}
        metas = [str(m) for m in viewport.get("metas") or []]
        if not mobile_viewport(metas):
            width = viewport.get("client_width")
            yield ctx.finding(
                run,
                step,
                title=f"{url_path(step.url)} has no mobile viewport: laid out {width} px wide and shrunk to the phone",
                fix_title="Pages have no mobile viewport meta (phones show a shrunken desktop page)",
                root_cause=f"no mobile viewport on {_host(step.url)}",
                evidence={
                    "viewport_meta": metas[0] if metas else None,
                    "layout_width": width,
                    "screen_width": device_width(ctx, run, viewport),
                    "scale": viewport.get("scale"),
                    "standard": "Lighthouse viewport audit",
                },
            )
            continue
        locks = [(m, lock) for m in metas if (lock := zoom_lock(m))]
        if locks:
            content, lock = locks[0]
            yield ctx.finding(
                run,
                step,
                title=f"{url_path(step.url)} stops customers from zooming ({lock})",
                fix_title=f"The viewport meta stops zooming ({lock})",
                root_cause=f"zoom lock on {_host(step.url)}: {content}",
                severity="minor",
                evidence={"viewport_meta": content, "locks": lock, "standard": "WCAG 1.4.4, axe-core meta-viewport"},
            )


# ---------------------------------------------------------------------------- M102


@rule(
    "M102",
    "horizontal-overflow",
    "Page wider than the screen",
    category="mobile",
    severity="minor",
    effort="S",
    confidence=0.9,
)
def horizontal_overflow(ctx: AuditContext) -> Iterator[Finding]:
    """The page is wider than the screen, so the customer scrolls sideways to read it.

    What it finds
    -------------
    A screen whose document (``document.documentElement.scrollWidth``) is more than 2 px wider than
    the device's screen (the channel's viewport width; on desktop the window without its scroll
    bar), with the elements that stick out furthest. It applies on every channel. Pages whose root
    hides horizontal overflow (``overflow-x: hidden`` or ``clip``) are not reported, and on phones a
    page without a mobile viewport is left to M101. Major when the page is a quarter wider than
    the screen or more.

    Why it hurts the customer
    -------------------------
    Lines run off the right edge, so customers scroll sideways for every line or miss what is cut
    off (a price, a button). On a phone the page also wobbles under the thumb and may open zoomed
    out. WCAG 1.4.10 (Reflow) asks for content that fits 320 CSS px without horizontal scrolling.

    Example
    -------
    On a Pixel 7 (412 px), ``/invoice`` is 640 px wide because of ``div.promo-banner`` (640 px).

    How to fix
    ----------
    Find the listed elements: give them ``max-width: 100%`` (images, tables, iframes), let long
    words and URLs wrap (``overflow-wrap: anywhere``), replace fixed widths with flexible ones, or put
    wide tables in a box that scrolls on its own (``overflow-x: auto``).
    """
    for run, step, screen in screens(ctx, mobile_only=False):
        viewport = screen.get("viewport") or {}
        mobile = is_mobile(ctx, run)
        if mobile and not _fits_phone(screen):
            continue  # the whole page is laid out for a desktop: M101's finding
        if str(viewport.get("overflow_x") or "visible") in ("hidden", "clip"):
            continue
        page_width = int(viewport.get("scroll_width") or 0)
        widths = [w for w in (device_width(ctx, run, viewport), viewport.get("client_width")) if w]
        if not page_width or not widths:
            continue
        screen_width = int(min(widths))
        excess = page_width - screen_width
        if excess <= OVERFLOW_TOLERANCE_PX:
            continue
        wide = [e for e in viewport.get("overflow") or [] if isinstance(e, dict)]
        culprit = str(wide[0].get("sel")) if wide else ""
        where = f" because of {culprit}" if culprit else ""
        yield ctx.finding(
            run,
            step,
            title=f"{url_path(step.url)} is {page_width} px wide on a {screen_width} px screen{where}",
            fix_title=f"{culprit or url_path(step.url)} makes the page wider than the screen",
            root_cause=f"overflow {culprit}" if culprit else f"overflow {url_key(step.url)}",
            severity="major" if excess >= OVERFLOW_MAJOR_SHARE * screen_width else "minor",
            evidence={
                "page_width": page_width,
                "screen_width": screen_width,
                "overflow_px": excess,
                "elements": wide[:3],
                "standard": "WCAG 1.4.10 Reflow",
            },
        )


# ---------------------------------------------------------------------------- M103


def too_small(item: dict[str, Any], minimum: float) -> bool:
    """WCAG 2.2 SC 2.5.8: under ``minimum`` on a side, not spaced out, and no big-enough label."""
    width, height = float(item.get("w") or 0), float(item.get("h") or 0)
    if min(width, height) >= minimum:
        return False
    label = item.get("label_box")
    if isinstance(label, list) and len(label) == 2 and min(float(label[0]), float(label[1])) >= minimum:
        return False  # its label does the same and is big enough ("Equivalent")
    gap = item.get("gap")
    crowded = gap is not None and float(gap) < minimum / 2  # a circle of the minimum size hits a target
    for distance, side in item.get("near") or []:
        if float(side) < minimum and float(distance) < minimum:  # two undersized targets' circles overlap
            crowded = True
    return crowded


@rule(
    "M103",
    "small-tap-targets",
    "Tap targets too small and too close",
    category="mobile",
    severity="minor",
    effort="S",
    confidence=0.8,
)
def small_tap_targets(ctx: AuditContext) -> Iterator[Finding]:
    """Links and buttons smaller than a fingertip sit so close together that customers hit the wrong one.

    What it finds
    -------------
    On mobile channels, visible and enabled links, buttons, form controls and widgets smaller than
    ``thresholds.tap_target_px`` (24 CSS px) on a side, as WCAG 2.2 SC 2.5.8 Target Size (Minimum)
    defines it: a small target passes when a 24 px circle on its centre touches no other target and
    no other small target's circle (the spacing exception), when it sits in a line of text (the
    inline exception, read as axe-core's ``target-size`` does), or when its label is a big enough
    target. Hidden, off-page and clipped elements are not counted. (The probe records targets under
    48 px on a side, so a higher threshold is read as 48.)

    Why it hurts the customer
    -------------------------
    A fingertip covers about 10 mm; a 16 px icon is 3 mm on most phones. Customers tap the wrong
    control (close instead of save, page 3 instead of 2), have to zoom, or give up on the page.

    Example
    -------
    The invoice toolbar has four 18 × 18 px icon buttons 4 px apart: "Download", "Print", "Share"
    and "Delete".

    How to fix
    ----------
    Make each target at least 24 × 24 CSS px (44–48 px is better on touch screens): add padding
    rather than enlarging the icon, or space small targets at least 24 px centre to centre.
    """
    minimum = ctx.thresholds.tap_target_px
    for run, step, screen in screens(ctx):
        taps = screen.get("taps") or {}
        failing = [i for i in taps.get("items") or [] if isinstance(i, dict) and too_small(i, minimum)]
        if not failing:
            continue
        names = [str(i.get("name") or i.get("sel") or "?") for i in failing]
        shown = ", ".join(f"“{short(n, 30)}”" for n in names[:3]) + (" …" if len(names) > 3 else "")
        yield ctx.finding(
            run,
            step,
            title=f"{len(failing)} tap target{'s' if len(failing) > 1 else ''} under {minimum:g} px "
            f"on {url_path(step.url)}: {shown}",
            fix_title=f"Tap targets under {minimum:g} px and too close together: {shown}",
            root_cause="small targets " + ", ".join(sorted({str(i.get("sel")) for i in failing})[:5]),
            evidence={
                "minimum_px": minimum,
                "count": len(failing),
                "targets": [
                    {"name": i.get("name"), "selector": i.get("sel"), "width": i.get("w"), "height": i.get("h")}
                    for i in failing[:MAX_LISTED]
                ],
                "standard": "WCAG 2.2 SC 2.5.8 Target Size (Minimum)",
            },
        )


# ---------------------------------------------------------------------------- M104


@rule(
    "M104",
    "small-text",
    "Text too small to read",
    category="mobile",
    severity="minor",
    effort="S",
    confidence=0.8,
)
def small_text(ctx: AuditContext) -> Iterator[Finding]:
    """Much of the page's text is smaller than customers can read on a phone without zooming.

    What it finds
    -------------
    On mobile channels, a screen where more than ``thresholds.small_text_share`` (40 %) of the
    visible text characters have a computed font size under ``thresholds.min_font_px`` (12 px), as
    Lighthouse's font-size audit weighs it (at least 60 % of the text should be 12 px or more); one
    small footnote is not enough. Hidden, clipped and off-page text is not counted. A page without a
    mobile viewport is left to M101.

    Why it hurts the customer
    -------------------------
    Text under 12 CSS px is hard to read on a phone at arm's length: customers pinch to zoom and
    pan line by line, or miss what the small print says (fees, deadlines, terms).

    Example
    -------
    On ``/invoice`` 72 % of the text is 10–11 px: ``div.details`` (10 px) "Due date 20.12.2026,
    KID 1234…".

    How to fix
    ----------
    Set the body text to 16 px and keep secondary text at 12 px or more; use relative units
    (``rem``) so the customer's text size setting applies.
    """
    minimum = ctx.thresholds.min_font_px
    share_limit = ctx.thresholds.small_text_share
    for run, step, screen in screens(ctx):
        if not _fits_phone(screen):
            continue
        text = screen.get("text") or {}
        sizes = text.get("sizes") or {}
        total = sum(int(n) for n in sizes.values())
        small = sum(int(n) for px, n in sizes.items() if float(px) < minimum)
        if not total or small < MIN_SMALL_CHARS or small / total <= share_limit:
            continue
        examples = [g for g in text.get("small") or [] if isinstance(g, dict) and float(g.get("px") or 0) < minimum]
        share = small / total
        top = [str(g.get("sel")) for g in examples[:2]]
        yield ctx.finding(
            run,
            step,
            title=f"{share:.0%} of the text on {url_path(step.url)} is under {minimum:g} px",
            fix_title=f"Text under {minimum:g} px" + (f" in {', '.join(top)}" if top else ""),
            root_cause=f"small text on {_host(step.url)}: " + ", ".join(sorted(top)),
            evidence={
                "small_share": round(share, 3),
                "small_chars": small,
                "text_chars": total,
                "minimum_px": minimum,
                "examples": [
                    {"selector": g.get("sel"), "px": g.get("px"), "text": g.get("text"), "chars": g.get("chars")}
                    for g in examples[:5]
                ],
                "standard": "Lighthouse font-size audit",
            },
        )


# ---------------------------------------------------------------------------- M105

# What a field is for, judged from its name, id, autocomplete, label, placeholder and pattern.
_NUMERIC_KINDS: tuple[tuple[str, str], ...] = (
    (
        "one-time code or PIN",
        r"otp|one ?time ?(code|password|passcode)|(verification|confirmation|security|sms) ?code|code from sms"
        r"|pin|pin ?(code|kode)|pinkode|engangskode|engangspassord|bekreftelseskode|verifiseringskode"
        r"|verifikasjonskode|sms ?kode|kode fra sms|engångskod|verifieringskod|bekræftelseskode|engangskode",
    ),
    (
        "phone number",
        r"phone|telephone|mobile ?(phone|number|no)?|cell ?phone|tel|telefon(nummer|nr)?|tlf"
        r"|mobil(nummer|telefon|nr)?|mobiltelefon|puhelin(numero)?|handy(nummer)?",
    ),
    (
        "card number",
        r"card ?(number|no|nr)|credit ?card|debit ?card|cc ?(number|csc)|cvc2?|cvv2?|csc"
        r"|kort ?(nummer|nr)|kortnummer|kortnr|sikkerhetskode|kontrollsiffer",
    ),
    (
        "account number",
        r"account ?(number|no|nr)|acct ?(number|no)|konto ?(nummer|nr)|kontonummer|kontonr"
        r"|bankkontonummer|kontonumme?r",
    ),
    (
        "customer number",
        r"(customer|client|member(ship)?|contract|agreement) ?(number|no|nr)|kundenummer|kundenr"
        r"|kunde ?nummer|kundnummer|kundnr|medlemsnummer|medlemsnr|avtalenummer|avtalenr|målernummer"
        r"|malernummer|målepunkt ?id|målepunktid|meter ?number",
    ),
    (
        "national id number",
        r"fødselsnummer|fodselsnummer|fødselsnr|personnummer|personnr|cpr ?(nummer|nr)"
        r"|henkilötunnus|organisasjonsnummer|organisationsnummer|org ?(nr|nummer)|orgnr",
    ),
    ("postcode", r"postnummer|postnr|post ?nr|postinumero|postleitzahl|plz|zip|zip ?code|zipcode"),
    ("amount", r"amount|sum|beløp|belop|belopp|beløb|summa|betrag|price|pris"),
)
_KIND_RES = [(kind, re.compile(rf"\b({words})\b")) for kind, words in _NUMERIC_KINDS]
# A field that takes letters too: an e-mail or user name alternative, codes and IBANs with letters.
_TEXT_WORDS = re.compile(
    r"\b(e ?mail|e ?post|epost|mail|username|user ?name|brukernavn|användarnamn|brugernavn|iban|bic|swift"
    r"|gift|gavekort|presentkort|voucher|coupon|promo|discount|rabatt|rabattkode|kampanjekode|reference|name|navn)\b"
)
_EMAIL_WORDS = re.compile(r"\b(e ?mail|e ?post|epost|mail)\b")
_ENGLISH_POSTCODE = re.compile(r"\b(postcode|post ?code|postal ?code)\b")
_AUTOCOMPLETE_KINDS = {
    "tel": "phone number",
    "tel-national": "phone number",
    "tel-local": "phone number",
    "cc-number": "card number",
    "cc-csc": "card number",
    "one-time-code": "one-time code or PIN",
    "transaction-amount": "amount",
}
_DIGIT_PATTERN = re.compile(r"^(\\d|\[0-9\]|\[\\d ?\]|\[0-9 \]|\[ ?0-9\]|\{\d+(,\d*)?\}|[*+?()^$| ]|\\s)+$")
_SUGGESTION = {
    "phone number": 'type="tel"',
    "amount": 'inputmode="decimal"',
    "one-time code or PIN": 'inputmode="numeric" autocomplete="one-time-code"',
    "card number": 'inputmode="numeric" autocomplete="cc-number"',
}


def _words(text: str) -> str:
    """Lower-case words: ``cardNumber`` and ``card_number`` and ``card-number`` all read "card number"."""
    text = re.sub(r"([a-zæøå])([A-ZÆØÅ])", r"\1 \2", text)
    return " ".join(re.sub(r"[_\-.:\[\]()/*#]+", " ", text.lower()).split())


def _digits_only(pattern: str) -> bool:
    return bool(pattern) and any(d in pattern for d in ("\\d", "0-9")) and bool(_DIGIT_PATTERN.match(pattern))


def numeric_kind(field: dict[str, Any]) -> str | None:
    """What numeric thing a full-keyboard field asks for ("phone number", "postcode"...), or None.

    None too for a field that already opens a number pad (``type=tel|number``, ``inputmode=numeric|
    decimal|tel``) or no keyboard (``inputmode=none``).
    """
    if str(field.get("type") or "text") not in ("text", "search", "password") or str(
        field.get("inputmode") or ""
    ).strip().lower() in ("numeric", "decimal", "tel", "none"):
        return None
    tokens = str(field.get("autocomplete") or "").lower().split()
    shown = " ".join(str(field.get(k) or "") for k in ("label", "placeholder"))  # what the customer reads
    technical = _words(" ".join(str(field.get(k) or "") for k in ("name", "id")))
    words = f"{_words(shown)} {technical}"
    if _TEXT_WORDS.search(_words(shown)) or _EMAIL_WORDS.search(technical) or "@" in shown or "email" in tokens:
        return None
    kind = next((_AUTOCOMPLETE_KINDS[t] for t in tokens if t in _AUTOCOMPLETE_KINDS), None)
    if kind is None:
        kind = next((k for k, pattern in _KIND_RES if pattern.search(words)), None)
    digits = _digits_only(str(field.get("pattern") or ""))
    if kind is None and (_ENGLISH_POSTCODE.search(words) or "postal-code" in tokens):
        # UK and Canadian postcodes have letters: only a field that says it takes digits.
        placeholder = str(field.get("placeholder") or "").replace(" ", "")
        kind = "postcode" if digits or (placeholder.isdigit() and len(placeholder) <= 6) else None
    if kind is None and digits:
        kind = "number"
    if str(field.get("type")) == "password" and kind not in ("one-time code or PIN", "card number"):
        return None  # a password that happens to mention a number is still a password
    return kind


def _field_name(field: dict[str, Any]) -> str:
    for key in ("label", "placeholder", "name", "id", "sel"):
        if field.get(key):
            return short(str(field[key]), 40)
    return "field"


@rule(
    "M105",
    "numeric-field-keyboard",
    "Number field opens a full keyboard",
    category="mobile",
    severity="minor",
    effort="XS",
    confidence=0.75,
)
def numeric_field_keyboard(ctx: AuditContext) -> Iterator[Finding]:
    """A field that takes digits opens the full letter keyboard on a phone.

    What it finds
    -------------
    On mobile channels, text fields for a phone number, card number, account number, customer
    number, national id number, postcode, amount or one-time code — judged from the field's name,
    id, autocomplete token, label, placeholder and a digits-only ``pattern``, in English and the
    Scandinavian languages — that have neither ``type="tel"``/``type="number"`` nor
    ``inputmode="numeric|decimal|tel"``. Fields that also take an e-mail or a user name, codes
    that may hold letters (discount, gift card, IBAN) and UK-style postcodes are left alone.

    Why it hurts the customer
    -------------------------
    The customer gets a keyboard of small letter keys and has to switch to the digit row for every
    number, on a field where the phone could have shown a big number pad. It is slower and
    typo-prone exactly where a wrong digit matters (card, account, amount).

    Example
    -------
    ``<input name="kundenummer" type="text">`` labelled "Kundenummer" on the login page, and
    ``<input id="phone" type="text">`` labelled "Mobile number".

    How to fix
    ----------
    Phone numbers: ``type="tel"``. Other digit strings (card, account, customer number, codes):
    ``inputmode="numeric"`` (keep ``type="text"``, as ``type="number"`` drops leading zeros and adds
    spinners); amounts: ``inputmode="decimal"``. Add the matching ``autocomplete`` (``tel``,
    ``cc-number``, ``one-time-code``, ``postal-code``).
    """
    for run in ctx.runs():
        if not is_mobile(ctx, run):
            continue
        seen: set[tuple[str, str]] = set()
        for step in run.steps:
            if step.status == "skipped":
                continue
            screen = _facts(step, "screen") or {}
            fields = [f for f in screen.get("fields") or [] if isinstance(f, dict)]
            typed = _facts(step, "field")
            if typed is not None:
                fields.append(typed)
            found = []
            for field in fields:
                key = (step.screen or url_key(step.url), str(field.get("sel")) + "|" + str(field.get("name")))
                if key in seen:
                    continue
                seen.add(key)
                kind = numeric_kind(field)
                if kind is not None:
                    found.append((field, kind))
            if not found:
                continue
            names = [_field_name(f) for f, _ in found]
            shown = ", ".join(f"“{n}”" for n in names[:3]) + (" …" if len(names) > 3 else "")
            yield ctx.finding(
                run,
                step,
                title=f"{len(found)} number field{'s' if len(found) > 1 else ''} on {url_path(step.url)} "
                f"open{'' if len(found) > 1 else 's'} a full keyboard: {shown}",
                fix_title=f"Number fields open a full keyboard on {url_path(step.url)}: {shown}",
                root_cause=f"full keyboard {url_key(step.url)} " + ",".join(sorted(names)),
                evidence={
                    "fields": [
                        {
                            "field": _field_name(f),
                            "selector": f.get("sel"),
                            "kind": kind,
                            "type": f.get("type"),
                            "inputmode": f.get("inputmode") or None,
                            "fix": _SUGGESTION.get(kind, 'inputmode="numeric"'),
                        }
                        for f, kind in found[:MAX_LISTED]
                    ],
                },
            )


# ---------------------------------------------------------------------------- M106


@rule(
    "M106",
    "next-control-far-below",
    "Next control far below the fold",
    category="mobile",
    severity="minor",
    effort="M",
    confidence=0.7,
)
def next_control_far_below(ctx: AuditContext) -> Iterator[Finding]:
    """The control the customer needs next is several screens further down the page.

    What it finds
    -------------
    For a step followed by a click, fill, check or select, how far below the top of what the
    customer sees that next element was before the replay scrolled to it, in screen heights (its
    top ÷ the visible height). More than ``thresholds.screens_below_fold`` (3) is a finding, on
    every channel; it is reported at the step that left the customer on that screen.

    Why it hurts the customer
    -------------------------
    Nothing on the first screens tells the customer where to go: they have to guess that scrolling
    will help, then scroll past three screens of other content, and many stop before they get there.
    On a phone a screen is short, so this happens there first.

    Example
    -------
    After "Open /terms" on a Pixel 7, the "Accept and continue" button is 5.2 screens down.

    How to fix
    ----------
    Put the main action (or a copy of it) near the top, shorten or fold away what comes before it
    (accordions, "read more"), or make the action a sticky bar at the bottom of the screen.
    """
    limit = ctx.thresholds.screens_below_fold
    for run, step in ctx.steps():
        nxt = _facts(step, "next")
        if nxt is None:
            continue
        top, height = float(nxt.get("top") or 0), float(nxt.get("viewport_height") or 0)
        if height <= 0 or top <= 0:
            continue
        ratio = top / height
        if ratio <= limit:
            continue
        index = nxt.get("step")
        later = next((s for s in run.steps if s.index == index), None)
        label = later.label if later is not None else str(nxt.get("target") or "the next control")
        yield ctx.finding(
            run,
            step,
            title=f"“{label}” is {ratio:.1f} screens down after “{step.label}”",
            fix_title=f"“{label}” is more than {limit:g} screens below the fold on {url_path(step.url)}",
            root_cause=f"far below {url_key(step.url)} {nxt.get('target')}",
            evidence={
                "next_step": index,
                "next_label": label,
                "target": nxt.get("target"),
                "top_px": int(top),
                "screen_height_px": int(height),
                "screens": round(ratio, 1),
                "limit": limit,
            },
        )
