"""Rules M101–M106 on small saved observations: edge cases, thresholds and definitions (no browser).

The facts are written the way the mobile probe saves them (``StepResult.extra["mobile"]``); see
``frictionaudit/gather/collectors/mobile.py``.
"""

from __future__ import annotations

from typing import Any

import pytest

from frictionaudit.audit.model import Finding
from frictionaudit.audit.registry import AuditContext, all_rules
from frictionaudit.audit.rules.mobile import mobile_viewport, numeric_kind, too_small, zoom_lock
from frictionaudit.results import ChannelInfo, JourneyRun, RunResults, StepResult
from tests.observations import BASE, results, run, step

GOOD_META = "width=device-width, initial-scale=1"


def viewport(
    metas: list[str] | None = None, *, scroll: int = 412, client: int = 412, overflow_x: str = "visible", **more: Any
) -> dict[str, Any]:
    return {
        "metas": [GOOD_META] if metas is None else metas,
        "device_width": 412,
        "client_width": client,
        "scroll_width": scroll,
        "overflow_x": overflow_x,
        "scale": 1,
        "overflow": [],
        **more,
    }


def facts(
    *,
    view: dict[str, Any] | None = None,
    taps: list[dict[str, Any]] | None = None,
    sizes: dict[str, int] | None = None,
    small: list[dict[str, Any]] | None = None,
    fields: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """One screen's facts; quiet by default."""
    return {
        "viewport": view or viewport(),
        "taps": {"targets": len(taps or []), "small": len(taps or []), "inline": 0, "items": taps or []},
        "text": {
            "chars": sum((sizes or {}).values()),
            "sizes": sizes or {"16": 500},
            "truncated": False,
            "small": small or [],
        },
        "fields": fields or [],
    }


def observed(index: int = 0, *, path: str = "/page", label: str = "", **mobile: Any) -> StepResult:
    s = step(index, label or f"Step {index + 1}", path=path)
    s.screen = f"{BASE}{path} Shop"
    s.extra = {"mobile": mobile}
    return s


def on(channel: str, *steps: StepResult, thresholds: dict[str, Any] | None = None) -> RunResults:
    """Results of one journey on ``channel`` ("mobile": a Pixel-7-sized phone; else a desktop)."""
    observations = results(run("pay", channel, *steps))
    mobile = channel == "mobile"
    size = {"width": 412, "height": 839} if mobile else {"width": 1366, "height": 768}
    observations.channels = [ChannelInfo(name=channel, base_url=BASE, is_mobile=mobile, viewport=size)]
    if thresholds:
        observations.settings["thresholds"] = thresholds
    return observations


def check(code: str, observations: RunResults) -> list[Finding]:
    r = all_rules()[code]
    return list(r.check(AuditContext(results=observations, rule=r, settings=dict(observations.settings))))


def tap(name: str, w: float, h: float, *, gap: float | None = None, near: list[list[float]] | None = None, **more: Any):
    return {
        "sel": f"button.{name.lower()}",
        "name": name,
        "w": w,
        "h": h,
        "x": 0,
        "y": 0,
        "gap": gap,
        "near": near or [],
        **more,
    }


# ---------------------------------------------------------------------------- M101


@pytest.mark.parametrize(
    ("content", "lock"),
    [
        (GOOD_META, None),
        ("width=device-width, initial-scale=1, maximum-scale=5", None),
        ("width=device-width, maximum-scale=2", None),
        ("width=device-width, user-scalable=yes", None),
        ("width=device-width, maximum-scale=1", "maximum-scale=1"),
        ("width=device-width, maximum-scale=1.5", "maximum-scale=1.5"),
        ("width=device-width; user-scalable=no", "user-scalable=no"),
        ("width=device-width, user-scalable=0", "user-scalable=0"),
        ("WIDTH=device-width, User-Scalable = NO", "user-scalable=no"),
        ("width=device-width, maximum-scale=-1", None),  # negative: ignored, as axe-core does
        ("width=device-width, maximum-scale=device-width", None),
    ],
)
def test_zoom_lock_reads_the_meta_as_axe_core_does(content: str, lock: str | None) -> None:
    assert zoom_lock(content) == lock


@pytest.mark.parametrize(
    ("metas", "mobile"),
    [
        ([], False),
        (["initial-scale=1"], True),
        (["width=device-width"], True),
        (["width=1024"], True),
        ([""], False),
        (["minimum-scale=1"], False),
    ],
)
def test_mobile_viewport_is_lighthouses_width_or_initial_scale(metas: list[str], mobile: bool) -> None:
    assert mobile_viewport(metas) is mobile


def test_m101_missing_viewport_is_major_and_one_fix_per_host() -> None:
    observations = on(
        "mobile",
        observed(0, path="/a", screen=facts(view=viewport([], client=980, scroll=980, scale=0.42))),
        observed(1, path="/b", screen=facts(view=viewport(["minimum-scale=1"], client=980, scroll=980))),
    )
    found = check("M101", observations)
    assert [(f.step, f.severity) for f in found] == [(0, "major"), (1, "major")]
    assert len({f.root_cause for f in found}) == 1
    assert found[0].evidence["layout_width"] == 980 and found[0].evidence["screen_width"] == 412
    assert found[1].evidence["viewport_meta"] == "minimum-scale=1"


def test_m101_zoom_lock_is_minor() -> None:
    meta = "width=device-width, initial-scale=1, maximum-scale=1"
    [finding] = check("M101", on("mobile", observed(0, screen=facts(view=viewport([meta])))))
    assert finding.severity == "minor" and finding.evidence["locks"] == "maximum-scale=1"


def test_m101_only_on_mobile_channels() -> None:
    no_meta = facts(view=viewport([]))
    assert check("M101", on("desktop", observed(0, screen=no_meta))) == []
    observations = on("mobile", observed(0, screen=no_meta))
    observations.channels = []  # saved without channel information: not known to be a phone
    assert check("M101", observations) == []


# ---------------------------------------------------------------------------- M102


@pytest.mark.parametrize(("scroll", "expected"), [(412, []), (414, []), (415, ["minor"]), (515, ["major"])])
def test_m102_tolerates_two_pixels_and_is_major_from_a_quarter(scroll: int, expected: list[str]) -> None:
    found = check("M102", on("mobile", observed(0, screen=facts(view=viewport(scroll=scroll)))))
    assert [f.severity for f in found] == expected


def test_m102_compares_with_the_device_not_the_widened_inner_width() -> None:
    wide = viewport(scroll=700, inner_width=700, overflow=[{"sel": "div.banner", "right": 700, "width": 700}])
    [finding] = check("M102", on("mobile", observed(0, screen=facts(view=wide))))
    assert (finding.evidence["page_width"], finding.evidence["screen_width"], finding.evidence["overflow_px"]) == (
        700,
        412,
        288,
    )
    assert finding.evidence["elements"][0]["sel"] == "div.banner"
    assert finding.root_cause == "overflow div.banner"
    assert "because of div.banner" in finding.title


def test_m102_skips_hidden_overflow_and_pages_without_mobile_viewport() -> None:
    hidden = facts(view=viewport(scroll=700, overflow_x="hidden"))
    no_meta = facts(view=viewport([], client=980, scroll=980))
    assert check("M102", on("mobile", observed(0, screen=hidden), observed(1, path="/b", screen=no_meta))) == []


def test_m102_on_desktop_compares_with_the_window_without_scroll_bar() -> None:
    desktop = viewport(scroll=1366, client=1351, device_width=1366)
    [finding] = check("M102", on("desktop", observed(0, screen=facts(view=desktop))))
    assert finding.evidence["screen_width"] == 1351 and finding.severity == "minor"
    fits = viewport(scroll=1366, client=1366, device_width=1366)
    assert check("M102", on("desktop", observed(0, screen=facts(view=fits)))) == []


# ---------------------------------------------------------------------------- M103


@pytest.mark.parametrize(
    ("item", "small"),
    [
        (tap("Big", 24, 24, gap=0), False),
        (tap("Alone", 16, 16), False),  # spacing exception: nothing within a 24 px circle
        (tap("Spaced", 16, 16, gap=12), False),
        (tap("Touching", 16, 16, gap=11.9), True),  # the circle (radius 12) reaches another target
        (tap("Pair", 16, 16, near=[[23, 16]]), True),  # two small targets' circles overlap
        (tap("Pair", 16, 16, near=[[24, 16]]), False),
        (tap("Beside big", 16, 16, near=[[20, 30]]), False),  # only small neighbours' circles count
        (tap("Box", 13, 13, gap=4, label_box=[200, 44]), False),  # its label is a big enough target
        (tap("Box", 13, 13, gap=4, label_box=[200, 18]), True),
    ],
)
def test_m103_wcag_2_5_8_definition(item: dict[str, Any], small: bool) -> None:
    assert too_small(item, 24) is small


def test_m103_reports_names_and_sizes_on_mobile_only() -> None:
    items = [tap("Print", 18, 18, gap=4), tap("Share", 18, 18, gap=4), tap("Alone", 10, 10)]
    [finding] = check("M103", on("mobile", observed(0, screen=facts(taps=items))))
    assert finding.severity == "minor"
    assert finding.evidence["count"] == 2
    assert finding.evidence["targets"] == [
        {"name": "Print", "selector": "button.print", "width": 18, "height": 18},
        {"name": "Share", "selector": "button.share", "width": 18, "height": 18},
    ]
    assert check("M103", on("desktop", observed(0, screen=facts(taps=items)))) == []


def test_m103_threshold_comes_from_the_settings() -> None:
    items = [tap("Menu", 32, 32, gap=2)]
    assert check("M103", on("mobile", observed(0, screen=facts(taps=items)))) == []
    [finding] = check("M103", on("mobile", observed(0, screen=facts(taps=items)), thresholds={"tap_target_px": 44}))
    assert finding.evidence["minimum_px"] == 44


# ---------------------------------------------------------------------------- M104


@pytest.mark.parametrize(
    ("sizes", "fires"),
    [
        ({"16": 600, "11": 400}, False),  # 40 %: Lighthouse still passes (60 % legible)
        ({"16": 590, "11": 410}, True),
        ({"16": 20, "10": 30}, False),  # a tiny page: 30 small characters are not "the text"
        ({"12": 100, "16": 10}, False),  # 12 px is not under 12 px
        ({"11.5": 300, "16": 100}, True),
    ],
)
def test_m104_weighs_small_characters_like_lighthouse(sizes: dict[str, int], fires: bool) -> None:
    found = check("M104", on("mobile", observed(0, screen=facts(sizes=sizes))))
    assert bool(found) is fires


def test_m104_evidence_and_settings() -> None:
    small = [
        {"sel": "p.legal", "px": 10, "chars": 300, "text": "Terms apply"},
        {"sel": "span.note", "px": 13, "chars": 100, "text": "Note"},
    ]
    screen = facts(sizes={"10": 300, "13": 100, "16": 100}, small=small)
    [finding] = check("M104", on("mobile", observed(0, screen=screen)))
    assert finding.evidence["small_share"] == 0.6 and finding.evidence["small_chars"] == 300
    assert [e["selector"] for e in finding.evidence["examples"]] == ["p.legal"]  # 13 px is not small
    [finding] = check("M104", on("mobile", observed(0, screen=screen), thresholds={"min_font_px": 14}))
    assert finding.evidence["small_share"] == 0.8
    assert check("M104", on("mobile", observed(0, screen=screen), thresholds={"small_text_share": 0.7})) == []
    assert check("M104", on("desktop", observed(0, screen=screen))) == []


def test_m104_leaves_pages_without_mobile_viewport_to_m101() -> None:
    screen = facts(view=viewport([], client=980), sizes={"10": 900})
    assert check("M104", on("mobile", observed(0, screen=screen))) == []


# ---------------------------------------------------------------------------- M105


@pytest.mark.parametrize(
    ("field", "kind"),
    [
        ({"label": "Mobile number"}, "phone number"),
        ({"label": "Mobilnummer"}, "phone number"),
        ({"label": "Telefon"}, "phone number"),
        ({"name": "phone_number"}, "phone number"),
        ({"autocomplete": "shipping tel"}, "phone number"),
        ({"name": "cardNumber"}, "card number"),
        ({"label": "Kortnummer"}, "card number"),
        ({"label": "CVC"}, "card number"),
        ({"autocomplete": "cc-number"}, "card number"),
        ({"label": "Kontonummer"}, "account number"),
        ({"label": "Account number"}, "account number"),
        ({"label": "Kundenummer"}, "customer number"),
        ({"label": "Kundnummer"}, "customer number"),
        ({"label": "Customer number", "name": "username"}, "customer number"),
        ({"label": "Målernummer"}, "customer number"),
        ({"label": "Fødselsnummer (11 siffer)"}, "national id number"),
        ({"label": "Personnummer"}, "national id number"),
        ({"label": "Postnummer"}, "postcode"),
        ({"label": "ZIP code"}, "postcode"),
        ({"label": "Postcode", "pattern": "[0-9]{4}"}, "postcode"),
        ({"label": "Postal code", "placeholder": "0150"}, "postcode"),
        ({"label": "Beløp"}, "amount"),
        ({"label": "Amount (NOK)"}, "amount"),
        ({"label": "Engangskode fra SMS"}, "one-time code or PIN"),
        ({"autocomplete": "one-time-code"}, "one-time code or PIN"),
        ({"label": "PIN", "type": "password"}, "one-time code or PIN"),
        ({"label": "Reference", "pattern": "\\d{11}"}, None),  # "reference" may hold letters
        ({"label": "Code", "pattern": "[0-9]*"}, "number"),
        # Fields that take letters, or are not about a number at all.
        ({"label": "E-post eller mobilnummer"}, None),
        ({"label": "Phone or e-mail"}, None),
        ({"label": "Brukernavn eller telefon"}, None),
        ({"label": "Login", "name": "email_or_phone"}, None),
        ({"label": "Postcode"}, None),  # UK and Canadian postcodes have letters
        ({"label": "Postal code", "autocomplete": "postal-code"}, None),
        ({"label": "Discount code"}, None),
        ({"label": "Gift card number"}, None),
        ({"label": "IBAN account number"}, None),
        ({"label": "Card holder name"}, None),
        ({"label": "Password", "type": "password"}, None),
        ({"label": "Summary of your request"}, None),
        ({"label": "Street address"}, None),
        ({"label": "Search", "pattern": "[A-Za-z0-9]+"}, None),
        # Fields that already open a number pad.
        ({"label": "Customer number", "inputmode": "numeric"}, None),
        ({"label": "Amount", "inputmode": "Decimal"}, None),
        ({"label": "Phone", "type": "tel"}, None),
        ({"label": "Amount", "type": "number"}, None),
    ],
)
def test_numeric_kind(field: dict[str, Any], kind: str | None) -> None:
    assert numeric_kind({"type": "text", **field}) == kind


def test_m105_one_finding_per_screen_and_each_field_once() -> None:
    phone = {"sel": "input#phone", "type": "text", "name": "phone", "label": "Mobile number"}
    card = {"sel": "input#card", "type": "text", "name": "card", "label": "Card number"}
    observations = on(
        "mobile",
        observed(0, screen=facts(fields=[phone, card])),
        observed(1, field=phone),  # the same field, filled on the same screen: already reported
        observed(2, path="/other", screen=facts(fields=[phone])),  # another screen: its own finding
    )
    found = check("M105", observations)
    assert [f.step for f in found] == [0, 2]
    assert [(f["field"], f["fix"]) for f in found[0].evidence["fields"]] == [
        ("Mobile number", 'type="tel"'),
        ("Card number", 'inputmode="numeric" autocomplete="cc-number"'),
    ]
    assert check("M105", on("desktop", observed(0, screen=facts(fields=[phone, card])))) == []


# ---------------------------------------------------------------------------- M106


def far(step_index: int, top: int, height: int = 839) -> dict[str, Any]:
    return {
        "step": step_index,
        "target": 'button "Pay"',
        "top": top,
        "height": 48,
        "viewport_height": height,
        "scroll_y": 0,
    }


@pytest.mark.parametrize(("top", "fires"), [(2517, False), (2518, True), (-5000, False), (0, False)])
def test_m106_more_than_three_screens(top: int, fires: bool) -> None:
    observations = on("mobile", observed(0, label="Open /terms", next=far(1, top)), observed(1, label="Click Pay"))
    found = check("M106", observations)
    assert bool(found) is fires
    if fires:
        [finding] = found
        assert finding.step == 0 and finding.evidence["next_label"] == "Click Pay"
        assert finding.title == "“Click Pay” is 3.0 screens down after “Open /terms”"


def test_m106_applies_on_desktop_and_reads_the_threshold() -> None:
    observations = on("desktop", observed(0, next=far(1, 1600, 768)), observed(1))
    assert check("M106", observations) == []
    observations = on("desktop", observed(0, next=far(1, 1600, 768)), observed(1), thresholds={"screens_below_fold": 2})
    [finding] = check("M106", observations)
    assert finding.evidence["screens"] == 2.1 and finding.evidence["limit"] == 2


# ---------------------------------------------------------------------------- all of them


def test_skipped_steps_and_steps_without_facts_are_ignored() -> None:
    bad = facts(
        view=viewport([], scroll=900),
        taps=[tap("X", 5, 5, gap=1)],
        sizes={"9": 1000},
        fields=[{"sel": "input", "type": "text", "label": "Phone"}],
    )
    skipped = observed(0, screen=bad, next=far(1, 99999))
    skipped.status = "skipped"
    plain = step(1)
    junk = observed(2, screen="not a dict", next=None)
    observations = on("mobile", skipped, plain, junk)
    for code in ("M101", "M102", "M103", "M104", "M105", "M106"):
        assert check(code, observations) == [], code


def test_journey_run_viewport_is_the_fallback_screen_width() -> None:
    observations = on("mobile", observed(0, screen=facts(view=viewport(scroll=500, device_width=None))))
    observations.channels[0].viewport = {}
    observations.runs = [JourneyRun(**{**observations.runs[0].model_dump(), "viewport": {"width": 400, "height": 800}})]
    [finding] = check("M102", observations)
    assert finding.evidence["screen_width"] == 400
