"""Where a member can use the bot, as Discord decides it: the interaction's context, the installations that
authorize it (`authorizing_integration_owners`), and whether Discord would offer a command there at all.

Discord's rules modelled here: a server where the bot was added authorizes through the server install (the
guild's id) and, if the member added the bot to their account, the user install too; the DM with the bot
through the server install ("0") for a member who shares a server with it, and the user install; a server the
bot was not added to, and private channels (DMs between people, group DMs), only through the user install. A
command is offered where its `contexts` include the place's context and its `integration_types` include an
installation that authorizes it.
"""

from __future__ import annotations

from typing import Any

from .payloads import (
    CONTEXT_BOT_DM,
    CONTEXT_GUILD,
    CONTEXT_PRIVATE_CHANNEL,
    GUILD_INSTALL,
    USER_INSTALL,
    FakeGuild,
    FakeUser,
    Place,
    dm_channel_payload,
    group_dm_payload,
)

CONTEXT_WORDS = {CONTEXT_GUILD: "in servers", CONTEXT_BOT_DM: "in DMs with the bot",
                 CONTEXT_PRIVATE_CHANNEL: "in private channels"}


def _user_install(user: FakeUser) -> dict[str, str]:
    return {str(USER_INSTALL): str(user.id)} if user.installed_app else {}


def server_place(guild: FakeGuild, user: FakeUser, *, bot_is_member: bool) -> Place:
    owners = {str(GUILD_INSTALL): str(guild.id)} if bot_is_member else {}
    return Place(guild, guild.channel_payload(), CONTEXT_GUILD, {**owners, **_user_install(user)},
                 bot_is_member=bot_is_member)


def bot_dm_place(channel_id: int, user: FakeUser, *, shares_a_server: bool) -> Place:
    owners = {str(GUILD_INSTALL): "0"} if shares_a_server else {}
    return Place(None, dm_channel_payload(channel_id, user), CONTEXT_BOT_DM, {**owners, **_user_install(user)})


def private_channel_place(channel_id: int, user: FakeUser, others: list[FakeUser]) -> Place:
    return Place(None, group_dm_payload(channel_id, others), CONTEXT_PRIVATE_CHANNEL, _user_install(user),
                 bot_is_member=False)


def why_not_offered(schema: dict[str, Any], place: Place) -> str | None:
    """Why Discord would not offer this command (its registered schema) in `place`; None if it would."""
    name = schema["name"]
    contexts = schema.get("contexts")
    if contexts is not None and place.context not in contexts:
        return f"{name} is not available {CONTEXT_WORDS[place.context]}, so Discord would not offer it there"
    installs = schema.get("integration_types") or [GUILD_INSTALL]
    if not place.installations & set(installs):
        return (f"{name} is not installed for this member here (installations {sorted(place.installations)}, the "
                f"command's {installs}), so Discord would not offer it")
    return None
