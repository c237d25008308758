"""Everything a money request shows, each a plain function of its data: the payer's DM (open, then closed),
the receipt of a paid request, and /requests list. `symbol` is CURRENCY_SYMBOL."""

from __future__ import annotations

from datetime import datetime

import discord

from storage import MoneyRequest, Payment, RequestState

from .. import messages
from ..limits import FittedEmbed, clip
from ..memos import shown_memo
from ..ui import ERROR, INFO, SUCCESS, WARNING, account_name, format_money, timestamp

# How a closed request's DM is titled and coloured, by where it stands.
CLOSED_LOOKS = {
    RequestState.PAID: ("paid", SUCCESS),
    RequestState.PAYING: ("being paid", WARNING),
    RequestState.DECLINED: ("declined", ERROR),
    RequestState.CANCELLED: ("cancelled", INFO),
    RequestState.EXPIRED: ("expired", INFO),
}
LISTED_MEMO_LENGTH = 60  # a memo in /requests list, shortened so that many requests fit one message


def request_dm(request: MoneyRequest, symbol: str, *, payer_linked: bool) -> discord.Embed:
    """The payer's DM about an open request (its buttons: Pay, Decline, Mute)."""
    embed = _about(request, symbol, title=f"Money request #{request.id}", colour=INFO)
    embed.add_field(name="Expires", value=f"{timestamp(request.expires_at)} ({timestamp(request.expires_at, 'R')})")
    if not payer_linked:
        embed.add_field(name="Before you pay", value=messages.REQUEST_PAYER_NOT_LINKED, inline=False)
    embed.set_footer(text=messages.REQUEST_FOOTER)
    return embed


def closed_dm(request: MoneyRequest, symbol: str, state: RequestState) -> discord.Embed:
    """The payer's DM once the request is no longer open: the same request, saying where it stands."""
    words, colour = CLOSED_LOOKS[state]
    return _about(request, symbol, title=f"Money request #{request.id} · {words}", colour=colour)


def _about(request: MoneyRequest, symbol: str, *, title: str, colour: int) -> discord.Embed:
    embed = FittedEmbed(title=title, colour=colour, description=(
        f"<@{request.requester_user_id}> asks you to pay **{format_money(request.amount, symbol)}** into "
        f"{account_name(request.to_account_name)}."))
    if request.memo is not None:
        embed.add_field(name="Memo", value=shown_memo(request.memo), inline=False)
    return embed


def paid_receipt(request: MoneyRequest, payment: Payment, symbol: str) -> discord.Embed:
    """The receipt of the payment that paid the request, as the journal records it (verified from Taubot's
    log before the request could become paid)."""
    embed = FittedEmbed(title="Payment sent", colour=SUCCESS, description=(
        f"{format_money(payment.amount, symbol)} to {account_name(payment.to_account_name)}"))
    embed.add_field(name="Pays", value=f"Request #{request.id}")
    if payment.memo is not None:
        embed.add_field(name="Memo", value=shown_memo(payment.memo), inline=False)
    embed.add_field(name="Paid", value=timestamp(payment.updated_at))
    embed.set_footer(text=f"Payment #{payment.id}")
    return embed


def request_list(to_me: list[MoneyRequest], by_me: list[MoneyRequest], symbol: str, at: datetime) -> discord.Embed:
    """/requests list: the open requests to the member (to pay) and by them (to be paid), oldest first."""
    embed = FittedEmbed(title="Your open money requests", colour=INFO)
    if to_me:
        embed.add_field(name="Asked of you", inline=False, value="\n".join(
            _line(request, symbol, at, f"from <@{request.requester_user_id}>") for request in to_me))
    if by_me:
        embed.add_field(name="You asked", inline=False, value="\n".join(
            _line(request, symbol, at, f"of <@{request.payer_user_id}>") for request in by_me))
    return embed


def _line(request: MoneyRequest, symbol: str, at: datetime, who: str) -> str:
    memo = f" · {shown_memo(clip(request.memo, LISTED_MEMO_LENGTH))}" if request.memo is not None else ""
    where = ("being paid" if request.state(at) is RequestState.PAYING
             else f"expires {timestamp(request.expires_at, 'R')}")
    return f"#{request.id} · **{format_money(request.amount, symbol)}** {who}{memo} · {where}"
