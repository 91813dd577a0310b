"""report.html in a real browser: opened from disk, it renders, logs no error, fetches nothing, and a
hostile page's title, console text, URLs and captured text cannot run script in it, nor can hostile
run ids in the history its trend chart is drawn from, nor the names of the runs an interrupted run
did not finish.

Every request the report makes is routed: anything but the file itself fails the test. A payload
that ran would set ``window.pwned`` or log a console error; neither may happen.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from frictionaudit.analysis import analyse
from frictionaudit.history import record_run
from frictionaudit.render.html import render_html
from tests.golden import GOLDEN, golden_analysis
from tests.observations import console, page_error, req, results, run, step

pytestmark = pytest.mark.browser

PAYLOADS = [
    "<script>window.pwned='script';console.error('pwned by script')</script>",
    "<img src=x onerror=\"window.pwned='img';console.error('pwned by img')\">",
    '"><svg onload="window.pwned=\'svg\'">',
    "</style><script>window.pwned='style'</script>",
    "javascript:window.pwned='href'",
]
PAYLOAD = " ".join(PAYLOADS)


async def open_report(browser: Any, path: Path, viewport: dict[str, int] | None = None) -> dict[str, Any]:
    """Open ``path`` from disk; return what a reader and the page saw."""
    context = await browser.new_context(viewport=viewport or {"width": 1366, "height": 768})
    page = await context.new_page()
    seen: dict[str, Any] = {"requests": [], "blocked": [], "console": [], "errors": []}

    async def route(r: Any) -> None:
        url = r.request.url
        seen["requests"].append(url)
        if url.startswith("file:"):
            await r.continue_()
        else:
            seen["blocked"].append(url)
            await r.abort()

    await context.route("**/*", route)
    page.on("console", lambda m: seen["console"].append((m.type, m.text)))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    try:
        await page.goto(path.resolve().as_uri())
        await page.wait_for_load_state("load")
        # Open every fix's evidence, as a reader would, and follow the first screenshot link.
        await page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        thumb = page.locator("a.thumb").first
        if await thumb.count():
            await thumb.click()
        await page.wait_for_timeout(100)
        seen["pwned"] = await page.evaluate("window.pwned ?? null")
        seen["title"] = await page.title()
        seen["h1"] = await page.locator("h1").inner_text()
        seen["first"] = await page.locator("section.first").inner_text()
        seen["text"] = await page.locator("body").inner_text()
        seen["images"] = await page.evaluate(
            """() => [...document.querySelectorAll('a.thumb')].map(a => {
                const r = a.getBoundingClientRect();
                return [getComputedStyle(a).backgroundImage.slice(0, 22), Math.round(r.width), Math.round(r.height)];
            })"""
        )
        seen["scripts"] = await page.evaluate("document.scripts.length")
        seen["charts"] = await page.evaluate(
            """() => [...document.querySelectorAll('svg')].map(s => {
                const r = s.getBoundingClientRect();
                return [s.getAttribute('class'), Math.round(r.width), Math.round(r.height)];
            })"""
        )
        notice = page.locator("section.interrupted")
        seen["notice"] = await notice.inner_text() if await notice.count() else None
        seen["overflow"] = await page.evaluate("document.documentElement.scrollWidth - innerWidth")
    finally:
        await context.close()
    return seen


def golden_report(folder: Path, *, history: bool = False) -> Path:
    """The golden run's HTML report, rendered now (the screenshots come from tests/fixtures/golden).

    With ``history``, two earlier runs are recorded first: the report shows the trend chart.
    """
    db = None
    if history:
        db = folder / "history.sqlite"
        for run_id in ("before-1", "before-2"):
            record_run(db, analyse(golden_analysis().results.model_copy(update={"run_id": run_id})))
    report = folder / "report.html"
    report.write_text(render_html(golden_analysis(), GOLDEN, history=db), encoding="utf-8")
    return report


def test_the_golden_report_renders_offline_from_disk(aio: Any, shared_browser: Any, tmp_path: Path) -> None:
    seen = aio.run(open_report(shared_browser, golden_report(tmp_path)))
    assert seen["blocked"] == []
    assert all(url.startswith("file:") for url in seen["requests"])
    assert seen["console"] == [] and seen["errors"] == []
    assert seen["scripts"] == 0
    assert seen["charts"] == [] and seen["notice"] is None  # no history given, a run that finished
    analysis = golden_analysis()
    assert seen["title"] == "Friction report · demo"
    assert seen["h1"] == analysis.status_line()
    first = analysis.first_fix
    assert first is not None
    assert first.title in seen["first"] and "Why first" in seen["first"]
    assert f"{first.priority:.1f}" in seen["first"]
    # Screenshots are embedded images with a real size, not broken boxes.
    assert len(seen["images"]) >= 10
    assert all(bg.startswith('url("data:image/') and w > 50 and h > 50 for bg, w, h in seen["images"])


def hostile_run(folder: Path) -> Path:
    """A saved run whose page data is all script: titles, console text, URLs, captured text, a reason."""
    observations = results(
        run(
            "pay",
            "desktop",
            step(
                0,
                f"Click {PAYLOAD}",
                title=PAYLOAD,
                path="/x?q=" + PAYLOAD,
                console=[console(f"Uncaught {PAYLOAD}")],
                page_errors=[page_error(PAYLOAD, name="Error", stack=PAYLOAD)],
                requests=[req("/img/" + PAYLOAD, 404, "image")],
                duration=7.0,
            ),
        ),
        run("pay", "mobile", step(0, title=PAYLOAD, status="failed"), blocked_at=0, reason=PAYLOAD),
        journeys={"pay": PAYLOAD},
    )
    observations.base_url = PAYLOAD
    observations.browser = PAYLOAD
    observations.runs[0].steps[0].captured = {"amount": PAYLOAD}
    observations.runs[0].steps[0].screenshot = None
    observations.runs[1].steps[0].screenshot = None
    folder.mkdir(parents=True, exist_ok=True)
    history = folder / "history.sqlite"
    for run_id in (PAYLOADS[0], PAYLOADS[2]):  # earlier runs: the trend chart shows their ids
        record_run(history, analyse(observations.model_copy(update={"run_id": run_id})))
    observations.run_id = PAYLOADS[1]
    observations.interrupted = True
    observations.unfinished = [f"pay@{PAYLOAD}", f"{PAYLOAD}@mobile"]
    report = folder / "report.html"
    report.write_text(render_html(analyse(observations), folder, history=history), encoding="utf-8")
    return report


def test_a_hostile_page_cannot_run_script_in_the_report(aio: Any, shared_browser: Any, tmp_path: Path) -> None:
    seen = aio.run(open_report(shared_browser, hostile_run(tmp_path)))
    assert seen["pwned"] is None
    assert seen["console"] == [] and seen["errors"] == []
    assert seen["blocked"] == [] and seen["scripts"] == 0
    # The payloads are there, as text a consultant can read.
    assert "<script>window.pwned='script'" in seen["text"]
    assert "onerror=\"window.pwned='img'" in seen["text"]
    # The interrupted notice and the trend chart show, their page data as text.
    assert seen["notice"] and "This run was interrupted: 2 of 4 journey runs finished" in seen["notice"]
    assert f"Not finished: pay@{PAYLOADS[0]}" in seen["notice"]
    assert [c for c, _, _ in seen["charts"]] == ["fa-trend"]
    assert all(w > 100 and h > 30 for _, w, h in seen["charts"])


def test_the_report_reads_on_a_phone(aio: Any, shared_browser: Any, tmp_path: Path) -> None:
    report = golden_report(tmp_path, history=True)
    seen = aio.run(open_report(shared_browser, report, viewport={"width": 412, "height": 839}))
    assert seen["console"] == [] and seen["errors"] == []
    assert seen["blocked"] == [] and seen["scripts"] == 0
    assert "Why first" in seen["first"]
    [(css, width, height)] = seen["charts"]  # the trend chart, within the phone's width
    assert css == "fa-trend" and 100 < width <= 412 and height > 30
    assert seen["overflow"] <= 0  # nothing wider than the phone: wide tables scroll inside their card
