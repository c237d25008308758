"""Everything that can go wrong talking to Taubot, as one hierarchy.

Errors carry the HTTP status and the server's own text (a short summary of it on v2.1, whose error bodies are
JSON), never a key: their str() may end up in logs. The same case raises the same class on both dialects; where
one dialect can tell more (v2.1's error codes), a subclass says so and the other dialect raises its parent.
"""

from __future__ import annotations

from datetime import datetime


class TaubotError(Exception):
    def __init__(self, message: str, *, status: int | None = None, server_text: str = "",
                 error_code: int | None = None):
        super().__init__(message)
        self.status = status
        self.server_text = server_text
        self.error_code = error_code  # v2.1's own code (1000-1002 transfers, 2000-2002 the log), if it gave one

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base} (HTTP {self.status})" if self.status is not None else base


class Rejected(TaubotError):
    """400: the request was understood and refused (e.g. insufficient funds, malformed body)."""


class Unauthorized(TaubotError):
    """401: the key is unknown or disabled, lacks a permission, or a spending limit was reached."""


class NotFound(TaubotError):
    """404: no such account, user, route or reference."""


class ServerError(TaubotError):
    """5xx: Taubot failed. For a transfer, whether money moved is unknown."""


class RateLimited(TaubotError):
    """429 that outlasted the client's patience; `retry_after` is Taubot's hint in seconds, if it gave one."""

    def __init__(self, message: str, *, status: int | None = 429, server_text: str = "",
                 retry_after: float | None = None, error_code: int | None = None):
        super().__init__(message, status=status, server_text=server_text, error_code=error_code)
        self.retry_after = retry_after


class Unavailable(TaubotError):
    """No answer at all: connection refused or dropped, DNS failure, or a timeout."""


class ProtocolError(TaubotError):
    """Taubot answered success with a body this client cannot understand."""


class GrantPending(ServerError):
    """Retrieving a key before the member granted access: v2 crashes with a 500 here, v2.1 answers 403."""


class ReferenceUnknown(NotFound):
    """Taubot does not know the reference (never registered, expired, evicted, already retrieved on v2.1, or
    Taubot restarted and forgot it): the member must start again."""


class InvalidTransaction(TaubotError, ValueError):
    """A transfer refused locally before any request: not a positive integer amount, or to the same account."""


# -- refusals a dialect can tell apart (each under the parent the other dialect raises for the same case) -----


class InsufficientFunds(Rejected):
    """The paying account has less than the amount (v2.1 code 1001; v2 answers a 400 that may also mean
    'other economy', which stays a plain Rejected)."""


class TransferRefused(Rejected):
    """Taubot refused the transfer and moved nothing: the key may not transfer funds, or the two accounts are
    in different economies (v2.1's own JSON 500, which answers both cases with the same words)."""


class SpendingLimitReached(Unauthorized):
    """The transfer would go over the key's spending limit (v2.1 code 1002; v2's 401 may also mean a disabled
    key, which stays a plain Unauthorized)."""


class MissingPermission(Unauthorized):
    """The key is valid but was not granted what this needs (v2.1's 403, e.g. the log without VIEW_BALANCE)."""


class KeyExpired(Unauthorized):
    """Taubot refused a key whose own claims say it has expired; `expired_at` is that moment (aware, UTC)."""

    def __init__(self, message: str, *, expired_at: datetime, status: int | None = 401, server_text: str = "",
                 error_code: int | None = None):
        super().__init__(message, status=status, server_text=server_text, error_code=error_code)
        self.expired_at = expired_at


class KeyOutdated(Unauthorized):
    """Taubot refused a key made by its older version: a key without an expiry (v2's) on a server whose keys
    expire (v2.1). Links made before the operator upgraded Taubot must be made again."""


class SameAccount(InvalidTransaction):
    """A transfer from an account to itself: refused locally, or by Taubot (v2.1 code 1000)."""


class Unsupported(TaubotError):
    """The server's dialect has no such call (e.g. "who am I" on v2.1); ask `client.dialect` first."""


class KeyUnreadable(TaubotError, ValueError):
    """A key whose claims cannot be read (not a JWT, or its middle part is not a JSON object of claims)."""


class DialectUnknown(TaubotError):
    """The server answered the dialect probe like neither v2 nor v2.1; `status` and `content_type` say how."""

    def __init__(self, message: str, *, status: int | None = None, content_type: str = ""):
        super().__init__(message, status=status)
        self.content_type = content_type


class DialectChanged(ServerError):
    """A request was answered in the other dialect's shape and the server now speaks another dialect. For a
    transfer the outcome is unknown (it is never sent again); reads are repeated once in the new dialect."""
