"""The forms probe: what the customer's forms show around each submit, and once per new screen.

Raw observations only (the rules in ``audit/rules/forms.py`` judge them). The probe writes
``result.extra["forms"]`` with up to two parts:

``submit`` (click and press steps that submitted, showed errors or followed fills): ``from`` (the
URL the step started on); ``how`` it submitted a form (``submit`` event, ``invalid`` events from
HTML5 constraint validation, a ``post`` navigation, a click on a ``submit-button`` or on a
submit-like ``button``; empty when it did not); ``same_doc`` and ``same_page`` (still the same
document; still the same path, or the POST's answer at the POST's URL); ``filled`` (the fields typed
into in this document before the step: label, name, type, autocomplete, whether they have an
accessible name; never their values); ``errors`` (error feedback new since just before the step:
browser validation messages, fields that became ``aria-invalid``, alert regions, elements styled as
errors, short texts beside fields); ``cleared`` (filled fields that are empty again).

``screen`` (the first step of a run on a screen): per form the number of visible, enabled,
user-editable fields; the text-like fields with their purpose hints, ``autocomplete`` and whether a
synthetic ``paste`` event is refused; the visible error messages; and the page's main message.

Costs: one ``page.evaluate`` before and one after each click or press (the mark and the comparison);
one on a new screen (combined with the after call when both apply). An init script keeps a few
listeners (``submit``, ``invalid``, ``input``, ``change``, ``click``) that only record.

Web components: fields, labels, errors and buttons inside OPEN shadow roots count as any others
(``SHADOW_JS``). A ``<label for>`` and ``aria-labelledby`` resolve in the field's own tree, as in the
browser; a field in a shadow root belongs to the nearest form around it, through the hosts.
``submit``, ``invalid`` and ``change`` do not leave a shadow root, so before each click or press the
probe also listens on the open shadow roots there are. Closed shadow roots cannot be reached.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from frictionaudit.gather.collectors import Probe
from frictionaudit.gather.collectors.page_facts import SHADOW_JS

_SUBMIT_ACTIONS = ("click", "press")

# Runs in every document before the page's own scripts (top frame only). Listeners only record;
# before() / after() / screen() are called by the probe through page.evaluate.
INIT_SCRIPT = (
    "(() => {"
    + SHADOW_JS
    + r"""
  try { if (window.top !== window) return; } catch (e) { return; }
  const KEY = "__frictionauditForms";
  if (Object.prototype.hasOwnProperty.call(window, KEY)) return;
  const NOT_FIELDS = new Set(["hidden", "submit", "button", "reset", "image"]);
  const TEXTLIKE = new Set(["", "text", "email", "tel", "password", "number", "search", "url"]);
  const SUBMIT_WORDS = /\b(send|submit|continue|next|save|log ?in|sign ?(in|up)|register|pay|confirm|order|buy|checkout|apply|update|create|neste|fortsett|lagre|logg inn|registrer|betal|bekreft|bestill|kjøp|oppdater|opprett)\b/i;
  const MAX_TEXT = 300;
  const st = { token: Math.random().toString(36).slice(2), submits: 0, invalid: [], filled: new Map(), click: null };
  // The open shadow roots of the document as it is now: found again at each before() and after().
  let dom = null;
  const sd = () => dom || (dom = shadowDom(50000));

  const clean = (s, n) => (s || "").replace(/\s+/g, " ").trim().slice(0, n || MAX_TEXT);
  const isField = (el) => {
    if (!el || !el.tagName) return false;
    const tag = el.tagName;
    if (tag === "SELECT" || tag === "TEXTAREA") return true;
    return tag === "INPUT" && !NOT_FIELDS.has((el.type || "").toLowerCase());
  };
  const editable = (el) => !el.disabled && !el.readOnly && !closestIn(el, "[inert]");
  const shown = (el) => {
    if (!el || !el.isConnected) return false;
    if (el.checkVisibility && !el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) return false;
    const r = el.getBoundingClientRect();
    if (r.width < 4 || r.height < 4) return false;
    if (r.right + window.scrollX <= 0 || r.bottom + window.scrollY <= 0) return false;
    return !closestIn(el, '[aria-hidden="true"]');
  };
  const labelText = (label) => {
    if (sd().mixed.has(label)) return clean(sd().text(label, true), 80);  // it shows a slot or a shadow root
    const copy = label.cloneNode(true);
    copy.querySelectorAll("input,select,textarea,script,style").forEach((n) => n.remove());
    return clean(copy.textContent, 80);
  };
  const accName = (el) => {
    const ids = (el.getAttribute("aria-labelledby") || "").split(/\s+/).filter(Boolean);
    let t = clean(ids.map((id) => { const r = byId(el, id); return r ? sd().text(r, true) : ""; }).join(" "), 80);
    if (t) return t;
    t = clean(el.getAttribute("aria-label"), 80);
    if (t) return t;
    for (const l of Array.from(el.labels || [])) {
      t = labelText(l);
      if (t) return t;
    }
    return clean(el.getAttribute("title"), 80);
  };
  const formOf = (el) => el.form || closestIn(el, "form");
  const formKey = (el) => {
    const f = formOf(el);
    if (!f) return "page";
    const name = f.getAttribute("aria-label") || f.id || f.getAttribute("name") || (f.getAttribute("action") || "").split("?")[0];
    if (name) return clean("form " + name, 80);
    const d = sd();
    d.forms = d.forms || Array.from(d.all("form"));
    return "form #" + (d.forms.indexOf(f) + 1);
  };
  const info = (el) => {
    const name = accName(el);
    const ph = clean(el.getAttribute("placeholder"), 60);
    const f = formOf(el);
    const o = {
      label: name || ph || clean(el.getAttribute("name"), 60) || clean(el.id, 60),
      labelled: !!name,
      name: clean(el.getAttribute("name"), 60),
      id: clean(el.id, 60),
      type: el.tagName === "INPUT" ? (el.type || "text").toLowerCase() : el.tagName.toLowerCase(),
      ac: el.hasAttribute("autocomplete") ? clean(el.getAttribute("autocomplete"), 60) : null,
      form: formKey(el),
    };
    if (name && ph) o.placeholder = ph;
    if (!name && ph) o.placeholder_only = true;
    if (f && f.hasAttribute("autocomplete")) o.form_ac = clean(f.getAttribute("autocomplete"), 20);
    if (el.getAttribute("inputmode")) o.inputmode = clean(el.getAttribute("inputmode"), 20);
    return o;
  };
  const BUTTONS = "button,input[type=submit],input[type=image],input[type=button],[role=button]";
  const clickKind = (e) => {
    const b = e.composedPath().find((n) => n.nodeType === 1 && n.matches(BUTTONS));  // in open shadow roots too
    if (!b || b.disabled) return null;
    const type = (b.getAttribute("type") || (b.tagName === "BUTTON" ? "submit" : "")).toLowerCase();
    const form = formOf(b);
    if (form && (type === "submit" || type === "image")) return "submit-button";
    const words = SUBMIT_WORDS.test(clean(sd().text(b) || b.value || b.getAttribute("aria-label") || "", 60));
    return words && (form || st.filled.size) ? "button" : null;
  };

  // The listeners are on the window; the events that do not leave a shadow root (not "composed")
  // are also listened for on each open shadow root (listenIn).
  const INSIDE = new Set(["change", "submit", "invalid"]);
  const handlers = [];
  const on = (type, fn) => {
    const handler = (e) => { try { fn(e); } catch (_) {} };
    handlers.push([type, handler]);
    window.addEventListener(type, handler, true);
  };
  const heard = new WeakSet();
  const listenIn = (root) => {
    if (heard.has(root)) return;
    heard.add(root);
    for (const [type, handler] of handlers) if (INSIDE.has(type)) root.addEventListener(type, handler, true);
  };
  const target = (e) => e.composedPath()[0] || e.target;  // the field itself, not the host it is in
  const track = (e) => { const el = target(e); if (isField(el) && st.filled.size < 100) st.filled.set(el, true); };
  on("input", track);
  on("change", track);
  on("submit", () => { st.submits += 1; });
  on("invalid", (e) => {
    const el = target(e);
    if (isField(el) && st.invalid.length < 20) {
      st.invalid.push({ k: "validation", f: info(el).label, t: clean(el.validationMessage, 200) });
    }
  });
  on("click", (e) => { st.click = clickKind(e) || st.click; });

  // ---------------------------------------------------------------- what the page shows
  const visibleFields = (limit) => {
    const out = [];
    for (const el of sd().all("input,select,textarea")) {
      if (isField(el) && editable(el) && shown(el)) out.push(el);
      if (out.length >= limit) break;
    }
    return out;
  };
  const CONSENT = '[id*=cookie i],[class*=cookie i],[id*=consent i],[class*=consent i],[id*=gdpr i],[class*=gdpr i]';
  const CONTROLS = "input,select,textarea,button";
  const holdsControls = (el) => isField(el) || el.matches("button,input") || !!el.querySelector(CONTROLS)
    || (sd().mixed.has(el) && sd().all(CONTROLS, el).length > 0);
  const errorItems = (near) => {
    const items = [];
    const taken = [];
    const isTaken = (el) => taken.some((t) => t === el || t.contains(el) || el.contains(t));
    const add = (el, item) => { if (items.length < 30) { items.push(item); if (el) taken.push(el); } };
    let n = 0;
    const d = sd();
    for (const el of d.all("[role=alert],[role=alertdialog],[aria-live=assertive]")) {
      if (++n > 100) break;
      if (closestIn(el, CONSENT) || !shown(el)) continue;
      const t = clean(d.text(el));
      if (t && !isTaken(el)) add(el, { k: "alert", t });
    }
    n = 0;
    for (const el of d.all('[aria-invalid="true"]')) {
      if (++n > 100) break;
      if (!isField(el) || !shown(el)) continue;
      const refs = [el.getAttribute("aria-errormessage"), el.getAttribute("aria-describedby")].join(" ").split(/\s+/).filter(Boolean);
      const texts = [];
      for (const id of refs) {
        const r = byId(el, id);
        if (r && shown(r) && !isTaken(r)) { const t = clean(d.text(r), 200); if (t) { texts.push(t); taken.push(r); } }
      }
      add(null, { k: "invalid", f: info(el).label, t: clean(texts.join(" "), 200) });
    }
    n = 0;
    for (const el of d.all("[class*=error i],[id*=error i],[class*=invalid i],[class*=danger i],[class*=feil i]")) {
      if (++n > 200) break;
      if (holdsControls(el) || closestIn(el, CONSENT) || isTaken(el) || !shown(el)) continue;
      const t = clean(d.text(el));
      if (t.length >= 2 && t.length < MAX_TEXT) add(el, { k: "error", t });
    }
    if (near) {
      // Short texts in each field's own group (an ancestor holding at most 3 fields; through slots
      // and shadow roots, where a design system's field shows its own label and error).
      for (const field of visibleFields(60)) {
        let group = null;
        for (let a = up(field), depth = 0; a && depth < 3 && a !== document.body; a = up(a), depth++) {
          if (d.all("input,select,textarea", a).length > 3) break;
          group = a;
          if (a.tagName === "FORM") break;
        }
        if (!group) continue;
        let m = 0;
        for (const el of d.all("*", group)) {
          if (++m > 40) break;
          if (holdsControls(el) || el.tagName === "LABEL" || el.tagName === "OPTION" || isTaken(el)) continue;
          const own = Array.from(el.childNodes).some((c) => c.nodeType === 3 && c.data.trim());
          if (!own || !shown(el)) continue;
          const t = clean(d.text(el), 200);
          if (t.length >= 2) add(el, { k: "near", f: info(field).label, t });
        }
      }
    }
    return items;
  };
  const itemKey = (i) => (i.k === "invalid" ? "invalid:" + i.f + ":" : "") + (i.t || "").toLowerCase().slice(0, 120);
  const mainMessage = () => {
    const d = sd();
    const root = d.all("main,[role=main]")[0] || document.body;
    if (!root) return null;
    const h1 = Array.from(d.all("h1", root)).find(shown) || Array.from(d.all("h1")).find(shown);
    // Only a short page's text (an error page's); a long page's text is the customer's business.
    const text = (d.text(root, true, 5000) || "").length > 5000 ? "" : clean(d.text(root), 601);
    const long = !text || text.length > 600;
    return { h1: h1 ? clean(d.text(h1), 200) : "", text: long ? "" : text, long };
  };
  const filledList = () => {
    const out = [];
    for (const el of st.filled.keys()) {
      if (out.length >= 30) break;
      const type = (el.type || "").toLowerCase();
      if (type === "checkbox" || type === "radio") continue;
      out.push(Object.assign(info(el), { had: (el.value || "") !== "" }));
    }
    return out;
  };
  const findAgain = (d) => {
    const having = (attr, value) => (value ? Array.from(sd().all("[" + attr + '="' + CSS.escape(value) + '"]')) : []);
    return having("name", d.name).find(isField) || having("id", d.id)[0] || null;
  };
  const NO_KEEP = new Set(["password", "file", "checkbox", "radio"]);
  const cleared = (before, sameDoc) => {
    const out = [];
    const els = sameDoc ? Array.from(st.filled.keys()).filter((el) => !["checkbox", "radio"].includes((el.type || "").toLowerCase())) : [];
    before.filled.forEach((d, i) => {
      if (!d.had || NO_KEEP.has(d.type) || /one-time-code|cc-csc/.test(d.ac || "")) return;
      let el = sameDoc ? els[i] : null;
      if (!el || !el.isConnected) el = findAgain(d);
      if (el && isField(el) && shown(el) && (el.value || "") === "") out.push({ label: d.label, name: d.name, type: d.type });
    });
    return out.slice(0, 20);
  };
  const pasteCheck = async (fields) => {
    const candidates = fields.filter((el) => el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && TEXTLIKE.has((el.type || "").toLowerCase()))).slice(0, 40);
    const values = candidates.map((el) => el.value);  // a handler may write into other fields too
    const prevented = candidates.map((el) => {
      const data = new DataTransfer();
      data.setData("text/plain", el.type === "email" ? "a@b.no" : "1234");
      const ev = new ClipboardEvent("paste", { clipboardData: data, cancelable: true, bubbles: true, composed: true });
      el.dispatchEvent(ev);
      return ev.defaultPrevented;
    });
    // A handler that takes over the paste (formats it, spreads a code over boxes) changes the value,
    // perhaps a moment later; one that refuses leaves it as it was.
    if (prevented.some(Boolean)) await new Promise((r) => setTimeout(r, 50));
    const blocked = new Set();
    candidates.forEach((el, i) => {
      const changed = el.value !== values[i];
      if (changed) el.value = values[i];
      if (prevented[i] && !changed) blocked.add(el);
    });
    return blocked;
  };
  const screen = async () => {
    const all = visibleFields(300);
    const forms = new Map();
    for (const el of all) {
      const key = formKey(el);
      const type = (el.type || "").toLowerCase();
      const entry = forms.get(key) || { form: key, fields: 0, labels: [], radios: new Set() };
      forms.set(key, entry);
      if (type === "checkbox" || type === "search") continue;  // a site search is not the form's
      if (type === "radio") { if (entry.radios.has(el.name || el)) continue; entry.radios.add(el.name || el); }
      entry.fields += 1;
      if (entry.labels.length < 15) entry.labels.push(info(el).label);
    }
    const textual = all.filter((el) => !["checkbox", "radio", "file", "range", "color"].includes((el.type || "").toLowerCase()));
    const blocked = await pasteCheck(textual);
    const fields = textual.slice(0, 60).map((el) => Object.assign(info(el), blocked.has(el) ? { paste_blocked: true } : {}));
    return {
      forms: Array.from(forms.values()).filter((f) => f.fields).map((f) => ({ form: f.form, fields: f.fields, labels: f.labels })),
      fields,
      messages: errorItems(false),
      main: mainMessage(),
    };
  };

  const api = {
    before() {
      dom = null;
      sd().roots.forEach(listenIn);
      st.submits = 0; st.invalid = []; st.click = null;
      return { token: st.token, keys: errorItems(true).map(itemKey), filled: filledList() };
    },
    async after(a) {
      dom = null;
      const out = {};
      const b = a.before;
      if (b) {
        const sameDoc = b.token === st.token;
        const how = [];
        if (sameDoc && st.submits) how.push("submit");
        if (sameDoc && st.invalid.length) how.push("invalid");
        if (a.posted) how.push("post");
        if (sameDoc && st.click && !how.length) how.push(st.click);
        const seen = new Set(b.keys);
        const fresh = errorItems(sameDoc || a.samePage).filter((i) => !seen.has(itemKey(i)));
        const s = { how, same_doc: sameDoc, same_page: !!a.samePage, filled: b.filled.map(({ had, ...d }) => d) };
        s.errors = (sameDoc ? st.invalid : []).concat(fresh).slice(0, 20);
        if (how.length) s.cleared = cleared(b, sameDoc);
        if (how.length || s.errors.length || s.filled.length) out.submit = s;
      }
      if (a.screen) out.screen = await screen();
      return out;
    },
  };
  Object.defineProperty(window, KEY, { value: api, enumerable: false });
})();
"""
)

_BEFORE = "() => window.__frictionauditForms ? window.__frictionauditForms.before() : null"
_AFTER = "a => window.__frictionauditForms ? window.__frictionauditForms.after(a) : null"


def _path(url: str) -> str:
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


class FormsProbe(Probe):
    """Form facts per new screen, and what a submit brought back (see the module docstring)."""

    kind = "forms"
    init_script = INIT_SCRIPT

    def __init__(self, clock: Any) -> None:
        super().__init__(clock)
        self._before: dict[str, Any] | None = None
        self._before_url = ""
        self._posted: tuple[int, str] | None = None  # (step, URL) of a non-GET main-frame navigation

    def attach(self, page: Any) -> None:
        page.on("request", self._on_request)

    def _on_request(self, request: Any) -> None:
        try:
            if request.method != "GET" and request.is_navigation_request() and request.frame.parent_frame is None:
                self._posted = (self.clock.step, request.url)
        except Exception:
            pass

    async def before_step(self, page: Any, step: Any) -> None:
        self._before = None
        if step.action not in _SUBMIT_ACTIONS:
            return
        self._before_url = page.url
        self._before = await _evaluate(page, _BEFORE)

    async def after_step(self, page: Any, step: Any, result: Any) -> None:
        before = self._before if step.action in _SUBMIT_ACTIONS else None
        self._before = None
        if before is None and not result.new_screen:
            return
        posted = self._posted[1] if self._posted and self._posted[0] == result.index else None
        args = {"before": before, "posted": posted is not None, "screen": result.new_screen}

        def same_page() -> bool:
            # The page's URL now, not the step's: a submit's navigation may commit after the step settled.
            url = page.url
            return _path(self._before_url) == _path(url) or (posted is not None and posted == url)

        data = await _evaluate(page, _AFTER, args, same_page)
        if data:
            if isinstance(data.get("submit"), dict):
                data["submit"]["from"] = self._before_url
            result.extra[self.kind] = data


async def _evaluate(page: Any, script: str, args: dict[str, Any] | None = None, same_page: Any = None) -> Any:
    """``page.evaluate``, tried once more when a navigation replaced the document meanwhile."""
    for attempt in (1, 2):
        if args is not None and same_page is not None:
            args["samePage"] = same_page()
        try:
            return await page.evaluate(script, args) if args is not None else await page.evaluate(script)
        except Exception as exc:
            if attempt == 2 or "context was destroyed" not in str(exc):
                raise
            await page.wait_for_load_state("load", timeout=5000)
    return None
