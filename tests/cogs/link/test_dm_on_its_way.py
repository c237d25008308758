"""A link whose DM is on its way: Discord already shows it to the member, but the process that sent it has not yet
noted which message it is (Discord's answer is late), or never will (that process stalled or was killed right
then). Whoever finishes the link, in any process, still tells the member in their DMs.

Issue 17: in the fleet test, shard 1 was killed between sending a link DM and recording where it went; the member
granted, another process linked them, and their DM went on saying "Link your Taubot account".
"""

import asyncio
from datetime import timedelta

from storage.clock import now
from tests.cogs.link.helpers import link_cog, storage
from tests.conftest import ref_of

TEN_SECONDS_ON = timedelta(seconds=11)  # a new link's first poll is due after 10 s
PAST_THE_LINK_LEASE = timedelta(minutes=2, seconds=1)  # Timings.link_lease: a stopped process's hold runs out
LINKED = "Taubot account linked"


async def dm_on_its_way(discord, person):
    """/link-account with Discord's answer to the DM held back: (the DM the member already sees, the command still
    running, release() for Discord's answer)."""
    shown = asyncio.Event()
    discord.api.on_message = lambda message: shown.set() if message.dm_user_id == person.id else None
    release = discord.hold_next("send_message", user=person.user)
    starting = asyncio.create_task(discord.run_command("link-account", by=person.user))
    waiting = asyncio.ensure_future(shown.wait())
    await asyncio.wait([waiting, starting], return_when=asyncio.FIRST_COMPLETED)
    waiting.cancel()
    discord.api.on_message = None
    assert shown.is_set(), f"no link DM: {starting.result().last.text}"
    return discord.last_dm(person.user), starting, release


def told_linked(discord, person) -> list:
    """The DMs (the link DM edited, or a new message) telling the member they are linked."""
    return [message for message in discord.dms(person.user) if any(e.title == LINKED for e in message.embeds)]


async def test_a_link_granted_while_its_dm_is_on_its_way_is_finished_in_that_dm(discord, there, sandbox, people):
    alice = people.member("alice")
    dm, starting, release = await dm_on_its_way(discord, alice)
    sandbox.grant(ref_of(dm), alice.id)
    await link_cog(there).poll_due_links(at=now() + TEN_SECONDS_ON)  # another process's poller, meanwhile

    release()
    assert (await starting).last.text.startswith("I've sent you a DM with your link.")
    await link_cog(there).poll_due_links(at=now() + TEN_SECONDS_ON)
    assert (await storage(discord).grant_keys.get(alice.id)).account_id == alice.account_id
    assert told_linked(discord, alice) == [dm]  # the link DM itself, edited
    assert discord.dms(alice.user) == [dm]


async def test_a_link_whose_sender_stopped_as_its_dm_went_out_is_finished_by_a_poller_in_a_new_dm(
        discord, there, sandbox, people, clock):
    alice = people.member("alice")
    dm, starting, release = await dm_on_its_way(discord, alice)
    try:
        sandbox.grant(ref_of(dm), alice.id)
        clock.ahead += PAST_THE_LINK_LEASE  # the stopped process never hears back; its hold on the link runs out
        assert await link_cog(there).poll_due_links() == 1

        assert (await storage(there).grant_keys.get(alice.id)).account_id == alice.account_id
        assert [told.id for told in told_linked(discord, alice)] != [dm.id]  # a new message: which one was the
        assert len(told_linked(discord, alice)) == 1                          # link DM is not known
    finally:
        release()
        await starting


async def test_a_link_whose_sender_stopped_as_its_dm_went_out_is_finished_by_a_press_in_a_new_dm(
        discord, there, sandbox, people, clock):
    alice = people.member("alice")
    dm, starting, release = await dm_on_its_way(discord, alice)
    try:
        sandbox.grant(ref_of(dm), alice.id)
        clock.ahead += PAST_THE_LINK_LEASE
        pressed = await there.press(dm, "I've granted access", by=alice.user)  # on another process

        assert pressed.text.startswith("Linked to Alice")
        assert [told.id for told in told_linked(discord, alice)] != [dm.id]  # a new message: which one was the
        assert len(told_linked(discord, alice)) == 1                          # link DM is not known
    finally:
        release()
        await starting
