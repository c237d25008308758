"""/balance: the caller's own account, or any account by name, read with the caller's grant key."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from taubot import Account, TaubotError

from .common import (
    ACCOUNT_TYPE_NAMES,
    DEFER_AFTER_SECONDS,
    INFO,
    NOT_LINKED,
    RELINK_FOR_VIEW_BALANCE,
    defer_if_slow,
    describe_lookup_failure,
    money,
    outcome_of,
    refuse,
    reply,
)

if TYPE_CHECKING:
    from bot import TaubotBot

log = logging.getLogger("taubot_bot.balance")


class BalanceCog(commands.Cog, name="Balance"):
    def __init__(self, bot: TaubotBot):
        self.bot = bot
        self.defer_after = DEFER_AFTER_SECONDS  # tests shorten it to see a slow answer deferred

    @app_commands.command(name="balance", description="Show your Taubot balance, or an account's")
    @app_commands.describe(account="An account's exact name (leave empty for your own)")
    async def balance(self, interaction: discord.Interaction,
                      account: app_commands.Range[str, 1, 100] | None = None) -> None:
        name = account.strip() if account is not None else None
        if account is not None and not name:
            await refuse(interaction, "That account name is empty. Give the account's exact name.")
            return
        outcome, answer = await defer_if_slow(interaction, self.look_up(interaction.user.id, name),
                                              after=self.defer_after)
        if isinstance(answer, str):
            await refuse(interaction, answer, outcome=outcome)
        else:
            await reply(interaction, embed=answer)

    async def look_up(self, user_id: int, name: str | None) -> tuple[str, str | discord.Embed]:
        """The member's own account (name None) or the named one, read with their key: ("ok", an embed), or
        the outcome word and the sentence that explains why not."""
        linked = await self.bot.storage.grant_keys.get(user_id)
        if linked is None:
            return "not_linked", NOT_LINKED
        try:
            if name is None:
                found = await self.bot.taubot.get_my_account(linked.grant_key)
            else:
                found = await self.bot.taubot.get_account_by_name(linked.grant_key, name)
        except TaubotError as error:
            return outcome_of(error), describe_lookup_failure(error, what="personal account for you", name=name)
        is_own = found.account_id == linked.account_id
        if is_own:
            await self.bot.storage.grant_keys.record_use(linked, balance_visible=found.balance is not None)
        return "ok", self.render(found, is_own=is_own)

    def render(self, account: Account, *, is_own: bool) -> discord.Embed:
        kind = ACCOUNT_TYPE_NAMES.get(account.account_type, "account")
        embed = discord.Embed(title=discord.utils.escape_markdown(account.account_name), colour=INFO,
                              description=f"Your {kind}" if is_own else kind.capitalize())
        if account.balance is not None:
            embed.add_field(name="Balance", value=f"**{money(self.bot, account.balance)}**")
        elif is_own:
            embed.add_field(name="Balance", value=f"Hidden: your link does not allow viewing this balance. "
                                                  f"{RELINK_FOR_VIEW_BALANCE}")
        else:
            embed.add_field(name="Balance", value="Hidden: your link does not allow viewing this account's "
                                                  "balance.")
        if account.owner_id is not None and not is_own:
            embed.add_field(name="Owner", value=f"<@{account.owner_id}>")
        return embed


async def setup(bot: TaubotBot) -> None:
    await bot.add_cog(BalanceCog(bot))
