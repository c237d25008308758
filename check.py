"""`python bot.py check`: everything a self-hoster can get wrong, one line per check, with the fix.

The checks run in order and later ones need earlier ones (no Taubot check without valid settings); each line
is reported as soon as its check ends, so a later hang or crash never hides the earlier results. Nothing here
changes anything: the database is read through a backup copy (migrations and the key check run on the copy),
Taubot gets only reads, and the Discord check is an HTTP login without a gateway connection.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import discord
from yarl import URL

from config import DEFAULT_API_URL, ConfigError, Settings, load_settings
from storage import DatabaseError, Storage, backup_database
from taubot import (
    AUTO,
    Dialect,
    DialectUnknown,
    KeyExpired,
    KeyUnreadable,
    ProtocolError,
    ServerError,
    TaubotClient,
    TaubotError,
    Unauthorized,
    Unavailable,
    probe_dialect,
    read_claims,
)

# What the bot needs in a server: reply in channels it is used in, show embeds, attach /history exports.
INVITE_PERMISSIONS = discord.Permissions(send_messages=True, embed_links=True, attach_files=True)
INVITE_SCOPES = ("bot", "applications.commands")
# discord.py retries a 5xx for about 25 s and waits forever on a server that accepts but never answers.
DISCORD_LOGIN_TIMEOUT_SECONDS = 15.0
# A master key that expires sooner than this is worth renewing now (v2.1's live 60 days).
MASTER_KEY_WARNING = timedelta(days=14)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str  # what was found, or what is wrong and how to fix it
    warning: bool = False  # ok for now, but needs the self-hoster's attention soon

    def line(self) -> str:
        status = "PROBLEM" if not self.ok else "WARNING" if self.warning else "ok     "
        return f"{status}  {self.name:<13} {self.detail}"


async def run_checks(environ: Mapping[str, str], *,
                     make_discord_client: Callable[[], discord.Client] | None = None,
                     report: Callable[[Check], None] | None = None,
                     discord_login_within: float = DISCORD_LOGIN_TIMEOUT_SECONDS) -> list[Check]:
    """Run every check in order; `report` is called with each one as soon as it is known."""
    checks: list[Check] = []

    def found(check: Check) -> None:
        checks.append(check)
        if report is not None:
            report(check)

    try:
        settings = load_settings(environ)
    except ConfigError as error:
        found(Check("configuration", False, f"{len(error.problems)} problem(s):\n           - "
                                            + "\n           - ".join(error.problems)))
        return checks
    found(Check("configuration", True, "all settings present and well-formed"))
    found(await _guarded("database", check_database(settings)))
    try:
        async for check in check_taubot(settings):
            found(check)
    except Exception as error:
        found(_unexpected("taubot", error))
    found(await _guarded("discord", check_discord(settings, make_discord_client or _plain_client,
                                                  login_within=discord_login_within)))
    return checks


async def _guarded(name: str, check: Awaitable[Check]) -> Check:
    try:
        return await check
    except Exception as error:  # a bug or a surprise here must not hide the other checks' results
        return _unexpected(name, error)


def _unexpected(name: str, error: Exception) -> Check:
    # The type only: an exception's text could quote a secret it choked on.
    return Check(name, False, f"the check itself failed ({type(error).__name__}). Run it again; if it keeps "
                              "failing, report it with this line.")


async def check_database(settings: Settings) -> Check:
    path = settings.database_path
    if not path.exists():
        return _database_to_create(path)
    with tempfile.TemporaryDirectory(prefix="taubot-check-") as folder:
        copy = Path(folder) / "copy.sqlite3"
        try:
            # The live file is only read (SQLite's backup API, safe while the bot runs); the pending migrations
            # and the encryption key check then run on the copy, so a failing migration shows up here.
            version = await backup_database(path, copy)
            storage = await Storage.open(copy, settings.key_encryption_key)
        except DatabaseError as error:
            return Check("database", False, str(error).replace(str(copy), str(path)))
        try:
            migrated = await storage.database.schema_version()
            linked = await storage.grant_keys.count()
            pending = len(await storage.payments.pending())
        finally:
            await storage.close()
    notes = ""
    if migrated > version:
        notes += f"; {migrated - version} migration(s) will be applied at the next start (tried on a copy: ok)"
    if pending:
        notes += f"; {pending} payment(s) to reconcile at the next start"
    return Check("database", True, f"{path} (schema {version}, encryption key matches, "
                                   f"{linked} linked member(s){notes})")


def _database_to_create(path: Path) -> Check:
    existing = next(folder for folder in path.parents if folder.exists())
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        return Check("database", False, f"no database yet at {path}, and it cannot be created: {existing} is not "
                                        "a folder this user may write to. Create the folder and give it to the "
                                        "user running the bot, or set DATABASE_PATH.")
    return Check("database", True, f"no database yet at {path}: it will be created at first start")


async def check_taubot(settings: Settings) -> AsyncIterator[Check]:
    timeout = aiohttp.ClientTimeout(total=settings.taubot_timeout_seconds,
                                    connect=settings.taubot_connect_timeout_seconds)
    async with aiohttp.ClientSession() as session:
        found, dialect = await _dialect(session, settings, timeout)
        yield found
        if dialect is None:
            return
        client = TaubotClient(session, base_url=settings.taubot_api_url, master_key=settings.taubot_master_key,
                              application_id=settings.taubot_app_id, dialect=dialect, timeout=timeout)
        master_key = await _check_master_key(client, settings)
        yield master_key
        if not master_key.ok:
            return
        expiry = master_key_expiry(settings.taubot_master_key)
        if expiry is not None:
            yield expiry
        yield await _check_application(client, settings)
        if dialect.max_link_minutes is not None and settings.link_timeout_minutes > dialect.max_link_minutes:
            yield _capped_link_timeout(settings, dialect)


def _unreachable(settings: Settings) -> Check:
    return Check("taubot", False, f"cannot reach {settings.taubot_api_url}. Check TAUBOT_API_URL and that this "
                                  "machine can connect to it.")


async def _dialect(session: aiohttp.ClientSession, settings: Settings, limits: aiohttp.ClientTimeout
                   ) -> tuple[Check, Dialect | None]:
    """First without a key (one harmless request): a server that answers like neither Taubot dialect is never
    sent the master key. The dialect is None when the checks cannot go on."""
    try:
        found = await probe_dialect(session, settings.taubot_api_url, limits=limits)
    except Unavailable:
        return _unreachable(settings), None
    except DialectUnknown as error:
        if (error.status or 0) >= 500:
            return Check("taubot", False, f"{settings.taubot_api_url} answers HTTP {error.status}: Taubot may be "
                                          "down or restarting. Try again in a few minutes, and check "
                                          "TAUBOT_API_URL."), None
        return Check("taubot", False, f"TAUBOT_API_URL does not look like the Taubot API: it answered HTTP "
                                      f"{error.status} ({error.content_type or 'no Content-Type'}) to a request "
                                      "without a key, where Taubot v2 answers 400 text/plain and v2.1 answers 422 "
                                      f"application/json. Set it to the API base, e.g. {DEFAULT_API_URL}"), None
    pinned = settings.taubot_api_dialect
    if pinned != AUTO and pinned != found.name:
        return Check("dialect", False, f"TAUBOT_API_DIALECT pins {pinned}, but {settings.taubot_api_url} speaks "
                                       f"Taubot {found}. Set TAUBOT_API_DIALECT=auto (or {found})."), None
    how = "pinned by TAUBOT_API_DIALECT; the server agrees" if pinned != AUTO else "detected"
    return Check("dialect", True, f"Taubot {found} ({how})"), found


async def _check_master_key(client: TaubotClient, settings: Settings) -> Check:
    try:
        await client.verify_master_key()
    except Unavailable:
        return _unreachable(settings)
    except KeyExpired as error:
        return Check("taubot", False, f"TAUBOT_MASTER_KEY expired on {error.expired_at:%Y-%m-%d %H:%M} UTC. Ask "
                                      "the Taubot operator for a new master key.")
    except Unauthorized:
        return await _sandbox_key_changed(settings) or Check(
            "taubot", False, "Taubot rejected TAUBOT_MASTER_KEY (unknown, disabled or expired). Ask the Taubot "
                             "operator for a valid master key.")
    except ServerError:
        return Check("taubot", False, "Taubot could not read TAUBOT_MASTER_KEY (it answers 500 to a malformed "
                                      "key). Paste the key again, exactly as issued.")
    except ProtocolError as error:
        return Check("taubot", False, f"{error}. Put the application's master key in TAUBOT_MASTER_KEY.")
    except TaubotError as error:
        return Check("taubot", False, f"unexpected answer from Taubot: {error}")
    return Check("taubot", True, f"{settings.taubot_api_url} reachable, master key accepted")


async def _sandbox_key_changed(settings: Settings) -> Check | None:
    """When TAUBOT_API_URL is `python -m sandbox` on this machine (it says so at /sandbox/about), a rejected master
    key means the sandbox made a new one at its restart: no Taubot operator can help with that."""
    url = URL(settings.taubot_api_url)
    api_path = url.path.rstrip("/")
    if not _is_loopback(url.host) or not api_path.endswith("/api"):
        return None
    about_url = url.with_path(api_path.removesuffix("/api") + "/sandbox/about")
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=settings.taubot_timeout_seconds)) \
                as session, session.get(about_url, allow_redirects=False) as answer:
            about = await answer.json() if answer.status == 200 else None
    except (aiohttp.ClientError, TimeoutError, ValueError):
        return None
    if not isinstance(about, dict) or about.get("taubot_sandbox") is not True:
        return None
    copy = "copy the TAUBOT_MASTER_KEY and TAUBOT_APP_ID it printed into your settings file"
    if about.get("keeps_state"):
        return Check("taubot", False, f"the sandbox at {settings.taubot_api_url} keeps its state in a file, but not "
                                      "with this master key (it was started with another --state file, or the key "
                                      f"expired): {copy}.")
    return Check("taubot", False, f"the sandbox at {settings.taubot_api_url} was restarted without --state, so its "
                                  f"master key changed: {copy}, and start it with --state FILE to keep them from "
                                  "now on.")


def _is_loopback(host: str | None) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def master_key_expiry(master_key: str, now: datetime | None = None) -> Check | None:
    """When the master key expires, from its own claims: a problem once it has, a warning within two weeks;
    None for a key that never expires (v2) or whose claims cannot be read (Taubot's answer says the rest)."""
    try:
        expires_at = read_claims(master_key).expires_at
    except KeyUnreadable:
        return None
    if expires_at is None:
        return None
    left = expires_at - (now or datetime.now(UTC))
    when = f"{expires_at:%Y-%m-%d %H:%M} UTC"
    if left <= timedelta(0):
        return Check("master key", False, f"TAUBOT_MASTER_KEY expired on {when}: linking fails until you put a new "
                                          "one in .env. Ask the Taubot operator for a new master key.")
    days = left.days
    if left < MASTER_KEY_WARNING:
        return Check("master key", True, f"TAUBOT_MASTER_KEY expires on {when} (in {days} day(s)): ask the Taubot "
                                         "operator for a new one now, then put it in .env and restart the bot.",
                     warning=True)
    return Check("master key", True, f"expires on {when} (in {days} days)")


async def _check_application(client: TaubotClient, settings: Settings) -> Check:
    """Where the dialect offers /applications/me, that the master key belongs to TAUBOT_APP_ID (grant links
    name the application: a wrong id would make every one fail)."""
    offered = client.dialect.has_application_endpoint
    try:
        application = await client.get_application()
    except TaubotError as error:
        if offered:
            return Check("application", False, f"could not confirm that the master key belongs to TAUBOT_APP_ID "
                                                f"({error}). Run check again in a minute.")
        return Check("application", True, f"could not read the application's details ({error}); not needed to run")
    if application is None:
        if offered:
            return Check("application", False, "Taubot did not answer /applications/me, so the master key could "
                                                "not be matched to TAUBOT_APP_ID. Run check again in a minute.")
        return Check("application", True, "this Taubot does not offer /applications/me; not needed")
    if application.application_id != str(settings.taubot_app_id):
        return Check("application", False, f"the master key belongs to application {application.application_id}, "
                                            f"but TAUBOT_APP_ID is {settings.taubot_app_id}. Grant links would fail.")
    return Check("application", True, f"“{application.application_name}” in the {application.economy_name} economy"
                                      f" (TAUBOT_APP_ID matches the master key)")


def _capped_link_timeout(settings: Settings, dialect: Dialect) -> Check:
    return Check("links", True, f"LINK_TIMEOUT_MINUTES is {settings.link_timeout_minutes}, but Taubot {dialect} "
                                f"forgets a link after {dialect.max_link_minutes} minutes: links will expire after "
                                f"{dialect.max_link_minutes}. Set LINK_TIMEOUT_MINUTES={dialect.max_link_minutes} or "
                                "less to silence this.", warning=True)


async def check_discord(settings: Settings, make_client: Callable[[], discord.Client], *,
                        login_within: float = DISCORD_LOGIN_TIMEOUT_SECONDS) -> Check:
    client = make_client()
    try:
        async with client:
            await asyncio.wait_for(client.login(settings.discord_token), login_within)
            name, application_id = str(client.user), client.application_id
    except discord.LoginFailure:
        return Check("discord", False, "Discord rejected DISCORD_TOKEN. Reset the token in the Developer Portal "
                                       "(your application → Bot) and paste the new one.")
    except TimeoutError:
        return Check("discord", False, f"Discord gave no usable answer within {login_within:g} s. It may be having "
                                       "trouble (https://discordstatus.com), or something on this network holds "
                                       "the connection. Try again later.")
    except (aiohttp.ClientError, OSError) as error:
        return Check("discord", False, f"cannot reach Discord ({type(error).__name__}). Check the network.")
    except Exception as error:  # a 403, a 5xx, an HTML page from a proxy…: never a traceback
        what = f"HTTP {error.status}" if isinstance(error, discord.HTTPException) else type(error).__name__
        return Check("discord", False, f"unexpected answer from Discord ({what}). Check that this machine can "
                                       "reach https://discord.com (no proxy or captive portal in the way) and "
                                       "https://discordstatus.com, then try again.")
    if application_id is None:  # discord.py learns it at login; a Discord that does not say is not one to trust
        return Check("discord", False, "Discord did not say which application DISCORD_TOKEN belongs to. Try again "
                                       "later.")
    invite = discord.utils.oauth_url(application_id, permissions=INVITE_PERMISSIONS, scopes=INVITE_SCOPES)
    return Check("discord", True, f"logged in as {name}. Invite it with: {invite}")


def _plain_client() -> discord.Client:
    return discord.Client(intents=discord.Intents.none())
