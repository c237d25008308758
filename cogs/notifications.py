"""/notifications: whether a member gets this bot's "X paid you" DMs (Taubot itself may DM account owners too,
so some members want only one of the two).

The choice is the recipient's and needs no link: a member is paid into their personal account whether or not
they linked it. The payer is never told (cogs/pay/confirming.py simply sends no DM): whom a member hears from
is their own business.

One module: the feature has one command and no buttons.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from . import messages
from .deferral import defer_if_slow
from .ui import reply

if TYPE_CHECKING:
    from bot import TaubotBot


class NotificationsCog(commands.Cog, name="Notifications"):
    def __init__(self, bot: TaubotBot):
        self.bot = bot

    @app_commands.command(name="notifications",
                          description="Turn my DMs saying someone paid you on or off, or see how they are set")
    @app_commands.allowed_installs(guilds=True, users=True)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    @app_commands.rename(paid_you="paid-you")
    @app_commands.describe(paid_you="on: I DM you when someone pays you through me (the default); off: I don't")
    async def notifications(self, interaction: discord.Interaction,
                            paid_you: Literal["on", "off"] | None = None) -> None:
        preferences = self.bot.storage.preferences
        user_id = interaction.user.id

        async def choose() -> bool:
            if paid_you is None:
                return await preferences.paid_you_dms(user_id)
            await preferences.set_paid_you_dms(user_id, paid_you == "on")
            return paid_you == "on"

        on = await defer_if_slow(interaction, choose(), after=self.bot.timings.defer_after)
        await reply(interaction, messages.paid_you_dms_setting(on, changed=paid_you is not None))


async def setup(bot: TaubotBot) -> None:
    await bot.add_cog(NotificationsCog(bot))
