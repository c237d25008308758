"""A transaction as the member reads it: which way the money went, and with whom."""

from __future__ import annotations

from dataclasses import dataclass

from taubot import Account, Transaction

from ..memos import shown_memo
from ..ui import account_label, format_money, timestamp


@dataclass(frozen=True)
class HistoryRow:
    transaction: Transaction
    direction: str  # "sent", "received", "self" or "none" (a zero entry: nothing moved)
    counterparty_id: str
    counterparty: Account | None
    memo: str | None = None  # from the journal, for a payment the bot made (matched by its log entry)

    @property
    def amount(self) -> int:
        """What moved, as a positive number; the direction says which way."""
        return abs(self.transaction.amount)

    def line(self, symbol: str) -> str:
        memo = f" · {shown_memo(self.memo)}" if self.memo is not None else ""
        return self._what(symbol) + memo

    def _what(self, symbol: str) -> str:
        other = account_label(self.counterparty) if self.counterparty else f"account `{self.counterparty_id[:8]}…`"
        amount = f"**{format_money(self.amount, symbol)}**"
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


def other_side(entry: Transaction, own_id: str) -> str:
    return entry.to_account if entry.from_account == own_id else entry.from_account
