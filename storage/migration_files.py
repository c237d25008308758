"""The numbered schema migrations (migrations/0001_….sql …), the same files for SQLite and PostgreSQL.

They are written in SQLite's words; PostgreSQL's backend maps the few type names that differ (postgres_sql.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .errors import DatabaseError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")


def discover_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The numbered migration files in order; the numbers must run 1, 2, 3… with no gaps."""
    migrations = sorted(
        (Migration(int(match.group(1)), path)
         for path in directory.iterdir() if (match := _MIGRATION_NAME.match(path.name))),
        key=lambda migration: migration.version,
    )
    expected = list(range(1, len(migrations) + 1))
    if [migration.version for migration in migrations] != expected:
        raise DatabaseError(f"migration files in {directory} are not numbered 0001, 0002, … without gaps")
    return migrations


def newer_than_known(where: str, current: int, migrations: list[Migration]) -> DatabaseError | None:
    """The refusal for a database migrated by a newer bot than this one, if it is one."""
    newest_known = migrations[-1].version if migrations else 0
    if current <= newest_known:
        return None
    return DatabaseError(f"the database at {where} has schema version {current}, newer than this bot knows "
                         f"({newest_known}). Update the bot, or restore a backup made by this version.")
