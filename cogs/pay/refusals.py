"""What a transfer Taubot refused tells the payer, and the word the journal keeps for Taubot's answer.

Each refusal is a definite "nothing moved". The over-limit one says how much the link has spent through the
bot (from the journal: Taubot cannot tell), that limits are in cents, and mentions a limit that blocks
everything (0 on v2, negative on v2.1) only where that can be what happened: the link never paid anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage import Payment, PaymentJournal
from taubot import (
    Dialect,
    InvalidTransaction,
    Rejected,
    SpendingLimitReached,
    TaubotClient,
    TaubotError,
    TransferRefused,
    Unauthorized,
)

from .. import messages
from ..ui import format_money


@dataclass(frozen=True)
class Refusal:
    answer: str  # the journal's `taubot_answer`: invalid, refused, rejected, over_limit, unauthorized, not_found
    reason: str  # for the member


class RefusalReader:
    def __init__(self, taubot: TaubotClient, journal: PaymentJournal, currency_symbol: str):
        self.taubot = taubot
        self.journal = journal
        self.currency_symbol = currency_symbol

    async def read(self, payment: Payment, error: TaubotError) -> Refusal | None:
        """The refusal `error` means, or None when it is no answer at all (the outcome is then unknown)."""
        if isinstance(error, InvalidTransaction):  # refused by the client itself: nothing reached Taubot
            return Refusal("invalid", messages.TRANSFER_INVALID)
        dialect = self.taubot.dialect
        if isinstance(error, SpendingLimitReached) or (type(error) is Unauthorized
                                                       and not dialect.names_limit_refusals):
            return Refusal("over_limit", await self._over_limit(payment, dialect))
        reason = messages.describe_transfer_refusal(error)
        if reason is None:
            return None
        return Refusal(_answer_word(error), reason)

    async def _over_limit(self, payment: Payment, dialect: Dialect) -> str:
        refused_count = dialect.failed_transfers_use_allowance
        spent, ever_paid = 0, False
        if payment.key_id is not None:
            spent = await self.journal.spent_with_key(payment.key_id, refused_count=refused_count)
            ever_paid = await self.journal.has_paid_with_key(payment.key_id)
        return messages.over_spending_limit(
            spent=format_money(spent, self.currency_symbol), amount=format_money(payment.amount, self.currency_symbol),
            cents=payment.amount, refused_count=refused_count,
            blocking_limit=None if ever_paid else _blocking_limit(dialect),
            or_revoked=not dialect.names_limit_refusals)


def _blocking_limit(dialect: Dialect) -> str | None:
    """The limit that blocks every payment on this server: 0 on v2 (the grant page's default), a negative one on
    v2.1 (where 0 means unlimited)."""
    if not dialect.limit_zero_means_unlimited:
        return messages.BLOCKS_ALL_ZERO
    return messages.BLOCKS_ALL_NEGATIVE if dialect.negative_limit_blocks else None


def _answer_word(error: TaubotError) -> str:
    """The journal's word for a refusal; "rejected" is the one v2 still counts against the spending limit."""
    if isinstance(error, TransferRefused):
        return "refused"
    if isinstance(error, Rejected):
        return "rejected"
    if isinstance(error, Unauthorized):
        return "unauthorized"
    return "not_found"
