"""The shutdown bookkeeping: which interactions are being handled right now, whether new ones are still
welcome, and the drain that lets them finish before the bot closes its connections.

The bot owns one `InFlight`; every command, button and modal is tracked in it while it runs (see guarded.py).
At shutdown the bot stops accepting work, waits up to a grace period, then cancels what is left and tells
those members to check before trying again, unless they already had their answer.
"""

from __future__ import annotations

import asyncio
import logging

import discord

from .expected_wait import ExpectedWait
from .messages import CUT_OFF
from .shared_timer import SharedTimer

log = logging.getLogger("taubot_bot")
# Where each interaction's own lines go (see interaction_log.py); the drain's summary lines are the bot's.
interactions_log = logging.getLogger("taubot_bot.interactions")

CUT_OFF_WAIT_SECONDS = 2.0  # for interactions cancelled after the grace period to unwind, before telling members


class InFlight:
    def __init__(self) -> None:
        self.stopping = False  # set at shutdown: new interactions are turned away politely
        self._running: dict[asyncio.Task, discord.Interaction] = {}
        self.expected_wait = ExpectedWait()  # how long members' work takes right now (for deferring)
        self.defer_timers: dict[float, SharedTimer] = {}  # deferrals waiting to start, by delay (deferral.py)

    def __len__(self) -> int:
        return len(self._running)

    def start(self, interaction: discord.Interaction) -> asyncio.Task | None:
        """Count the current task as handling `interaction` until `stop` is given what this returned."""
        task = asyncio.current_task()
        if task is not None:
            self._running[task] = interaction
        return task

    def stop(self, task: asyncio.Task | None) -> None:
        if task is not None:
            self._running.pop(task, None)

    async def drain(self, grace_seconds: float) -> None:
        """Stop accepting work, let what runs finish within `grace_seconds`, then cut off the rest."""
        self.stopping = True
        running = {task: interaction for task, interaction in self._running.items()
                   if task is not asyncio.current_task() and not task.done()}
        if not running:
            return
        log.info("Waiting up to %.0f s for %d interaction(s) to finish", grace_seconds, len(running))
        _, unfinished = await asyncio.wait(running, timeout=grace_seconds)
        if not unfinished:
            return
        for task in unfinished:
            # A payment cut off here stays 'pending' in the journal and is reconciled at the next start.
            task.cancel()
        await asyncio.wait(unfinished, timeout=CUT_OFF_WAIT_SECONDS)  # let them unwind (journal, locks) first
        log.warning("Stopped %d interaction(s) that did not finish in time", len(unfinished))
        # Discord's connection is still open here: each member hears why their command stopped halfway.
        await asyncio.wait([asyncio.create_task(tell_cut_off(running[task])) for task in unfinished],
                           timeout=CUT_OFF_WAIT_SECONDS)


def in_flight_of(client: discord.Client) -> InFlight | None:
    """The bot's bookkeeping (None for a client that keeps none)."""
    tracker = getattr(client, "in_flight", None)
    return tracker if isinstance(tracker, InFlight) else None


def note_answered(interaction: discord.Interaction) -> None:
    """The member has their answer: whatever the handler still does (a DM to someone else, bookkeeping) must
    not replace it, even if a shutdown cuts that work off."""
    interaction.extras["answered"] = True


def was_answered(interaction: discord.Interaction) -> bool:
    return bool(interaction.extras.get("answered"))


async def tell_cut_off(interaction: discord.Interaction) -> None:
    """Tell the member whose interaction a shutdown cancelled, in place of what it was showing (unless they
    already had their answer)."""
    if was_answered(interaction):
        return
    try:
        if interaction.response.is_done():
            await interaction.edit_original_response(content=CUT_OFF, embed=None, view=None)
        else:
            await interaction.response.send_message(CUT_OFF, ephemeral=True)
    except discord.HTTPException as error:  # e.g. the interaction expired long ago
        interactions_log.info("Could not tell user %s their interaction was cut off: %s", interaction.user.id,
                              error.status)
