"""DATABASE_URL: what selects PostgreSQL, and the URL as it may be shown (never with its password)."""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit

SCHEMES = ("postgresql", "postgres")


def is_postgres_url(location: object) -> bool:
    return isinstance(location, str) and urlsplit(location).scheme in SCHEMES


def without_password(url: str) -> str:
    """The URL with its password (if any) left out: safe for logs, messages and the pg_dump command shown."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return SplitResult(parts.scheme, f"{user}@{host}", parts.path, parts.query, parts.fragment).geturl()


def password_of(url: str) -> str | None:
    """The URL's password, to be redacted wherever it could appear."""
    try:
        return urlsplit(url).password
    except ValueError:
        return None
