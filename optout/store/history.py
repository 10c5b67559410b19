"""The history: every observation of every setting, in SQLite in the data folder.

WAL mode lets a reader and a writer, or two runs, work at once; each observation is written in
its own transaction, so a run killed halfway leaves every row it wrote whole and nothing else.
The schema carries a version (`PRAGMA user_version`) and is migrated forward on open.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from optout import __version__
from optout.domain.decisions import is_reset
from optout.domain.errors import BadInput
from optout.domain.job import Submitted
from optout.domain.results import Result, Status
from optout.domain.targets import is_practice
from optout.recipe import Recipe
from optout.store.files import data_dir

# Each entry moves the schema one version forward; never edit one that has shipped.
MIGRATIONS = [
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        started TEXT NOT NULL,
        finished TEXT,
        command TEXT NOT NULL,
        tool_version TEXT NOT NULL
    );
    CREATE TABLE observations (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        time TEXT NOT NULL,
        platform TEXT NOT NULL,
        account TEXT NOT NULL,
        setting TEXT NOT NULL,
        title TEXT NOT NULL,
        desired TEXT NOT NULL,
        before TEXT,
        after TEXT,
        status TEXT NOT NULL,
        verified INTEGER NOT NULL,
        evidence TEXT,
        message TEXT NOT NULL,
        tool_version TEXT NOT NULL,
        recipe_version TEXT NOT NULL
    );
    CREATE INDEX observations_by_setting ON observations (platform, account, setting, id);
    CREATE TABLE resets (
        id INTEGER PRIMARY KEY,
        observation_id INTEGER NOT NULL REFERENCES observations(id),
        platform TEXT NOT NULL,
        account TEXT NOT NULL,
        setting TEXT NOT NULL,
        last_seen_desired TEXT NOT NULL,
        found TEXT NOT NULL,
        state TEXT NOT NULL
    );
    """,
    # 2: where each observation was made, so a test server's readings never count as the
    # real site's (and never make a reset of it).
    """
    ALTER TABLE observations ADD COLUMN origin TEXT NOT NULL DEFAULT '';
    DROP INDEX observations_by_setting;
    CREATE INDEX observations_by_setting ON observations (platform, account, setting, origin, id);
    """,
    # 3: a resumed run points at the run it goes on from, so resumes can chain; and how long
    # each observation took (sign-in included for an account's first setting).
    """
    ALTER TABLE runs ADD COLUMN resumed_from INTEGER REFERENCES runs(id);
    ALTER TABLE observations ADD COLUMN seconds REAL;
    """,
    # 4: a form noted the moment it leaves, before its answer and its observation: a run that
    # dies in between never lets the form be sent again.
    """
    CREATE TABLE forms_sent (
        id INTEGER PRIMARY KEY,
        time TEXT NOT NULL,
        platform TEXT NOT NULL,
        account TEXT NOT NULL,
        origin TEXT NOT NULL,
        setting TEXT NOT NULL,
        confirmed INTEGER NOT NULL DEFAULT 0,
        reference TEXT
    );
    CREATE INDEX forms_sent_by_account ON forms_sent (platform, account, origin);
    """,
    # 5: accounts forgotten with `optout forget`: their earlier readings are history, no longer
    # the state of an account the person has.
    """
    CREATE TABLE forgotten (
        id INTEGER PRIMARY KEY,
        time TEXT NOT NULL,
        platform TEXT NOT NULL,
        account TEXT NOT NULL,
        through INTEGER NOT NULL
    );
    """,
    # 6: whom each observation was made for (the account's username; '' where none is known):
    # a slot taken over by another person under the same account name inherits nothing.
    """
    ALTER TABLE observations ADD COLUMN person TEXT NOT NULL DEFAULT '';
    ALTER TABLE forms_sent ADD COLUMN person TEXT NOT NULL DEFAULT '';
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True)
class Reset:
    """A setting last seen in its desired state, now found out of it: the platform turned it back."""

    platform: str
    account: str
    setting: str
    title: str
    state: str
    last_seen_desired: str
    found: str

    def sentence(self) -> str:
        return (f"{self.title} was turned back {self.state} between "
                f"{_readable(self.last_seen_desired)} and {_readable(self.found)}.")


def _readable(iso: str) -> str:
    return iso.replace("T", " ").replace("+00:00", " UTC")


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def history_problem(path: Path, exc: sqlite3.Error) -> BadInput:
    """What to tell a person whose history cannot be used, by what is wrong with it.

    Never "start a new one": the history is the record of the forms already sent, and a new one
    would let them be sent again.
    """
    text = str(exc).lower()
    if "full" in text or "disk i/o" in text:
        return BadInput(f"The disk holding the history ({path}) is full or failing; nothing was "
                        f"lost. Free some space and run again.")
    if "locked" in text or "busy" in text:
        return BadInput(f"The history ({path}) is in use by another optout that has not let go "
                        "for 30 s; run again once it has finished.")
    return BadInput(
        f"The history ({path}) is damaged ({exc}). Keep the file: it records the forms already "
        f"sent. Copy it aside, then rescue what it holds with `sqlite3 {path} .recover | sqlite3 "
        f"{path}.recovered` and move {path.name}.recovered into its place.")


def default_path() -> Path:
    return data_dir() / "history.sqlite3"


def recipe_version(recipe: Recipe) -> str:
    """The recipe file's content hash: which recipe made an observation."""
    if recipe.file is None or not recipe.file.exists():
        return "unknown"
    return hashlib.sha256(recipe.file.read_bytes()).hexdigest()[:12]


class History:
    """The history database; one connection, used from one thread."""

    def __init__(self, path: Path | None = None):
        self.path = path or default_path()
        try:
            # Results arrive on the engine's thread; calls are never concurrent, so sharing is safe.
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None,
                                      check_same_thread=False)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise history_problem(self.path, exc) from exc

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        # BEGIN IMMEDIATE takes the write lock up front, so two runs queue instead of failing.
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _migrate(self) -> None:
        with self._transaction() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise BadInput(f"The history at {self.path} was written by a newer optout; "
                               "upgrade optout to read it.")
            for number in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[number].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {number + 1}")

    # --- writing -------------------------------------------------------------------------------

    def start_run(self, command: str, resumed_from: int | None = None) -> int:
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO runs (started, command, tool_version, resumed_from) "
                "VALUES (?, ?, ?, ?)", (now(), command, __version__, resumed_from))
            assert cursor.lastrowid is not None  # set by the INSERT
            return cursor.lastrowid

    def finish_run(self, run_id: int) -> None:
        with self._transaction() as db:
            db.execute("UPDATE runs SET finished = ? WHERE id = ?", (now(), run_id))

    def record(self, run_id: int, result: Result, recipe_version: str,
               origin: str = "", person: str = "") -> Reset | None:
        """Keep one observation; return the reset it reveals, if it reveals one.

        A reset is a setting whose previous reading (on the same origin, for the same person)
        verified it in its desired state, and which is now found out of it.
        """
        found = result.before or result.after
        with self._transaction() as db:
            # Readings of an account since forgotten are not this account's past.
            previous = db.execute(
                "SELECT time, after, verified, desired FROM observations "
                "WHERE platform = ? AND account = ? AND setting = ? AND origin = ? "
                f"AND person = ? AND after IS NOT NULL AND id > {_forgotten_through('observations')} "
                "ORDER BY id DESC LIMIT 1",
                (result.platform, result.account, result.setting, origin, person)).fetchone()
            time = now()
            cursor = db.execute(
                "INSERT INTO observations (run_id, time, platform, account, setting, title, "
                "desired, before, after, status, verified, evidence, message, tool_version, "
                "recipe_version, origin, seconds, person) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, time, result.platform, result.account, result.setting,
                 result.title or result.setting, result.desired, result.before, result.after,
                 result.status.value, int(result.verified),
                 json.dumps(result.evidence) if result.evidence else None, result.message,
                 __version__, recipe_version, origin, result.seconds, person))
            # (is_reset is never true when nothing was found; said here for the type checker.)
            if previous is None or found is None or not is_reset(
                    bool(previous["verified"]), previous["after"], previous["desired"], found,
                    result.desired):
                return None
            reset = Reset(result.platform, result.account, result.setting,
                          result.title or result.setting, found, previous["time"], time)
            db.execute(
                "INSERT INTO resets (observation_id, platform, account, setting, "
                "last_seen_desired, found, state) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (cursor.lastrowid, reset.platform, reset.account, reset.setting,
                 reset.last_seen_desired, reset.found, reset.state))
            return reset

    def forget(self, platform: str, account: str) -> None:
        """Note that the account was forgotten: `status` and the report leave its readings out."""
        with self._transaction() as db:
            db.execute("INSERT INTO forgotten (time, platform, account, through) "
                       "VALUES (?, ?, ?, (SELECT coalesce(max(id), 0) FROM observations))",
                       (now(), platform, account))

    def forget_forms_sent_at(self, origins: Iterable[str]) -> None:
        """Forget the forms sent at these origins (the practice twins'): sent again next time."""
        with self._transaction() as db:
            db.executemany("DELETE FROM forms_sent WHERE origin = ?", [(o,) for o in origins])

    def form_origins(self) -> set[str]:
        return {row[0] for row in self.db.execute("SELECT DISTINCT origin FROM forms_sent")}

    # --- reading -------------------------------------------------------------------------------

    def timeline(self, platform: str | None = None, account: str | None = None,
                 since: str | None = None) -> list[dict[str, Any]]:
        """Every observation, oldest first, narrowed as asked."""
        where, args = _filters(platform, account, since)
        rows = self.db.execute(f"SELECT * FROM observations {where} ORDER BY id", args)
        return [_observation(row) for row in rows]

    def resets(self, platform: str | None = None, account: str | None = None,
               since: str | None = None) -> list[dict[str, Any]]:
        where, args = _filters(platform, account, since, time_column="found", table="r")
        rows = self.db.execute(
            "SELECT r.*, o.title, o.origin FROM resets r "
            f"JOIN observations o ON o.id = r.observation_id {where} ORDER BY r.id", args)
        return [dict(row) for row in rows]

    def status(self) -> list[dict[str, Any]]:
        """The latest known state of every account and setting at each origin it was read at
        (a test server's reading never hides a real site's), with its last verification and
        resets there; what was read before an account was forgotten is left out."""
        since = _forgotten_through("o")
        rows = self.db.execute(
            f"""
            SELECT o.*,
                   (SELECT max(time) FROM observations v
                     WHERE v.platform = o.platform AND v.account = o.account
                       AND v.setting = o.setting AND v.origin = o.origin
                       AND v.verified = 1 AND v.id > {since}) AS last_verified,
                   (SELECT count(*) FROM resets r JOIN observations ro ON ro.id = r.observation_id
                     WHERE r.platform = o.platform AND r.account = o.account
                       AND r.setting = o.setting AND ro.origin = o.origin
                       AND ro.id > {since}) AS reset_count,
                   (SELECT max(found) FROM resets r JOIN observations ro ON ro.id = r.observation_id
                     WHERE r.platform = o.platform AND r.account = o.account
                       AND r.setting = o.setting AND ro.origin = o.origin
                       AND ro.id > {since}) AS last_reset
            FROM observations o
            WHERE o.id = (SELECT max(id) FROM observations x
                           WHERE x.platform = o.platform AND x.account = o.account
                             AND x.setting = o.setting AND x.origin = o.origin)
              AND o.id > {since}
            ORDER BY o.platform, o.account, o.origin, o.id
            """)
        return [_observation(row) for row in rows]

    def platforms(self) -> list[str]:
        """Every platform with an observation."""
        return [row[0] for row in self.db.execute(
            "SELECT DISTINCT platform FROM observations ORDER BY platform")]

    def origins(self, platform: str, account: str) -> set[str]:
        """Every origin an account's readings were made at, since it was last forgotten."""
        return {row[0] for row in self.db.execute(
            "SELECT DISTINCT origin FROM observations WHERE platform = ? AND account = ? AND "
            f"id > {_forgotten_through('observations')}", (platform, account))}

    def accounts(self, platform: str | None = None, *, since_forgotten: bool = False) -> list[str]:
        """Every account with an observation (of one platform, if given); with
        `since_forgotten`, only those read since they were last forgotten."""
        where, args = _filters(platform, None, None)
        if since_forgotten:
            where += (" AND " if where else "WHERE ") + f"id > {_forgotten_through('observations')}"
        return [row[0] for row in self.db.execute(
            f"SELECT DISTINCT account FROM observations {where} ORDER BY account", args)]

    def forgotten(self) -> dict[tuple[str, str], int]:
        """By (platform, account): the last observation made before it was last forgotten."""
        rows = self.db.execute("SELECT platform, account, max(through) AS through "
                               "FROM forgotten GROUP BY platform, account")
        return {(row["platform"], row["account"]): row["through"] for row in rows}

    def submissions(self, platform: str, account: str, origin: str,
                    person: str = "") -> dict[str, Submitted]:
        """The forms this person sent at this origin, by setting id, under whichever account
        name (and those the account sent before people were noted); where the person is not
        known, the account's. Confirmed by the platform, or sent without a confirmation seen:
        never sent again without --resubmit either way."""
        whose, args = _whose(platform, account, origin, person)
        # A twin forgotten (`practice --remove`) takes its forms again; a platform's objection,
        # once sent, stays sent whatever is forgotten here.
        since = f" AND id > {_forgotten_through('observations')}" if is_practice(origin) else ""
        rows = self.db.execute(
            "SELECT setting, max(id), time, after, evidence FROM observations "
            f"WHERE {whose} AND ((after = 'submitted' AND verified = 1) OR after = 'unconfirmed')"
            f"{since} GROUP BY setting", args)
        sent = {}
        for row in rows:
            reference = (json.loads(row["evidence"]) if row["evidence"] else {}).get("reference")
            when = f"on {_readable(row['time'])}" + (f" (reference {reference})" if reference else "")
            sent[row["setting"]] = Submitted(when, confirmed=row["after"] == "submitted")
        # Noted as it left, with no observation kept yet (another run is still at it, or the
        # run stopped): never sent again without --resubmit either.
        rows = self.db.execute(
            "SELECT setting, time, confirmed, reference FROM forms_sent WHERE id IN "
            f"(SELECT max(id) FROM forms_sent WHERE {whose} GROUP BY setting)", args)
        for row in rows:
            reference = row["reference"]
            when = f"on {_readable(row['time'])}" + (f" (reference {reference})" if reference else "")
            earlier = sent.get(row["setting"])
            if earlier is None or (row["confirmed"] and not earlier.confirmed):
                sent[row["setting"]] = Submitted(when, confirmed=bool(row["confirmed"]))
        return sent

    def marked_done(self, platform: str, account: str, origin: str) -> dict[str, str]:
        """Settings done by hand that the person marked done (`optout done`): id -> when."""
        rows = self.db.execute(
            "SELECT setting, max(time) AS time FROM observations WHERE platform = ? AND "
            "account = ? AND origin = ? AND status = ? GROUP BY setting",
            (platform, account, origin, Status.MARKED_DONE.value))
        return {row["setting"]: f"on {_readable(row['time'])}" for row in rows}

    def note_form_sent(self, platform: str, account: str, origin: str, setting: str,
                       person: str = "") -> int:
        """Note a form the moment it leaves; its row's id, for its answer."""
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO forms_sent (time, platform, account, origin, setting, person) "
                "VALUES (?, ?, ?, ?, ?, ?)", (now(), platform, account, origin, setting, person))
            assert cursor.lastrowid is not None  # set by the INSERT
            return cursor.lastrowid

    def note_form_answer(self, sent_id: int, confirmed: bool, reference: str | None) -> None:
        """A refusal removes the note (the form may be sent later); a confirmation marks it."""
        with self._transaction() as db:
            if confirmed:
                db.execute("UPDATE forms_sent SET confirmed = 1, reference = ? WHERE id = ?",
                           (reference, sent_id))
            else:
                db.execute("DELETE FROM forms_sent WHERE id = ?", (sent_id,))

    def verified_settings_by_origin(self) -> list[dict[str, Any]]:
        """For each platform, setting and origin: when it was last verified, with which recipe
        (its content hash) and which optout."""
        rows = self.db.execute(
            "SELECT platform, setting, origin, max(time) AS time, recipe_version, tool_version "
            "FROM observations WHERE verified = 1 GROUP BY platform, setting, origin "
            "ORDER BY platform, setting")
        return [dict(row) for row in rows]

    def last_run(self, command: str) -> int | None:
        row = self.db.execute("SELECT max(id) FROM runs WHERE command = ?", (command,)).fetchone()
        return row[0]

    def verified_settings(self, run_id: int) -> dict[tuple[str, str, str, str], set[str]]:
        """The settings done for each (platform, account, person, recipe version) in this run or
        the runs it resumed: verified, or a form sent before, confirmed or not (nothing more a
        run may do for it without --resubmit); a setting done once stays done for the resume."""
        verified: dict[tuple[str, str, str, str], set[str]] = {}
        current: int | None = run_id
        while current is not None:
            rows = self.db.execute(
                "SELECT platform, account, person, recipe_version, setting FROM observations "
                "WHERE run_id = ? AND (verified = 1 OR after IN ('submitted', 'unconfirmed'))",
                (current,))
            for row in rows:
                verified.setdefault((row["platform"], row["account"], row["person"],
                                     row["recipe_version"]), set()).add(row["setting"])
            parent = self.db.execute("SELECT resumed_from FROM runs WHERE id = ?",
                                     (current,)).fetchone()
            current = parent[0] if parent else None
        return verified


def _whose(platform: str, account: str, origin: str, person: str) -> tuple[str, list[str]]:
    """Rows of this person at this origin (and, from before people were noted, the account's);
    the account's alone where the person is not known."""
    if not person:
        return "platform = ? AND account = ? AND origin = ?", [platform, account, origin]
    return ("platform = ? AND origin = ? AND (person = ? OR (person = '' AND account = ?))",
            [platform, origin, person, account])


def _filters(platform: str | None, account: str | None, since: str | None,
             time_column: str = "time", table: str = "") -> tuple[str, list[str]]:
    clauses, args = [], []
    prefix = f"{table}." if table else ""
    for column, value in (("platform", platform), ("account", account)):
        if value:
            clauses.append(f"{prefix}{column} = ?")
            args.append(value)
    if since:
        clauses.append(f"{prefix}{time_column} >= ?")
        args.append(since)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", args


def _forgotten_through(row: str) -> str:
    """SQL for the last observation id before the account of `row` (an observations row's name
    in the query) was last forgotten; 0 if it never was."""
    return (f"(SELECT coalesce(max(through), 0) FROM forgotten f "
            f"WHERE f.platform = {row}.platform AND f.account = {row}.account)")


def _observation(row: sqlite3.Row) -> dict[str, Any]:
    data = dict(row)
    data["verified"] = bool(data["verified"])
    data["evidence"] = json.loads(data["evidence"]) if data["evidence"] else None
    if "origin" in data:
        data["practice"] = is_practice(data["origin"])
    return data
