"""/balance answers directly while answers come quickly, however many members ask at once, and sends
"thinking…" at once when the wait it can expect is long (cogs/expected_wait.py): Taubot slow lately, or
work still in flight that has already waited too long. Either way Discord hears from the bot in time."""

import asyncio
import dataclasses

import pytest

from cogs.expected_wait import ExpectedWait
from tests.cogs.link.helpers import in_progress, until


@pytest.fixture
def settings(settings):
    """Production's Taubot timeout: a read held back here waits for the test, never for the bot to give up."""
    return dataclasses.replace(settings, taubot_timeout_seconds=10.0)


async def linked_members(people, count: int, *, balance: int = 10_00):
    members = [people.member(f"member{n}", balance=balance) for n in range(count)]
    for member in members:
        await people.link(member)
    return members


# Longer than Discord's window, not production's second: forty commands at once on a machine loaded by the
# rest of the suite can take over a second each, and the bot then rightly defers. A rule that counted commands
# in flight (the old one) would defer however long the bot may wait.
@pytest.mark.timings(defer_after=10.0)
async def test_many_members_at_once_on_a_quick_taubot_get_direct_answers(discord, sandbox, people):
    members = await linked_members(people, 40)  # more than the 16 in flight that used to force a defer
    discord.api.requests.clear()
    replies = await asyncio.gather(*(discord.run_command("balance", by=m.user) for m in members))
    assert all(reply.response_type == 4 for reply in replies)  # answered directly, no "thinking…"
    assert all(reply.embed.field("Balance") == "**10t**" for reply in replies)
    assert len(discord.api.requests) == 40  # one request to Discord per command


@pytest.mark.timings(defer_after=0.1)
async def test_work_in_flight_that_waited_too_long_makes_the_next_answer_defer_at_once(discord, sandbox, people):
    stuck, quick = await linked_members(people, 2)
    # Only the first read is slow: held until the quick one is answered (a 0.5 s delay could end first on a
    # loaded machine, leaving nothing in flight).
    release = sandbox.hold(f"GET /api/accounts/{stuck.account_id}", times=1)
    waiting = asyncio.create_task(discord.run_command("balance", by=stuck.user))
    try:
        await until(in_progress(sandbox, f"/api/accounts/{stuck.account_id}"))
        await asyncio.sleep(0.15)  # the stuck read has now waited longer than the bot would before deferring
        reply = await discord.run_command("balance", by=quick.user)
    finally:
        release()
    assert reply.deferred  # "thinking…" at once, though its own read turned out quick
    assert reply.embed.field("Balance") == "**10t**"
    assert (await waiting).deferred


# The expected wait alone decides: its clock is the test's (a command takes what the test says it took), and no
# defer timer fires within Discord's window (a quick read took over 0.1 s on a loaded machine, and deferred).
@pytest.mark.timings(defer_after=10.0)
async def test_after_a_slow_spell_answers_become_direct_again(discord, sandbox, people):
    alice, = await linked_members(people, 1)
    now = [0.0]
    discord.bot.in_flight.expected_wait = ExpectedWait(clock=lambda: now[0])
    release = sandbox.hold(f"GET /api/accounts/{alice.account_id}", times=1)
    slow = asyncio.create_task(discord.run_command("balance", by=alice.user))
    try:
        await until(in_progress(sandbox, f"/api/accounts/{alice.account_id}"))
        now[0] += 100.0  # Taubot took 100 s: the recent latency is 20 s now (a fifth of it)
    finally:
        release()
    await slow
    # So the next commands defer at once; each quick one brings it down by a fifth, below 10 s after four.
    kinds = [(await discord.run_command("balance", by=alice.user)).response_type for _ in range(6)]
    assert kinds == [5, 5, 5, 5, 4, 4]


@pytest.mark.timings(defer_after=0.05)
async def test_a_queueing_taubot_never_costs_a_member_discords_window(discord, sandbox, people):
    members = await linked_members(people, 30)
    sandbox.pace(requests_per_second=60)  # one worker: a burst of reads queues
    # ... and the queue stalls after five answers, for as long as it takes every member to hear from the bot:
    # whatever the machine's load, the reads behind it come back only after Discord's window would be gone.
    release = sandbox.hold("GET /api/accounts/", after=5)
    asking = [asyncio.create_task(discord.run_command("balance", by=m.user)) for m in members]
    try:
        await until_both(lambda: heard_from_the_bot(discord) == 30, lambda: len(stalled_reads(sandbox)) == 25)
        stalled = stalled_reads(sandbox)
    finally:
        release()
    replies = await asyncio.gather(*asking)
    assert not any(reply.responded_late for reply in replies)
    assert all(reply.embed.field("Balance") == "**10t**" for reply in replies)
    # Every member whose read was still queued heard "thinking…" before Taubot answered it.
    assert {m.account_id for m, reply in zip(members, replies, strict=True) if reply.deferred} >= stalled
    assert len(stalled) == 25


async def until_both(*conditions) -> None:
    """Wait until every condition holds (each, once true, stays true here); Discord itself (the harness) says
    whether the bot answered in time, so this gives up only well after Discord's window."""
    give_up_at = asyncio.get_running_loop().time() + 10
    while not all(condition() for condition in conditions):
        assert asyncio.get_running_loop().time() < give_up_at, "the bot never answered every member"
        await asyncio.sleep(0.005)


def heard_from_the_bot(discord) -> int:
    return sum(state.outcome.responded for state in discord.api.interactions.values()
               if state.outcome.kind == "/balance")


def stalled_reads(sandbox) -> set[str]:
    """The accounts whose reads Taubot has received and not answered yet."""
    return {r.path.rsplit("/", 1)[-1] for r in sandbox.requests if r.path.startswith("/api/accounts/")
            and r.status == 0}
