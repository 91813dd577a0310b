"""Load ``frictionaudit.yaml`` and journey files into models, with errors a designer can act on.

Every problem is reported as ``file:line:col: what is wrong`` plus a hint ("did you mean 'click'?")
where one fits. All problems of a file are collected before raising, so one pass fixes them all.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

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
    WaitStep,
)
from frictionaudit.config.yaml_source import YamlDocument, read_yaml_file
from frictionaudit.errors import InputError, InputErrors, SourcePos

CONFIG_FILE = "frictionaudit.yaml"
ENV_REF = re.compile(r"\$\{([^}]*)\}")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

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

# Short forms: ``click: Log in`` means ``click: {text: Log in}`` and so on.
_SHORT_FORMS: dict[str, str] = {
    "click": "text",
    "hover": "text",
    "press": "key",
    "expect": "text",
    "scroll": "to",
    "wait": "seconds",
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


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A hint naming the closest choice, or None when nothing is close."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def _choices_hint(word: str, choices: Iterable[str]) -> str:
    choices = list(choices)
    return did_you_mean(word, choices) or f"use one of: {', '.join(choices)}"


# ---------------------------------------------------------------------------- pydantic errors → positions


def _fields_at(model: type[BaseModel] | None, loc: tuple[Any, ...]) -> list[str]:
    """The field names allowed at ``loc`` (walking the model's annotations), for did-you-mean."""
    current: Any = model
    for part in loc:
        if current is None:
            return []
        if isinstance(part, int):
            continue
        if isinstance(current, type) and issubclass(current, BaseModel):
            info = current.model_fields.get(part)
            if info is None:
                return []
            current = _model_in(info.annotation)
        else:
            return []
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [name for name in current.model_fields if name != "action"]
    return []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _describe_input(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _message(err: Mapping[str, Any], field: str, allowed: list[str]) -> tuple[str, str | None]:
    kind = err["type"]
    got = _describe_input(err.get("input"))
    if kind == "extra_forbidden":
        hint = did_you_mean(field, allowed) if allowed else None
        if hint is None and allowed:
            hint = f"allowed here: {', '.join(allowed)}"
        return f"unknown key '{field}'", hint
    if kind == "missing":
        return f"'{field}' is required here", None
    if kind in ("string_type", "str_type"):
        return f"'{field}' must be text, got {got}", "put the value in quotes"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"'{field}' must be a whole number, got {got}", None
    if kind in ("float_type", "float_parsing"):
        return f"'{field}' must be a number, got {got}", None
    if kind in ("bool_type", "bool_parsing"):
        return f"'{field}' must be true or false, got {got}", None
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"'{field}' must be a mapping (key: value), got {got}", None
    if kind == "list_type":
        return f"'{field}' must be a list, got {got}", "write it as [a, b] or one '- item' per line"
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"'{field}' must be one of {expected}, got {got}", None
    if kind in ("greater_than", "greater_than_equal", "less_than_equal", "less_than"):
        return f"'{field}' {err['msg'].lower()}, got {got}", None
    if kind in ("too_short", "string_too_short"):
        return f"'{field}' must not be empty", None
    if kind == "value_error":
        msg = str(err["msg"]).removeprefix("Value error, ")
        return (f"{field}: {msg}" if field else msg), None
    return f"'{field}': {err['msg']}", None


def _positioned_errors(
    exc: ValidationError, doc: YamlDocument, model: type[BaseModel], prefix: tuple[Any, ...] = ()
) -> list[InputError]:
    errors: list[InputError] = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        path = (*prefix, *loc)
        field = (
            str(loc[-1]) if loc and not isinstance(loc[-1], int) else (str(loc[-2]) if len(loc) > 1 else "")
        )
        if not loc:
            field = ""
        parent_loc = loc[:-1] if err["type"] == "extra_forbidden" else loc
        allowed = _fields_at(model, parent_loc) if err["type"] == "extra_forbidden" else []
        message, hint = _message(err, field, allowed)
        pos = doc.pos(path, key=err["type"] in ("extra_forbidden",))
        errors.append(InputError(message, pos, hint))
    return errors


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
        raise InputError(
            "the config must be a mapping of settings (base_url: ..., channels: ...)", doc.pos(())
        )
    errors: list[InputError] = []
    channels = doc.data.get("channels")
    if isinstance(channels, dict):
        for name, value in channels.items():
            if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,40}", str(name)):
                errors.append(
                    InputError(
                        f"channel name {name!r} may use letters, digits, '-', '_' and '.' only",
                        doc.pos(("channels", name), key=True),
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
    _raise(errors)
    try:
        config = Config.model_validate(doc.data)
    except ValidationError as exc:
        _raise(_positioned_errors(exc, doc, Config))
        raise  # pragma: no cover
    for name, channel in config.channels.items():
        if channel.device and channel.viewport:
            pass  # the viewport overrides the device's; allowed on purpose
    return LoadedConfig(config=config, path=path, doc=doc)


def check_devices(loaded: LoadedConfig, known: Iterable[str]) -> None:
    """Unknown device descriptor names are input errors at the ``device:`` line."""
    known = list(known)
    errors = []
    for name, channel in loaded.config.channels.items():
        if channel.device and channel.device not in known:
            errors.append(
                InputError(
                    f"unknown device '{channel.device}' for channel '{name}'",
                    loaded.doc.pos(("channels", name, "device")),
                    did_you_mean(channel.device, known) or "use a Playwright device name such as 'Pixel 7'",
                )
            )
    _raise(errors)


def override_base_url(config: Config, new_base: str) -> Config:
    """Point the config at another deployment; channel URLs under the old base move with it."""
    new_base = new_base.rstrip("/")
    old = config.base_url
    channels = {}
    for name, channel in config.channels.items():
        if channel.base_url and channel.base_url.startswith(old):
            channel = channel.model_copy(update={"base_url": new_base + channel.base_url[len(old) :]})
        channels[name] = channel
    return config.model_copy(update={"base_url": new_base, "channels": channels})


# ---------------------------------------------------------------------------- journeys


def _normalise_step(raw: Any, index: int, doc: YamlDocument, errors: list[InputError]) -> Any:
    path = ("steps", index)
    if not isinstance(raw, dict):
        if isinstance(raw, str) and raw in ACTIONS:
            errors.append(
                InputError(f"step {index + 1}: '{raw}' needs a value", doc.pos(path), f"e.g. '{raw}: ...'")
            )
        else:
            errors.append(
                InputError(
                    f"step {index + 1} must be a mapping such as 'click: {{text: Pay now}}', got {_describe_input(raw)}",
                    doc.pos(path),
                )
            )
        return None
    actions = [k for k in raw if k in ACTIONS]
    unknown = [k for k in raw if k not in ACTIONS and k not in STEP_COMMON_KEYS]
    for key in unknown:
        hint = did_you_mean(key, (*ACTIONS, *STEP_COMMON_KEYS))
        what = "action" if not actions else "key"
        errors.append(
            InputError(
                f"unknown {what} '{key}' in step {index + 1}",
                doc.pos((*path, key), key=True),
                hint or f"actions: {', '.join(ACTIONS)}; other keys: {', '.join(STEP_COMMON_KEYS)}",
            )
        )
    if unknown:
        return None
    if not actions:
        errors.append(
            InputError(
                f"step {index + 1} has no action",
                doc.pos(path),
                f"add one of: {', '.join(ACTIONS)}",
            )
        )
        return None
    if len(actions) > 1:
        errors.append(
            InputError(
                f"step {index + 1} has {len(actions)} actions ({', '.join(actions)}); a step does one thing",
                doc.pos((*path, actions[1]), key=True),
                "split it into two steps",
            )
        )
        return None
    action = actions[0]
    value = raw[action]
    if action in _SHORT_FORMS and isinstance(value, (str, int, float)) and not isinstance(value, bool):
        value = {_SHORT_FORMS[action]: value}
    normalised = dict(raw)
    normalised[action] = value
    normalised["action"] = action
    return normalised


def _check_env_refs(
    value: Any,
    path: tuple[Any, ...],
    doc: YamlDocument,
    env: Mapping[str, str] | None,
    errors: list[InputError],
) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _check_env_refs(child, (*path, key), doc, env, errors)
    elif isinstance(value, list):
        for i, child in enumerate(value):
            _check_env_refs(child, (*path, i), doc, env, errors)
    elif isinstance(value, str):
        if "${" in value and value.count("${") != len(ENV_REF.findall(value)):
            errors.append(InputError("a '${' is not closed with '}'", doc.pos(path), "write ${NAME}"))
            return
        for name in ENV_REF.findall(value):
            if not ENV_NAME.match(name):
                errors.append(
                    InputError(
                        f"'${{{name}}}' is not a valid environment variable reference",
                        doc.pos(path),
                        "names use letters, digits and _ and do not start with a digit, e.g. ${DEMO_PASSWORD}",
                    )
                )
            elif env is not None and name not in env:
                errors.append(
                    InputError(
                        f"the environment variable {name} is not set",
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
        raise InputError("a journey must be a mapping with name: and steps:", doc.pos(()))
    data = dict(doc.data)
    errors: list[InputError] = []
    for key in ("id", "source"):
        if key in data:
            errors.append(
                InputError(f"unknown key '{key}'", doc.pos((key,), key=True), "the file name is the id")
            )
    steps = data.get("steps")
    if isinstance(steps, list):
        if not steps:
            errors.append(
                InputError("the journey has no steps", doc.pos(("steps",)), "add at least a goto: step")
            )
        normalised = [_normalise_step(raw, i, doc, errors) for i, raw in enumerate(steps)]
        data["steps"] = normalised
    elif "steps" in data and steps is None:
        errors.append(
            InputError("the journey has no steps", doc.pos(("steps",)), "add at least a goto: step")
        )
    _check_env_refs(data.get("steps"), ("steps",), doc, env, errors)
    _check_channel_refs(data, doc, config, errors)
    if errors:
        _raise(errors)
    data["id"] = stem
    data["source"] = path
    try:
        journey = Journey.model_validate(data)
    except ValidationError as exc:
        _raise(_positioned_errors(exc, doc, Journey))
        raise  # pragma: no cover
    return journey


def _check_channel_refs(
    data: dict[str, Any], doc: YamlDocument, config: Config, errors: list[InputError]
) -> None:
    known = list(config.channels)

    def check(value: Any, path: tuple[Any, ...]) -> None:
        if not isinstance(value, list):
            return
        for i, name in enumerate(value):
            if isinstance(name, str) and name not in known:
                errors.append(
                    InputError(
                        f"unknown channel '{name}'",
                        doc.pos((*path, i)),
                        _choices_hint(name, known) + f" (channels are defined in {CONFIG_FILE})",
                    )
                )

    check(data.get("channels"), ("channels",))
    steps = data.get("steps")
    if isinstance(steps, list):
        for i, step in enumerate(steps):
            if isinstance(step, dict):
                check(step.get("channels"), ("steps", i, "channels"))


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
            found = sorted(str(f) for f in Path(p).iterdir() if f.suffix in (".yaml", ".yml") and f.is_file())
            if not found:
                raise InputError(f"{p}: no journey files (*.yaml) in this folder")
            files.extend(found)
        elif os.path.exists(p):
            files.append(p)
        else:
            raise InputError(
                f"{p}: no such journey file", hint="check the path, relative to the current directory"
            )
    return files


def load_journeys(
    files: Iterable[str], config: Config, env: Mapping[str, str] | None = None
) -> list[Journey]:
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
