"""The Discord check: an HTTP login with DISCORD_TOKEN (no gateway connection), and the invite link."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import aiohttp
import discord

from config import Settings

from .line import Check

# What the bot needs in a server: reply in channels it is used in, show embeds, attach /history exports.
INVITE_PERMISSIONS = discord.Permissions(send_messages=True, embed_links=True, attach_files=True)
INVITE_SCOPES = ("bot", "applications.commands")
# discord.py retries a 5xx for about 25 s and waits forever on a server that accepts but never answers.
DISCORD_LOGIN_TIMEOUT_SECONDS = 15.0


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


def plain_client() -> discord.Client:
    return discord.Client(intents=discord.Intents.none())
