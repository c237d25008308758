"""/history: the caller's recent transactions as paged embeds, optionally as a CSV file."""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from taubot import Account, TaubotError, Transaction, Unauthorized, format_decimal

from .common import (
    INFO,
    account_label,
    describe_lookup_failure,
    linked_account_or_explain,
    money,
    outcome_of,
    refuse,
    reply,
    timestamp,
)
from .interactions import PrefixedButton

if TYPE_CHECKING:
    from bot import TaubotBot

log = logging.getLogger("taubot_bot.history")

HISTORY_COG = "History"
PER_PAGE = 10
MAX_SESSIONS = 500  # page views kept in memory; older ones answer "expired"
LOOKUP_CONCURRENCY = 8  # counterparty lookups in flight at once, per command
# Taubot answers 401 both for a revoked link and for one without VIEW BALANCE; it can't tell us which.
HISTORY_REFUSED = ("Taubot refused to show your history, either because your link doesn't allow viewing your "
                   "balance or because it was revoked: run /link-account again and tick VIEW BALANCE.")


@dataclass(frozen=True)
class HistoryRow:
    transaction: Transaction
    direction: str  # "sent", "received", "self" or "none" (a zero entry: nothing moved)
    counterparty_id: str
    counterparty: Account | None

    @property
    def amount(self) -> int:
        """What moved, as a positive number; the direction says which way."""
        return abs(self.transaction.amount)

    def line(self, bot: TaubotBot) -> str:
        other = account_label(self.counterparty) if self.counterparty else f"account `{self.counterparty_id[:8]}…`"
        amount = f"**{money(bot, self.amount)}**"
        when = timestamp(self.transaction.timestamp, "f")
        if self.direction == "sent":
            return f"{when} · Sent {amount} to {other}"
        if self.direction == "received":
            return f"{when} · Received {amount} from {other}"
        if self.direction == "none":
            return f"{when} · A transfer of {amount} with {other} (nothing moved)"
        return f"{when} · Moved {amount} within your own account"


def direction_of(entry: Transaction, own_id: str) -> str:
    """Which way money moved for `own_id`. Taubot logs zero and negative amounts, and a negative amount
    moves money from `to_account` to `from_account`."""
    if entry.from_account == own_id and entry.to_account == own_id:
        return "self"
    if entry.amount == 0:
        return "none"
    sent = (entry.from_account == own_id) == (entry.amount > 0)
    return "sent" if sent else "received"


@dataclass
class HistorySession:
    owner_id: int
    account_name: str
    rows: list[HistoryRow]

    @property
    def page_count(self) -> int:
        return max(1, -(-len(self.rows) // PER_PAGE))


class HistoryCog(commands.Cog, name=HISTORY_COG):
    def __init__(self, bot: TaubotBot):
        self.bot = bot
        self.sessions: dict[str, HistorySession] = {}

    @app_commands.command(name="history", description="Show your recent Taubot transactions")
    @app_commands.describe(limit="How many transactions (1–100, default 25)",
                           export="Also attach them as a CSV file")
    async def history(self, interaction: discord.Interaction, limit: app_commands.Range[int, 1, 100] = 25,
                      export: bool = False) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        linked = await linked_account_or_explain(self.bot, interaction)
        if linked is None:
            return
        try:
            transactions = await self.bot.taubot.get_transactions(linked.grant_key, linked.account_id, limit=limit)
        except Unauthorized:
            await refuse(interaction, HISTORY_REFUSED)
            return
        except TaubotError as error:
            await refuse(interaction, describe_lookup_failure(error, what="transaction log for your account"),
                         outcome=outcome_of(error))
            return
        await self.bot.storage.grant_keys.record_use(linked, balance_visible=True)
        rows = await self._rows(linked.grant_key, linked.account_id, transactions[:limit])
        session_id = uuid.uuid4().hex
        session = HistorySession(interaction.user.id, linked.account_name, rows)
        self._remember(session_id, session)
        file = discord.File(io.BytesIO(self._csv(rows).encode()), filename="taubot-history.csv") if export else None
        await reply(interaction, embed=self._page(session, 0), view=self._pager(session_id, session, 0), file=file)

    async def _rows(self, grant_key: str, own_id: str, transactions: list[Transaction]) -> list[HistoryRow]:
        """Each transaction with its counterparty's account, looked up once per account, a few at a time."""
        def other_side(entry: Transaction) -> str:
            return entry.to_account if entry.from_account == own_id else entry.from_account

        counterparty_ids = sorted({other_side(entry) for entry in transactions} - {own_id})
        # Concurrent, but capped: a history with 100 counterparties must not fire 100 requests at Taubot at once.
        gate = asyncio.Semaphore(LOOKUP_CONCURRENCY)

        async def look_up(account_id: str) -> Account:
            async with gate:
                return await self.bot.taubot.get_account(grant_key, account_id)

        found = await asyncio.gather(*(look_up(account_id) for account_id in counterparty_ids),
                                     return_exceptions=True)
        accounts = {account_id: result for account_id, result in zip(counterparty_ids, found, strict=True)
                    if isinstance(result, Account)}
        return [HistoryRow(entry, direction_of(entry, own_id), other_side(entry), accounts.get(other_side(entry)))
                for entry in transactions]

    def _remember(self, session_id: str, session: HistorySession) -> None:
        self.sessions[session_id] = session
        while len(self.sessions) > MAX_SESSIONS:
            self.sessions.pop(next(iter(self.sessions)))

    def _page(self, session: HistorySession, page: int) -> discord.Embed:
        embed = discord.Embed(title=f"History of {discord.utils.escape_markdown(session.account_name)}",
                              colour=INFO)
        chunk = session.rows[page * PER_PAGE:(page + 1) * PER_PAGE]
        embed.description = "\n".join(row.line(self.bot) for row in chunk) or "No transactions yet."
        embed.set_footer(text=f"Page {page + 1} of {session.page_count} · newest first")
        return embed

    def _pager(self, session_id: str, session: HistorySession, page: int) -> discord.ui.View:
        view = discord.ui.View(timeout=None)
        if session.page_count > 1:
            view.add_item(PageButton.for_page(session.owner_id, session_id, page - 1, "Previous",
                                              disabled=page == 0))
            view.add_item(PageButton.for_page(session.owner_id, session_id, page + 1, "Next",
                                              disabled=page + 1 >= session.page_count))
        return view

    async def turn_page(self, interaction: discord.Interaction, session_id: str, page: int) -> None:
        session = self.sessions.get(session_id)
        if session is None:
            await interaction.response.edit_message(
                content="This history view has expired. Run /history again.", embed=None, view=None)
            return
        page = max(0, min(page, session.page_count - 1))
        await interaction.response.edit_message(embed=self._page(session, page),
                                                view=self._pager(session_id, session, page))

    def _csv(self, rows: list[HistoryRow]) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["time_utc", "direction", "amount", "currency", "counterparty", "counterparty_account_id"])
        for row in rows:
            name = row.counterparty.account_name if row.counterparty else ""
            writer.writerow([row.transaction.timestamp.isoformat(), row.direction,
                             format_decimal(row.amount), self.bot.settings.currency_symbol,
                             _spreadsheet_safe(name), row.counterparty_id])
        return out.getvalue()


def _spreadsheet_safe(text: str) -> str:
    """Keep spreadsheets from running an account name like '=HYPERLINK(…)' as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


class PageButton(PrefixedButton, discord.ui.DynamicItem[discord.ui.Button],
                 template=r"history:page:(?P<argument>\d+:[0-9a-f]{32}:-?\d+:\w+)"):
    """Previous/Next; the argument is `<owner>:<session>:<page>:<label>` (the label keeps the two apart)."""

    prefix = "history:page"
    not_yours = "Only the member who ran /history can turn its pages."

    def __init__(self, argument: str, *, disabled: bool = False):
        owner, self.session_id, page, self.label = argument.split(":")
        self._owner_id, self.page = int(owner), int(page)
        super().__init__(argument, disabled=disabled)

    @property
    def owner_id(self) -> int:
        return self._owner_id

    @classmethod
    def for_page(cls, owner_id: int, session_id: str, page: int, label: str, *, disabled: bool) -> PageButton:
        return cls(f"{owner_id}:{session_id}:{page}:{label}", disabled=disabled)


    async def handle(self, interaction: discord.Interaction) -> None:
        cog: HistoryCog = interaction.client.get_cog(HISTORY_COG)  # type: ignore[assignment]
        await cog.turn_page(interaction, self.session_id, self.page)


async def setup(bot: TaubotBot) -> None:
    await bot.add_cog(HistoryCog(bot))
    bot.add_dynamic_items(PageButton)
