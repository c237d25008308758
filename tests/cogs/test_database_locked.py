"""Another process holds the database's write lock longer than Discord waits for an answer (a backup tool,
a second bot process in a long transaction, a slow disk): commands that only read still answer in time, even
while one of the bot's own writes is queued behind that lock."""

import asyncio
import sqlite3

import pytest

from tests.databases import ON_SQLITE_BOT

pytestmark = ON_SQLITE_BOT  # another process holding SQLite's write lock: SQLite's own

DEADLINE = 0.5  # Discord's 3 s, scaled down with everything else in this test
HELD_FOR = 1.0  # longer than the deadline, shorter than SQLite's busy timeout (the queued write then succeeds)


@pytest.fixture
async def members(discord, people):
    alice, bob = people.member("alice"), people.member("bob")
    await people.link(alice)
    await people.link(bob)
    return alice, bob


async def with_a_write_queued_behind_a_lock(discord, settings, bob):
    """Hold the write lock from another connection, and queue a write of the bot's own behind it: bob's unlink."""
    question = await discord.run_command("unlink-account", by=bob.user)
    blocker = sqlite3.connect(settings.database_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    asyncio.get_running_loop().call_later(HELD_FOR, blocker.commit)
    unlinking = asyncio.create_task(discord.press(question.last, "Unlink", by=bob.user))
    await asyncio.sleep(0.05)  # bob's write now waits on SQLite's lock, inside the bot's write queue
    return unlinking


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
    discord.api.response_deadline = DEADLINE
    unlinking = await with_a_write_queued_behind_a_lock(discord, settings, bob)
    reply = await discord.run_command(command, by=member.user)
    assert not reply.responded_late and reply.responded
    assert reply.seconds_to_first_response < DEADLINE
    assert answer in (reply.embed.title if reply.last.embeds else reply.text)
    assert not unlinking.done()  # the lock was still held when alice got her answer
    assert (await unlinking).last.content.startswith("Unlinked.")
