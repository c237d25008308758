"""Everything that can go wrong talking to Taubot, as one hierarchy.

Errors carry the HTTP status and the server's own text (Taubot's error bodies are plain text), never a key:
their str() may end up in logs.
"""

from __future__ import annotations


class TaubotError(Exception):
    def __init__(self, message: str, *, status: int | None = None, server_text: str = ""):
        super().__init__(message)
        self.status = status
        self.server_text = server_text

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
                 retry_after: float | None = None):
        super().__init__(message, status=status, server_text=server_text)
        self.retry_after = retry_after


class Unavailable(TaubotError):
    """No answer at all: connection refused or dropped, DNS failure, or a timeout."""


class ProtocolError(TaubotError):
    """Taubot answered success with a body this client cannot understand."""


class GrantPending(ServerError):
    """Retrieving a key before the member granted access: the real server crashes with a 500 here."""


class ReferenceUnknown(NotFound):
    """Taubot does not know the ref_id (never registered, or Taubot restarted and forgot it)."""


class InvalidTransaction(TaubotError, ValueError):
    """A transfer refused locally before any request: not a positive integer amount, or to the same account."""
