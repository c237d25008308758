"""Answering directly, or sending "thinking…" first: `defer_if_slow` decides per interaction, from how long its
work takes and how long work can be expected to take right now (expected_wait.py).

Every command's work is watched, and nearly all of it ends in milliseconds, so watching has to cost next to
nothing: the deferrals waiting to start share one loop timer (per delay) instead of each scheduling and
cancelling its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

import discord

from .expected_wait import ExpectedWait
from .in_flight import in_flight_of
from .shared_timer import SharedTimer

T = TypeVar("T")
# Discord drops an interaction not answered within 3 s; deferring after 1 s leaves room for a slow link to
# Discord itself.
DEFER_AFTER_SECONDS = 1.0


async def defer_if_slow(interaction: discord.Interaction, work: Awaitable[T], *,
                        after: float = DEFER_AFTER_SECONDS) -> T:
    """Await `work`, deferring the (ephemeral) response only if it takes longer than `after` seconds.

    Most Taubot reads take milliseconds, and answering them directly saves a whole round trip to Discord
    (and one request against its rate limits); a slow one still gets its "thinking…" within the window. When
    the answer is expected to take longer than `after` anyway (recent work was that slow, or work still in
    flight has waited that long: expected_wait.py), it defers at once instead of making the member wait for
    a timer that would only defer later.
    """
    in_flight = in_flight_of(interaction.client)
    if in_flight is not None:
        expected_wait, timers = in_flight.expected_wait, in_flight.defer_timers
    else:
        expected_wait, timers = ExpectedWait(), {}
    timer = None if expected_wait.seconds() >= after else timers.get(after) or timers.setdefault(
        after, SharedTimer(after))
    deferral = _DeferLater(interaction, timer)
    expected_wait.started(deferral)
    try:
        result = await work
    except BaseException as error:
        expected_wait.stopped(deferral)
        if isinstance(error, asyncio.CancelledError):
            if not deferral.failed():
                deferral.abandon()
                raise
            # The defer failed (e.g. the interaction expired) and stopped the work: its error is the one to handle.
            current = asyncio.current_task()
            if current is not None:
                current.uncancel()
        defer = deferral.settled()
        if defer is not None:
            await defer  # the error's sentence then follows the "thinking…" it started
        raise
    expected_wait.finished(deferral)
    defer = deferral.settled()
    if defer is not None:
        await defer
    return result


class _DeferLater:
    """Sends "thinking…" once its timer says so (None: at once) unless settled first, while the current task does
    the work itself: no second task, no waiter, for the common answer that takes milliseconds. If the defer
    fails, nobody will read the work's answer, so the work is cancelled: it must not go on making Taubot
    requests behind the interaction's back."""

    __slots__ = ("_defer", "_interaction", "_soon", "_timer", "_work", "deadline")
    deadline: float  # set by the shared timer

    def __init__(self, interaction: discord.Interaction, timer: SharedTimer | None):
        self._interaction = interaction
        self._work: asyncio.Task | None = asyncio.current_task()
        self._defer: asyncio.Task | None = None
        self._timer = timer
        self._soon: asyncio.Handle | None = None
        if timer is None:
            self._soon = asyncio.get_running_loop().call_soon(self.start)
        else:
            timer.add(self)

    def start(self) -> None:
        self._defer = asyncio.ensure_future(self._interaction.response.defer(ephemeral=True, thinking=True))
        self._defer.add_done_callback(self._stop_work_if_failed)

    def _stop_work_if_failed(self, defer: asyncio.Task) -> None:
        if self._work is not None and not defer.cancelled() and defer.exception() is not None:
            self._work.cancel()

    def failed(self) -> bool:
        defer = self._defer
        return defer is not None and defer.done() and not defer.cancelled() and defer.exception() is not None

    def _stop_waiting(self) -> None:
        self._work = None
        if self._timer is not None:
            self._timer.discard(self)
        elif self._soon is not None:
            self._soon.cancel()

    def settled(self) -> asyncio.Task | None:
        """The work is over: no "thinking…" unless it is on its way; then its task, for the caller to await (it has
        arrived, or raised, before anything else is sent)."""
        self._stop_waiting()
        return self._defer

    def abandon(self) -> None:
        """The work was cancelled (a shutdown): no "thinking…" any more."""
        self._stop_waiting()
        if self._defer is not None:
            self._defer.cancel()
