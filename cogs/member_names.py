"""Members' Discord names by id, so Taubot's default personal account names ("<@!123> 's account") can be shown
as "Alice's account" (see ui.account_name).

A bounded, process-wide cache of public display names: every interaction teaches it its member's name for free
(guarded.py), and `look_up` asks Discord for the few members a screen is about to show that it does not know yet
(one request each, a few at a time, within a time limit; a failure only means the id is shown instead).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Iterable

import discord

log = logging.getLogger("taubot_bot.names")

CAPACITY = 10_000  # names kept; the least recently seen go first
LOOKUPS_AT_ONCE = 4
LOOKUP_SECONDS = 2.0  # a screen waits at most this long for names (it shows the ids of the ones still missing)
MAX_LOOKUPS = 25  # names asked of Discord for one screen (a history page shows at most ten counterparties)

_names: OrderedDict[int, str] = OrderedDict()


def remember(user: discord.abc.User) -> None:
    """Note `user`'s name: their global display name, the same in every server and DM (a server nickname
    would show one server's name everywhere else)."""
    _store(user.id, user.global_name or user.name)


def name_of(user_id: int) -> str | None:
    """The display name of the member `user_id`, if known."""
    return _names.get(user_id)


async def look_up(client: discord.Client, user_ids: Iterable[int]) -> None:
    """Learn the names of those of `user_ids` not known yet: from discord.py's cache, else from Discord."""
    missing = [user_id for user_id in dict.fromkeys(user_ids) if user_id not in _names]
    for user_id in list(missing):
        cached = client.get_user(user_id)
        if cached is not None:
            remember(cached)
            missing.remove(user_id)
    if not missing:
        return
    gate = asyncio.Semaphore(LOOKUPS_AT_ONCE)

    async def fetch(user_id: int) -> None:
        async with gate:
            try:
                remember(await client.fetch_user(user_id))
            except discord.HTTPException as error:
                log.info("Could not look up the name of user %s: %s", user_id, error.status)

    tasks = [asyncio.ensure_future(fetch(user_id)) for user_id in missing[:MAX_LOOKUPS]]
    _, late = await asyncio.wait(tasks, timeout=LOOKUP_SECONDS)
    for task in late:
        task.cancel()


def _store(user_id: int, name: str) -> None:
    _names[user_id] = name
    _names.move_to_end(user_id)
    while len(_names) > CAPACITY:
        _names.popitem(last=False)
