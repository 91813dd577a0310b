"""The facts of each step's screen, for comparing channels (the C-rules): texts with numbers, actions, headings.

After every step, one ``page.evaluate`` reads the main content of the page (``<main>`` or
``role=main``; else the body without its site header, footer, navigation and asides) and records,
capped in size:

- ``texts``: each block of visible text that holds a digit (a paragraph, a table cell, a ``<dd>``),
  with its label when the markup gives one (the ``<dt>`` of a ``<dd>``, the column header of a
  cell, ``aria-labelledby``, a short label just before it). The audit finds amounts, dates and key
  numbers in them (``frictionaudit/consistency.py``); the probe does not judge.
- ``actions``: links and buttons by accessible name, with a state: ``v`` visible, ``c`` in a
  collapsed part (a closed ``<details>``, a panel whose toggle says ``aria-expanded="false"``, a
  tab panel), ``h`` hidden otherwise, ``t`` a toggle (it has ``aria-expanded``/``aria-haspopup``);
  and ``r`` when it sits in one of six or more like items (a list, a table, a grid of cards).
- ``headings``: level and text of the headings (``r`` as for actions).
- ``url``, ``title`` and ``lang`` of the page when it was read (the step's own URL and title may
  be from mid-navigation).

Noise is kept out where it is written: live regions (``aria-live``), timers, marquees, logs and
status roles, carousels, navigation, asides, dialogs, cookie banners and blocks whose class or id says
carousel, ticker, countdown, clock or recommendations; and text whose element changed three times
or more since the page loaded (a clock, a counter), which the init script counts with a
MutationObserver (``skipped.live`` says how many such texts were left out).
"""

from __future__ import annotations

from typing import Any

from frictionaudit.gather.collectors import Probe

MAX_TEXTS = 150
MAX_ACTIONS = 150
MAX_HEADINGS = 40
MAX_TEXT = 200
MAX_LABEL = 60
MAX_NAME = 80
LOAD_WAIT_MS = 2000

# Counts, per element, the separate moments (≥ 100 ms apart) its text changed after the page was
# parsed. Cheap: one WeakMap update per text mutation; nothing is kept for elements that never change.
MUTATION_SCRIPT = r"""
(() => {
  if (window.__frictionauditTextChanges) return;
  const counts = new WeakMap();
  const bump = (el, t) => {
    if (!el || el.nodeType !== 1) return;
    const m = counts.get(el);
    if (!m) counts.set(el, { n: 1, t });
    else if (t - m.t >= 100) { m.n += 1; m.t = t; }
  };
  const start = () => {
    try {
      new MutationObserver((records) => {
        const t = performance.now();
        for (const r of records) {
          if (r.type === 'characterData') { bump(r.target.parentElement, t); continue; }
          for (const n of r.addedNodes) { if (n.nodeType === 3) { bump(r.target, t); break; } }
        }
      }).observe(document.documentElement, { subtree: true, childList: true, characterData: true });
    } catch (e) { /* a page without a document element: nothing to watch */ }
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
  else start();
  Object.defineProperty(window, '__frictionauditTextChanges', {
    value: (el) => (el && counts.get(el) ? counts.get(el).n : 0), enumerable: false,
  });
})();
"""

FACTS_SCRIPT = r"""
async ([MAX_TEXTS, MAX_ACTIONS, MAX_HEADINGS, MAX_TEXT, MAX_LABEL, MAX_NAME, LOAD_WAIT_MS]) => {
  // A document still being parsed: read it once its content is there (one round trip, not two).
  if (document.readyState === 'loading') {
    await new Promise((done) => {
      document.addEventListener('DOMContentLoaded', done, { once: true });
      setTimeout(done, LOAD_WAIT_MS);
    });
  }
  const MAX_NODES = 20000;
  const squash = (s) => (s || '').replace(/\s+/g, ' ').trim();
  const clip = (s, n) => { s = squash(s); return s.length > n ? s.slice(0, n - 1) + '…' : s; };
  const NOISE_TAGS = new Set(['script', 'style', 'noscript', 'template', 'svg', 'canvas', 'iframe', 'object',
    'embed', 'video', 'audio', 'select', 'textarea', 'option', 'datalist', 'nav', 'dialog', 'aside', 'head']);
  const NOISE_ROLES = new Set(['timer', 'marquee', 'log', 'status', 'alert', 'progressbar', 'navigation',
    'search', 'dialog', 'alertdialog', 'banner', 'contentinfo', 'complementary', 'menu', 'menubar', 'tooltip']);
  const NOISE_WORDS = /(^|[\s_-])(carousel|slider|swiper|slick|glide|splide|marquee|ticker|countdown|clock|recommend(ed|ations?)?|personali[sz]ed|advert(isement)?s?|adslot|ad-slot|cookies?|consent|gdpr)($|[\s_-])/i;
  const changes = window.__frictionauditTextChanges || (() => 0);

  const mains = [...document.querySelectorAll('main, [role=main]')].filter(
    (m) => !m.parentElement || !m.parentElement.closest('main, [role=main]'));
  const visibleMains = mains.filter((m) => m.checkVisibility ? m.checkVisibility() : m.getClientRects().length);
  let scope = visibleMains[0] || mains[0] || document.body;
  if (!scope) return { scope: 'none', texts: [], actions: [], headings: [], skipped: {} };
  const inBody = scope === document.body;

  const noiseCache = new Map();
  const isNoise = (el) => {
    if (noiseCache.has(el)) return noiseCache.get(el);
    let noise = false;
    const tag = el.localName;
    const role = (el.getAttribute('role') || '').toLowerCase();
    const live = el.getAttribute('aria-live');
    if (NOISE_TAGS.has(tag) || NOISE_ROLES.has(role)) noise = true;
    else if (live && live !== 'off') noise = true;
    else if (el.getAttribute('aria-hidden') === 'true' || el.getAttribute('aria-busy') === 'true') noise = true;
    else if (/carousel|slide/i.test(el.getAttribute('aria-roledescription') || '')) noise = true;
    else if (NOISE_WORDS.test((el.getAttribute('class') || '') + ' ' + (el.id || ''))) noise = true;
    else if (inBody && ['header', 'footer', 'aside'].includes(tag) && !el.parentElement.closest('article, section, main'))
      noise = true;
    noiseCache.set(el, noise);
    return noise;
  };
  // An element inside noise (walking up to the scope).
  const underNoise = (el) => {
    for (let e = el; e && e !== scope.parentElement; e = e.parentElement) { if (isNoise(e)) return true; }
    return false;
  };
  const visCache = new Map();
  const visible = (el) => {
    if (visCache.has(el)) return visCache.get(el);
    const v = el.checkVisibility ? el.checkVisibility({ visibilityProperty: true }) : el.getClientRects().length > 0;
    visCache.set(el, v);
    return v;
  };
  // Hidden, but a customer can open it: a closed <details>, a collapsed disclosure or accordion, a tab panel.
  const collapsedCache = new Map();
  const collapsed = (el) => {
    if (!collapsedCache.has(el)) collapsedCache.set(el, isCollapsed(el));
    return collapsedCache.get(el);
  };
  const isCollapsed = (el) => {
    for (let e = el; e && e !== scope.parentElement; e = e.parentElement) {
      if (e.localName === 'details' && !e.open) return true;
      if ((e.getAttribute('role') || '') === 'tabpanel' || e.getAttribute('hidden') === 'until-found') return true;
      if (e.id) {
        const toggle = document.querySelector('[aria-controls~="' + CSS.escape(e.id) + '"][aria-expanded="false"]');
        if (toggle) return true;
      }
      const prev = e.previousElementSibling;
      if (prev && !visible(e) && (prev.getAttribute('aria-expanded') === 'false' ||
          (prev.querySelector && prev.querySelector('[aria-expanded="false"]')))) return true;
    }
    return false;
  };
  const displayOf = (el) => getComputedStyle(el).display;
  // The block a text belongs to. Phrasing elements (span, a, strong...) never end a block, even when
  // a flex or grid parent makes them blocks: one layout or another, the same words stay together.
  const PHRASING = /^(span|a|b|strong|i|em|small|mark|abbr|time|data|label|sup|sub|code|kbd|s|u|bdi|bdo|q|cite|dfn|var|samp|output|font|big|nobr|ins|del)$/;
  const blockOf = (el) => {
    let e = el;
    while (e !== scope && e.parentElement && (PHRASING.test(e.localName) || /^(inline|contents)/.test(displayOf(e))))
      e = e.parentElement;
    return e;
  };
  const textCache = new Map();
  const textOf = (el) => {
    if (!textCache.has(el)) textCache.set(el, squash(visible(el) ? el.innerText : el.textContent));
    return textCache.get(el);
  };
  const labelOf = (blk) => {
    for (let e = blk, depth = 0; e && e !== scope && depth < 3; e = e.parentElement, depth++) {
      if (e.localName === 'dd') {
        let dt = e.previousElementSibling;
        while (dt && dt.localName !== 'dt') dt = dt.previousElementSibling;
        if (!dt && e.parentElement) dt = e.parentElement.querySelector(':scope > dt');
        if (dt) return textOf(dt);
      }
      if (e.localName === 'td' || e.localName === 'th') {
        const row = e.parentElement;
        const table = e.closest('table');
        const rowHeader = row && row.querySelector(':scope > th');
        if (rowHeader && rowHeader !== e) return textOf(rowHeader);
        const head = table && (table.tHead ? table.tHead.rows[0] : table.rows[0]);
        if (head && head !== row && head.cells[e.cellIndex]) return textOf(head.cells[e.cellIndex]);
        return '';
      }
      const by = e.getAttribute && e.getAttribute('aria-labelledby');
      if (by) {
        const t = by.split(/\s+/).map((id) => document.getElementById(id)).filter(Boolean).map(textOf).join(' ');
        if (t) return t;
      }
    }
    const prev = blk.previousElementSibling;
    if (prev && /^(label|span|strong|b|em|small|dt|th)$/.test(prev.localName)) {
      const t = textOf(prev);
      if (t && t.length <= 60 && !/\d/.test(t)) return t;
    }
    return '';
  };

  const texts = [];
  const seenTexts = new Set();
  const skipped = { live: 0, hidden: 0, capped: 0 };
  const walker = document.createTreeWalker(scope, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT, {
    acceptNode: (n) => n.nodeType === 1 ? (isNoise(n) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_SKIP)
      : NodeFilter.FILTER_ACCEPT,
  });
  let nodes = 0;
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (++nodes > MAX_NODES) { skipped.capped += 1; break; }
    if (!/\d/.test(n.data)) continue;
    const parent = n.parentElement;
    if (!parent) continue;
    if (changes(parent) >= 3 || (parent.parentElement && changes(parent.parentElement) >= 3)) { skipped.live += 1; continue; }
    let state = '';
    if (!visible(parent)) {
      if (!collapsed(parent)) { skipped.hidden += 1; continue; }
      state = 'c';
    }
    const blk = blockOf(parent);
    let text = textOf(blk);
    if (text.length > MAX_TEXT) {
      const own = squash(n.data);
      const at = Math.max(0, text.indexOf(own));
      text = text.slice(Math.max(0, at - 80), at + own.length + 40);
    }
    const key = text + '\u0000' + state;
    if (!text || seenTexts.has(key)) continue;
    seenTexts.add(key);
    if (texts.length >= MAX_TEXTS) { skipped.capped += 1; break; }
    const label = clip(labelOf(blk), MAX_LABEL);
    texts.push(state ? [clip(text, MAX_TEXT), label, state] : [clip(text, MAX_TEXT), label]);
  }

  // In one of many like items (a list, a table, a grid of cards): listing content, whose length may
  // differ with the viewport (lazy rendering, "show more"), not a feature of the screen.
  const sameKind = new Map();
  const repeated = (el) => {
    for (let e = el, depth = 0; e && e !== scope && depth < 6; e = e.parentElement, depth++) {
      const parent = e.parentElement;
      if (!parent) break;
      if (!sameKind.has(parent)) {
        const counts = new Map();
        for (const c of parent.children) {
          const k = c.localName + '.' + (c.getAttribute('class') || '');
          counts.set(k, (counts.get(k) || 0) + 1);
        }
        sameKind.set(parent, counts);
      }
      if (sameKind.get(parent).get(e.localName + '.' + (e.getAttribute('class') || '')) >= 6) return true;
    }
    return false;
  };
  const accName = (el) => {
    const by = el.getAttribute('aria-labelledby');
    if (by) {
      const t = by.split(/\s+/).map((id) => document.getElementById(id)).filter(Boolean)
        .map((e) => e.textContent).join(' ');
      if (squash(t)) return t;
    }
    const label = el.getAttribute('aria-label');
    if (label && squash(label)) return label;
    if (el.localName === 'input') return el.value || el.getAttribute('title') || '';
    const t = visible(el) ? el.innerText : el.textContent;
    if (squash(t)) return t;
    const img = el.querySelector('img[alt]');
    if (img && squash(img.alt)) return img.alt;
    return el.getAttribute('title') || '';
  };
  const actions = [];
  const seenActions = new Map();
  const controls = scope.querySelectorAll(
    'a[href], button, [role=button], [role=link], [role=menuitem], [role=tab], summary, ' +
    'input[type=submit], input[type=button], input[type=image]');
  for (const el of controls) {
    if (actions.length >= MAX_ACTIONS) { skipped.capped += 1; break; }
    if (underNoise(el)) continue;
    const name = clip(accName(el), MAX_NAME);
    if (!name) continue;
    let state = visible(el) ? 'v' : collapsed(el) ? 'c' : 'h';
    if (el.hasAttribute('aria-expanded') || el.hasAttribute('aria-haspopup') || el.localName === 'summary') state = 't';
    const key = name.toLowerCase();
    const order = { v: 0, c: 1, h: 2, t: 3 };
    if (seenActions.has(key)) {
      const item = seenActions.get(key);
      if (order[state] < order[item[1]]) item[1] = state;
      continue;
    }
    const item = repeated(el) ? [name, state, 'r'] : [name, state];
    seenActions.set(key, item);
    actions.push(item);
  }

  const headings = [];
  for (const el of scope.querySelectorAll('h1, h2, h3, h4, h5, h6, [role=heading]')) {
    if (headings.length >= MAX_HEADINGS) { skipped.capped += 1; break; }
    if (underNoise(el) || !(visible(el) || collapsed(el))) continue;
    const level = Number(el.getAttribute('aria-level')) || Number((el.localName.match(/^h(\d)$/) || [])[1]) || 2;
    const text = clip(textOf(el), 150);
    if (text) headings.push(repeated(el) ? [level, text, 'r'] : [level, text]);
  }
  return {
    scope: inBody ? 'body' : 'main', url: location.origin + location.pathname, title: document.title,
    lang: (document.documentElement.getAttribute('lang') || '').slice(0, 20),
    texts, actions, headings, skipped,
  };
}
"""


def _clip(value: Any, limit: int) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def sanitise(raw: Any) -> dict[str, Any] | None:
    """The page's answer, checked and capped again here: a hostile page may have changed builtins."""
    if not isinstance(raw, dict):
        return None
    texts = []
    for item in (raw.get("texts") or [])[:MAX_TEXTS]:
        if isinstance(item, list) and item and isinstance(item[0], str):
            entry = [_clip(item[0], MAX_TEXT), _clip(item[1], MAX_LABEL) if len(item) > 1 and item[1] else ""]
            if len(item) > 2 and item[2] == "c":
                entry.append("c")
            texts.append(entry)
    actions = [
        [_clip(item[0], MAX_NAME), str(item[1])[:1], *(["r"] if len(item) > 2 and item[2] == "r" else [])]
        for item in (raw.get("actions") or [])[:MAX_ACTIONS]
        if isinstance(item, list) and len(item) >= 2 and isinstance(item[0], str) and item[0].strip()
    ]
    headings = []
    for item in (raw.get("headings") or [])[:MAX_HEADINGS]:
        if isinstance(item, list) and len(item) >= 2 and isinstance(item[1], str) and item[1].strip():
            try:
                level = max(1, min(6, int(item[0])))
            except (TypeError, ValueError):
                continue
            headings.append([level, _clip(item[1], 150), *(["r"] if len(item) > 2 and item[2] == "r" else [])])
    found = raw.get("skipped")
    skipped: dict[Any, Any] = found if isinstance(found, dict) else {}
    return {
        "scope": str(raw.get("scope", ""))[:10],
        "url": _clip(raw.get("url") or "", 500),
        "title": _clip(raw.get("title") or "", 200),
        "lang": _clip(raw.get("lang") or "", 20),
        "texts": texts,
        "actions": actions,
        "headings": headings,
        "skipped": {str(k)[:20]: int(v) for k, v in list(skipped.items())[:5] if isinstance(v, int | float)},
    }


class PageFactsProbe(Probe):
    """Records what the screen says after each step: ``result.extra["page_facts"]``."""

    kind = "page_facts"
    init_script = MUTATION_SCRIPT

    async def after_step(self, page: Any, step: Any, result: Any) -> None:
        args = [MAX_TEXTS, MAX_ACTIONS, MAX_HEADINGS, MAX_TEXT, MAX_LABEL, MAX_NAME, LOAD_WAIT_MS]
        raw = await page.evaluate(FACTS_SCRIPT, args)
        facts = sanitise(raw)
        if facts is not None:
            result.extra[self.kind] = facts
