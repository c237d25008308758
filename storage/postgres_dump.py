"""`python bot.py backup` with PostgreSQL: the bot does not copy a server's database itself; pg_dump does that
consistently while the bot runs. What to run, with the URL's password left out."""

from __future__ import annotations

import shlex
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .postgres_url import without_password

# The URL parameters libpq (and so pg_dump) knows. asyncpg passes any other one on as a server setting, which
# pg_dump would refuse; a dump needs none of them, except search_path, the schema to dump.
LIBPQ_PARAMETERS = frozenset({
    "host", "hostaddr", "port", "dbname", "user", "passfile", "channel_binding", "connect_timeout",
    "client_encoding", "options", "application_name", "keepalives", "keepalives_idle", "keepalives_interval",
    "keepalives_count", "tcp_user_timeout", "gssencmode", "sslmode", "sslcert", "sslkey", "sslrootcert", "sslcrl",
    "sslcrldir", "sslsni", "requirepeer", "ssl_min_protocol_version", "ssl_max_protocol_version", "krbsrvname",
    "service", "target_session_attrs",
})


def pg_dump_command(url: str, destination: Path) -> str:
    """The pg_dump command that backs the database at `url` up to `destination` (custom format, restored with
    pg_restore). A search_path in the URL becomes pg_dump's --schema."""
    parts = urlsplit(without_password(url))
    query = parse_qsl(parts.query)
    schemas = [value for name, value in query if name == "search_path"]
    libpq_query = urlencode([(name, value) for name, value in query if name in LIBPQ_PARAMETERS])
    libpq_url = urlunsplit(parts._replace(query=libpq_query))
    words = ["pg_dump", "--format=custom", f"--file={destination}"]
    words += [f"--schema={schema}" for schema in schemas]
    return shlex.join([*words, libpq_url])
