"""The wire protocol of Taubot v2.1 (the FastAPI rewrite described in TAUBOT_API_V21.md).

`Bearer` keys, server-made references asked for with a permission bitmask in the query, the account look-ups
as query parameters, the transfer endpoint's error codes, and JSON error bodies whose `detail` is a string, an
object or a list. Its sibling wire_v2.py has the same shape for v2.
"""

from __future__ import annotations

import uuid
from typing import Any

from . import errors
from .dialect import V21
from .wire import Answer, Call, KeyKind

VIEW_BALANCE, TRANSFER_FUNDS = 2, 8
LINK_PERMISSIONS = VIEW_BALANCE | TRANSFER_FUNDS  # 10: what the bot asks every member for
# More cents than any account holds: the binding probe can only ever be refused (1000 or 1001), never paid.
# Amount 0 would not do: on a key bound elsewhere it is a real, logged transfer.
BINDING_PROBE_AMOUNT = 10**18
SAME_ACCOUNT, INSUFFICIENT_FUNDS, SPENDING_LIMIT = 1000, 1001, 1002
_TRANSFER_CODES = {SAME_ACCOUNT: errors.SameAccount, INSUFFICIENT_FUNDS: errors.InsufficientFunds,
                   SPENDING_LIMIT: errors.SpendingLimitReached}


DIALECT = V21


def authorization(key: str) -> str:
    # v2.1 accepts `Bearer <key>` only: the raw key (v2's form) gets the generic 401.
    return f"Bearer {key}"


# -- the calls ------------------------------------------------------------------------------------------


def create_reference(permissions: int = LINK_PERMISSIONS) -> Call:
    # The bitmask goes in the query (a body is 422); the server picks the reference's UUID.
    return Call("register_reference", "POST", ("references", "register"), KeyKind.MASTER,
                query={"permissions": str(permissions)})


def master_key_probe() -> Call:
    """Registering with permissions=0: the server checks the key's kind first (a grant key: 403), then refuses
    the bitmask (a master key: 400), so nothing is registered and no pending reference is used up."""
    return Call("verify_master_key", "POST", ("references", "register"), KeyKind.MASTER, query={"permissions": "0"})


def grant_path_and_query(ref_id: uuid.UUID, application_id: uuid.UUID) -> tuple[str, dict[str, str]]:
    return "/oauth/grant", {"ref_id": str(ref_id), "app_id": str(application_id)}


def retrieve_key(ref_id: uuid.UUID) -> Call:
    # Not repeatable: the key comes back once, so a second try after a lost answer would only ever get 404.
    return Call("retrieve_key", "GET", ("references", str(ref_id)), KeyKind.MASTER, repeatable=False)


def application() -> Call:
    return Call("application", "GET", ("applications", "me"), KeyKind.MASTER)


def user_account(user: int | str, key: KeyKind) -> Call:
    return Call("user_account", "GET", ("accounts",), key, query={"user_id": str(user)})


def account_by_name(name: str, key: KeyKind = KeyKind.GRANT) -> Call:
    return Call("account_by_name", "GET", ("accounts",), key, query={"name": name})


def account_by_id(account_id: str, key: KeyKind = KeyKind.GRANT) -> Call:
    return Call("account_by_id", "GET", ("accounts", account_id), key)


def transactions(limit: int, before: int | None) -> Call:
    """The key's own account's log, newest first; `limit` 1..100, `before` whole Unix seconds."""
    query = {"limit": str(limit)} if before is None else {"limit": str(limit), "before": str(before)}
    return Call("transactions", "GET", ("transactions",), KeyKind.GRANT, query=query)


def create_transaction(from_account: str, to_account: str, amount: int) -> Call:
    del from_account  # v2.1 always pays from the key's bound account and ignores a from field
    return Call("create_transaction", "POST", ("transactions", "create"), KeyKind.GRANT,
                json={"to_account_id": to_account, "amount": amount})


def binding_probe(account_id: str) -> Call:
    return Call("binding_probe", "POST", ("transactions", "create"), KeyKind.GRANT,
                json={"to_account_id": account_id, "amount": BINDING_PROBE_AMOUNT})


# -- answers ----------------------------------------------------------------------------------------------

SUCCESS = {"register_reference": (201,)}


def is_success(call: Call, status: int) -> bool:
    return status in SUCCESS.get(call.endpoint, (200,))


def is_transfer_answer(answer: Answer) -> bool:
    """Whether a successful transfer's body is the one v2.1 sends (`{"detail": "Successfully performed …"}`)."""
    body = answer.json_body()
    return isinstance(body, dict) and isinstance(body.get("detail"), str)


def speaks_other_dialect(answer: Answer) -> bool:
    """v2.1's 4xx are always JSON and its crashes say just "Internal Server Error"; v2's errors are text, and
    v2 crashes with aiohttp's own "500 Internal Server Error" page on a Bearer key."""
    if answer.is_json or answer.status in (429, 502, 503, 504):
        return False
    if 400 <= answer.status < 500:
        return True
    return answer.status == 500 and answer.text.startswith("500 Internal Server Error")


def error_for(call: Call, answer: Answer) -> errors.TaubotError:
    """The exception for a non-success answer; the message names the endpoint, never a key."""
    detail = _detail(answer)
    code = detail.get("error_code") if isinstance(detail, dict) else None
    code = code if isinstance(code, int) and not isinstance(code, bool) else None
    facts = {"status": answer.status, "server_text": _summary(answer, detail), "error_code": code}
    return _specific_error(call, answer, code, facts) or _generic_error(call, answer, facts)


def _specific_error(call: Call, answer: Answer, code: int | None, facts: dict[str, Any]) -> errors.TaubotError | None:
    if call.endpoint == "retrieve_key" and answer.status == 403:
        return errors.GrantPending("the member has not granted access yet", **facts)
    if call.endpoint == "retrieve_key" and answer.status == 404:
        return errors.ReferenceUnknown("Taubot does not know this link reference", **facts)
    if call.endpoint not in ("create_transaction", "binding_probe"):
        return None
    if answer.status == 403 and code in _TRANSFER_CODES:
        return _TRANSFER_CODES[code](f"Taubot {call.endpoint} refused", **facts)
    if answer.status == 500 and answer.is_json:
        # The endpoint's own answer, the same for "no TRANSFER_FUNDS" and "other economy": nothing moved.
        return errors.TransferRefused(f"Taubot {call.endpoint} refused: nothing moved", **facts)
    return None


def _generic_error(call: Call, answer: Answer, facts: dict[str, Any]) -> errors.TaubotError:
    status, message = answer.status, f"Taubot {call.endpoint} failed"
    if status in (400, 422):
        return errors.Rejected(message, **facts)
    if status == 401:
        return errors.Unauthorized(message, **facts)
    if status == 403:
        return errors.MissingPermission(message, **facts)
    if status == 404:
        return errors.NotFound(message, **facts)
    if status == 429:
        return errors.RateLimited(message, retry_after=answer.retry_after, **facts)
    if status >= 500:
        return errors.ServerError(message, **facts)
    return errors.TaubotError(f"{message}: unexpected status", **facts)


def _detail(answer: Answer) -> Any:
    body = answer.json_body()
    return body.get("detail") if isinstance(body, dict) else None


def _summary(answer: Answer, detail: Any) -> str:
    """A short, key-free account of what the server said."""
    if isinstance(detail, str):
        return detail[:200]
    if isinstance(detail, dict):
        words = detail.get("detail") or detail.get("description") or ""
        return f"error {detail.get('error_code')}: {words}"[:200]
    if isinstance(detail, list):  # 422: where and what, never the rejected input itself
        problems = [f"{'.'.join(str(part) for part in item.get('loc', ()))}: {item.get('msg', '')}"
                    for item in detail[:3] if isinstance(item, dict)]
        return "; ".join(problems)[:200]
    return answer.short_text()
