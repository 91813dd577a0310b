"""The reports, rendered from saved observations: Markdown (exact text) and the terminal at 80 columns.

The Markdown report of ``tests/fixtures/small-run/results.json`` is compared with
``tests/fixtures/small-run/report.md``. After an intended change to the report, the rules' wording or
the ranking, regenerate it and review the diff::

    FRICTIONAUDIT_REGENERATE=1 python -m pytest tests/test_render.py
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from pathlib import Path

from rich.console import Console

from frictionaudit.analysis import Analysis, analyse
from frictionaudit.audit.model import Finding
from frictionaudit.audit.registry import AuditContext, rule
from frictionaudit.render.markdown import render_markdown
from frictionaudit.render.terminal import render_terminal
from frictionaudit.results import load_results
from tests.observations import console, req, results, run, step

SMALL_RUN = Path(__file__).parent / "fixtures" / "small-run"
REGENERATE = os.environ.get("FRICTIONAUDIT_REGENERATE") == "1"


def small_run() -> Analysis:
    saved, _ = load_results(SMALL_RUN)
    return analyse(saved)


def terminal(analysis: Analysis, width: int = 80) -> str:
    out = Console(width=width, record=True, color_system=None, file=io.StringIO())
    render_terminal(analysis, out)
    return out.export_text()


def words(text: str) -> str:
    return " ".join(text.split())


def table_rows(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith("|")]


def unescaped_pipes(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


# Markdown -----------------------------------------------------------------------------------------


def test_markdown_report_of_the_small_run() -> None:
    expected_file = SMALL_RUN / "report.md"
    rendered = render_markdown(small_run())
    if REGENERATE:
        expected_file.write_text(rendered, encoding="utf-8")
    assert rendered == expected_file.read_text(encoding="utf-8")


def test_markdown_is_the_same_from_the_same_results() -> None:
    assert render_markdown(small_run()) == render_markdown(small_run())


def fix_numbers(markdown: str) -> list[str]:
    return [row.split("|")[1].strip() for row in table_rows(markdown) if re.match(r"\| \d+ \| \D", row)]


def test_markdown_lists_only_max_fixes() -> None:
    analysis = small_run()
    rendered = render_markdown(analysis, max_fixes=2)
    rank = {f.id: str(i) for i, f in enumerate(analysis.fixes, start=1)}
    expected = [rank[f.id] for f in analysis.small_fixes[:2]] + [rank[f.id] for f in analysis.big_fixes[:2]]
    assert fix_numbers(rendered) == expected  # two small fixes, then two bigger ones
    assert len(analysis.small_fixes) == 3
    assert "…and 1 more small fixes in report.html." in rendered


def test_markdown_puts_small_fixes_first_and_big_ones_apart_with_their_inputs() -> None:
    rendered = render_markdown(small_run())
    assert rendered.index("## Fix next") < rendered.index("## Bigger fixes") < rendered.index("## Journeys")
    next_part = rendered[rendered.index("## Fix next") : rendered.index("## Bigger fixes")]
    assert " | S | " in next_part and " | M | " not in next_part
    assert "| 1 | Script http://127.0.0.1:9/tracker.js fails" in next_part
    assert "**3.3** = 10 × 0.70 × 0.95 ÷ 2 |" in next_part


def hostile() -> Analysis:
    """Names and messages that would break a Markdown table or inject HTML."""
    observations = results(
        run(
            "pay",
            "desktop",
            step(
                0,
                "Click “Pay | now” <em>",
                duration=9.0,
                title="<script>alert('title')</script> | Shop\nnext",
                console=[console("<script>alert(1)</script> | a\nb")],
            ),
        ),
        run(
            "pay",
            "mobile",
            step(0, "Click “Pay | now” <em>", status="failed"),
            blocked_at=0,
            reason="expected text 'A | B'\r\n<b>bold</b>\nsecond line",
        ),
        journeys={"pay": "Pay | <script>alert(2)</script>\nnow"},
    )
    return analyse(observations)


def test_markdown_escapes_pipes_html_and_line_breaks() -> None:
    analysis = hostile()
    rendered = render_markdown(analysis)
    assert "<script>" not in rendered and "<b>" not in rendered and "<em>" not in rendered
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in rendered
    assert "\r" not in rendered
    lines = rendered.splitlines()
    for i, line in enumerate(lines[:-1]):
        if line.startswith("|"):  # a row never spills onto the next line
            assert lines[i + 1] == "" or lines[i + 1].startswith("|"), lines[i + 1]
    rows = table_rows(rendered)
    journeys = [r for r in rows if r.startswith("| Pay \\| &lt;script&gt;") and ("✅" in r or "⛔" in r)]
    assert len(journeys) == 2
    assert all(unescaped_pipes(r) == 8 for r in journeys)  # 7 columns
    fixes = [r for r in rows if re.match(r"\| \d+ \| \D", r)]
    assert len(fixes) == len(analysis.fixes) >= 3
    assert all(unescaped_pipes(r) == 7 for r in fixes)  # 6 columns
    assert "expected text 'A \\| B' &lt;b&gt;bold&lt;/b&gt; second line" in rendered
    for line in lines:
        if line.startswith("1. "):
            assert unescaped_pipes(line) == 0


def test_markdown_without_findings_says_so() -> None:
    rendered = render_markdown(analyse(results(run("pay", "desktop", step(0), step(1)))))
    assert "**1 journey run, no friction found.**" in rendered
    assert "Nothing to fix: no rule found friction in this run." in rendered
    assert "## Bigger fixes" not in rendered and "## Fix next" not in rendered


def test_a_failed_rule_is_reported(restore_rules: None) -> None:
    @rule("X999", "broken", "Broken rule", category="test", severity="minor", effort="XS", confidence=1.0)
    def broken(ctx: AuditContext) -> Iterator[Finding]:
        raise KeyError("a | <b>")
        yield

    analysis = analyse(results(run("pay", "desktop", step(0))))
    rendered = render_markdown(analysis)
    assert "## Rules that failed\n\n- `X999`: KeyError: 'a \\| &lt;b&gt;'\n" in rendered
    assert "rule X999 failed and was skipped: KeyError: 'a | <b>'" in terminal(analysis)


# Terminal -----------------------------------------------------------------------------------------


def test_terminal_at_80_columns() -> None:
    analysis = small_run()
    text = terminal(analysis)
    assert words(analysis.verdict()) in words(text)
    assert words(text).endswith(words(analysis.verdict()))
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "Fix next: small fixes" in text and "Bigger fixes: plan these" in text
    assert text.index("Fix next") < text.index("Bigger fixes") < text.index("Why #1 first")
    assert "│1 │ Script http://127.0.0.1:9/tracker.js fails" in text
    assert "Why #1 first: priority 3.3 = 10 (severity major) × 0.70 (reach, 1 place) × 0.95" in words(text)
    assert "download on mobile at step 2: no link named 'Download PDF' is visible" in text


def test_terminal_keeps_long_names_within_80_columns() -> None:
    long_url = "https://shop.test/" + "x" * 150 + ".png"
    observations = results(
        run(
            "a-journey-with-a-very-long-identifier-that-never-ends",
            "a-channel-with-a-long-name",
            step(0, "L" * 120, requests=[req(long_url, 404, "image")]),
            step(1, "Open [bold]markup[/bold]", status="failed"),
            blocked_at=1,
            reason="timeout waiting for " + long_url,
        ),
        journeys={"a-journey-with-a-very-long-identifier-that-never-ends": "N" * 90},
    )
    text = terminal(analyse(observations))
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "[bold]markup[/bold]" in words(text).replace(" ", "")


def test_terminal_without_findings_says_so() -> None:
    text = terminal(analyse(results(run("pay", "desktop", step(0)))))
    assert "1 journey run, no friction found." in text
    assert "Fixes" not in text


def test_terminal_says_the_run_was_interrupted_before_the_verdict() -> None:
    observations = results(
        run("pay", "desktop", step(0)),
        interrupted=True,
        unfinished=[f"journey-{i}@mobile" for i in range(20)],
    )
    text = terminal(analyse(observations))
    assert max(len(line) for line in text.splitlines()) <= 80
    notice = "This run was interrupted: 1 of 21 journey runs finished; the findings cover only those."
    assert words(text).endswith(
        f"{notice} Not finished: {', '.join(f'journey-{i}@mobile' for i in range(12))} "
        "and 8 more 1 journey run, no friction found."
    )
    assert "interrupted" not in terminal(analyse(results(run("pay", "desktop", step(0)))))
