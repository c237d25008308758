"""A typed async client for the Taubot HTTP API (both server dialects, v2 and v2.1), and Taubot's money format.
Knows nothing about Discord."""

from .client import TaubotClient
from .detect import probe_dialect
from .dialect import AUTO, DIALECTS, V2, V21, Dialect, dialect_named
from .dialect import SETTINGS as DIALECT_SETTINGS
from .errors import (
    DialectChanged,
    DialectUnknown,
    GrantPending,
    InsufficientFunds,
    InvalidTransaction,
    KeyExpired,
    KeyOutdated,
    KeyUnreadable,
    MissingPermission,
    NotFound,
    ProtocolError,
    RateLimited,
    ReferenceUnknown,
    Rejected,
    SameAccount,
    ServerError,
    SpendingLimitReached,
    TaubotError,
    TransferRefused,
    Unauthorized,
    Unavailable,
    Unsupported,
)
from .keys import KeyClaims, read_claims
from .models import Account, AccountType, Application, Transaction
from .money import MAX_AMOUNT_CENTS, AmountError, format_amount, format_decimal, parse_amount

__all__ = [
    "AUTO",
    "DIALECTS",
    "DIALECT_SETTINGS",
    "MAX_AMOUNT_CENTS",
    "V2",
    "V21",
    "Account",
    "AccountType",
    "AmountError",
    "Application",
    "Dialect",
    "DialectChanged",
    "DialectUnknown",
    "GrantPending",
    "InsufficientFunds",
    "InvalidTransaction",
    "KeyClaims",
    "KeyExpired",
    "KeyOutdated",
    "KeyUnreadable",
    "MissingPermission",
    "NotFound",
    "ProtocolError",
    "RateLimited",
    "ReferenceUnknown",
    "Rejected",
    "SameAccount",
    "ServerError",
    "SpendingLimitReached",
    "TaubotClient",
    "TaubotError",
    "Transaction",
    "TransferRefused",
    "Unauthorized",
    "Unavailable",
    "Unsupported",
    "dialect_named",
    "format_amount",
    "format_decimal",
    "parse_amount",
    "probe_dialect",
    "read_claims",
]
