"""`python bot.py check`: everything a self-hoster can get wrong, one line per check, with the fix.

The checks run in order and later ones need earlier ones (no Taubot check without valid settings). Nothing
here changes anything on Taubot or Discord: the Discord check is an HTTP login without a gateway connection.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import aiohttp
import discord

from config import ConfigError, Settings, load_settings
from storage import DatabaseError, Storage
from taubot import ProtocolError, ServerError, TaubotClient, TaubotError, Unauthorized, Unavailable

# What the bot needs in a server: reply in channels it is used in, show embeds, attach /history exports.
INVITE_PERMISSIONS = discord.Permissions(send_messages=True, embed_links=True, attach_files=True)
INVITE_SCOPES = ("bot", "applications.commands")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str  # what was found, or what is wrong and how to fix it

    def line(self) -> str:
        return f"{'ok     ' if self.ok else 'PROBLEM'}  {self.name:<13} {self.detail}"


async def run_checks(environ: Mapping[str, str], *,
                     make_discord_client: Callable[[], discord.Client] | None = None) -> list[Check]:
    try:
        settings = load_settings(environ)
    except ConfigError as error:
        return [Check("configuration", False, f"{len(error.problems)} problem(s):\n           - "
                                               + "\n           - ".join(error.problems))]
    checks = [Check("configuration", True, "all settings present and well-formed")]
    checks.append(await check_database(settings))
    checks += await check_taubot(settings)
    checks.append(await check_discord(settings, make_discord_client or _plain_client))
    return checks


async def check_database(settings: Settings) -> Check:
    try:
        storage = await Storage.open(settings.database_path, settings.key_encryption_key)
    except DatabaseError as error:
        return Check("database", False, str(error))
    except OSError as error:
        return Check("database", False, f"cannot open {settings.database_path}: {error.strerror}. Check that the "
                                        "folder exists and belongs to the user running the bot.")
    try:
        version = await storage.database.schema_version()
        linked = await storage.grant_keys.count()
        pending = len(await storage.payments.pending())
    finally:
        await storage.close()
    note = f"; {pending} payment(s) to reconcile at the next start" if pending else ""
    return Check("database", True, f"{settings.database_path} (schema {version}, encryption key matches, "
                                   f"{linked} linked member(s){note})")


async def check_taubot(settings: Settings) -> list[Check]:
    timeout = aiohttp.ClientTimeout(total=settings.taubot_timeout_seconds,
                                    connect=settings.taubot_connect_timeout_seconds)
    async with aiohttp.ClientSession() as session:
        client = TaubotClient(session, base_url=settings.taubot_api_url, master_key=settings.taubot_master_key,
                              application_id=settings.taubot_app_id, timeout=timeout)
        try:
            await client.verify_master_key()
        except Unavailable:
            return [Check("taubot", False, f"cannot reach {settings.taubot_api_url}. Check TAUBOT_API_URL and "
                                           "that this machine can connect to it.")]
        except Unauthorized:
            return [Check("taubot", False, "Taubot rejected TAUBOT_MASTER_KEY (unknown or disabled). Ask the "
                                           "Taubot operator for a valid master key.")]
        except ServerError:
            return [Check("taubot", False, "Taubot could not read TAUBOT_MASTER_KEY (it answers 500 to a malformed "
                                           "key). Paste the key again, exactly as issued.")]
        except ProtocolError as error:
            return [Check("taubot", False, f"{error}. Put the application's master key in TAUBOT_MASTER_KEY.")]
        except TaubotError as error:
            return [Check("taubot", False, f"unexpected answer from Taubot: {error}")]
        checks = [Check("taubot", True, f"{settings.taubot_api_url} reachable, master key accepted")]
        try:
            application = await client.get_application()
        except TaubotError as error:
            checks.append(Check("application", True, f"could not read the application's details ({error}); "
                                                     "not needed to run"))
        else:
            if application is None:
                checks.append(Check("application", True, "this Taubot does not offer /applications/me; not needed"))
            elif application.application_id != str(settings.taubot_app_id):
                checks.append(Check("application", False, f"the master key belongs to application "
                                                          f"{application.application_id}, but TAUBOT_APP_ID is "
                                                          f"{settings.taubot_app_id}. Grant links would fail."))
            else:
                checks.append(Check("application", True, f"“{application.application_name}” in the "
                                                         f"{application.economy_name} economy"))
    return checks


async def check_discord(settings: Settings, make_client: Callable[[], discord.Client]) -> Check:
    client = make_client()
    try:
        async with client:
            await client.login(settings.discord_token)
            name, application_id = str(client.user), client.application_id
    except discord.LoginFailure:
        return Check("discord", False, "Discord rejected DISCORD_TOKEN. Reset the token in the Developer Portal "
                                       "(your application → Bot) and paste the new one.")
    except (aiohttp.ClientError, OSError, TimeoutError) as error:
        return Check("discord", False, f"cannot reach Discord ({type(error).__name__}). Check the network.")
    invite = discord.utils.oauth_url(application_id, permissions=INVITE_PERMISSIONS, scopes=INVITE_SCOPES)
    return Check("discord", True, f"logged in as {name}. Invite it with: {invite}")


def _plain_client() -> discord.Client:
    return discord.Client(intents=discord.Intents.none())
