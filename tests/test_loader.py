"""The loader: the example project loads, and every bad input is an exact, positioned, helpful message.

Each invalid input below is written to ``tmp_path`` with a ``»`` marking where the error must point;
the marker is removed before writing and turned into the expected ``file:line:col``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from frictionaudit.config.loader import (
    check_devices,
    did_you_mean,
    journey_files,
    load_config,
    load_journey,
    load_journeys,
    override_base_url,
    resolve_env,
)
from frictionaudit.config.models import Config
from frictionaudit.errors import ExitCode, InputError, InputErrors

REPO = Path(__file__).resolve().parent.parent
MARK = "»"
DEVICES = ["Desktop Chrome", "Galaxy S9+", "Pixel 5", "Pixel 7", "iPhone 13", "iPhone 13 Pro"]


def write(tmp_path: Path, text: str, name: str = "journey.yaml") -> tuple[str, str]:
    """Write ``text`` without its ``»`` marker; return the file and ``file:line:col`` of the marker."""
    index = text.index(MARK)
    clean = text[:index] + text[index + len(MARK) :]
    before = clean[:index]
    line = before.count("\n") + 1
    col = index - (before.rfind("\n") + 1) + 1
    path = tmp_path / name
    path.write_text(clean, encoding="utf-8")
    return str(path), f"{path}:{line}:{col}"


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(str(REPO / "frictionaudit.yaml")).config


def journey_error(tmp_path: Path, text: str, config: Config, env: dict[str, str] | None = None) -> tuple[str, str]:
    path, where = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        load_journey(path, config, env)
    assert info.value.exit_code == ExitCode.BAD_INPUT
    assert str(info.value) == info.value.render()
    return info.value.render(), where


def config_error(tmp_path: Path, text: str) -> tuple[str, str]:
    path, where = write(tmp_path, text, "frictionaudit.yaml")
    with pytest.raises(InputError) as info:
        load_config(path)
    assert info.value.exit_code == ExitCode.BAD_INPUT
    return info.value.render(), where


# ---------------------------------------------------------------------------- the project's example


def test_the_example_config_loads_from_the_repository() -> None:
    loaded = load_config(str(REPO / "frictionaudit.yaml"))
    config = loaded.config
    assert config.base_url == "http://127.0.0.1:8000"
    assert list(config.channels) == ["desktop", "mobile", "mobile-site"]
    assert config.channels["desktop"].viewport is not None
    assert (config.channels["desktop"].viewport.width, config.channels["desktop"].viewport.height) == (1366, 768)
    assert config.channels["mobile"].device == "Pixel 7"
    assert config.channels["mobile-site"].device == "iPhone 13"
    assert config.channels["mobile-site"].base_url == "http://127.0.0.1:8000/m"
    assert config.channels["mobile-site"].locale == "nb-NO"
    assert config.budgets.step_seconds == 3
    assert loaded.folder == REPO
    check_devices(loaded, DEVICES)


def test_the_example_journey_loads_from_the_repository(config: Config) -> None:
    files = journey_files([], REPO / config.journeys)
    assert [Path(f).resolve() for f in files] == [REPO / "journeys" / "pay-invoice.yaml"]
    path = str(REPO / "journeys" / "pay-invoice.yaml")
    (journey,) = load_journeys([path], config, env={"DEMO_PASSWORD": "secret"})
    assert journey.id == "pay-invoice"
    assert journey.name == "Pay the latest invoice"
    assert journey.description == "A customer logs in and pays the newest electricity invoice."
    assert journey.channels == ["desktop", "mobile"]
    assert [s.action for s in journey.steps] == [
        "goto", "fill", "fill", "click", "expect", "click", "capture", "click", "expect", "click",
    ]  # fmt: skip
    goto, customer, password, log_in, _, latest, capture, pay, receipt, menu = journey.steps
    assert goto.goto == "/login"
    assert (customer.fill.label, customer.fill.value, customer.fill.secret) == ("Customer number", "12345678", False)
    assert (password.fill.value, password.fill.secret) == ("${DEMO_PASSWORD}", True)
    assert resolve_env(password.fill.value, {"DEMO_PASSWORD": "secret"}) == "secret"
    assert (log_in.click.role, log_in.click.name) == ("button", "Log in")
    assert latest.name == "Open the latest invoice"
    assert (capture.capture.name, capture.capture.css) == ("amount", "[data-amount]")
    assert pay.click.text == "Pay now"
    assert receipt.expect.url == "**/receipt"
    assert menu.channels == ["mobile"] and menu.click.name == "Menu"


def test_the_example_journey_needs_its_password_when_run(config: Config) -> None:
    path = str(REPO / "journeys" / "pay-invoice.yaml")
    load_journey(path, config)  # validating (no env given) does not need it
    with pytest.raises(InputError) as info:
        load_journey(path, config, env={})
    lines = Path(path).read_text().splitlines()
    line = next(i for i, text in enumerate(lines, start=1) if "${DEMO_PASSWORD}" in text)
    col = lines[line - 1].index('"${DEMO_PASSWORD}"') + 1
    assert info.value.render() == (
        f"{path}:{line}:{col}: step 3: the environment variable DEMO_PASSWORD is not set\n"
        "  hint: set it before running, e.g. export DEMO_PASSWORD=..."
    )


# ---------------------------------------------------------------------------- invalid journeys

JOURNEY_CASES = [
    (
        "malformed-yaml-indentation",
        "name: x\nsteps:\n  - goto: /a\n   »- click: b\n",
        "this line is indented differently from the lines above it\n"
        "  hint: indent it by the same number of spaces as the key or '-' item it belongs with",
    ),
    (
        "malformed-yaml-colon-in-value",
        "name: Step 1»: log in\nsteps:\n  - goto: /a\n",
        "a ':' here does not fit: the value may contain ': ' or the line is indented too far\n"
        "  hint: put a value that contains ': ' in quotes (e.g. name: \"Step 1: log in\"), or fix the indentation",
    ),
    (
        "malformed-yaml-unclosed-quote",
        'name: »"Pay the invoice\nsteps:\n  - goto: /a\n',
        "this quote is never closed\n  hint: add the same quote at the end of the value",
    ),
    (
        "malformed-yaml-unclosed-flow-mapping",
        "name: x\nsteps:\n  - click: »{text: Pay now\n",
        "this '{' mapping is never closed with '}'\n  hint: add the '}' at the end of the mapping",
    ),
    (
        "malformed-yaml-unquoted-star",
        "name: x\nsteps:\n  - expect: »* Required\n",
        "a value cannot start with '*' unless it is in quotes\n"
        '  hint: put the value in quotes, e.g. text: "* Required"',
    ),
    (
        "tab-indentation",
        "name: x\nsteps:\n»\t- goto: /a\n",
        "a tab is used for indentation; YAML needs spaces\n"
        "  hint: replace the tab with spaces (two per level is usual)",
    ),
    (
        "duplicate-key",
        "name: x\n»name: y\nsteps:\n  - goto: /a\n",
        "the key 'name' appears twice in the same mapping\n  hint: keep one of them (the first is at line 1)",
    ),
    (
        "unknown-action-clik",
        "name: x\nsteps:\n  - goto: /a\n  - »clik: Log in\n",
        "step 2: unknown action 'clik'\n  hint: did you mean 'click'?",
    ),
    (
        "unknown-locator-key-rol-flow",
        "name: x\nsteps:\n  - click: {»rol: button, name: Log in}\n",
        "step 1: unknown key 'rol' in click\n  hint: did you mean 'role'?",
    ),
    (
        "unknown-locator-key-rol-block",
        "name: x\nsteps:\n  - click:\n      »rol: button\n      name: Log in\n",
        "step 1: unknown key 'rol' in click\n  hint: did you mean 'role'?",
    ),
    (
        "unknown-key-in-expect-visible",
        "name: x\nsteps:\n  - expect:\n      visible: {»rol: dialog}\n",
        "step 1: unknown key 'rol' in visible\n  hint: did you mean 'role'?",
    ),
    (
        "unknown-top-level-key",
        "name: x\n»descripton: Pay it\nsteps:\n  - goto: /a\n",
        "unknown key 'descripton'\n  hint: did you mean 'description'?",
    ),
    (
        "misspelt-steps-is-one-error",
        "name: x\n»step:\n  - goto: /a\n",
        "unknown key 'step'\n  hint: did you mean 'steps'?",
    ),
    (
        "unknown-step-key",
        "name: x\nsteps:\n  - goto: /a\n    »timout: 3\n",
        "step 1: unknown key 'timout'\n  hint: did you mean 'timeout'?",
    ),
    (
        "steps-as-a-mapping",
        "name: x\nsteps:\n  »goto: /a\n",
        "'steps' must be a list, got a mapping\n"
        "  hint: put each step on its own line, starting with '- ', e.g. '- goto: /login'",
    ),
    (
        "empty-steps",
        "name: x\nsteps: »[]\n",
        "the journey has no steps\n  hint: add at least a goto: step",
    ),
    (
        "journey-channels-as-text",
        "name: x\nchannels: »mobile\nsteps:\n  - goto: /a\n",
        "'channels' must be a list, got 'mobile'\n  hint: write channels: [mobile]",
    ),
    (
        "empty-journey-channels",
        "name: x\nchannels: »[]\nsteps:\n  - goto: /a\n",
        "'channels' must not be empty\n  hint: leave 'channels' out to run on every channel",
    ),
    (
        "step-with-two-actions",
        "name: x\nsteps:\n  - goto: /a\n    »click: Pay now\n",
        "step 1 has 2 actions (goto, click); a step does one thing\n"
        "  hint: split it into steps of their own, each starting with '- '",
    ),
    (
        "step-with-no-action",
        "name: x\nsteps:\n  - »name: Open the invoice\n    timeout: 5\n",
        "step 1 has no action\n"
        "  hint: add one of: goto, click, fill, select, check, press, hover, scroll, wait, expect, capture",
    ),
    (
        "action-without-value",
        "name: x\nsteps:\n  - goto: /a\n  - »click:\n",
        "step 2: 'click' has no value\n  hint: e.g. 'click: {role: button, name: Log in}'",
    ),
    (
        "missing-colon-after-action",
        "name: x\nsteps:\n  - »goto /login\n",
        "step 1: a ':' is missing after 'goto'\n  hint: write 'goto: /login'",
    ),
    (
        "empty-step",
        "name: x\nsteps:\n  -»\n  - goto: /a\n",
        "step 1 is empty\n  hint: write an action after the '-', e.g. '- goto: /login'",
    ),
    (
        "unknown-channel-in-journey",
        "name: x\nchannels: [desktop, »mobil]\nsteps:\n  - goto: /a\n",
        "unknown channel 'mobil'\n  hint: did you mean 'mobile'? (channels are defined in frictionaudit.yaml)",
    ),
    (
        "unknown-channel-in-step",
        "name: x\nsteps:\n  - goto: /a\n    channels:\n      - »mobiel\n",
        "step 1: unknown channel 'mobiel'\n  hint: did you mean 'mobile'? (channels are defined in frictionaudit.yaml)",
    ),
    (
        "channel-with-wrong-case",
        "name: x\nchannels: [»Desktop]\nsteps:\n  - goto: /a\n",
        "unknown channel 'Desktop'\n  hint: did you mean 'desktop'? (channels are defined in frictionaudit.yaml)",
    ),
    (
        "bad-env-reference",
        'name: x\nsteps:\n  - fill: {label: Password, value: »"${1PASSWORD}"}\n',
        "step 1: '${1PASSWORD}' is not a valid environment variable reference\n"
        "  hint: names use letters, digits and _ and do not start with a digit, e.g. ${DEMO_PASSWORD}",
    ),
    (
        "unclosed-env-reference",
        'name: x\nsteps:\n  - fill: {label: Password, value: »"${PASSWORD"}\n',
        "step 1: a '${' is not closed with '}'\n  hint: write ${NAME}; to type a literal '${', there is no escape yet",
    ),
    (
        "python-tag",
        'name: x\nsteps:\n  - goto: »!!python/object/apply:os.system ["echo pwned"]\n',
        "the YAML tag '!!python/object/apply:os.system' is not allowed here\n"
        "  hint: remove the tag (journeys hold plain text, numbers, lists and mappings); "
        "if the '!' belongs to the text, put the value in quotes",
    ),
    (
        "several-documents",
        "name: x\nsteps:\n  - goto: /a\n---\n»name: y\n",
        "the file holds several YAML documents (separated by ---); put one per file\n"
        "  hint: move each document after a '---' line into a file of its own",
    ),
    (
        "locator-with-role-and-text",
        "name: x\nsteps:\n  - click: {role: button, »text: Pay now}\n",
        "step 1: click has both 'role' and 'text'; give only one way to find the element\n  hint: keep one of them",
    ),
    (
        "name-without-role",
        "name: x\nsteps:\n  - click: {»name: Pay now}\n",
        "step 1: 'name' goes with 'role', and click has no 'role'\n"
        "  hint: add one, e.g. {role: button, name: Pay now}, or find the element by its text: {text: Pay now}",
    ),
    (
        "locator-with-no-kind",
        "name: x\nsteps:\n  - fill: »{value: hello}\n",
        "step 1: fill needs one of role, text, label, placeholder, testid or css to find the element\n"
        "  hint: e.g. {role: button, name: Log in} or {text: Pay now}",
    ),
    (
        "press-with-two-kinds",
        "name: x\nsteps:\n  - press: {key: Enter, label: Search, »css: input}\n",
        "step 1: press has both 'label' and 'css'; give only one way to find the element\n  hint: keep one of them",
    ),
    (
        "css-id-read-as-comment",
        "name: x\nsteps:\n  - click:\n      »css: #pay\n",
        "step 1: 'css' is empty because YAML reads ' #' as the start of a comment\n"
        '  hint: put the value in quotes: css: "#pay"',
    ),
    (
        "expect-with-nothing",
        "name: x\nsteps:\n  - expect: »{}\n",
        "step 1: expect needs one of text, url, title, visible or hidden\n"
        '  hint: e.g. expect: {text: Your invoices} or expect: {url: "**/receipt"}',
    ),
    (
        "url-glob-with-unclosed-bracket",
        'name: x\nsteps:\n  - expect: {url: »"**/receipt[0"}\n',
        "step 1: 'url' has a '[' that is not closed with ']': '**/receipt[0'\n"
        "  hint: close it with ']' ([abc] matches one of those characters), or leave the '[' out",
    ),
    (
        "negative-timeout",
        "name: x\nsteps:\n  - goto: /a\n    timeout: »-1\n",
        "step 1: 'timeout' must be more than 0, got -1",
    ),
    (
        "fill-value-as-number",
        "name: x\nsteps:\n  - fill: {label: Customer number, value: »12345678}\n",
        "step 1: 'value' must be text, got 12345678\n  hint: put the value in quotes",
    ),
    (
        "fill-without-value",
        "name: x\nsteps:\n  - fill: »{label: Password}\n",
        "step 1: fill needs 'value'\n  hint: the text to type, e.g. value: \"12345678\"",
    ),
    (
        "short-form-wait-as-text",
        "name: x\nsteps:\n  - wait: »soon\n",
        "step 1: 'wait' must be a number of seconds, got 'soon'\n  hint: e.g. wait: 2",
    ),
    (
        "short-form-scroll-typo",
        "name: x\nsteps:\n  - scroll: »bottm\n",
        "step 1: 'scroll' must be 'top' or 'bottom', got 'bottm'\n  hint: did you mean 'bottom'?",
    ),
    (
        "click-as-a-list",
        "name: x\nsteps:\n  - click: »[Pay now]\n",
        "step 1: 'click' must be a mapping (key: value), got a list\n  hint: e.g. click: {role: button, name: Log in}",
    ),
    (
        "missing-name",
        "»steps:\n  - goto: /a\n",
        "the journey needs 'name'\n  hint: e.g. name: Pay the latest invoice",
    ),
    (
        "capture-without-its-name",
        'name: x\nsteps:\n  - capture: »{css: "[data-amount]"}\n',
        "step 1: capture needs 'name'\n  hint: the fact's name, e.g. capture: {name: amount, css: \"[data-amount]\"}",
    ),
    (
        "id-is-the-file-name",
        "»id: pay\nname: x\nsteps:\n  - goto: /a\n",
        "unknown key 'id'\n  hint: the file name is the id",
    ),
    (
        "a-list-instead-of-a-journey",
        "»- goto: /a\n",
        "a journey must be a mapping with name: and steps:, got a list\n"
        "  hint: start the file with 'name: ...', then 'steps:' and the steps below it",
    ),
    (
        "yes-is-a-key-not-true",
        "name: x\nsteps:\n  - goto: /a\n    »yes: 1\n",
        "step 1: unknown key 'yes'\n"
        "  hint: actions: goto, click, fill, select, check, press, hover, scroll, wait, expect, capture; "
        "other keys: name, channels, timeout",
    ),
    (
        "recursive-alias",
        "name: x\nsteps: &s\n  - goto: /a\n  - »*s\n",
        "this alias refers to the list or mapping that contains it\n"
        "  hint: an alias (*name) can only repeat something defined before it, outside it",
    ),
    (
        "bad-int-tag",
        "name: x\nsteps:\n  - wait: »!!int soon\n",
        "'soon' is not a whole number\n  hint: remove the '!!int' tag, or fix the value",
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in JOURNEY_CASES], ids=[c[0] for c in JOURNEY_CASES])
def test_invalid_journey_message(tmp_path: Path, config: Config, text: str, expected: str) -> None:
    message, where = journey_error(tmp_path, text, config)
    assert message == f"{where}: {expected}"


def test_missing_env_var_is_named_at_its_value(tmp_path: Path, config: Config) -> None:
    message, where = journey_error(
        tmp_path,
        'name: x\nsteps:\n  - fill: {label: Password, value: »"${DEMO_PASSWORD}", secret: true}\n',
        config,
        env={"HOME": "/root"},
    )
    assert message == (
        f"{where}: step 1: the environment variable DEMO_PASSWORD is not set\n"
        "  hint: set it before running, e.g. export DEMO_PASSWORD=..."
    )


def test_empty_file(tmp_path: Path, config: Config) -> None:
    message, where = journey_error(tmp_path, "»# nothing yet\n", config)
    assert message == f"{where}: the journey file is empty\n  hint: it needs name: and steps:"


def test_non_utf8_bytes_are_located(tmp_path: Path, config: Config) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: Betal fakturaen\nsteps:\n  - click: Gå videre\n".encode("latin-1"))
    with pytest.raises(InputError) as info:
        load_journey(str(path), config)
    assert info.value.render() == (
        f"{path}:3:13: the file is not UTF-8 text (byte 0xE5 here)\n  hint: save it as UTF-8 in your editor"
    )


def test_non_utf8_column_counts_characters_not_bytes(tmp_path: Path, config: Config) -> None:
    path = tmp_path / "mixed.yaml"
    path.write_bytes("name: Blå ".encode() + b"\xff\n")
    with pytest.raises(InputError) as info:
        load_journey(str(path), config)
    assert info.value.render().startswith(f"{path}:1:11: the file is not UTF-8 text (byte 0xFF here)")


def test_a_folder_given_as_a_journey_file(tmp_path: Path, config: Config) -> None:
    with pytest.raises(InputError) as info:
        load_journey(str(tmp_path), config)
    assert info.value.render() == f"{tmp_path}: this is a folder, not a YAML file\n  hint: name a .yaml file inside it"


def test_a_missing_journey_file(tmp_path: Path, config: Config) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(InputError) as info:
        load_journey(str(missing), config)
    assert info.value.render() == f"{missing}: no such file\n  hint: check the path, relative to the current directory"
    with pytest.raises(InputError) as info:
        journey_files([str(missing)], tmp_path)
    assert info.value.render() == (
        f"{missing}: no such journey file\n  hint: check the path, relative to the current directory"
    )


def test_a_folder_without_journeys(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        journey_files([str(tmp_path)], tmp_path)
    assert info.value.render() == (
        f"{tmp_path}: no journey files (*.yaml) in this folder\n"
        "  hint: add one YAML file per journey, e.g. pay-invoice.yaml"
    )


def test_all_problems_of_a_file_are_reported_at_once(tmp_path: Path, config: Config) -> None:
    text = (
        "name: x\nsteps:\n  - clik: Log in\n  - goto: /a\n    timeout: -1\n  - click: {rol: button}\n  - expect: {}\n"
    )
    path = tmp_path / "many.yaml"
    path.write_text(text)
    with pytest.raises(InputErrors) as info:
        load_journey(str(path), config)
    assert info.value.render() == (
        f"{path}:3:5: step 1: unknown action 'clik'\n  hint: did you mean 'click'?\n"
        f"{path}:5:14: step 2: 'timeout' must be more than 0, got -1\n"
        f"{path}:6:13: step 3: unknown key 'rol' in click\n  hint: did you mean 'role'?\n"
        f"{path}:7:13: step 4: expect needs one of text, url, title, visible or hidden\n"
        '  hint: e.g. expect: {text: Your invoices} or expect: {url: "**/receipt"}'
    )
    assert str(info.value) == info.value.render()
    assert info.value.exit_code == ExitCode.BAD_INPUT


def test_errors_of_several_files_are_collected(tmp_path: Path, config: Config) -> None:
    (tmp_path / "a.yaml").write_text("name: a\nsteps:\n  - clik: x\n")
    (tmp_path / "b.yaml").write_text("name: b\nsteps: []\n")
    (tmp_path / "c.yaml").write_text("name: c\nsteps:\n  - goto: /c\n")
    files = journey_files([str(tmp_path)], tmp_path)
    with pytest.raises(InputErrors) as info:
        load_journeys(files, config)
    assert info.value.render() == (
        f"{tmp_path / 'a.yaml'}:3:5: step 1: unknown action 'clik'\n  hint: did you mean 'click'?\n"
        f"{tmp_path / 'b.yaml'}:2:8: the journey has no steps\n  hint: add at least a goto: step"
    )


def test_the_cli_exits_2_without_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "frictionaudit.yaml").write_text((REPO / "frictionaudit.yaml").read_text())
    (tmp_path / "journeys").mkdir()
    (tmp_path / "journeys" / "pay.yaml").write_text("name: Pay\nsteps:\n  - clik: Pay now\n")
    done = subprocess.run(
        [sys.executable, "-m", "frictionaudit", "validate"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr + done.stdout
    assert "pay.yaml:3:5: step 1: unknown action 'clik'" in done.stderr + done.stdout
    assert "did you mean 'click'?" in done.stderr + done.stdout


def test_the_cli_prints_brackets_in_messages(tmp_path: Path) -> None:
    (tmp_path / "frictionaudit.yaml").write_text((REPO / "frictionaudit.yaml").read_text())
    (tmp_path / "journeys").mkdir()
    (tmp_path / "journeys" / "pay.yaml").write_text('name: Pay\nsteps:\n  - capture: {css: "[data-amount]"}\n')
    done = subprocess.run(
        [sys.executable, "-m", "frictionaudit", "validate"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert 'capture: {name: amount, css: "[data-amount]"}' in done.stderr + done.stdout


# ---------------------------------------------------------------------------- invalid configs

CONFIG_CASES = [
    (
        "viewport-width-as-text",
        "base_url: http://x\nchannels:\n  desktop:\n    viewport: {width: »wide, height: 768}\n",
        "channel 'desktop': 'width' must be a whole number, got 'wide'",
    ),
    (
        "viewport-width-as-fraction",
        "base_url: http://x\nchannels:\n  desktop:\n    viewport:\n      width: »13.5\n      height: 768\n",
        "channel 'desktop': 'width' must be a whole number, got 13.5",
    ),
    (
        "channels-as-a-list",
        "base_url: http://x\nchannels: »[desktop, mobile]\n",
        "'channels' must map each channel's name to its settings, got a list\n"
        "  hint: write 'desktop:' on its own line, then its settings indented below, e.g. 'device: Pixel 7'",
    ),
    (
        "no-channels",
        "base_url: http://x\nchannels: »{}\n",
        "'channels' is empty: name at least one channel\n  hint: e.g. desktop: {viewport: {width: 1366, height: 768}}",
    ),
    (
        "channel-without-settings",
        "base_url: http://x\nchannels:\n  »desktop:\n",
        "channel 'desktop' has no settings\n"
        "  hint: give it a device (device: Pixel 7) or a viewport ({width: 1366, height: 768})",
    ),
    (
        "channel-name-with-a-space",
        "base_url: http://x\nchannels:\n  »my phone:\n    device: Pixel 7\n",
        "channel name 'my phone' may use letters, digits, '-', '_' and '.' only "
        "(up to 41, starting with a letter or digit)\n  hint: e.g. 'my-phone'",
    ),
    (
        "base-url-without-http",
        "base_url: »127.0.0.1:8000\n",
        "'base_url' must start with http:// or https://, got '127.0.0.1:8000'\n  hint: e.g. http://127.0.0.1:8000",
    ),
    (
        "channel-base-url-without-http",
        "base_url: http://x\nchannels:\n  m:\n    device: Pixel 7\n    base_url: »m.example.com\n",
        "channel 'm': 'base_url' must start with http:// or https://, got 'm.example.com'\n"
        "  hint: e.g. http://m.example.com",
    ),
    (
        "missing-base-url",
        "»channels:\n  desktop:\n    device: Pixel 7\n",
        "the config needs 'base_url'\n  hint: e.g. base_url: https://www.example.com",
    ),
    (
        "unknown-top-level-key",
        "base_url: http://x\n»budget:\n  step_seconds: 3\n",
        "unknown key 'budget'\n  hint: did you mean 'budgets'?",
    ),
    (
        "unknown-channel-key",
        "base_url: http://x\nchannels:\n  mobile:\n    »devise: Pixel 7\n",
        "channel 'mobile': unknown key 'devise'\n  hint: did you mean 'device'?",
    ),
    (
        "negative-budget",
        "base_url: http://x\nbudgets:\n  step_seconds: »-3\n",
        "'step_seconds' must be more than 0, got -3",
    ),
    (
        "timeout-too-long",
        "base_url: http://x\ntimeouts:\n  action_seconds: »1000\n",
        "'action_seconds' must be at most 600, got 1000",
    ),
    (
        "unknown-network",
        "base_url: http://x\nchannels:\n  m:\n    device: Pixel 7\n    network: »slow-3G\n",
        "channel 'm': 'network' must be 'slow-3g', 'fast-3g' or '4g', got 'slow-3G'\n  hint: did you mean 'slow-3g'?",
    ),
    (
        "channel-settings-as-text",
        "base_url: http://x\nchannels:\n  desktop: »big\n",
        "'desktop' must be a mapping (key: value), got 'big'\n"
        "  hint: write the settings of 'desktop' as 'key: value' lines indented below it",
    ),
    (
        "viewport-as-text",
        "base_url: http://x\nchannels:\n  desktop:\n    viewport: »1366x768\n",
        "channel 'desktop': 'viewport' must be a mapping (key: value), got '1366x768'\n"
        "  hint: e.g. viewport: {width: 1366, height: 768}",
    ),
    (
        "empty-config",
        "»\n",
        "the config file is empty\n  hint: it needs at least base_url:",
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CONFIG_CASES], ids=[c[0] for c in CONFIG_CASES])
def test_invalid_config_message(tmp_path: Path, text: str, expected: str) -> None:
    message, where = config_error(tmp_path, text)
    assert message == f"{where}: {expected}"


def test_unknown_device_with_did_you_mean(tmp_path: Path) -> None:
    path, where = write(
        tmp_path, "base_url: http://x\nchannels:\n  mobile:\n    device: »Pixel7\n", "frictionaudit.yaml"
    )
    loaded = load_config(path)
    with pytest.raises(InputError) as info:
        check_devices(loaded, DEVICES)
    assert info.value.render() == f"{where}: channel 'mobile': unknown device 'Pixel7'\n  hint: did you mean 'Pixel 7'?"


def test_unknown_device_without_a_close_match(tmp_path: Path) -> None:
    path, where = write(
        tmp_path, "base_url: http://x\nchannels:\n  tv:\n    device: »Smart fridge\n", "frictionaudit.yaml"
    )
    with pytest.raises(InputError) as info:
        check_devices(load_config(path), DEVICES)
    assert info.value.render() == (
        f"{where}: channel 'tv': unknown device 'Smart fridge'\n"
        "  hint: use a Playwright device name such as 'Pixel 7', 'iPhone 13' or 'Desktop Chrome'"
    )


# ---------------------------------------------------------------------------- valid short forms


def test_short_forms(tmp_path: Path, config: Config) -> None:
    path = tmp_path / "short.yaml"
    path.write_text(
        "name: Short forms\n"
        "steps:\n"
        "  - goto: /\n"
        "  - click: Log in\n"
        "  - hover: Menu\n"
        "  - press: Enter\n"
        "  - wait: 2\n"
        "  - scroll: bottom\n"
        "  - expect: Some text\n"
        "  - fill: {label: Date, value: 2024-05-01}\n"
    )
    journey = load_journey(str(path), config)
    _, click, hover, press, wait, scroll, expect, fill = journey.steps
    assert click.click.text == "Log in" and click.click.role is None
    assert hover.hover.text == "Menu"
    assert press.press.key == "Enter" and press.press.target() is None
    assert wait.wait.seconds == 2 and wait.wait.target() is None
    assert scroll.scroll.to == "bottom"
    assert expect.expect.text == "Some text"
    assert fill.fill.value == "2024-05-01"  # a date is text to a journey
    assert journey.id == "short" and journey.source == str(path)


def test_a_yaml_anchor_may_repeat_a_step(tmp_path: Path, config: Config) -> None:
    path = tmp_path / "anchor.yaml"
    path.write_text("name: x\nsteps:\n  - &login {click: {role: button, name: Log in}}\n  - *login\n")
    journey = load_journey(str(path), config)
    assert journey.steps[0] == journey.steps[1]


def test_did_you_mean() -> None:
    assert did_you_mean("clik", ["goto", "click"]) == "did you mean 'click'?"
    assert did_you_mean("DESKTOP", ["desktop", "mobile"]) == "did you mean 'desktop'?"
    assert did_you_mean("zzz", ["goto", "click"]) is None


# ---------------------------------------------------------------------------- --base-url


def test_override_base_url_moves_channels_under_the_old_base(config: Config) -> None:
    moved = override_base_url(config, "https://staging.example.com/")
    assert moved.base_url == "https://staging.example.com"
    assert moved.channels["mobile-site"].base_url == "https://staging.example.com/m"
    assert moved.channels["desktop"].base_url is None
    assert config.base_url == "http://127.0.0.1:8000"  # the original is unchanged


def test_override_base_url_leaves_other_hosts_alone() -> None:
    config = Config.model_validate(
        {
            "base_url": "http://127.0.0.1:8000",
            "channels": {
                "m": {"base_url": "https://m.example.com"},
                "port": {"base_url": "http://127.0.0.1:80001/m"},
                "same": {"base_url": "http://127.0.0.1:8000"},
            },
        }
    )
    moved = override_base_url(config, "http://10.0.0.5:9000")
    assert moved.channels["m"].base_url == "https://m.example.com"
    assert moved.channels["port"].base_url == "http://127.0.0.1:80001/m"
    assert moved.channels["same"].base_url == "http://10.0.0.5:9000"


def test_override_base_url_must_be_a_url(config: Config) -> None:
    with pytest.raises(InputError) as info:
        override_base_url(config, "staging.example.com")
    assert info.value.render() == (
        "--base-url staging.example.com: must start with http:// or https://\n"
        "  hint: e.g. --base-url http://staging.example.com"
    )
