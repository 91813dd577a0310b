"""The accessibility probe (axe-core) and rule A101 against a real Chromium and tests/site/a11y-*.html.

Planted: a header logo without a text alternative on two screens (``a11y-image-alt.html`` and
``-2``), light grey text (``a11y-contrast.html``), 14-pixel buttons side by side
(``a11y-target-size.html``). ``a11y-clean.html`` has the traps real pages have, done right: a parked
skip link, a sticky header, an SVG icon button with a name, a text fading in, an endless spinner, a
hidden honeypot field, a lazy image far below, a fixed cookie banner. ``a11y-blocked.html`` owns a
frozen ``window.axe`` so axe-core cannot run there.
"""

from __future__ import annotations

import pytest
from conftest import Replay, SiteServer, audit_only, saved_run

from frictionaudit.audit.model import Finding
from frictionaudit.rank import rank
from frictionaudit.results import JourneyRun, RunResults

pytestmark = pytest.mark.browser

PLANTED = [
    "goto: /a11y-image-alt.html",
    "goto: /a11y-contrast.html",
    "goto: /a11y-image-alt-2.html",
    "goto: /a11y-target-size.html",
    "goto: /a11y-image-alt.html",  # the same screen again: not scanned twice
]


def saved(run: JourneyRun, site: SiteServer) -> RunResults:
    return saved_run(run, site.url)


def findings(data: RunResults) -> list[Finding]:
    return audit_only(data, ["A101"])


@pytest.mark.parametrize("channel", ["desktop", "mobile"])
def test_a101_planted_violations(replay: Replay, site: SiteServer, channel: str) -> None:
    run = replay(PLANTED, channel=channel)
    assert run.status == "completed" and run.probe_errors == []
    assert run.steps[0].extra["a11y"]["engine"] == "axe-core 4.12.1"
    assert "a11y" not in run.steps[4].extra  # a screen already scanned in this run
    data = saved(run, site)
    found = findings(data)
    by_rule = {(f.evidence["axe_rule"], f.step) for f in found}
    expected = {("image-alt", 0), ("color-contrast", 1), ("image-alt", 2)}
    if channel == "desktop":  # on phones, WCAG 2.5.8 target size is M103's
        expected.add(("target-size", 3))
    assert by_rule == expected
    assert all(f.severity == "major" and f.rule == "A101" for f in found)

    logo = [f for f in found if f.evidence["axe_rule"] == "image-alt"]
    assert {f.root_cause for f in logo} == {"image-alt img"}
    assert logo[0].evidence["wcag"] == ["1.1.1"] and logo[0].evidence["nodes"][0]["html"].startswith("<img")
    assert logo[0].evidence["help_url"] == "https://dequeuniversity.com/rules/axe/4.12/image-alt"

    [contrast] = [f for f in found if f.evidence["axe_rule"] == "color-contrast"]
    assert contrast.root_cause == "color-contrast #aaaaaa on #ffffff" and contrast.evidence["elements"] == 2
    assert contrast.evidence["nodes"][0]["data"]["contrastRatio"] == 2.32

    [logo_fix] = [fix for fix in rank(found, data) if fix.occurrences[0].evidence["axe_rule"] == "image-alt"]
    assert [o.step for o in logo_fix.occurrences] == [0, 2]  # one fix, two screens


@pytest.mark.parametrize("channel", ["desktop", "mobile"])
def test_a101_is_silent_on_clean_pages(replay: Replay, site: SiteServer, channel: str) -> None:
    run = replay(["goto: /a11y-clean.html", "goto: /clean.html"], channel=channel)
    assert run.probe_errors == []
    assert run.steps[0].extra["a11y"]["violations"] == []
    # clean.html has no <main>: axe's best-practice advice is recorded, but it is not a finding.
    assert [v["id"] for v in run.steps[1].extra["a11y"]["violations"]] == ["landmark-one-main"]
    assert findings(saved(run, site)) == []


def test_axe_that_cannot_run_is_a_probe_problem_not_a_failed_step(replay: Replay, site: SiteServer) -> None:
    run = replay(["goto: /a11y-blocked.html", "goto: /clean.html"])
    assert run.status == "completed" and [s.status for s in run.steps] == ["ok", "ok"]
    [problem] = run.probe_errors
    assert problem.startswith("a11y at step 1: RuntimeError: axe-core could not run on this page")
    assert "a11y" not in run.steps[0].extra and "a11y" in run.steps[1].extra
    assert findings(saved(run, site)) == []
