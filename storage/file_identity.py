"""Noticing that the database file was deleted or replaced under the running bot.

SQLite keeps using the file it opened even after it was deleted or another file was moved into its place
(a mistaken `rm`, a restore over the live database): every link and payment written from then on would go to
a file nobody can open again, and the next start would find them gone. So the file at DATABASE_PATH is
compared with the one opened (device and inode) before every write, at most once a second on reads, and by
a timer while the bot is idle. Once it differs the database is unavailable for good: every call raises
DatabaseGone (nothing more is written, so no payment is journaled or sent), one CRITICAL line says what
happened and what to do, and a restart opens whatever file is at DATABASE_PATH then.

A file copied over the live one in place keeps its inode and is not noticed; `python bot.py backup` and a
restore while the bot is stopped are the safe ways.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from .errors import DatabaseError

log = logging.getLogger("taubot_bot.storage")

RECHECK_READS_AFTER = 1.0  # seconds: a burst of reads costs one stat()
WATCH_EVERY = 5.0  # seconds between checks while the bot is idle


class DatabaseGone(DatabaseError):
    """The database file the bot opened is no longer the one at DATABASE_PATH; nothing can be stored."""


class FileIdentity:
    def __init__(self, path: Path):
        self.path = path
        self._opened = _identity(path)
        self._checked_at = time.monotonic()
        self.gone: str | None = None  # what happened to the file, once noticed
        self.recheck_reads_after = RECHECK_READS_AFTER

    def before_write(self) -> None:
        """Raise DatabaseGone unless the file at the path is still the one opened."""
        self._check()
        if self.gone is not None:
            raise DatabaseGone(self.gone)

    def before_read(self) -> None:
        """As `before_write`, looking at the file at most once per `recheck_reads_after` seconds."""
        if self.gone is None and time.monotonic() - self._checked_at >= self.recheck_reads_after:
            self._check()
        if self.gone is not None:
            raise DatabaseGone(self.gone)

    def check_now(self) -> bool:
        """Look at the file now (the idle timer); False once it is gone."""
        self._check()
        return self.gone is None

    def _check(self) -> None:
        if self.gone is not None:
            return
        self._checked_at = time.monotonic()
        try:
            current = _identity(self.path)
        except FileNotFoundError:
            current = None
        if current == self._opened:
            return
        what = "was deleted" if current is None else "was replaced by another file"
        self.gone = (f"the database file {self.path} {what} while the bot was running, so nothing more can be "
                     "stored: the bot no longer takes payments or links and tells members it is unavailable")
        log.critical("The database file %s %s while the bot was running. Nothing more is stored: no payment is "
                     "sent, no link is made, and members are told the bot is unavailable. Stop the bot, put the right "
                     "database file back at DATABASE_PATH (or restore a backup), then start it again.", self.path, what)


def _identity(path: Path) -> tuple[int, int]:
    status = os.stat(path)
    return status.st_dev, status.st_ino
