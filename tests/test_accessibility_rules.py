"""Rule A101 (axe-core violations) on hand-made observations: no browser."""

from __future__ import annotations

from typing import Any

import pytest
from observations import results, run, step

from frictionaudit.audit.model import Finding
from frictionaudit.audit.registry import all_rules, audit
from frictionaudit.audit.rules.accessibility import normalise_selector, severity_of, wcag_criteria
from frictionaudit.rank import rank
from frictionaudit.results import ChannelInfo, RunResults, StepResult


def node(target: str, **data: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"target": target, "html": f"<x-{target}>", "summary": "Fix any of the following: ..."}
    if data:
        found["data"] = data
    return found


def violation(axe_rule: str, impact: str, *nodes: dict[str, Any], tags: tuple[str, ...] = ("wcag2a",)) -> dict:
    return {
        "id": axe_rule,
        "impact": impact,
        "help": f"Help for {axe_rule}",
        "help_url": f"https://dequeuniversity.com/rules/axe/4.12/{axe_rule}",
        "tags": list(tags),
        "count": len(nodes),
        "nodes": list(nodes),
    }


def screen(index: int, path: str, *violations: dict, new_screen: bool = True) -> StepResult:
    s = step(index, f"Open {path}", action="goto", path=path)
    s.new_screen = new_screen
    s.extra["a11y"] = {"engine": "axe-core 4.12.1", "seconds": 0.1, "violations": list(violations)}
    return s


def found(data: RunResults) -> list[Finding]:
    return audit(data, disabled=[c for c in all_rules() if c != "A101"]).findings


IMAGE_ALT = violation("image-alt", "critical", node("header > img.logo"), tags=("wcag2a", "wcag111"))


def test_a101_one_finding_per_rule_and_element() -> None:
    [finding] = found(results(run("shop", "desktop", screen(0, "/", IMAGE_ALT))))
    assert (finding.rule, finding.severity, finding.step, finding.category) == ("A101", "major", 0, "accessibility")
    assert finding.title == "Help for image-alt on /: 1 element (header > img.logo)"
    assert finding.fix_title == "Help for image-alt: header > img.logo"
    assert finding.root_cause == "image-alt header > img.logo"
    assert finding.evidence["wcag"] == ["1.1.1"]
    assert finding.evidence["help_url"].endswith("/image-alt")
    assert finding.evidence["nodes"][0]["html"] == "<x-header > img.logo>"


def test_a101_same_element_on_screens_and_channels_is_one_fix() -> None:
    data = results(
        run("shop", "desktop", screen(0, "/", IMAGE_ALT), screen(1, "/prices", IMAGE_ALT)),
        run("shop", "mobile", screen(0, "/", IMAGE_ALT)),
    )
    findings = found(data)
    assert len(findings) == 3
    [fix] = rank(findings, data)
    assert fix.channels == ["desktop", "mobile"] and len(fix.occurrences) == 3


@pytest.mark.parametrize(
    ("impact", "tags", "expected"),
    [
        ("critical", ["wcag2a"], "major"),
        ("serious", ["wcag2aa", "wcag143"], "major"),
        ("moderate", ["wcag21a"], "minor"),
        ("minor", ["wcag22aa"], "cosmetic"),
        ("serious", ["best-practice"], "minor"),
        ("critical", ["best-practice"], "minor"),
        ("moderate", ["best-practice"], None),
        ("minor", ["best-practice"], None),
    ],
)
def test_a101_severity_from_axe_impact(impact: str, tags: list[str], expected: str | None) -> None:
    assert severity_of({"impact": impact, "tags": tags}) == expected


def test_a101_leaves_best_practice_structure_advice_and_titles_to_others() -> None:
    data = results(
        run(
            "shop",
            "desktop",
            screen(
                0,
                "/",
                violation("landmark-one-main", "moderate", node("html"), tags=("best-practice",)),
                violation("document-title", "serious", node("html"), tags=("wcag2a", "wcag242")),
            ),
        )
    )
    assert found(data) == []


def test_a101_target_size_is_m103s_on_mobile_channels() -> None:
    small = violation("target-size", "serious", node(".pager > button"), tags=("wcag22aa", "wcag258"))
    data = results(run("shop", "desktop", screen(0, "/", small)), run("shop", "mobile", screen(0, "/", small)))
    data.channels = [
        ChannelInfo(name="desktop", base_url="https://shop.test"),
        ChannelInfo(name="mobile", base_url="https://shop.test", is_mobile=True),
    ]
    assert [(f.channel, f.evidence["axe_rule"]) for f in found(data)] == [("desktop", "target-size")]


def test_a101_contrast_is_grouped_by_colour_pair() -> None:
    grey = {"fgColor": "#aaaaaa", "bgColor": "#ffffff", "contrastRatio": 2.32, "expectedContrastRatio": "4.5:1"}
    blue = {"fgColor": "#6699cc", "bgColor": "#ffffff", "contrastRatio": 2.9, "expectedContrastRatio": "4.5:1"}
    contrast = violation(
        "color-contrast",
        "serious",
        node("p.fine", **grey),
        node("footer > small", **grey),
        node(".tag", **blue),
        tags=("wcag2aa", "wcag143"),
    )
    findings = found(results(run("shop", "desktop", screen(0, "/", contrast))))
    assert sorted((f.root_cause, f.evidence["elements"]) for f in findings) == [
        ("color-contrast #6699cc on #ffffff", 1),
        ("color-contrast #aaaaaa on #ffffff", 2),
    ]


def test_a101_list_positions_fold_into_one_place() -> None:
    names = violation(
        "link-name", "serious", node("ul.cards > li:nth-child(3) > a"), node("ul.cards > li:nth-child(7) > a")
    )
    [finding] = found(results(run("shop", "desktop", screen(0, "/", names))))
    assert finding.root_cause == "link-name ul.cards > li > a" and finding.evidence["elements"] == 2


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("ul.products > li:nth-child(3) > a#buy-1234", "ul.products > li > a#buy-N"),
        ("h2:nth-of-type(2)", "h2"),
        ('button[aria-label="Page 4"]', 'button[aria-label="Page N"]'),
        ("#app > .css-1x2y3z", "#app > .css-NxNyNz"),
        ("  div   >  span ", "div > span"),
    ],
)
def test_normalise_selector(selector: str, expected: str) -> None:
    assert normalise_selector(selector) == expected


def test_wcag_criteria() -> None:
    assert wcag_criteria(["cat.color", "wcag2aa", "wcag143", "wcag1410", "best-practice"]) == ["1.4.3", "1.4.10"]


def test_a101_ignores_steps_without_a_scan() -> None:
    broken = screen(0, "/")
    broken.extra["a11y"] = "not a scan"
    none = step(1, "Click", path="/")
    assert found(results(run("shop", "desktop", broken, none))) == []


def test_a101_leaves_zoom_lock_to_m101() -> None:
    locked = violation("meta-viewport", "critical", node('meta[name="viewport"]'), tags=("wcag2aa", "wcag144"))
    assert found(results(run("shop", "mobile", screen(0, "/", locked)))) == []


def test_a101_leaves_fields_the_journey_fills_without_a_label_to_f109() -> None:
    labels = violation(
        "label",
        "critical",
        node("#phone") | {"html": '<input id="phone" name="phone" placeholder="Phone">'},
        node("#coupon") | {"html": '<input id="coupon" name="coupon">'},
        tags=("wcag2a", "wcag412"),
    )
    page = screen(0, "/details", labels)
    submit = step(1, "Click Save", path="/saved")
    submit.extra["forms"] = {
        "submit": {"from": "https://shop.test/details", "filled": [{"name": "phone", "id": "phone", "labelled": False}]}
    }
    [finding] = found(results(run("shop", "desktop", page, submit)))
    assert finding.root_cause == "label #coupon"  # the field the journey did not fill stays A101's
