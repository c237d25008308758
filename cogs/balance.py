"""/balance: the caller's own account, or any account by name, read with the caller's grant key.

One module: the feature has no buttons and shows one embed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from storage import LinkedAccount
from taubot import Account, TaubotError

from . import member_names, messages
from .cooldowns import BALANCE_OF_AN_ACCOUNT, member_cooldown
from .deferral import defer_if_slow
from .interaction_log import outcome_of
from .limits import CHOICES, FittedEmbed
from .linked_accounts import chosen_link, linked_account_choices
from .seen_accounts import suggestions
from .ui import ACCOUNT_TYPE_NAMES, INFO, account_name, format_money, owners_named_in, refuse, reply

if TYPE_CHECKING:
    from bot import TaubotBot


class BalanceCog(commands.Cog, name="Balance"):
    def __init__(self, bot: TaubotBot):
        self.bot = bot

    @app_commands.command(name="balance", description="Show your Taubot balance, or an account's")
    @app_commands.allowed_installs(guilds=True, users=True)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    @app_commands.describe(account="An account's exact name (leave empty for your own)")
    @member_cooldown(BALANCE_OF_AN_ACCOUNT)
    async def balance(self, interaction: discord.Interaction,
                      account: app_commands.Range[str, 1, 100] | None = None) -> None:
        name = account.strip() if account is not None else None
        if account is not None and not name:
            await refuse(interaction, messages.EMPTY_ACCOUNT_NAME)
            return
        outcome, answer = await defer_if_slow(interaction, self.look_up(interaction.user.id, name),
                                              after=self.bot.timings.defer_after)
        if isinstance(answer, str):
            await refuse(interaction, answer, outcome=outcome)
        else:
            await reply(interaction, embed=answer)

    @balance.autocomplete("account")
    async def known_accounts(self, interaction: discord.Interaction, current: str
                             ) -> list[app_commands.Choice[str]]:
        """The member's linked accounts, then the accounts they saw in /history or looked up here, then those
        they paid."""
        linked = await linked_account_choices(self.bot.storage.grant_keys, interaction.user.id, current,
                                              personal=False)
        paid = await self.bot.storage.payments.recent_for_payer(interaction.user.id, limit=50)
        seen = self.bot.seen_accounts.of(interaction.user.id)
        others = suggestions([*seen, *(payment.to_account_name for payment in paid)], current)
        shown = {choice.name for choice in linked}
        return [*linked, *(choice for choice in others if choice.name not in shown)][:CHOICES]

    async def look_up(self, user_id: int, name: str | None) -> tuple[str, str | discord.Embed]:
        """The member's own account (name None), one of their linked accounts, or any account by its name, read
        with their key (a linked account's own): ("ok", an embed), or the outcome word and the sentence that
        explains why not."""
        grant_keys = self.bot.storage.grant_keys
        found_link: LinkedAccount | list[LinkedAccount] | None
        if name is None:  # their own account: the default link, read once
            found_link = linked = await grant_keys.get(user_id)
        else:
            found_link = await chosen_link(grant_keys, user_id, name)
            linked = found_link if isinstance(found_link, LinkedAccount) else await grant_keys.get(user_id)
        if linked is None:
            return "not_linked", messages.NOT_LINKED
        try:
            if isinstance(found_link, LinkedAccount):  # by id: the account the link was checked for
                found = await self.bot.taubot.get_account(linked.grant_key, linked.account_id)
            else:
                found = await self.bot.taubot.get_account_by_name(linked.grant_key, name or "")
        except TaubotError as error:
            return outcome_of(error), messages.describe_lookup_failure(error, what="personal account for you",
                                                                       name=name)
        is_own = found.account_id == linked.account_id
        if not is_own:
            self.bot.seen_accounts.note(user_id, [found.account_name])
        owners = owners_named_in([found.account_name])
        if owners:  # a default personal account's name: its owner's name is shown
            await member_names.look_up(self.bot, owners)
        if is_own:
            await self.bot.storage.grant_keys.record_use(linked, balance_visible=found.balance is not None)
        return "ok", balance_embed(found, is_own=is_own, symbol=self.bot.settings.currency_symbol)


def balance_embed(account: Account, *, is_own: bool, symbol: str) -> discord.Embed:
    kind = ACCOUNT_TYPE_NAMES.get(account.account_type, "account")
    embed = FittedEmbed(title=account_name(account.account_name), colour=INFO,
                          description=f"Your {kind}" if is_own else kind.capitalize())
    if account.balance is not None:
        embed.add_field(name="Balance", value=f"**{format_money(account.balance, symbol)}**")
    elif is_own:
        embed.add_field(name="Balance", value=messages.OWN_BALANCE_HIDDEN)
    else:
        embed.add_field(name="Balance", value=messages.OTHER_BALANCE_HIDDEN)
    if account.owner_id is not None and not is_own:
        embed.add_field(name="Owner", value=f"<@{account.owner_id}>")
    return embed


async def setup(bot: TaubotBot) -> None:
    await bot.add_cog(BalanceCog(bot))
