"""What a Taubot key says about itself: its id and its expiry, read from the JWT's middle part.

No signature is checked (the bot cannot, and need not: Taubot checks it on every request). The key id is
`kid` on v2 and `sub` on v2.1; it is the `actor_id` Taubot's log records for every transfer made with that
key. `exp` exists on v2.1 only (grant keys live 90 days, master keys 60). Anything unreadable raises
KeyUnreadable, whose text never contains the key.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .errors import KeyUnreadable


@dataclass(frozen=True)
class KeyClaims:
    key_id: str                  # the actor_id of transfers made with this key
    expires_at: datetime | None  # aware, UTC; None for keys that never expire (v2)
    issuer: str | None = None

    def expired(self, now: datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or datetime.now(UTC))


def read_claims(key: str) -> KeyClaims:
    """The claims of a Taubot key (v2 or v2.1). Raises KeyUnreadable for anything else."""
    claims = _payload(key)
    key_id = claims.get("sub", claims.get("kid"))
    if isinstance(key_id, int) and not isinstance(key_id, bool):
        key_id = str(key_id)
    if not isinstance(key_id, str) or not key_id:
        raise KeyUnreadable("the key names no key id (neither 'sub' nor 'kid')")
    issuer = claims.get("iss")
    return KeyClaims(key_id=key_id, expires_at=_expiry(claims.get("exp")),
                     issuer=issuer if isinstance(issuer, str) else None)


def _payload(key: Any) -> dict[str, Any]:
    parts = key.split(".") if isinstance(key, str) else []
    if len(parts) != 3 or not parts[1]:
        raise KeyUnreadable("the key is not a JWT (three parts separated by dots)")
    middle = parts[1]
    try:
        decoded = base64.urlsafe_b64decode(middle + "=" * (-len(middle) % 4))
        claims = json.loads(decoded)
    except (binascii.Error, ValueError, RecursionError):
        raise KeyUnreadable("the key's claims are not base64-encoded JSON") from None
    if not isinstance(claims, dict):
        raise KeyUnreadable("the key's claims are not a JSON object")
    return claims


def _expiry(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise KeyUnreadable("the key's expiry ('exp') is not a number")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise KeyUnreadable("the key's expiry ('exp') is out of range") from None
