"""The wire protocol of the Taubot API version this bot targets (the "v2" server described in TAUBOT_API.md).

Everything specific to that server lives here: paths, which key each call uses, request bodies, and how its
status codes map to errors. A later dialect (v2.1 renames the grant flow and uses Bearer keys) would be a
sibling module with the same shape, leaving the client and the cogs untouched.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from .errors import (
    GrantPending,
    NotFound,
    RateLimited,
    ReferenceUnknown,
    Rejected,
    ServerError,
    TaubotError,
    Unauthorized,
)


class KeyKind(enum.Enum):
    MASTER = "master"  # the application's own key
    GRANT = "grant"    # a member's grant key


@dataclass(frozen=True)
class Call:
    """One request to make: which endpoint, with which kind of key, and whether repeating it is harmless."""

    endpoint: str
    method: str
    segments: tuple[str, ...]
    key: KeyKind
    json: Any = None
    query: dict[str, str] = field(default_factory=dict)
    trailing_slash: bool = False

    @property
    def idempotent(self) -> bool:
        return self.method == "GET"

    def path(self) -> str:
        """The path below the API base, each segment percent-encoded on its own ('a/b' stays one segment)."""
        return "/" + "/".join(_segment(part) for part in self.segments) + ("/" if self.trailing_slash else "")


def _segment(part: str) -> str:
    encoded = quote(part, safe="")
    # "." and ".." would be collapsed by URL normalisation and reach another endpoint; escape the dots too.
    return encoded.replace(".", "%2E") if set(part) == {"."} else encoded


# -- the calls ------------------------------------------------------------------------------------------


def register_reference(ref_id: uuid.UUID) -> Call:
    return Call("register_reference", "POST", ("oauth-references",), KeyKind.MASTER, json={"ref_id": str(ref_id)})


def grant_path_and_query(ref_id: uuid.UUID, application_id: uuid.UUID) -> tuple[str, dict[str, str]]:
    # The query name is `ref` (the docs' prose says `ref_id`, which the real server answers with 400).
    return "/oauth/grant", {"ref": str(ref_id), "aid": str(application_id)}


def retrieve_key(ref_id: uuid.UUID) -> Call:
    return Call("retrieve_key", "GET", ("retrieve-key", str(ref_id)), KeyKind.MASTER)


def application() -> Call:
    return Call("application", "GET", ("applications", "me"), KeyKind.MASTER)


def user_account(user: int | str, key: KeyKind) -> Call:
    return Call("user_account", "GET", ("users", str(user)), key)


def account_by_name(name: str) -> Call:
    return Call("account_by_name", "GET", ("accounts", "by-name", name), KeyKind.GRANT)


def account_by_id(account_id: str) -> Call:
    return Call("account_by_id", "GET", ("accounts", account_id), KeyKind.GRANT)


def transactions(account_id: str, limit: int | None) -> Call:
    query = {} if limit is None else {"limit": str(limit)}
    return Call("transactions", "GET", ("accounts", account_id, "transactions"), KeyKind.GRANT, query=query)


def create_transaction(from_account: str, to_account: str, amount: int) -> Call:
    # Exactly these three keys: extra or missing keys give 400; the trailing slash is part of the route.
    body = {"from_account": from_account, "to_account": to_account, "amount": amount}
    return Call("create_transaction", "POST", ("transactions",), KeyKind.GRANT, json=body, trailing_slash=True)


# -- statuses ---------------------------------------------------------------------------------------------

SUCCESS = {"register_reference": (201, 200), "create_transaction": (200, 201)}
RETRYABLE_STATUSES = frozenset({502, 503, 504})


def is_success(call: Call, status: int) -> bool:
    return status in SUCCESS.get(call.endpoint, (200,))


def error_for(call: Call, status: int, text: str, retry_after: float | None = None) -> TaubotError:
    """The exception for a non-success answer; the message names the endpoint, never a key or a body."""
    server_text = text.strip()[:200]
    message = f"Taubot {call.endpoint} failed"
    if call.endpoint == "retrieve_key":
        if status == 500:
            return GrantPending("the member has not granted access yet", status=status, server_text=server_text)
        if status == 404:
            return ReferenceUnknown("Taubot does not know this link reference", status=status,
                                    server_text=server_text)
    if status == 400:
        return Rejected(message, status=status, server_text=server_text)
    if status == 401:
        return Unauthorized(message, status=status, server_text=server_text)
    if status == 404:
        return NotFound(message, status=status, server_text=server_text)
    if status == 429:
        return RateLimited(message, status=status, server_text=server_text, retry_after=retry_after)
    if status >= 500:
        return ServerError(message, status=status, server_text=server_text)
    return TaubotError(f"{message}: unexpected status", status=status, server_text=server_text)
