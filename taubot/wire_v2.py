"""The wire protocol of Taubot v2 (the aiohttp server described in TAUBOT_API.md).

Paths, which key each call uses, request bodies, and how its status codes map to errors. Its sibling
wire_v21.py has the same shape for v2.1; the client picks one by the detected dialect.
"""

from __future__ import annotations

import uuid

from .dialect import V2
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
from .wire import Answer, Call, KeyKind  # KeyKind is also used by callers that describe v2 calls

DIALECT = V2
NEVER_REGISTERED = uuid.UUID(int=0)  # a reference no client makes (they are random)


def authorization(key: str) -> str:
    # The raw key: a "Bearer " prefix makes v2 answer 500.
    return key


# -- the calls ------------------------------------------------------------------------------------------


def register_reference(ref_id: uuid.UUID) -> Call:
    return Call("register_reference", "POST", ("oauth-references",), KeyKind.MASTER, json={"ref_id": str(ref_id)})


def grant_path_and_query(ref_id: uuid.UUID, application_id: uuid.UUID) -> tuple[str, dict[str, str]]:
    # The query name is `ref` (the docs' prose says `ref_id`, which the real server answers with 400).
    return "/oauth/grant", {"ref": str(ref_id), "aid": str(application_id)}


def application_on_grant_page(application_id: uuid.UUID) -> Call:
    """The grant page, without a key, for a reference that was never registered: v2 looks only at the
    application there (400 for one it does not know, 303 to Discord's login for one it knows) and changes
    nothing, so it tells a wrong application id apart without the master key."""
    path, query = grant_path_and_query(NEVER_REGISTERED, application_id)
    return Call("application_on_grant_page", "GET", tuple(path.strip("/").split("/")), KeyKind.NONE, query=query)


def retrieve_key(ref_id: uuid.UUID) -> Call:
    return Call("retrieve_key", "GET", ("retrieve-key", str(ref_id)), KeyKind.MASTER)


def application() -> Call:
    return Call("application", "GET", ("applications", "me"), KeyKind.MASTER)


def user_account(user: int | str, key: KeyKind) -> Call:
    return Call("user_account", "GET", ("users", str(user)), key)


def account_by_name(name: str, key: KeyKind = KeyKind.GRANT) -> Call:
    return Call("account_by_name", "GET", ("accounts", "by-name", name), key)


def account_by_id(account_id: str, key: KeyKind = KeyKind.GRANT) -> Call:
    return Call("account_by_id", "GET", ("accounts", account_id), key)


def transactions(account_id: str, limit: int | None) -> Call:
    query = {} if limit is None else {"limit": str(limit)}
    return Call("transactions", "GET", ("accounts", account_id, "transactions"), KeyKind.GRANT, query=query)


def create_transaction(from_account: str, to_account: str, amount: int) -> Call:
    # Exactly these three keys: extra or missing keys give 400; the trailing slash is part of the route.
    body = {"from_account": from_account, "to_account": to_account, "amount": amount}
    return Call("create_transaction", "POST", ("transactions",), KeyKind.GRANT, json=body, trailing_slash=True)


# -- answers ----------------------------------------------------------------------------------------------

SUCCESS = {"register_reference": (201, 200), "create_transaction": (200, 201), "application_on_grant_page": (303,)}


def is_success(call: Call, status: int) -> bool:
    return status in SUCCESS.get(call.endpoint, (200,))


def is_transfer_answer(answer: Answer) -> bool:
    """Whether a successful transfer's body is the one v2 sends (`200: OK`, plain text)."""
    return answer.text.strip().startswith(f"{answer.status}:")


def speaks_other_dialect(answer: Answer) -> bool:
    """v2 never redirects and never sends a JSON error: either means a v2.1 server answered."""
    if answer.status in (307, 308, 422):
        return True
    return 400 <= answer.status <= 500 and answer.status != 429 and answer.is_json


def error_for(call: Call, answer: Answer) -> TaubotError:
    """The exception for a non-success answer; the message names the endpoint, never a key or a body."""
    status, server_text = answer.status, answer.short_text()
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
        return RateLimited(message, status=status, server_text=server_text, retry_after=answer.retry_after)
    if status >= 500:
        return ServerError(message, status=status, server_text=server_text)
    return TaubotError(f"{message}: unexpected status", status=status, server_text=server_text)
