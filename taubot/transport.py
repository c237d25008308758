"""Sending one Call over the bot's aiohttp session, with the retry rules every dialect shares.

Reads (and calls marked repeatable) are retried on connection errors (connect timeouts included) and 502/503/504
with jittered backoff, and wait out a short 429 Retry-After; a read timeout is not retried. Anything else is
sent exactly once, whatever happens, including aiohttp's own silent resend of a GET whose connection dropped
(v2.1's key retrieval is a GET that answers only once). Whatever status comes back is returned as an Answer:
deciding what it means is the wire module's job.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

import aiohttp
import yarl

from .errors import Unavailable
from .wire import Answer, Call

DEFAULT_USER_AGENT = "taubot-discord/0.1 (+aiohttp)"
DEFAULT_TIMEOUT = aiohttp.ClientTimeout(total=10, connect=5)
MAX_RETRY_AFTER_SECONDS = 10.0  # a longer Retry-After is reported to the member instead of waited out
RETRYABLE_STATUSES = frozenset({502, 503, 504})


class ConnectionLostOnce(aiohttp.ClientConnectionError):
    """The connection dropped under a request that must not be sent twice. Not a ClientOSError nor a
    ServerDisconnectedError, the two failures after which aiohttp sends an idempotent method once more."""


async def _never_resent(request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType) -> aiohttp.ClientResponse:
    try:
        return await handler(request)
    except (aiohttp.ClientOSError, aiohttp.ServerDisconnectedError) as error:
        raise ConnectionLostOnce(type(error).__name__) from None


_SENT_ONCE = (_never_resent,)


class Transport:
    def __init__(self, session: aiohttp.ClientSession, *, timeout: aiohttp.ClientTimeout | None = None,
                 max_get_attempts: int = 3, backoff_base: float = 0.2, user_agent: str = DEFAULT_USER_AGENT,
                 on_request: Callable[[str, str], None] | None = None):
        self._session = session
        self._timeout = timeout or DEFAULT_TIMEOUT
        self._max_get_attempts = max(1, max_get_attempts)
        self._backoff_base = backoff_base
        self._on_request = on_request
        # Built once: every request sends these, and one with a key adds its Authorization to a copy. No Accept:
        # neither Taubot looks at it, and each header given costs more than aiohttp's own "Accept: */*".
        self._headers = {"User-Agent": user_agent}
        self.requests_made = 0

    async def exchange(self, base_url: str, call: Call, authorization: str | None) -> Answer:
        """Send `call` (retrying where that is harmless) and return the last answer; Unavailable if none came."""
        # encoded=True: the path is already percent-encoded segment by segment and must reach Taubot as is.
        url = yarl.URL(base_url.rstrip("/") + call.target(), encoded=True)
        headers = self._headers if authorization is None else {**self._headers, "Authorization": authorization}
        attempts = self._max_get_attempts if call.idempotent else 1
        for attempt in range(1, attempts + 1):
            last_try = attempt == attempts
            try:
                answer = await self._send(call, url, headers)
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
                if last_try or not await self._worth_retrying(answer, attempt):
                    return answer
                continue
            if last_try:
                raise Unavailable(f"Taubot {call.endpoint} {failure}") from None
            await self._back_off(attempt)
        raise AssertionError("unreachable")

    async def _worth_retrying(self, answer: Answer, attempt: int) -> bool:
        """Wait before the next attempt when one is worth making (only ever asked for repeatable calls)."""
        if answer.status in RETRYABLE_STATUSES:
            await self._back_off(attempt)
            return True
        if answer.status == 429 and (answer.retry_after or 0) <= MAX_RETRY_AFTER_SECONDS:
            await asyncio.sleep(answer.retry_after if answer.retry_after is not None else self._delay(attempt))
            return True
        return False

    async def _send(self, call: Call, url: yarl.URL, headers: dict[str, str]) -> Answer:
        self.requests_made += 1
        if self._on_request is not None:
            self._on_request(call.method, call.endpoint)
        # Awaited rather than entered: read() waits for the body's end and the request's writer, so release()
        # is all the context manager's exit would add, without its four coroutine frames.
        response = await self._session.request(call.method, url, headers=headers, json=call.json,
                                               timeout=self._timeout, allow_redirects=False,
                                               middlewares=None if call.idempotent else _SENT_ONCE)
        try:
            body = await response.read()
        finally:
            response.release()
        # Decoded here, not through text()'s charset look-up: Taubot's bodies are UTF-8 (JSON is by definition,
        # and both servers say so for text), and anything else only ever shows, shortened, in an error.
        received = response.headers
        content_type = received.get("Content-Type", "").split(";", 1)[0].strip().lower()
        retry_after = received.get("Retry-After")
        return Answer(response.status, content_type, body.decode("utf-8", "replace"),
                      None if retry_after is None else _retry_after(retry_after))

    def _delay(self, attempt: int) -> float:
        # Full jitter: spread retries of many members so they don't hit Taubot in lockstep.
        return random.uniform(0, self._backoff_base * 2 ** (attempt - 1))

    async def _back_off(self, attempt: int) -> None:
        await asyncio.sleep(self._delay(attempt))


def _retry_after(value: str) -> float | None:
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
