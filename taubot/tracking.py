"""Which dialect the client speaks right now.

Pinned by the TAUBOT_API_DIALECT setting ("v2", "v2.1"), or detected ("auto"): once, before the first request,
and again when an answer comes back in the other dialect's shape (the operator upgraded Taubot under a running
bot). A re-detection that finds nothing changed is not repeated for a while, so a misbehaving proxy cannot
turn every request into two.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from .dialect import AUTO, Dialect, dialect_named
from .errors import TaubotError

log = logging.getLogger("taubot.dialect")

RECHECK_PAUSE_SECONDS = 10.0


class DialectTracker:
    def __init__(self, setting: Dialect | str, probe: Callable[[], Awaitable[Dialect]]):
        self._probe = probe
        self._lock = asyncio.Lock()
        self._pinned = setting if isinstance(setting, Dialect) else (
            None if setting.strip().lower() == AUTO else dialect_named(setting))
        self._current: Dialect | None = self._pinned
        self._confirmed_at = float("-inf")

    @property
    def pinned(self) -> bool:
        return self._pinned is not None

    @property
    def current(self) -> Dialect | None:
        return self._current

    async def get(self) -> Dialect:
        """The dialect to speak; detects it first when that has not happened yet."""
        if self._current is None:
            async with self._lock:
                if self._current is None:
                    self._current = await self._probe()
                    log.info("Taubot speaks %s (detected)", self._current)
        return self._current

    async def detect(self) -> Dialect:
        """Ask the server now (a pinned dialect is returned as it is, without a request)."""
        if self._pinned is not None:
            return self._pinned
        async with self._lock:
            self._current = await self._probe()
            log.info("Taubot speaks %s (detected)", self._current)
            return self._current

    async def recheck(self, seen: Dialect, endpoint: str) -> bool:
        """An answer to `endpoint`, sent in `seen`, looked like the other dialect: True if the server now
        speaks another one (detected again here, or by a concurrent request meanwhile)."""
        if self._pinned is not None:
            if time.monotonic() - self._confirmed_at < RECHECK_PAUSE_SECONDS:
                return False
            self._confirmed_at = time.monotonic()
            log.warning("Taubot answered %s in another dialect's shape, but TAUBOT_API_DIALECT pins %s: "
                        "set it to auto (or to the server's version) if the server was upgraded", endpoint, seen)
            return False
        async with self._lock:
            if self._current is not seen:
                return True
            if time.monotonic() - self._confirmed_at < RECHECK_PAUSE_SECONDS:
                return False
            return await self._redetect(seen, endpoint)

    async def _redetect(self, seen: Dialect, endpoint: str) -> bool:
        try:
            found = await self._probe()
        except TaubotError as error:
            log.warning("Taubot answered %s in another dialect's shape; detecting the dialect again failed "
                        "(%s), so the bot keeps speaking %s", endpoint, error, seen)
            return False
        self._current, self._confirmed_at = found, time.monotonic()
        if found is seen:
            log.info("Taubot answered %s in another dialect's shape, but still speaks %s", endpoint, seen)
            return False
        log.warning("Taubot now speaks %s (was %s; noticed on %s): the bot switched dialect", found, seen,
                    endpoint)
        return True
