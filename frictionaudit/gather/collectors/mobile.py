"""The mobile probe: raw facts about how a screen fits a phone (rules M101–M106 judge them).

Once per new screen, ONE ``page.evaluate`` returns everything M101–M105 need:

- ``viewport``: every ``<meta name="viewport">`` content, the page's widths (``scrollWidth``,
  ``clientWidth``, ``innerWidth``), the visual viewport and the viewport's ``overflow-x``, and when the
  page is wider than the device (the channel's viewport width, passed in), the outermost elements
  that stick out (a few short selectors);
- ``taps``: interactive elements (links, buttons, form controls, focusable widget roles) that are
  visible, enabled, on the page and smaller than ``RECORD_TAPS_BELOW_PX`` on a side, smallest first,
  with their accessible name, size, distance to the nearest other target and nearby small targets,
  so a rule can apply WCAG 2.2's 2.5.8 spacing exception at any threshold up to that size. Links
  inside a sentence (axe-core's ``isInTextBlock``) are exempt by definition and only counted;
- ``text``: the characters of visible text per computed font size (a histogram), and the elements
  holding text under ``RECORD_FONT_BELOW_PX``, most characters first;
- ``fields``: text-like inputs that open a full keyboard (no ``type=tel|number``, no
  ``inputmode=numeric|decimal|tel``) with their name, id, autocomplete, label, placeholder and
  pattern — never their value.

Before each click/fill/check/select, one read of the target's box tells how far below what the
customer sees it was before the replay scrolled to it (M106); it is recorded on the step before,
the screen the customer had to search. A ``fill`` target's field facts are recorded on the fill step.

Facts are gathered on every channel; rules decide where they apply (``ChannelInfo.is_mobile``).

Web components: targets, text and fields inside OPEN shadow roots count as any others
(``SHADOW_JS``), each once where it is shown (slotted light-DOM content through its slot, with the
slot's font size and box). Closed shadow roots cannot be reached; iframes are not measured.
"""

from __future__ import annotations

from typing import Any

from frictionaudit.gather.collectors import Probe
from frictionaudit.gather.collectors.page_facts import SHADOW_JS
from frictionaudit.gather.replay import locate

RECORD_TAPS_BELOW_PX = 48  # record tap targets with a side under this (2 × WCAG 2.5.8's 24 px)
RECORD_FONT_BELOW_PX = 14  # record where text under this size sits (examples for M104)
MAX_TAPS = 40
MAX_FIELDS = 30
MAX_TEXT_GROUPS = 8
MAX_OVERFLOW = 5
MAX_ELEMENTS = 5000  # elements or text nodes looked at per screen
MAX_SCAN = 50000  # elements looked at for open shadow roots
TARGET_ACTIONS = ("click", "fill", "check", "select")

_HELPERS = (
    SHADOW_JS
    + f"let dom = null; const sd = () => dom || (dom = shadowDom({MAX_SCAN}));"
    + r"""
const doc = document.documentElement, body = document.body || doc;
const clip = (s, n) => { s = String(s || '').replace(/\s+/g, ' ').trim(); return s.length > n ? s.slice(0, n - 1) + '…' : s; };
const styles = new Map();
const style = (el) => { let s = styles.get(el); if (!s) { s = getComputedStyle(el); styles.set(el, s); } return s; };
const sel = (el) => {
  const parts = [];
  for (let e = el, depth = 0; e && e.nodeType === 1 && e !== body && e !== doc && depth < 3; e = e.parentElement, depth++) {
    let part = e.localName;
    if (e.id && /^[A-Za-z][\w-]{0,40}$/.test(e.id)) { parts.unshift(part + '#' + e.id); break; }
    const classes = [...e.classList].filter(c => /^[A-Za-z_-][\w-]{0,30}$/.test(c)).slice(0, 2);
    if (classes.length) part += '.' + classes.join('.');
    parts.unshift(part);
  }
  const own = parts.join(' > ') || el.localName;
  // Inside a web component: its host first, ">>>" for the shadow boundary (as Playwright writes it).
  const root = el.getRootNode();
  return clip(root && root.host ? sel(root.host) + ' >>> ' + own : own, 160);
};
const textOf = (el, ids) => ids.split(/\s+/).map(id => byId(el, id)).filter(Boolean).map(e => sd().text(e, true)).join(' ');
const labelOf = (el) => {
  const aria = el.getAttribute('aria-label');
  if (aria && aria.trim()) return clip(aria, 80);
  const by = el.getAttribute('aria-labelledby');
  if (by && textOf(el, by).trim()) return clip(textOf(el, by), 80);
  if (el.labels && el.labels.length) { const t = [...el.labels].map(l => sd().text(l) || sd().text(l, true)).join(' '); if (t.trim()) return clip(t, 80); }
  return clip(el.getAttribute('title'), 80);
};
const field = (el) => ({
  sel: sel(el), type: el.type || '', inputmode: clip((el.getAttribute('inputmode') || '').toLowerCase(), 20),
  name: clip(el.getAttribute('name'), 60), id: clip(el.id, 60), autocomplete: clip(el.getAttribute('autocomplete'), 60),
  label: labelOf(el), placeholder: clip(el.getAttribute('placeholder'), 60), pattern: clip(el.getAttribute('pattern'), 60),
  maxlength: el.maxLength > 0 ? el.maxLength : null,
});
"""
)

SCREEN_JS = (
    "(arg) => {"
    + _HELPERS
    + r"""
const vw = arg.vw || outerWidth, MAX = arg.maxElements, d = sd();
const shown = (el, opacity) => el.checkVisibility
  ? el.checkVisibility({opacityProperty: opacity, visibilityProperty: true, contentVisibilityAuto: true})
  : !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
// The box an element's ancestors clip it to (viewport coordinates), memoised per parent; null: nothing clips.
const clipMemo = new Map();
const clipFor = (p) => {
  if (!p || p === body || p === doc) return null;
  if (clipMemo.has(p)) return clipMemo.get(p);
  const s = style(p);
  let box = s.position === 'fixed' ? null : clipFor(up(p));
  if (s.overflowX !== 'visible' || s.overflowY !== 'visible') {
    const c = p.getBoundingClientRect();
    box = box ? [Math.max(box[0], c.left), Math.max(box[1], c.top), Math.min(box[2], c.right), Math.min(box[3], c.bottom)]
              : [c.left, c.top, c.right, c.bottom];
  }
  clipMemo.set(p, box);
  return box;
};
const clippedAway = (el, r) => {  // in a collapsed box, or scrolled out of a box that clips
  const c = clipFor(up(el));
  return !!c && (Math.min(r.right, c[2]) - Math.max(r.left, c[0]) < 1 || Math.min(r.bottom, c[3]) - Math.max(r.top, c[1]) < 1);
};
const out = {};

// ---- M101/M102: the viewport and what sticks out of it
const metas = [...document.querySelectorAll('meta[name]')]
  .filter(m => m.getAttribute('name').trim().toLowerCase() === 'viewport')
  .slice(0, 5).map(m => clip(m.getAttribute('content'), 200));
const rootX = style(doc).overflowX;
const overflowX = rootX !== 'visible' ? rootX : (document.body ? style(document.body).overflowX : 'visible');
const vv = window.visualViewport;
out.viewport = {
  metas, device_width: vw, inner_width: innerWidth, inner_height: innerHeight, outer_width: outerWidth,
  client_width: doc.clientWidth, scroll_width: doc.scrollWidth, scroll_height: doc.scrollHeight,
  visual_width: vv ? Math.round(vv.width) : innerWidth, visual_height: vv ? Math.round(vv.height) : innerHeight,
  scale: vv ? Math.round(vv.scale * 1000) / 1000 : 1, overflow_x: overflowX, overflow: [],
};
const fits = Math.min(vw, doc.clientWidth) + 1;
if (doc.scrollWidth > fits) {
  const contained = (el) => {  // inside a fixed box or a box that clips or scrolls sideways
    for (let a = up(el); a && a !== body && a !== doc; a = up(a)) {
      const s = style(a);
      if (s.position === 'fixed' || s.overflowX !== 'visible') return true;
    }
    return false;
  };
  const wide = [];
  let seen = 0;
  for (const el of d.all('*', body)) {
    if (++seen > MAX) break;
    const r = el.getBoundingClientRect();
    const right = r.right + scrollX;
    if (right <= fits || r.width === 0 || r.height === 0) continue;
    const parent = holder(el);
    if (parent && parent !== body && parent !== doc && parent.getBoundingClientRect().right + scrollX > fits) continue;
    if (style(el).position === 'fixed' || contained(el)) continue;
    wide.push({sel: sel(el), right: Math.round(right), width: Math.round(r.width)});
  }
  wide.sort((a, b) => b.right - a.right);
  out.viewport.overflow = wide.slice(0, arg.maxOverflow);
}

// ---- M103: tap targets (WCAG 2.2 2.5.8)
const WIDGETS = new Set(['button', 'link', 'checkbox', 'radio', 'switch', 'tab', 'menuitem', 'menuitemcheckbox',
  'menuitemradio', 'option', 'combobox', 'textbox', 'searchbox', 'slider', 'spinbutton', 'treeitem']);
const NATIVE = new Set(['a', 'button', 'input', 'select', 'textarea', 'summary']);
const HTML = 'http://www.w3.org/1999/xhtml';
const isTarget = (el) => {  // axe-core: a focusable element with a widget role, not in SVG
  if (el.namespaceURI !== HTML) return false;
  const role = (el.getAttribute('role') || '').trim().split(/\s+/)[0];
  if (role === 'none' || role === 'presentation') return false;
  if (NATIVE.has(el.localName) && (el.localName !== 'a' || el.hasAttribute('href'))) return true;
  return WIDGETS.has(role) && el.hasAttribute('tabindex');  // roving tabindex=-1 tabs are targets too
};
const BLOCK = /^(block|list-item|table|flex|grid|flow-root)$|^table-/;
const INLINE_BLOCK = /^inline-(block|flex|grid)$/;
const blockParent = (el) => { let p = up(el); while (p && p !== body && !BLOCK.test(style(p).display)) p = up(p); return p || body; };
// axe-core's isInTextBlock(permissive): a link or control inside a line of text is exempt (2.5.8 "Inline").
// What it looks at belongs to the block (or the parent) around the target, so it is memoised there.
const textBlocks = new Map(), textParents = new Map();
const hasLooseText = (block) => {
  if (textBlocks.has(block)) return textBlocks.get(block);
  let found = false, steps = 0;
  d.walk(block, (n) => ++steps >= 400 || isTarget(n) || style(n).display === 'none', (t) => {
    found = !!t.data.trim();
    return !found && ++steps < 400;
  });
  textBlocks.set(block, found);
  return found;
};
const hasInlineSibling = (parent) => {
  if (textParents.has(parent)) return textParents.get(parent);
  let found = false;
  for (const sib of parent.childNodes) {
    if (sib.nodeType === 3 && sib.data.trim()) { found = true; break; }
    if (sib.nodeType === 1 && !isTarget(sib) && !['br', 'hr'].includes(sib.localName) && style(sib).display === 'inline') { found = true; break; }
  }
  textParents.set(parent, found);
  return found;
};
const inText = (el) => {
  const display = style(el).display;
  if (BLOCK.test(display)) return false;
  const parent = blockParent(el);
  return INLINE_BLOCK.test(display) ? hasInlineSibling(parent) : hasLooseText(parent);
};
const nameOf = (el) => {
  const label = labelOf(el);
  if (label) return clip(label, 60);
  const text = d.text(el);
  if (text && text.trim()) return clip(text, 60);
  const inner = el.querySelector('img[alt], svg title, [aria-label], [title]');
  if (inner) return clip(inner.getAttribute('alt') || inner.getAttribute('aria-label') || inner.getAttribute('title') || inner.textContent, 60);
  if (el.localName === 'input' && ['submit', 'button', 'reset'].includes(el.type)) return clip(el.value, 60);
  return clip(el.getAttribute('placeholder'), 60);
};
const pageWidth = Math.max(doc.clientWidth, 1);
const targets = [];
let looked = 0, inline = 0;
for (const el of d.all('a[href], button, input, select, textarea, summary, [role]', body)) {
  if (++looked > MAX) break;
  if (el.localName === 'input' && el.type === 'hidden') continue;
  if (!isTarget(el)) continue;
  const r = el.getBoundingClientRect();
  if (r.width === 0 && r.height === 0 && !el.firstElementChild) continue;  // not rendered
  const display = style(el).display;
  const inlineBox = display === 'inline' || display === 'contents';
  if (Math.min(r.width, r.height) < arg.tapsBelow && !BLOCK.test(display) && inText(el)) { inline++; continue; }
  let l = r.left, t = r.top, R = r.right, B = r.bottom;
  if (inlineBox) {  // an icon can be taller than the line box of its link
    let k = 0;
    for (const child of el.querySelectorAll('*')) {
      if (++k > 20) break;
      const c = child.getBoundingClientRect();
      if (c.width > 0 && c.height > 0) { l = Math.min(l, c.left); t = Math.min(t, c.top); R = Math.max(R, c.right); B = Math.max(B, c.bottom); }
    }
  }
  const w = R - l, h = B - t;
  if (w <= 1 || h <= 1) continue;                              // visually hidden (sr-only, skip links)
  const cx = (l + R) / 2 + scrollX, cy = (t + B) / 2 + scrollY;
  if (cx < 0 || cx > pageWidth || B + scrollY <= 0) continue;  // off the page (off-canvas, parked skip links)
  if (el.matches(':disabled') || closestIn(el, '[inert], [aria-disabled="true"]')) continue;
  if (up(el) && closestIn(up(el), 'a[href], button')) continue;  // the outer target counts
  if (!shown(el, true) || clippedAway(el, {left: l, top: t, right: R, bottom: B})) continue;
  targets.push({el, l: l + scrollX, t: t + scrollY, R: R + scrollX, B: B + scrollY, w, h, cx, cy});
}
const kept = targets.filter(x => Math.min(x.w, x.h) < arg.tapsBelow);
kept.sort((a, b) => Math.min(a.w, a.h) - Math.min(b.w, b.h));
const R2 = arg.tapsBelow;
out.taps = {targets: targets.length, small: kept.length, inline, items: kept.slice(0, arg.maxTaps).map(x => {
  let gap = null;
  const near = [];
  for (const y of targets) {
    const dx = Math.max(y.l - x.cx, 0, x.cx - y.R), dy = Math.max(y.t - x.cy, 0, x.cy - y.B);
    if (y === x || dx >= R2 || dy >= R2) continue;  // (its centre is further still)
    const d = Math.sqrt(dx * dx + dy * dy);
    if (d < R2 && (gap === null || d < gap)) gap = d;
    const side = Math.min(y.w, y.h);
    const dc = Math.sqrt((y.cx - x.cx) ** 2 + (y.cy - x.cy) ** 2);
    if (side < R2 && dc < R2) near.push([Math.round(dc * 10) / 10, Math.round(side * 10) / 10]);
  }
  near.sort((a, b) => a[0] - b[0]);
  const item = {sel: sel(x.el), name: nameOf(x.el), w: Math.round(x.w * 10) / 10, h: Math.round(x.h * 10) / 10,
    x: Math.round(x.l), y: Math.round(x.t), gap: gap === null ? null : Math.round(gap * 10) / 10, near: near.slice(0, 4)};
  if (x.el.labels && x.el.labels.length && (x.el.type === 'checkbox' || x.el.type === 'radio')) {
    let lw = 0, lh = 0;
    for (const label of x.el.labels) { const c = label.getBoundingClientRect(); if (c.width * c.height > lw * lh) { lw = c.width; lh = c.height; } }
    item.label_box = [Math.round(lw * 10) / 10, Math.round(lh * 10) / 10];
  }
  return item;
})};

// ---- M104: how much visible text is small (Lighthouse's font-size audit counts characters)
const SKIP = new Set(['script', 'style', 'noscript', 'template', 'title', 'option', 'optgroup', 'select', 'textarea']);
const sizes = new Map();
const hist = {};
const groups = new Map();
let chars = 0, nodes = 0, truncated = false;
d.walk(body, null, (node) => {
  const n = node.data.replace(/\s+/g, '').length;
  if (!n) return;
  if (++nodes > MAX) { truncated = true; return false; }
  const p = holder(node);  // a slotted text's slot has no box: the element around the slot
  if (!p) return;
  let px = sizes.get(p);
  if (px === undefined) {
    px = -1;
    // Rendered (a box), visible (visibility is inherited, so the parent's says it all), on the page,
    // not clipped away, not an icon font or a chart label.
    const r = p.getBoundingClientRect();
    if (r.width > 1 && r.height > 1 && r.bottom + scrollY > 0 && r.left + scrollX < pageWidth && r.right + scrollX > 0
        && !SKIP.has(p.localName) && style(p).visibility === 'visible' && !closestIn(p, 'svg, [aria-hidden="true"]')
        && !clippedAway(p, r)) px = parseFloat(style(p).fontSize) || -1;
    sizes.set(p, px);
  }
  if (px < 0) return;
  const key = String(Math.round(px * 2) / 2);
  hist[key] = (hist[key] || 0) + n;
  chars += n;
  if (px < arg.fontBelow) {
    let g = groups.get(p);
    if (!g) { g = {el: p, px: Math.round(px * 10) / 10, chars: 0, text: ''}; groups.set(p, g); }
    g.chars += n;
    if (g.text.length < 60) g.text = clip(g.text + ' ' + node.data, 60);
  }
});
const merged = new Map();
for (const g of groups.values()) {
  const key = sel(g.el) + '|' + g.px;
  const m = merged.get(key);
  if (m) m.chars += g.chars; else merged.set(key, {sel: sel(g.el), px: g.px, chars: g.chars, text: g.text});
}
out.text = {chars, sizes: hist, truncated, small: [...merged.values()].sort((a, b) => b.chars - a.chars).slice(0, arg.maxGroups)};

// ---- M105: fields that open a full keyboard
const fields = [];
for (const el of d.all('input')) {
  if (!['text', 'search', 'password'].includes(el.type)) continue;
  const mode = (el.getAttribute('inputmode') || '').trim().toLowerCase();
  if (['numeric', 'decimal', 'tel', 'none'].includes(mode) || el.disabled || el.readOnly) continue;
  if (!shown(el, false)) continue;
  const r = el.getBoundingClientRect();
  if (r.width <= 1 || r.height <= 1 || r.right + scrollX <= 0 || r.bottom + scrollY <= 0 || r.left + scrollX >= pageWidth) continue;
  fields.push(field(el));
  if (fields.length >= arg.maxFields) break;
}
out.fields = fields;
return out;
}"""
)

TARGET_JS = (
    "(els) => {"
    + _HELPERS
    + r"""
const el = els[0];
if (!el) return null;
const r = el.getBoundingClientRect();
const vv = window.visualViewport;
const out = {top: Math.round(r.top - (vv ? vv.offsetTop : 0)), height: Math.round(r.height),
  viewport_height: Math.round(vv ? vv.height : innerHeight), scroll_y: Math.round(scrollY)};
if (el.localName === 'input' && ['text', 'search', 'password'].includes(el.type)) out.field = field(el);
return out;
}"""
)


def _target(step: Any) -> Any | None:
    """The locator of a click/fill/check/select step, else None."""
    if step.action not in TARGET_ACTIONS:
        return None
    return getattr(step, step.action, None)


class MobileProbe(Probe):
    """Records how each new screen fits a phone, and how far down the next control was."""

    kind = "mobile"

    def __init__(self, clock: Any) -> None:
        super().__init__(clock)
        self._previous: Any | None = None  # the result of the step that just finished (ok)
        self._field: dict[str, Any] | None = None  # the field the coming fill step types into

    async def before_step(self, page: Any, step: Any) -> None:
        previous, self._previous, self._field = self._previous, None, None
        target = _target(step)
        if target is None or (previous is None and step.action != "fill"):
            return
        # evaluate_all does not wait: an element that is not there yet is simply not measured.
        facts = await locate(page, target).evaluate_all(TARGET_JS)
        if not facts:
            return
        field = facts.pop("field", None)
        if step.action == "fill" and field:
            self._field = field
        if previous is not None:
            describe = getattr(target, "describe", None)
            facts["step"] = self.clock.step
            facts["target"] = str(describe()) if callable(describe) else step.action
            previous.extra.setdefault(self.kind, {})["next"] = facts

    async def after_step(self, page: Any, step: Any, result: Any) -> None:
        self._previous = result
        mine: dict[str, Any] = {}
        if self._field is not None:
            mine["field"] = self._field
            self._field = None
        if result.new_screen:
            viewport = page.viewport_size or {}
            mine["screen"] = await page.evaluate(
                SCREEN_JS,
                {
                    "vw": int(viewport.get("width") or 0) or None,
                    "maxElements": MAX_ELEMENTS,
                    "maxOverflow": MAX_OVERFLOW,
                    "tapsBelow": RECORD_TAPS_BELOW_PX,
                    "maxTaps": MAX_TAPS,
                    "fontBelow": RECORD_FONT_BELOW_PX,
                    "maxGroups": MAX_TEXT_GROUPS,
                    "maxFields": MAX_FIELDS,
                },
            )
        if mine:
            result.extra.setdefault(self.kind, {}).update(mine)
