"""What a member asked to pay, and the refusals that need no Taubot request: a bad amount or memo, an empty
account name, paying yourself or a bot."""

from __future__ import annotations

from dataclasses import dataclass

import discord

from taubot import AmountError, parse_amount

from .. import messages
from ..memos import MemoRefused, checked_memo


@dataclass(frozen=True)
class PaymentAsk:
    """/pay user, /pay account or the Pay form, as the member filled them in."""

    amount_text: str
    user: discord.User | discord.Member | None = None  # a member to pay (into their personal account)
    account: str | None = None                         # or an account by its name
    memo_text: str | None = None
    source: str | None = None                          # from: one of the member's linked accounts (None: default)

    @property
    def account_name(self) -> str | None:
        return self.account.strip() if self.account is not None else None


@dataclass(frozen=True)
class CheckedAsk:
    cents: int
    memo: str | None


def refusal_of_member(interaction: discord.Interaction, user: discord.User | discord.Member | None) -> str | None:
    """Why `user` cannot be paid (or asked for money) by the member, before any request; None if they can."""
    if user is None:
        return None
    if interaction.context.dm_channel and (user.id == interaction.user.id or user.bot):
        return messages.ONLY_US_IN_THIS_DM
    if user.id == interaction.user.id:
        return messages.PAYING_YOURSELF
    if user.bot:
        return messages.PAYING_A_BOT
    return None


def checked_ask(interaction: discord.Interaction, ask: PaymentAsk, symbol: str) -> CheckedAsk | str:
    """The amount in cents and the memo, or why the payment is refused before any Taubot request."""
    problem = refusal_of_member(interaction, ask.user)
    if ask.user is None and not ask.account_name:
        problem = messages.EMPTY_ACCOUNT_NAME
    if problem is not None:
        return problem
    try:
        return CheckedAsk(parse_amount(ask.amount_text, symbol=symbol), checked_memo(ask.memo_text))
    except (AmountError, MemoRefused) as error:
        return str(error)
