"""Turn a Chrome DevTools Recorder recording into a journey.

The Recorder panel (and ``@puppeteer/replay``) saves a user flow as JSON: ``{"title": ..., "steps":
[...]}`` where each step has a ``type`` (``navigate``, ``click``, ``change``, ``keyDown``, ``keyUp``,
``scroll``, ``setViewport``, ``waitForElement``, ``waitForExpression``, ``hover``, ``doubleClick``,
``close``, ``emulateNetworkConditions``, ``customStep``) and, for steps on an element, a list of
alternative ``selectors``: ``aria/Name[role="button"]``, ``text/Pay now``, ``xpath///*[@id="x"]``,
``pierce/#x`` or plain CSS; a selector that is a list is a chain through shadow roots.

Each step becomes a journey step, finding elements the way a customer does: by role and accessible
name, then label, then text, then test id, and by CSS or XPath only when the recording offers
nothing better. Values typed into password fields are replaced by ``${PASSWORD}`` with
``secret: true``: a recording holds them in clear. A click or key press the recording asserts a
navigation for is followed by an ``expect: {url: ...}`` check.

A recorded step with no journey equivalent (a double click, a scroll inside an element, a
JavaScript condition, another tab or an iframe) is never dropped silently: it is listed in the
command's output and left as a comment at its place in the journey. Steps that belong to the
channel rather than the journey (``setViewport``, ``emulateNetworkConditions``) are reported too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml

from frictionaudit.errors import InputError, SourcePos

PASSWORD_ENV = "PASSWORD"
MODIFIERS = {"Shift", "Control", "Alt", "Meta", "AltGraph"}
_KEY_NAMES = {" ": "Space", "\r": "Enter", "\n": "Enter"}

# ARIA roles Playwright's get_by_role accepts (WAI-ARIA 1.2 and the HTML-AAM ones Chrome reports).
_ROLE_NAMES = """alert alertdialog application article banner blockquote button caption cell checkbox code columnheader
    combobox complementary contentinfo definition deletion dialog directory document emphasis feed figure form
    generic grid gridcell group heading img insertion link list listbox listitem log main marquee math meter menu
    menubar menuitem menuitemcheckbox menuitemradio navigation none note option paragraph presentation progressbar
    radio radiogroup region row rowgroup rowheader scrollbar search searchbox separator slider spinbutton status
    strong subscript superscript switch tab table tablist tabpanel term textbox time timer toolbar tooltip tree
    treegrid treeitem"""
ARIA_ROLES = frozenset(_ROLE_NAMES.split())
# The implicit role of the element a CSS or XPath selector ends on, to complete a role-less aria/ name.
_TAG_ROLES = {
    "a": "link",
    "button": "button",
    "select": "combobox",
    "textarea": "textbox",
    "h1": "heading",
    "h2": "heading",
    "h3": "heading",
    "h4": "heading",
    "h5": "heading",
    "h6": "heading",
}
_INPUT_ROLES = {
    "checkbox": "checkbox",
    "radio": "radio",
    "submit": "button",
    "button": "button",
    "reset": "button",
    "image": "button",
    "search": "searchbox",
    "range": "slider",
    "number": "spinbutton",
}
_ARIA = re.compile(r'^(?P<name>.*?)(?:\[role="(?P<role>[^"]*)"\])?$', re.S)
_TESTID = re.compile(r"""^\[data-testid=(?:"([^"]*)"|'([^']*)'|([^\]\s"']+))\]$""")
_GLOB_CHARS = re.compile(r"[*?\[\]{}]")


@dataclass(frozen=True)
class Note:
    """Something the import could not do as recorded (``unsupported``), did approximately, or reports."""

    step: int | None
    """1-based position in the recording; None for the recording as a whole."""
    type: str
    kind: Literal["unsupported", "approximated", "info"]
    message: str

    def render(self) -> str:
        where = f"recording step {self.step} ({self.type})" if self.step else "recording"
        return f"{where}: {self.message}"


@dataclass
class Imported:
    journey_id: str
    name: str
    steps: list[dict[str, Any]] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    """The journey file's lines (steps and comments for what was not imported)."""

    @property
    def unsupported(self) -> list[Note]:
        return [n for n in self.notes if n.kind == "unsupported"]

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


# ---------------------------------------------------------------------------- reading


def load_recording(path: str | Path) -> dict[str, Any]:
    """Parse a recording file; a JSON mistake is reported at its line and column."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: no such recording file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the recording ({exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON: {exc.msg}",
            SourcePos(str(path), exc.lineno, exc.colno),
            "export the recording from the Recorder panel with 'Export → JSON'",
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
        raise InputError(
            "not a Chrome DevTools Recorder recording: expected an object with a 'steps' list",
            SourcePos(str(path), 1, 1),
            "export the recording from the Recorder panel with 'Export → JSON'",
        )
    return data


def slug(text: str) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return words[:60].strip("-") or "imported-journey"


# ---------------------------------------------------------------------------- selectors


@dataclass(frozen=True)
class Choice:
    locator: dict[str, Any]
    quality: int
    """0 is best: role + name; then label / text / test id; CSS; XPath last."""
    note: str | None = None


def _tag_role(selector: str) -> str | None:
    """The implicit role of the element a CSS selector (or an XPath's last step) ends on."""
    if selector.startswith("xpath/"):
        last = selector.rstrip("/").rsplit("/", 1)[-1]
    else:
        last = re.split(r"\s*[>+~]\s*|\s+", selector.strip())[-1]
    match = re.match(r"^([a-zA-Z][a-zA-Z0-9-]*)", last)
    if not match:
        return None
    tag = match.group(1).lower()
    if tag == "input":
        kind = re.search(r"""\[type=["']?([a-z]+)""", last)
        return _INPUT_ROLES.get(kind.group(1) if kind else "text", "textbox")
    return _TAG_ROLES.get(tag)


def _parts(selector: str | list[str]) -> tuple[str, int]:
    """A selector as one string, and how many parts its chain had (shadow roots)."""
    if isinstance(selector, list):
        parts = [s for s in selector if isinstance(s, str)]
        if not parts:
            return "", 0
        if all(not p.startswith(("aria/", "text/", "xpath/")) for p in parts):
            # Playwright's CSS engine looks into open shadow roots: a descendant selector does the chain.
            return " ".join(p.removeprefix("pierce/") for p in parts), len(parts)
        return parts[-1], len(parts)
    return selector, 1


def choose_locator(step: dict[str, Any], action: str) -> Choice | None:
    """The best locator among a step's alternative selectors (None when none can be used)."""
    raw = step.get("selectors")
    selectors = [s for s in raw if isinstance(s, (str, list))] if isinstance(raw, list) else []
    flat = [_parts(s) for s in selectors]
    roles = [r for s, _ in flat if s and not s.startswith(("aria/", "text/")) for r in [_tag_role(s)] if r]
    texts = {s.removeprefix("text/") for s, _ in flat if s.startswith("text/")}
    choices: list[Choice] = []
    for selector, chain in flat:
        if not selector:
            continue
        chained = chain > 1 and selector.startswith(("aria/", "text/", "xpath/"))
        penalty = 1 if chained else 0
        chain_note = "the selector's ancestors (a chain through shadow roots) were left out" if chained else None
        if selector.startswith("aria/"):
            match = _ARIA.match(selector.removeprefix("aria/"))
            assert match is not None
            name, role = match.group("name"), match.group("role")
            if role and role in ARIA_ROLES:
                locator = {"role": role, "name": name} if name else {"role": role}
                choices.append(Choice(locator, (0 if name else 3) + penalty, chain_note))
            elif name:
                inferred = roles[0] if roles else None
                if action in ("fill", "select") and inferred in (None, "textbox", "combobox", "searchbox"):
                    choices.append(Choice({"label": name}, 1 + penalty, chain_note))
                elif inferred:
                    choices.append(Choice({"role": inferred, "name": name}, 0 + penalty, chain_note))
                elif name in texts:
                    choices.append(Choice({"text": name}, 1 + penalty, chain_note))
                else:
                    choices.append(
                        Choice({"label": name} if action == "fill" else {"text": name}, 2 + penalty, chain_note)
                    )
        elif selector.startswith("text/"):
            choices.append(Choice({"text": selector.removeprefix("text/")}, 1 + penalty, chain_note))
        elif selector.startswith("xpath/"):
            choices.append(
                Choice({"css": "xpath=" + selector.removeprefix("xpath/")}, 5 + penalty, "found by XPath: brittle")
            )
        else:
            css = selector.removeprefix("pierce/")
            testid = _TESTID.match(css)
            if testid:
                value = next(g for g in testid.groups() if g is not None)
                choices.append(Choice({"testid": value}, 1))
            else:
                choices.append(Choice({"css": css}, 4))
    if not choices:
        return None
    return min(choices, key=lambda c: c.quality)  # min keeps the first of equals: the recording's order


def _is_password(step: dict[str, Any], locator: dict[str, Any]) -> bool:
    words = json.dumps(step.get("selectors", [])) + json.dumps(locator)
    return bool(re.search(r"pass(word|wd|code)|passord|kennwort|mot de passe|pin\b", words, re.I))


# ---------------------------------------------------------------------------- steps


class _Converter:
    def __init__(self, data: dict[str, Any], source: str, base_url: str | None) -> None:
        self.data = data
        self.source = source
        self.base_url = base_url.rstrip("/") if base_url else None
        self.out: list[tuple[str, Any]] = []  # ("step", dict) or ("comment", str)
        self.notes: list[Note] = []
        self.held: list[str] = []
        self.pressed_while_held = False
        self.scroll_y = 0

    # -- helpers

    def note(self, index: int | None, kind: Literal["unsupported", "approximated", "info"], text: str) -> None:
        step_type = str(self.data["steps"][index - 1].get("type", "?")) if index else ""
        note = Note(index, step_type, kind, text)
        self.notes.append(note)
        if kind == "unsupported":
            self.out.append(("comment", f"NOT IMPORTED — {note.render()}"))

    def add(self, step: dict[str, Any], recorded: dict[str, Any], index: int | None = None) -> None:
        last = next((item for kind, item in reversed(self.out) if kind == "step"), None)
        if "expect" in step and step == last:
            if index is not None:
                self.note(index, "info", "the same check as the step before: imported once")
            return
        timeout = recorded.get("timeout")
        if isinstance(timeout, (int, float)) and not isinstance(timeout, bool) and 0 < timeout <= 600_000:
            step["timeout"] = round(timeout / 1000, 3)
        self.out.append(("step", step))

    def url(self, url: str) -> str:
        if self.base_url and (url == self.base_url or url.startswith(self.base_url + "/")):
            return url[len(self.base_url) :] or "/"
        return url

    def expect_navigation(self, recorded: dict[str, Any]) -> None:
        for event in recorded.get("assertedEvents") or []:
            if not isinstance(event, dict) or event.get("type") != "navigation":
                continue
            url = event.get("url")
            if isinstance(url, str) and url:
                parts = urlsplit(url)
                path = parts.path or "/"
                if not _GLOB_CHARS.search(path):
                    self.out.append(("step", {"expect": {"url": "**" + path + ("*" if parts.query else "")}}))
                    self.scroll_y = 0
                    return
            title = event.get("title")
            if isinstance(title, str) and title:
                self.out.append(("step", {"expect": {"title": title}}))
                self.scroll_y = 0
                return

    def locator(self, index: int, recorded: dict[str, Any], action: str) -> dict[str, Any] | None:
        choice = choose_locator(recorded, action)
        if choice is None:
            self.note(index, "unsupported", "none of its selectors can be used")
            return None
        if choice.note:
            self.note(index, "approximated", choice.note)
        return dict(choice.locator)

    def in_other_context(self, index: int, recorded: dict[str, Any]) -> bool:
        target = recorded.get("target", "main")
        if target not in (None, "main"):
            self.note(index, "unsupported", f"it happens in another tab or window ({target}); a journey has one page")
            return True
        frame = recorded.get("frame")
        if isinstance(frame, list) and frame:
            self.note(index, "unsupported", "it happens inside an iframe; journeys act on the main page")
            return True
        return False

    # -- the step types

    def convert(self) -> None:
        timeout = self.data.get("timeout")
        if isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
            self.note(
                None, "info", f"the recording's timeout of {timeout / 1000:g} s: set timeouts.action_seconds to use it"
            )
        for index, recorded in enumerate(self.data["steps"], start=1):
            if not isinstance(recorded, dict):
                self.notes.append(Note(index, "?", "unsupported", "not a step object"))
                self.out.append(("comment", f"NOT IMPORTED — recording step {index}: not a step object"))
                continue
            kind = recorded.get("type")
            handler = getattr(self, f"on_{kind}", None) if isinstance(kind, str) else None
            if kind not in ("keyDown", "keyUp") and self.held:
                self.flush_keys(index)
            if handler is None:
                self.note(index, "unsupported", f"unknown step type {kind!r}")
                continue
            if kind not in ("setViewport", "emulateNetworkConditions", "close") and self.in_other_context(
                index, recorded
            ):
                continue
            handler(index, recorded)
        if self.held:
            self.flush_keys(None)

    def on_navigate(self, index: int, s: dict[str, Any]) -> None:
        url = s.get("url")
        if not isinstance(url, str) or not url:
            self.note(index, "unsupported", "it has no url")
            return
        self.add({"goto": self.url(url)}, s)
        self.scroll_y = 0

    def on_click(self, index: int, s: dict[str, Any]) -> None:
        if s.get("button") not in (None, "primary"):
            self.note(index, "unsupported", f"a {s.get('button')} button click; journeys click with the primary button")
            return
        locator = self.locator(index, s, "click")
        if locator is None:
            return
        self.add({"click": locator}, s)
        self.expect_navigation(s)

    def on_doubleClick(self, index: int, s: dict[str, Any]) -> None:
        self.note(index, "unsupported", "double clicks have no journey action")

    def on_hover(self, index: int, s: dict[str, Any]) -> None:
        locator = self.locator(index, s, "hover")
        if locator is not None:
            self.add({"hover": locator}, s)

    def on_change(self, index: int, s: dict[str, Any]) -> None:
        value = s.get("value")
        if not isinstance(value, str):
            self.note(index, "unsupported", "it has no value")
            return
        choice = choose_locator(s, "fill")
        is_select = choice is not None and (
            choice.locator.get("role") == "combobox"
            or any(_tag_role(sel) == "combobox" for sel, _ in (_parts(x) for x in s.get("selectors", [])) if sel)
        )
        locator = self.locator(index, s, "select" if is_select else "fill")
        if locator is None:
            return
        if is_select:
            self.add({"select": {**locator, "option": value}}, s)
            return
        if _is_password(s, locator):
            self.note(
                index,
                "info",
                f"the typed password was replaced by ${{{PASSWORD_ENV}}} (secret): set {PASSWORD_ENV} before running",
            )
            self.add({"fill": {**locator, "value": f"${{{PASSWORD_ENV}}}", "secret": True}}, s)
            return
        if "${" in value:
            self.note(index, "unsupported", "the value contains '${', which a journey reads as an environment variable")
            return
        self.add({"fill": {**locator, "value": value}}, s)

    def on_keyDown(self, index: int, s: dict[str, Any]) -> None:
        key = s.get("key")
        if not isinstance(key, str) or not key:
            self.note(index, "unsupported", "it has no key")
            return
        key = _KEY_NAMES.get(key, key)
        if key in MODIFIERS:
            if key not in self.held:
                self.held.append(key)
                self.pressed_while_held = False
            return
        self.add({"press": {"key": "+".join([*self.held, key])}}, s)
        self.pressed_while_held = True
        if isinstance(s.get("assertedEvents"), list):
            self.expect_navigation(s)

    def on_keyUp(self, index: int, s: dict[str, Any]) -> None:
        key = _KEY_NAMES.get(str(s.get("key", "")), str(s.get("key", "")))
        if key in self.held:
            if not self.pressed_while_held and self.held[-1] == key:
                self.add({"press": {"key": "+".join(self.held)}}, s)
            self.held.remove(key)
        if isinstance(s.get("assertedEvents"), list):
            self.expect_navigation(s)

    def flush_keys(self, index: int | None) -> None:
        if not self.pressed_while_held:
            self.out.append(("step", {"press": {"key": "+".join(self.held)}}))
        self.held = []

    def on_scroll(self, index: int, s: dict[str, Any]) -> None:
        if s.get("selectors"):
            self.note(index, "unsupported", "it scrolls inside an element; journeys scroll the page or to an element")
            return
        x, y = s.get("x", 0), s.get("y", 0)
        if not isinstance(y, (int, float)) or not isinstance(x, (int, float)):
            self.note(index, "unsupported", "its position is not a number")
            return
        if x:
            self.note(index, "approximated", f"the horizontal position x={x:g} was left out")
        if y <= 0:
            self.add({"scroll": {"to": "top"}}, s)
        elif y != self.scroll_y:
            self.add({"scroll": {"pixels": int(y - self.scroll_y)}}, s)
            self.note(
                index,
                "approximated",
                f"the page is scrolled by {int(y - self.scroll_y)} px (to y={y:g} as recorded, "
                "if the earlier steps left it where they did in the recording)",
            )
        self.scroll_y = int(y)

    def on_waitForElement(self, index: int, s: dict[str, Any]) -> None:
        operator = s.get("operator", "==")
        count = s.get("count", 1)
        visible = s.get("visible", True)
        if s.get("attributes") or s.get("properties"):
            self.note(index, "approximated", "its attributes and properties are not checked")
        absent = (operator in ("==", "<=") and count == 0) or visible is False
        present = (operator == ">=" and count in (0, 1)) or (operator == "==" and count == 1)
        if not absent and not present:
            self.note(index, "unsupported", f"it waits for {operator} {count} elements; journeys wait for one")
            return
        if operator == ">=" and count == 0:
            self.note(index, "info", "it waits for at least 0 elements, which is always true")
            return
        locator = self.locator(index, s, "wait")
        if locator is None:
            return
        if absent:
            self.add({"expect": {"hidden": locator}}, s)
        else:
            self.add({"wait": locator}, s)

    def on_waitForExpression(self, index: int, s: dict[str, Any]) -> None:
        expression = s.get("expression")
        step = expression_step(expression) if isinstance(expression, str) else None
        if step is None:
            shown = " ".join(str(expression).split())[:80]
            self.note(index, "unsupported", f"JavaScript conditions have no journey action: {shown}")
            return
        self.add(step, s, index)

    def on_setViewport(self, index: int, s: dict[str, Any]) -> None:
        width, height = s.get("width"), s.get("height")
        kind = "a phone or tablet" if s.get("isMobile") else "a desktop"
        self.note(
            index,
            "info",
            f"recorded at {width}×{height} ({kind}); the channels in frictionaudit.yaml set the viewport",
        )

    def on_emulateNetworkConditions(self, index: int, s: dict[str, Any]) -> None:
        self.note(index, "info", "network throttling is a channel setting: channels.<name>.network (slow-3g, ...)")

    def on_close(self, index: int, s: dict[str, Any]) -> None:
        self.note(index, "info", "closing the page: a journey ends after its last step")

    def on_customStep(self, index: int, s: dict[str, Any]) -> None:
        self.note(index, "unsupported", f"custom step {s.get('name')!r} needs the extension that recorded it")


def expression_step(expression: str) -> dict[str, Any] | None:
    """A journey check for the common shapes of a ``waitForExpression``, or None."""
    e = " ".join(expression.split()).rstrip(";").strip()
    string = r"""(["'`])((?:(?!\1).)*)\1"""
    shapes = (
        (rf"(?:window\.)?document\.title\s*===?\s*{string}", "title", ""),
        (rf"(?:window\.)?document\.title\.includes\(\s*{string}\s*\)", "title", ""),
        (rf"(?:window\.)?(?:document\.)?location\.pathname\s*===?\s*{string}", "url", ""),
        (rf"(?:window\.)?(?:document\.)?location\.href\.includes\(\s*{string}\s*\)", "url", "**"),
        (rf"(?:window\.)?document\.body\.(?:innerText|textContent)\.includes\(\s*{string}\s*\)", "text", ""),
    )
    for pattern, kind, suffix in shapes:
        match = re.fullmatch(pattern, e)
        if not match or not match.group(2):
            continue
        value = match.group(2)
        if kind == "url":
            if _GLOB_CHARS.search(value):
                return None
            value = "**" + value + suffix
        return {"expect": {kind: value}}
    sleep = re.fullmatch(r"new Promise\(.*setTimeout\([^,]*,\s*(\d+(?:\.\d+)?)\s*\)\s*\)?\s*\)", e)
    if sleep:
        seconds = float(sleep.group(1)) / 1000
        if 0 < seconds <= 120:
            return {"wait": {"seconds": seconds}}
    return None


# ---------------------------------------------------------------------------- writing


def _flow(value: Any) -> str:
    """A value as YAML on one line (a flow mapping for a mapping), quoted where YAML needs it."""
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, sort_keys=False, width=1_000_000)
    text = text.strip()
    if text.endswith("\n..."):
        text = text[:-4].rstrip()
    elif text.endswith("..."):
        text = text[:-3].rstrip()
    return text


def _step_line(step: dict[str, Any]) -> str:
    common = [k for k in ("name", "timeout") if k in step]
    action = next(k for k in step if k not in ("name", "timeout", "channels"))
    value = step[action]
    # The short forms read best: click: Pay now is {text: Pay now}; wait: 2 is {seconds: 2}.
    if action in ("click", "hover", "expect") and isinstance(value, dict) and list(value) == ["text"]:
        value = value["text"]
    elif action == "press" and list(value) == ["key"]:
        value = value["key"]
    elif action == "wait" and list(value) == ["seconds"]:
        value = value["seconds"]
    elif action == "scroll" and list(value) == ["to"]:
        value = value["to"]
    line = f"  - {action}: {_flow(value)}"
    for key in common:
        line += f"\n    {key}: {_flow(step[key])}"
    return line


def import_recording(
    data: dict[str, Any],
    source: str,
    base_url: str | None = None,
    journey_id: str | None = None,
    schema_ref: str | None = None,
) -> Imported:
    """Convert a parsed recording; ``base_url`` makes its URLs under it relative (``/login``).

    ``schema_ref`` (a path relative to the journey file, or a URL) adds the yaml-language-server line.
    """
    converter = _Converter(data, source, base_url)
    converter.convert()
    title = data.get("title")
    name = title.strip() if isinstance(title, str) and title.strip() else Path(source).stem
    imported = Imported(journey_id=journey_id or slug(name), name=name, notes=converter.notes)
    imported.steps = [item for kind, item in converter.out if kind == "step"]
    if not imported.steps:
        raise InputError(
            f"{source}: nothing in this recording can be replayed as a journey",
            hint="record at least a navigation and a click in the Recorder panel",
        )
    if not any("goto" in s for s in imported.steps[:1]):
        converter.notes.insert(
            0, Note(None, "", "info", "the recording does not start with a navigation: add a goto: step first")
        )
    lines = [f"# yaml-language-server: $schema={schema_ref}"] if schema_ref else []
    lines.append(f"# Imported by 'frictionaudit import' from {Path(source).name} (Chrome DevTools Recorder).")
    others = [n for n in converter.notes if n.kind != "unsupported"]
    if others:
        lines.append("# Notes:")
        lines += [f"#   {n.render()}" for n in others]
    lines += [
        f"name: {_flow(name)}",
        f"description: {_flow(f'Imported from the recording {Path(source).name}.')}",
        "steps:",
    ]
    for kind, item in converter.out:
        if kind == "comment":
            lines.append("  # " + " ".join(str(item).split()))
        else:
            lines.append(_step_line(item))
    imported.lines = lines
    return imported
