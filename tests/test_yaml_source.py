"""Property tests: whatever a user writes, reading it fails only with an InputError (exit code 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frictionaudit.config.loader import load_config, load_journey
from frictionaudit.config.models import ACTIONS, Config
from frictionaudit.config.yaml_source import parse_yaml, read_yaml_file
from frictionaudit.errors import InputError

CONFIG = Config(base_url="http://127.0.0.1:8000")
# PyYAML's pure-Python parser (kept for its messages) costs a few ms a file: the whole module stays < 10 s.
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
FEWER = settings(SETTINGS, max_examples=60)

# Text that looks like YAML more often than random characters do: indicators, keys, quotes, tabs.
_YAML_BITS = st.sampled_from(
    [
        "\n",
        "  ",
        "- ",
        ": ",
        "{",
        "}",
        "[",
        "]",
        ",",
        "'",
        '"',
        "#",
        "&a ",
        "*a",
        "!!int ",
        "!!str ",
        "!!python/object/apply:os.system ",
        "---\n",
        "...\n",
        "? ",
        "|\n",
        ">\n",
        "<<: ",
        "\t",
        "\\",
        "name",
        "steps",
        "channels",
        "goto",
        "click",
        "role",
        "text",
        "css",
        "${X}",
        "${",
        "%YAML 1.1\n",
        "~",
        "yes",
        "2024-01-01",
        "1e3",
        "0x1F",
        "\x00",
        "\x07",
        "\x85",
        "\ufeff",
    ]
)
yaml_ish_text = st.lists(st.one_of(_YAML_BITS, st.text(max_size=5)), max_size=40).map("".join)

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(max_size=12),
    st.sampled_from([*ACTIONS, "role", "name", "text", "css", "label", "value", "${PASSWORD}", "${", "**/r[", "-1"]),
)
_keys = st.one_of(
    st.sampled_from([*ACTIONS, "name", "channels", "timeout", "steps", "role", "text", "url", "css", "value"]),
    st.text(max_size=8),
)
structures = st.recursive(
    _scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(_keys, children, max_size=4)),
    max_leaves=12,
)
# Journey-shaped structures reach deeper into the loader than arbitrary ones.
steps = st.lists(
    st.one_of(
        structures,
        st.dictionaries(st.sampled_from([*ACTIONS, "name", "channels", "timeout"]), structures, max_size=3),
    ),
    max_size=5,
)
journeys = st.fixed_dictionaries(
    {"name": _scalars, "steps": steps},
    optional={"channels": structures, "description": _scalars},
)


def _load_journey_text(tmp_path: Path, text: str) -> None:
    path = tmp_path / "journey.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_journey(str(path), CONFIG, env={"PASSWORD": "x"})
    except InputError as exc:
        assert exc.render()  # renders without raising


@SETTINGS
@given(st.text(max_size=200))
def test_parse_yaml_on_any_text_raises_only_input_error(text: str) -> None:
    try:
        parse_yaml(text, "x.yaml")
    except InputError as exc:
        assert exc.pos is None or exc.pos.file == "x.yaml"


@SETTINGS
@given(yaml_ish_text)
def test_parse_yaml_on_yaml_ish_text_raises_only_input_error(text: str) -> None:
    try:
        parse_yaml(text, "x.yaml")
    except InputError as exc:
        assert exc.pos is None or (exc.pos.line >= 1 and exc.pos.col >= 1)


@settings(SETTINGS, max_examples=100)
@given(text=yaml_ish_text)
def test_journey_loader_on_yaml_ish_text_raises_only_input_error(tmp_path: Path, text: str) -> None:
    _load_journey_text(tmp_path, text)


@FEWER
@given(data=structures)
def test_journey_loader_on_dumped_structures_raises_only_input_error(tmp_path: Path, data: object) -> None:
    _load_journey_text(tmp_path, yaml.safe_dump(data, allow_unicode=True))


@FEWER
@given(data=journeys)
def test_journey_loader_on_journey_shaped_structures_raises_only_input_error(tmp_path: Path, data: object) -> None:
    _load_journey_text(tmp_path, yaml.safe_dump(data, allow_unicode=True))


@FEWER
@given(data=structures)
def test_config_loader_on_dumped_structures_raises_only_input_error(tmp_path: Path, data: object) -> None:
    path = tmp_path / "frictionaudit.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    try:
        load_config(str(path))
    except InputError:
        pass


@settings(SETTINGS, max_examples=150)
@given(raw=st.binary(max_size=120))
def test_read_yaml_file_on_any_bytes_raises_only_input_error(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "bytes.yaml"
    path.write_bytes(raw)
    try:
        read_yaml_file(str(path))
    except InputError:
        pass


# ---------------------------------------------------------------------------- what once crashed or hung


def test_billion_laughs_is_refused_quickly() -> None:
    text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{b}: &{b} [{', '.join([f'*{a}'] * 10)}]\n" for a, b in zip("abcde", "bcdef", strict=True)
    )
    with pytest.raises(InputError) as info:
        parse_yaml(text, "x.yaml")
    assert info.value.render().startswith("x.yaml:")
    assert "more than 100,000 values once its aliases (*name) are expanded" in info.value.render()


def test_deep_nesting_is_an_input_error() -> None:
    with pytest.raises(InputError) as info:
        parse_yaml("[" * 600 + "]" * 600, "x.yaml")
    assert info.value.render() == (
        "x.yaml:1:1: lists or mappings are nested too deeply\n  hint: a journey needs only a few levels"
    )
    with pytest.raises(InputError) as info:
        parse_yaml("a: " + "[" * 100 + "]" * 100, "x.yaml")
    assert info.value.render() == (
        "x.yaml:1:68: lists or mappings are nested more than 64 levels deep here\n"
        "  hint: a journey needs only a few levels"
    )


def test_a_control_character_is_located() -> None:
    with pytest.raises(InputError) as info:
        parse_yaml("name: x\nsteps:\n  - click: Pay\x07\n", "x.yaml")
    assert info.value.render() == (
        "x.yaml:3:15: the file contains a control character (U+0007) that YAML does not allow\n"
        "  hint: delete it (it often comes along when text is pasted from another program)"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: !!int\n", "x.yaml:1:4: '' is not a whole number\n  hint: remove the '!!int' tag, or fix the value"),
        ("a: !!float abc\n", "x.yaml:1:4: 'abc' is not a number\n  hint: remove the '!!float' tag, or fix the value"),
        ("a: !!seq abc\n", "x.yaml:1:4: the YAML tag '!!seq' does not fit this value\n  hint: remove the tag"),
    ],
)
def test_core_tags_on_wrong_values(text: str, expected: str) -> None:
    with pytest.raises(InputError) as info:
        parse_yaml(text, "x.yaml")
    assert info.value.render() == expected


def test_an_alias_has_its_own_position_and_keys_are_text() -> None:
    doc = parse_yaml("x: &x [1]\ny: *x\nyes: 1\n2: two\n", "x.yaml")
    assert doc.data == {"x": [1], "y": [1], "yes": 1, "2": "two"}
    assert (doc.positions[("x",)].line, doc.positions[("y",)].line) == (1, 2)
    assert doc.pos(("y", 0)).line == 1  # inside the alias: where the value is written


def test_comment_after_a_key_is_remembered() -> None:
    doc = parse_yaml("css: #total\ntext: Pay # now\n", "x.yaml")
    assert doc.data == {"css": None, "text": "Pay"}
    assert doc.comment_nulls == {("css",): "#total"}
