"""The same numbered migrations give SQLite and PostgreSQL the same schema: tables, columns (type families,
NOT NULL), primary keys and indexes (columns, unique, partial) compared after migrating a new database of each."""

from __future__ import annotations

from dataclasses import dataclass

from storage import PostgresDatabase, SqliteDatabase, discover_migrations, open_database
from tests.databases import ON_POSTGRESQL_NEW

# Each backend's type names, by family (postgres_sql.py says why the names differ).
FAMILIES = {"INTEGER": "integer", "BIGINT": "integer", "REAL": "real", "DOUBLE PRECISION": "real",
            "TEXT": "text", "BLOB": "bytes", "BYTEA": "bytes", "BOOLEAN": "boolean"}


@dataclass(frozen=True)
class Column:
    name: str
    family: str
    not_null: bool


@dataclass(frozen=True)
class Index:
    columns: tuple[str, ...]
    unique: bool
    partial: bool


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    indexes: frozenset[Index]


async def sqlite_schema(database: SqliteDatabase) -> dict[str, Table]:
    tables = {}
    for (name,) in await database.fetch_all(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"):
        info = await database.fetch_all(f"PRAGMA table_info({name})")
        columns = tuple(Column(row["name"], FAMILIES[row["type"].upper()], bool(row["notnull"] or row["pk"]))
                        for row in info)
        primary_key = tuple(row["name"] for row in sorted(info, key=lambda row: row["pk"]) if row["pk"])
        indexes = set()
        for index in await database.fetch_all(f"PRAGMA index_list({name})"):
            if index["origin"] == "pk":
                continue
            indexed = await database.fetch_all(f"PRAGMA index_info({index['name']})")
            indexes.add(Index(tuple(row["name"] for row in sorted(indexed, key=lambda row: row["seqno"])),
                              bool(index["unique"]), bool(index["partial"])))
        tables[name] = Table(columns, primary_key, frozenset(indexes))
    return tables


async def postgres_schema(database: PostgresDatabase) -> dict[str, Table]:
    tables = {}
    for (name,) in await database.fetch_all(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_name <> 'schema_version'"):
        columns = tuple(
            Column(row["column_name"], FAMILIES[row["data_type"].upper()], row["is_nullable"] == "NO")
            for row in await database.fetch_all(
                "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position", (name,)))
        indexes, primary_key = set(), ()
        for row in await database.fetch_all(
                "SELECT i.indisprimary AS is_primary, i.indisunique AS is_unique, i.indpred IS NOT NULL AS partial, "
                "ARRAY(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, position) "
                "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.position) "
                "AS columns FROM pg_index i WHERE i.indrelid = to_regclass(?)", (name,)):
            if row["is_primary"]:
                primary_key = tuple(row["columns"])
            else:
                indexes.add(Index(tuple(row["columns"]), row["is_unique"], row["partial"]))
        tables[name] = Table(columns, primary_key, frozenset(indexes))
    return tables


@ON_POSTGRESQL_NEW
async def test_the_migrations_give_both_backends_the_same_schema(new_database_location, tmp_path):
    on_sqlite = await open_database(tmp_path / "bot.sqlite3")
    on_postgres = await open_database(new_database_location)
    try:
        assert isinstance(on_sqlite, SqliteDatabase) and isinstance(on_postgres, PostgresDatabase)
        assert await on_sqlite.schema_version() == await on_postgres.schema_version() == len(discover_migrations())
        expected, found = await sqlite_schema(on_sqlite), await postgres_schema(on_postgres)
        assert set(found) == set(expected)
        for name, table in expected.items():
            assert found[name] == table, f"table {name} differs"
        assert expected["payments"].primary_key == ("id",)  # the comparison does see keys…
        assert Index(("log_entry",), True, False) in expected["payments"].indexes  # …and indexes
    finally:
        await on_sqlite.close()
        await on_postgres.close()
