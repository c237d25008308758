"""Per-member cooldowns on the commands that cost Taubot requests, sized so that no member meets one in normal
use: they only stop one member from making the bot hammer Taubot (whose limits would then fall on everyone).

    @member_cooldown(HISTORY)
    async def history(self, interaction, ...): ...

A member over the limit gets discord.py's own `CommandOnCooldown`, which the command tree answers with a
sentence saying when to try again (guarded.py). The counts live per bot, in memory: a restart forgets them.
"""

from __future__ import annotations

import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import discord
from discord import app_commands

T = TypeVar("T")
MEMBERS = 10_000  # members whose counts are kept per command; the least recently active are forgotten


@dataclass(frozen=True)
class Allowance:
    uses: int
    per_seconds: float
    # Whether this use counts (e.g. only /balance with an account name); None: every use does.
    counts: Callable[[discord.Interaction], bool] | None = None


# The README's "Repeating a command" paragraph states these.
HISTORY = Allowance(5, 60)  # each /history may look up to 100 accounts; turning pages costs nothing
LINK_ACCOUNT = Allowance(5, 600)  # each registers a grant link with Taubot and sends a DM
REQUEST = Allowance(5, 300)  # each sends a member a DM: no member can be flooded with requests
BALANCE_OF_AN_ACCOUNT = Allowance(10, 60, counts=lambda interaction: interaction.namespace.account is not None)


def member_cooldown(allowance: Allowance) -> Callable[[T], T]:
    """A check: at most `allowance.uses` uses per member in any `allowance.per_seconds`, per bot."""
    counts: weakref.WeakKeyDictionary[Any, OrderedDict[int, app_commands.Cooldown]] = weakref.WeakKeyDictionary()

    async def within_allowance(interaction: discord.Interaction) -> bool:
        if allowance.counts is not None and not allowance.counts(interaction):
            return True
        members = counts.setdefault(interaction.client, OrderedDict())
        bucket = members.pop(interaction.user.id, None) or app_commands.Cooldown(allowance.uses,
                                                                                  allowance.per_seconds)
        members[interaction.user.id] = bucket  # most recently active last
        while len(members) > MEMBERS:
            members.popitem(last=False)
        retry_after = bucket.update_rate_limit(time.monotonic())
        if retry_after:
            raise app_commands.CommandOnCooldown(bucket, retry_after)
        return True

    return app_commands.check(within_allowance)
