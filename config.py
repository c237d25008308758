"""The bot's settings: read once at start from the environment, validated, typed.

`load_settings` collects *every* problem before giving up, so a self-hoster fixes their `.env` in one pass
instead of one restart per mistake. Secret values never appear in a problem's text.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import functools
import os
import re
import sys
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, unquote, urlsplit

from env_file import EnvFile, EnvFileError, read_env_file
from env_file_problems import env_file_problems
from storage import POSTGRES_SCHEMES, password_of
from taubot import DIALECT_SETTINGS

DEFAULT_API_URL = "https://taubot.qzz.io/api"
# The folder bot.py (and .env) live in: relative paths mean the same file whatever directory the bot starts from.
PROJECT_ROOT = Path(__file__).resolve().parent
DEFAULT_DATABASE_PATH = PROJECT_ROOT / "data" / "taubot-bot.sqlite3"
DEFAULT_ENV_FILE = PROJECT_ROOT / ".env"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
ENCRYPTION_KEY_BYTES = 32
# 32 bytes are 43 URL-safe base64 characters, plus one '=' of padding when it is written.
_ENCRYPTION_KEY_TEXT = re.compile(r"[A-Za-z0-9_-]{43}=?")


@dataclass(frozen=True)
class Settings:
    discord_token: str = field(repr=False)
    taubot_master_key: str = field(repr=False)
    taubot_app_id: uuid.UUID
    key_encryption_key: bytes = field(repr=False)
    taubot_api_url: str = DEFAULT_API_URL
    taubot_api_dialect: str = "auto"  # "auto" (ask the server), "v2" or "v2.1"
    database_path: Path = DEFAULT_DATABASE_PATH
    # postgresql://… when the bot uses PostgreSQL instead of the SQLite file at database_path; holds a password.
    database_url: str | None = field(default=None, repr=False)
    dev_guild_id: int | None = None
    log_level: str = "INFO"
    currency_symbol: str = "t"
    link_timeout_minutes: int = 30
    taubot_timeout_seconds: float = 10.0
    taubot_connect_timeout_seconds: float = 5.0
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    # KEY_ENCRYPTION_KEY exactly as configured, so the text itself is redacted too, not only its re-encodings.
    key_encryption_key_text: str = field(default="", repr=False, compare=False)

    @property
    def has_taubot_credentials(self) -> bool:
        """Both Taubot credentials are set: always in `load_settings`'s settings; in `load_discord_settings`'s
        not until the Taubot operator has issued them."""
        return bool(self.taubot_master_key) and self.taubot_app_id.int != 0

    @property
    def database(self) -> Path | str:
        """Where the bot's database is: DATABASE_URL when set (PostgreSQL), else the SQLite file DATABASE_PATH."""
        return self.database_url or self.database_path

    def secret_values(self) -> tuple[str, ...]:
        """Every configured secret in the forms it could show up in a log line."""
        url_safe = base64.urlsafe_b64encode(self.key_encryption_key).decode()
        standard = base64.b64encode(self.key_encryption_key).decode()
        password = password_of(self.database_url) if self.database_url else None
        candidates = (self.discord_token, self.taubot_master_key, self.key_encryption_key_text,
                      url_safe, url_safe.rstrip("="), standard, standard.rstrip("="),
                      password, password and unquote(password))
        return tuple(dict.fromkeys(value for value in candidates if value))


class ConfigError(Exception):
    """Raised with every configuration problem found; str() is the message for the self-hoster."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        count = len(self.problems)
        lines = [f"The bot cannot start: {count} configuration problem{'s' if count != 1 else ''}."]
        lines += [f"  - {problem}" for problem in self.problems]
        lines.append(
            "Set these in the environment or in a .env file next to bot.py "
            "(copy config.example.env to .env and fill it in)."
        )
        return "\n".join(lines)


def generate_encryption_key() -> str:
    """A fresh value for KEY_ENCRYPTION_KEY: 32 random bytes, URL-safe base64."""
    return base64.urlsafe_b64encode(os.urandom(ENCRYPTION_KEY_BYTES)).decode()


class SettingsFileError(ConfigError):
    """The settings file itself cannot be read (missing, unreadable, wrong encoding): one line, not a list."""

    def render(self) -> str:
        return f"The bot cannot start: {self.problems[0]}"


class Environment(dict[str, str]):
    """The variables the settings are read from, and the settings file among them (to point at its mistakes)."""

    def __init__(self, values: Mapping[str, str], env_file: EnvFile | None = None):
        super().__init__(values)
        self.env_file = env_file


def read_environment(env_file: str | os.PathLike[str] | None = ".env", *, required: bool = False) -> Environment:
    """The variables from `env_file` overlaid with the real environment, which wins.

    A missing file is fine unless `required` (the user named it); any other reason the file cannot be read
    raises SettingsFileError with one line naming the file and the fix."""
    try:
        found = read_env_file(Path(env_file), required=required) if env_file is not None else None
    except EnvFileError as error:
        raise SettingsFileError([str(error)]) from None
    return Environment({**(found.values if found else {}), **os.environ}, found)


def read_environment_or_exit(env_file: str | os.PathLike[str] | None) -> Environment:
    """`read_environment` for the command line: `env_file` is what --env-file named (it must exist), or None
    for DEFAULT_ENV_FILE (which may be absent: the settings can all come from the environment). A file that
    cannot be read prints its one line to stderr and exits with status 2, which systemd does not restart."""
    try:
        if env_file is None:
            return read_environment(DEFAULT_ENV_FILE, required=False)
        return read_environment(env_file, required=True)
    except SettingsFileError as error:
        print(error, file=sys.stderr)
        raise SystemExit(2) from None


def database_of(environ: Mapping[str, str]) -> Path | str:
    """Where the database is (DATABASE_URL, else DATABASE_PATH) exactly as `load_settings` resolves it, without
    validating the other settings: a backup must work even when they are broken. ConfigError for a DATABASE_URL
    that is not one."""
    reader = _Reader(environ)
    url = reader.database_url("DATABASE_URL")
    if reader.problems:
        raise ConfigError(reader.problems)
    return url or reader.database_path("DATABASE_PATH", DEFAULT_DATABASE_PATH)


@functools.cache
def setting_names() -> frozenset[str]:
    """Every variable `load_settings` reads, found by watching it read an empty environment: a new setting is
    known (and a misspelling of it recognised) without being listed twice."""
    asked: set[str] = set()

    class Watched(dict[str, str]):
        def get(self, name, default=None):
            asked.add(name)
            return default

    try:
        load_settings(Watched())
    except ConfigError:
        pass
    return frozenset(asked)


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Validate `environ` into Settings, or raise ConfigError listing every problem."""
    reader = _Reader(environ)
    values: dict[str, Any] = dict(
        discord_token=reader.discord_token("DISCORD_TOKEN"),
        taubot_master_key=reader.taubot_key("TAUBOT_MASTER_KEY"),
        taubot_app_id=reader.uuid("TAUBOT_APP_ID"),
        key_encryption_key=reader.encryption_key("KEY_ENCRYPTION_KEY"),
        key_encryption_key_text=reader.raw_text("KEY_ENCRYPTION_KEY"),
        taubot_api_url=reader.url("TAUBOT_API_URL", DEFAULT_API_URL),
        taubot_api_dialect=reader.dialect("TAUBOT_API_DIALECT"),
        database_path=reader.database_path("DATABASE_PATH", DEFAULT_DATABASE_PATH),
        database_url=reader.database_url("DATABASE_URL"),
        dev_guild_id=reader.snowflake("DEV_GUILD_ID"),
        log_level=reader.choice("LOG_LEVEL", LOG_LEVELS, "INFO"),
        currency_symbol=reader.currency_symbol("CURRENCY_SYMBOL", "t"),
        link_timeout_minutes=reader.integer("LINK_TIMEOUT_MINUTES", 30, minimum=1, maximum=24 * 60),
        taubot_timeout_seconds=reader.seconds("TAUBOT_TIMEOUT_SECONDS", 10.0),
        taubot_connect_timeout_seconds=reader.seconds("TAUBOT_CONNECT_TIMEOUT_SECONDS", 5.0),
        shard_count=reader.optional_integer("SHARD_COUNT", minimum=1, maximum=10_000),
        shard_ids=reader.shard_ids("SHARD_IDS"),
    )
    reader.check_shards(values["shard_count"], values["shard_ids"])
    reader.check_settings_file(environ)
    if reader.problems:
        raise ConfigError(reader.problems)
    return Settings(**values)


# Stand-ins for the settings only Taubot and the database need, so `load_discord_settings` can validate the rest.
_NOT_NEEDED_FOR_DISCORD = {
    "TAUBOT_MASTER_KEY": ("taubot_master_key", "not-set", ""),
    "TAUBOT_APP_ID": ("taubot_app_id", str(uuid.UUID(int=0)), uuid.UUID(int=0)),
    "KEY_ENCRYPTION_KEY": ("key_encryption_key", base64.urlsafe_b64encode(bytes(32)).decode(), b""),
}


def load_discord_settings(environ: Mapping[str, str]) -> Settings:
    """Settings for what talks to Discord only (`sync`, the Discord part of `check`): DISCORD_TOKEN is required,
    the Taubot credentials and KEY_ENCRYPTION_KEY are not (they come later, from a person). Whatever is set is
    still validated. The Taubot settings that were missing are empty in the result: nothing built from these
    settings may call Taubot or open the database."""
    missing = [name for name in _NOT_NEEDED_FOR_DISCORD if not (environ.get(name) or "").strip()]
    stand_ins = {name: _NOT_NEEDED_FOR_DISCORD[name][1] for name in missing}
    settings = load_settings(Environment({**environ, **stand_ins}, getattr(environ, "env_file", None)))
    blanks: dict[str, Any] = {field_name: blank for field_name, _, blank in map(_NOT_NEEDED_FOR_DISCORD.__getitem__,
                                                                                  missing)}
    if "KEY_ENCRYPTION_KEY" in missing:
        blanks["key_encryption_key_text"] = ""
    return dataclasses.replace(settings, **blanks)


class _Reader:
    """Reads one variable at a time, recording a problem instead of raising, so all are reported."""

    def __init__(self, environ: Mapping[str, str]):
        self.environ = environ
        self.problems: list[str] = []
        self.missing: dict[str, int] = {}  # a required name that is missing → the index of its problem

    def _raw(self, name: str) -> str | None:
        value = self.environ.get(name)
        if value is None:
            return None
        value = value.strip()
        return value or None

    def raw_text(self, name: str) -> str:
        return self.environ.get(name) or ""

    def _required(self, name: str, how_to_get: str) -> str | None:
        value = self._raw(name)
        if value is None:
            self.missing[name] = len(self.problems)
            self.problems.append(f"{name} is missing. {how_to_get}")
        return value

    def check_settings_file(self, environ: Mapping[str, str]) -> None:
        """Lines of the settings file that are not NAME=value, and names in it that look like a misspelt
        setting; a misspelt required setting is named on the line that says it is missing."""
        env_file = getattr(environ, "env_file", None)
        if env_file is None:
            return
        for problem in env_file_problems(env_file, setting_names()):
            if problem.meant in self.missing:
                self.problems[self.missing[problem.meant]] = problem.as_missing()
            else:
                self.problems.append(problem.text)

    def discord_token(self, name: str) -> str:
        value = self._required(
            name,
            "Copy the bot token from https://discord.com/developers/applications (your application → Bot → "
            "Reset Token).",
        )
        if value is None:
            return ""
        if value.lower().startswith("bot "):
            self.problems.append(f"{name} starts with 'Bot '. Paste the token alone, without the prefix.")
        elif any(ch.isspace() for ch in value) or value.count(".") != 2:
            self.problems.append(
                f"{name} does not look like a Discord bot token (three parts separated by dots). "
                "Copy it again from the Developer Portal (Bot → Reset Token)."
            )
        return value

    def taubot_key(self, name: str) -> str:
        value = self._required(name, "Ask the Taubot operator for your application's master key.")
        if value is None:
            return ""
        if value.lower().startswith("bearer "):
            # Taubot answers 500 (not 401) to a "Bearer " prefix, which would look like an outage.
            self.problems.append(f"{name} starts with 'Bearer '. Paste the raw key: the bot adds what the server "
                                 "needs (v2 answers 500 to a 'Bearer ' it did not ask for).")
        elif any(ch.isspace() for ch in value):
            self.problems.append(f"{name} contains spaces or line breaks. Paste the key as one unbroken line.")
        return value

    def uuid(self, name: str) -> uuid.UUID:
        value = self._required(name, "It is the application ID that came with your Taubot master key.")
        if value is None:
            return uuid.UUID(int=0)
        try:
            return uuid.UUID(value)
        except ValueError:
            self.problems.append(
                f"{name} is not a UUID (got {value!r}). It looks like 123e4567-e89b-12d3-a456-426614174000."
            )
            return uuid.UUID(int=0)

    def encryption_key(self, name: str) -> bytes:
        value = self._required(name, "Generate one with: python bot.py gen-key")
        if value is None:
            return b""
        key = b""
        if _ENCRYPTION_KEY_TEXT.fullmatch(value):
            try:
                key = base64.urlsafe_b64decode(value.rstrip("=") + "=")
            except (binascii.Error, ValueError):
                key = b""
        # Re-encoding must give the same text: rejects stray bits in the last character (a non-canonical key).
        if len(key) != ENCRYPTION_KEY_BYTES or base64.urlsafe_b64encode(key).decode().rstrip("=") != value.rstrip("="):
            self.problems.append(
                f"{name} is not a valid key (it must be {ENCRYPTION_KEY_BYTES} bytes in URL-safe base64: 43 "
                "characters from A-Z, a-z, 0-9, '-' and '_', optionally ending in '='). "
                "Generate one with: python bot.py gen-key"
            )
            return b""
        return key

    def url(self, name: str, default: str) -> str:
        value = self._raw(name)
        if value is None:
            return default
        parts = _split_url(value)
        if parts is None:
            self.problems.append(f"{name} is not a valid URL. Use the API base, e.g. {DEFAULT_API_URL}")
            return default
        if "@" in parts.netloc or (not parts.netloc and "@" in value):
            # Never echoed: the value holds a password, and the URL would end up in grant links sent to members.
            self.problems.append(
                f"{name} contains a user name or password (user:password@). Remove them: Taubot is "
                "authenticated with TAUBOT_MASTER_KEY, and this URL is shown to members in their grant links."
            )
        elif parts.scheme not in ("http", "https") or not parts.hostname:
            # Echoed without any query string, where a misplaced secret would sit.
            shown = value.split("?", 1)[0].split("#", 1)[0]
            self.problems.append(
                f"{name} is not an http(s) URL (got {shown!r}). Use the API base, e.g. {DEFAULT_API_URL}"
            )
        elif parts.query or parts.fragment:
            self.problems.append(f"{name} must not contain '?' or '#': give only the API base, e.g. "
                                 f"{DEFAULT_API_URL}")
        return value.rstrip("/")

    def database_url(self, name: str) -> str | None:
        """A PostgreSQL URL, or None (SQLite). Problems never echo the value: it may hold a password."""
        value = self._raw(name)
        if value is None:
            return None
        example = "postgresql://USER:PASSWORD@HOST:5432/DATABASE"
        parts = _split_url(value)
        if parts is None:
            self.problems.append(f"{name} is not a valid URL; it looks like {example}.")
            return None
        if parts.scheme not in POSTGRES_SCHEMES:
            self.problems.append(f"{name} must be a PostgreSQL URL starting with postgresql:// (like {example}); "
                                 "leave it unset to keep the SQLite file at DATABASE_PATH.")
        elif not parts.hostname and "host=" not in parts.query:
            self.problems.append(f"{name} names no host; it looks like {example}.")
        elif parts.path.strip("/") == "":
            self.problems.append(f"{name} names no database (the /DATABASE at its end); it looks like {example}.")
        else:
            return value
        return None

    def database_path(self, name: str, default: Path) -> Path:
        value = self._raw(name)
        # Relative to the project folder (where .env is read), not to wherever the bot was started from.
        path = PROJECT_ROOT / Path(value).expanduser() if value else default
        if path.is_dir():
            self.problems.append(f"{name} points to a folder ({str(path)!r}). Give a file path inside it.")
        return path

    def snowflake(self, name: str) -> int | None:
        value = self._raw(name)
        if value is None:
            return None
        if not value.isascii() or not value.isdigit() or not 0 < int(value) < 2**64:
            self.problems.append(
                f"{name} is not a Discord server ID (got {value!r}). Enable Developer Mode in Discord, "
                "right-click the server and choose Copy Server ID, or leave it empty."
            )
            return None
        return int(value)

    def choice(self, name: str, allowed: tuple[str, ...], default: str) -> str:
        value = self._raw(name)
        if value is None:
            return default
        if value.upper() not in allowed:
            self.problems.append(f"{name} must be one of {', '.join(allowed)} (got {value!r}).")
            return default
        return value.upper()

    def dialect(self, name: str) -> str:
        value = self._raw(name)
        if value is None:
            return "auto"
        if value.lower() not in DIALECT_SETTINGS:
            self.problems.append(f"{name} must be one of {', '.join(DIALECT_SETTINGS)} (got {value!r}). Leave it "
                                 "at auto unless the Taubot operator told you which version their server runs.")
            return "auto"
        return value.lower()

    def currency_symbol(self, name: str, default: str) -> str:
        value = self._raw(name)
        if value is None:
            return default
        if len(value) > 8 or any(ch.isdigit() or ch in ".,-" for ch in value):
            self.problems.append(
                f"{name} must be at most 8 characters with no digits, '.', ',' or '-' (got {value!r})."
            )
            return default
        return value

    def integer(self, name: str, default: int, *, minimum: int, maximum: int) -> int:
        value = self.optional_integer(name, minimum=minimum, maximum=maximum)
        return default if value is None else value

    def optional_integer(self, name: str, *, minimum: int, maximum: int) -> int | None:
        value = self._raw(name)
        if value is None:
            return None
        if not value.isascii() or not value.lstrip("-").isdigit() or not minimum <= int(value) <= maximum:
            self.problems.append(f"{name} must be a whole number from {minimum} to {maximum} (got {value!r}).")
            return None
        return int(value)

    def seconds(self, name: str, default: float) -> float:
        value = self._raw(name)
        if value is None:
            return default
        try:
            seconds = float(value)
        except ValueError:
            seconds = -1.0
        if not 0.1 <= seconds <= 300:
            self.problems.append(f"{name} must be a number of seconds from 0.1 to 300 (got {value!r}).")
            return default
        return seconds

    def shard_ids(self, name: str) -> tuple[int, ...] | None:
        value = self._raw(name)
        if value is None:
            return None
        pieces = [piece.strip() for piece in value.split(",")]
        if not all(piece.isascii() and piece.isdigit() for piece in pieces):
            self.problems.append(f"{name} must be a comma-separated list of shard numbers like 0,1,2 (got {value!r}).")
            return None
        shard_ids = tuple(int(piece) for piece in pieces)
        repeated = sorted({shard_id for shard_id in shard_ids if shard_ids.count(shard_id) > 1})
        if repeated:
            # discord.py would connect the same shard twice (a typo on one machine of a multi-machine setup).
            listed = ", ".join(map(str, repeated))
            self.problems.append(f"{name} lists shard{'s' * (len(repeated) > 1)} {listed} more than once "
                                 f"(got {value!r}). List each shard once.")
            return None
        return shard_ids

    def check_shards(self, shard_count: int | None, shard_ids: tuple[int, ...] | None) -> None:
        if shard_ids is None:
            return
        if shard_count is None:
            self.problems.append("SHARD_IDS is set but SHARD_COUNT is not. Set both, or neither.")
        elif any(shard_id >= shard_count for shard_id in shard_ids):
            self.problems.append(f"SHARD_IDS must all be smaller than SHARD_COUNT ({shard_count}).")


def _split_url(value: str) -> SplitResult | None:
    """The URL's parts, or None when it cannot be one (urlsplit accepts a port that is not a number until asked)."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return None
    return parts
