"""The history of runs: an SQLite database under the reports folder (``reports/history.sqlite``).

``frictionaudit run`` records each run at its end, in one transaction (a crash or a second job
writing at the same time never leaves half a run): one row per run, one per journey × channel
(outcome and effort) and one per fix (with the fingerprints of its findings, so a history entry
can serve as a baseline). ``frictionaudit trend`` and ``diff`` read it; so does the HTML report's
small chart (:func:`frictionaudit.trend.trend_svg`).

The schema is versioned with SQLite's ``user_version`` and migrated when the file is opened; a file
written by a newer frictionaudit is refused rather than changed. Recording a run id again (the
demo's ``demo``, a re-run with ``--run-id``) replaces the old entry and makes it the newest.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from frictionaudit.analysis import Analysis
from frictionaudit.audit.model import SEVERITIES
from frictionaudit.diff import FixSummary, JourneyStat, Problem, Snapshot, snapshot_of
from frictionaudit.errors import InputError

HISTORY_FILE = "history.sqlite"
SCHEMA_VERSION = 1

# MIGRATIONS[n] takes a database from version n to n + 1; statements run in one transaction.
MIGRATIONS: list[list[str]] = [
    [
        """CREATE TABLE runs (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id TEXT NOT NULL UNIQUE,
            started_at TEXT NOT NULL DEFAULT '',
            finished_at TEXT NOT NULL DEFAULT '',
            recorded_at TEXT NOT NULL,
            base_url TEXT NOT NULL DEFAULT '',
            tool_version TEXT NOT NULL DEFAULT '',
            browser TEXT NOT NULL DEFAULT '',
            commit_sha TEXT NOT NULL DEFAULT '',
            ref TEXT NOT NULL DEFAULT '',
            journey_runs INTEGER NOT NULL,
            blocked INTEGER NOT NULL,
            errors INTEGER NOT NULL,
            findings INTEGER NOT NULL,
            blocker INTEGER NOT NULL,
            major INTEGER NOT NULL,
            minor INTEGER NOT NULL,
            cosmetic INTEGER NOT NULL,
            fixes INTEGER NOT NULL,
            seconds REAL NOT NULL,
            human_seconds REAL NOT NULL
        )""",
        """CREATE TABLE journey_runs (
            run_seq INTEGER NOT NULL REFERENCES runs(seq) ON DELETE CASCADE,
            journey TEXT NOT NULL,
            channel TEXT NOT NULL,
            name TEXT NOT NULL,
            status TEXT NOT NULL,
            blocked_at INTEGER,
            steps_done INTEGER NOT NULL,
            steps_total INTEGER NOT NULL,
            seconds REAL NOT NULL,
            screens INTEGER NOT NULL,
            clicks INTEGER NOT NULL,
            fields INTEGER NOT NULL,
            keystrokes INTEGER NOT NULL,
            human_seconds REAL NOT NULL,
            findings INTEGER NOT NULL,
            blocker INTEGER NOT NULL,
            major INTEGER NOT NULL,
            minor INTEGER NOT NULL,
            cosmetic INTEGER NOT NULL,
            PRIMARY KEY (run_seq, journey, channel)
        )""",
        """CREATE TABLE fixes (
            run_seq INTEGER NOT NULL REFERENCES runs(seq) ON DELETE CASCADE,
            fix_key TEXT NOT NULL,
            fix_id TEXT NOT NULL,
            rule TEXT NOT NULL,
            title TEXT NOT NULL,
            severity TEXT NOT NULL,
            category TEXT NOT NULL,
            effort TEXT NOT NULL,
            priority REAL NOT NULL,
            occurrences INTEGER NOT NULL,
            journeys TEXT NOT NULL,
            channels TEXT NOT NULL,
            findings TEXT NOT NULL,
            PRIMARY KEY (run_seq, fix_key)
        )""",
        "CREATE INDEX journey_runs_by_pair ON journey_runs (journey, channel, run_seq)",
    ],
]
assert len(MIGRATIONS) == SCHEMA_VERSION

_JOURNEY_COLUMNS = (
    "journey",
    "channel",
    "name",
    "status",
    "blocked_at",
    "steps_done",
    "steps_total",
    "seconds",
    "screens",
    "clicks",
    "fields",
    "keystrokes",
    "human_seconds",
    "findings",
    *SEVERITIES,
)


def _bad_file(path: Path, exc: Exception) -> InputError:
    return InputError(
        f"{path}: not a frictionaudit history database ({exc})",
        hint="move the file away; the next run starts a new history",
    )


def _connect(path: Path, *, readonly: bool) -> sqlite3.Connection:
    if readonly:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30, isolation_level=None)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise InputError(
            f"{path}: history schema version {version} is newer than this frictionaudit reads ({SCHEMA_VERSION})",
            hint="upgrade frictionaudit, or point --out at another folder",
        )
    if version == SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])  # another process may have migrated
        for step in range(version, SCHEMA_VERSION):
            for statement in MIGRATIONS[step]:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


@contextmanager
def open_history(path: Path, *, readonly: bool = False) -> Iterator[sqlite3.Connection]:
    """A connection to the history at ``path``, created and migrated to the current schema on open.

    ``readonly`` opens an existing file without changing it; it must already be at this schema version.
    """
    path = Path(path)
    if readonly and not path.is_file():
        raise InputError(f"{path}: no history yet", hint="'frictionaudit run' records each run there")
    try:
        with closing(_connect(path, readonly=readonly)) as conn:
            if readonly:
                version = int(conn.execute("PRAGMA user_version").fetchone()[0])
                if version != SCHEMA_VERSION:
                    raise InputError(
                        f"{path}: history schema version {version}, this frictionaudit reads {SCHEMA_VERSION}",
                        hint="run 'frictionaudit trend' once to migrate it"
                        if version < SCHEMA_VERSION
                        else "upgrade frictionaudit",
                    )
            else:
                _migrate(conn, path)
            yield conn
    except sqlite3.DatabaseError as exc:
        raise _bad_file(path, exc) from None


def has_runs(path: Path) -> bool:
    if not Path(path).is_file():
        return False
    with open_history(path) as conn:
        return conn.execute("SELECT 1 FROM runs LIMIT 1").fetchone() is not None


# ---------------------------------------------------------------------------- writing


def record_run(path: Path, analysis: Analysis, env: Mapping[str, str] | None = None) -> None:
    """Record one analysed run (replacing an earlier entry with the same run id), in one transaction."""
    env = os.environ if env is None else env
    snap = snapshot_of(analysis)
    results = analysis.results
    stats = list(snap.journeys.values())
    severity_counts = {s: sum(1 for f in analysis.findings if f.severity == s) for s in SEVERITIES}
    recorded = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    by_fix: dict[str, list[Problem]] = {}
    for problem in snap.problems.values():
        by_fix.setdefault(problem.fix_key, []).append(problem)
    with open_history(path) as conn:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("DELETE FROM runs WHERE run_id = ?", (results.run_id,))
            cursor = conn.execute(
                """INSERT INTO runs (run_id, started_at, finished_at, recorded_at, base_url, tool_version, browser,
                    commit_sha, ref, journey_runs, blocked, errors, findings, blocker, major, minor, cosmetic, fixes,
                    seconds, human_seconds)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    results.run_id,
                    results.started_at,
                    results.finished_at,
                    recorded,
                    results.base_url,
                    results.tool_version,
                    results.browser,
                    env.get("GITHUB_SHA", ""),
                    env.get("GITHUB_REF_NAME", ""),
                    len(results.runs),
                    len(analysis.blocked),
                    len(analysis.infra_errors),
                    len(analysis.findings),
                    *(severity_counts[s] for s in SEVERITIES),
                    len(analysis.fixes),
                    round(sum(s.seconds for s in stats), 2),
                    round(sum(s.human_seconds for s in stats), 1),
                ),
            )
            seq = cursor.lastrowid
            conn.executemany(
                f"INSERT INTO journey_runs (run_seq, {', '.join(_JOURNEY_COLUMNS)}) "
                f"VALUES (?, {', '.join('?' for _ in _JOURNEY_COLUMNS)})",
                [(seq, *(getattr(s, c) for c in _JOURNEY_COLUMNS)) for s in stats],
            )
            conn.executemany(
                """INSERT INTO fixes (run_seq, fix_key, fix_id, rule, title, severity, category, effort, priority,
                    occurrences, journeys, channels, findings) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [
                    (
                        seq,
                        fix.key,
                        fix.id,
                        fix.rule,
                        fix.title,
                        fix.severity,
                        fix.category,
                        fix.effort,
                        fix.priority,
                        fix.occurrences,
                        json.dumps(list(fix.journeys)),
                        json.dumps(list(fix.channels)),
                        json.dumps([_problem_row(p) for p in by_fix.get(fix.key, [])], ensure_ascii=False),
                    )
                    for fix in snap.fixes.values()
                ],
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def _problem_row(p: Problem) -> dict[str, object]:
    return {
        "key": p.key,
        "fingerprint": p.fingerprint,
        "severity": p.severity,
        "title": p.title,
        "journey": p.journey,
        "channel": p.channel,
        "step": p.step,
        "step_label": p.step_label,
        "url": p.url,
    }


# ---------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class RunEntry:
    seq: int
    run_id: str
    started_at: str
    recorded_at: str
    commit_sha: str
    journey_runs: int
    blocked: int
    findings: int
    blocker: int
    major: int
    minor: int
    cosmetic: int
    fixes: int
    seconds: float
    human_seconds: float


def _entry(row: sqlite3.Row) -> RunEntry:
    return RunEntry(**{name: row[name] for name in RunEntry.__dataclass_fields__})


def runs(conn: sqlite3.Connection, last: int | None = None) -> list[RunEntry]:
    """The recorded runs, oldest first (only the ``last`` N when given)."""
    query = "SELECT * FROM runs ORDER BY seq DESC" + (" LIMIT ?" if last else "")
    rows = conn.execute(query, (last,) if last else ()).fetchall()
    return [_entry(r) for r in reversed(rows)]


def journey_rows(conn: sqlite3.Connection, seqs: list[int]) -> dict[int, dict[tuple[str, str], JourneyStat]]:
    """Each run's journey × channel rows, by run seq."""
    out: dict[int, dict[tuple[str, str], JourneyStat]] = {seq: {} for seq in seqs}
    if not seqs:
        return out
    marks = ", ".join("?" for _ in seqs)
    for row in conn.execute(f"SELECT * FROM journey_runs WHERE run_seq IN ({marks})", seqs):
        stat = JourneyStat(**{c: row[c] for c in _JOURNEY_COLUMNS})
        out[row["run_seq"]][(stat.journey, stat.channel)] = stat
    return out


def find_run(conn: sqlite3.Connection, ref: str, path: Path) -> RunEntry:
    """``latest``, ``-N`` (``-1`` is the latest, ``-2`` the one before) or a run id."""
    ref = ref.strip()
    if ref in ("", "latest") or (ref.startswith("-") and ref[1:].isdigit()):
        back = 1 if ref in ("", "latest") else int(ref[1:])
        if back < 1:
            raise InputError(f"history:{ref}: count back from -1 (the latest run)")
        row = conn.execute("SELECT * FROM runs ORDER BY seq DESC LIMIT 1 OFFSET ?", (back - 1,)).fetchone()
        if row is None:
            total = conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
            raise InputError(
                f"history:{ref}: {path} holds {total} run{'s' if total != 1 else ''}",
                hint="'frictionaudit trend' lists them",
            )
        return _entry(row)
    row = conn.execute("SELECT * FROM runs WHERE run_id = ?", (ref,)).fetchone()
    if row is None:
        from frictionaudit.config.loader import did_you_mean

        ids = [r[0] for r in conn.execute("SELECT run_id FROM runs ORDER BY seq DESC LIMIT 200")]
        raise InputError(
            f"history:{ref}: no run '{ref}' in {path}",
            hint=did_you_mean(ref, ids) or "use history:latest, history:-2 or a run id from 'frictionaudit trend'",
        )
    return _entry(row)


def snapshot(path: Path, ref: str) -> Snapshot:
    """A history entry as a snapshot (a baseline or a side of ``diff``)."""
    with open_history(path) as conn:
        entry = find_run(conn, ref, path)
        journeys = journey_rows(conn, [entry.seq])[entry.seq]
        fixes: dict[str, FixSummary] = {}
        problems: dict[str, Problem] = {}
        for row in conn.execute("SELECT * FROM fixes WHERE run_seq = ?", (entry.seq,)):
            fix = FixSummary(
                key=row["fix_key"],
                id=row["fix_id"],
                rule=row["rule"],
                title=row["title"],
                severity=row["severity"],
                category=row["category"],
                effort=row["effort"],
                priority=row["priority"],
                occurrences=row["occurrences"],
                journeys=tuple(json.loads(row["journeys"])),
                channels=tuple(json.loads(row["channels"])),
            )
            fixes[fix.key] = fix
            for item in json.loads(row["findings"]):
                problems[item["key"]] = Problem(
                    key=item["key"],
                    fingerprint=item["fingerprint"],
                    fix_key=fix.key,
                    fix_id=fix.id,
                    rule=fix.rule,
                    severity=item["severity"],
                    category=fix.category,
                    title=item["title"],
                    journey=item["journey"],
                    channel=item["channel"],
                    step=item["step"],
                    step_label=item.get("step_label", ""),
                    url=item.get("url", ""),
                )
    return Snapshot(
        run_id=entry.run_id,
        source=f"history:{entry.run_id}",
        started_at=entry.started_at,
        problems=problems,
        fixes=fixes,
        journeys=journeys,
    )
