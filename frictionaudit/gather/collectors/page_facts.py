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

Web components: the probe reads what is inside OPEN shadow roots as the customer sees it (the
rendered, "flat" tree: a host shows its shadow content, a slot shows the light-DOM nodes assigned
to it, each read once, where it is shown). Closed shadow roots cannot be reached; iframes are not
read. ``SHADOW_JS`` is the small helper the forms and mobile probes share.
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

# Open shadow roots (web components), shared by the page_facts, forms and mobile probes. Closed roots
# cannot be reached; iframes are out of scope. ``shadowDom(max)`` looks at up to ``max`` elements
# once to find the open roots; on a page without any, ``all``, ``text`` and ``walk`` are the plain
# DOM calls (``querySelectorAll``, ``innerText``, a TreeWalker), so such pages cost what they did.
SHADOW_JS = r"""
// The parent in the rendered (flat) tree: a slotted node's slot, the host of a shadow root's child.
const up = (n) => n.assignedSlot || n.parentElement || (n.parentNode && n.parentNode.host) || null;
// The element that shows a node: its flat parent, past slots (they have no box of their own).
const holder = (n) => { let p = up(n); while (p && p.localName === 'slot') p = up(p); return p; };
// closest(), on through the hosts of the shadow roots the element is in.
const closestIn = (el, sel) => {
  let m = el.closest(sel);
  for (let root = el.getRootNode(); !m && root.host; root = root.host.getRootNode()) m = root.host.closest(sel);
  return m;
};
// An id in the element's own tree: aria-labelledby, <label for> and their like resolve there, as in the browser.
const byId = (el, id) => { const root = el.getRootNode(); return root.getElementById ? root.getElementById(id) : null; };
const shadowDom = (max) => {
  const hostsIn = new Map();  // a tree (the document, a shadow root) -> the hosts of open shadow roots in it, in order
  const roots = [];
  let seen = 0;
  const find = (tree) => {
    const hosts = [];
    const tw = document.createTreeWalker(tree, NodeFilter.SHOW_ELEMENT);
    for (let el = tw.nextNode(); el && ++seen <= max; el = tw.nextNode()) if (el.shadowRoot) hosts.push(el);
    if (hosts.length) hostsIn.set(tree, hosts);
    for (const h of hosts) { roots.push(h.shadowRoot); find(h.shadowRoot); }
  };
  find(document);
  const any = roots.length > 0;
  // Elements whose rendered text is not all in their own tree (innerText leaves out shadow content
  // and what slots show): hosts, filled slots and what holds them.
  const mixed = new Set();
  const mark = (el) => { for (let e = el; e && !mixed.has(e); e = up(e)) mixed.add(e); };
  for (const root of roots) {
    mark(root.host);
    for (const slot of root.querySelectorAll('slot')) if (slot.assignedNodes().length) mark(slot);
  }
  // querySelectorAll on `from` and on the open shadow roots below it, in document order (a host's
  // shadow content before its own children). Slotted elements are light DOM: found once, there.
  const all = (sel, from = document) => {
    if (!any) return from.querySelectorAll(sel);
    const out = [];
    const visit = (node) => {
      const tree = node.nodeType === 1 ? node.getRootNode() : node;
      const hits = node.querySelectorAll(sel);
      let i = 0;
      for (const h of hostsIn.get(tree) || []) {
        if (node !== tree && !node.contains(h)) continue;
        while (i < hits.length && (hits[i] === h || hits[i].compareDocumentPosition(h) & 4)) out.push(hits[i++]);
        visit(h.shadowRoot);
      }
      while (i < hits.length) out.push(hits[i++]);
    };
    visit(from);
    return out;
  };
  const NO_TEXT = new Set(['script', 'style', 'template', 'noscript', 'input', 'select', 'textarea']);
  const shows = (el) => (el.checkVisibility ? el.checkVisibility({ visibilityProperty: true }) : el.getClientRects().length > 0);
  // innerText (or textContent, `hidden`) with what open shadow roots and slots show, each node once.
  const text = (el, hidden, max = 10000) => {
    if (!mixed.has(el)) return hidden ? el.textContent : el.innerText;
    let out = '';
    const add = (node) => {
      const slotted = node.localName === 'slot' ? node.assignedNodes({ flatten: true }) : [];
      for (const n of node.shadowRoot ? node.shadowRoot.childNodes : slotted.length ? slotted : node.childNodes) {
        if (out.length > max) return;
        if (n.nodeType === 3) out += n.data;
        if (n.nodeType !== 1 || NO_TEXT.has(n.localName)) continue;
        const display = getComputedStyle(n).display;  // display: contents (a slot) has no box, but shows its content
        if (!hidden && (display === 'none' || (display !== 'contents' && !shows(n)))) continue;
        const gap = /^(inline|contents)/.test(display) ? '' : ' ';
        out += gap;
        if (mixed.has(n)) add(n); else out += hidden ? n.textContent : n.innerText;
        out += gap;
      }
    };
    add(el);
    return out;
  };
  // The text nodes below `root` in the rendered tree: into open shadow roots, through filled slots
  // (a host's light children are read where its slots show them). skip(el) leaves out an element
  // and all it shows; visit(textNode) returns false to stop.
  const walk = (root, skip, visit) => {
    let stop = false;
    const filter = !any ? (skip && { acceptNode: (n) => n.nodeType === 3 ? 1 : skip(n) ? 2 : 3 }) : { acceptNode: (n) => {
      if (n.nodeType === 3) return 1;  // NodeFilter.FILTER_ACCEPT; 2: FILTER_REJECT (and all below); 3: FILTER_SKIP
      if (stop || (skip && skip(n))) return 2;
      if (n.shadowRoot) { into(n.shadowRoot); return 2; }
      if (n.localName !== 'slot' || !n.assignedNodes().length) return 3;
      for (const a of n.assignedNodes({ flatten: true })) {
        if (stop) break;
        if (a.nodeType === 3) stop = visit(a) === false;
        else if (a.nodeType === 1 && !(skip && skip(a))) into(a.shadowRoot || a);
      }
      return 2;
    } };
    const into = (node) => {
      const tw = document.createTreeWalker(node, filter ? NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT : NodeFilter.SHOW_TEXT, filter);
      for (let n = tw.nextNode(); n && !stop; n = tw.nextNode()) stop = visit(n) === false;
    };
    into(any && root.shadowRoot ? root.shadowRoot : root);
  };
  return { any, roots, mixed, all, text, walk };
};
"""

# Counts, per element, the separate moments (≥ 100 ms apart) its text changed after the page was
# parsed. Cheap: one WeakMap update per text mutation; nothing is kept for elements that never change.
# Open shadow roots are watched too: those there at load, those of added elements, and any the facts
# script finds (``watch``).
MUTATION_SCRIPT = (
    "(() => {"
    + SHADOW_JS
    + r"""
  if (window.__frictionauditTextChanges) return;
  const counts = new WeakMap();
  const bump = (el, t) => {
    if (!el || el.nodeType !== 1) return;
    const m = counts.get(el);
    if (!m) counts.set(el, { n: 1, t });
    else if (t - m.t >= 100) { m.n += 1; m.t = t; }
  };
  const WHAT = { subtree: true, childList: true, characterData: true };
  const watched = new WeakSet();
  let observer = null;
  const watch = (root) => {
    if (observer && root && !watched.has(root)) { watched.add(root); observer.observe(root, WHAT); }
  };
  const start = () => {
    try {
      observer = new MutationObserver((records) => {
        const t = performance.now();
        for (const r of records) {
          if (r.type === 'characterData') { bump(r.target.parentElement || up(r.target), t); continue; }
          let text = false;
          for (const n of r.addedNodes) {
            if (n.nodeType === 3) text = true;
            else if (n.shadowRoot) watch(n.shadowRoot);
          }
          if (text) bump(r.target.nodeType === 1 ? r.target : r.target.host, t);
        }
      });
      observer.observe(document.documentElement, WHAT);
    } catch (e) { /* a page without a document element: nothing to watch */ }
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
  else start();
  addEventListener('load', () => { try { shadowDom(50000).roots.forEach(watch); } catch (e) { /* nothing to watch */ } }, { once: true });
  const changes = (el) => (el && counts.get(el) ? counts.get(el).n : 0);
  Object.defineProperty(changes, 'watch', { value: watch });
  Object.defineProperty(window, '__frictionauditTextChanges', { value: changes, enumerable: false });
})();
"""
)

FACTS_SCRIPT = (
    "async ([MAX_TEXTS, MAX_ACTIONS, MAX_HEADINGS, MAX_TEXT, MAX_LABEL, MAX_NAME, LOAD_WAIT_MS]) => {"
    + SHADOW_JS
    + r"""
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
  const dom = shadowDom(MAX_NODES * 2);
  if (changes.watch) dom.roots.forEach(changes.watch);

  const mains = [...dom.all('main, [role=main]')].filter((m) => !up(m) || !closestIn(up(m), 'main, [role=main]'));
  const visibleMains = mains.filter((m) => m.checkVisibility ? m.checkVisibility() : m.getClientRects().length);
  let scope = visibleMains[0] || mains[0] || document.body;
  if (!scope) return { scope: 'none', texts: [], actions: [], headings: [], skipped: {} };
  const inBody = scope === document.body;
  const outside = up(scope);  // where walks up from an element stop

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
    else if (inBody && ['header', 'footer', 'aside'].includes(tag) && !(up(el) && closestIn(up(el), 'article, section, main')))
      noise = true;
    noiseCache.set(el, noise);
    return noise;
  };
  // An element inside noise (walking up to the scope).
  const underNoise = (el) => {
    for (let e = el; e && e !== outside; e = up(e)) { if (isNoise(e)) return true; }
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
    for (let e = el; e && e !== outside; e = up(e)) {
      if (e.localName === 'details' && !e.open) return true;
      if ((e.getAttribute('role') || '') === 'tabpanel' || e.getAttribute('hidden') === 'until-found') return true;
      if (e.id) {
        const toggle = e.getRootNode().querySelector('[aria-controls~="' + CSS.escape(e.id) + '"][aria-expanded="false"]');
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
    while (e !== scope && up(e) && (PHRASING.test(e.localName) || /^(inline|contents)/.test(displayOf(e)))) e = up(e);
    return e;
  };
  const textCache = new Map();
  const textOf = (el) => {
    if (!textCache.has(el)) textCache.set(el, squash(dom.text(el, !visible(el))));
    return textCache.get(el);
  };
  const labelOf = (blk) => {
    for (let e = blk, depth = 0; e && e !== scope && depth < 3; e = up(e), depth++) {
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
        const t = by.split(/\s+/).map((id) => byId(e, id)).filter(Boolean).map(textOf).join(' ');
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
  let nodes = 0;
  dom.walk(scope, isNoise, (n) => {
    if (++nodes > MAX_NODES) { skipped.capped += 1; return false; }
    if (!/\d/.test(n.data)) return;
    const home = n.parentElement || up(n);  // where the init script counts its changes
    const parent = holder(n);
    if (!home || !parent) return;
    if (changes(home) >= 3 || (up(home) && changes(up(home)) >= 3)) { skipped.live += 1; return; }
    let state = '';
    if (!visible(parent)) {
      if (!collapsed(parent)) { skipped.hidden += 1; return; }
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
    if (!text || seenTexts.has(key)) return;
    seenTexts.add(key);
    if (texts.length >= MAX_TEXTS) { skipped.capped += 1; return false; }
    const label = clip(labelOf(blk), MAX_LABEL);
    texts.push(state ? [clip(text, MAX_TEXT), label, state] : [clip(text, MAX_TEXT), label]);
  });

  // In one of many like items (a list, a table, a grid of cards): listing content, whose length may
  // differ with the viewport (lazy rendering, "show more"), not a feature of the screen.
  const sameKind = new Map();
  const shownChildren = (p) => p.shadowRoot ? p.shadowRoot.children
    : p.localName === 'slot' && p.assignedElements().length ? p.assignedElements() : p.children;
  const repeated = (el) => {
    for (let e = el, depth = 0; e && e !== scope && depth < 6; e = up(e), depth++) {
      const parent = up(e);
      if (!parent) break;
      if (!sameKind.has(parent)) {
        const counts = new Map();
        for (const c of shownChildren(parent)) {
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
      const t = by.split(/\s+/).map((id) => byId(el, id)).filter(Boolean).map((e) => dom.text(e, true)).join(' ');
      if (squash(t)) return t;
    }
    const label = el.getAttribute('aria-label');
    if (label && squash(label)) return label;
    if (el.localName === 'input') return el.value || el.getAttribute('title') || '';
    const t = dom.text(el, !visible(el));
    if (squash(t)) return t;
    const img = el.querySelector('img[alt]');
    if (img && squash(img.alt)) return img.alt;
    return el.getAttribute('title') || '';
  };
  const actions = [];
  const seenActions = new Map();
  const controls = dom.all(
    'a[href], button, [role=button], [role=link], [role=menuitem], [role=tab], summary, ' +
    'input[type=submit], input[type=button], input[type=image]', scope);
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
  for (const el of dom.all('h1, h2, h3, h4, h5, h6, [role=heading]', scope)) {
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
)


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
