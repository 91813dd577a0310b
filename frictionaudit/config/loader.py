"""Load ``frictionaudit.yaml`` and journey files into models, with errors a designer can act on.

Every problem is reported as ``file:line:col: what is wrong`` plus a hint ("did you mean 'click'?")
where one fits. All problems of a file are collected before raising, so one pass fixes them all:
each step is checked on its own, so a typo in step 2 does not hide a mistake in step 7.
"""

from __future__ import annotations

import difflib
import os
import re
import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError

from frictionaudit.config.models import (
    ACTIONS,
    STEP_COMMON_KEYS,
    CaptureStep,
    CheckStep,
    ClickStep,
    Config,
    ExpectStep,
    FillStep,
    GotoStep,
    HoverStep,
    Journey,
    PressStep,
    ScrollStep,
    SelectStep,
    Step,
    WaitStep,
)
from frictionaudit.config.yaml_source import YamlDocument, read_yaml_file
from frictionaudit.errors import InputError, InputErrors, SourcePos

CONFIG_FILE = "frictionaudit.yaml"
ENV_REF = re.compile(r"\$\{([^}]*)\}")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
CHANNEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,40}")

STEP_MODELS: dict[str, type[BaseModel]] = {
    "goto": GotoStep,
    "click": ClickStep,
    "fill": FillStep,
    "select": SelectStep,
    "check": CheckStep,
    "press": PressStep,
    "hover": HoverStep,
    "scroll": ScrollStep,
    "wait": WaitStep,
    "expect": ExpectStep,
    "capture": CaptureStep,
}
_STEP: TypeAdapter[Any] = TypeAdapter(Step)

# Short forms: ``click: Log in`` means ``click: {text: Log in}`` and so on.
_SHORT_FORMS: dict[str, str] = {
    "click": "text",
    "hover": "text",
    "press": "key",
    "expect": "text",
    "scroll": "to",
    "wait": "seconds",
}

# One example of each action, for hints.
ACTION_EXAMPLES: dict[str, str] = {
    "goto": "goto: /login",
    "click": "click: {role: button, name: Log in}",
    "fill": 'fill: {label: Customer number, value: "12345678"}',
    "select": "select: {label: Country, option: Norway}",
    "check": "check: {label: I accept the terms}",
    "press": "press: Enter",
    "hover": "hover: {text: Menu}",
    "scroll": "scroll: bottom",
    "wait": "wait: 2",
    "expect": "expect: {text: Your invoices}",
    "capture": 'capture: {name: amount, css: "[data-amount]"}',
}

# Words other tools use for an action (Cypress, Selenium, Robot Framework, plain English).
ACTION_SYNONYMS: dict[str, str] = {
    "type": "fill",
    "input": "fill",
    "enter": "fill",
    "write": "fill",
    "tap": "click",
    "press_button": "click",
    "navigate": "goto",
    "visit": "goto",
    "open": "goto",
    "go": "goto",
    "url": "goto",
    "assert": "expect",
    "verify": "expect",
    "should": "expect",
    "see": "expect",
    "sleep": "wait",
    "pause": "wait",
    "choose": "select",
    "pick": "select",
    "tick": "check",
    "uncheck": "check",
    "key": "press",
    "mouseover": "hover",
    "extract": "capture",
    "record": "capture",
}

_MISSING_HINTS: dict[str, str] = {
    "base_url": "e.g. base_url: https://www.example.com",
    "name": "e.g. name: Pay the latest invoice",
    "capture.name": 'the fact\'s name, e.g. capture: {name: amount, css: "[data-amount]"}',
    "steps": "add steps: with one action per line, e.g. '- goto: /login'",
    "value": 'the text to type, e.g. value: "12345678"',
    "option": "the option to choose, e.g. option: Norway",
    "key": "the key to press, e.g. key: Enter",
    "width": "e.g. viewport: {width: 1366, height: 768}",
    "height": "e.g. viewport: {width: 1366, height: 768}",
}


_MAPPING_HINTS: dict[str, str] = {
    "viewport": "e.g. viewport: {width: 1366, height: 768}",
    "budgets": "e.g. budgets: {step_seconds: 3}",
    "timeouts": "e.g. timeouts: {action_seconds: 5}",
}


@dataclass
class LoadedConfig:
    """A validated config, where it came from, and the positions of its values."""

    config: Config
    path: str
    doc: YamlDocument

    @property
    def folder(self) -> Path:
        return Path(self.path).resolve().parent


def _closest(word: Any, choices: Iterable[Any]) -> str | None:
    """The choice closest to ``word`` (ignoring case), or None when nothing is close."""
    by_lower: dict[str, str] = {}
    for choice in choices:
        by_lower.setdefault(str(choice).lower(), str(choice))
    lowered = str(word).lower()
    if lowered in by_lower:
        return by_lower[lowered]
    close = difflib.get_close_matches(lowered, list(by_lower), n=1, cutoff=0.6)
    return by_lower[close[0]] if close else None


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A hint naming the closest choice, or None when nothing is close."""
    close = _closest(word, choices)
    return f"did you mean '{close}'?" if close else None


def _choices_hint(word: str, choices: Iterable[str]) -> str:
    choices = list(choices)
    return did_you_mean(word, choices) or f"use one of: {', '.join(choices)}"


# ---------------------------------------------------------------------------- pydantic errors → positions


def _unwrap(annotation: Any) -> Any:
    """``X | None`` and ``Annotated[X, ...]`` as ``X``."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _unwrap(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return _unwrap(args[0])
    return annotation


def _fields_at(model: type[BaseModel] | None, loc: tuple[Any, ...]) -> list[str]:
    """The field names allowed at ``loc`` (walking the model's annotations), for did-you-mean."""
    current: Any = model
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            info = current.model_fields.get(part) if isinstance(part, str) else None
            if info is None:
                return []
            current = info.annotation
        elif get_origin(current) is list:
            current = get_args(current)[0]
        elif get_origin(current) is dict:
            current = get_args(current)[1]
        else:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        set_by_loader = ("id", "source") if current is Journey else ()  # the file's name and path
        return [name for name in current.model_fields if name != "action" and name not in set_by_loader]
    return []


def _describe_input(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _quoted(names: list[str]) -> str:
    quoted = [f"'{n}'" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _label(path: tuple[Any, ...], model: type[BaseModel]) -> tuple[str, tuple[Any, ...]]:
    """Which step or channel ``path`` is in, as a message prefix, and the path inside it."""
    if len(path) >= 2 and path[0] == "steps" and isinstance(path[1], int):
        return f"step {path[1] + 1}: ", path[2:]
    if model is Config and len(path) > 2 and path[0] == "channels" and isinstance(path[1], str):
        return f"channel '{path[1]}': ", path[2:]
    return "", path


def _root_name(model: type[BaseModel]) -> str:
    if model is Config:
        return "the config"
    if model is Journey:
        return "the journey"
    return "the step"


def _convert(
    err: Mapping[str, Any],
    rel: tuple[Any, ...],
    doc: YamlDocument,
    model: type[BaseModel],
    prefix: tuple[Any, ...],
    short: str | None,
) -> tuple[InputError, tuple[Any, ...], str | None]:
    """One pydantic error as an InputError; also its parent path and the key it suggests (if any)."""
    kind = err["type"]
    path = (*prefix, *rel)
    label, inner = _label(path, model)
    names = [p for p in inner if isinstance(p, str)]
    field = names[-1] if names else ""
    value = err.get("input")
    got = _describe_input(value)
    ctx = err.get("ctx") or {}
    is_item = bool(inner) and isinstance(inner[-1], int)
    example = f"e.g. {ACTION_EXAMPLES[field]}" if len(names) == 1 and field in ACTIONS else None
    if short is not None and len(names) == 2 and names[0] == short and not is_item:
        # ``wait: soon`` became ``wait: {seconds: soon}``: name what the user wrote.
        field, example = short, f"e.g. {ACTION_EXAMPLES[short]}"
    what = f"each item of '{field}'" if is_item else f"'{field}'"
    pos = doc.pos(path)
    suggested: str | None = None
    hint: str | None = None

    if kind == "extra_forbidden":
        parent = names[-2] if len(names) > 1 else None
        allowed = _fields_at(model, rel[:-1])
        suggested = _closest(field, allowed) if allowed else None
        message = f"unknown key '{field}'" + (f" in {parent}" if parent else "")
        if suggested:
            hint = f"did you mean '{suggested}'?"
        elif allowed:
            hint = f"allowed here: {', '.join(allowed)}"
        pos = doc.pos(path, key=True)
    elif kind == "missing":
        parent = names[-2] if len(names) > 1 else _root_name(model)
        message = f"{parent} needs '{field}'"
        hint = _MISSING_HINTS.get(f"{parent}.{field}") or _MISSING_HINTS.get(field)
    elif kind in ("string_type", "str_type"):
        message = f"{what} must be text, got {got}"
        hint = example if isinstance(value, (dict, list)) else "put the value in quotes"
    elif kind in ("int_type", "int_parsing", "int_from_float"):
        message, hint = f"{what} must be a whole number, got {got}", example
    elif kind in ("float_type", "float_parsing"):
        unit = " of seconds" if field in ("wait", "timeout") or field.endswith("seconds") else ""
        message, hint = f"{what} must be a number{unit}, got {got}", example
    elif kind in ("bool_type", "bool_parsing"):
        message, hint = f"{what} must be true or false, got {got}", None
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        if field == "channels" and model is Config:
            message = f"'channels' must map each channel's name to its settings, got {got}"
            hint = "write 'desktop:' on its own line, then its settings indented below, e.g. 'device: Pixel 7'"
        else:
            message = f"{what} must be a mapping (key: value), got {got}"
            hint = (
                example
                or _MAPPING_HINTS.get(field)
                or f"write the settings of '{field}' as 'key: value' lines indented below it"
            )
    elif kind == "list_type":
        message = f"{what} must be a list, got {got}"
        if field == "steps":
            hint = "put each step on its own line, starting with '- ', e.g. '- goto: /login'"
        elif isinstance(value, str):
            hint = f"write {field}: [{value}]"
        else:
            hint = "write it as [a, b] or one '- item' per line"
    elif kind == "literal_error":
        expected = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        message = f"{what} must be {_quoted(expected).replace(' and ', ' or ')}, got {got}"
        close = _closest(value, expected) if isinstance(value, str) else None
        hint = f"did you mean '{close}'?" if close else example
    elif kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        words = {
            "greater_than": ("more than", "gt"),
            "greater_than_equal": ("at least", "ge"),
            "less_than": ("less than", "lt"),
            "less_than_equal": ("at most", "le"),
        }[kind]
        message = f"{what} must be {words[0]} {ctx.get(words[1], 0):g}, got {got}"
    elif kind in ("too_short", "string_too_short"):
        message = f"{what} must not be empty"
        if field == "channels":
            hint = "leave 'channels' out to run on every channel"
    elif kind == "url_scheme":
        message = f"{what} must start with http:// or https://, got {got}"
        hint = (
            f"e.g. http://{value}"
            if isinstance(value, str) and value and "://" not in value
            else "e.g. https://www.example.com"
        )
    elif kind == "no_channels":
        message = "'channels' is empty: name at least one channel"
        hint = "e.g. desktop: {viewport: {width: 1366, height: 768}}"
    elif kind == "url_glob":
        message = f"{what} has a '[' that is not closed with ']': {got}"
        hint = "close it with ']' ([abc] matches one of those characters), or leave the '[' out"
    elif kind == "expect_nothing":
        message = "expect needs one of text, url, title, visible or hidden"
        hint = 'e.g. expect: {text: Your invoices} or expect: {url: "**/receipt"}'
    elif kind == "scroll_nothing":
        message = "scroll needs to know where to scroll"
        hint = "e.g. scroll: bottom, scroll: {pixels: 600} or scroll: {text: Pay now}"
    elif kind == "wait_nothing":
        message = "wait needs a number of seconds or something to wait for"
        hint = "e.g. wait: 2 or wait: {text: Payment received}"
    elif kind == "locator_no_kind":
        message = f"{field} needs one of role, text, label, placeholder, testid or css to find the element"
        hint = "e.g. {role: button, name: Log in} or {text: Pay now}"
    elif kind == "locator_kinds":
        found = str(ctx.get("found", "")).split(", ")
        message = (
            f"{field} has {'both ' if len(found) == 2 else ''}{_quoted(found)}; give only one way to find the element"
        )
        hint = "keep one of them"
        pos = doc.pos((*path, ctx.get("key", "")), key=True)
    elif kind == "locator_name_without_role":
        key = str(ctx.get("key", "name"))
        text = value.get(key) if isinstance(value, dict) else None
        message = f"'{key}' goes with 'role', and {field} has no 'role'"
        hint = f"add one, e.g. {{role: button, {key}: {text}}}, or find the element by its text: {{text: {text}}}"
        pos = doc.pos((*path, key), key=True)
    elif kind == "env_name":
        message = f"{got} in '{names[0] if names else field}' is not an environment variable name"
        hint = "write the variable's name alone, e.g. secrets: [DEMO_PASSWORD] (no ${...})"
    elif kind == "step_timeout_short":
        message = f"timeouts: {err['msg']}"
        hint = f"raise step_seconds to at least {ctx.get('value', '')}, or lower {ctx.get('name', '')}"
        pos = doc.pos((*path, str(ctx.get("name", ""))))
    elif kind == "value_error":
        message = str(err["msg"]).removeprefix("Value error, ")
        message = f"{what}: {message}" if field else message
    else:
        message = f"{what}: {err['msg']}" if field else str(err["msg"])
    parent_path = path[:-1] if kind in ("extra_forbidden", "missing") else path
    return InputError(label + message, pos, hint), parent_path, suggested


def _positioned_errors(
    exc: ValidationError | list[Any],
    doc: YamlDocument,
    model: type[BaseModel],
    prefix: tuple[Any, ...] = (),
    short: str | None = None,
) -> list[InputError]:
    """The errors (of ``exc``, or a list of them) at their ``file:line:col``.

    ``model`` is what was validated at ``prefix``; ``short`` names the action of a short-form step.
    """
    errs = exc.errors() if isinstance(exc, ValidationError) else exc
    converted = []
    for err in errs:
        loc = tuple(err["loc"])
        converted.append((err["type"], loc, *_convert(err, loc, doc, model, prefix, short)))
    # "unknown key 'step'" (did you mean 'steps'?) already explains "the journey needs 'steps'".
    suggested = {(parent, key) for _, _, _, parent, key in converted if key}
    return [
        error
        for kind, loc, error, parent, _ in converted
        if not (kind == "missing" and (parent, str(loc[-1])) in suggested)
    ]


def _step_errors(exc: ValidationError, doc: YamlDocument, index: int, short: str | None) -> list[InputError]:
    """Errors of one step validated alone; pydantic puts the action (the union's tag) first in ``loc``."""
    converted = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        action = str(loc[0]) if loc else ""
        model = STEP_MODELS.get(action, GotoStep)
        converted.append((err["type"], loc, *_convert(err, loc[1:], doc, model, ("steps", index), short)))
    # "unknown key 'val'" (did you mean 'value'?) already explains "fill needs 'value'".
    suggested = {(parent, key) for _, _, _, parent, key in converted if key}
    return [
        error
        for kind, loc, error, parent, _ in converted
        if not (kind == "missing" and (parent, str(loc[-1])) in suggested)
    ]


def _raise(errors: list[InputError]) -> None:
    if not errors:
        return
    errors.sort(key=lambda e: (e.pos.line, e.pos.col) if e.pos else (0, 0))
    unique: list[InputError] = []
    seen: set[str] = set()
    for e in errors:
        if e.render() not in seen:
            seen.add(e.render())
            unique.append(e)
    if len(unique) == 1:
        raise unique[0]
    raise InputErrors(unique)


# ---------------------------------------------------------------------------- config


def find_config(explicit: str | None, cwd: str | None = None) -> str:
    """The config path: ``--config`` when given, else ``frictionaudit.yaml`` in the current folder."""
    if explicit:
        if not os.path.exists(explicit):
            raise InputError(f"{explicit}: no such config file", hint="check the --config path")
        return explicit
    candidate = os.path.join(cwd or os.getcwd(), CONFIG_FILE)
    if os.path.exists(candidate):
        return os.path.relpath(candidate)
    raise InputError(
        f"no {CONFIG_FILE} in {cwd or os.getcwd()}",
        hint=f"run in the folder that holds {CONFIG_FILE}, pass --config PATH, or try 'frictionaudit demo'",
    )


def load_config(path: str) -> LoadedConfig:
    doc = read_yaml_file(path)
    if doc.data is None:
        raise InputError("the config file is empty", SourcePos(path, 1, 1), "it needs at least base_url:")
    if not isinstance(doc.data, dict):
        raise InputError("the config must be a mapping of settings (base_url: ..., channels: ...)", doc.pos(()))
    data = dict(doc.data)
    errors: list[InputError] = []
    channels = data.get("channels")
    if isinstance(channels, dict):
        for name, value in channels.items():
            if not CHANNEL_NAME.fullmatch(str(name)):
                suggestion = re.sub(r"[^A-Za-z0-9_.-]+", "-", str(name)).strip("-_.")[:41]
                errors.append(
                    InputError(
                        f"channel name '{name}' may use letters, digits, '-', '_' and '.' only "
                        "(up to 41, starting with a letter or digit)",
                        doc.pos(("channels", name), key=True),
                        f"e.g. '{suggestion}'" if CHANNEL_NAME.fullmatch(suggestion) else None,
                    )
                )
            if value is None:
                errors.append(
                    InputError(
                        f"channel '{name}' has no settings",
                        doc.pos(("channels", name), key=True),
                        "give it a device (device: Pixel 7) or a viewport ({width: 1366, height: 768})",
                    )
                )
        data["channels"] = {name: {} if value is None else value for name, value in channels.items()}
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        errors.extend(_positioned_errors(exc, doc, Config))
    else:
        _check_rule_codes(config.rules.disable, doc, errors)
    _raise(errors)
    return LoadedConfig(config=config, path=path, doc=doc)


def check_devices(loaded: LoadedConfig, known: Iterable[str]) -> None:
    """Unknown device descriptor names are input errors at the ``device:`` line."""
    known = list(known)
    errors = []
    for name, channel in loaded.config.channels.items():
        if channel.device and channel.device not in known:
            errors.append(
                InputError(
                    f"channel '{name}': unknown device '{channel.device}'",
                    loaded.doc.pos(("channels", name, "device")),
                    did_you_mean(channel.device, known)
                    or "use a Playwright device name such as 'Pixel 7', 'iPhone 13' or 'Desktop Chrome'",
                )
            )
    _raise(errors)


def override_base_url(config: Config, new_base: str) -> Config:
    """Point the config at another deployment; channel URLs under the old base move with it."""
    if not new_base.startswith(("http://", "https://")):
        raise InputError(
            f"--base-url {new_base}: must start with http:// or https://",
            hint=f"e.g. --base-url http://{new_base}" if "://" not in new_base else None,
        )
    new_base = new_base.rstrip("/")
    old = config.base_url
    channels = {}
    for name, channel in config.channels.items():
        url = channel.base_url
        # Only URLs under the old base move: http://host:8000/m does, http://host:80001 does not.
        if url and url.startswith(old) and url[len(old) : len(old) + 1] in ("", "/", "?", "#"):
            channel = channel.model_copy(update={"base_url": new_base + url[len(old) :]})
        channels[name] = channel
    return config.model_copy(update={"base_url": new_base, "channels": channels})


# ---------------------------------------------------------------------------- journeys


def _normalise_step(
    raw: Any, index: int, doc: YamlDocument, errors: list[InputError], short: dict[int, str] | None = None
) -> Any:
    """The step as its model expects it (short forms expanded), or None after adding its errors."""
    path = ("steps", index)
    label = f"step {index + 1}"
    if not isinstance(raw, dict):
        word, _, rest = raw.partition(" ") if isinstance(raw, str) else ("", "", "")
        if raw is None:
            errors.append(
                InputError(f"{label} is empty", doc.pos(path), "write an action after the '-', e.g. '- goto: /login'")
            )
        elif isinstance(raw, str) and raw in ACTIONS:
            errors.append(
                InputError(f"{label}: '{raw}' needs a value", doc.pos(path), f"e.g. '{ACTION_EXAMPLES[raw]}'")
            )
        elif word in ACTIONS and rest.strip():
            errors.append(
                InputError(
                    f"{label}: a ':' is missing after '{word}'",
                    doc.pos(path),
                    f"write '{word}: {rest.strip()}'",
                )
            )
        else:
            errors.append(
                InputError(
                    f"{label} must be an action such as 'click: Pay now', got {_describe_input(raw)}",
                    doc.pos(path),
                    f"start it with one of: {', '.join(ACTIONS)}",
                )
            )
        return None
    actions = [k for k in raw if k in ACTIONS]
    unknown = [k for k in raw if k not in ACTIONS and k not in STEP_COMMON_KEYS]
    for key in unknown:
        hint = did_you_mean(key, (*ACTIONS, *STEP_COMMON_KEYS))
        if hint is None and not actions and str(key).lower() in ACTION_SYNONYMS:
            meant = ACTION_SYNONYMS[str(key).lower()]
            hint = f"did you mean '{meant}'? e.g. {ACTION_EXAMPLES[meant]}"
        message = f"{label}: unknown key '{key}'" if actions else f"{label}: unknown action '{key}'"
        errors.append(
            InputError(
                message,
                doc.pos((*path, key), key=True),
                hint or f"actions: {', '.join(ACTIONS)}; other keys: {', '.join(STEP_COMMON_KEYS)}",
            )
        )
    if unknown:
        return None
    if not actions:
        errors.append(InputError(f"{label} has no action", doc.pos(path), f"add one of: {', '.join(ACTIONS)}"))
        return None
    if len(actions) > 1:
        errors.append(
            InputError(
                f"{label} has {len(actions)} actions ({', '.join(actions)}); a step does one thing",
                doc.pos((*path, actions[1]), key=True),
                "split it into steps of their own, each starting with '- '",
            )
        )
        return None
    action = actions[0]
    value = raw[action]
    commented = sorted(
        (p for p in doc.comment_nulls if p[: len(path) + 1] == (*path, action)),
        key=lambda p: (doc.pos(p).line, doc.pos(p).col),
    )
    for p in commented:
        key = str(p[-1]) if isinstance(p[-1], str) else action
        errors.append(
            InputError(
                f"{label}: '{key}' is empty because YAML reads ' #' as the start of a comment",
                doc.pos(p, key=True),
                f'put the value in quotes: {key}: "{doc.comment_nulls[p]}"',
            )
        )
    if commented:
        return None
    if value is None:
        errors.append(
            InputError(
                f"{label}: '{action}' has no value",
                doc.pos((*path, action), key=True),
                f"e.g. '{ACTION_EXAMPLES[action]}'",
            )
        )
        return None
    if action in _SHORT_FORMS and isinstance(value, (str, int, float)) and not isinstance(value, bool):
        value = {_SHORT_FORMS[action]: value}
        if short is not None:
            short[index] = action
    normalised = dict(raw)
    normalised[action] = value
    normalised["action"] = action
    return normalised


def _check_env_refs(
    value: Any, path: tuple[Any, ...], doc: YamlDocument, env: Mapping[str, str] | None, errors: list[InputError]
) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _check_env_refs(child, (*path, key), doc, env, errors)
    elif isinstance(value, list):
        for i, child in enumerate(value):
            _check_env_refs(child, (*path, i), doc, env, errors)
    elif isinstance(value, str) and "${" in value:
        label, _ = _label(path, Journey)
        if value.count("${") != len(ENV_REF.findall(value)):
            errors.append(
                InputError(
                    f"{label}a '${{' is not closed with '}}'",
                    doc.pos(path),
                    "write ${NAME}; to type a literal '${', there is no escape yet",
                )
            )
            return
        for name in ENV_REF.findall(value):
            if not ENV_NAME.match(name):
                errors.append(
                    InputError(
                        f"{label}'${{{name}}}' is not a valid environment variable reference",
                        doc.pos(path),
                        "names use letters, digits and _ and do not start with a digit, e.g. ${DEMO_PASSWORD}",
                    )
                )
            elif env is not None and name not in env:
                errors.append(
                    InputError(
                        f"{label}the environment variable {name} is not set",
                        doc.pos(path),
                        f"set it before running, e.g. export {name}=...",
                    )
                )


def resolve_env(text: str, env: Mapping[str, str]) -> str:
    """Replace ``${NAME}`` with the environment's value (checked at load time)."""
    return ENV_REF.sub(lambda m: env.get(m.group(1), ""), text)


def load_journey(path: str, config: Config, env: Mapping[str, str] | None = None) -> Journey:
    """Load one journey file; ``env`` (when given) must define every ``${NAME}`` it uses."""
    doc = read_yaml_file(path)
    stem = Path(path).stem
    if doc.data is None:
        raise InputError("the journey file is empty", SourcePos(path, 1, 1), "it needs name: and steps:")
    if not isinstance(doc.data, dict):
        raise InputError(
            f"a journey must be a mapping with name: and steps:, got {_describe_input(doc.data)}",
            doc.pos(()),
            "start the file with 'name: ...', then 'steps:' and the steps below it",
        )
    data = dict(doc.data)
    errors: list[InputError] = []
    for key in ("id", "source"):
        if key in data:
            errors.append(InputError(f"unknown key '{key}'", doc.pos((key,), key=True), "the file name is the id"))
            del data[key]
    raw_steps = data.get("steps")
    steps_checked = False
    if isinstance(raw_steps, list):
        steps_checked = True
        if not raw_steps:
            errors.append(InputError("the journey has no steps", doc.pos(("steps",)), "add at least a goto: step"))
        short: dict[int, str] = {}
        built = []
        for i, raw in enumerate(raw_steps):
            normalised = _normalise_step(raw, i, doc, errors, short)
            if normalised is None:
                continue
            try:
                built.append(_STEP.validate_python(normalised))
            except ValidationError as exc:
                errors.extend(_step_errors(exc, doc, i, short.get(i)))
        data["steps"] = built
    elif "steps" in data and raw_steps is None:
        steps_checked = True
        errors.append(InputError("the journey has no steps", doc.pos(("steps",)), "add at least a goto: step"))
    _check_env_refs(raw_steps, ("steps",), doc, env, errors)
    _check_channel_refs(data, raw_steps, doc, config, errors)
    data["id"] = stem
    data["source"] = path
    journey = None
    try:
        journey = Journey.model_validate(data)
    except ValidationError as exc:
        # Each step was checked on its own above; only report what is wrong with the rest.
        rest = [e for e in exc.errors() if not (steps_checked and tuple(e["loc"][:1]) == ("steps",))]
        errors.extend(_positioned_errors(rest, doc, Journey))
    if journey is not None:
        _check_rule_codes(journey.rules.disable, doc, errors)
    _raise(errors)
    assert journey is not None  # _raise raised otherwise
    return journey


def _check_rule_codes(codes: Iterable[str], doc: YamlDocument, errors: list[InputError]) -> None:
    """``rules: {disable: [...]}`` must name rules that exist (a typo would silently switch nothing off)."""
    from frictionaudit.audit.registry import all_rules

    known = list(all_rules())
    for i, code in enumerate(codes):
        if code not in known:
            errors.append(
                InputError(
                    f"unknown rule '{code}' in rules.disable",
                    doc.pos(("rules", "disable", i)),
                    did_you_mean(code.upper(), known) or "run 'frictionaudit rules' for the codes",
                )
            )


def _check_channel_refs(
    data: dict[str, Any], raw_steps: Any, doc: YamlDocument, config: Config, errors: list[InputError]
) -> None:
    known = list(config.channels)

    def check(value: Any, path: tuple[Any, ...]) -> None:
        if not isinstance(value, list):
            return
        label, _ = _label(path, Journey)
        for i, name in enumerate(value):
            if isinstance(name, str) and name not in known:
                errors.append(
                    InputError(
                        f"{label}unknown channel '{name}'",
                        doc.pos((*path, i)),
                        _choices_hint(name, known) + f" (channels are defined in {CONFIG_FILE})",
                    )
                )

    check(data.get("channels"), ("channels",))
    if isinstance(raw_steps, list):
        for i, step in enumerate(raw_steps):
            if isinstance(step, dict):
                check(step.get("channels"), ("steps", i, "channels"))


def _shown(path: Path) -> str:
    """A path as the user would type it: relative to the current folder when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def journey_files(paths: Iterable[str], default_folder: Path) -> list[str]:
    """Expand the command line's journey paths (files or folders) into sorted YAML files."""
    paths = list(paths)
    if not paths:
        if not default_folder.is_dir():
            raise InputError(
                f"no journeys folder at {default_folder}",
                hint="create it with one YAML file per journey, or name journey files on the command line",
            )
        paths = [str(default_folder)]
    files: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            found = sorted(_shown(f) for f in Path(p).iterdir() if f.suffix in (".yaml", ".yml") and f.is_file())
            if not found:
                raise InputError(
                    f"{p}: no journey files (*.yaml) in this folder",
                    hint="add one YAML file per journey, e.g. pay-invoice.yaml",
                )
            files.extend(found)
        elif os.path.exists(p):
            files.append(p)
        else:
            raise InputError(f"{p}: no such journey file", hint="check the path, relative to the current directory")
    return files


def load_journeys(files: Iterable[str], config: Config, env: Mapping[str, str] | None = None) -> list[Journey]:
    """Load every file, collecting all errors across files before raising."""
    journeys: list[Journey] = []
    errors: list[InputError] = []
    seen: dict[str, str] = {}
    for f in files:
        try:
            journey = load_journey(f, config, env)
        except InputErrors as exc:
            errors.extend(exc.errors)
            continue
        except InputError as exc:
            errors.append(exc)
            continue
        if journey.id in seen:
            errors.append(
                InputError(
                    f"two journeys have the id '{journey.id}' ({seen[journey.id]} and {f})",
                    SourcePos(f, 1, 1),
                    "rename one of the files: the file name is the journey's id",
                )
            )
            continue
        seen[journey.id] = f
        journeys.append(journey)
    if errors:
        if len(errors) == 1:
            raise errors[0]
        raise InputErrors(errors)
    return journeys
