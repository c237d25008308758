"""Linking across restarts, and presses, polls and cancels racing each other."""

import asyncio
from datetime import timedelta

from storage.clock import now
from tests.cogs.link.helpers import (
    granted_link,
    key_check_in_progress,
    key_check_route,
    link_cog,
    link_dm,
    storage,
    until,
)
from tests.conftest import ON_V2, ON_V21, ref_of

# -- restarts and concurrency -------------------------------------------------------------------------------


async def test_a_link_started_before_a_restart_completes_after_it(discord, sandbox, people, make_bot):
    alice = people.member("alice")
    dm = await granted_link(discord, sandbox, alice)

    await discord.restart(make_bot)
    pressed = await discord.press(dm, "I've granted access", by=alice.user)
    assert pressed.text.startswith("Linked to Alice")
    assert (await discord.bot.storage.grant_keys.get(alice.id)).account_id == alice.account_id


async def test_the_poller_of_a_restarted_bot_finishes_old_links(discord, sandbox, people, make_bot):
    alice = people.member("alice")
    dm = await link_dm(discord, alice)
    await discord.restart(make_bot)
    sandbox.grant(ref_of(dm), alice.id)
    await link_cog(discord).poll_due_links(at=now() + timedelta(seconds=11))
    assert dm.embed.title == "Taubot account linked"


async def test_many_members_linking_at_once_do_not_interfere(discord, sandbox, people):
    members = [people.member(f"member{i}", balance=i * 100) for i in range(12)]
    await asyncio.gather(*(discord.run_command("link-account", by=p.user) for p in members))
    refs = {p.id: ref_of(discord.last_dm(p.user)) for p in members}
    assert len(set(refs.values())) == len(members)
    for person in members:
        sandbox.grant(refs[person.id], person.id)
    replies = await asyncio.gather(*(discord.press(discord.last_dm(p.user), "I've granted access", by=p.user)
                                     for p in members))
    assert all(reply.text.startswith("Linked to") for reply in replies)
    for person in members:
        linked = await storage(discord).grant_keys.get(person.id)
        assert linked.account_id == person.account_id
        assert sandbox.economy.keys[linked.grant_key].user_id == person.id


async def test_a_second_press_and_a_late_poll_change_nothing(discord, sandbox, people):
    alice = people.member("alice")
    dm = await granted_link(discord, sandbox, alice)

    both = await asyncio.gather(discord.press(dm, "I've granted access", by=alice.user),
                                discord.press(dm, "I've granted access", by=alice.user))
    texts = sorted(reply.text for reply in both)
    assert texts[0].startswith("Linked to Alice")
    assert texts[1].startswith(("Linked to Alice", "This link is already finished"))
    key = (await storage(discord).grant_keys.get(alice.id)).grant_key
    edits = len(dm.versions)

    stale = await discord.press(dm, "I've granted access", by=alice.user, as_shown_in=0)
    assert stale.text.startswith("This link is already finished")
    assert await link_cog(discord).poll_due_links(at=now() + timedelta(hours=1)) == 0
    assert (await storage(discord).grant_keys.get(alice.id)).grant_key == key
    assert len(dm.versions) == edits


async def test_cancel_racing_a_completion_leaves_the_dm_and_storage_agreeing(discord, sandbox, people):
    alice = people.member("alice")
    dm = await granted_link(discord, sandbox, alice)
    sandbox.delay(key_check_route(sandbox), 0.3)  # the key check is slow: room for Cancel to arrive meanwhile

    granted, cancelled = await asyncio.gather(discord.press(dm, "I've granted access", by=alice.user),
                                              discord.press(dm, "Cancel", by=alice.user))
    linked = await storage(discord).grant_keys.get(alice.id)
    assert await storage(discord).pending_links.for_user(alice.id) is None
    if linked is not None:
        assert dm.embed.title == "Taubot account linked"
        assert granted.text.startswith("Linked to Alice")
        assert cancelled.text.startswith("Too late to cancel: this link had already finished.")
    else:
        assert dm.embed.description.startswith("Link cancelled. Nothing was changed.")
        assert granted.text.startswith("This link is already finished")


async def test_cancel_pressed_while_the_key_is_being_checked_waits_and_tells_the_truth(discord, sandbox, people):
    alice = people.member("alice")
    dm = await granted_link(discord, sandbox, alice)
    # Taubot holds the key check until Cancel was pressed (a 0.3 s delay and a 0.1 s sleep could let Cancel
    # arrive first, or last, on a loaded machine).
    release = sandbox.hold(key_check_route(sandbox), times=1)
    granting = asyncio.ensure_future(discord.press(dm, "I've granted access", by=alice.user))
    await until(key_check_in_progress(sandbox))  # the press is now waiting for Taubot to check the key
    cancelling = asyncio.ensure_future(discord.press(dm, "Cancel", by=alice.user))
    await asyncio.sleep(0.1)  # Cancel now waits for the check (if not, it comes after it: the same answer)
    release()

    cancelled = await cancelling
    assert (await granting).text.startswith("Linked to Alice")
    assert cancelled.text.startswith("Too late to cancel: this link had already finished.")
    assert cancelled.ephemeral
    assert dm.embed.title == "Taubot account linked"
    assert (await storage(discord).grant_keys.get(alice.id)).account_id == alice.account_id


@ON_V2
async def test_a_new_link_account_racing_a_completion_drops_the_late_key_on_v2(discord, sandbox, people):
    alice = people.member("alice")
    await discord.run_command("link-account", by=alice.user)
    first = discord.last_dm(alice.user)
    sandbox.grant(ref_of(first), alice.id)
    release = sandbox.hold(key_check_route(sandbox), times=1)  # until the link was replaced
    granting = asyncio.ensure_future(discord.press(first, "I've granted access", by=alice.user))
    await until(key_check_in_progress(sandbox))  # the press is now waiting for Taubot to check the key

    await discord.run_command("link-account", by=alice.user)  # replaces the link being completed
    release()
    granted = await granting
    second = discord.last_dm(alice.user)
    assert granted.text.startswith("This link is already finished")
    assert first.embed.description.startswith("This link was replaced by a newer /link-account")
    assert await storage(discord).grant_keys.get(alice.id) is None  # the key of the replaced link is dropped
    assert (await storage(discord).pending_links.for_user(alice.id)).ref_id == ref_of(second)
    assert second.embed.title == "Link your Taubot account"


@ON_V21
async def test_a_new_link_account_during_a_completion_waits_for_it_on_v21(discord, sandbox, people):
    """Where the pending link would be given again, a second /link-account waits for the completion under way
    (the key Taubot handed out once is kept), then starts a fresh link."""
    alice = people.member("alice")
    first = await link_dm(discord, alice)
    first_ref = ref_of(first)
    sandbox.grant(first_ref, alice.id)
    release = sandbox.hold(key_check_route(sandbox), times=1)
    granting = asyncio.ensure_future(discord.press(first, "I've granted access", by=alice.user))
    await until(key_check_in_progress(sandbox))  # the press is now waiting for Taubot to check the key

    asking = asyncio.ensure_future(discord.run_command("link-account", by=alice.user))
    await asyncio.sleep(0.2)  # /link-account now waits for the completion
    release()
    await asking
    assert (await granting).text.startswith("Linked to Alice")
    assert (await storage(discord).grant_keys.get(alice.id)).account_id == alice.account_id
    second = discord.last_dm(alice.user)
    assert ref_of(second) != first_ref
    assert first.embed.title == "Taubot account linked"


async def test_a_key_fetched_before_a_crash_finishes_the_link_after_the_restart(discord, sandbox, people, make_bot):
    """The key is held in the pending link the moment it arrives (v2.1 hands it out once): a bot that dies
    while checking it finishes the link after its restart, without asking Taubot for the key again."""
    alice = people.member("alice")
    dm = await granted_link(discord, sandbox, alice)
    sandbox.fail_next(key_check_route(sandbox), 503, times=3)  # the check fails: the link stays pending
    assert (await discord.press(dm, "I've granted access", by=alice.user)).text.startswith("I couldn't reach")
    held = await storage(discord).pending_links.for_user(alice.id)
    assert held.held_key is not None and sandbox.economy.keys[held.held_key].user_id == alice.id

    await discord.restart(make_bot)
    retrievals = len(sandbox.requests_to("retrieve_key"))
    await link_cog(discord).poll_due_links(at=now() + timedelta(minutes=1))
    assert dm.embed.title == "Taubot account linked"
    assert len(sandbox.requests_to("retrieve_key")) == retrievals  # the held key was used
    assert (await storage(discord).grant_keys.get(alice.id)).grant_key == held.held_key
    assert await storage(discord).pending_links.for_user(alice.id) is None


@ON_V21
async def test_a_key_lost_with_a_crash_before_it_was_held_asks_to_start_again_on_v21(discord, sandbox, people):
    """The one moment a key can be lost: Taubot handed it out but the answer never arrived. The next check
    hears that Taubot no longer knows the link, and the member is told to start again (no limbo)."""
    alice = people.member("alice")
    dm = await granted_link(discord, sandbox, alice)
    sandbox.retrieve_key(ref_of(dm))  # handed out, and the answer lost on the way
    await link_cog(discord).poll_due_links(at=now() + timedelta(seconds=11))
    assert dm.embed.description.startswith("Taubot no longer knows this link")
    assert await storage(discord).pending_links.for_user(alice.id) is None
