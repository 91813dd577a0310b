"""The golden report: a saved demo run in ``tests/fixtures/golden/`` and the reports made from it.

``tests/test_reports.py`` re-renders every format from ``tests/fixtures/golden/results.json`` on each
test run and compares the text with the stored ``report.md``, ``report.json``, ``junit.xml`` and
``report.html`` (byte for byte: nothing in them depends on when they were rendered).

After an intended change to a report, a rule or the ranking, re-render and review the diff::

    FRICTIONAUDIT_REGENERATE=1 python -m pytest tests/test_reports.py

To take a fresh saved run (after a change to what gather records)::

    frictionaudit demo --out /tmp/golden --quiet
    python -m tests.golden /tmp/golden/demo

which copies ``results.json`` and the screenshots the HTML report shows (shrunk to a fifth of
their width by the browser, so the fixture stays small) and re-renders the outputs.
"""

from __future__ import annotations

import asyncio
import base64
import shutil
import sys
from pathlib import Path

from frictionaudit.analysis import Analysis, analyse
from frictionaudit.pipeline import render_report
from frictionaudit.results import load_results

GOLDEN = Path(__file__).resolve().parent / "fixtures" / "golden"
FAIL_ON = "major"
OUTPUTS = {"report.md": "md", "report.json": "json", "junit.xml": "junit", "report.html": "html"}


def golden_analysis() -> Analysis:
    results, _ = load_results(GOLDEN)
    return analyse(results)


def render_all(analysis: Analysis | None = None) -> dict[str, str]:
    analysis = analysis or golden_analysis()
    return {name: render_report(analysis, fmt, GOLDEN, FAIL_ON) for name, fmt in OUTPUTS.items()}


def write_outputs() -> None:
    for name, text in render_all().items():
        (GOLDEN / name).write_text(text, encoding="utf-8")


async def _shrink(files: dict[Path, Path], scale: float = 0.2) -> None:
    from playwright.async_api import async_playwright

    from frictionaudit.gather.browser import launch

    async with async_playwright() as playwright:
        browser, _ = await launch(playwright)
        page = await browser.new_page()
        for source, target in files.items():
            data = base64.b64encode(source.read_bytes()).decode()
            await page.set_content(f'<body style="margin:0"><img id="i" src="data:image/jpeg;base64,{data}"></body>')
            size = await page.evaluate("[i.naturalWidth, i.naturalHeight]")
            width, height = max(1, round(size[0] * scale)), max(1, round(size[1] * scale))
            await page.evaluate(f"i.style.width = '{width}px'; i.style.height = '{height}px'")
            target.parent.mkdir(parents=True, exist_ok=True)
            await page.locator("#i").screenshot(path=str(target), type="jpeg", quality=50)
        await browser.close()


def refresh(run_dir: Path) -> None:
    """Replace the golden run with ``run_dir`` (a demo run folder) and re-render the outputs."""
    from frictionaudit.render.html import screenshots_shown

    results, run_dir = load_results(run_dir)
    shown = screenshots_shown(analyse(results), run_dir)
    if (GOLDEN / "screens").exists():
        shutil.rmtree(GOLDEN / "screens")
    GOLDEN.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(run_dir / "results.json", GOLDEN / "results.json")
    asyncio.run(_shrink({run_dir / path: GOLDEN / path for path in shown}))
    write_outputs()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m tests.golden RUN_FOLDER   (e.g. /tmp/golden/demo)")
    refresh(Path(sys.argv[1]))
