"""One loop timer for many waits of the same length that nearly always end early: the "thinking…" each command
would send if its work took too long (deferral.py).

A timer of its own per command costs a scheduled handle, a place in the loop's heap (whose ordering runs Python
code for each comparison) and its cancellation, for every command, though nearly every one finishes long
before its time.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

# The loop runs a timer up to its clock's resolution early; an item due within this is started with it.
TIMER_SLACK_SECONDS = 0.001


class Due(Protocol):
    deadline: float  # set by SharedTimer.add: when (loop time) it is due

    def start(self) -> None: ...


class SharedTimer:
    """Starts each item `delay` seconds after it was added, unless discarded first, on one loop timer for all.

    Items are kept in the order they were added, which (one delay, a monotonic clock) is the order they are due
    in: the timer is set for the first one, and when it fires it starts those due and is set again for the
    next. An item discarded before its time is simply removed; the timer, if it was set for it, finds the next
    one instead (or nothing) when it fires.
    """

    def __init__(self, delay: float):
        self.delay = delay
        self._waiting: dict[Due, None] = {}  # insertion-ordered: due first, first
        self._armed_on: asyncio.AbstractEventLoop | None = None  # the loop the timer is set on, while it is

    def add(self, item: Due) -> None:
        loop = asyncio.get_running_loop()
        item.deadline = loop.time() + self.delay
        self._waiting[item] = None
        if self._armed_on is not loop:
            self._armed_on = loop
            loop.call_at(item.deadline, self._fire)

    def discard(self, item: Due) -> None:
        self._waiting.pop(item, None)

    def _fire(self) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time() + TIMER_SLACK_SECONDS
        while self._waiting:
            first = next(iter(self._waiting))
            if first.deadline > now:
                loop.call_at(first.deadline, self._fire)
                return
            del self._waiting[first]
            first.start()
        self._armed_on = None
