"""The link DM tells the member how their link ended even when a bot process stops around it: while the DM is on
its way (Discord already shows it, but the process that sent it has not noted which message it is, or never
will), or right after a process linked the member but before it edited the DM. Whoever finishes the link, or
finds it finished, in any process, tells the member in their DMs.

Issue 17: in the fleet test, shard 1 was SIGKILLed at such moments; the member was linked by a process, and their
DM went on saying "Link your Taubot account".
"""

import asyncio
from datetime import timedelta

from storage.clock import now
from tests.cogs.link.helpers import granted_link, link_cog, storage
from tests.conftest import ref_of

TEN_SECONDS_ON = timedelta(seconds=11)  # a new link's first poll is due after 10 s
PAST_THE_LINK_LEASE = timedelta(minutes=2, seconds=1)  # Timings.link_lease: a stopped process's hold runs out
LINKED = "Taubot account linked"


async def dm_on_its_way(discord, person):
    """/link-account with Discord's answer to the DM held back: (the DM the member already sees, the command still
    running, the hold on Discord's answer)."""
    held = discord.hold_next("send_message", user=person.user)
    starting = asyncio.create_task(discord.run_command("link-account", by=person.user))
    await first_of(held.arrived.wait(), starting)
    assert held.arrived.is_set(), f"no link DM: {starting.result().last.text}"
    return discord.last_dm(person.user), starting, held


async def first_of(*waits) -> None:
    tasks = [asyncio.ensure_future(wait) for wait in waits]
    await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in tasks:
        if not task.done() and task not in waits:
            task.cancel()


def told_linked(discord, person) -> list:
    """The DMs (the link DM edited, or a new message) telling the member they are linked."""
    return [message for message in discord.dms(person.user) if any(e.title == LINKED for e in message.embeds)]


async def test_a_link_granted_while_its_dm_is_on_its_way_is_finished_in_that_dm(discord, there, sandbox, people):
    alice = people.member("alice")
    dm, starting, held = await dm_on_its_way(discord, alice)
    sandbox.grant(ref_of(dm), alice.id)
    await link_cog(there).poll_due_links(at=now() + TEN_SECONDS_ON)  # another process's poller, meanwhile

    held.release()
    assert (await starting).last.text.startswith("I've sent you a DM with your link.")
    await link_cog(there).poll_due_links(at=now() + TEN_SECONDS_ON)
    assert (await storage(discord).grant_keys.get(alice.id)).account_id == alice.account_id
    assert told_linked(discord, alice) == [dm]  # the link DM itself, edited
    assert discord.dms(alice.user) == [dm]


async def test_a_link_whose_sender_stopped_as_its_dm_went_out_is_finished_by_a_poller_in_a_new_dm(
        discord, there, sandbox, people, clock):
    alice = people.member("alice")
    dm, starting, held = await dm_on_its_way(discord, alice)
    try:
        sandbox.grant(ref_of(dm), alice.id)
        clock.ahead += PAST_THE_LINK_LEASE  # the stopped process never hears back; its hold on the link runs out
        assert await link_cog(there).poll_due_links() == 1

        assert (await storage(there).grant_keys.get(alice.id)).account_id == alice.account_id
        assert [told.id for told in told_linked(discord, alice)] != [dm.id]  # a new message: which one was the
        assert len(told_linked(discord, alice)) == 1                          # link DM is not known
    finally:
        held.release()
        await starting


async def test_a_link_whose_sender_stopped_as_its_dm_went_out_is_finished_by_a_press_in_a_new_dm(
        discord, there, sandbox, people, clock):
    alice = people.member("alice")
    dm, starting, held = await dm_on_its_way(discord, alice)
    try:
        sandbox.grant(ref_of(dm), alice.id)
        clock.ahead += PAST_THE_LINK_LEASE
        pressed = await there.press(dm, "I've granted access", by=alice.user)  # on another process

        assert pressed.text.startswith("Linked to Alice")
        assert [told.id for told in told_linked(discord, alice)] != [dm.id]  # a new message: which one was the
        assert len(told_linked(discord, alice)) == 1                          # link DM is not known
    finally:
        held.release()
        await starting


async def linked_by_a_process_that_stops_before_telling(discord, sandbox, person):
    """A granted link finished by this process's poller, which stops right before it edits the DM: (the DM, the
    poll round still running, the hold on the DM's edit)."""
    dm = await granted_link(discord, sandbox, person)
    held = discord.hold_next("edit_message", user=person.user, before=True)
    finishing = asyncio.create_task(link_cog(discord).poll_due_links(at=now() + TEN_SECONDS_ON))
    await first_of(held.arrived.wait(), finishing)
    assert held.arrived.is_set(), "the link was not finished"
    assert (await storage(discord).grant_keys.get(person.id)).account_id == person.account_id
    return dm, finishing, held


async def test_a_member_linked_by_a_process_that_stopped_before_telling_them_is_told_by_a_poller(
        discord, there, sandbox, people, clock):
    alice = people.member("alice")
    dm, finishing, held = await linked_by_a_process_that_stops_before_telling(discord, sandbox, alice)
    try:
        clock.ahead += PAST_THE_LINK_LEASE
        await link_cog(there).poll_due_links()

        assert told_linked(discord, alice) == [dm]
        assert await storage(there).pending_links.all() == []
    finally:
        held.release()
        await finishing


async def test_a_member_linked_by_a_process_that_stopped_before_telling_them_is_told_at_their_press(
        discord, there, sandbox, people, clock):
    alice = people.member("alice")
    dm, finishing, held = await linked_by_a_process_that_stops_before_telling(discord, sandbox, alice)
    try:
        clock.ahead += PAST_THE_LINK_LEASE
        pressed = await there.press(dm, "I've granted access", by=alice.user)

        assert pressed.text == "This link is already finished: Alice is linked. Run /link-status to see your links."
        assert told_linked(discord, alice) == [dm]
        assert await storage(there).pending_links.all() == []
    finally:
        held.release()
        await finishing


async def test_a_member_who_unlinked_before_anyone_told_them_of_a_link_is_not_told_it(discord, there, sandbox,
                                                                                     people, clock):
    alice = people.member("alice")
    _, finishing, held = await linked_by_a_process_that_stops_before_telling(discord, sandbox, alice)
    try:
        asked = await there.run_command("unlink-account", by=alice.user)
        await there.press(asked.last, "Unlink", by=alice.user)
        clock.ahead += PAST_THE_LINK_LEASE
        await link_cog(there).poll_due_links()

        assert told_linked(discord, alice) == []  # "linked" would be untrue now
        assert await storage(there).pending_links.all() == []
    finally:
        held.release()
        await finishing
