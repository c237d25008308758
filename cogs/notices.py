"""Telling a member something outside a command: by DM, or, when their DMs are closed, by a notice stored in
the database and shown once on their next command (any command, in any process).

`tell` is for features (a payment settled after its receipt); `show_waiting_notices` runs after every command
and button (guarded.py).
"""

from __future__ import annotations

import logging

import discord

from storage import DatabaseGone

log = logging.getLogger("taubot_bot.notices")

# Interaction responses after which a private followup can still be sent (not a modal, not autocomplete).
_FOLLOWUP_AFTER = frozenset({
    discord.InteractionResponseType.channel_message,
    discord.InteractionResponseType.deferred_channel_message,
    discord.InteractionResponseType.deferred_message_update,
    discord.InteractionResponseType.message_update,
})


async def tell(client: discord.Client, user_id: int, text: str) -> bool:
    """DM `text` to the member; failing that, keep it for their next command. True if the DM went out."""
    try:
        channel = await client.create_dm(discord.Object(id=user_id))
        await channel.send(text)
        return True
    except discord.HTTPException as error:
        log.info("Could not DM user %s (%s); they will see it on their next command", user_id, error.status)
    storage = getattr(client, "storage", None)
    if storage is not None:
        await storage.notices.post(user_id, text)
    return False


async def show_waiting_notices(interaction: discord.Interaction) -> None:
    """After a handler answered: the member's stored notices, each once, as private followups."""
    storage = getattr(interaction.client, "storage", None)
    if storage is None or interaction.response.type not in _FOLLOWUP_AFTER:
        return
    try:
        waiting = await storage.notices.to_show(interaction.user.id)
        for notice in waiting:
            if not await storage.notices.claim(notice):
                continue  # another command of theirs is showing it
            try:
                await interaction.followup.send(notice.text, ephemeral=True)
            except discord.HTTPException:
                await storage.notices.post(notice.discord_user_id, notice.text)  # next time, then
                return
    except DatabaseGone:
        pass  # the member was just told the bot is unavailable
    except Exception as error:  # never spoil the answer the member already has; the notices wait
        log.warning("Could not show user %s their notices: %r", interaction.user.id, error)
