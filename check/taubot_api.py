"""The Taubot checks: which dialect answers at TAUBOT_API_URL (asked without a key first), that it accepts the
master key as one, when that key expires, and that TAUBOT_APP_ID is the application grant links will name."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
from yarl import URL

from config import DEFAULT_API_URL, Settings
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

from .line import Check
from .sandbox_key import sandbox_key_changed

# A master key that expires sooner than this is worth renewing now (v2.1's live 60 days).
MASTER_KEY_WARNING = timedelta(days=14)


async def check_taubot(settings: Settings) -> AsyncIterator[Check]:
    timeout = aiohttp.ClientTimeout(total=settings.taubot_timeout_seconds,
                                    connect=settings.taubot_connect_timeout_seconds)
    async with aiohttp.ClientSession() as session:
        found, dialect = await _dialect(session, settings, timeout)
        yield found
        if dialect is None or not settings.has_taubot_credentials:  # the configuration line says they are to come
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
                                      f"application/json. {_api_base_advice(settings.taubot_api_url)}"), None
    pinned = settings.taubot_api_dialect
    if pinned != AUTO and pinned != found.name:
        return Check("dialect", False, f"TAUBOT_API_DIALECT pins {pinned}, but {settings.taubot_api_url} speaks "
                                       f"Taubot {found}. Set TAUBOT_API_DIALECT=auto (or {found})."), None
    how = "pinned by TAUBOT_API_DIALECT; the server agrees" if pinned != AUTO else "detected"
    return Check("dialect", True, f"Taubot {found} ({how})"), found


def _api_base_advice(url: str) -> str:
    if not URL(url).path.rstrip("/").endswith("/api"):  # the likeliest slip: the site's address, not its API's
        return f"The API base ends in /api: try TAUBOT_API_URL={url.rstrip('/')}/api"
    return f"Set it to the API base, e.g. {DEFAULT_API_URL}"


async def _check_master_key(client: TaubotClient, settings: Settings) -> Check:
    try:
        await client.verify_master_key()
    except Unavailable:
        return _unreachable(settings)
    except KeyExpired as error:
        return Check("taubot", False, f"TAUBOT_MASTER_KEY expired on {error.expired_at:%Y-%m-%d %H:%M} UTC. Ask "
                                      "the Taubot operator for a new master key.")
    except Unauthorized:
        return await sandbox_key_changed(settings) or Check(
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
    """That TAUBOT_APP_ID is the application grant links must name (a wrong id makes every one fail): matched to
    the master key where Taubot offers /applications/me (v2.1), else asked of the grant page (v2)."""
    offered = client.dialect.has_application_endpoint
    try:
        application = await client.get_application()
    except TaubotError as error:
        if offered:
            return Check("application", False, f"could not confirm that the master key belongs to TAUBOT_APP_ID "
                                                f"({error}). Run check again in a minute.")
        application = None
    if application is None:
        if client.dialect.grant_page_checks_application:
            return await _application_on_grant_page(client, settings)
        return Check("application", False, "Taubot did not answer /applications/me, so the master key could "
                                            "not be matched to TAUBOT_APP_ID. Run check again in a minute.")
    if application.application_id != str(settings.taubot_app_id):
        return Check("application", False, f"the master key belongs to application {application.application_id}, "
                                            f"but TAUBOT_APP_ID is {settings.taubot_app_id}. Grant links would fail.")
    return Check("application", True, f"“{application.application_name}” in the {application.economy_name} economy"
                                      f" (TAUBOT_APP_ID matches the master key)")


async def _application_on_grant_page(client: TaubotClient, settings: Settings) -> Check:
    try:
        known = await client.grant_page_knows_application()
    except TaubotError as error:
        return Check("application", False, f"could not ask Taubot's grant page about TAUBOT_APP_ID ({error}). Run "
                                            "check again in a minute.")
    if not known:
        return Check("application", False, f"Taubot knows no application {settings.taubot_app_id}: its grant page "
                                            "refuses TAUBOT_APP_ID, so every grant link would fail. Put the "
                                            "application ID that came with the master key in TAUBOT_APP_ID.")
    return Check("application", True, "Taubot's grant page accepts TAUBOT_APP_ID (Taubot v2 cannot say whether the "
                                      "master key is that application's)")


def _capped_link_timeout(settings: Settings, dialect: Dialect) -> Check:
    return Check("links", True, f"LINK_TIMEOUT_MINUTES is {settings.link_timeout_minutes}, but Taubot {dialect} "
                                f"forgets a link after {dialect.max_link_minutes} minutes: links will expire after "
                                f"{dialect.max_link_minutes}. Set LINK_TIMEOUT_MINUTES={dialect.max_link_minutes} or "
                                "less to silence this.", warning=True)

