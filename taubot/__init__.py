"""A typed async client for the Taubot HTTP API, and Taubot's money format. Knows nothing about Discord."""

from .client import TaubotClient
from .errors import (
    GrantPending,
    InvalidTransaction,
    NotFound,
    ProtocolError,
    RateLimited,
    ReferenceUnknown,
    Rejected,
    ServerError,
    TaubotError,
    Unauthorized,
    Unavailable,
)
from .models import Account, AccountType, Application, Transaction
from .money import MAX_AMOUNT_CENTS, AmountError, format_amount, format_decimal, parse_amount

__all__ = [
    "MAX_AMOUNT_CENTS",
    "Account",
    "AccountType",
    "AmountError",
    "Application",
    "GrantPending",
    "InvalidTransaction",
    "NotFound",
    "ProtocolError",
    "RateLimited",
    "ReferenceUnknown",
    "Rejected",
    "ServerError",
    "TaubotClient",
    "TaubotError",
    "Transaction",
    "Unauthorized",
    "Unavailable",
    "format_amount",
    "format_decimal",
    "parse_amount",
]
