"""The speed and stability probe: raw Web Vitals style timings per step (rules P102–P106).

One init script, added to every top-level document before its own scripts, buffers in the page:

- the document's **navigation timing** (``responseStart`` from the navigation's start, as web-vitals'
  TTFB; the server's part ``responseStart - requestStart``; the set-up before the request);
- its latest **largest-contentful-paint** entry (Chromium stops emitting them at the first input;
  entries after the first scroll are ignored too, since the replay scrolls by script, without input);
- every **layout-shift** entry, with the milliseconds since the last scripted input before it
  (``pointerdown``, ``mousedown``, ``touchstart``, ``keydown``, ``input``, ``change``), so the rule can
  leave out shifts the customer caused, identically on every channel (Chromium's own
  ``hadRecentInput`` flag is not used: under touch emulation it differs from desktop);
- every **longtask** entry, and the scripts of **long-animation-frame** entries (who blocked);
- for each trusted ``pointerdown`` (a click), the **first visible change** after it: a DOM mutation
  of something rendered, a navigation starting (the Navigation API's ``navigate`` event, else
  ``pagehide``), a form control changing state, a ``<details>``/popover toggling, a text field
  taking focus, media starting to play, a native dialog, a popup or a download (the last two from
  Playwright's events, passed on to the page).

``before_step`` and ``after_step`` each read and reset the buffers with ONE ``page.evaluate``. What is
read belongs to the last **acting** step (goto, click, fill, select, check, press, hover, scroll):
``wait``, ``expect`` and ``capture`` only watch, so what happens while they wait is the consequence
of the action before them. A navigation resets the page's JavaScript; on ``pagehide`` the old
document hands its unread buffers to the next one through ``sessionStorage`` (same origin only: what
a cross-origin navigation leaves behind is lost).

frictionaudit's own work in the page (the screenshot, the other probes, axe-core's scan) runs after a
step settled and can create long tasks, so only long tasks that start while the step runs are kept:
after the step's first input reached the page (a pointer move or press, a key, a wheel, a scroll, an
``input``/``change``) and before it settled, and while a following wait/expect waits. Playwright's screenshot
helpers (``x-pw-*`` elements, its ``<style>``, its ``caret-color`` change) are not "visible changes",
nor is scrolling (axe-core scrolls while it scans).

Recorded in ``StepResult.extra["perf"]`` (times ``at`` in seconds on the journey clock, like
``StepResult.started``; durations in seconds unless named ``ms``)::

    {"pages": [{"url": "https://x/", "at": 0.41, "ttfb": 0.92, "server": 0.9, "setup": 0.02,
                "type": "navigate", "lcp": 1.3, "lcp_element": "img.hero", "lcp_url": "https://x/hero.jpg",
                "lcp_size": 120000}],
     "shifts": [[3.2104, 0.183, 912, "div#offers"]],       # at, score, ms since input (None), source
     "long_tasks": [[3.3, 812, true]],                      # at, ms, in the document the step began in
     "scripts": [["BUTTON#pay.onclick", "https://x/app.js", "pay", 790]],
     "clicks": [{"at": 3.2, "answer": 1.52, "kind": "mutation", "what": "p#done", "waited": 1.52}],
     "dropped": 0}

A click's ``answer`` is None when nothing visible changed before the watch ended (the next acting
step, a navigation, or ``WATCH_SECONDS``); ``waited`` says how long was watched.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from frictionaudit.gather.collectors import Probe, clip

ACTING = {"goto", "click", "fill", "select", "check", "press", "hover", "scroll"}
WATCH_SECONDS = 10.0  # a click's watch for its first visible change ends after this
BUSY_SECONDS = 1.5  # an element that changed this shortly before the click changes by itself
MAX_PER_STEP = 50
READ_TIMEOUT_SECONDS = 5.0
# A long task that starts this long after the step settled is frictionaudit's own work.
SETTLE_MARGIN_SECONDS = 0.05

INIT_SCRIPT = r"""
(() => {
  const NAME = '__frictionauditPerf', KEY = '__frictionaudit_perf';
  try { if (window.top !== window || window[NAME] || !/^https?:$/.test(location.protocol)) return; } catch (e) { return; }
  const HORIZON = %(horizon)d, BUSY = %(busy)d, CAP = 200;
  const T0 = performance.timeOrigin;
  const ep = (t) => Math.round((T0 + t) * 10) / 10;
  const doc = Math.random().toString(36).slice(2, 10);
  let shifts = [], tasks = [], scripts = [], clicks = [], dropped = 0, carried = [];
  let lcp = null, lcpSent = false, navSent = false, pending = null;
  const inputs = [];
  const push = (list, item) => { if (list.length < CAP) list.push(item); else dropped++; };
  const noQuery = (u) => String(u || '').split(/[?#]/)[0].slice(0, 300);
  const describe = (node) => {
    const el = node && node.nodeType === 1 ? node : node && node.parentElement;
    if (!el || !el.localName) return '';
    let s = el.localName + (el.id ? '#' + el.id : '');
    const cls = typeof el.className === 'string' ? el.className : (el.getAttribute('class') || '');
    const parts = cls.trim().split(/\s+/).filter((c) => c && c.length <= 40).slice(0, 2);
    if (parts.length) s += '.' + parts.join('.');
    return s.slice(0, 100);
  };
  // Each observer with its handler: a read takes the entries not yet delivered (see take), so what a
  // read sees does not depend on when the browser gets round to calling the observers.
  const observers = [];
  const each = (entries, fn) => { for (const e of entries) { try { fn(e); } catch (x) {} } };
  const observe = (type, fn) => {
    try {
      const o = new PerformanceObserver((list) => each(list.getEntries(), fn));
      o.observe({ type, buffered: true });
      observers.push([o, fn]);
    } catch (e) {}
  };
  try {
    const raw = sessionStorage.getItem(KEY);
    if (raw) {
      sessionStorage.removeItem(KEY);
      const old = JSON.parse(raw);  // the unread buffers of the documents before this one
      if (old && Math.abs(Date.now() - old.now) < 60000) {
        carried = [...(Array.isArray(old.carried) ? old.carried : []), { ...old, carried: [] }].slice(-5);
      }
    }
  } catch (e) {}

  // ---- inputs (for the layout-shift exclusion) and the click watch
  const noteInput = (t) => { inputs.push(t); if (inputs.length > 20) inputs.shift(); };
  const end = (w, kind, t, what) => {
    if (pending !== w) return;
    pending = null;
    const waited = Math.round(t - w.t);
    const seen = kind && waited <= HORIZON;
    push(clicks, { id: w.id, at: w.id, answer: seen ? waited : null, kind: seen ? kind : null,
                   what: seen ? String(what || '').slice(0, 100) : '', waited });
  };
  const answer = (kind, what) => { if (pending) end(pending, kind, performance.now(), what); };
  // When the step's action first reached this document (reset before each acting step): long tasks
  // from then on follow the action; earlier ones are the page's own (still loading, a timer).
  let acted = null;
  const act = (e) => { if (acted === null) acted = e.timeStamp; };
  for (const type of ['pointermove', 'wheel']) addEventListener(type, (e) => { if (e.isTrusted) act(e); }, true);
  addEventListener('scroll', (e) => { if (e.target === document) act(e); }, true);
  for (const type of ['pointerdown', 'mousedown', 'touchstart', 'keydown']) {
    addEventListener(type, (e) => {
      if (!e.isTrusted) return;
      act(e);
      noteInput(e.timeStamp);
      if (type === 'pointerdown') {
        if (pending) end(pending, null, e.timeStamp, '');
        pending = { t: e.timeStamp, id: ep(e.timeStamp), target: e.target };
      } else if (type === 'keydown' && pending) {
        end(pending, null, e.timeStamp, '');
      }
    }, true);
  }
  // A control the click changed (a checkbox, a radio, through its label); not another field's
  // "change" when the click took the focus away from it.
  const related = (a, b) => !!a && !!b && a.contains && (a === b || a.contains(b) || (b.contains && b.contains(a)) ||
    [...(b.labels || [])].some((label) => label.contains(a)));
  const control = (e) => {
    act(e);
    noteInput(e.timeStamp);
    if (pending && related(pending.target, e.target)) answer('control', describe(e.target));
  };
  addEventListener('input', control, true);
  addEventListener('change', control, true);
  addEventListener('toggle', (e) => answer('toggle', describe(e.target)), true);
  addEventListener('play', (e) => answer('media', describe(e.target)), true);
  addEventListener('focusin', (e) => {
    const el = e.target;
    if (!el || !el.localName) return;
    const text = el.isContentEditable || el.localName === 'textarea' || (el.localName === 'input' &&
      !/^(button|submit|reset|checkbox|radio|image|file|hidden|range|color)$/i.test(el.type || ''));
    if (text) answer('focus', describe(el));
  }, true);
  // A new document starting to load (the browser shows it), or a jump to an anchor. A single-page
  // app's history.pushState is not an answer yet: its new view is (a DOM change).
  try {
    navigation.addEventListener('navigate', (e) => {
      if (!(e.destination && e.destination.sameDocument) || e.hashChange) answer('navigation', '');
    });
  } catch (e) {}
  for (const name of ['alert', 'confirm', 'prompt']) {  // native dialogs (Playwright dismisses them)
    const original = window[name];
    if (typeof original !== 'function') continue;
    try {
      window[name] = new Proxy(original, { apply(target, self, args) { answer('dialog', name); return Reflect.apply(target, self, args); } });
    } catch (e) {}
  }

  // ---- what counts as a visible change
  const SKIP = new Set(['script', 'style', 'link', 'meta', 'noscript', 'template', 'base', 'title', 'head']);
  const ours = (n) => !!n && typeof n.localName === 'string' && n.localName.startsWith('x-pw');
  const shown = (el) => {
    if (!el || el.nodeType !== 1 || SKIP.has(el.localName) || ours(el) || !el.isConnected) return false;
    if (el.closest('x-pw-glass')) return false;
    const visible = el.checkVisibility
      ? el.checkVisibility({ opacityProperty: true, visibilityProperty: true })
      : el.getClientRects().length > 0;
    if (!visible) return false;
    const r = el.getBoundingClientRect();
    return (r.width >= 2 && r.height >= 2) || /\S/.test(el.textContent || '');
  };
  const text = (n) => n.nodeType === 3 && /\S/.test(n.data);
  const noCaret = (s) => String(s || '').replace(/caret-color\s*:[^;]*;?/gi, '').trim();
  const visibleChange = (r) => {
    const t = r.target;
    if (r.type === 'childList') {
      for (const n of r.addedNodes) if (n.nodeType === 1 ? shown(n) : text(n) && shown(t)) return n;
      if (shown(t)) {
        for (const n of r.removedNodes) {
          if (n.nodeType === 1 ? !SKIP.has(n.localName) && !ours(n) : text(n)) return t;
        }
      }
      return null;
    }
    if (r.type === 'characterData') return text(t) && shown(t.parentElement) ? t : null;
    if (t.nodeType !== 1 || SKIP.has(t.localName) || ours(t)) return null;
    if (r.attributeName === 'style' && noCaret(r.oldValue) === noCaret(t.getAttribute('style'))) return null;
    if (shown(t)) return t;
    // an element that was just hidden: its parent is still there to see it go
    return /^(class|style|hidden|open)$/.test(r.attributeName) && shown(t.parentElement) ? t : null;
  };
  // Text and inline styles that keep changing by themselves (a clock, a ticker, a JavaScript
  // animation): changed at least twice, each within BUSY ms of the last, the last just before the click.
  const busy = new WeakMap();
  const restless = (r) => r.type === 'characterData' || (r.type === 'attributes' && r.attributeName === 'style') ||
    (r.type === 'childList' && [...r.addedNodes, ...r.removedNodes].every((n) => n.nodeType === 3));
  try {
    new MutationObserver((records) => {
      const now = performance.now();
      for (const r of records) {
        const w = pending, still = restless(r), b = still ? busy.get(r.target) : undefined;
        if (still) busy.set(r.target, b && now - b.t <= BUSY ? { t: now, n: b.n + (now - b.t > 20 ? 1 : 0) } : { t: now, n: 1 });
        if (!w || (b && b.n >= 2 && b.t >= w.t - BUSY)) continue;  // no click, or it was changing by itself
        const node = visibleChange(r);
        if (node) end(w, 'mutation', now, describe(node));
      }
    }).observe(document, { subtree: true, childList: true, attributes: true, characterData: true,
                           attributeOldValue: true });
  } catch (e) {}

  // ---- performance entries
  observe('layout-shift', (e) => {
    let src = null, best = -1;
    for (const s of e.sources || []) {
      const a = s.currentRect.width * s.currentRect.height + s.previousRect.width * s.previousRect.height;
      if (s.node && a > best) { best = a; src = s.node; }
    }
    let since = null;
    for (let i = inputs.length - 1; i >= 0; i--) {
      if (inputs[i] <= e.startTime) { since = Math.round(e.startTime - inputs[i]); break; }
    }
    push(shifts, [ep(e.startTime), Math.round(e.value * 10000) / 10000, since, describe(src)]);
  });
  const afterAction = (t) => acted !== null && t >= acted - 5;
  observe('longtask', (e) => push(tasks, [ep(e.startTime), Math.round(e.duration), afterAction(e.startTime)]));
  observe('long-animation-frame', (e) => {
    if (!(e.blockingDuration > 0)) return;
    for (const s of e.scripts || []) {
      if (s.duration >= 20 && afterAction(s.startTime)) {
        push(scripts, [ep(s.startTime), Math.round(s.duration), String(s.invoker || '').slice(0, 100),
                       noQuery(s.sourceURL), String(s.sourceFunctionName || '').slice(0, 60)]);
      }
    }
  });
  // A customer scrolls with input, which ends LCP; the replay scrolls by script (Playwright brings a
  // control into view before clicking it): what is painted after a scroll is not the page's LCP.
  let scrolled = Infinity;
  addEventListener('scroll', (e) => { if (e.target === document && scrolled === Infinity) scrolled = e.timeStamp; }, true);
  observe('largest-contentful-paint', (e) => {
    if (e.startTime > scrolled) return;
    lcp = { t: e.startTime, size: e.size, el: describe(e.element), url: noQuery(e.url) };
    lcpSent = false;
  });
  const pageRecord = () => {
    if (!/^https?:$/.test(location.protocol)) return null;
    if (navSent && (!lcp || lcpSent)) return null;
    const nav = performance.getEntriesByType('navigation')[0];
    if (!nav) return null;
    navSent = true;
    const act = nav.activationStart || 0;
    const rec = { doc, url: String(nav.name || location.href).slice(0, 1000), type: nav.type };
    if (nav.responseStart > 0) {
      rec.ttfb = Math.max(nav.responseStart - act, 0);
      rec.server = nav.requestStart > 0 ? Math.max(nav.responseStart - nav.requestStart, 0) : null;
      rec.setup = nav.requestStart > 0 ? Math.max(nav.requestStart - act, 0) : null;
    }
    if (lcp) {
      lcpSent = true;
      Object.assign(rec, { lcp: Math.max(lcp.t - act, 0), lcp_element: lcp.el, lcp_url: lcp.url, lcp_size: lcp.size });
    }
    return rec;
  };

  const take = (close) => {
    for (const [o, fn] of observers) each(o.takeRecords(), fn);
    const now = performance.now();
    if (pending && (close || now - pending.t > HORIZON)) end(pending, null, now, '');
    if (close) acted = null;
    const open = pending ? [{ id: pending.id, at: pending.id, answer: null, kind: null, what: '',
                              waited: Math.round(now - pending.t), open: true }] : [];
    const out = { doc, now: ep(now), page: pageRecord(), shifts, tasks, scripts,
                  clicks: clicks.concat(open), dropped, carried };
    shifts = []; tasks = []; scripts = []; clicks = []; dropped = 0; carried = [];
    return out;
  };
  addEventListener('pagehide', () => {
    answer('navigation', '');
    const out = take(false);
    if (out.page || out.shifts.length || out.tasks.length || out.scripts.length || out.clicks.length ||
        out.carried.length) {
      try { sessionStorage.setItem(KEY, JSON.stringify(out)); } catch (e) {}
    }
  }, true);
  const signal = (kind, ago) => { if (pending) end(pending, kind, performance.now() - Math.max(0, ago || 0), ''); };
  try { Object.defineProperty(window, NAME, { value: { take, signal } }); } catch (e) {}
})();
""" % {"horizon": int(WATCH_SECONDS * 1000), "busy": int(BUSY_SECONDS * 1000)}

_TAKE = "(close) => window.__frictionauditPerf ? window.__frictionauditPerf.take(close) : null"
_SIGNAL = "([kind, ago]) => window.__frictionauditPerf && window.__frictionauditPerf.signal(kind, ago)"


def _seconds(ms: Any) -> float | None:
    return None if not isinstance(ms, int | float) else round(float(ms) / 1000, 4)


class PerformanceProbe(Probe):
    """TTFB, LCP, layout shifts, long tasks and click feedback, read twice per step."""

    kind = "perf"
    init_script = INIT_SCRIPT

    def __init__(self, clock: Any) -> None:
        super().__init__(clock)
        # The page's clock is epoch milliseconds; this turns it into the journey clock.
        self._epoch0 = time.time() - (time.monotonic() - clock.start)
        self._owner: Any = None  # the acting step whose observations are being collected
        self._doc: str | None = None  # the document the owner began in
        self._pages: dict[str, dict[str, Any]] = {}
        self._clicks: dict[float, dict[str, Any]] = {}
        self._action_start = 0.0  # journey clock, when the current step's action began
        self._tasks: set[asyncio.Task[Any]] = set()

    # ------------------------------------------------------------------ hooks

    def attach(self, page: Any) -> None:
        # A popup or a download is the browser's answer to a click, outside the page: tell the page.
        page.on("popup", lambda _popup: self._signal(page, "popup"))
        page.on("download", lambda _download: self._signal(page, "download"))

    def _signal(self, page: Any, kind: str) -> None:
        seen = time.monotonic()

        async def send() -> None:
            try:
                ago = round((time.monotonic() - seen) * 1000)
                await asyncio.wait_for(page.evaluate(_SIGNAL, [kind, ago]), READ_TIMEOUT_SECONDS)
            except Exception:
                pass  # the page is gone or busy: the watch ends at the next step anyway

        task = asyncio.ensure_future(send())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def before_step(self, page: Any, step: Any) -> None:
        acting = step.action in ACTING
        data = await self._take(page, close=acting)
        if data is not None and self._owner is not None:
            self._merge(self._owner, data, running=None)
        if acting:
            self._owner = None
            self._doc = data.get("doc") if data else None
        self._action_start = self.clock.now()

    async def after_step(self, page: Any, step: Any, result: Any) -> None:
        acting = step.action in ACTING
        owner = result if acting or self._owner is None else self._owner
        if acting:
            self._owner = result
        settled = self._action_start + float(result.duration or 0.0)
        data = await self._take(page, close=False)
        perf = owner.extra.setdefault(self.kind, _empty())
        if data is not None:
            self._merge(owner, data, running=(self._action_start, settled))
        if not any(perf[k] for k in ("pages", "shifts", "long_tasks", "scripts", "clicks")) and not perf["dropped"]:
            owner.extra.pop(self.kind, None)

    # ------------------------------------------------------------------ reading

    async def _take(self, page: Any, *, close: bool) -> dict[str, Any] | None:
        try:
            data = await asyncio.wait_for(page.evaluate(_TAKE, close), READ_TIMEOUT_SECONDS)
        except TimeoutError:
            raise  # a frozen page: the replay notices and spares the other probes
        except Exception as exc:
            text = str(exc)
            if "Execution context was destroyed" in text or "navigation" in text.lower():
                return None  # a navigation under way: the next document carries the buffers over
            raise
        return data if isinstance(data, dict) else None

    def _at(self, epoch_ms: Any) -> float:
        return round(float(epoch_ms) / 1000 - self._epoch0, 4)

    def _merge(self, owner: Any, data: dict[str, Any], running: tuple[float, float] | None) -> None:
        """File one reading under ``owner``; ``running`` is (action start, settled) on the journey clock,
        or None when the reading covers only time after the owner settled."""
        perf = owner.extra.get(self.kind)
        if not isinstance(perf, dict):
            perf = owner.extra[self.kind] = _empty()
        carried = data.get("carried")
        for part in [*(carried if isinstance(carried, list) else []), data]:
            if isinstance(part, dict):
                self._merge_part(perf, part, running)

    def _merge_part(self, perf: dict[str, Any], part: dict[str, Any], running: tuple[float, float] | None) -> None:
        doc = str(part.get("doc") or "")
        same = bool(doc) and doc == self._doc
        perf["dropped"] += int(part.get("dropped") or 0)
        page = part.get("page")
        if isinstance(page, dict):
            self._merge_page(perf, doc, page, self._at(part.get("now") or 0))
        for at, value, since, source in _rows(part.get("shifts"), 4):
            _add(perf, "shifts", [self._at(at), round(float(value), 4), since, clip(str(source or ""), 100)])
        for at, ms, after_action in _rows(part.get("tasks"), 3):
            start = self._at(at)
            if (
                not after_action
                or running is None
                or not running[0] - SETTLE_MARGIN_SECONDS <= start <= running[1] + SETTLE_MARGIN_SECONDS
            ):
                perf["other_long_tasks"] = perf.get("other_long_tasks", 0) + 1
                continue
            _add(perf, "long_tasks", [start, int(ms), same])
        for at, ms, invoker, source, function in _rows(part.get("scripts"), 5):
            start = self._at(at)
            if running is None or not running[0] - SETTLE_MARGIN_SECONDS <= start <= running[1] + SETTLE_MARGIN_SECONDS:
                continue
            _add(perf, "scripts", [clip(str(invoker), 100), clip(str(source), 300), clip(str(function), 60), int(ms)])
        for click in part.get("clicks") or []:
            if isinstance(click, dict) and isinstance(click.get("id"), int | float):
                self._merge_click(perf, click)

    def _merge_page(self, perf: dict[str, Any], doc: str, page: dict[str, Any], at: float) -> None:
        record = self._pages.get(doc)
        if record is None:
            if len(perf["pages"]) >= MAX_PER_STEP:
                perf["dropped"] += 1
                return
            record = {"url": clip(str(page.get("url") or ""), 1000), "at": at, "type": str(page.get("type") or "")}
            for key in ("ttfb", "server", "setup"):
                record[key] = _seconds(page.get(key))
            self._pages[doc] = record
            perf["pages"].append(record)
        if isinstance(page.get("lcp"), int | float):
            record["lcp"] = _seconds(page["lcp"])
            record["lcp_element"] = clip(str(page.get("lcp_element") or ""), 100)
            record["lcp_url"] = clip(str(page.get("lcp_url") or ""), 300)
            record["lcp_size"] = int(page.get("lcp_size") or 0)

    def _merge_click(self, perf: dict[str, Any], click: dict[str, Any]) -> None:
        key = float(click["id"])
        record = self._clicks.get(key)
        if record is None:
            if len(perf["clicks"]) >= MAX_PER_STEP:
                perf["dropped"] += 1
                return
            record = self._clicks[key] = {"at": self._at(key)}
            perf["clicks"].append(record)
        answer = click.get("answer")
        record["answer"] = _seconds(answer)
        record["kind"] = click.get("kind") if answer is not None else None
        record["what"] = clip(str(click.get("what") or ""), 100)
        record["waited"] = _seconds(click.get("waited")) or 0.0
        if click.get("open"):
            record["open"] = True
        else:
            record.pop("open", None)


def _empty() -> dict[str, Any]:
    return {"pages": [], "shifts": [], "long_tasks": [], "scripts": [], "clicks": [], "dropped": 0}


def _rows(rows: Any, width: int) -> list[list[Any]]:
    """Well-formed rows of a buffer (a hostile page may have replaced anything)."""
    if not isinstance(rows, list):
        return []
    return [r for r in rows if isinstance(r, list) and len(r) == width and isinstance(r[0], int | float)]


def _add(perf: dict[str, Any], key: str, row: list[Any]) -> None:
    if len(perf[key]) < MAX_PER_STEP:
        perf[key].append(row)
    else:
        perf["dropped"] += 1
