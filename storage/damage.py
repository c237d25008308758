"""A damaged database file told apart from every other reason it cannot be used, for a message that says
which it is and how to come out of it without losing anything.

A disk or a copy gone wrong leaves pages of zeros or flipped bytes. SQLite then answers "database disk image
is malformed" (or "file is not a database") at the first statement that reads such a page, which may be long
after opening. Whenever that happens at start, SQLite's own integrity check is run, and its verdict goes into
the message with what to do: keep a copy of the file first, then restore a backup or recover what is left;
a new file is named last, with what it loses.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path

from .errors import DatabaseError

SQLITE_HEADER = b"SQLite format 3\x00"  # the first bytes of every SQLite database file
DAMAGE_CODES = frozenset({"SQLITE_CORRUPT", "SQLITE_NOTADB"})
PROBLEMS_SHOWN = 3


class DamagedDatabase(DatabaseError):
    """The database file is damaged; the message says how SQLite sees it and what to do."""


def is_damage(error: BaseException) -> bool:
    """Whether SQLite raised `error` because the file's contents are broken (not locked, missing or read-only)."""
    return isinstance(error, sqlite3.DatabaseError) and getattr(error, "sqlite_errorname", None) in DAMAGE_CODES


async def integrity_problems(path: Path) -> list[str]:
    """What SQLite's integrity check finds wrong with the file at `path` (nothing: an empty list)."""
    return await asyncio.to_thread(_integrity_problems, Path(path))


def _integrity_problems(path: Path) -> list[str]:
    try:
        with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as connection:
            rows = connection.execute(f"PRAGMA integrity_check({PROBLEMS_SHOWN + 1})").fetchall()
    except sqlite3.DatabaseError as error:  # so damaged that the check itself cannot read it
        return [str(error)]
    verdicts = [str(row[0]) for row in rows]
    return [] if verdicts == ["ok"] else verdicts


async def diagnosed(path: Path, error: sqlite3.Error) -> DatabaseError | None:
    """The DamagedDatabase that `error` reveals at `path`, or None when the file is no SQLite database at all or
    passes the integrity check (then `error` has another cause, and its own message stands)."""
    if not is_damage(error) or not _starts_like_sqlite(path):
        return None
    problems = await integrity_problems(path)
    return damaged(path, problems) if problems else None


def _starts_like_sqlite(path: Path) -> bool:
    try:
        with open(path, "rb") as file:
            return file.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def damaged(path: Path, problems: list[str]) -> DamagedDatabase:
    found = "; ".join(problems[:PROBLEMS_SHOWN]) + ("; …" if len(problems) > PROBLEMS_SHOWN else "")
    return DamagedDatabase(f"the database at {path} is damaged: SQLite's integrity check found: {found}. "
                           + recovery_steps(path))


def zeroed(path: Path) -> DamagedDatabase:
    return DamagedDatabase(f"the database at {path} is damaged: its first page, where SQLite keeps its header, "
                           "is all zeros. " + recovery_steps(path))


def recovery_steps(path: Path) -> str:
    return (f"The bot changed nothing. Stop every bot process using it and copy the file aside first "
            f"(cp {path} {path}.damaged). Then either put back your latest backup (made with python bot.py backup) "
            f"at {path}, or recover what SQLite can still read: sqlite3 {path}.damaged .recover | sqlite3 "
            f"{path}.recovered, then move {path}.recovered to {path}. Starting from a new, empty database instead "
            "loses every member's link (each would have to run /link-account again) and the payment journal.")
