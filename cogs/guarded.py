"""How every interaction runs: turned away while the bot stops, tracked in flight, logged, and one error path.

Slash commands go through `TaubotCommandTree`; buttons and modals through `run_guarded` (discord.py only
logs an exception raised in a component callback, and the member would see "This interaction failed").
Either way an unexpected error is logged once, with context and without secrets, and the member gets one
sentence; the interaction's log line says how it ended (interaction_log.py). After the answer, the member sees
any notice waiting for them (notices.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands

from storage import DatabaseGone
from taubot import TaubotError

from . import member_names
from .in_flight import in_flight_of, was_answered
from .interaction_log import InteractionLine, InteractionStats, logged_as, set_outcome
from .messages import (
    BOT_UNAVAILABLE,
    NOT_ALLOWED_NOW,
    SOMETHING_WENT_WRONG,
    STOPPING,
    describe_unavailable,
    on_cooldown,
)
from .notices import show_waiting_notices
from .ui import refuse, reply

log = logging.getLogger("taubot_bot.interactions")

UNKNOWN_INTERACTION = 10062  # Discord: the interaction expired (no answer within 3 s) or was already answered


class Handling:
    """Run a handler in the block: counted in flight (shutdown waits for it) and logged when it ends. One class
    rather than nested context managers: every interaction enters it."""

    __slots__ = ("_in_flight", "_interaction", "_line", "_task")

    def __init__(self, what: str, interaction: discord.Interaction):
        self._interaction = interaction
        self._line = InteractionLine(what, interaction)

    def __enter__(self) -> InteractionStats:
        interaction = self._interaction
        member_names.remember(interaction.user)  # free, and lets account names show members' names
        stats = self._line.start()
        self._in_flight = in_flight_of(interaction.client)
        self._task = self._in_flight.start(interaction) if self._in_flight is not None else None
        return stats

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, traceback: Any) -> None:
        try:
            if kind is not None and issubclass(kind, asyncio.CancelledError) and not was_answered(self._interaction):
                self._line.stats.outcome = "cut_off"  # only shutdown cancels an interaction's task
            if self._in_flight is not None:
                self._in_flight.stop(self._task)
        finally:
            self._line.end()


def stopping(interaction: discord.Interaction) -> bool:
    """Whether the bot is shutting down: new work is then turned away (`refuse_while_stopping`)."""
    in_flight = in_flight_of(interaction.client)
    return in_flight is not None and in_flight.stopping


async def refuse_while_stopping(interaction: discord.Interaction, what: str) -> None:
    """During shutdown, new work is turned away with a sentence instead of being cut off halfway."""
    with logged_as(what, interaction, "stopping"):
        if interaction.type is not discord.InteractionType.autocomplete:
            await reply(interaction, STOPPING)


async def handle_unexpected(interaction: discord.Interaction, error: Exception, what: str) -> str:
    """Log `error` once and tell the member in one sentence; return the outcome word for the log line."""
    if isinstance(error, discord.NotFound) and error.code == UNKNOWN_INTERACTION:
        log.warning("%s by user %s: Discord says the interaction expired before the bot answered", what,
                    interaction.user.id)
        return "expired"
    if isinstance(error, DatabaseGone):
        # storage logged the one CRITICAL line; each member just learns that the bot is unavailable.
        message, outcome = BOT_UNAVAILABLE, "unavailable"
    elif isinstance(error, TaubotError):
        # A Taubot failure no handler turned into a message: still one clear sentence, not a stack trace.
        log.warning("%s by user %s: Taubot error %s", what, interaction.user.id, error)
        message, outcome = describe_unavailable(error), "taubot_error"
    else:
        log.error("%s by user %s failed", what, interaction.user.id, exc_info=error)
        message, outcome = SOMETHING_WENT_WRONG, "error"
    if interaction.type is discord.InteractionType.autocomplete:
        return outcome  # suggestions have no room for a sentence: the member sees none
    try:
        await reply(interaction, message)
    except discord.HTTPException as reply_error:
        log.warning("Could not tell user %s about the failure: %s", interaction.user.id, reply_error.status)
    return outcome


async def run_guarded(kind: str, name: str, interaction: discord.Interaction,
                      handler: Callable[[], Awaitable[None]]) -> None:
    """Run a button's or a modal's handler the way the command tree runs a command."""
    if stopping(interaction):
        await refuse_while_stopping(interaction, f"{kind}={name}")
        return
    with Handling(f"{kind}={name}", interaction) as stats:
        try:
            await handler()
        except Exception as error:  # one place for every component's unexpected failure
            stats.outcome = await handle_unexpected(interaction, error, f"{kind} {name}")
        await show_waiting_notices(interaction)


# Application command option types that name a subcommand or a group of them.
_SUBCOMMAND_TYPES = (1, 2)


def _logged_name(interaction: discord.Interaction) -> object:
    """'pay.user' for /pay user: log lines are space-separated fields, and no command name has a dot. Read from
    the payload (the names Discord sent: the command's, then its group's and subcommand's), so the log line does
    not make discord.py look the command up once more before the tree does."""
    data = interaction.data
    if not isinstance(data, dict):
        return None
    name = data.get("name")
    options: Any = data.get("options")  # a list of option objects, as Discord sent them
    while options and isinstance(options[0], dict) and options[0].get("type") in _SUBCOMMAND_TYPES:
        name = f"{name}.{options[0].get('name')}"
        options = options[0].get("options")
    return name


class TaubotCommandTree(app_commands.CommandTree):
    """The bot's command tree: every command runs through `Handling`, and an unexpected error ends in one
    sentence. Its defaults make a command that declares nothing usable wherever Discord can offer it (server
    and user installs; servers, the bot's DMs and private channels), as every command here is; each command
    also declares its own, so `sync --dry-run` shows the decision next to it."""

    def __init__(self, client: discord.Client, **options: Any) -> None:
        options.setdefault("allowed_installs", app_commands.AppInstallationType(guild=True, user=True))
        options.setdefault("allowed_contexts", app_commands.AppCommandContext(guild=True, dm_channel=True,
                                                                              private_channel=True))
        super().__init__(client, **options)

    async def _call(self, interaction: discord.Interaction) -> None:
        name = _logged_name(interaction)
        kind = "autocomplete" if interaction.type is discord.InteractionType.autocomplete else "command"
        if stopping(interaction):
            await refuse_while_stopping(interaction, f"{kind}=/{name}")
            return
        with Handling(f"{kind}=/{name}", interaction):
            await super()._call(interaction)
            await show_waiting_notices(interaction)

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        name = _logged_name(interaction) or "?"
        if isinstance(original, app_commands.CheckFailure):  # a refusal, not a failure: no traceback
            await refuse_check(interaction, original)
            return
        set_outcome(interaction, await handle_unexpected(interaction, original, f"/{name}"))


async def refuse_check(interaction: discord.Interaction, failure: app_commands.CheckFailure) -> None:
    """Tell the member why a check turned the command away, with its own outcome word."""
    if isinstance(failure, app_commands.CommandOnCooldown):
        command = interaction.command.qualified_name if interaction.command else "this command"
        await refuse(interaction, on_cooldown(command, failure.retry_after), outcome="cooldown")
    else:
        await refuse(interaction, NOT_ALLOWED_NOW, outcome="not_allowed")
