"""The history database: one row per run, journey × channel and fix; versioned, migrated, transactional."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from frictionaudit import history
from frictionaudit.diff import snapshot_of
from frictionaudit.errors import InputError
from frictionaudit.history import SCHEMA_VERSION, find_run, has_runs, open_history, record_run, runs, snapshot
from tests.test_gate import analyse, deploy


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "reports" / "history.sqlite"


def _counts(path: Path) -> tuple[int, int, int]:
    with sqlite3.connect(path) as conn:
        return tuple(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("runs", "journey_runs", "fixes"))  # type: ignore[return-value]


def test_a_run_is_one_row_per_run_journey_channel_and_fix(db):
    analysis = analyse(deploy("r1", slow=True))
    record_run(db, analysis, env={"GITHUB_SHA": "abc123", "GITHUB_REF_NAME": "main"})
    assert _counts(db) == (1, 2, len(analysis.fixes))
    with open_history(db) as conn:
        (entry,) = runs(conn)
        row = conn.execute("SELECT commit_sha, ref, blocker, minor FROM runs").fetchone()
    assert (entry.run_id, entry.journey_runs, entry.findings, entry.blocked) == ("r1", 2, 4, 0)
    assert tuple(row) == ("abc123", "main", 0, 4)
    assert entry.seconds == pytest.approx(10.0)  # 2 runs × (0.5 + 4.0 + 0.5)


def test_an_entry_reads_back_as_the_same_snapshot(db):
    analysis = analyse(deploy("r1", slow=True))
    record_run(db, analysis)
    stored, live = snapshot(db, "r1"), snapshot_of(analysis)
    assert stored.source == "history:r1"
    assert stored.problems == live.problems
    assert stored.fixes == live.fixes
    assert stored.journeys == live.journeys


def test_recording_a_run_id_again_replaces_it_and_makes_it_the_newest(db):
    record_run(db, analyse(deploy("demo")))
    record_run(db, analyse(deploy("other")))
    record_run(db, analyse(deploy("demo", slow=True)))
    with open_history(db) as conn:
        assert [e.run_id for e in runs(conn)] == ["other", "demo"]
        assert find_run(conn, "latest", db).findings == 4
    assert _counts(db)[:2] == (2, 4)


def test_references_latest_counting_back_and_by_id(db):
    for run_id in ("a", "b", "c"):
        record_run(db, analyse(deploy(run_id)))
    with open_history(db) as conn:
        assert find_run(conn, "latest", db).run_id == "c"
        assert find_run(conn, "-1", db).run_id == "c"
        assert find_run(conn, "-3", db).run_id == "a"
        assert find_run(conn, "b", db).run_id == "b"
        with pytest.raises(InputError, match="holds 3 runs"):
            find_run(conn, "-4", db)
        with pytest.raises(InputError) as caught:
            find_run(conn, "bb", db)
        assert caught.value.hint == "did you mean 'b'?"
        assert runs(conn, last=2)[0].run_id == "b"


def test_a_new_file_is_created_at_the_current_schema_version(db):
    assert not has_runs(db)
    with open_history(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.is_file()


def test_an_older_schema_is_migrated_on_open(db, monkeypatch):
    # Version 0 (an empty database, e.g. created by hand) gets every migration; a later migration
    # step (simulated here) runs on a database at version 1 and keeps its rows.
    db.parent.mkdir(parents=True)
    sqlite3.connect(db).close()
    record_run(db, analyse(deploy("r1")))
    monkeypatch.setattr(history, "SCHEMA_VERSION", 2)
    monkeypatch.setattr(history, "MIGRATIONS", [*history.MIGRATIONS, ["ALTER TABLE runs ADD COLUMN note TEXT"]])
    with open_history(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
        assert [tuple(r) for r in conn.execute("SELECT run_id, note FROM runs")] == [("r1", None)]


def test_a_newer_schema_is_refused_not_changed(db):
    with open_history(db) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(InputError, match="version 99 is newer"):
        record_run(db, analyse(deploy("r1")))
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 99


def test_a_file_that_is_not_a_database_is_bad_input_with_a_way_out(db):
    db.parent.mkdir(parents=True)
    db.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(InputError) as caught:
        record_run(db, analyse(deploy("r1")))
    assert "not a frictionaudit history database" in caught.value.message
    assert "move the file away" in (caught.value.hint or "")


def test_a_failure_while_recording_leaves_the_history_as_it_was(db, monkeypatch):
    record_run(db, analyse(deploy("r1")))
    before = _counts(db)

    def broken(problem):
        raise RuntimeError("disk full")

    monkeypatch.setattr(history, "_problem_row", broken)
    with pytest.raises(RuntimeError):
        record_run(db, analyse(deploy("r2", slow=True)))
    assert _counts(db) == before
    with open_history(db) as conn:
        assert [e.run_id for e in runs(conn)] == ["r1"]


def test_two_jobs_recording_at_once_both_land(db):
    record_run(db, analyse(deploy("first")))  # create it first; both then write concurrently
    errors: list[BaseException] = []

    def write(run_id: str) -> None:
        try:
            record_run(db, analyse(deploy(run_id, slow=True)))
        except BaseException as exc:  # pragma: no cover - shown by the assertion
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(f"job-{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with open_history(db) as conn:
        assert sorted(e.run_id for e in runs(conn)) == ["first", "job-0", "job-1", "job-2", "job-3"]


def test_read_only_opening_needs_an_existing_current_file(db):
    with pytest.raises(InputError, match="no history yet"), open_history(db, readonly=True):
        pass
    record_run(db, analyse(deploy("r1")))
    with open_history(db, readonly=True) as conn, pytest.raises(sqlite3.OperationalError):
        conn.execute("DELETE FROM runs")
