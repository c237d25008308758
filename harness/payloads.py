"""Discord-shaped JSON: users, members, channels, messages and the INTERACTION_CREATE payloads.

Shapes follow Discord's API v10 documentation for what the gateway delivers, so discord.py parses them with
the same code it uses in production.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000
ALL_PERMISSIONS = str((1 << 51) - 1)
# What a user-installed app may do where the bot itself is not present: answer (send messages, embed links,
# attach files, use external emojis).
APP_PERMISSIONS_ELSEWHERE = str((1 << 11) | (1 << 14) | (1 << 15) | (1 << 18))
# Interaction types (what Discord sends) and context types.
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
# Where an interaction happens (its `context`), and the installations that can authorize it (the keys of
# `authorizing_integration_owners`).
CONTEXT_GUILD, CONTEXT_BOT_DM, CONTEXT_PRIVATE_CHANNEL = 0, 1, 2
GUILD_INSTALL, USER_INSTALL = 0, 1
# Channel types.
GUILD_TEXT, DM, GROUP_DM = 0, 1, 3
# Application command types.
CHAT_INPUT, USER_COMMAND, MESSAGE_COMMAND = 1, 2, 3


class SnowflakeFactory:
    """Increasing, valid snowflakes (their timestamps are 'now'), so ordering and created_at behave. `process`
    (0-31) goes where Discord puts the id of the process that made the snowflake: fake Discords in several OS
    processes (tests/fleet) never make the same id."""

    def __init__(self, process: int = 0) -> None:
        self._sequence = itertools.count()
        self._process = (process % 32) << 12

    def __call__(self) -> int:
        milliseconds = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (milliseconds << 22) | self._process | (next(self._sequence) % 4096)


def iso_now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class FakeUser:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    dms_open: bool = True
    installed_app: bool = False  # added the bot to their own account (user install)

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.global_name or self.username.title(),
            "discriminator": "0",
            "avatar": None,
            "public_flags": 0,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass
class FakeGuild:
    id: int
    name: str
    owner_id: int
    channel_id: int
    channel_name: str = "general"
    member_ids: set[int] = field(default_factory=set)
    app_permissions: str = ALL_PERMISSIONS  # what the bot may do in the channel (the interactions' app_permissions)

    def channel_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.channel_id),
            "type": GUILD_TEXT,
            "guild_id": str(self.id),
            "name": self.channel_name,
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
            "permissions": ALL_PERMISSIONS,
        }

    def member_payload(self, user: FakeUser, *, with_user: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roles": [],
            "joined_at": iso_now(),
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "nick": None,
            "avatar": None,
            "permissions": ALL_PERMISSIONS,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = user.payload()
        return data

    def create_event(self, members: list[FakeUser]) -> dict[str, Any]:
        """A GUILD_CREATE event, so discord.py caches the server, its channel and its members."""
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [{
                "id": str(self.id), "name": "@everyone", "permissions": ALL_PERMISSIONS, "position": 0,
                "color": 0, "hoist": False, "managed": False, "mentionable": False, "flags": 0,
            }],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "unavailable": False,
            "member_count": len(members),
            "large": False,
            "joined_at": iso_now(),
            "channels": [self.channel_payload()],
            "threads": [],
            "members": [self.member_payload(member) for member in members],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }


def dm_channel_payload(channel_id: int, recipient: FakeUser) -> dict[str, Any]:
    return {"id": str(channel_id), "type": DM, "last_message_id": None, "flags": 0,
            "recipients": [recipient.payload()]}


@dataclass
class Place:
    """Where an interaction happens: a channel of a server (one the bot is in, or not), the member's DM with
    the bot, or a private channel (a DM between people, a group DM). `owners` is the interaction's
    authorizing_integration_owners: which installations let the member use the bot here."""

    guild: FakeGuild | None
    channel: dict[str, Any]
    context: int
    owners: dict[str, str]
    bot_is_member: bool = True  # False in a server the bot was not added to, and in private channels

    @property
    def channel_id(self) -> int:
        return int(self.channel["id"])

    @property
    def installations(self) -> set[int]:
        return {int(kind) for kind in self.owners}


def group_dm_payload(channel_id: int, recipients: list[FakeUser]) -> dict[str, Any]:
    """A private channel as an interaction carries it: a DM between two people, or a group DM."""
    kind = DM if len(recipients) == 1 else GROUP_DM
    data: dict[str, Any] = {"id": str(channel_id), "type": kind, "last_message_id": None, "flags": 0,
                            "recipients": [user.payload() for user in recipients]}
    if kind == GROUP_DM:
        data.update(name=None, icon=None, owner_id=str(recipients[0].id))
    return data


def interaction_payload(
    *,
    interaction_id: int,
    token: str,
    application_id: int,
    kind: int,
    user: FakeUser,
    place: Place,
    data: dict[str, Any] | None = None,
    message: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The INTERACTION_CREATE payload Discord sends for `user` acting in `place`."""
    payload: dict[str, Any] = {
        "id": str(interaction_id),
        "application_id": str(application_id),
        "type": kind,
        "token": token,
        "version": 1,
        "locale": "en-US",
        "channel_id": str(place.channel_id),
        "channel": place.channel,
        "app_permissions": place.guild.app_permissions if place.guild is not None else ALL_PERMISSIONS,
        "entitlements": [],
        "attachment_size_limit": 10 * 1024 * 1024,
    }
    if data is not None:
        payload["data"] = data
    if message is not None:
        payload["message"] = message
    payload["context"] = place.context
    payload["authorizing_integration_owners"] = dict(place.owners)
    if place.guild is not None:
        payload["guild_id"] = str(place.guild.id)
        payload["guild_locale"] = "en-US"
        payload["member"] = place.guild.member_payload(user)
        if not place.bot_is_member:  # Discord adds a partial guild where the bot is not a member
            payload["guild"] = {"id": str(place.guild.id), "locale": "en-US", "features": []}
            payload["app_permissions"] = APP_PERMISSIONS_ELSEWHERE
    else:
        payload["user"] = user.payload()
        if not place.bot_is_member:
            payload["app_permissions"] = APP_PERMISSIONS_ELSEWHERE
    return payload


def resolved_users(users: list[FakeUser], guild: FakeGuild | None) -> dict[str, Any]:
    """The `resolved` block Discord adds for user options: users, and members when in a server."""
    resolved: dict[str, Any] = {"users": {str(user.id): user.payload() for user in users}}
    if guild is not None:
        resolved["members"] = {
            str(user.id): guild.member_payload(user, with_user=False)
            for user in users if user.id in guild.member_ids
        }
    return resolved
