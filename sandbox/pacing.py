"""A Taubot that behaves like the real one under load: each API request waits for a single worker that serves
at most `requests_per_second`, first come first served, and then for `latency_seconds` more (the network and
the server's own fixed cost).

The real server measured 110–330 requests/s with 3–6 ms of CPU per request: one worker, so a burst of
requests queues. Waiting here is a sleep, not work, so a paced sandbox costs the benchmarked bot no CPU.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass


@dataclass(frozen=True)
class PacingSettings:
    latency_seconds: float = 0.0
    requests_per_second: float | None = None  # None: no cap

    def __post_init__(self) -> None:
        if self.latency_seconds < 0:
            raise ValueError("latency must not be negative")
        if self.requests_per_second is not None and self.requests_per_second <= 0:
            raise ValueError("the request rate cap must be positive")

    @property
    def active(self) -> bool:
        return self.latency_seconds > 0 or self.requests_per_second is not None


class Pacer:
    """Delays each request as the settings say; `settings` may be replaced at any time."""

    def __init__(self, settings: PacingSettings | None = None):
        self.settings = settings or PacingSettings()
        self._worker_free_at = 0.0  # loop time at which the one worker finishes what it has queued

    def reset(self, settings: PacingSettings) -> None:
        self.settings = settings
        self._worker_free_at = 0.0

    async def wait_turn(self) -> None:
        settings = self.settings
        if not settings.active:
            return
        now = asyncio.get_running_loop().time()
        served_at = now
        if settings.requests_per_second is not None:
            served_at = max(now, self._worker_free_at) + 1 / settings.requests_per_second
            self._worker_free_at = served_at
        await asyncio.sleep(served_at - now + settings.latency_seconds)
