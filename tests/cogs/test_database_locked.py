"""Another process holds the database's write lock longer than Discord waits for an answer (a backup tool,
a second bot process in a long transaction, a slow disk): commands that only read still answer in time, even
while one of the bot's own writes is queued behind that lock."""

import asyncio
import sqlite3

import pytest

from tests.cogs.pay.helpers import until
from tests.databases import ON_SQLITE_BOT

pytestmark = ON_SQLITE_BOT  # another process holding SQLite's write lock: SQLite's own

DEADLINE = 3.0  # Discord's


@pytest.fixture
async def members(discord, people):
    alice, bob = people.member("alice"), people.member("bob")
    await people.link(alice)
    await people.link(bob)
    return alice, bob


async def with_a_write_queued_behind_a_lock(discord, settings, bob):
    """Hold the write lock from another connection, and queue a write of the bot's own behind it: bob's unlink.
    Returns the press and the connection holding the lock (its commit releases it)."""
    question = await discord.run_command("unlink-account", by=bob.user)
    blocker = sqlite3.connect(settings.database_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    unlinking = asyncio.create_task(discord.press(question.last, "Unlink", by=bob.user))
    await asyncio.sleep(0.05)  # bob's write now waits on SQLite's lock, inside the bot's write queue
    return unlinking, blocker


async def first_response(discord, command: str, by) -> tuple[asyncio.Task, object]:
    """Run /`command` and return it (as a task, which may still be waiting for the lock) with its outcome, once
    the bot's first response to it (an answer or "thinking…") is in."""
    def dispatched():
        return [state.outcome for state in discord.api.interactions.values() if state.outcome.kind == f"/{command}"]

    before = len(dispatched())
    asking = asyncio.create_task(discord.run_command(command, by=by))
    await until(lambda: len(dispatched()) > before and dispatched()[before].responded)
    return asking, dispatched()[before]


@pytest.mark.timings(defer_after=0.1)
@pytest.mark.parametrize(("command", "linked", "answer"), [
    ("link-status", True, "Linked"), ("link-status", False, "Not linked"),
    ("unlink-account", True, "Unlink your Taubot account?"),
    ("unlink-account", False, "You have no linked Taubot account, so there is nothing to unlink."),
])
async def test_reading_commands_answer_in_time_while_the_lock_is_held(discord, settings, members, people, command,
                                                                     linked, answer):
    alice, bob = members
    member = alice if linked else people.member("carol")
    unlinking, blocker = await with_a_write_queued_behind_a_lock(discord, settings, bob)
    # The lock is held until the bot has answered (not for a fixed second, which a loaded machine could outlast
    # before answering), well within SQLite's busy timeout: the queued writes then succeed.
    try:
        asking, first = await first_response(discord, command, member.user)
        assert not unlinking.done()
    finally:
        blocker.commit()
        blocker.close()
    reply = await asking
    assert reply is first and not reply.responded_late
    assert reply.seconds_to_first_response < DEADLINE
    assert answer in (reply.embed.title if reply.last.embeds else reply.text)
    assert (await unlinking).last.content.startswith("Unlinked.")
