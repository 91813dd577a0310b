"""The click probe: what happened in the page after a click, press, select or check (rules F101, F102).

An init script, added to every page before its own scripts, watches the document:

- a ``MutationObserver`` on the whole document (Playwright's own screenshot helpers, ``x-pw-*``
  elements, its ``body {}`` style and its ``caret-color`` change, are not counted);
- capture-phase listeners for the first input event after the probe arms it (``pointerdown``,
  ``mousedown``, ``keydown``, ``click``, ``input``, ``change``): when, on which control, and
  whether that looks clickable (a link, button, form control, widget role, or a pointer cursor);
- ``scroll`` (any element), ``focusin`` (focus moving somewhere other than the control itself, or
  into a field one types in), ``input``/``change`` events (a checkbox or radio changing state
  changes no attribute), ``alert``/``confirm``/``prompt`` calls (native dialogs);
- uncaught errors (``error`` events carrying an exception) and unhandled promise rejections, each
  marked ``sync`` when it was raised while the browser dispatched one of the action's own input
  events (the control's handler threw).

``before_step`` arms the watcher for a click, press, select or check (one ``page.evaluate``);
``after_step`` reads it back (a second one). When nothing at all happened yet, the probe waits until
``OBSERVE_SECONDS`` after the input and reads once more, so "nothing happened within 1 s" is a
fact, not a guess (only for a click on something that looks clickable: a click on plain text
promises nothing). Popups, downloads, main-frame navigations and requests are seen from
Playwright's events.

Recorded in ``StepResult.extra["click"]`` (times in seconds after the input; absent = did not happen
within ``observed`` seconds)::

    {"at": 3.2104,              # journey clock time of the input (StepResult.started's clock)
     "input": "pointerdown", "control": 'button "Pay now"', "interactive": true, "observed": 1.0,
     "new_document": false, "mutations": 0, "first": {"mutation": 0.012, "scroll": ..., "focus": ...,
     "change": ..., "dialog": ..., "popup": ..., "download": ..., "navigation": ..., "request": ...},
     "errors": [{"message": "TypeError: ...", "after": 0.003, "sync": true}]}

The rules also read ``StepResult.requests`` (``started`` is on the same clock as ``at``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from frictionaudit.gather.collectors import Probe, clip

ACTIONS = ("click", "press", "select", "check")
OBSERVE_SECONDS = 1.0
MAX_ERRORS = 5

INIT_SCRIPT = r"""
(() => {
  if (window.__frictionauditInput) return;
  const OBSERVE_MS = %(observe_ms)d, MAX_ERRORS = %(max_errors)d;
  const docId = Math.random().toString(36).slice(2);
  const now = () => performance.now();
  let state = null;
  let dispatching = false;
  const clip = (s, n) => { s = String(s == null ? '' : s).replace(/\s+/g, ' ').trim(); return s.length > n ? s.slice(0, n - 1) + '…' : s; };
  const watching = () => state && state.input && now() - state.input.t <= OBSERVE_MS;
  const first = (key) => {
    if (watching() && state.first[key] === undefined) state.first[key] = Math.round(now() - state.input.t) / 1000;
  };
  const CONTROL = 'a[href],button,input,select,textarea,label,summary,[role=button],[role=link],[role=tab],' +
    '[role=menuitem],[role=checkbox],[role=radio],[role=switch],[role=option],[onclick],' +
    '[tabindex]:not([tabindex="-1"])';
  // Looks clickable to a customer: a control, or anything under a pointer cursor (as Sentry and
  // Clickport decide which dead clicks count).
  const interactive = (target) => {
    const el = target && target.nodeType === 1 ? target : target && target.parentElement;
    if (!el) return false;
    if (el.closest && el.closest(CONTROL)) return true;
    try { return getComputedStyle(el).cursor === 'pointer'; } catch (e) { return false; }
  };
  const describe = (target) => {
    let el = target && target.nodeType === 1 ? target : target && target.parentElement;
    if (!el) return '';
    el = (el.closest && el.closest(CONTROL)) || el;
    const role = el.getAttribute('role') || el.localName;
    const img = el.querySelector && el.querySelector('img[alt]');
    // Never a field's value (it may be a password): its label, placeholder or name instead.
    const field = /^(input|select|textarea)$/.test(el.localName) && !/^(button|submit|reset)$/.test(el.type);
    const label = field && el.labels && el.labels.length ? el.labels[0].innerText : '';
    const name = el.getAttribute('aria-label') || (field ? label || el.placeholder || el.name :
      clip(el.innerText, 60) || el.value) || el.title || (img && img.alt) || (el.id ? '#' + el.id : '');
    return clip(name ? role + ' "' + clip(name, 60) + '"' : role, 90);
  };
  // Playwright's screenshots add x-pw-* elements (masks), a <style>body {}</style> and caret-color.
  const ours = (node) => !!node && !!node.nodeName &&
    (node.nodeName.startsWith('X-PW') || (node.nodeName === 'STYLE' && node.textContent === 'body {}'));
  const noCaret = (s) => String(s || '').replace(/caret-color\s*:[^;]*;?/gi, '').trim();
  const counts = (r) => {
    if (ours(r.target) || (r.target.closest && r.target.closest('x-pw-glass'))) return false;
    if (r.type === 'childList') {
      const nodes = [...r.addedNodes, ...r.removedNodes];
      return !nodes.length || !nodes.every(ours);
    }
    if (r.type === 'attributes' && r.attributeName === 'style')
      return noCaret(r.oldValue) !== noCaret(r.target.getAttribute && r.target.getAttribute('style'));
    return true;
  };
  const observer = new MutationObserver((records) => {
    if (!watching()) return;
    for (const r of records) {
      if (!counts(r)) continue;
      state.mutations++;
      first('mutation');
    }
  });
  observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true, attributeOldValue: true });
  const INPUTS = ['pointerdown', 'mousedown', 'pointerup', 'mouseup', 'click', 'keydown', 'keyup', 'input', 'change'];
  const onInput = (e) => {
    const synthetic = e.type === 'input' || e.type === 'change';  // select_option dispatches these itself
    if (!e.isTrusted && !synthetic) return;
    dispatching = true;
    setTimeout(() => { dispatching = false; }, 0);
    if (synthetic) first('change');  // a checkbox, radio or field changed its value: a response
    if (!state || state.input) return;
    state.input = { t: now(), type: e.type, control: describe(e.target), interactive: interactive(e.target) };
    state.target = e.target;
  };
  for (const type of INPUTS) addEventListener(type, onInput, true);
  addEventListener('scroll', () => first('scroll'), true);
  // Focus moving to the clicked control itself is no response (Chromium focuses a clicked button),
  // unless the control is where one types: then the caret is the response.
  const editable = (el) => !!el && (el.isContentEditable || el.localName === 'textarea' || el.localName === 'select' ||
    (el.localName === 'input' && !/^(button|submit|reset|image|checkbox|radio|file|color|range)$/.test(el.type)));
  addEventListener('focusin', (e) => {
    if (!watching()) return;
    const t = state.target, f = e.target;
    const self = t && f && (f === t || (f.contains && f.contains(t)) || (t.contains && t.contains(f)));
    if (self && !editable(f)) return;
    first('focus');
  }, true);
  const recordError = (message) => {
    if (!state || !state.input || state.errors.length >= MAX_ERRORS) return;
    state.errors.push({ message: clip(message, 300), after: Math.round(now() - state.input.t) / 1000, sync: dispatching });
  };
  addEventListener('error', (e) => {
    if (!(e instanceof ErrorEvent)) return;  // a resource that failed to load: the network rules' business
    const err = e.error;
    recordError(err && err.name && err.message !== undefined ? err.name + ': ' + err.message : e.message);
  }, true);
  addEventListener('unhandledrejection', (e) => {
    const r = e.reason;
    recordError(r && r.name && r.message !== undefined ? r.name + ': ' + r.message : 'Unhandled rejection: ' + String(r));
  }, true);
  for (const name of ['alert', 'confirm', 'prompt']) {
    const original = window[name];
    if (typeof original !== 'function') continue;
    try {
      window[name] = new Proxy(original, { apply(target, self, args) { first('dialog'); return Reflect.apply(target, self, args); } });
    } catch (e) {}
  }
  const api = {
    arm() { state = { input: null, target: null, mutations: 0, first: {}, errors: [] }; return docId; },
    report() {
      if (!state) return { doc: docId, armed: false };
      const input = state.input;
      return {
        doc: docId, armed: true,
        input: input && { type: input.type, control: input.control, interactive: input.interactive,
                          ago: Math.round(now() - input.t) / 1000 },
        mutations: state.mutations, first: state.first, errors: state.errors,
      };
    },
  };
  try { Object.defineProperty(window, '__frictionauditInput', { value: api }); } catch (e) {}
})();
""" % {"observe_ms": int(OBSERVE_SECONDS * 1000), "max_errors": MAX_ERRORS}

_ARM = "() => window.__frictionauditInput ? window.__frictionauditInput.arm() : null"
_REPORT = "() => window.__frictionauditInput ? window.__frictionauditInput.report() : null"


class InteractionProbe(Probe):
    """Raw facts about what a click, press, select or check set off in the page."""

    kind = "click"
    init_script = INIT_SCRIPT

    def __init__(self, clock: Any) -> None:
        super().__init__(clock)
        self._doc: str | None = None
        self._armed_at: float | None = None
        self._events: dict[str, list[float]] = {"popup": [], "download": [], "navigation": [], "request": []}
        self._main: Any = None

    def attach(self, page: Any) -> None:
        self._main = page.main_frame
        page.on("popup", lambda _popup: self._event("popup"))
        page.on("download", lambda _download: self._event("download"))
        page.on("framenavigated", self._on_navigated)
        page.on("request", lambda _request: self._event("request"))

    def _on_navigated(self, frame: Any) -> None:
        if frame is self._main:
            self._event("navigation")

    def _event(self, kind: str) -> None:
        if self._armed_at is not None and len(self._events[kind]) < 20:
            self._events[kind].append(self.clock.now())

    async def before_step(self, page: Any, step: Any) -> None:
        self._doc = None
        self._armed_at = None
        if step.action not in ACTIONS:
            return
        for events in self._events.values():
            events.clear()
        self._armed_at = self.clock.now()
        self._doc = await page.evaluate(_ARM)

    async def after_step(self, page: Any, step: Any, result: Any) -> None:
        if self._armed_at is None:
            return
        try:
            facts = await self._read(page)
            if facts is not None:
                result.extra[self.kind] = facts
        finally:
            self._armed_at = None

    async def _read(self, page: Any) -> dict[str, Any] | None:
        report = await page.evaluate(_REPORT)
        read_at = self.clock.now()
        if not report:
            return None
        new_document = report.get("doc") != self._doc
        input_ = report.get("input") if not new_document else None
        if new_document or not input_:
            # The input happened in a document that is gone (a navigation), or no input event reached
            # the page (a key press on nothing, a select without events): nothing to time.
            return {
                "at": None,
                "input": None,
                "control": "",
                "new_document": new_document,
                "first": self._playwright_firsts(self._armed_at),
            }
        at = read_at - float(input_["ago"])
        if (
            step_is_click(input_)
            and input_.get("interactive")  # a click on plain text promises nothing: no need to watch on
            and not report.get("mutations")
            and not report.get("first")
            and not self._since(at)
            and input_["ago"] < OBSERVE_SECONDS
        ):
            await asyncio.sleep(OBSERVE_SECONDS - float(input_["ago"]) + 0.02)
            again = await page.evaluate(_REPORT)
            if again and again.get("doc") == self._doc and again.get("input"):
                report = again
                input_ = again["input"]
            else:
                new_document = True
        first = {k: float(v) for k, v in (report.get("first") or {}).items()}
        first.update({k: v for k, v in self._playwright_firsts(at).items() if k not in first})
        return {
            "at": round(at, 4),
            "input": input_["type"],
            "control": clip(input_.get("control") or "", 90),
            "interactive": bool(input_.get("interactive")),
            "observed": round(min(float(input_["ago"]), OBSERVE_SECONDS), 3),
            "new_document": new_document,
            "mutations": int(report.get("mutations") or 0),
            "first": first,
            "errors": [
                {"message": clip(str(e.get("message", "")), 300), "after": e.get("after"), "sync": bool(e.get("sync"))}
                for e in (report.get("errors") or [])[:MAX_ERRORS]
            ],
        }

    def _since(self, at: float) -> bool:
        return any(t >= at - 0.05 for events in self._events.values() for t in events)

    def _playwright_firsts(self, at: float | None) -> dict[str, float]:
        """Seconds from the input (or from arming) to the first popup, download, navigation and request."""
        start = at if at is not None else self._armed_at or 0.0
        found = {}
        for kind, times in self._events.items():
            later = [t for t in times if t >= start - 0.05]
            if later:
                found[kind] = round(max(0.0, later[0] - start), 3)
        return found


def step_is_click(input_: dict[str, Any]) -> bool:
    """The input came from a pointer (a click or a check), not from the keyboard or a select."""
    return input_.get("type") in ("pointerdown", "mousedown", "pointerup", "mouseup", "click")
