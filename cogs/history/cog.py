"""/history: the command, the counterparties looked up for it, and the page views kept for Previous/Next."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from taubot import TaubotError, Transaction

from .. import member_names, messages
from ..cooldowns import HISTORY, member_cooldown
from ..interaction_log import outcome_of
from ..limits import FittedEmbed
from ..linked_accounts import chosen_link_or_explain, linked_account_choices
from ..ui import INFO, account_name, owners_named_in, refuse, reply
from .buttons import PageTurner, pager
from .counterparties import KnownAccounts
from .export import as_csv
from .rows import HistoryRow, direction_of, other_side

if TYPE_CHECKING:
    from bot import TaubotBot

PER_PAGE = 10
MAX_SESSIONS = 500  # page views kept in memory; older ones answer "expired"


@dataclass
class HistorySession:
    owner_id: int
    account_name: str
    rows: list[HistoryRow]

    @property
    def page_count(self) -> int:
        return max(1, -(-len(self.rows) // PER_PAGE))


class HistoryCog(commands.Cog, PageTurner, name="History"):
    def __init__(self, bot: TaubotBot):
        self.bot = bot
        self.sessions: dict[str, HistorySession] = {}
        self.known_accounts = KnownAccounts(bot.timings.clock)

    @app_commands.command(name="history", description="Show your recent Taubot transactions")
    @app_commands.allowed_installs(guilds=True, users=True)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    @app_commands.describe(limit="How many transactions (1–100, default 25)",
                           export="Also attach them as a CSV file",
                           account="Which of your linked accounts (default: your personal account)")
    @member_cooldown(HISTORY)
    async def history(self, interaction: discord.Interaction, limit: app_commands.Range[int, 1, 100] = 25,
                      export: bool = False, account: app_commands.Range[str, 1, 100] | None = None) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        linked = await chosen_link_or_explain(self.bot.storage.grant_keys, interaction, account)
        if linked is None:
            return
        try:
            transactions = await self.bot.taubot.get_transactions(linked.grant_key, linked.account_id, limit=limit)
        except TaubotError as error:
            await refuse(interaction, messages.describe_history_failure(error), outcome=outcome_of(error))
            return
        await self.bot.storage.grant_keys.record_use(linked, balance_visible=True)
        rows = await self._rows(linked.grant_key, linked.account_id, transactions[:limit])
        self.bot.seen_accounts.note(interaction.user.id, [row.counterparty.account_name for row in rows
                                                          if row.counterparty is not None])
        session_id = uuid.uuid4().hex
        session = HistorySession(interaction.user.id, linked.account_name, rows)
        self._remember(session_id, session)
        symbol = self.bot.settings.currency_symbol
        file = discord.File(io.BytesIO(as_csv(rows, symbol).encode()), filename="taubot-history.csv") if export \
            else None
        await reply(interaction, embed=self._page(session, 0),
                    view=pager(session.owner_id, session_id, 0, session.page_count), file=file)

    async def _rows(self, grant_key: str, own_id: str, transactions: list[Transaction]) -> list[HistoryRow]:
        """Each transaction with its counterparty's account (see counterparties.py)."""
        counterparty_ids = sorted({other_side(entry, own_id) for entry in transactions} - {own_id})
        accounts = await self.known_accounts.look_up(self.bot.taubot, grant_key, counterparty_ids)
        await member_names.look_up(self.bot, owners_named_in(account.account_name for account in accounts.values()))
        memos = await self.bot.storage.payments.memos_of(entry.identity for entry in transactions)
        return [HistoryRow(entry, direction_of(entry, own_id), other_side(entry, own_id),
                           accounts.get(other_side(entry, own_id)), memos.get(entry.identity))
                for entry in transactions]

    @history.autocomplete("account")
    async def linked_accounts(self, interaction: discord.Interaction, current: str
                              ) -> list[app_commands.Choice[str]]:
        return await linked_account_choices(self.bot.storage.grant_keys, interaction.user.id, current)

    def _remember(self, session_id: str, session: HistorySession) -> None:
        self.sessions[session_id] = session
        while len(self.sessions) > MAX_SESSIONS:
            self.sessions.pop(next(iter(self.sessions)))

    def _page(self, session: HistorySession, page: int) -> discord.Embed:
        embed = FittedEmbed(title=f"History of {account_name(session.account_name)}", colour=INFO)
        chunk = session.rows[page * PER_PAGE:(page + 1) * PER_PAGE]
        symbol = self.bot.settings.currency_symbol
        embed.description = "\n".join(row.line(symbol) for row in chunk) or "No transactions yet."
        embed.set_footer(text=f"Page {page + 1} of {session.page_count} · newest first")
        return embed

    async def turn_page(self, interaction: discord.Interaction, session_id: str, page: int) -> None:
        session = self.sessions.get(session_id)
        if session is None:
            await interaction.response.edit_message(content=messages.HISTORY_EXPIRED, embed=None, view=None)
            return
        page = max(0, min(page, session.page_count - 1))
        await interaction.response.edit_message(embed=self._page(session, page),
                                                view=pager(session.owner_id, session_id, page, session.page_count))
