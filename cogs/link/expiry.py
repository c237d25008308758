"""One DM per grant key, a week before Taubot stops accepting it (v2.1's keys expire), with a button to relink.

Each reminder is claimed in the database before it is sent, so a restart or a second bot process never sends
it twice; one that Discord failed to deliver (other than closed DMs) is released and tried again later.
"""

from __future__ import annotations

import enum
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import discord

from storage import ExpiringLink

from .buttons import relink_buttons
from .embeds import expiry_reminder

if TYPE_CHECKING:
    from bot import TaubotBot

log = logging.getLogger("taubot_bot.link")

REMIND_BEFORE = timedelta(days=7)
REMINDERS_PER_ROUND = 50  # Discord rate-limits DMs; the rest wait for the next round


class Delivery(enum.Enum):
    SENT = "sent"
    GAVE_UP = "gave_up"      # never to be sent (closed DMs)
    TRY_LATER = "try_later"  # Discord failed this time


class ExpiryReminders:
    def __init__(self, bot: TaubotBot):
        self.bot = bot

    async def send_due(self, at: datetime) -> int:
        """DM every member whose key expires within a week of `at` (or has expired) and who has not been
        reminded about that key; return how many reminders went out."""
        grant_keys = self.bot.storage.grant_keys
        sent = 0
        for link in await grant_keys.expiring_before(at + REMIND_BEFORE, limit=REMINDERS_PER_ROUND):
            if not await grant_keys.claim_expiry_reminder(link):
                continue  # another process took it, or the key was replaced meanwhile
            outcome = await self._send(link, at)
            if outcome is Delivery.TRY_LATER:
                await grant_keys.release_expiry_reminder(link)
            sent += outcome is Delivery.SENT
        return sent

    async def _send(self, link: ExpiringLink, at: datetime) -> Delivery:
        try:
            channel = await self.bot.create_dm(discord.Object(id=link.discord_user_id))
            await channel.send(embed=expiry_reminder(link.account_name, link.key_expires_at, at),
                               view=relink_buttons(link.discord_user_id, link.account_id))
        except discord.Forbidden:
            # Asking again would not open them; /link-status still shows the expiry.
            log.info("Could not remind user %s that their link expires: their DMs are closed", link.discord_user_id)
            return Delivery.GAVE_UP
        except discord.HTTPException as error:
            log.info("Could not remind user %s that their link expires (%s); trying later", link.discord_user_id,
                     error.status)
            return Delivery.TRY_LATER
        log.info("Reminded user %s that their link expires %s", link.discord_user_id,
                 link.key_expires_at.isoformat())
        return Delivery.SENT
