"""JSON Schemas of ``frictionaudit.yaml`` and of journey files, made from the pydantic models.

Editors use them for completion, hover documentation and validation as you type: with the YAML
language server (VS Code's YAML extension, Neovim, JetBrains, Helix...), a first line such as
``# yaml-language-server: $schema=schema/journey.schema.json`` (a path relative to the file, or a
URL) applies a schema to one file. ``frictionaudit init`` writes both schemas and those lines.

The journey schema describes the file as written, not the model after loading: a step is a mapping
with exactly one action key, short forms are allowed (``click: Pay now``, ``wait: 2``), and the
keys the loader sets (``id``, ``source``, ``action``) are not offered. Some checks stay with
``frictionaudit validate`` (exactly one locator kind, known channels and rule codes).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from pydantic.json_schema import models_json_schema

from frictionaudit.config.models import Config, Journey

DRAFT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_FILES = {"config": "frictionaudit.schema.json", "journey": "journey.schema.json"}

# What each short form stands for (see the loader's _SHORT_FORMS).
_SHORT_FORMS: dict[str, dict[str, Any]] = {
    "click": {"type": "string", "description": "Short form: the text to click, like {text: ...}."},
    "hover": {"type": "string", "description": "Short form: the text to hover, like {text: ...}."},
    "press": {"type": "string", "description": "Short form: the key to press on the focused element, e.g. Enter."},
    "expect": {"type": "string", "description": "Short form: text that must be visible, like {text: ...}."},
    "scroll": {"enum": ["top", "bottom"], "description": "Short form: scroll to the top or the bottom."},
    "wait": {"type": "number", "exclusiveMinimum": 0, "description": "Short form: seconds to wait."},
}

_LOCATOR_DOCS = {
    "role": "An ARIA role: button, link, textbox, checkbox, combobox, heading, tab, menuitem...",
    "name": "The accessible name (with role), e.g. Log in. A part, ignoring case, unless exact: true.",
    "text": "Visible text of the element. A part, ignoring case, unless exact: true.",
    "label": "The label of a form field (or its aria-label).",
    "placeholder": "The placeholder text of a field.",
    "testid": "The element's data-testid.",
    "css": "A CSS selector (last resort: role, label and text survive redesigns better).",
    "exact": "Match names and texts exactly and case-sensitively.",
}

_ACTION_DOCS = {
    "goto": "Open a path under the channel's base URL (/login) or a full URL.",
    "click": "Click an element.",
    "fill": "Type a value into a field.",
    "select": "Choose an option of a select box.",
    "check": "Check (or uncheck) a checkbox or a radio button.",
    "press": "Press a key, in an element or the focused one.",
    "hover": "Move the pointer over an element.",
    "scroll": "Scroll to the top or bottom, by pixels, or to an element.",
    "wait": "Wait some seconds, or until an element is visible.",
    "expect": "Check that text, a URL, a title or an element is (or is not) there.",
    "capture": "Record an element's text as a fact, compared across channels.",
}


def _describe_locators(defs: dict[str, Any]) -> None:
    for definition in defs.values():
        for key, prop in definition.get("properties", {}).items():
            if key in _LOCATOR_DOCS and "description" not in prop:
                prop["description"] = _LOCATOR_DOCS[key]


def journey_schema() -> dict[str, Any]:
    """The JSON Schema of a journey file (``journeys/<id>.yaml``)."""
    _, top = models_json_schema([(Journey, "validation")], ref_template="#/$defs/{model}")
    defs: dict[str, Any] = copy.deepcopy(top["$defs"])
    journey = defs.pop("Journey")
    for key in ("id", "source"):
        journey["properties"].pop(key, None)
        if key in journey.get("required", []):
            journey["required"].remove(key)
    steps = journey["properties"]["steps"]
    step_refs = [item["$ref"] for item in steps["items"]["oneOf"]]
    steps["items"] = {"oneOf": [{"$ref": ref} for ref in step_refs]}
    steps["description"] = "The customer's steps, in order; each does one action."
    for ref in step_refs:
        step = defs[ref.rsplit("/", 1)[1]]
        step["properties"].pop("action", None)
        action = next(k for k in step["required"] if k not in ("name", "channels", "timeout"))
        prop = step["properties"][action]
        if action in _SHORT_FORMS:
            prop = {"anyOf": [_SHORT_FORMS[action], prop]}
        prop["description"] = _ACTION_DOCS[action]
        step["properties"][action] = prop
        step["description"] = _ACTION_DOCS[action]
    _describe_locators(defs)
    return {
        "$schema": DRAFT,
        "title": "frictionaudit journey",
        "description": "One customer task as a list of steps (journeys/<id>.yaml; the file name is the id).",
        **{k: v for k, v in journey.items() if k != "title"},
        "$defs": defs,
    }


def config_schema() -> dict[str, Any]:
    """The JSON Schema of ``frictionaudit.yaml``."""
    schema = Config.model_json_schema(ref_template="#/$defs/{model}")
    schema.pop("title", None)
    return {
        "$schema": DRAFT,
        "title": "frictionaudit.yaml",
        **schema,
    }


SCHEMAS = {"config": config_schema, "journey": journey_schema}


def schema_text(which: str) -> str:
    return json.dumps(SCHEMAS[which](), indent=2, ensure_ascii=False) + "\n"
