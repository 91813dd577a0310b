"""Read YAML safely and remember where every value came from.

PyYAML's safe loader drops the node positions and silently keeps the last of two duplicate keys. This
module composes the node tree itself, builds plain Python values, records the ``line:col`` of every
value by its path (``("steps", 2, "click", "name")``), rejects duplicate keys and any explicit tag
other than YAML's core ones (``!!python/object`` and friends never run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from frictionaudit.errors import InputError, SourcePos

Path = tuple[str | int, ...]

_CORE_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:timestamp",
}

MAX_FILE_BYTES = 2_000_000


@dataclass
class YamlDocument:
    """A parsed YAML file: its plain value and the position of each value and key by path."""

    file: str
    data: Any
    positions: dict[Path, SourcePos] = field(default_factory=dict)
    key_positions: dict[Path, SourcePos] = field(default_factory=dict)

    def pos(self, path: Path, *, key: bool = False) -> SourcePos:
        """The closest known position for ``path`` (walks up to the parent when a value has none)."""
        table = self.key_positions if key else self.positions
        probe = tuple(path)
        while probe:
            if probe in table:
                return table[probe]
            if probe in self.positions:
                return self.positions[probe]
            probe = probe[:-1]
        return self.positions.get((), SourcePos(self.file, 1, 1))


def _mark(file: str, node: yaml.Node) -> SourcePos:
    return SourcePos(file, node.start_mark.line + 1, node.start_mark.column + 1)


def _problem_pos(file: str, exc: yaml.MarkedYAMLError) -> SourcePos:
    mark = exc.problem_mark or exc.context_mark
    if mark is None:
        return SourcePos(file, 1, 1)
    return SourcePos(file, mark.line + 1, mark.column + 1)


def parse_yaml(text: str, file: str) -> YamlDocument:
    """Parse one YAML document, raising :class:`InputError` with a position on any problem."""
    if "\t" in text:
        for number, line in enumerate(text.splitlines(), start=1):
            stripped = line.lstrip(" ")
            if stripped.startswith("\t"):
                raise InputError(
                    "a tab is used for indentation; YAML needs spaces",
                    SourcePos(file, number, len(line) - len(stripped) + 1),
                    "replace the tab with spaces (two per level is usual)",
                )
    try:
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        problem = (exc.problem or "invalid YAML").strip()
        context = f" ({exc.context})" if exc.context else ""
        raise InputError(
            f"this is not valid YAML: {problem}{context}",
            _problem_pos(file, exc),
            "check the indentation and quoting on this line and the one before",
        ) from None
    except yaml.YAMLError as exc:  # pragma: no cover - reader errors without marks
        raise InputError(f"this is not valid YAML: {exc}", SourcePos(file, 1, 1)) from None
    if len(nodes) > 1:
        raise InputError(
            "the file holds several YAML documents (separated by ---); put one per file",
            _mark(file, nodes[1]),
        )
    doc = YamlDocument(file=file, data=None)
    if not nodes or nodes[0] is None:
        return doc
    constructor = yaml.SafeLoader("")
    doc.data = _build(nodes[0], (), doc, constructor)
    return doc


def _build(node: yaml.Node, path: Path, doc: YamlDocument, constructor: yaml.SafeLoader) -> Any:
    doc.positions[path] = _mark(doc.file, node)
    if node.tag not in _CORE_TAGS:
        raise InputError(
            f"the YAML tag {node.tag!r} is not allowed here",
            _mark(doc.file, node),
            "remove the tag: journeys hold plain text, numbers, lists and mappings",
        )
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                raise InputError(
                    "this key is not a plain name (merge keys and complex keys are not supported)",
                    _mark(doc.file, key_node),
                )
            key = constructor.construct_object(key_node)
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                key = str(key)
            child = (*path, key)
            if key in result:
                first = doc.key_positions.get(child)
                raise InputError(
                    f"the key {key!r} appears twice in the same mapping",
                    _mark(doc.file, key_node),
                    f"keep one of them (the first is at line {first.line})" if first else None,
                )
            doc.key_positions[child] = _mark(doc.file, key_node)
            result[key] = _build(value_node, child, doc, constructor)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), doc, constructor) for i, item in enumerate(node.value)]
    try:
        return constructor.construct_object(node)
    except yaml.YAMLError as exc:
        raise InputError(f"this value cannot be read: {exc}", _mark(doc.file, node)) from None


def read_yaml_file(path: str) -> YamlDocument:
    """Read and parse a YAML file, with clear errors for missing, huge or non-UTF-8 files."""
    import os

    if not os.path.exists(path):
        raise InputError(f"{path}: no such file", hint="check the path, relative to the current directory")
    if os.path.isdir(path):
        raise InputError(f"{path}: is a folder, not a YAML file")
    size = os.path.getsize(path)
    if size > MAX_FILE_BYTES:
        raise InputError(
            f"the file is {size:,} bytes; journeys and configs are limited to {MAX_FILE_BYTES:,}",
            SourcePos(path, 1, 1),
            "split it into several journey files",
        )
    with open(path, "rb") as handle:
        raw = handle.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(
            "the file is not UTF-8 text",
            SourcePos(path, line, col),
            "save it as UTF-8 in your editor",
        ) from None
    if "\x00" in text:
        raise InputError("the file contains NUL bytes; it is not a text file", SourcePos(path, 1, 1))
    return parse_yaml(text, path)
