"""TaubotClient: one typed method per Taubot endpoint, over the bot's single aiohttp session.

Each method says which key it uses: the application's master key (held by the client) or a member's grant
key (the first argument). Reads are retried on connection errors (connect timeouts included) and 502/503/504
with jittered backoff and wait out a short 429 Retry-After (a read timeout is not retried); a transfer is sent
exactly once, whatever happens.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import aiohttp
import yarl

from . import wire_v2 as wire
from .errors import InvalidTransaction, NotFound, ProtocolError, Unavailable
from .models import Account, Application, Transaction, parse_list

log = logging.getLogger("taubot.client")

DEFAULT_USER_AGENT = "taubot-discord/0.1 (+aiohttp)"
DEFAULT_TIMEOUT = aiohttp.ClientTimeout(total=10, connect=5)
MAX_RETRY_AFTER_SECONDS = 10.0  # a longer Retry-After is reported to the member instead of waited out


class TaubotClient:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        base_url: str,
        master_key: str,
        application_id: uuid.UUID | str,
        timeout: aiohttp.ClientTimeout | None = None,
        max_get_attempts: int = 3,
        backoff_base: float = 0.2,
        user_agent: str = DEFAULT_USER_AGENT,
        on_request: Callable[[str, str], None] | None = None,
    ):
        self._session = session
        self.base_url = base_url.rstrip("/")
        self._master_key = master_key
        self.application_id = uuid.UUID(str(application_id))
        self._timeout = timeout or DEFAULT_TIMEOUT
        self._max_get_attempts = max(1, max_get_attempts)
        self._backoff_base = backoff_base
        self._user_agent = user_agent
        self._on_request = on_request
        self.requests_made = 0

    def __repr__(self) -> str:
        return f"<TaubotClient {self.base_url}>"  # never the keys

    # -- the grant flow (master key) ------------------------------------------------------------------

    async def register_reference(self, ref_id: uuid.UUID) -> None:
        """Master key. Registers a fresh ref_id; never call it twice with the same one."""
        await self._call(wire.register_reference(ref_id), self._master_key)

    def grant_url(self, ref_id: uuid.UUID) -> str:
        """The page where the member grants access (no request is made)."""
        path, query = wire.grant_path_and_query(ref_id, self.application_id)
        return f"{self.base_url}{path}?{urlencode(query)}"

    async def retrieve_key(self, ref_id: uuid.UUID) -> str:
        """Master key. The grant key for ref_id; GrantPending until granted, ReferenceUnknown if forgotten."""
        body = await self._json(wire.retrieve_key(ref_id), self._master_key)
        key = body.get("key") if isinstance(body, dict) else None
        if not isinstance(key, str) or not key:
            raise ProtocolError("retrieve_key answered without a key")
        return key

    async def get_application(self) -> Application | None:
        """Master key. The application, or None where the server does not offer this endpoint (404)."""
        try:
            return Application.from_json(await self._json(wire.application(), self._master_key))
        except NotFound:
            return None

    async def verify_master_key(self) -> None:
        """Master key. Raises unless Taubot accepts it as a master key.

        Taubot has no "who am I" for applications, but `GET /users/me` tells: 404 for a valid master key (an
        application has no personal account), 401 for an unknown or disabled key, 500 for a malformed one,
        and 200 for a member's grant key put where the master key belongs.
        """
        try:
            await self._call(wire.user_account("me", wire.KeyKind.MASTER), self._master_key)
        except NotFound:
            return
        raise ProtocolError("Taubot accepted this key as a member's grant key, not an application's master key")

    async def get_user_account_as_app(self, discord_user_id: int) -> Account:
        """Master key. A member's personal account; with this key `balance` is always None."""
        return Account.from_json(await self._json(wire.user_account(discord_user_id, wire.KeyKind.MASTER),
                                                  self._master_key))

    # -- reads with a member's grant key --------------------------------------------------------------

    async def get_my_account(self, grant_key: str) -> Account:
        """Grant key. The personal account of the member who granted the key (NotFound if they have none)."""
        return Account.from_json(await self._json(wire.user_account("me", wire.KeyKind.GRANT), grant_key))

    async def get_user_account(self, grant_key: str, discord_user_id: int) -> Account:
        """Grant key. Another member's personal account."""
        return Account.from_json(await self._json(wire.user_account(discord_user_id, wire.KeyKind.GRANT),
                                                  grant_key))

    async def get_account_by_name(self, grant_key: str, name: str) -> Account:
        """Grant key. The account with exactly this name (case-sensitive; two with one name → ServerError)."""
        return Account.from_json(await self._json(wire.account_by_name(name), grant_key))

    async def get_account(self, grant_key: str, account_id: str) -> Account:
        """Grant key. An account by id (the master key gets 401 here)."""
        return Account.from_json(await self._json(wire.account_by_id(account_id), grant_key))

    async def get_transactions(self, grant_key: str, account_id: str, *, limit: int | None = None
                               ) -> list[Transaction]:
        """Grant key with VIEW_BALANCE on the account (else Unauthorized). Newest first."""
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
            raise ValueError("limit must be a positive integer")  # the server answers 500 to anything else
        body = await self._json(wire.transactions(account_id, limit), grant_key)
        return parse_list(body, Transaction.from_json)

    # -- paying ---------------------------------------------------------------------------------------

    async def create_transaction(self, grant_key: str, *, from_account: str, to_account: str, amount: int) -> None:
        """Grant key. Sends one transfer, never retried.

        A normal return does NOT prove money moved: without TRANSFER_FUNDS on the source account Taubot
        answers 200 and does nothing. Callers must verify (re-read the balance or the transaction log).
        """
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            # Taubot accepts zero, truncates floats and moves money backwards for negative amounts.
            raise InvalidTransaction("the amount must be a positive whole number of cents")
        source, target = _account_uuid(from_account, "from_account"), _account_uuid(to_account, "to_account")
        if source == target:
            # Taubot answers 200 to a self-transfer, moves nothing, and still counts it against the limit.
            # Compared as UUIDs: the same account spelled in capitals or without dashes is still itself.
            raise InvalidTransaction("cannot transfer from an account to itself")
        await self._call(wire.create_transaction(str(source), str(target), amount), grant_key)

    # -- transport ------------------------------------------------------------------------------------

    async def _json(self, call: wire.Call, key: str) -> Any:
        text = await self._call(call, key)
        try:
            return json.loads(text)
        except ValueError:
            raise ProtocolError(f"Taubot {call.endpoint} answered with a body that is not JSON") from None

    async def _call(self, call: wire.Call, key: str) -> str:
        """Send `call` with `key` and return the success body; raise a TaubotError for anything else."""
        # encoded=True: the path is already percent-encoded segment by segment and must reach Taubot as is.
        url = yarl.URL(self.base_url + call.path(), encoded=True)
        headers = {"Authorization": key, "User-Agent": self._user_agent, "Accept": "application/json"}
        attempts = self._max_get_attempts if call.idempotent else 1
        for attempt in range(1, attempts + 1):
            last_try = attempt == attempts
            try:
                status, text, retry_after = await self._send(call, url, headers)
            except aiohttp.ConnectionTimeoutError:
                # No connection was made, so Taubot saw nothing: as safe to retry as a refused connection.
                failure = "could not be reached: the connection timed out"
            except TimeoutError:
                # A read timeout is not retried: Taubot has the request and is slow, and retrying would make the
                # member wait several timeouts for one answer while adding load to a struggling server.
                raise Unavailable(f"Taubot {call.endpoint} did not answer in time") from None
            except aiohttp.ClientError as error:
                failure = f"could not be reached: {type(error).__name__}"
            else:
                failure = None
            if failure is not None:
                if last_try:
                    raise Unavailable(f"Taubot {call.endpoint} {failure}") from None
                await self._back_off(attempt)
                continue
            if wire.is_success(call, status):
                return text
            if call.idempotent and not last_try:
                if status in wire.RETRYABLE_STATUSES:
                    await self._back_off(attempt)
                    continue
                if status == 429 and (retry_after or 0) <= MAX_RETRY_AFTER_SECONDS:
                    await asyncio.sleep(retry_after if retry_after is not None else self._delay(attempt))
                    continue
            raise wire.error_for(call, status, text, retry_after)
        raise AssertionError("unreachable")

    async def _send(self, call: wire.Call, url: yarl.URL, headers: dict[str, str]) -> tuple[int, str, float | None]:
        self.requests_made += 1
        if self._on_request is not None:
            self._on_request(call.method, call.endpoint)
        async with self._session.request(call.method, url, headers=headers, json=call.json,
                                         params=call.query or None, timeout=self._timeout,
                                         allow_redirects=False) as response:
            text = await response.text(errors="replace")
            return response.status, text, _retry_after(response.headers.get("Retry-After"))

    def _delay(self, attempt: int) -> float:
        # Full jitter: spread retries of many members so they don't hit Taubot in lockstep.
        return random.uniform(0, self._backoff_base * 2 ** (attempt - 1))

    async def _back_off(self, attempt: int) -> None:
        await asyncio.sleep(self._delay(attempt))


def _account_uuid(account_id: str, field: str) -> uuid.UUID:
    # Taubot answers 500 to a malformed id, which would look like an outage (and still be a sent transfer).
    if isinstance(account_id, uuid.UUID):
        return account_id
    try:
        return uuid.UUID(account_id)
    except (ValueError, TypeError, AttributeError):
        raise InvalidTransaction(f"{field} is not a Taubot account id") from None


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None

