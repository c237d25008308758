"""How long a member's answer can be expected to take right now, from the work the bot is doing for members:
what `defer_if_slow` (ui.py) uses to choose between answering directly and sending "thinking…" at once.

Two signs say it, and the larger wins. Recent latency: a moving average of how long finished work took
(Taubot slow for everyone). Work in flight: how long the oldest piece still running has waited so far (a
queue, in Taubot or in the bot; whatever arrives now queues behind it). When Taubot answers in milliseconds
both stay near zero however many members ask at once, and every answer goes out directly, one request to
Discord; a fixed count of interactions in flight cannot tell a busy bot from a slow one.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

# Weight of the newest finished work in the moving average: one slow answer among quick ones moves it a fifth.
SMOOTHING = 0.2


class ExpectedWait:
    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._latency = 0.0
        self._running: OrderedDict[object, float] = OrderedDict()  # start times, oldest first

    def started(self, work: object) -> None:
        """Count `work` as in flight from now on."""
        self._running[work] = self._clock()

    def stopped(self, work: object) -> None:
        """`work` failed or was cancelled: no longer in flight, and no measure of how long work takes."""
        del self._running[work]

    def finished(self, work: object) -> None:
        """`work` is done: no longer in flight, and its duration counts as recent."""
        started = self._running.pop(work)
        self._latency += SMOOTHING * (self._clock() - started - self._latency)

    def seconds(self) -> float:
        """The wait to expect for work starting now."""
        oldest = next(iter(self._running.values()), None)
        waited = 0.0 if oldest is None else self._clock() - oldest
        return max(self._latency, waited)
