"""The Discord check: an HTTP login with DISCORD_TOKEN (no gateway connection), then the invite links."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import aiohttp
import discord

from config import Settings

from .invites import application_id_in_token, invite_lines
from .line import Check

# discord.py retries a 5xx for about 25 s and waits forever on a server that accepts but never answers.
DISCORD_LOGIN_TIMEOUT_SECONDS = 15.0


async def check_discord(settings: Settings, make_client: Callable[[], discord.Client], *,
                        login_within: float = DISCORD_LOGIN_TIMEOUT_SECONDS) -> AsyncIterator[Check]:
    """The login line, then the invite links: with the application id Discord gave, or, when Discord could not
    be asked, the one in the token (a token Discord rejected gets none: a fresh one comes first)."""
    login, application_id = await _log_in(settings, make_client, login_within)
    yield login
    if application_id is not None:
        for line in invite_lines(application_id, confirmed=login.ok):
            yield line


async def _log_in(settings: Settings, make_client: Callable[[], discord.Client], login_within: float
                  ) -> tuple[Check, int | None]:
    client = make_client()
    from_token = application_id_in_token(settings.discord_token)
    try:
        async with client:
            await asyncio.wait_for(client.login(settings.discord_token), login_within)
            name, application_id = str(client.user), client.application_id
    except discord.LoginFailure:
        return Check("discord", False, "Discord rejected DISCORD_TOKEN. Reset the token in the Developer Portal "
                                       "(your application → Bot) and paste the new one."), None
    except TimeoutError:
        return Check("discord", False, f"Discord gave no usable answer within {login_within:g} s. It may be having "
                                       "trouble (https://discordstatus.com), or something on this network holds "
                                       "the connection. Try again later."), from_token
    except (aiohttp.ClientError, OSError) as error:
        return Check("discord", False, f"cannot reach Discord ({type(error).__name__}). Check the network."), \
            from_token
    except Exception as error:  # a 403, a 5xx, an HTML page from a proxy…: never a traceback
        what = f"HTTP {error.status}" if isinstance(error, discord.HTTPException) else type(error).__name__
        return Check("discord", False, f"unexpected answer from Discord ({what}). Check that this machine can "
                                       "reach https://discord.com (no proxy or captive portal in the way) and "
                                       "https://discordstatus.com, then try again."), from_token
    if application_id is None:  # discord.py learns it at login; a Discord that does not say is not one to trust
        return Check("discord", False, "Discord did not say which application DISCORD_TOKEN belongs to. Try again "
                                       "later."), from_token
    return Check("discord", True, f"logged in as {name} (application {application_id})"), application_id


def plain_client() -> discord.Client:
    return discord.Client(intents=discord.Intents.none())
