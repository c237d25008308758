"""The one error path and the one log line for every interaction the bot handles.

Slash commands go through `TaubotCommandTree`; buttons through `GuardedButton` (discord.py only logs an
exception raised in a button callback, and the member would see "This interaction failed"). Either way an
unexpected error is logged once, with context and without secrets, and the member gets one sentence.
Each interaction also ends with one INFO line: what it was, who, the outcome (a word from common.OUTCOMES,
set by the cog with `set_outcome`/`refuse`), how long it took and how many Taubot requests it made.
Interactions turned away during shutdown, or by a button's owner check, get their line too.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import discord
from discord import app_commands

from taubot import TaubotError

from .common import SOMETHING_WENT_WRONG, describe_unavailable, reply, set_outcome, was_answered

log = logging.getLogger("taubot_bot.interactions")

UNKNOWN_INTERACTION = 10062  # Discord: the interaction expired (no answer within 3 s) or was already answered


@dataclass
class InteractionStats:
    taubot_requests: int = 0
    outcome: str = "ok"


_current = contextvars.ContextVar[InteractionStats | None]("taubot_interaction_stats", default=None)


def _log_line(what: str, interaction: discord.Interaction, stats: InteractionStats, started: float) -> None:
    log.info("%s user=%s outcome=%s duration_ms=%.0f taubot_requests=%d", what, interaction.user.id, stats.outcome,
             (time.perf_counter() - started) * 1000, stats.taubot_requests)


@contextlib.contextmanager
def _logged_as(what: str, interaction: discord.Interaction, outcome: str) -> Iterator[None]:
    """The log line of an interaction turned away before any handler ran (shutdown, someone else's button)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        _log_line(what, interaction, InteractionStats(outcome=outcome), started)


def count_taubot_request(method: str, endpoint: str) -> None:
    """TaubotClient's on_request hook: attribute the request to the interaction being handled."""
    stats = _current.get()
    if stats is not None:
        stats.taubot_requests += 1


@contextlib.contextmanager
def counting_taubot_requests() -> Iterator[InteractionStats]:
    """Count the Taubot requests made inside the block on fresh stats (for work that is no interaction)."""
    token = _current.set(stats := InteractionStats())
    try:
        yield stats
    finally:
        _current.reset(token)


async def handle_unexpected(interaction: discord.Interaction, error: Exception, what: str) -> str:
    """Log `error` once and tell the member in one sentence; return the outcome word for the log line."""
    if isinstance(error, discord.NotFound) and error.code == UNKNOWN_INTERACTION:
        log.warning("%s by user %s: Discord says the interaction expired before the bot answered", what,
                    interaction.user.id)
        return "expired"
    if isinstance(error, TaubotError):
        # A Taubot failure no handler turned into a message: still one clear sentence, not a stack trace.
        log.warning("%s by user %s: Taubot error %s", what, interaction.user.id, error)
        message, outcome = describe_unavailable(error), "taubot_error"
    else:
        log.error("%s by user %s failed", what, interaction.user.id, exc_info=error)
        message, outcome = SOMETHING_WENT_WRONG, "error"
    try:
        await reply(interaction, message)
    except discord.HTTPException as reply_error:
        log.warning("Could not tell user %s about the failure: %s", interaction.user.id, reply_error.status)
    return outcome


STOPPING = "I'm restarting right now. Nothing was changed; try again in a minute."
# Unlike STOPPING, something may have happened (a payment may have been sent): the member must check.
CUT_OFF = "I had to restart before this finished. Check /history or /balance before trying again."


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
        log.info("Could not tell user %s their interaction was cut off: %s", interaction.user.id, error.status)


async def refuse_while_stopping(interaction: discord.Interaction, what: str) -> bool:
    """During shutdown, new work is turned away with a sentence instead of being cut off halfway."""
    if not getattr(interaction.client, "stopping", False):
        return False
    with _logged_as(what, interaction, "stopping"):
        if interaction.type is not discord.InteractionType.autocomplete:
            await reply(interaction, STOPPING)
    return True


class _Timed:
    """Runs a handler with fresh stats, counts it as in flight (shutdown waits for it), and writes the
    interaction's log line when it ends."""

    def __init__(self, what: str, interaction: discord.Interaction):
        self.what, self.interaction = what, interaction
        self.stats = InteractionStats()
        self._in_flight: dict[asyncio.Task, discord.Interaction] | None = getattr(interaction.client, "in_flight",
                                                                                 None)

    def __enter__(self) -> InteractionStats:
        self.interaction.extras["stats"] = self.stats  # where set_outcome finds it
        self._token = _current.set(self.stats)
        self._started = time.perf_counter()
        self._task = asyncio.current_task()
        if self._in_flight is not None and self._task is not None:
            self._in_flight[self._task] = self.interaction
        return self.stats

    def __exit__(self, exc_type: type[BaseException] | None, *exc_info: Any) -> None:
        _current.reset(self._token)
        if self._in_flight is not None:
            self._in_flight.pop(self._task, None)
        if exc_type is not None and issubclass(exc_type, asyncio.CancelledError) and not was_answered(self.interaction):
            self.stats.outcome = "cut_off"  # only shutdown cancels an interaction's task
        _log_line(self.what, self.interaction, self.stats, self._started)


class TaubotCommandTree(app_commands.CommandTree):
    async def _call(self, interaction: discord.Interaction) -> None:
        name = interaction.command.qualified_name if interaction.command else (interaction.data or {}).get("name")
        kind = "autocomplete" if interaction.type is discord.InteractionType.autocomplete else "command"
        if await refuse_while_stopping(interaction, f"{kind}=/{name}"):
            return
        with _Timed(f"{kind}=/{name}", interaction):
            await super()._call(interaction)

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        name = interaction.command.qualified_name if interaction.command else "?"
        set_outcome(interaction, await handle_unexpected(interaction, original, f"/{name}"))


class GuardedButton:
    """Mixin for the bot's DynamicItem buttons: subclasses implement `handle`; errors get the one error path."""

    async def handle(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError

    async def callback(self, interaction: discord.Interaction) -> None:
        if await refuse_while_stopping(interaction, f"button={self.button_name}"):
            return
        with _Timed(f"button={self.button_name}", interaction) as stats:
            try:
                await self.handle(interaction)
            except Exception as error:  # one place for every button's unexpected failure
                stats.outcome = await handle_unexpected(interaction, error, f"button {self.button_name}")

    @property
    def button_name(self) -> str:
        # "pay:confirm:<payer>:<intent>" → "pay:confirm": names the button without the ids it carries.
        custom_id = getattr(getattr(self, "item", None), "custom_id", None) or "?"
        return ":".join(custom_id.split(":")[:2])


class PrefixedButton(GuardedButton):
    """A DynamicItem button whose custom_id is `<prefix>:<argument>` (the template names the argument group
    `argument`); subclasses set `prefix`, `label` and `style` and implement `handle`. When `owner_id` gives
    a member, only that member may press it; anyone else is told `not_yours`."""

    prefix: ClassVar[str]
    label: ClassVar[str]
    style: ClassVar[discord.ButtonStyle] = discord.ButtonStyle.secondary
    not_yours: ClassVar[str] = "These buttons belong to someone else."

    def __init__(self, argument: str | int, *, disabled: bool = False):
        super().__init__(discord.ui.Button(label=self.label, style=self.style,  # type: ignore[call-arg]
                                           custom_id=f"{self.prefix}:{argument}", disabled=disabled))
        self.argument = str(argument)

    @property
    def owner_id(self) -> int | None:
        return None

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: Any, match: re.Match[str]):
        return cls(match["argument"])

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if self.owner_id is None or interaction.user.id == self.owner_id:
            return True
        with _logged_as(f"button={self.button_name}", interaction, "refused"):
            await interaction.response.send_message(self.not_yours, ephemeral=True)
        return False


async def handle_modal(interaction: discord.Interaction, what: str, handler) -> None:
    """Modal submissions get the same treatment as commands and buttons."""
    if await refuse_while_stopping(interaction, f"modal={what}"):
        return
    with _Timed(f"modal={what}", interaction) as stats:
        try:
            await handler()
        except Exception as error:
            stats.outcome = await handle_unexpected(interaction, error, f"modal {what}")
