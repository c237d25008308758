"""Taubot's objects as typed, immutable values, parsed defensively from JSON.

The real server sends `owner_id` as the string "None" for unowned accounts and `balance` as null when the
key may not see it; timestamps are float epoch seconds. Anything that does not fit raises ProtocolError
(never KeyError or TypeError), so a garbage body is one clear failure for the caller.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .errors import ProtocolError


class AccountType(enum.Enum):
    USER = "USER"
    GOVERNMENT = "GOVERNMENT"
    CORPORATION = "CORPORATION"
    CHARITY = "CHARITY"


@dataclass(frozen=True)
class Account:
    account_id: str
    owner_id: int | None       # the owner's Discord id; None for accounts nobody owns
    account_name: str
    account_type: AccountType
    balance: int | None        # cents; None when the key may not see it (no VIEW_BALANCE)

    @classmethod
    def from_json(cls, data: Any) -> Account:
        body = _object(data, "account")
        return cls(
            account_id=_string(body, "account_id"),
            owner_id=_owner(body.get("owner_id")),
            account_name=_string(body, "account_name"),
            account_type=_account_type(body.get("account_type")),
            balance=_optional_int(body, "balance"),
        )


@dataclass(frozen=True)
class Transaction:
    actor_id: str          # the id of the API key (or Discord user) that made it, not necessarily a Discord id
    timestamp: datetime    # aware, UTC
    from_account: str
    to_account: str
    amount: int            # cents; the log contains zero and negative entries

    @classmethod
    def from_json(cls, data: Any) -> Transaction:
        body = _object(data, "transaction")
        return cls(
            actor_id=_identifier(body, "actor_id"),
            timestamp=_timestamp(body.get("timestamp")),
            from_account=_string(body, "from_account"),
            to_account=_string(body, "to_account"),
            amount=_int(body, "amount"),
        )

    @property
    def identity(self) -> str:
        """Everything the log says about the entry, as one string: no two entries share it (Taubot's log entries
        have no id), and both accounts' logs show the same entry with the same identity."""
        return (f"{self.timestamp.timestamp():.6f}|{self.actor_id}|{self.from_account}|{self.to_account}|"
                f"{self.amount}")


@dataclass(frozen=True)
class Application:
    application_id: str
    application_name: str
    economy_name: str
    economy_id: str
    owner_id: int | None

    @classmethod
    def from_json(cls, data: Any) -> Application:
        body = _object(data, "application")
        return cls(
            # v2.1 says `application_id`; v2's documentation (the endpoint is 404 on the real v2) says `id`.
            application_id=_string(body, "application_id" if "application_id" in body else "id"),
            application_name=_string(body, "application_name"),
            economy_name=_string(body, "economy_name"),
            economy_id=_string(body, "economy_id"),
            owner_id=_owner(body.get("owner_id")),
        )


def parse_list(data: Any, parse) -> list:
    if not isinstance(data, list):
        raise ProtocolError(f"expected a JSON list, got {type(data).__name__}")
    return [parse(item) for item in data]


def _object(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ProtocolError(f"expected a JSON object for the {what}, got {type(data).__name__}")
    return data


def _string(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise ProtocolError(f"field {key!r} is missing or not a string")
    return value


def _identifier(body: dict[str, Any], key: str) -> str:
    # An id may arrive as a string or as a bare number; either way it must be there.
    value = body.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _string(body, key)


def _int(body: dict[str, Any], key: str) -> int:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProtocolError(f"field {key!r} is missing or not an integer")
    return value


def _optional_int(body: dict[str, Any], key: str) -> int | None:
    if body.get(key) is None:
        return None
    return _int(body, key)


def _owner(value: Any) -> int | None:
    if value is None or value == "None":
        return None
    text = str(value)
    if not text.isascii() or not text.isdigit():
        raise ProtocolError("field 'owner_id' is not a Discord id")
    return int(text)


def _account_type(value: Any) -> AccountType:
    try:
        return AccountType(value)
    except ValueError:
        raise ProtocolError(f"unknown account_type {value!r}") from None


def _timestamp(value: Any) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ProtocolError("field 'timestamp' is missing or not a number")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise ProtocolError("field 'timestamp' is out of range") from None
