"""Linking across restarts, and presses, polls and cancels racing each other."""

import asyncio
from datetime import timedelta

from storage.clock import now
from tests.cogs.link.helpers import granted_link, link_cog, link_dm, storage
from tests.conftest import ref_of

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
    sandbox.delay("GET /api/users/", 0.3)  # the key check is slow: room for Cancel to arrive meanwhile

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
    sandbox.delay("GET /api/users/", 0.3)
    granting = asyncio.ensure_future(discord.press(dm, "I've granted access", by=alice.user))
    await asyncio.sleep(0.1)  # the press is now waiting for Taubot to check the key

    cancelled = await discord.press(dm, "Cancel", by=alice.user)
    assert (await granting).text.startswith("Linked to Alice")
    assert cancelled.text.startswith("Too late to cancel: this link had already finished.")
    assert cancelled.ephemeral
    assert dm.embed.title == "Taubot account linked"
    assert (await storage(discord).grant_keys.get(alice.id)).account_id == alice.account_id


async def test_a_new_link_account_racing_a_completion_drops_the_late_key(discord, sandbox, people):
    alice = people.member("alice")
    await discord.run_command("link-account", by=alice.user)
    first = discord.last_dm(alice.user)
    sandbox.grant(ref_of(first), alice.id)
    sandbox.delay("GET /api/users/", 0.3)
    granting = asyncio.ensure_future(discord.press(first, "I've granted access", by=alice.user))
    await asyncio.sleep(0.1)  # the press is now waiting for Taubot to check the key

    await discord.run_command("link-account", by=alice.user)  # replaces the link being completed
    granted = await granting
    second = discord.last_dm(alice.user)
    assert granted.text.startswith("This link is already finished")
    assert first.embed.description.startswith("This link was replaced by a newer /link-account")
    assert await storage(discord).grant_keys.get(alice.id) is None  # the key of the replaced link is dropped
    assert (await storage(discord).pending_links.for_user(alice.id)).ref_id == ref_of(second)
    assert second.embed.title == "Link your Taubot account"
