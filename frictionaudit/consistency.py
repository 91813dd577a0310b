"""Cross-channel consistency, the pure part: normalise values, extract facts, match steps.

The C-rules (``frictionaudit/audit/rules/consistency.py``) compare what one journey showed on two or
more channels. Everything they need that is not a rule lives here, with no browser and no I/O:

- **Normalisation** of a value as a customer reads it: ``"kr 1 234,50"``, ``"1234.50 NOK"`` and
  ``"1.234,50 kr"`` are the same amount; ``"15.12.2026"``, ``"15 December 2026"``, ``"2026-12-15"``
  and ``"15. desember 2026"`` the same date; case, whitespace, dashes and quotes do not count.
  Where a value is ambiguous (``"1,234"`` is 1234 in English and 1.234 in Norwegian; ``05/06/2026``
  is 5 June or 6 May) it keeps every reading, and two values are the same when a reading agrees:
  a difference is reported only when no reading could make the values equal.
- **Facts** in the text of a screen: amounts (a number beside a currency), dates (a day, a month
  and usually a year) and key numbers (a number with a unit: kWh, %, GB, months...). Plain numbers,
  times of day, identifiers and anything that looks like a token are not facts: they are where the
  noise of a page lives (clocks, counters, session ids, reference numbers).
- **Matching steps** across channels by the journey's own step index (``StepResult.index``), never
  by URL, so an m. site with other URLs and a channel picked by User-Agent at the same URL both
  work. A step that only one channel runs (``channels: [mobile]``) has no counterpart.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from difflib import SequenceMatcher
from typing import Literal

from frictionaudit.effort import screen_key
from frictionaudit.results import JourneyRun, RunResults, StepResult

FACTS_KIND = "page_facts"  # the probe's key in StepResult.extra

# ---------------------------------------------------------------------------- text

_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−"), "-")
_QUOTES = {**dict.fromkeys(map(ord, "‘’‚‛′`´"), "'"), **dict.fromkeys(map(ord, "“”„‟″«»"), '"')}
_SPACES = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s]")


def normalise_space(text: str) -> str:
    """Unicode-normalised (NFKC: no-break and thin spaces become spaces), runs of space collapsed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text or "")).strip()


def normalise_text(text: str) -> str:
    """A text as a key: case, whitespace, dashes, quotes and punctuation do not count."""
    text = normalise_space(text).translate(_DASHES).translate(_QUOTES).casefold()
    return _SPACES.sub(" ", _PUNCT.sub(" ", text)).strip()


def similarity(a: str, b: str) -> float:
    """0..1, how alike two texts are once normalised (difflib's ratio)."""
    a, b = normalise_text(a), normalise_text(b)
    if a == b:
        return 1.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


# ---------------------------------------------------------------------------- numbers

# A number as written: 1234 · 1 234 · 1.234 · 1,234.50 · 1 234,50 · 1'234.50 · 299,- · -12,5
_GROUP_SEP = r"(?:[ \u00a0\u202f\u2009]|[.,'’])"
NUMBER_CORE = r"[-−]?(?:\d{1,3}(?:" + _GROUP_SEP + r"\d{3})+|\d+)(?:[.,]\d+)?(?:[.,][-–—]{1,2}(?!\w))?(?![\d])"
NUMBER = r"(?<![\w.,])" + NUMBER_CORE
_NUMBER_RE = re.compile(NUMBER)


def parse_number(text: str) -> frozenset[Decimal]:
    """Every value a written number can mean (empty when it is not a number).

    ``"1 234,50"`` → {1234.50}; ``"1,234"`` → {1234, 1.234} (thousands in English, decimals in
    Norwegian); ``"299,-"`` → {299}.
    """
    s = normalise_space(text).translate(_DASHES)
    negative = s.startswith("-")
    s = s.lstrip("-").strip()
    s = re.sub(r"[.,]-{1,2}$", "", s)
    s = re.sub(r"[ '’]", "", s)
    if not s or not re.fullmatch(r"\d[\d.,]*", s) or s[-1] in ".,":
        return frozenset()
    readings: set[str] = set()
    separators = {c for c in s if c in ".,"}
    if not separators:
        readings.add(s)
    elif len(separators) == 2:
        decimal = max(".,", key=s.rfind)
        whole, _, fraction = s.rpartition(decimal)
        groups = whole.split("," if decimal == "." else ".")
        if all(len(g) == 3 for g in groups[1:]) and decimal not in whole:
            readings.add("".join(groups) + "." + fraction)
    else:
        (sep,) = separators
        parts = s.split(sep)
        if len(parts) > 2:
            if all(len(p) == 3 for p in parts[1:]):
                readings.add("".join(parts))
        else:
            if len(parts[1]) == 3 and 1 <= len(parts[0]) <= 3:
                readings.add("".join(parts))  # thousands
            readings.add(parts[0] + "." + parts[1])  # decimals
    values = set()
    for reading in readings:
        try:
            value = Decimal(reading)
        except InvalidOperation:
            continue
        values.add(-value if negative else value)
    return frozenset(values)


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text if "." not in text else text.rstrip("0").rstrip(".")


# ---------------------------------------------------------------------------- currencies

# Written currency → code. "kr" is NOK, SEK, DKK or ISK; "$" is any dollar: both are compatible
# with each of their codes (see _CURRENCY_FAMILIES).
_CURRENCY_WORDS: dict[str, str] = {
    "kr": "kr",
    "kr.": "kr",
    "kroner": "kr",
    "krone": "kr",
    "kronor": "kr",
    "kronur": "kr",
    "nok": "NOK",
    "sek": "SEK",
    "dkk": "DKK",
    "isk": "ISK",
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "$": "$",
    "us$": "USD",
    "usd": "USD",
    "dollars": "$",
    "cad": "CAD",
    "aud": "AUD",
    "nzd": "NZD",
    "£": "GBP",
    "gbp": "GBP",
    "chf": "CHF",
    "fr.": "CHF",
    "zł": "PLN",
    "pln": "PLN",
    "¥": "JPY",
    "jpy": "JPY",
    "₹": "INR",
    "inr": "INR",
}
_CURRENCY_FAMILIES = {"kr": {"NOK", "SEK", "DKK", "ISK"}, "$": {"USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN"}}
_CURRENCY = "|".join(re.escape(w) for w in sorted(_CURRENCY_WORDS, key=len, reverse=True))
_LETTER = r"[^\W\d_]"
AMOUNT_RE = re.compile(
    rf"(?<!{_LETTER})(?P<c1>{_CURRENCY})(?!{_LETTER})\s?(?<![\d.,])(?P<n1>{NUMBER_CORE})"
    rf"|(?P<n2>{NUMBER})\s?(?P<c2>{_CURRENCY})(?!{_LETTER})",
    re.I,
)


def currency_code(word: str) -> str:
    return _CURRENCY_WORDS.get(word.strip().casefold(), word.strip().upper())


def currencies_compatible(a: str | None, b: str | None) -> bool:
    """Unknown on either side, the same code, or a generic sign ("kr", "$") and one of its codes."""
    if not a or not b or a == b:
        return True
    return b in _CURRENCY_FAMILIES.get(a, ()) or a in _CURRENCY_FAMILIES.get(b, ())


# ---------------------------------------------------------------------------- dates

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "january januar januari janvier jänner jan",
        "february februar februari février feb febr",
        "march mars marts märz mar",
        "april avril apr",
        "may mai maj",
        "june juni juin jun",
        "july juli juillet jul",
        "august augusti août aug",
        "september septembre sep sept",
        "october oktober octobre okt oct",
        "november novembre nov",
        "december desember dezember décembre dec des dez",
    ],
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _number
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_YEAR = r"(?P<y>\d{4})"
DATE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ymd", re.compile(r"(?<![\d.,/-])(?P<y>\d{4})([-/.])(?P<m>\d{1,2})\2(?P<d>\d{1,2})(?![\d])")),
    ("dmy.", re.compile(r"(?<![\d.,/-])(?P<d>\d{1,2})\.\s?(?P<m>\d{1,2})\.\s?(?P<y>\d{4}|\d{2})(?![\d])")),
    ("any/", re.compile(r"(?<![\d.,/-])(?P<a>\d{1,2})([/-])(?P<b>\d{1,2})\2(?P<y>\d{4}|\d{2})(?![\d/-])")),
    (
        "d-month",
        re.compile(
            rf"(?<![\d.,])(?P<d>\d{{1,2}})(?:st|nd|rd|th|\.)?\s*(?:of\s+)?(?P<mn>{_MONTH})(?!{_LETTER})\.?"
            rf"(?:,?\s*{_YEAR}(?!\d))?",
            re.I,
        ),
    ),
    (
        "month-d",
        re.compile(
            rf"(?<!{_LETTER})(?P<mn>{_MONTH})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?![\d:]|[.,]\d)(?:,?\s+{_YEAR}(?!\d))?",
            re.I,
        ),
    ),
)
# A time of day right after a date makes it a timestamp ("15.12.2026 14:03", "… kl. 14.03").
_TIME_AFTER = re.compile(r"^\s*(?:,|\bat\b|\bkl\.?|\bklokken\b|\bum\b|\bà\b|-|T)?\s*\d{1,2}[:.]\d{2}(?!\d)", re.I)
DateReading = tuple[int | None, int, int]  # (year or None, month, day)


def _valid(year: int | None, month: int, day: int) -> bool:
    try:
        dt.date(year or 2000, month, day)  # 2000: a leap year, so 29 February without a year is valid
    except ValueError:
        return False
    return year is None or 1900 <= year <= 2200


def _year(text: str | None) -> int | None:
    if not text:
        return None
    year = int(text)
    return year + 2000 if len(text) == 2 else year


def _date_readings(kind: str, match: re.Match[str]) -> frozenset[DateReading]:
    g = match.groupdict()
    year = _year(g.get("y"))
    readings: set[DateReading] = set()
    if kind == "ymd" or kind == "dmy.":
        readings.add((year, int(g["m"]), int(g["d"])))
    elif kind == "any/":
        a, b = int(g["a"]), int(g["b"])
        readings.update({(year, b, a), (year, a, b)})  # day/month (Europe) or month/day (US)
    else:
        readings.add((year, _MONTHS[g["mn"].casefold()], int(g["d"])))
    return frozenset(r for r in readings if _valid(*r))


def find_dates(text: str) -> list[tuple[int, int, frozenset[DateReading], bool]]:
    """Dates in a text: (start, end, readings, is_timestamp), left to right, not overlapping."""
    found: list[tuple[int, int, frozenset[DateReading], bool]] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in DATE_PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < e and s < end for s, e in taken):
                continue
            readings = _date_readings(kind, match)
            if not readings:
                continue
            taken.append((start, end))
            found.append((start, end, readings, bool(_TIME_AFTER.match(text[end : end + 16]))))
    return sorted(found, key=lambda f: f[0])


def parse_date(text: str) -> frozenset[DateReading]:
    """The readings of the one date a text holds (empty when it holds none or several)."""
    dates = find_dates(normalise_space(text))
    return dates[0][2] if len(dates) == 1 else frozenset()


def dates_agree(a: Iterable[DateReading], b: Iterable[DateReading]) -> bool:
    """Some reading of each is the same day (a date without a year agrees with any year)."""
    return any(ma == mb and da == db and (ya is None or yb is None or ya == yb) for ya, ma, da in a for yb, mb, db in b)


def _date_key(readings: frozenset[DateReading]) -> str:
    year, month, day = min(readings, key=lambda r: (r[0] or 0, r[1], r[2]))
    return f"{year:04d}-{month:02d}-{day:02d}" if year else f"--{month:02d}-{day:02d}"


# ---------------------------------------------------------------------------- units (key numbers)

_UNITS: dict[str, str] = {}
for _canonical, _spellings in {
    "%": "% prosent percent procent prozent",
    "kWh": "kwh",
    "MWh": "mwh",
    "kW": "kw",
    "øre": "øre öre",
    "øre/kWh": "øre/kwh öre/kwh",
    "GB": "gb",
    "MB": "mb",
    "TB": "tb",
    "Mbit/s": "mbit/s mbps mb/s",
    "Gbit/s": "gbit/s gbps",
    "kg": "kg",
    "km": "km",
    "m²": "m² m2 kvm",
    "m³": "m³ m3",
    "liter": "liter litre litres liters",
    "months": "months month mnd mnd. måneder måned månader månad monate monat",
    "years": "years year år jahre",
    "days": "days day dager dag dagar tage",
    "pcs": "pcs stk stk. st",
}.items():
    for _spelling in _spellings.split():
        _UNITS[_spelling] = _canonical
_UNIT = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))
QUANTITY_RE = re.compile(rf"(?P<n>{NUMBER})\s?(?P<u>{_UNIT})(?!{_LETTER})", re.I)
# "3 days ago", "for 5 dager siden": relative to now, so they change with the clock.
_RELATIVE_AFTER = re.compile(r"^\s*(?:ago|siden|sedan|sen|tilbake|earlier|geleden)\b", re.I)


# ---------------------------------------------------------------------------- values

Kind = Literal["amount", "date", "quantity", "number", "text"]


@dataclass(frozen=True)
class Value:
    """A value as a customer reads it, normalised; compare two with :func:`same_value`."""

    kind: Kind
    raw: str
    numbers: frozenset[Decimal] = frozenset()
    currency: str | None = None
    unit: str | None = None
    dates: frozenset[DateReading] = frozenset()
    text: str = ""

    @property
    def key(self) -> str:
        """A stable, readable normal form: ``1234.5 kr``, ``2026-12-15``, ``812 kWh``, ``fixed price``."""
        if self.kind == "date":
            return _date_key(self.dates)
        if self.kind in ("amount", "quantity", "number") and self.numbers:
            number = _plain(min(self.numbers, key=lambda v: (len(_plain(v)), v)))
            suffix = self.currency if self.kind == "amount" else self.unit
            return f"{number} {suffix}" if suffix else number
        return self.text


def _amount_from(match: re.Match[str], raw: str) -> Value | None:
    number = match.group("n1") or match.group("n2")
    word = match.group("c1") or match.group("c2")
    numbers = parse_number(number)
    if not numbers:
        return None
    return Value("amount", raw, numbers=numbers, currency=currency_code(word), text=normalise_text(raw))


def parse_value(text: str) -> Value:
    """What a captured text means: an amount, a date, a number (with its unit), or plain text.

    A text holding exactly one amount is that amount ("Total kr 1 234,50" is 1234.50 kr); else one
    date; else a number, when the whole text is a number with an optional unit; else the text.
    """
    raw = normalise_space(text)
    amounts = [v for m in AMOUNT_RE.finditer(raw) if (v := _amount_from(m, raw)) is not None]
    if len(amounts) == 1:
        return amounts[0]
    if not amounts:
        dates = find_dates(raw)
        if len(dates) == 1:
            return Value("date", raw, dates=dates[0][2], text=normalise_text(raw))
        whole = re.fullmatch(rf"(?P<n>{NUMBER})(?:\s?(?P<u>{_UNIT}))?", raw, re.I)
        if whole and parse_number(whole.group("n")):
            unit = _UNITS.get((whole.group("u") or "").casefold())
            return Value(
                "quantity" if unit else "number",
                raw,
                numbers=parse_number(whole.group("n")),
                unit=unit,
                text=normalise_text(raw),
            )
    return Value("text", raw, text=normalise_text(raw))


def same_value(a: Value, b: Value) -> bool:
    """Could a customer read the two as the same value?

    Numbers agree when some reading of each is equal (1,234 and 1 234); amounts also need compatible
    currencies (kr and NOK; a missing currency agrees with any). Dates agree when some reading is
    the same day. Otherwise the normalised texts must be equal.
    """
    if a.text and a.text == b.text:
        return True
    numeric = ("amount", "quantity", "number")
    if a.kind in numeric and b.kind in numeric:
        if not a.numbers & b.numbers:
            return False
        if a.kind == "amount" and b.kind == "amount":
            return currencies_compatible(a.currency, b.currency)
        if a.kind == "amount" or b.kind == "amount":
            return (a.unit or b.unit) is None  # 1 234,50 kr and 1 234,50: the same amount
        return a.unit is None or b.unit is None or a.unit == b.unit
    if a.kind == "date" and b.kind == "date":
        return dates_agree(a.dates, b.dates)
    return False


# ---------------------------------------------------------------------------- facts on a screen


@dataclass(frozen=True)
class Fact:
    """A fact seen on a screen: a value, what labels it, and whether it is hidden in a collapsed part."""

    value: Value
    label: str = ""
    structured: bool = False
    collapsed: bool = False

    @property
    def kind(self) -> str:
        return self.value.kind

    @property
    def label_key(self) -> str:
        return normalise_text(self.label)


def _context_label(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """The words around the values of a block, every value masked: "due § · not paid" → "due not paid"."""
    masked, last = [], 0
    for start, end in sorted(spans):
        masked.append(text[last:start])
        last = end
    masked.append(text[last:])
    return normalise_text(re.sub(r"\d", "", " ".join(masked)))[:80].strip()


def extract_facts(text: str, label: str = "", *, today: dt.date | None = None, collapsed: bool = False) -> list[Fact]:
    """Amounts, dates and key numbers in one block of screen text.

    ``label`` is what the page says the block is (a ``<dt>``, a table header, a form label); when
    it is empty, the block's other words label its values. Left out, as noise: dates with a time of
    day (timestamps), dates within a day of ``today`` ("today is…", "updated…"), and quantities of
    time followed by "ago"/"siden".
    """
    text = normalise_space(text)
    structured = bool(normalise_text(label))
    found: list[tuple[Value, int, int]] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return not any(start < e and s < end for s, e in taken)

    for match in AMOUNT_RE.finditer(text):
        value = _amount_from(match, match.group(0))
        if value is not None:
            taken.append(match.span())
            found.append((value, *match.span()))
    for start, end, readings, stamp in find_dates(text):
        if not free(start, end):
            continue
        taken.append((start, end))  # a timestamp's digits are not key numbers either
        if stamp or (today is not None and _near(readings, today)):
            continue
        raw = text[start:end]
        found.append((Value("date", raw, dates=readings, text=normalise_text(raw)), start, end))
    for match in QUANTITY_RE.finditer(text):
        if not free(*match.span()) or _RELATIVE_AFTER.match(text[match.end() : match.end() + 12]):
            continue
        numbers = parse_number(match.group("n"))
        if numbers:
            raw = match.group(0)
            unit = _UNITS[match.group("u").casefold()]
            taken.append(match.span())
            found.append((Value("quantity", raw, numbers=numbers, unit=unit, text=normalise_text(raw)), *match.span()))
    context = label if structured else _context_label(text, taken)
    return [Fact(value, context, structured, collapsed) for value, _, _ in sorted(found, key=lambda f: f[1])]


def _near(readings: Iterable[DateReading], today: dt.date) -> bool:
    for year, month, day in readings:
        for delta in (-1, 0, 1):
            near = today + dt.timedelta(days=delta)
            if (year is None or year == near.year) and (month, day) == (near.month, near.day):
                return True
    return False


# ---------------------------------------------------------------------------- comparing two screens

SIMILAR_LABEL = 0.8
SIMILAR_LEFTOVER = 0.5  # the only fact of its kind left on each side: a looser label match will do


@dataclass(frozen=True)
class FactDiff:
    """A fact that differs between two channels' screens; ``a`` or ``b`` is None when it is missing there."""

    kind: str
    a: Fact | None
    b: Fact | None


def _labels_match(a: Fact, b: Fact) -> bool:
    return a.label_key == b.label_key or similarity(a.label_key, b.label_key) >= SIMILAR_LABEL


def compare_facts(facts_a: Sequence[Fact], facts_b: Sequence[Fact], *, translated: bool = False) -> list[FactDiff]:
    """The differences a customer would notice between two screens' facts; sameness wins when unsure.

    1. A fact whose value is anywhere on the other screen (in any format) is the same fact.
    2. What is left is paired by label: one value left under "Amount" on each side is one fact
       with two values. Several values left under one label (a list that differs in length, a
       table sorted another way) are not paired: nothing is said about them.
    3. If exactly one fact of a kind is left on each side and their labels are alike ("Due date"
       and "Due"), they are one fact. Unlike labels are not paired: a random product and its price
       in one place on each channel is not one fact. Between two languages (``translated``),
       where labels cannot be compared, two facts the markup labels (a ``<dt>``, a table header)
       are paired.
    4. A fact left on one side only is missing on the other when it is an amount or a date with a
       label of its own that occurs once on its screen, and nothing of its kind is left unpaired on
       the other side.
    """
    left_a = [f for f in facts_a if not any(same_value(f.value, g.value) for g in facts_b)]
    left_b = [g for g in facts_b if not any(same_value(f.value, g.value) for f in facts_a)]
    diffs: list[FactDiff] = []
    used_a: set[int] = set()
    used_b: set[int] = set()
    for i, fa in enumerate(left_a):
        if i in used_a or not fa.label_key:
            continue
        same_a = [j for j, f in enumerate(left_a) if j not in used_a and f.kind == fa.kind and _labels_match(f, fa)]
        same_b = [j for j, g in enumerate(left_b) if j not in used_b and g.kind == fa.kind and _labels_match(fa, g)]
        if not same_b:
            continue  # left for steps 3 and 4
        used_a.update(same_a)
        used_b.update(same_b)
        if len(same_a) == 1 and len(same_b) == 1:
            diffs.append(FactDiff(fa.kind, fa, left_b[same_b[0]]))
    rest_a = [f for i, f in enumerate(left_a) if i not in used_a]
    rest_b = [g for j, g in enumerate(left_b) if j not in used_b]
    for kind in dict.fromkeys(f.kind for f in (*rest_a, *rest_b)):
        ka = [f for f in rest_a if f.kind == kind]
        kb = [g for g in rest_b if g.kind == kind]
        if len(ka) == 1 and len(kb) == 1:
            fa, fb = ka[0], kb[0]
            alike = fa.label_key and fb.label_key and similarity(fa.label_key, fb.label_key) >= SIMILAR_LEFTOVER
            if alike or (translated and fa.structured and fb.structured):
                diffs.append(FactDiff(kind, fa, fb))
            continue
        if kind not in ("amount", "date"):
            continue
        for mine, theirs, all_mine, first in ((ka, kb, facts_a, True), (kb, ka, facts_b, False)):
            if theirs:
                continue
            for fact in mine:
                if fact.structured and sum(1 for f in all_mine if f.label_key == fact.label_key) == 1:
                    diffs.append(FactDiff(kind, fact, None) if first else FactDiff(kind, None, fact))
    return diffs


# ---------------------------------------------------------------------------- the probe's record


@dataclass
class ScreenFacts:
    """What the page_facts probe saw after one step, read back from ``StepResult.extra``."""

    texts: list[tuple[str, str, bool]] = field(default_factory=list)  # (block text, label, collapsed)
    actions: dict[str, str] = field(default_factory=dict)  # normalised name → state: v, c, h, t
    action_names: dict[str, str] = field(default_factory=dict)  # normalised name → name as shown
    headings: list[tuple[int, str]] = field(default_factory=list)
    listed: set[str] = field(default_factory=set)  # normalised names of actions and headings in long lists
    scope: str = ""
    url: str = ""
    title: str = ""
    lang: str = ""

    def facts(self, today: dt.date | None = None) -> list[Fact]:
        found: list[Fact] = []
        for text, label, collapsed in self.texts:
            found.extend(extract_facts(text, label, today=today, collapsed=collapsed))
        return found


_STATE_ORDER = {"v": 0, "c": 1, "h": 2, "t": 3}


def screen_facts(step: StepResult) -> ScreenFacts | None:
    """The probe's record of a step, or None when there is none (a failed step, an old run)."""
    raw = step.extra.get(FACTS_KIND)
    if not isinstance(raw, dict):
        return None
    out = ScreenFacts(
        scope=str(raw.get("scope", "")),
        url=str(raw.get("url", "")),
        title=str(raw.get("title", "")),
        lang=str(raw.get("lang", "")),
    )
    for item in raw.get("texts") or []:
        if isinstance(item, list | tuple) and item and isinstance(item[0], str):
            label = item[1] if len(item) > 1 and isinstance(item[1], str) else ""
            out.texts.append((item[0], label, len(item) > 2 and item[2] == "c"))
    for item in raw.get("actions") or []:
        if isinstance(item, list | tuple) and len(item) >= 2 and isinstance(item[0], str):
            key, state = normalise_text(item[0]), str(item[1])
            if not key:
                continue
            if key not in out.actions or _STATE_ORDER.get(state, 9) < _STATE_ORDER.get(out.actions[key], 9):
                out.actions[key] = state
                out.action_names[key] = normalise_space(item[0])
            if len(item) > 2 and item[2] == "r":
                out.listed.add(key)
    for item in raw.get("headings") or []:
        if isinstance(item, list | tuple) and len(item) >= 2 and isinstance(item[1], str):
            try:
                level = int(item[0])
            except (TypeError, ValueError):
                continue
            out.headings.append((level, normalise_space(item[1])))
            if len(item) > 2 and item[2] == "r":
                out.listed.add(normalise_text(item[1]))
    return out


def run_date(run: JourneyRun) -> dt.date | None:
    """The day the run started (UTC), for telling "today" on a page from a fact."""
    try:
        return dt.datetime.fromisoformat(run.started_at).date()
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------------------- settled screens


def placeholder_title(title: str) -> bool:
    """No real title: empty, or a URL (Chromium's title for a page still loading or without <title>)."""
    return not title.strip() or "://" in title


def _base(url: str) -> str:
    return url.split("#", 1)[0].split("?", 1)[0]


def settled_run(run: JourneyRun) -> JourneyRun:
    """A copy of ``run`` whose steps carry the URL and title of the screen the probe read.

    A step's own URL and title are read as soon as its action settles, sometimes while a navigation
    is still committing ("Loading http://…" as the title). The page_facts probe reads the page a
    moment later, after the screenshot, so its URL and title belong with the facts it recorded. A
    placeholder title is replaced by the real title the run saw at the same URL.
    """
    known: dict[str, str] = {}
    reads: list[tuple[str, str]] = []
    for step in run.steps:
        facts = screen_facts(step) if step.status == "ok" else None
        url = facts.url if facts and facts.url else step.url
        if _base(url) == _base(step.url):
            url = step.url
        title = next((t for t in (facts.title if facts else "", step.title) if not placeholder_title(t)), "")
        reads.append((url, title))
        if title:
            known.setdefault(_base(url), title)
    steps = []
    for step, (url, title) in zip(run.steps, reads, strict=True):
        title = title or known.get(_base(url), "")
        if (url, title) == (step.url, step.title):
            steps.append(step)
            continue
        steps.append(step.model_copy(update={"url": url, "title": title, "screen": screen_key(url, title)}))
    return run.model_copy(update={"steps": steps})


# ---------------------------------------------------------------------------- matching steps


def journey_runs(results: RunResults) -> dict[str, dict[str, JourneyRun]]:
    """journey id → channel → its run, channels in the config's order (the first is the reference).

    With several runs of one journey × channel (repeats), the first is compared; the others only
    help to tell noise from differences (see :func:`unstable_facts`).
    """
    order = {c.name: i for i, c in enumerate(results.channels)}
    grouped: dict[str, dict[str, JourneyRun]] = {}
    for run in sorted(results.runs, key=lambda r: getattr(r, "repeat", 0)):
        if run.channel not in grouped.get(run.journey, {}):
            grouped.setdefault(run.journey, {})[run.channel] = settled_run(run)
    return {
        journey: dict(sorted(runs.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))
        for journey, runs in grouped.items()
    }


@dataclass(frozen=True)
class StepMatch:
    """One step of a journey and what each channel did there (channels that ran it, not skipped)."""

    index: int
    steps: Mapping[str, StepResult]


def match_steps(runs: Mapping[str, JourneyRun]) -> list[StepMatch]:
    """The journey's steps by index, each with the channels' results; never matched by URL."""
    by_index: dict[int, dict[str, StepResult]] = {}
    for channel, run in runs.items():
        for step in run.steps:
            if step.status != "skipped":
                by_index.setdefault(step.index, {})[channel] = step
    return [StepMatch(i, by_index[i]) for i in sorted(by_index)]


def channel_only_steps(runs: Mapping[str, JourneyRun], channel: str) -> list[StepResult]:
    """Steps ``channel`` has that another channel of the journey does not have at all (``channels:``)."""
    others = [r for c, r in runs.items() if c != channel]
    if channel not in runs or not others:
        return []
    common = set.intersection(*({s.index for s in r.steps} for r in others))
    return [s for s in runs[channel].steps if s.index not in common and s.status != "skipped"]


def step_at(run: JourneyRun, index: int) -> StepResult | None:
    return next((s for s in run.steps if s.index == index), None)


def step_at_or_before(run: JourneyRun, index: int) -> StepResult | None:
    """The run's last step (not skipped) at or before ``index``: the screen the customer saw there."""
    done = [s for s in run.steps if s.index <= index and s.status != "skipped"]
    return done[-1] if done else None


def comparable_groups(a: JourneyRun, b: JourneyRun) -> list[list[int]]:
    """Step indexes where both channels stood on one screen each, grouped by screen visit.

    Only steps that both channels did (status ok) and the probe read are kept. A group ends when
    either channel moves to another screen; within a group the last read is the settled one, and
    values that change from read to read on one channel are noise.
    """
    sa = {s.index: s for s in a.steps if s.status == "ok" and FACTS_KIND in s.extra}
    sb = {s.index: s for s in b.steps if s.status == "ok" and FACTS_KIND in s.extra}
    groups: list[list[int]] = []
    previous: tuple[str, str] | None = None
    for index in sorted(sa.keys() & sb.keys()):
        screens = (sa[index].screen, sb[index].screen)
        if groups and screens == previous:
            groups[-1].append(index)
        else:
            groups.append([index])
        previous = screens
    return groups


def unstable_facts(results: RunResults) -> dict[tuple[str, str], set[tuple[str, str]]]:
    """(channel, screen) → the (kind, label) of facts whose value changed between two reads there.

    Two reads of one screen on one channel are the same page a moment apart (consecutive steps) or
    loaded again (a revisit, another journey, a repeat run). A value that differs between them is
    a clock, a counter, a random pick or a session value: comparing it across channels would only
    report noise.
    """
    seen: dict[tuple[str, str], dict[tuple[str, str], list[Value]]] = {}
    unstable: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for run in map(settled_run, results.runs):
        today = run_date(run)
        for step in run.steps:
            facts = screen_facts(step) if step.status == "ok" else None
            if facts is None or not step.screen:
                continue
            place = (run.channel, step.screen)
            per_label: dict[tuple[str, str], list[Value]] = {}
            for fact in facts.facts(today):
                per_label.setdefault((fact.kind, fact.label_key), []).append(fact.value)
            known = seen.setdefault(place, {})
            for label, values in per_label.items():
                before = known.get(label)
                if before is not None and not _same_values(before, values):
                    unstable.setdefault(place, set()).add(label)
                known[label] = values
    return unstable


def _same_values(a: Sequence[Value], b: Sequence[Value]) -> bool:
    return all(any(same_value(x, y) for y in b) for x in a) and all(any(same_value(x, y) for x in a) for y in b)


def language(lang: str | None) -> str:
    """The primary language of a BCP 47 tag: "nb-NO" → "nb"; Norwegian "no", "nb" and "nn" are one."""
    primary = (lang or "").strip().split("-", 1)[0].split("_", 1)[0].casefold()
    return "no" if primary in ("nb", "nn", "no") else primary


def same_language(a: str | None, b: str | None) -> bool:
    """Unknown on either side, or the same primary language: words can be compared."""
    la, lb = language(a), language(b)
    return not la or not lb or la == lb


# ---------------------------------------------------------------------------- channel chrome

# Controls that belong to a channel's frame, not to the service: they legitimately differ.
_CHROME = re.compile(
    r"^(?:"
    r"(?:open |close |show |hide |toggle )?(?:main )?(?:menu|meny|menü|navigation|nav|hamburger)(?: menu| meny)?"
    r"|toggle navigation|open navigation|close|lukk|luk|stäng|schließen|fermer|dismiss|ok|got it|skjul|vis meny"
    r"|skip (?:to|navigation)\b.*|hopp (?:til|over)\b.*|gå til (?:hovedinnhold|innhold)\b.*|till innehåll\b.*"
    r"|(?:back to |til |till )?(?:top|toppen|the top)|scroll to top"
    r"|(?:choose |change |select |velg |bytt )?(?:language|språk|sprache|langue)\b.*"
    r"|english|norsk|bokmål|nynorsk|svenska|dansk|suomi|deutsch|français|sámegiella|davvisámegiella"
    r"|en|no|nb|nn|sv|da|fi|de|fr|se"
    r"|search|søk|sök|suche|rechercher|search the site|søk på nettstedet"
    r"|previous|next|forrige|neste|föregående|nästa|zurück|weiter|prev"
    r"|(?:show|load|see|view|vis|se|last) (?:more|all|flere|alle|fler|mer)\b.*"
    r"|(?:full|desktop|mobile|mobil) (?:website|site|version|nettsted|versjon)|(?:go to |til )?full website"
    r"|(?:get|download|open in|åpne i|last ned|hent) (?:the |our |vår |i )?(?:app|appen)\b.*|app store|google play"
    r"|share|del|dela|teilen|print|skriv ut|facebook|twitter|x|linkedin|instagram|youtube"
    r"|accept(?: all)?(?: cookies)?|reject(?: all)?|godta(?: alle)?|avvis|cookie settings|cookies"
    r"|log in|logg inn|log out|logg ut|sign in|sign out|my page|min side|home|hjem"
    r")$"
)


def is_chrome_action(name: str) -> bool:
    """A menu toggle, close button, skip link, language picker, pager... (a normalised name)."""
    key = normalise_text(name)
    if len(key) <= 1 or key.isdigit() or not re.search(r"[^\W\d_]", key):
        return True  # icons, pager numbers, symbols
    return bool(_CHROME.match(key))


# ---------------------------------------------------------------------------- page titles


def title_segments(title: str) -> list[str]:
    """A page title cut at its separators: "Invoice – Nordlys Energi" → ["invoice", "nordlys energi"]."""
    parts = re.split(r"\s+[-–—|·:•»]\s+|\s*\|\s*", normalise_space(title).translate(_DASHES))
    return [k for p in parts if (k := normalise_text(p))]


def site_segments(titles: Iterable[str]) -> set[str]:
    """The title segments every distinct title of one channel shares (the site's name), if ≥ 2 titles."""
    distinct = {t for t in titles if t}
    if len(distinct) < 2:
        return set()
    common = set.intersection(*(set(title_segments(t)) for t in distinct))
    return common


def titles_agree(a: str, b: str, site_a: set[str], site_b: set[str]) -> bool:
    """The same page title once each channel's site name is set aside ("… – Shop" and "… | Shop mobile")."""
    if normalise_text(a) == normalise_text(b):
        return True
    core_a = [s for s in title_segments(a) if s not in site_a] or title_segments(a)
    core_b = [s for s in title_segments(b) if s not in site_b] or title_segments(b)
    if core_a == core_b:
        return True
    if not site_a or not site_b:  # no site name known: any shared segment will do
        return bool(set(core_a) & set(core_b))
    return False
