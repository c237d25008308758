"""TaubotClient: the one typed interface the bot uses, whichever dialect Taubot's server speaks.

Each method says which key it uses: the application's master key (held by the client) or a member's grant
key (the first argument). The dialect is pinned or detected (see tracking.py); where the product differs
between dialects, callers ask `client.dialect.<capability>`. Reads are retried where harmless (transport.py)
and repeated once in the new dialect if the server changed dialect under them; a transfer is sent exactly
once, whatever happens.
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import aiohttp

from . import wire_v2, wire_v21
from .detect import PROBE, dialect_of
from .dialect import V2, Dialect
from .errors import (
    DialectChanged,
    InsufficientFunds,
    InvalidTransaction,
    KeyExpired,
    KeyOutdated,
    KeyUnreadable,
    MissingPermission,
    NotFound,
    ProtocolError,
    Rejected,
    SameAccount,
    TaubotError,
    Unauthorized,
    Unsupported,
)
from .keys import read_claims
from .models import Account, Application, Transaction, parse_list
from .paging import older_than, read_log
from .tracking import DialectTracker
from .transport import DEFAULT_USER_AGENT, Transport
from .wire import Answer, Call, KeyKind

_WIRES = {wire.DIALECT.name: wire for wire in (wire_v2, wire_v21)}
NIL_ACCOUNT = "00000000-0000-0000-0000-000000000000"
GRANT_KEY_NOT_MASTER = "Taubot accepted this key as a member's grant key, not an application's master key"


def _repeated_on_dialect_change(method):
    """Run a read (or a call that cannot move money) once more if the server changed dialect under it."""
    @functools.wraps(method)
    async def run(self, *args, **kwargs):
        try:
            return await method(self, *args, **kwargs)
        except DialectChanged:
            return await method(self, *args, **kwargs)
    return run


class TaubotClient:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        base_url: str,
        master_key: str,
        application_id: uuid.UUID | str,
        dialect: Dialect | str = V2,
        timeout: aiohttp.ClientTimeout | None = None,
        max_get_attempts: int = 3,
        backoff_base: float = 0.2,
        user_agent: str = DEFAULT_USER_AGENT,
        on_request: Callable[[str, str], None] | None = None,
    ):
        """dialect: a Dialect, "v2", "v2.1", or "auto" (detected before the first request, and again if the
        server answers in the other dialect's shape). Defaults to v2, the only dialect before detection existed."""
        self.base_url = base_url.rstrip("/")
        self._master_key = master_key
        self.application_id = uuid.UUID(str(application_id))
        self._transport = Transport(session, timeout=timeout, max_get_attempts=max_get_attempts,
                                    backoff_base=backoff_base, user_agent=user_agent, on_request=on_request)
        self._tracker = DialectTracker(dialect, self._probe)

    def __repr__(self) -> str:
        return f"<TaubotClient {self.base_url}>"  # never the keys

    @property
    def requests_made(self) -> int:
        return self._transport.requests_made

    # -- the dialect ----------------------------------------------------------------------------------

    @property
    def dialect(self) -> Dialect:
        """The dialect spoken now. With "auto", known after `detect()` or any request."""
        current = self._tracker.current
        if current is None:
            raise RuntimeError("the Taubot dialect is not known yet: await client.detect() first")
        return current

    async def dialect_now(self) -> Dialect:
        """The dialect spoken now; with "auto", detected first (one harmless request) if not known yet. Raises
        DialectUnknown or Unavailable like `detect()`."""
        return await self._tracker.get()

    async def detect(self) -> Dialect:
        """Ask the server which dialect it speaks (one harmless request; none when the dialect is pinned).
        Raises DialectUnknown for an answer that fits neither, Unavailable when none came."""
        return await self._tracker.detect()

    async def _probe(self) -> Dialect:
        return dialect_of(await self._transport.exchange(self.base_url, PROBE, None))

    async def _wire(self):
        # Known after the first request: read directly, without awaiting the tracker (one coroutine less).
        current = self._tracker.current
        return _WIRES[(current if current is not None else await self._tracker.get()).name]

    # -- the grant flow (master key) ------------------------------------------------------------------

    @_repeated_on_dialect_change
    async def create_reference(self) -> uuid.UUID:
        """Master key. A fresh link reference: made here and registered (v2), or made by Taubot, asking for
        VIEW_BALANCE and TRANSFER_FUNDS (v2.1, where each one takes one of 64 pending slots shared by every
        application: make one only when a member asks to link)."""
        wire = await self._wire()
        if wire.DIALECT.references_made_by_server:
            body = await self._json(wire, wire.create_reference(), self._master_key)
            return _uuid_in(body, "uuid", "register_reference")
        ref_id = uuid.uuid4()
        await self._call(wire, wire.register_reference(ref_id), self._master_key)
        return ref_id

    async def register_reference(self, ref_id: uuid.UUID) -> None:
        """Master key, v2 only (Unsupported on v2.1): registers a ref_id made by the caller, never twice."""
        wire = await self._wire()
        if wire.DIALECT.references_made_by_server:
            raise Unsupported("this Taubot makes its own references: use create_reference()")
        await self._call(wire, wire.register_reference(ref_id), self._master_key)

    def grant_url(self, ref_id: uuid.UUID) -> str:
        """The page where the member grants access (no request is made)."""
        path, query = _WIRES[self.dialect.name].grant_path_and_query(ref_id, self.application_id)
        return f"{self.base_url}{path}?{urlencode(query)}"

    @_repeated_on_dialect_change
    async def retrieve_key(self, ref_id: uuid.UUID) -> str:
        """Master key. The grant key for ref_id; GrantPending until granted, ReferenceUnknown if Taubot forgot
        the reference. Where `dialect.retrieve_is_once`, the key never comes back again: store it first."""
        wire = await self._wire()
        body = await self._json(wire, wire.retrieve_key(ref_id), self._master_key)
        key = body.get("key") if isinstance(body, dict) else None
        if not isinstance(key, str) or not key:
            raise ProtocolError("retrieve_key answered without a key")
        return key

    @_repeated_on_dialect_change
    async def get_application(self) -> Application | None:
        """Master key. The application, or None where the server does not offer this endpoint (v2: 404)."""
        wire = await self._wire()
        try:
            return Application.from_json(await self._json(wire, wire.application(), self._master_key))
        except NotFound:
            return None

    @_repeated_on_dialect_change
    async def grant_page_knows_application(self) -> bool:
        """No key. Whether Taubot's grant page accepts `application_id`, where it says so without a registered
        reference (`dialect.grant_page_checks_application`; else Unsupported, without a request): a wrong
        TAUBOT_APP_ID makes every grant link fail there. Nothing changes on the server."""
        wire = await self._wire()
        if not wire.DIALECT.grant_page_checks_application:
            raise Unsupported("this Taubot's grant page checks the reference first: use get_application()")
        try:
            await self._call(wire, wire.application_on_grant_page(self.application_id), None)
        except Rejected:
            return False
        return True

    @_repeated_on_dialect_change
    async def verify_master_key(self) -> None:
        """Master key. Raises unless Taubot accepts it as a master key: Unauthorized (KeyExpired when its claims
        say so) for a refused key, ProtocolError for a member's grant key put where the master key belongs."""
        wire = await self._wire()
        if wire.DIALECT.has_who_am_i:
            await self._verify_master_key_v2(wire)
            return
        try:
            await self._call(wire, wire.master_key_probe(), self._master_key)
        except MissingPermission:
            raise ProtocolError(GRANT_KEY_NOT_MASTER) from None
        except Rejected:
            return  # the bitmask was refused after the key passed as a master key
        raise ProtocolError("Taubot accepted a reference with no permissions")

    async def _verify_master_key_v2(self, wire) -> None:
        # /users/me refuses unknown keys (401) and malformed ones (500), and answers any valid key: 404 when
        # its owner has no personal account, 200 otherwise. Only /accounts/<id> tells the kinds apart: a
        # master key is refused there (401) where a grant key gets 404 for an account that does not exist.
        try:
            await self._call(wire, wire.user_account("me", KeyKind.MASTER), self._master_key)
        except NotFound:
            pass
        try:
            await self._call(wire, wire.account_by_id(NIL_ACCOUNT, KeyKind.MASTER), self._master_key)
        except Unauthorized:
            return
        except NotFound:
            pass
        raise ProtocolError(GRANT_KEY_NOT_MASTER)

    @_repeated_on_dialect_change
    async def get_user_account_as_app(self, discord_user_id: int) -> Account:
        """Master key. A member's personal account; with this key `balance` is always None."""
        wire = await self._wire()
        return await self._account(wire, wire.user_account(discord_user_id, KeyKind.MASTER), self._master_key)

    @_repeated_on_dialect_change
    async def get_account_by_name_as_app(self, name: str) -> Account:
        """Master key. The account of the application's economy with exactly this name (its balance is None with
        this key); NotFound without a request for an empty name."""
        if not name:
            raise NotFound("no Taubot account has an empty name")
        wire = await self._wire()
        return await self._account(wire, wire.account_by_name(name, KeyKind.MASTER), self._master_key)

    # -- reads with a member's grant key --------------------------------------------------------------

    @_repeated_on_dialect_change
    async def get_my_account(self, grant_key: str) -> Account:
        """Grant key, where `dialect.has_who_am_i` (else Unsupported, without a request). The personal account
        of the member who granted the key (NotFound if they have none)."""
        wire = await self._wire()
        if not wire.DIALECT.has_who_am_i:
            raise Unsupported("this Taubot has no 'who am I': check the key with key_is_bound_to()")
        return await self._account(wire, wire.user_account("me", KeyKind.GRANT), grant_key)

    @_repeated_on_dialect_change
    async def key_is_bound_to(self, grant_key: str, account_id: str) -> bool:
        """Grant key. Whether the key acts for `account_id` (the linking member's personal account): on v2 the
        key's granter owns it; on v2.1 the key is bound to it, asked with a transfer Taubot always refuses
        (10**18 cents: 1000 "same account" means bound, 1001 "insufficient funds" not; nothing moves)."""
        account = _account_uuid_or_not_found(account_id)
        wire = await self._wire()
        if wire.DIALECT.has_who_am_i:
            try:
                mine = await self._account(wire, wire.user_account("me", KeyKind.GRANT), grant_key)
            except NotFound:
                return False  # the granter has no personal account
            return _account_uuid_or_not_found(mine.account_id) == account
        try:
            await self._call(wire, wire.binding_probe(str(account)), grant_key)
        except SameAccount:
            return True
        except InsufficientFunds:
            return False
        raise ProtocolError("Taubot accepted the binding probe's transfer of 10**18 cents")

    @_repeated_on_dialect_change
    async def get_user_account(self, grant_key: str, discord_user_id: int) -> Account:
        """Grant key. A member's personal account (in the application's economy on v2.1)."""
        wire = await self._wire()
        return await self._account(wire, wire.user_account(discord_user_id, KeyKind.GRANT), grant_key)

    @_repeated_on_dialect_change
    async def get_account_by_name(self, grant_key: str, name: str) -> Account:
        """Grant key. The account of the key's economy with exactly this name (case-sensitive; two with one
        name → ServerError; an empty name → NotFound without a request)."""
        if not name:
            raise NotFound("no Taubot account has an empty name")
        wire = await self._wire()
        return await self._account(wire, wire.account_by_name(name), grant_key)

    @_repeated_on_dialect_change
    async def get_account(self, grant_key: str, account_id: str) -> Account:
        """Grant key. An account by id (NotFound without a request for a malformed id)."""
        account = _canonical_account_id(account_id)
        wire = await self._wire()
        return await self._account(wire, wire.account_by_id(account), grant_key)

    @_repeated_on_dialect_change
    async def get_transactions(self, grant_key: str, account_id: str, *, limit: int | None = None,
                               before: datetime | None = None) -> list[Transaction]:
        """Grant key with VIEW_BALANCE (else Unauthorized). Newest first: up to `limit` entries (None: all)
        strictly older than `before` (an aware datetime; None: from the newest). Where
        `dialect.log_is_own_account_only`, the log is the key's own account's and `account_id` must be that
        account (it is not sent); pages of `dialect.max_log_page` are read as needed."""
        _check_log_window(limit, before)
        wire = await self._wire()
        if wire.DIALECT.max_log_page is not None:
            async def fetch(page_limit: int, page_before: int | None) -> list[Transaction]:
                return await self._log(wire, wire.transactions(page_limit, page_before), grant_key)
            return await read_log(fetch, page_size=wire.DIALECT.max_log_page, limit=limit, before=before)
        entries = await self._log(wire, wire.transactions(account_id, limit if before is None else None), grant_key)
        return older_than(entries, before)[:limit]

    # -- paying ---------------------------------------------------------------------------------------

    async def create_transaction(self, grant_key: str, *, from_account: str, to_account: str, amount: int) -> None:
        """Grant key. Sends one transfer, never retried nor repeated.

        A normal return proves the money moved only where `dialect.ok_proves_transfer` (v2 answers 200 and
        moves nothing without TRANSFER_FUNDS): callers verify elsewhere. v2.1 pays from the key's bound account
        whatever `from_account` says. Refusals: InsufficientFunds, SpendingLimitReached, TransferRefused,
        SameAccount (v2.1), or their parents Rejected/Unauthorized (v2). ServerError (DialectChanged included),
        RateLimited, Unavailable and ProtocolError (a success status with a body that is not Taubot's) mean the
        outcome is unknown.
        """
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            # Taubot accepts zero, truncates floats and (v2) moves money backwards for negative amounts.
            raise InvalidTransaction("the amount must be a positive whole number of cents")
        source, target = _account_uuid(from_account, "from_account"), _account_uuid(to_account, "to_account")
        if source == target:
            # v2 answers 200 to a self-transfer, moves nothing, and still counts it against the limit.
            # Compared as UUIDs: the same account spelled in capitals or without dashes is still itself.
            raise SameAccount("cannot transfer from an account to itself")
        wire = await self._wire()
        answer = await self._call(wire, wire.create_transaction(str(source), str(target), amount), grant_key)
        if not wire.is_transfer_answer(answer):
            # A success status with a body Taubot never sends (a proxy's page, a truncated answer) is no answer.
            raise ProtocolError("Taubot create_transaction answered success with a body that is not Taubot's: "
                                "whether it moved is unknown", status=answer.status)

    # -- sending --------------------------------------------------------------------------------------

    # Each parses the answer itself rather than awaiting _json: one coroutine less on every read.
    async def _account(self, wire, call: Call, key: str) -> Account:
        return Account.from_json(_json_of(await self._call(wire, call, key), call))

    async def _log(self, wire, call: Call, key: str) -> list[Transaction]:
        return parse_list(_json_of(await self._call(wire, call, key), call), Transaction.from_json)

    async def _json(self, wire, call: Call, key: str) -> Any:
        return _json_of(await self._call(wire, call, key), call)

    async def _call(self, wire, call: Call, key: str | None) -> Answer:
        """Send `call` in `wire`'s dialect (with no key: None) and return the success answer; raise a
        TaubotError otherwise."""
        seen = wire.DIALECT
        if self._tracker.current is not seen:  # a concurrent request found the server changed dialect
            raise DialectChanged(f"Taubot now speaks {self._tracker.current}; {call.endpoint} was not sent")
        authorization = None if key is None else wire.authorization(key)
        answer = await self._transport.exchange(self.base_url, call, authorization)
        if wire.is_success(call, answer.status):
            return answer
        if wire.speaks_other_dialect(answer) and await self._tracker.recheck(wire.DIALECT, call.endpoint):
            outcome = "" if call.idempotent else ": whether it took effect is unknown"
            raise DialectChanged(f"Taubot {call.endpoint} was answered in another dialect (the server now speaks "
                                 f"{self._tracker.current}){outcome}", status=answer.status)
        raise _expired_or(wire.error_for(call, answer), key, wire.DIALECT)


def _json_of(answer: Answer, call: Call) -> Any:
    try:
        return json.loads(answer.text)
    except ValueError:
        raise ProtocolError(f"Taubot {call.endpoint} answered with a body that is not JSON") from None


def _expired_or(error: TaubotError, key: str | None, dialect: Dialect) -> TaubotError:
    """A plain 401 for a key whose own claims say it has expired becomes KeyExpired (v2.1 answers every key
    failure with the same words), and one for a key that never expires on a server whose keys do (made before
    the operator upgraded Taubot) becomes KeyOutdated."""
    if type(error) is not Unauthorized or key is None:
        return error
    try:
        claims = read_claims(key)
    except KeyUnreadable:
        return error
    if claims.expires_at is None and dialect.keys_expire:
        return KeyOutdated(f"{error.args[0]}: the key was made by an older Taubot", status=error.status,
                           server_text=error.server_text)
    if claims.expires_at is None or not claims.expired():
        return error
    return KeyExpired(f"{error.args[0]}: the key expired on {claims.expires_at:%Y-%m-%d %H:%M} UTC",
                      expired_at=claims.expires_at, status=error.status, server_text=error.server_text)


def _uuid_in(body: Any, field: str, endpoint: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(body[field]))
    except (KeyError, TypeError, ValueError):
        raise ProtocolError(f"Taubot {endpoint} answered without a valid {field!r}") from None


def _check_log_window(limit: Any, before: Any) -> None:
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValueError("limit must be a positive integer")  # v2 answers 500, v2.1 400/422 to anything else
    if before is not None and (not isinstance(before, datetime) or before.tzinfo is None):
        raise ValueError("before must be an aware datetime")


def _account_uuid(account_id: Any, field: str) -> uuid.UUID:
    # v2 answers 500 to a malformed id, which would look like an outage (and still be a sent transfer).
    if isinstance(account_id, uuid.UUID):
        return account_id
    try:
        return uuid.UUID(account_id)
    except (ValueError, TypeError, AttributeError):
        raise InvalidTransaction(f"{field} is not a Taubot account id") from None


# str(uuid.UUID(...)): what an id already in this form would be turned into, so it is used as it is.
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _canonical_account_id(account_id: Any) -> str:
    """An account id as sent to Taubot (NotFound for a malformed one). Every /balance reads its stored id, which
    is nearly always canonical already: matched at once instead of parsed and formatted again."""
    if isinstance(account_id, str) and _CANONICAL_UUID.fullmatch(account_id):
        return account_id
    return str(_account_uuid_or_not_found(account_id))


def _account_uuid_or_not_found(account_id: Any) -> uuid.UUID:
    try:
        return _account_uuid(account_id, "account_id")
    except InvalidTransaction:
        raise NotFound("not a Taubot account id") from None
