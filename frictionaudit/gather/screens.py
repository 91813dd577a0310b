"""What is on the screen: screenshots, and whether the screen changed since the last look.

Three things, each cheaper than the naive way:

- :func:`screenshot` saves a JPEG of the viewport with secrets masked. A secret's text is masked only
  when it is on the page: looking for every secret on every screenshot is a text search each time.
- :data:`CHANGES_SCRIPT` (added to every page of a run before its own scripts) counts what can change
  the picture without a new document: DOM mutations, input, focus, resizing, images and fonts
  loading, transitions and animations ending; the mark read by :func:`look` adds where the page is
  scrolled to. A step that only looks (``expect``, ``capture``, ``wait``) on a page whose mark has
  not moved since the last screenshot shows the same picture: it shares that screenshot.
- :func:`page_print` is a digest of the document as it stands (URL, title, markup, form values,
  scroll and focus): the second try uses it to see that a reopened page came back the same as the
  one that failed, and stops waiting for an element that is not going to appear.
"""

from __future__ import annotations

import asyncio
import base64
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from frictionaudit.gather.replay import ReplayContext, locate
from frictionaudit.results import write_atomic

SCREENSHOT_QUALITY = 70
# Screenshots are of the viewport only (never the full page), one pixel per CSS pixel, at most this
# many pixels a side and this many bytes (a noisy page is saved again at a lower quality, or not at all).
MAX_SCREENSHOT_SIDE = 4096
MAX_SCREENSHOT_BYTES = 1_500_000
FALLBACK_QUALITY = 30
SCREENSHOT_TIMEOUT_MS = 5000
LOOK_TIMEOUT_SECONDS = 2.0
# The steps that only look at the page: when nothing changed, their screenshot is the one before.
LOOKING_ACTIONS = {"expect", "capture", "wait"}

CHANGES_SCRIPT = r"""
(() => {
  if (window.__frictionauditChanges) return;
  const state = { count: 0, doc: Math.random().toString(36).slice(2) };
  Object.defineProperty(window, '__frictionauditChanges', { value: state });
  const bump = () => { state.count++; };
  // An empty style attribute where there was none draws nothing (axe-core leaves them behind).
  const drawn = (m) => !(m.type === 'attributes' && m.attributeName === 'style' && !m.oldValue
                         && !m.target.getAttribute('style'));
  state.count_records = (records) => { for (const m of records) if (drawn(m)) { state.count++; return; } };
  const observer = new MutationObserver(state.count_records);
  state.observer = observer;
  observer.observe(document, { subtree: true, childList: true, attributes: true, attributeOldValue: true,
                               characterData: true });
  // Scrolling is in the mark as a position: a probe that scrolls and scrolls back changed nothing.
  for (const type of ['input', 'change', 'focusin', 'focusout', 'load', 'error', 'resize', 'toggle',
                      'transitionend', 'animationend', 'pointerdown', 'keydown'])
    addEventListener(type, bump, true);
  if (document.fonts) document.fonts.addEventListener('loadingdone', bump);
})();
"""

# The change count and which of the run's secret texts are on the page, in one round trip.
_LOOK = r"""
(secrets) => {
  const state = window.__frictionauditChanges;
  if (state) state.count_records(state.observer.takeRecords());
  // As Playwright's getByText finds them: any case, spaces folded, open shadow roots included.
  const chunks = [document.body ? document.body.textContent : ''];
  if (secrets.length) {
    const hosts = [...document.querySelectorAll('*')].filter((el) => el.shadowRoot);
    while (hosts.length) {
      const root = hosts.pop().shadowRoot;
      chunks.push(root.textContent || '');
      for (const el of root.querySelectorAll('*')) if (el.shadowRoot) hosts.push(el);
    }
  }
  const fold = (t) => t.replace(/\s+/g, ' ').toLowerCase();
  const text = fold(chunks.join(' '));
  return {
    changes: state ? [state.doc, state.count, Math.round(scrollX), Math.round(scrollY)].join(':') : null,
    shown: secrets.filter((s) => text.includes(fold(s).trim())),
  };
}
"""

_PRINT = r"""
() => {
  const parts = [location.href, document.title, scrollX, scrollY, innerWidth, innerHeight];
  const active = document.activeElement;
  if (active) parts.push(active.tagName + '#' + (active.id || '') + '@' + (active.getAttribute('name') || ''));
  let n = 0;
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (n++ >= 500) break;
    parts.push(el.type === 'checkbox' || el.type === 'radio' ? String(el.checked) : el.value);
  }
  // An empty style attribute draws nothing; probes (axe-core) leave them behind on elements they measured.
  const markup = document.documentElement.outerHTML.replace(/ style=""/g, '');
  const s = parts.join('\u0001') + '\u0002' + markup;
  let h1 = 0x811c9dc5, h2 = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 16777619);
    h2 = (Math.imul(h2, 31) + c) | 0;
  }
  return (h1 >>> 0).toString(16) + (h2 >>> 0).toString(16) + ':' + s.length;
}
"""


@dataclass
class Look:
    """What one look at the page found (see :func:`look`)."""

    mark: str | None = None  # the change mark: equal marks, same picture
    shown: list[str] | None = None  # the run's secret texts on the page; None: cannot tell, mask them all


async def look(page: Any, secrets: set[str]) -> Look:
    """The page's change mark and the secrets whose text is on it, in one round trip."""
    try:
        found = await asyncio.wait_for(page.evaluate(_LOOK, sorted(secrets)), LOOK_TIMEOUT_SECONDS)
    except Exception:
        return Look()
    if not isinstance(found, dict):
        return Look()
    mark = found.get("changes")
    return Look(mark=str(mark) if mark else None, shown=[s for s in found.get("shown") or [] if s in secrets])


async def page_print(page: Any) -> str | None:
    """A digest of the document as it stands now; None when the page does not answer."""
    try:
        value = await asyncio.wait_for(page.evaluate(_PRINT), LOOK_TIMEOUT_SECONDS)
    except Exception:
        return None
    return str(value) if value else None


async def screenshot(page: Any, path: Path, ctx: ReplayContext, shown: list[str] | None = None) -> str | None:
    """Save a JPEG of the viewport with secret fields and texts masked; None when it cannot be taken.

    ``shown``: the secret texts known to be on the page (see :func:`look`); None masks every secret.
    """
    masks = [locate(page, loc, visible=False) for loc in ctx.secret_targets]
    texts = sorted(ctx.secrets) if shown is None else shown
    masks += [page.get_by_text(secret) for secret in texts]
    options: dict[str, Any] = {
        "type": "jpeg",
        "quality": SCREENSHOT_QUALITY,
        "mask": masks,
        "timeout": SCREENSHOT_TIMEOUT_MS,
        "animations": "disabled",
        "scale": "css",
    }
    viewport = page.viewport_size or {}
    width, height = viewport.get("width", 0), viewport.get("height", 0)
    if width > MAX_SCREENSHOT_SIDE or height > MAX_SCREENSHOT_SIDE:
        options["clip"] = {
            "x": 0,
            "y": 0,
            "width": min(width, MAX_SCREENSHOT_SIDE),
            "height": min(height, MAX_SCREENSHOT_SIDE),
        }
    try:
        data = await page.screenshot(**options)
        if len(data) > MAX_SCREENSHOT_BYTES:
            data = await page.screenshot(**{**options, "quality": FALLBACK_QUALITY})
    except Exception:
        return None
    return _save(path, data)


async def capture(cdp: Any, viewport: dict[str, int] | None, path: Path) -> str | None:
    """The viewport as a JPEG straight from the browser, without touching the page.

    None when the picture is too large to keep; raises when the browser would not take it.

    Unlike :func:`screenshot`, nothing is put into the page (no masks, no style to stop animations and
    hide the caret), so the probes that only read the page can run meanwhile. Only for a page with no
    secret on it. The region and scale are Playwright's for a viewport screenshot with
    ``scale="css"``: the visual viewport where the page is scrolled to, as wide as the viewport
    (a phone shows a page without a viewport tag zoomed out).
    """
    width, height = (viewport or {}).get("width", 0), (viewport or {}).get("height", 0)
    if not width or not height:
        raise ValueError("the page has no fixed viewport size")
    metrics = await asyncio.wait_for(cdp.send("Page.getLayoutMetrics"), SCREENSHOT_TIMEOUT_MS / 1000)
    seen = metrics["cssVisualViewport"]
    zoom = float(seen.get("scale") or 1.0)
    device = float(metrics["contentSize"]["width"]) / float(metrics["cssContentSize"]["width"] or 1) or 1.0
    clip = {
        "x": seen["pageX"],
        "y": seen["pageY"],
        "width": math.ceil(min(width, MAX_SCREENSHOT_SIDE) / zoom),
        "height": math.ceil(min(height, MAX_SCREENSHOT_SIDE) / zoom),
        "scale": zoom / device,
    }
    for quality in (SCREENSHOT_QUALITY, FALLBACK_QUALITY):
        answer = await asyncio.wait_for(
            cdp.send("Page.captureScreenshot", {"format": "jpeg", "quality": quality, "clip": clip}),
            SCREENSHOT_TIMEOUT_MS / 1000,
        )
        data = base64.b64decode(answer["data"])
        if len(data) <= MAX_SCREENSHOT_BYTES:
            break
    return _save(path, data)


def _save(path: Path, data: bytes) -> str | None:
    if len(data) > MAX_SCREENSHOT_BYTES:
        return None
    try:
        write_atomic(path, data, durable=False)
    except OSError:
        return None
    return path.as_posix()
