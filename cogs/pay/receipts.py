"""Everything a payment shows, each a plain function of its data: the confirmation, "sending…", the receipt,
and the ways a confirmation closes without one. `symbol` is CURRENCY_SYMBOL."""

from __future__ import annotations

import discord

from storage import Payment, PaymentStatus

from .. import messages
from ..limits import FittedEmbed
from ..memos import shown_memo
from ..ui import ERROR, INFO, SUCCESS, WARNING, account_label, account_name, format_money, personal_account_owner
from .sender import PaymentIntent, PaymentResult, Verdict

RECEIPT_TITLES = {
    Verdict.PAID: ("Payment sent", SUCCESS),
    Verdict.FAILED: ("Payment refused", ERROR),
    Verdict.NOT_MOVED: ("Payment not made", ERROR),
    Verdict.UNKNOWN: ("Payment outcome unknown", WARNING),
}
STATUS_WORDS = {
    PaymentStatus.PENDING: "is still being processed",
    PaymentStatus.PAID: "was sent",
    PaymentStatus.FAILED: "was refused by Taubot",
    PaymentStatus.NOT_MOVED: "did not move any money",
    PaymentStatus.UNKNOWN: "has an unknown outcome (check /history)",
}


def confirmation(intent: PaymentIntent, symbol: str, *, expires_in_seconds: float) -> discord.Embed:
    embed = FittedEmbed(title="Confirm payment", colour=INFO,
                          description=f"Pay **{format_money(intent.amount, symbol)}** to "
                                      f"{account_label(intent.recipient)}?")
    _add_details(embed, intent)
    if intent.balance_before is None:  # a link that may not see it, where payments need not (see may_pay_blind)
        embed.add_field(name="Your balance", value=messages.BALANCE_NOT_VISIBLE)
    else:
        embed.add_field(name="Your balance", value=f"{format_money(intent.balance_before, symbol)} → "
                                                   f"{format_money(intent.balance_before - intent.amount, symbol)}")
    minutes = max(1, round(expires_in_seconds / 60))
    embed.set_footer(text=f"Nothing is sent until you press Confirm. This expires in {minutes} "
                          f"minute{'s' if minutes != 1 else ''}.")
    return embed


def sending(intent: PaymentIntent, symbol: str) -> discord.Embed:
    embed = FittedEmbed(title="Sending payment…", colour=INFO, description=(
        f"{format_money(intent.amount, symbol)} to {account_label(intent.recipient)}"))
    return _add_details(embed, intent)


def _add_details(embed: discord.Embed, intent: PaymentIntent) -> discord.Embed:
    """What the payer chose besides amount and recipient: the paying account (when not their personal one),
    the request it pays, the memo."""
    if intent.from_name is not None:
        embed.add_field(name="From", value=account_name(intent.from_name))
    if intent.request_id is not None:
        embed.add_field(name="Pays", value=f"Request #{intent.request_id}")
    if intent.memo is not None:
        embed.add_field(name="Memo", value=shown_memo(intent.memo), inline=False)
    return embed


def still_sending(intent: PaymentIntent, symbol: str) -> discord.Embed:
    """What the watchdog shows when Taubot is slow to answer: the truth so far."""
    embed = sending(intent, symbol)
    embed.add_field(name="What is happening", value=messages.STILL_SENDING, inline=False)
    return embed


def receipt(intent: PaymentIntent, result: PaymentResult, payment: Payment | None, symbol: str) -> discord.Embed:
    """What became of the payment, as the journal records it; `payment` is None when nothing was journaled."""
    if payment is None:  # refused before anything was sent
        return not_made(result.reason)
    title, colour = RECEIPT_TITLES[result.verdict]
    embed = FittedEmbed(title=title, colour=colour,
                          description=f"{format_money(intent.amount, symbol)} to {account_label(intent.recipient)}")
    _add_details(embed, intent)
    if result.verdict is not Verdict.PAID:
        embed.add_field(name="What happened", value=result.reason, inline=False)
    if result.balance_after is not None:
        embed.add_field(name="Your balance", value=format_money(result.balance_after, symbol))
    if not result.recorded:
        embed.add_field(name="Journal", value=messages.NOT_RECORDED, inline=False)
    embed.set_footer(text=f"Payment #{payment.id}")
    return embed


def shared(payment: Payment, symbol: str, *, with_memo: bool) -> discord.Embed:
    """The public copy of a paid receipt, from its journal row: who paid how much to whom, from which account when
    not the payer's personal one, and the memo only if the payer chose it. Mentions in an embed never ping (and
    the message's allowed_mentions are none); names are shown as everywhere else."""
    embed = FittedEmbed(title="Payment", colour=SUCCESS, timestamp=payment.updated_at, description=(
        f"<@{payment.payer_user_id}> paid **{format_money(payment.amount, symbol)}** to {_paid_to(payment)}"))
    if payment.from_account_name is not None:
        embed.add_field(name="From", value=account_name(payment.from_account_name))
    if with_memo and payment.memo is not None:
        embed.add_field(name="Memo", value=shown_memo(payment.memo), inline=False)
    embed.set_footer(text=f"Payment #{payment.id}, as Taubot's log shows it")
    return embed


def _paid_to(payment: Payment) -> str:
    """Like account_label, from what the journal keeps: a member's personal account with a name of its own as
    '<@123> (Name)', any other account by its name."""
    name = account_name(payment.to_account_name)
    if payment.recipient_user_id is None or personal_account_owner(payment.to_account_name) is not None:
        return name
    return f"<@{payment.recipient_user_id}> ({name})"


def not_made(reason: str) -> discord.Embed:
    return FittedEmbed(title="Payment not made", colour=ERROR, description=reason)


def cancelled() -> discord.Embed:
    return FittedEmbed(title="Payment cancelled", description="Nothing was sent.", colour=INFO)


def expired() -> discord.Embed:
    return FittedEmbed(title="Payment cancelled", colour=INFO, description=messages.CONFIRMATION_EXPIRED)


def closed(already_sent: Payment | None) -> discord.Embed:
    """A press on a confirmation that is no longer open: what became of its payment, if it was sent."""
    text = (messages.already_handled(STATUS_WORDS[already_sent.status]) if already_sent is not None
            else messages.CONFIRMATION_INVALID)
    return FittedEmbed(title="Confirmation closed", description=text, colour=INFO)


def paid_you(intent: PaymentIntent, symbol: str) -> str:
    """The DM to the member who was paid (a request's payment is told by the requests feature instead)."""
    memo = f": {shown_memo(intent.memo)}" if intent.memo is not None else "."
    return f"<@{intent.payer_id}> paid you {format_money(intent.amount, symbol)} on Taubot{memo}"


def receipt_notice(intent: PaymentIntent, result: PaymentResult, symbol: str) -> str:
    """The receipt as a line of text, for a payer it could not reach any other way."""
    title, _ = RECEIPT_TITLES[result.verdict]
    reason = None if result.verdict is Verdict.PAID else result.reason
    return messages.undelivered_receipt(format_money(intent.amount, symbol),
                                        account_name(intent.recipient.account_name), title, reason)


def settled(payment: Payment, verdict: Verdict, symbol: str, *, interrupted: bool) -> str:
    """The DM to a payer whose open payment was settled from Taubot's log."""
    return messages.payment_settled(format_money(payment.amount, symbol), account_name(payment.to_account_name),
                                    messages.SETTLED_WORDS[verdict.value], interrupted=interrupted)
