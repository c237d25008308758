"""What a member asked for with /request, and the refusals that need nothing stored and no Taubot request:
asking yourself or a bot, a bad amount (anything /pay could not send either, so no request can ask for what
could never be paid) or a bad memo."""

from __future__ import annotations

from dataclasses import dataclass

import discord

from taubot import AmountError, parse_amount

from .. import messages
from ..memos import MemoRefused, checked_memo


@dataclass(frozen=True)
class CheckedRequest:
    cents: int
    memo: str | None


def checked_request(requester: discord.abc.User, payer: discord.abc.User, amount_text: str, memo_text: str | None,
                    symbol: str) -> CheckedRequest | str:
    """The amount in cents and the memo, or the sentence saying why the request cannot be made."""
    if payer.id == requester.id:
        return messages.REQUEST_FROM_YOURSELF
    if payer.bot:
        return messages.REQUEST_FROM_A_BOT
    try:
        return CheckedRequest(parse_amount(amount_text, symbol=symbol), checked_memo(memo_text))
    except (AmountError, MemoRefused) as error:
        return str(error)
