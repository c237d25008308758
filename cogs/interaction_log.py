"""The one log line of every interaction: what it was, who, its outcome word, how long it took, and how many
Taubot requests it made.

"Outcome" means exactly this word, nothing else in the code: a cog sets it with `set_outcome` (or
`ui.refuse`); guarded.py writes the line when the interaction ends.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass

import discord

from taubot import NotFound, Rejected, TaubotError, Unauthorized

log = logging.getLogger("taubot_bot.interactions")

# The `outcome=` word of each interaction's log line, so refusals can be counted apart from successes. Kept
# small on purpose.
OUTCOMES = frozenset({
    "ok",                  # did what was asked
    "not_linked",          # the member has no linked Taubot account
    "refused",             # not done as asked: bad input, paying yourself, a link that doesn't allow it, Taubot said no
    "cooldown",            # the member ran the command too often in a short while (cooldowns.py)
    "not_allowed",         # another check of the command refused it
    "not_found",           # Taubot has no such account
    "insufficient_funds",  # a payment the balance does not cover, refused before sending
    "taubot_error",        # Taubot unreachable or failing
    "cancelled",           # the member cancelled
    "expired",             # Discord dropped the interaction before the bot answered
    "error",               # an unexpected failure, logged with its traceback
    "unavailable",         # the bot's database file is gone (storage logged it once, CRITICAL)
    "stopping",            # turned away because the bot is shutting down
    "cut_off",             # stopped by a shutdown before it finished; the member was told
})


@dataclass
class InteractionStats:
    taubot_requests: int = 0
    outcome: str = "ok"


_current = contextvars.ContextVar[InteractionStats | None]("taubot_interaction_stats", default=None)


def set_outcome(interaction: discord.Interaction, outcome: str) -> None:
    """Record how this interaction ended, for its log line."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}; add it to OUTCOMES (and document it) first")
    stats = interaction.extras.get("stats")
    if stats is not None:
        stats.outcome = outcome


def outcome_of(error: TaubotError) -> str:
    """The outcome word of a Taubot error answered with messages.describe_lookup_failure/describe_unavailable."""
    if isinstance(error, NotFound):
        return "not_found"
    if isinstance(error, Unauthorized | Rejected):
        return "refused"
    return "taubot_error"


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


class InteractionLine:
    """An interaction's line: `start` puts fresh stats where set_outcome and the request counter find them, `end`
    takes them away and writes the line. (A class, not a context manager: guarded.py's one `with` per
    interaction calls both.)"""

    __slots__ = ("_started", "_token", "interaction", "stats", "what")

    def __init__(self, what: str, interaction: discord.Interaction):
        self.what, self.interaction = what, interaction

    def start(self) -> InteractionStats:
        self.stats = InteractionStats()
        self.interaction.extras["stats"] = self.stats
        self._token = _current.set(self.stats)
        self._started = time.perf_counter()
        return self.stats

    def end(self) -> None:
        _current.reset(self._token)
        _write_line(self.what, self.interaction, self.stats, self._started)


@contextlib.contextmanager
def logged_as(what: str, interaction: discord.Interaction, outcome: str) -> Iterator[None]:
    """The line of an interaction turned away before any handler ran (shutdown, someone else's button)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        _write_line(what, interaction, InteractionStats(outcome=outcome), started)


def _write_line(what: str, interaction: discord.Interaction, stats: InteractionStats, started: float) -> None:
    # Formatted here, not by logging: the record then carries no arguments for redaction to go through.
    log.info(f"{what} user={interaction.user.id} outcome={stats.outcome} "
             f"duration_ms={(time.perf_counter() - started) * 1000:.0f} taubot_requests={stats.taubot_requests}")
