"""The two invite links `check` prints: adding the bot to a server, and members adding it to their own account.

Both need only the application's id, which the first part of a bot token carries (the bot user's id in base64,
the same as the application's for every application made since 2016), so they can be printed when Discord
cannot be asked."""

from __future__ import annotations

import base64

import discord

from .line import Check

# What the bot needs in a server: reply in channels it is used in, show embeds, attach /history exports.
INVITE_PERMISSIONS = discord.Permissions(send_messages=True, embed_links=True, attach_files=True)
SERVER_SCOPES = ("bot", "applications.commands")  # the bot user joins, so it can DM the server's members
USER_SCOPES = ("applications.commands",)  # a user install has no bot user, only the commands
SERVER_INSTALL, USER_INSTALL = 0, 1  # Discord's integration_type
MAX_SNOWFLAKE = 2**64


def application_id_in_token(token: str) -> int | None:
    """The application id a bot token names in its first part; None if that part is not one."""
    first = token.split(".", 1)[0]
    try:
        text = base64.urlsafe_b64decode(first + "=" * (-len(first) % 4)).decode("ascii")
    except ValueError:  # binascii.Error and UnicodeDecodeError are both ValueErrors
        return None
    return int(text) if text.isdigit() and 0 < int(text) < MAX_SNOWFLAKE else None


def server_invite(application_id: int) -> str:
    url = discord.utils.oauth_url(application_id, permissions=INVITE_PERMISSIONS, scopes=SERVER_SCOPES)
    return f"{url}&integration_type={SERVER_INSTALL}"


def user_install(application_id: int) -> str:
    return f"{discord.utils.oauth_url(application_id, scopes=USER_SCOPES)}&integration_type={USER_INSTALL}"


def invite_lines(application_id: int, *, confirmed: bool) -> list[Check]:
    source = "" if confirmed else " (application ID read from DISCORD_TOKEN)"
    return [
        Check("invite", True, f"add the bot to a server{source}: {server_invite(application_id)}"),
        Check("user install", True, f"members add it to their own Discord account{source}; needs User Install "
                                    f"(Developer Portal → Installation): {user_install(application_id)}"),
    ]
