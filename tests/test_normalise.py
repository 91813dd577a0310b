"""Normalisation of values across channels (frictionaudit/consistency.py): numbers, currencies, dates, text.

Pure: no browser. The cases are the ways real sites write the same fact differently on their
channels (a desktop site in one locale, an m. site or an app view in another), and the differences
that must still be seen.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frictionaudit.consistency import (
    Fact,
    compare_facts,
    extract_facts,
    is_chrome_action,
    normalise_text,
    parse_date,
    parse_number,
    parse_value,
    same_value,
    site_segments,
    titles_agree,
)


def same(a: str, b: str) -> bool:
    return same_value(parse_value(a), parse_value(b))


# ---------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("1234", {"1234"}),
        ("1 234,50", {"1234.50"}),
        ("1\u00a0234,50", {"1234.50"}),  # no-break space
        ("1\u202f234,50", {"1234.50"}),  # narrow no-break space (French, Norwegian in Intl)
        ("1.234,50", {"1234.50"}),
        ("1,234.50", {"1234.50"}),
        ("1'234.50", {"1234.50"}),
        ("1.234.567", {"1234567"}),
        ("12,5", {"12.5"}),
        ("1,234", {"1234", "1.234"}),  # English thousands or Norwegian decimals: both readings kept
        ("299,-", {"299"}),
        ("-12,50", {"-12.50"}),
        ("−12,50", {"-12.50"}),  # a real minus sign
    ],
)
def test_parse_number(text: str, values: set[str]) -> None:
    assert parse_number(text) == {Decimal(v) for v in values}


@pytest.mark.parametrize("text", ["", "abc", "1.2.3", "12,", "1,23,45"])
def test_not_a_number(text: str) -> None:
    assert parse_number(text) == frozenset()


# ---------------------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("kr 1 234,50", "1234.50 NOK"),  # the example
        ("kr 1 234,50", "1 234,50 kr"),
        ("kr 1.234,50", "NOK 1,234.50"),
        ("1 234,50 kroner", "kr 1234.5"),
        ("kr 299,-", "299 kr"),
        ("€12.99", "12,99 EUR"),
        ("12,99 €", "EUR 12.99"),
        ("$1,234.50", "USD 1234.50"),
        ("1 234,50", "kr 1 234,50"),  # a currency on one side only
        ("Total: kr 1 234,50", "kr 1 234,50"),  # one amount in a text is that amount
        ("KR 1 234,50", "kr 1 234,50"),
    ],
)
def test_same_amount(a: str, b: str) -> None:
    assert parse_value(a).kind == "amount" or parse_value(b).kind == "amount"
    assert same(a, b) and same(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("1 234,50", "1 243,50"),  # the example
        ("kr 1 234,50", "kr 1 243,50"),
        ("kr 1 234,50", "€1 234,50"),  # another currency
        ("$5", "5 kr"),
        ("kr 1 234,50", "kr 1 234,05"),
        ("kr 1 234", "kr 1 234,50"),
    ],
)
def test_different_amount(a: str, b: str) -> None:
    assert not same(a, b) and not same(b, a)


def test_amount_key_is_readable() -> None:
    assert parse_value("kr 1 234,50").key == "1234.5 kr"
    assert parse_value("1234.50 NOK").key == "1234.5 NOK"
    assert parse_value("€ 12,00").key == "12 EUR"


# ---------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "text",
    [
        "15.12.2026",
        "15.12.26",
        "15. 12. 2026",
        "2026-12-15",
        "2026/12/15",
        "15/12/2026",
        "12/15/2026",  # US month/day: the only valid reading
        "15 December 2026",
        "15th December 2026",
        "15th of December, 2026",
        "December 15, 2026",
        "Dec 15, 2026",
        "Tuesday, December 15th, 2026",
        "15. desember 2026",  # Norwegian
        "15. des. 2026",
        "tirsdag 15. desember 2026",
        "15 december 2026",  # Swedish, Danish
        "15. Dezember 2026",  # German
        "15 décembre 2026",  # French
    ],
)
def test_same_date(text: str) -> None:
    value = parse_value(text)
    assert value.kind == "date", text
    assert value.key == "2026-12-15"
    assert same(text, "2026-12-15") and same("15 December 2026", text)


def test_ambiguous_dates_keep_both_readings() -> None:
    assert parse_date("05/06/2026") == {(2026, 6, 5), (2026, 5, 6)}
    assert same("05/06/2026", "5 June 2026") and same("05/06/2026", "May 6, 2026")
    assert not same("05/06/2026", "7 June 2026")
    assert parse_date("05.06.2026") == {(2026, 6, 5)}  # dots: day first, always


def test_date_without_year_agrees_with_any_year() -> None:
    assert same("15. desember", "15.12.2026")
    assert not same("16. desember", "15.12.2026")


@pytest.mark.parametrize(("a", "b"), [("15.12.2026", "16.12.2026"), ("15 December 2026", "15 December 2027")])
def test_different_date(a: str, b: str) -> None:
    assert not same(a, b)


@pytest.mark.parametrize("text", ["31.02.2026", "2026-13-01", "November 2026", "12:30", "2026"])
def test_not_a_date(text: str) -> None:
    assert parse_value(text).kind != "date"


# ---------------------------------------------------------------------------- numbers with units, text


def test_quantities() -> None:
    assert same("812 kWh", "812 kwh") and same("12 mnd", "12 months") and same("25 %", "25%")
    assert not same("812 kWh", "821 kWh") and not same("12 months", "12 GB")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Fixed price", "fixed price"),
        ("Fixed  price", "Fixed\u00a0price"),
        ("Fixed-price", "Fixed – price"),
        ("“Spot price”", '"Spot price"'),
        ("Spot price.", "spot price"),
    ],
)
def test_same_text(a: str, b: str) -> None:
    assert parse_value(a).kind == "text"
    assert same(a, b)


def test_worded_differently_is_different() -> None:
    assert not same("Spot price", "Market price")
    assert normalise_text("  Årsavtale\u00a0– FAST  ") == "årsavtale fast"


# ---------------------------------------------------------------------------- properties


@given(
    whole=st.integers(min_value=0, max_value=9_999_999),
    cents=st.integers(min_value=0, max_value=99),
    style=st.sampled_from(["nb", "en", "de", "plain", "swiss"]),
)
def test_an_amount_in_any_locale_is_the_same_amount(whole: int, cents: int, style: str) -> None:
    grouped = f"{whole:,}"
    written = {
        "nb": f"kr {grouped.replace(',', ' ')},{cents:02d}",
        "en": f"NOK {grouped}.{cents:02d}",
        "de": f"{grouped.replace(',', '.')},{cents:02d} kr",
        "plain": f"{whole}.{cents:02d} NOK",
        "swiss": grouped.replace(",", "'") + f".{cents:02d} kr",
    }[style]
    assert same(written, f"{whole}.{cents:02d} NOK"), written
    assert not same(written, f"{whole + 1}.{cents:02d} NOK"), written


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_a_date_in_any_format_is_the_same_date(day: dt.date) -> None:
    months = ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober"]
    months += ["november", "desember"]
    formats = [
        day.isoformat(),
        f"{day.day}.{day.month}.{day.year}",
        f"{day.day:02d}.{day.month:02d}.{day.year}",
        day.strftime("%d %B %Y"),
        day.strftime("%B %d, %Y"),
        day.strftime("%b %d, %Y"),
        f"{day.day}. {months[day.month - 1]} {day.year}",
    ]
    for text in formats:
        assert same(text, day.isoformat()), text
    assert not same(formats[1], (day + dt.timedelta(days=1)).isoformat())


# ---------------------------------------------------------------------------- facts in screen text


def kinds(text: str, label: str = "", today: dt.date | None = None) -> list[tuple[str, str]]:
    return [(f.kind, f.value.key) for f in extract_facts(text, label, today=today)]


def test_facts_in_a_text() -> None:
    text = "Thank you! We have received kr 1 243,50 for invoice November 2026, due 15.12.2026. You used 812 kWh."
    assert kinds(text) == [("amount", "1243.5 kr"), ("date", "2026-12-15"), ("quantity", "812 kWh")]
    [fact] = extract_facts("kr 1 234,50", "Amount")
    assert (fact.label, fact.structured) == ("Amount", True)
    [fact] = extract_facts("Due 15 December 2026 · Not paid")
    assert (fact.label, fact.structured) == ("due not paid", False)  # the words around it, value masked


@pytest.mark.parametrize(
    "text",
    [
        "Monday to Friday 08:00–16:00",  # times of day
        "Local time 14:03:22",
        "Page generated 21.11.2026 14:03:22",  # a timestamp
        "Last updated 15 December 2026 at 10:00",
        "Updated 3 days ago",  # relative
        "Oppdatert for 5 dager siden",
        "Invoice number 2026-11-12345678",  # identifiers
        "Customer number 12345678",
        "Org. no. 912 345 678",
        "Call +47 77 00 00 00",
        "Session 8f3a9c2e11",
        "Your lucky number: 4821",
        "Visitors online: 37",
        "Storgata 12, 9008 Tromsø",
        "November 2026",
    ],
)
def test_noise_is_not_a_fact(text: str) -> None:
    assert kinds(text) == []


def test_dates_near_the_day_of_the_run_are_not_facts() -> None:
    today = dt.date(2026, 11, 21)
    assert kinds("Today is 21 November 2026", today=today) == []
    assert kinds("Yesterday, 20.11.2026", today=today) == []
    assert kinds("Due 15.12.2026", today=today) == [("date", "2026-12-15")]


def fact(text: str, label: str = "") -> Fact:
    [found] = extract_facts(text, label)
    return found


def test_compare_facts_pairs_by_label() -> None:
    desktop = [fact("kr 1 234,50", "Amount"), fact("15 December 2026", "Due date")]
    mobile = [fact("kr 1 243,50", "Amount"), fact("15.12.2026", "Due date")]
    [diff] = compare_facts(desktop, mobile)
    assert diff.kind == "amount" and diff.a == desktop[0] and diff.b == mobile[0]


def test_compare_facts_the_only_leftover_with_a_similar_label() -> None:
    [diff] = compare_facts([fact("15 December 2026", "Due date")], [fact("Due: 16.12.2026")])
    assert (diff.a.value.key, diff.b.value.key) == ("2026-12-15", "2026-12-16")  # type: ignore[union-attr]
    assert compare_facts([fact("kr 100", "Amount")], [fact("Recommended: Smart plug kr 349")]) == []


def test_compare_facts_lists_of_other_length_are_not_paired() -> None:
    desktop = [fact(f"kr {n},00", "Amount") for n in (100, 200, 300)]
    assert compare_facts(desktop, desktop[:1]) == []  # a shortened list: neither differs nor is missing


def test_compare_facts_missing_labelled_amount() -> None:
    [diff] = compare_facts([fact("kr 1 234,50", "Amount"), fact("812 kWh", "Usage")], [fact("812 kWh", "Usage")])
    assert diff.kind == "amount" and diff.b is None
    assert compare_facts([fact("812 kWh", "Usage")], []) == []  # a key number missing: not reported


def test_compare_facts_same_values_anywhere() -> None:
    desktop = [fact("kr 1 234,50", "Amount"), fact("Due 15 December 2026")]
    mobile = [fact("Total: 1234.50 NOK"), fact("2026-12-15", "Due")]
    assert compare_facts(desktop, mobile) == []


# ---------------------------------------------------------------------------- chrome and titles


@pytest.mark.parametrize(
    "name",
    [
        "Menu",
        "Open menu",
        "Meny",
        "Close",
        "Lukk",
        "×",
        "☰",
        "2",
        "Skip to content",
        "Skip to main content",
        "Hopp til hovedinnhold",
        "Back to top",
        "Language",
        "Norsk",
        "English",
        "Search",
        "Next",
        "Full website",
        "Get the app",
        "Log out",
        "Accept all cookies",
    ],
)
def test_channel_chrome(name: str) -> None:
    assert is_chrome_action(name)


@pytest.mark.parametrize("name", ["Download PDF", "Pay now", "Change payment date", "Cancel subscription"])
def test_not_chrome(name: str) -> None:
    assert not is_chrome_action(name)


def test_titles_with_each_channels_site_name() -> None:
    desktop = site_segments(["Invoice November 2026 – Shop", "Payment received – Shop"])
    mobile = site_segments(["Invoice November 2026 | Shop mobile", "Payment received | Shop mobile"])
    assert desktop == {"shop"} and mobile == {"shop mobile"}
    assert titles_agree("Invoice November 2026 – Shop", "Invoice November 2026 | Shop mobile", desktop, mobile)
    assert not titles_agree("Payment received – Shop", "Payment registered | Shop mobile", desktop, mobile)
    assert titles_agree("Invoice – Shop", "Invoice – Shop", set(), set())
    assert titles_agree("Invoice – Shop", "Invoice · Shop mobile", set(), set())  # one title each: a shared part
