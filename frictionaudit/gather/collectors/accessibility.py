"""The accessibility probe: axe-core's violations, once per distinct screen (rule A101 judges them).

axe-core (the copy bundled with ``axe-playwright-python``) is injected into the page only when the
page does not have it yet, and run with the WCAG 2.0/2.1/2.2 A and AA rules plus axe's
best-practice rules, with ``target-size`` (WCAG 2.2 SC 2.5.8, off by default in axe 4.x) turned on.
Three rules are turned off, as Lighthouse does:

- ``region`` ("all content inside landmarks"): fires on every node outside a landmark, so on
  nearly every cookie banner, and Lighthouse does not run it;
- ``nested-interactive``: false positives (dequelabs/axe-core#2958), off in Lighthouse;
- ``scrollable-region-focusable``: Chromium makes scrollable regions keyboard-focusable by itself
  (since Chrome 130), so the rule reports what customers do not meet; off in Lighthouse.

Iframes are not scanned (``iframes: false``): they are mostly third parties (payment fields, chat,
video), and a frame that never answers axe's messages would stall the scan. Before the scan, the
probe waits up to 0.5 s for web fonts and up to 1 s for finite CSS animations (a fading-in banner
measured halfway has a contrast it never keeps); afterwards it puts the scroll position back (axe
scrolls). Only violations are kept: needs-review ("incomplete") results are not findings.

A scan costs about 0.2 s (injecting axe's 570 kB source, then running it), as much as the rest of a
step. So a scan is reused within the process: one ``page.evaluate`` fingerprints the document (URL,
title, viewport, user agent, a hash of every element's tag, id and class, and the text length), and
a document already scanned under the same fingerprint, in another journey or a repeat, gets that
scan's violations (marked ``"reused": true``) without axe running again. A login page that five
journeys pass through is scanned once per channel; any change to its elements scans it again.

Recorded in ``StepResult.extra["a11y"]``, only on steps where ``result.new_screen`` is true::

    {"engine": "axe-core 4.12.1", "seconds": 0.12,    # "reused": true when scanned before
     "violations": [{"id": "image-alt", "impact": "critical", "help": "Images must have ...",
                     "help_url": "https://dequeuniversity.com/rules/axe/4.12/image-alt",
                     "tags": ["wcag2a", "wcag111"], "count": 3,
                     "nodes": [{"target": "header > .logo", "html": "<img src=...>",
                                "summary": "Fix any of the following: ...",
                                "data": {"fgColor": "#aaaaaa", ...}}]}]}

``nodes`` keeps the first ``MAX_NODES`` of ``count``; ``data`` is only there for colour contrast
(colours, ratio, font) and target size (offsets). A page where axe cannot run (a Content Security
Policy, a page navigating away mid-scan) raises, which the replay records as a probe problem in
``JourneyRun.probe_errors``; the step itself is never failed.
"""

from __future__ import annotations

import asyncio
import functools
import importlib.util
from collections import OrderedDict
from pathlib import Path
from typing import Any

from frictionaudit.gather.collectors import Probe

AXE_VERSION = "4.12.1"
# Scans kept for reuse in this process: another journey (or channel run) that reaches a document with
# the same fingerprint gets the same violations without scanning again.
REUSE_SCANS = 256
MAX_NODES = 20
SCAN_TIMEOUT_SECONDS = 20.0
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
RULE_SWITCHES = {
    "target-size": {"enabled": True},
    "region": {"enabled": False},
    "nested-interactive": {"enabled": False},
    "scrollable-region-focusable": {"enabled": False},
}
AXE_OPTIONS: dict[str, Any] = {
    "runOnly": {"type": "tag", "values": TAGS},
    "rules": RULE_SWITCHES,
    "resultTypes": ["violations"],
    "iframes": False,
    "selectors": True,
}

# One round trip: is axe-core here, and a fingerprint of the document as the customer has it (URL,
# title, viewport, user agent, and a hash of every element's tag, id and class plus the text length).
_LOOK = r"""
(version) => {
  let hash = 0, count = 0;
  for (const el of document.getElementsByTagName('*')) {
    count++;
    const s = el.tagName + '#' + (el.id || '') + '.' + (typeof el.className === 'string' ? el.className : '');
    for (let i = 0; i < s.length; i++) hash = (Math.imul(hash, 31) + s.charCodeAt(i)) | 0;
  }
  const text = document.body ? document.body.textContent.length : 0;
  return {
    axe: !!(window.axe && window.axe.version === version && window.axe.run),
    fingerprint: [location.href.split('#')[0], document.title, innerWidth, innerHeight, devicePixelRatio,
                  navigator.userAgent, count, hash, text].join('|'),
  };
}
"""

_RUN = r"""
async ({options, maxNodes}) => {
  const started = performance.now();
  const waitFor = (promise, ms) => Promise.race([promise, new Promise((r) => setTimeout(r, ms))]);
  try {
    if (document.fonts && document.fonts.ready) await waitFor(document.fonts.ready, 500);
    const finite = document.getAnimations().filter((a) => {
      const timing = a.effect && a.effect.getComputedTiming();
      return a.playState === 'running' && timing && Number.isFinite(timing.endTime);
    });
    if (finite.length) await waitFor(Promise.all(finite.map((a) => a.finished.catch(() => null))), 1000);
  } catch (e) {}
  const x = window.scrollX, y = window.scrollY;
  let results;
  try { results = await window.axe.run(document, options); } finally { window.scrollTo(x, y); }
  const clip = (s, n) => { s = String(s == null ? '' : s).replace(/\s+/g, ' ').trim(); return s.length > n ? s.slice(0, n - 1) + '…' : s; };
  const flat = (t) => Array.isArray(t) ? t.map(flat).join(' >>> ') : String(t);
  const KEEP = ['fgColor', 'bgColor', 'contrastRatio', 'expectedContrastRatio', 'fontSize', 'fontWeight',
                'minOffset', 'closestOffset'];
  const dataOf = (node) => {
    const found = [...node.any, ...node.all, ...node.none].map((c) => c.data)
      .find((d) => d && typeof d === 'object' && (d.fgColor || d.closestOffset !== undefined));
    if (!found) return undefined;
    const kept = {};
    for (const k of KEEP) if (found[k] !== undefined && found[k] !== null) kept[k] = typeof found[k] === 'number' ? found[k] : clip(found[k], 40);
    return kept;
  };
  return {
    engine: 'axe-core ' + results.testEngine.version,
    seconds: Math.round(performance.now() - started) / 1000,
    violations: results.violations.map((v) => ({
      id: v.id, impact: v.impact || 'minor', help: clip(v.help, 200), help_url: String(v.helpUrl || '').split('?')[0],
      tags: v.tags.filter((t) => /^(wcag\d|best-practice)/.test(t)), count: v.nodes.length,
      nodes: v.nodes.slice(0, maxNodes).map((n) => {
        const node = { target: clip(flat(n.target), 300), html: clip(n.html, 200), summary: clip(n.failureSummary, 300) };
        const data = dataOf(n);
        if (data) node.data = data;
        return node;
      }),
    })),
  };
}
"""


_SCANNED: OrderedDict[str, dict[str, Any]] = OrderedDict()


def forget_scans() -> None:
    """Forget the scans kept for reuse (the benchmark starts every run as a fresh process would)."""
    _SCANNED.clear()


@functools.cache
def axe_source() -> str:
    """axe-core's source, from the ``axe-playwright-python`` package (read once per process)."""
    spec = importlib.util.find_spec("axe_playwright_python")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("axe-playwright-python is not installed")
    return (Path(next(iter(spec.submodule_search_locations))) / "axe.min.js").read_text(encoding="utf-8")


class AccessibilityProbe(Probe):
    """axe-core's WCAG A/AA and best-practice violations, once per distinct screen."""

    kind = "a11y"

    def __init__(self, clock: Any) -> None:
        super().__init__(clock)
        self._cdp: Any = None
        self._cdp_page: Any = None

    async def after_step(self, page: Any, step: Any, result: Any) -> None:
        if not result.new_screen or not result.url.startswith(("http://", "https://", "file://")):
            return
        try:
            scan = await asyncio.wait_for(self._scan(page), SCAN_TIMEOUT_SECONDS)
        except TimeoutError:
            raise RuntimeError(f"axe-core did not finish within {SCAN_TIMEOUT_SECONDS:g} s") from None
        except Exception as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise RuntimeError(f"axe-core could not run on this page: {first}") from None
        result.extra[self.kind] = scan

    async def _scan(self, page: Any) -> dict[str, Any]:
        look = await page.evaluate(_LOOK, AXE_VERSION)
        key = str(look.get("fingerprint") or "") if isinstance(look, dict) else ""
        known = _SCANNED.get(key) if key else None
        if known is not None:
            _SCANNED.move_to_end(key)
            return {**known, "seconds": 0.0, "reused": True}
        if not (isinstance(look, dict) and look.get("axe")):
            await self._inject(page)
        scan = await page.evaluate(_RUN, {"options": AXE_OPTIONS, "maxNodes": MAX_NODES})
        if not isinstance(scan, dict):
            return {}
        if key:
            _SCANNED[key] = scan
            while len(_SCANNED) > REUSE_SCANS:
                _SCANNED.popitem(last=False)
        return scan

    async def _inject(self, page: Any) -> None:
        """Evaluate axe-core's 570 kB source in the page's main world.

        Through a CDP session when one can be had (about 40 % cheaper than ``page.evaluate``, which
        wraps and re-encodes the source on its way), else through ``page.evaluate``.
        """
        if self._cdp_page is not page:
            self._cdp_page = page
            try:
                self._cdp = await page.context.new_cdp_session(page)
            except Exception:
                self._cdp = None
        if self._cdp is None:
            await page.evaluate(axe_source())
            return
        answer = await self._cdp.send("Runtime.evaluate", {"expression": axe_source(), "silent": True})
        details = answer.get("exceptionDetails") if isinstance(answer, dict) else None
        if details:
            exception = details.get("exception") or {}
            raise RuntimeError(str(exception.get("description") or details.get("text") or "axe-core failed to load"))
