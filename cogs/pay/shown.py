"""A confirmation as the database keeps it (storage/confirmations.py) and as the pay feature sends it: the same
payment either way, so the process that handles Confirm need not be the one that showed it."""

from __future__ import annotations

from datetime import datetime

from storage import Confirmation
from taubot import Account, AccountType

from .sender import PaymentIntent


def kept(intent: PaymentIntent, expires_at: datetime) -> Confirmation:
    recipient = intent.recipient
    return Confirmation(
        intent_id=intent.intent_id, payer_user_id=intent.payer_id, from_account_id=intent.payer_account_id,
        from_name=intent.from_name, to_account_id=recipient.account_id, to_account_name=recipient.account_name,
        to_account_type=recipient.account_type.value, to_owner_id=recipient.owner_id,
        recipient_user_id=intent.recipient_user_id, amount=intent.amount, balance_before=intent.balance_before,
        memo=intent.memo, request_id=intent.request_id, expires_at=expires_at)


def intent_of(confirmation: Confirmation) -> PaymentIntent:
    """What was shown; the recipient's balance (never shown) is not kept."""
    recipient = Account(account_id=confirmation.to_account_id, owner_id=confirmation.to_owner_id,
                        account_name=confirmation.to_account_name,
                        account_type=AccountType(confirmation.to_account_type), balance=None)
    return PaymentIntent(
        intent_id=confirmation.intent_id, payer_id=confirmation.payer_user_id,
        payer_account_id=confirmation.from_account_id, recipient=recipient,
        recipient_user_id=confirmation.recipient_user_id, amount=confirmation.amount,
        balance_before=confirmation.balance_before, memo=confirmation.memo, request_id=confirmation.request_id,
        from_name=confirmation.from_name)
