"""/help: what the bot does, its commands (read from the real command tree, so the list stays true), how
linking works, what the spending limit means, and the Share button on receipts. One private message, and no
Taubot request.

One module: the feature has one command and one embed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from . import messages
from .limits import FittedEmbed
from .ui import INFO, account_name, format_money, reply

if TYPE_CHECKING:
    from bot import TaubotBot


class HelpCog(commands.Cog, name="Help"):
    def __init__(self, bot: TaubotBot):
        self.bot = bot

    @app_commands.command(name="help", description="What this bot does, its commands, and how linking works")
    @app_commands.allowed_installs(guilds=True, users=True)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def help(self, interaction: discord.Interaction) -> None:
        linked = await self.bot.storage.grant_keys.get(interaction.user.id)
        status = messages.help_linked(account_name(linked.account_name)) if linked else messages.HELP_NOT_LINKED
        embed = FittedEmbed(title=messages.HELP_TITLE, colour=INFO, description=(
            f"{messages.HELP_INTRO}\n{status}\n\n**Commands**\n" + "\n".join(command_lines(self.bot.tree))))
        embed.add_field(name="Linking", value=messages.HELP_LINKING, inline=False)
        example = format_money(messages.LIMIT_EXAMPLE_CENTS, self.bot.settings.currency_symbol)
        embed.add_field(name="Spending limit", value=messages.help_spending_limit(example, self._zero_unlimited()),
                        inline=False)
        embed.add_field(name="Sharing a payment", value=messages.HELP_SHARING, inline=False)
        await reply(interaction, embed=embed)

    def _zero_unlimited(self) -> bool | None:
        """Whether this Taubot reads a limit of 0 as "no limit"; None while its version is not known (asking
        would cost a request, and the help's other sentences hold on both)."""
        try:
            return self.bot.taubot.dialect.limit_zero_means_unlimited
        except RuntimeError:
            return None


def command_lines(tree: app_commands.CommandTree) -> list[str]:
    """'`/pay user amount to` Pay a member…' for each slash command (each subcommand of a group), then the
    Apps-menu commands with the sentence they carry in extras["help"]."""
    lines = []
    for command in tree.get_commands(type=discord.AppCommandType.chat_input):
        leaves = [c for c in command.walk_commands() if isinstance(c, app_commands.Command)] \
            if isinstance(command, app_commands.Group) else [command]
        for leaf in leaves:
            usage = " ".join([f"/{leaf.qualified_name}", *(p.display_name if p.required else f"[{p.display_name}]"
                                                           for p in leaf.parameters)])
            lines.append(f"`{usage}` {leaf.description}")
    for menu in tree.get_commands(type=discord.AppCommandType.user):
        lines.append(f"**Apps → {menu.name}** (right-click a member) {menu.extras.get('help', '')}".rstrip())
    return lines


async def setup(bot: TaubotBot) -> None:
    await bot.add_cog(HelpCog(bot))
