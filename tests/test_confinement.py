"""Nothing is written outside the chosen output folder, whatever journeys, steps, channels and runs are called.

Names come from users: file names (a journey's id), channel names, step names, ``--run-id``. They
may hold '..', separators, device names Windows reserves (CON, NUL, LPT1), hundreds of characters
or letters outside ASCII. Each becomes a safe, distinct folder name inside the run folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import SiteServer
from hardening import cli, write_project

from frictionaudit.errors import InputError
from frictionaudit.gather.journey_run import RESERVED_NAMES, safe_name
from frictionaudit.pipeline import run_folder
from frictionaudit.results import load_results

HOSTILE_NAMES = [
    "..",
    ".",
    "../../etc/passwd",
    "/abs/path",
    "C:\\Windows\\evil",
    "CON",
    "nul",
    "con.txt",
    "LPT1",
    "com9.yaml",
    "a" * 300,
    "blå",
    "blø",
    "日本語",
    "",
    " ",
    ".hidden",
    "-dash",
    "name\x00with-nul",
]


def _is_safe_component(name: str) -> bool:
    return (
        0 < len(name) <= 100
        and name not in (".", "..")
        and not name.startswith(".")
        and all(c.isalnum() or c in "-_." for c in name)
        and name.split(".")[0].upper() not in RESERVED_NAMES
        and "/" not in name
        and "\\" not in name
    )


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_safe_name_is_one_safe_component(name: str) -> None:
    safe = safe_name(name)
    assert _is_safe_component(safe) and safe.isascii(), safe
    assert safe == safe_name(name)  # stable from run to run


def test_safe_names_never_collide() -> None:
    safe = [safe_name(n) for n in HOSTILE_NAMES]
    assert len(set(safe)) == len(safe)
    assert safe_name("pay-invoice") == "pay-invoice"  # an ordinary name stays as it is


@pytest.mark.parametrize("run_id", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_run_folder_stays_in_the_output_folder(tmp_path: Path, run_id: str) -> None:
    out = tmp_path / "out"
    folder = run_folder(out, run_id)
    assert folder.parent == out and folder.is_dir()
    assert _is_safe_component(folder.name), folder.name
    assert [p for p in tmp_path.rglob("*")] == [out, folder]


@pytest.mark.parametrize("run_id", ["latest", "LATEST", "Latest."])
def test_latest_is_reserved_in_any_case(tmp_path: Path, run_id: str) -> None:
    with pytest.raises(InputError, match="'latest' is reserved"):
        run_folder(tmp_path, run_id)


def test_an_output_folder_that_is_a_file_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "out").write_text("not a folder")
    with pytest.raises(InputError) as info:
        run_folder(tmp_path / "out", "r1")
    assert info.value.render().startswith(f"cannot make the run folder {tmp_path / 'out' / 'r1'}: ")


def _tree(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")}


@pytest.mark.browser
def test_a_run_with_hostile_names_writes_only_inside_its_output_folder(site: SiteServer, tmp_path: Path) -> None:
    project = tmp_path / "project"
    steps = [
        {"name": "../../../../tmp/escaped-step", "goto": "/clean.html"},
        {"name": "/etc/passwd", "expect": {"text": "Nothing wrong here"}},
    ]
    journeys = {stem: {"name": "../../../etc/passwd", "steps": steps} for stem in ("CON", "nul", "blå", "x" * 200)}
    config = write_project(
        project,
        {
            "base_url": site.url,
            "channels": {
                "con": {"viewport": {"width": 800, "height": 600}},
                "LPT1.mobile": {"device": "Pixel 7"},
            },
        },
        journeys,
    )
    (project / "journeys" / "..yaml").write_text(
        "name: dots\nsteps:\n  - goto: /clean.html\n", encoding="utf-8"
    )  # a file called "..yaml": its id is "."
    work = tmp_path / "work"
    work.mkdir()
    temp = tmp_path / "temp"
    temp.mkdir()
    before = _tree(tmp_path)
    done = cli(
        "run", "--config", str(config), "--out", "out", "--run-id", "../../../escaped", "--fail-on", "never",
        cwd=work, env={"TMPDIR": str(temp), "HOME": str(work)},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    out = work / "out"
    created = _tree(tmp_path) - before
    outside = sorted(str(p) for p in created if out not in p.parents and p != out)
    assert outside == []
    [run_dir] = [p for p in out.iterdir() if p.is_dir() and not p.is_symlink()]
    assert run_dir.name == "escaped"
    results, _ = load_results(run_dir)
    assert len(results.runs) == 10 and all(r.status == "completed" for r in results.runs), [
        r.reason for r in results.runs
    ]
    for path in run_dir.rglob("*"):
        relative = path.relative_to(run_dir)
        assert all(_is_safe_component(part) for part in relative.parts), relative
    screens = {p.relative_to(run_dir / "screens").parts[0] for p in (run_dir / "screens").rglob("*.jpg")}
    assert len(screens) == 5  # five journeys, five folders: no two share one
    for run in results.runs:
        for step in run.steps:
            assert step.screenshot and not os.path.isabs(step.screenshot) and ".." not in Path(step.screenshot).parts
