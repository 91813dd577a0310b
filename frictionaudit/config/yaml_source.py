"""Read YAML safely and remember where every value came from.

PyYAML's safe loader drops the node positions and silently keeps the last of two duplicate keys. This
module composes the node tree itself, builds plain Python values, records the ``line:col`` of every
value by its path (``("steps", 2, "click", "name")``), rejects duplicate keys and any explicit tag
other than YAML's core ones (``!!python/object`` and friends never run). PyYAML's messages are
translated into plain words where the usual mistake is known (an unclosed quote, a ': ' in a value,
a '*' or '@' at the start of a value, a tab, a line indented wrongly).
"""

from __future__ import annotations

import copy
import os
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from frictionaudit.errors import InputError, SourcePos

Path = tuple[str | int, ...]

_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
_CORE_TAGS = {*_SCALAR_TAGS, "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"}
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_NULL = "tag:yaml.org,2002:null"
_KIND_OF_TAG = {
    "tag:yaml.org,2002:int": "a whole number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "true or false",
    "tag:yaml.org,2002:null": "null",
}

MAX_FILE_BYTES = 2_000_000
MAX_DEPTH = 64
MAX_VALUES = 100_000


@dataclass
class YamlDocument:
    """A parsed YAML file: its plain value and the position of each value and key by path.

    ``comment_nulls`` maps the paths of values that are empty because a ``#`` after ``key:``
    started a comment (``css: #total`` reads as ``css: null``) to that comment, so the loader can
    say so.
    """

    file: str
    data: Any
    positions: dict[Path, SourcePos] = field(default_factory=dict)
    key_positions: dict[Path, SourcePos] = field(default_factory=dict)
    comment_nulls: dict[Path, str] = field(default_factory=dict)

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


def _at(file: str, mark: yaml.Mark | None) -> SourcePos:
    return SourcePos(file, mark.line + 1, mark.column + 1) if mark is not None else SourcePos(file, 1, 1)


def _show_tag(tag: str) -> str:
    """``tag:yaml.org,2002:python/name:os.system`` as the user wrote it: ``!!python/name:os.system``."""
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag


def _translate(exc: yaml.MarkedYAMLError, file: str) -> InputError:
    """PyYAML's message in words a designer acts on, at the place to fix."""
    problem = (exc.problem or "invalid YAML").strip()
    context = (exc.context or "").strip()
    here = exc.problem_mark or exc.context_mark
    opened = exc.context_mark or here
    if "'\\t'" in problem or "tab character" in problem:
        return InputError("a tab is used here; YAML needs spaces", _at(file, here), "replace the tab with spaces")
    if "end of stream" in problem and "quoted scalar" in context:
        return InputError("this quote is never closed", _at(file, opened), "add the same quote at the end of the value")
    if problem.startswith("expected escape sequence"):
        return InputError(
            "a backslash inside double quotes starts an escape (such as \\n), and this one is incomplete",
            _at(file, here),
            "use single quotes ('...') instead, or write two backslashes for one",
        )
    if problem.startswith("expected '<document start>'"):
        return InputError(
            "there is more text after the end of the document (a '...' line)",
            _at(file, here),
            "remove the '...' line, or move what follows it into a file of its own",
        )
    if problem.startswith("found unknown escape character"):
        return InputError(
            f"{problem.removeprefix('found unknown escape character ')} after a backslash is not a known "
            "escape inside double quotes",
            _at(file, here),
            "use single quotes ('...') instead, or write two backslashes for one",
        )
    if problem == "mapping values are not allowed here":
        before = _key_without_colon_before(here)
        if before is not None:
            return InputError(
                "this line is not in 'key: value' form (a ':' is missing)",
                SourcePos(file, before[0], before[1]),
                "add ': ' after the key, e.g. 'label: Password'",
            )
        return InputError(
            "a ':' here does not fit: the value may contain ': ' or the line is indented too far",
            _at(file, here),
            "put a value that contains ': ' in quotes (e.g. name: \"Step 1: log in\"), or fix the indentation",
        )
    bracket = re.match(r"expected ',' or '([\]}])', but got '?([^']*)'?", problem)
    if bracket and opened is not None and here is not None:
        close = bracket.group(1)
        what = "list" if close == "]" else "mapping"
        start = "[" if close == "]" else "{"
        if bracket.group(2) == "<stream end>":
            return InputError(
                f"this '{start}' {what} is never closed with '{close}'",
                _at(file, opened),
                f"add the '{close}' at the end of the {what}",
            )
        return InputError(
            f"expected ',' or '{close}' here, inside the {what} opened with '{start}' at line {opened.line + 1}",
            _at(file, here),
            f"close the {what} with '{close}', and put values that contain ',' or ': ' in quotes",
        )
    if problem.startswith("found undefined alias"):
        name = problem.removeprefix("found undefined alias").strip(" '")
        return InputError(
            f"'*{name}' refers to an anchor '&{name}' that is not defined",
            _at(file, here),
            f"text that starts with '*' must be put in quotes, e.g. text: \"*{name}\"",
        )
    if context in ("while scanning an alias", "while scanning an anchor"):
        char = "*" if "alias" in context else "&"
        return InputError(
            f"a value cannot start with '{char}' unless it is in quotes",
            _at(file, opened),
            f'put the value in quotes, e.g. text: "{char} Required"',
        )
    start_char = re.match(r"found character '(.+)' that cannot start any token", problem)
    if start_char:
        char = start_char.group(1)
        return InputError(
            f"a value cannot start with '{char}' unless it is in quotes",
            _at(file, here),
            f'put the value in quotes, e.g. text: "{char}..."',
        )
    if problem == "could not find expected ':'":
        return InputError(
            "this line is not in 'key: value' form (a ':' is missing)",
            _at(file, opened),
            "add ': ' after the key; text that runs over several lines must be put in quotes",
        )
    if problem == "expected <block end>, but found '<scalar>'":
        return InputError(
            "there is more text after a quoted value",
            _at(file, here),
            'a value that contains a quote needs the other kind around it, e.g. text: "it\'s"',
        )
    if problem.startswith("expected <block end>, but found"):
        return InputError(
            "this line is indented differently from the lines above it",
            _at(file, here),
            "indent it by the same number of spaces as the key or '-' item it belongs with",
        )
    return InputError(
        f"this is not valid YAML: {problem}" + (f" ({context})" if context else ""),
        _at(file, here),
        "check the indentation and quoting on this line and the one before",
    )


def _key_without_colon_before(mark: yaml.Mark | None) -> tuple[int, int] | None:
    """(line, column) of the line above ``mark`` when it looks like a key whose ':' is missing.

    ``label Password`` above ``value: x`` (same indentation) reads as one text running over two
    lines, so PyYAML complains at the ':' of the second line; the mistake is on the first.
    """
    buffer = getattr(mark, "buffer", None)
    if mark is None or not isinstance(buffer, str):
        return None
    lines = buffer.split("\n")
    if mark.line < 1 or mark.line >= len(lines):
        return None
    here, above = lines[mark.line], lines[mark.line - 1]
    indent = len(above) - len(above.lstrip(" "))
    words = above.strip()
    if (
        words
        and ":" not in words
        and not words.startswith(("-", "#", "'", '"', "[", "{"))
        and indent == len(here) - len(here.lstrip(" "))
    ):
        return mark.line, indent + 1
    return None


class _Composer(yaml.SafeLoader):
    """PyYAML's safe composer, except that an alias (``*name``) keeps its own position.

    PyYAML hands back the anchored node itself, so everything about ``*login`` would point at
    ``&login``; a shallow copy with the alias's mark shares the children but not the position.
    """

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if not self.check_event(yaml.AliasEvent):
            return super().compose_node(parent, index)
        mark = self.peek_event().start_mark
        twin = copy.copy(super().compose_node(parent, index))
        if twin is not None:
            twin.start_mark = mark
        return twin


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
        nodes = list(yaml.compose_all(text, Loader=_Composer))
    except yaml.MarkedYAMLError as exc:
        raise _translate(exc, file) from None
    except yaml.reader.ReaderError as exc:
        before = text[: exc.position]
        row = before.count("\n") + 1
        col = exc.position - (before.rfind("\n") + 1) + 1
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        raise InputError(
            f"the file contains a control character (U+{code:04X}) that YAML does not allow",
            SourcePos(file, row, col),
            "delete it (it often comes along when text is pasted from another program)",
        ) from None
    except RecursionError:
        raise InputError(
            "lists or mappings are nested too deeply", SourcePos(file, 1, 1), "a journey needs only a few levels"
        ) from None
    except yaml.YAMLError as exc:  # pragma: no cover - other errors without marks
        raise InputError(f"this is not valid YAML: {exc}", SourcePos(file, 1, 1)) from None
    if len(nodes) > 1:
        raise InputError(
            "the file holds several YAML documents (separated by ---); put one per file",
            _mark(file, nodes[1]),
            "move each document after a '---' line into a file of its own",
        )
    doc = YamlDocument(file=file, data=None)
    if not nodes or nodes[0] is None:
        return doc
    builder = _Builder(doc)
    doc.data = builder.build(nodes[0], ())
    return doc


class _Builder:
    """Turns composed nodes into plain values, recording positions; refuses what could hurt."""

    def __init__(self, doc: YamlDocument) -> None:
        self.doc = doc
        self.constructor = yaml.SafeLoader("")
        self.open: set[int] = set()
        self.count = 0

    def build(self, node: yaml.Node, path: Path) -> Any:
        doc = self.doc
        doc.positions[path] = _mark(doc.file, node)
        self.count += 1
        if self.count > MAX_VALUES:
            raise InputError(
                f"the file holds more than {MAX_VALUES:,} values once its aliases (*name) are expanded",
                _mark(doc.file, node),
                "split the journey up, or repeat fewer aliases",
            )
        if len(path) > MAX_DEPTH:
            raise InputError(
                f"lists or mappings are nested more than {MAX_DEPTH} levels deep here",
                _mark(doc.file, node),
                "a journey needs only a few levels",
            )
        self._check_tag(node)
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        # An alias's node is a copy that shares its children with the anchored node.
        children = id(node.value)
        if children in self.open:
            raise InputError(
                "this alias refers to the list or mapping that contains it",
                _mark(doc.file, node),
                "an alias (*name) can only repeat something defined before it, outside it",
            )
        self.open.add(children)
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        finally:
            self.open.discard(children)

    def _check_tag(self, node: yaml.Node) -> None:
        if node.tag not in _CORE_TAGS:
            raise InputError(
                f"the YAML tag '{_show_tag(node.tag)}' is not allowed here",
                _mark(self.doc.file, node),
                "remove the tag (journeys hold plain text, numbers, lists and mappings); "
                "if the '!' belongs to the text, put the value in quotes",
            )
        scalar = isinstance(node, yaml.ScalarNode)
        fits = (
            node.tag in _SCALAR_TAGS
            if scalar
            else node.tag
            == ("tag:yaml.org,2002:seq" if isinstance(node, yaml.SequenceNode) else "tag:yaml.org,2002:map")
        )
        if not fits:
            raise InputError(
                f"the YAML tag '{_show_tag(node.tag)}' does not fit this value",
                _mark(self.doc.file, node),
                "remove the tag",
            )

    def _scalar(self, node: yaml.ScalarNode, path: Path) -> Any:
        if node.tag == _TIMESTAMP:
            return node.value  # a date is text to a journey ("value: 2024-05-01" fills in that text)
        comment = self._comment_after(node) if node.tag == _NULL and node.value == "" and path else None
        if comment:
            self.doc.comment_nulls[path] = comment
        try:
            return self.constructor.construct_object(node)
        except Exception:  # PyYAML's constructors fail with ValueError, IndexError, ... on odd tagged text
            kind = _KIND_OF_TAG.get(node.tag, "a value of this type")
            raise InputError(
                f"'{node.value}' is not {kind}",
                _mark(self.doc.file, node),
                f"remove the '{_show_tag(node.tag)}' tag, or fix the value",
            ) from None

    @staticmethod
    def _comment_after(node: yaml.ScalarNode) -> str | None:
        """The ``#...`` comment on the line of an empty value, if any."""
        mark = node.start_mark
        buffer = getattr(mark, "buffer", None)
        if not isinstance(buffer, str):
            return None
        rest = buffer[mark.pointer :].split("\n", 1)[0].strip(" \x00\r")
        return rest if rest.startswith("#") else None

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict[Any, Any]:
        doc = self.doc
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                raise InputError(
                    "this key is not a plain name (merge keys '<<' and complex keys are not supported)",
                    _mark(doc.file, key_node),
                    "write the key as plain text and repeat the settings instead of merging them",
                )
            self._check_tag(key_node)
            # A key is the text as written: "yes:" is the key 'yes', not True; "1:" is '1'.
            key = key_node.value
            child = (*path, key)
            if key in result:
                first = doc.key_positions.get(child)
                raise InputError(
                    f"the key '{key}' appears twice in the same mapping",
                    _mark(doc.file, key_node),
                    f"keep one of them (the first is at line {first.line})" if first else None,
                )
            doc.key_positions[child] = _mark(doc.file, key_node)
            result[key] = self.build(value_node, child)
        return result


def read_yaml_file(path: str) -> YamlDocument:
    """Read and parse a YAML file, with clear errors for missing, huge or non-UTF-8 files."""
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file", hint="check the path, relative to the current directory")
    if os.path.isdir(path):
        raise InputError(f"{path}: this is a folder, not a YAML file", hint="name a .yaml file inside it")
    size = os.path.getsize(path)
    if size > MAX_FILE_BYTES:
        raise InputError(
            f"the file is {size:,} bytes; journeys and configs are limited to {MAX_FILE_BYTES:,}",
            SourcePos(path, 1, 1),
            "split it into several journey files",
        )
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(
            "the file is saved as UTF-16; journeys and configs must be UTF-8 text",
            SourcePos(path, 1, 1),
            "save it as UTF-8 in your editor",
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        line = raw[: exc.start].count(b"\n") + 1
        col = len(raw[line_start : exc.start].decode("utf-8", errors="replace")) + 1
        raise InputError(
            f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02X} here)",
            SourcePos(path, line, col),
            "save it as UTF-8 in your editor",
        ) from None
    if "\x00" in text:
        at = text.index("\x00")
        before = text[:at]
        raise InputError(
            "the file contains NUL bytes; it is not a text file",
            SourcePos(path, before.count("\n") + 1, at - (before.rfind("\n") + 1) + 1),
            "save it as plain UTF-8 text",
        )
    return parse_yaml(text, path)
