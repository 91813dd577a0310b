"""The bad-input corpus (tests/inputs/) through the real CLI: exit 2, the exact place and words, no traceback.

Each broken file in ``tests/inputs/`` is listed in ``tests/inputs/expected.yaml`` with what
``frictionaudit validate`` (or ``run``) must print for it. The loader's own message tests
(test_loader.py) and property tests (test_yaml_source.py) cover the loader function by function;
these go through the command a designer types, one file at a time, and all files in one process.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_yaml_source import yaml_ish_text

from frictionaudit import cli
from frictionaudit.gather import runner

INPUTS = Path(__file__).resolve().parent / "inputs"
MANIFEST: list[dict[str, Any]] = yaml.safe_load((INPUTS / "expected.yaml").read_text(encoding="utf-8"))
CONFIG = "ok/frictionaudit.yaml"
JOURNEY = "ok/journeys/ok.yaml"
NO_BROWSER = "/nonexistent/chromium"  # were a case to get as far as the browser, it would exit 3, not 2


def command(case: dict[str, Any]) -> list[str]:
    file = case["file"]
    if case.get("command") == "run":
        return ["run", "--config", CONFIG, file, "--out", "out", "--no-history", "--browser-path", NO_BROWSER]
    if file.startswith("configs/"):
        return ["validate", "--config", file, JOURNEY]
    return ["validate", "--config", CONFIG, file]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of tests/inputs/ with the generated files (too big to keep in the repository) added."""
    folder = tmp_path_factory.mktemp("inputs") / "inputs"
    shutil.copytree(INPUTS, folder)
    for case in MANIFEST:
        spec = case.get("generate")
        if spec:
            head, line = spec["head"].encode(), spec["line"].encode()
            (folder / case["file"]).write_bytes(head + line * ((spec["bytes"] - len(head)) // len(line) + 1))
    return folder


def expected_error(case: dict[str, Any], corpus: Path) -> str:
    text = str(case["error"])
    if case.get("generate"):
        text = text.replace("{size}", f"{(corpus / case['file']).stat().st_size:,}")
    return text


def run_cli(
    args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[Any, str, str]:
    """``frictionaudit ARGS`` in this process; any exception but SystemExit fails the test (a traceback)."""
    monkeypatch.setattr(sys, "argv", ["frictionaudit", *args])
    with pytest.raises(SystemExit) as done:
        cli.main()
    captured = capsys.readouterr()
    return done.value.code, captured.out, captured.err


def test_the_corpus_is_complete_and_listed() -> None:
    listed = [case["file"] for case in MANIFEST]
    assert len(listed) == len(set(listed)) >= 100
    on_disk = {
        str(p.relative_to(INPUTS)) for folder in ("journeys", "configs", "run") for p in (INPUTS / folder).iterdir()
    }
    generated = {case["file"] for case in MANIFEST if case.get("generate")}
    assert on_disk == set(listed) - generated
    assert all(case.get("why") and case.get("error") for case in MANIFEST)
    kinds = {case["file"].split("/")[0] for case in MANIFEST}
    assert kinds == {"journeys", "configs", "run"}


@pytest.mark.parametrize("case", MANIFEST, ids=[c["file"] for c in MANIFEST])
def test_each_bad_input_is_exit_2_with_its_place_and_message(
    case: dict[str, Any], corpus: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(corpus)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("FRICTIONAUDIT_BROWSER", raising=False)
    code, out, err = run_cli(command(case), capsys, monkeypatch)
    assert code == 2, err
    assert out == ""
    assert err == f"error: {expected_error(case, corpus)}\n"
    assert not (corpus / "out").exists()  # nothing was written for a run that never started


def test_every_bad_journey_at_once_in_a_real_process(corpus: Path) -> None:
    """All broken journeys in one ``validate``: every error is reported, each at its place, no traceback."""
    journeys = [c for c in MANIFEST if c["file"].startswith("journeys/")]
    done = subprocess.run(
        [sys.executable, "-m", "frictionaudit", "validate", "--config", CONFIG, *(c["file"] for c in journeys)],
        cwd=corpus,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "COLUMNS": "200", "HOME": str(corpus)},
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr + done.stdout
    for case in journeys:
        assert expected_error(case, corpus) in done.stderr, case["file"]


@pytest.mark.parametrize(
    ("option", "said"),
    [
        (["--channel", "tablet"], "error: --channel tablet: no such channel\n  hint: channels: desktop, mobile\n"),
        (["--run-id", "LATEST"], "error: --run-id LATEST: 'latest' is reserved for the link to the newest run\n"),
        (["--base-url", "example.com"], "error: --base-url example.com: must start with http:// or https://\n"),
        (["--workers", "0"], "Invalid value for '--workers'"),
    ],
    ids=["unknown-channel", "reserved-run-id", "base-url-without-scheme", "workers-zero"],
)
def test_bad_run_options_are_exit_2(
    option: list[str], said: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(INPUTS)
    monkeypatch.setenv("NO_COLOR", "1")
    args = ["run", "--config", CONFIG, JOURNEY, "--no-history", "--browser-path", NO_BROWSER, "--out", "/nonexistent"]
    code, out, err = run_cli([*args, *option], capsys, monkeypatch)
    assert code == 2
    assert said in err or err.startswith(said), err
    assert "Traceback" not in out + err


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=yaml_ish_text, where=st.sampled_from(["journeys", "configs"]))
def test_validate_on_any_text_is_ok_or_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, text: str, where: str
) -> None:
    """Whatever a file holds, the command ends with 0 or 2 and a message, never with a traceback."""
    shutil.copytree(INPUTS / "ok", tmp_path / "ok", dirs_exist_ok=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(runner, "device_names", lambda: ["Pixel 7", "iPhone 13"])  # no Playwright driver
    file = tmp_path / f"{where}-any.yaml"
    file.write_text(text, encoding="utf-8", errors="surrogatepass")
    args = (
        ["validate", "--config", file.name, JOURNEY]
        if where == "configs"
        else ["validate", "--config", CONFIG, file.name]
    )
    code, out, err = run_cli(args, capsys, monkeypatch)
    assert code in (0, 2), (code, out, err)
    assert code == 0 or (err.startswith("error: ") and "Traceback" not in err)
