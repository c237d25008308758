"""/link-account when already linked, /unlink-account, /link-status; no secret ever shown."""

import asyncio
import re
from datetime import timedelta

import pytest

from bot import TaubotBot, Timings
from cogs.link.polling import POLL_TICK_SECONDS
from sandbox import VIEW_BALANCE
from storage.clock import now
from tests.cogs.link.helpers import (
    SOMEONE_ELSE,
    all_message_text,
    granted_link,
    link_cog,
    server_message_text,
    storage,
)
from tests.conftest import link_status_of, ref_of

# -- relinking, unlinking, status ---------------------------------------------------------------------------


async def test_relinking_keeps_the_old_key_until_the_new_one_is_verified(discord, sandbox, people):
    alice = people.member("alice")
    await people.link(alice, permissions=(VIEW_BALANCE,))
    old_key = (await storage(discord).grant_keys.get(alice.id)).grant_key

    asked = await discord.run_command("link-account", by=alice.user)
    assert asked.embed.title == "You're already linked"
    assert "keeps working until the new one is confirmed" in asked.embed.description
    started = await discord.press(asked.last, "Link a new grant", by=alice.user)
    assert started.last.content.startswith("I've sent you a DM with your link.")
    dm = discord.last_dm(alice.user)
    assert dm.embed.field("Current link") == "Alice keeps working until this one is done."

    assert (await storage(discord).grant_keys.get(alice.id)).grant_key == old_key
    balance = await discord.run_command("balance", by=alice.user)
    assert balance.embed.field("Balance") == "**100t**"  # the old link still works meanwhile

    sandbox.grant(ref_of(dm), alice.id, spending_limit=20_00)
    await discord.press(dm, "I've granted access", by=alice.user)
    new_key = (await storage(discord).grant_keys.get(alice.id)).grant_key
    assert new_key != old_key
    assert sandbox.economy.keys[new_key].spending_limit == 20_00


@pytest.mark.parametrize("failure", ["wrong granter", "expiry"])
async def test_a_failed_relink_keeps_the_old_key_working(discord, sandbox, people, failure, clock):
    alice, bob = people.member("alice"), people.member("bob")
    await people.link(alice)
    old_key = (await storage(discord).grant_keys.get(alice.id)).grant_key
    asked = await discord.run_command("link-account", by=alice.user)
    await discord.press(asked.last, "Link a new grant", by=alice.user)
    dm = discord.last_dm(alice.user)

    if failure == "wrong granter":
        sandbox.grant(ref_of(dm), bob.id)
        pressed = await discord.press(dm, "I've granted access", by=alice.user)
        assert pressed.text.startswith(SOMEONE_ELSE[sandbox.dialect])
    else:
        sandbox.grant(ref_of(dm), alice.id)
        clock.ahead = timedelta(minutes=31)
        assert await link_cog(discord).poll_due_links() == 1
        assert dm.embed.description.startswith("This link has expired")

    assert await storage(discord).pending_links.for_user(alice.id) is None
    assert (await storage(discord).grant_keys.get(alice.id)).grant_key == old_key
    balance = await discord.run_command("balance", by=alice.user)
    assert balance.embed.field("Balance") == "**100t**"
    status = await discord.run_command("link-status", by=alice.user)
    assert status.embed.title == "Linked" and link_status_of(status.embed, "Alice")["Type"] == "User"


async def test_an_abandoned_relink_loses_nothing(discord, sandbox, people):
    alice = people.member("alice")
    await people.link(alice)
    old_key = (await storage(discord).grant_keys.get(alice.id)).grant_key
    asked = await discord.run_command("link-account", by=alice.user)
    await discord.press(asked.last, "Link a new grant", by=alice.user)
    await discord.press(discord.last_dm(alice.user), "Cancel", by=alice.user)
    assert (await storage(discord).grant_keys.get(alice.id)).grant_key == old_key

    kept = await discord.run_command("link-account", by=alice.user)
    await discord.press(kept.last, "Keep my current link", by=alice.user)
    assert kept.last.content == "Nothing changed: your current link stays."
    assert (await storage(discord).grant_keys.get(alice.id)).grant_key == old_key


async def test_confirmation_buttons_only_work_for_their_member(discord, people):
    alice, bob = people.member("alice"), people.member("bob")
    await people.link(alice)
    asked = await discord.run_command("unlink-account", by=alice.user)
    intruder = await discord.press(asked.last, "Unlink", by=bob.user)
    assert intruder.text == "These buttons belong to someone else."
    assert await storage(discord).grant_keys.get(alice.id) is not None


async def test_unlink_confirms_then_forgets_the_key_and_says_what_that_means(discord, people):
    alice = people.member("alice")
    not_linked = await discord.run_command("unlink-account", by=alice.user)
    assert not_linked.text == "You have no linked Taubot account, so there is nothing to unlink."

    await people.link(alice)
    asked = await discord.run_command("unlink-account", by=alice.user)
    assert asked.ephemeral
    assert "does not revoke the grant on Taubot's side" in asked.embed.description
    await discord.press(asked.last, "Keep it", by=alice.user)
    assert await storage(discord).grant_keys.get(alice.id) is not None

    asked = await discord.run_command("unlink-account", by=alice.user)
    await discord.press(asked.last, "Unlink", by=alice.user)
    assert asked.last.content.startswith("Unlinked. I've deleted your grant key")
    assert await storage(discord).grant_keys.get(alice.id) is None
    balance = await discord.run_command("balance", by=alice.user)
    assert balance.text == "You haven't linked a Taubot account yet. Run /link-account to link one."


async def test_unlinking_cancels_a_pending_relink(discord, sandbox, people):
    alice = people.member("alice")
    await people.link(alice)
    asked = await discord.run_command("link-account", by=alice.user)
    await discord.press(asked.last, "Link a new grant", by=alice.user)
    dm = discord.last_dm(alice.user)
    ref = ref_of(dm)

    unlink = await discord.run_command("unlink-account", by=alice.user)
    await discord.press(unlink.last, "Unlink", by=alice.user)
    assert unlink.last.content.startswith("Unlinked. I've deleted your grant key")
    assert unlink.last.content.endswith("I also cancelled the new link you had started.")
    assert dm.embed.description == ("You unlinked your Taubot account, so I cancelled this link too. Run "
                                    "/link-account to link again.")
    assert dm.buttons == []
    assert await storage(discord).pending_links.for_user(alice.id) is None

    sandbox.grant(ref, alice.id)  # a grant given afterwards links nothing
    assert await link_cog(discord).poll_due_links(at=now() + timedelta(minutes=1)) == 0
    late = await discord.press(dm, "I've granted access", by=alice.user, as_shown_in=0)
    assert late.text.startswith("This link is already finished")
    assert await storage(discord).grant_keys.get(alice.id) is None
    status = await discord.run_command("link-status", by=alice.user)
    assert status.embed.title == "Not linked"


async def test_unlink_while_only_a_link_is_pending_points_to_cancel(discord, people):
    alice = people.member("alice")
    await discord.run_command("link-account", by=alice.user)
    reply = await discord.run_command("unlink-account", by=alice.user)
    assert reply.text == ("You have no linked Taubot account, so there is nothing to unlink. To stop the link you "
                          "started, press Cancel in its DM.")
    assert await storage(discord).pending_links.for_user(alice.id) is not None


async def test_link_status_shows_the_state_and_never_the_key(discord, sandbox, people):
    alice = people.member("alice")
    status = await discord.run_command("link-status", by=alice.user)
    assert status.ephemeral and status.embed.title == "Not linked"

    await discord.run_command("link-account", by=alice.user)
    status = await discord.run_command("link-status", by=alice.user)
    assert status.embed.field("Link in progress").startswith("Waiting for your grant on Taubot")

    await discord.press(discord.last_dm(alice.user), "Cancel", by=alice.user)
    await people.link(alice, permissions=())  # granted, but without VIEW BALANCE or TRANSFER FUNDS
    status = await discord.run_command("link-status", by=alice.user)
    assert status.embed.title == "Linked"
    shown = link_status_of(status.embed, "Alice")
    assert shown["Type"] == "User"
    assert shown["Linked"].startswith("<t:")
    assert shown["Balance visible"] == "No: run /link-account again and tick VIEW BALANCE"
    assert shown["Transfers"] == "Not known until your first payment from it"
    assert shown["Spent through me"].startswith("0t")
    key = (await storage(discord).grant_keys.get(alice.id)).grant_key
    assert key not in status.text


async def test_no_ref_id_ever_appears_outside_dms(discord, sandbox, people):
    alice = people.member("alice")
    await discord.run_command("link-account", by=alice.user)
    await discord.run_command("link-status", by=alice.user)
    dm = discord.last_dm(alice.user)
    await discord.press(dm, "I've granted access", by=alice.user)  # not yet
    sandbox.grant(ref_of(dm), alice.id)
    await discord.press(dm, "I've granted access", by=alice.user)
    await discord.run_command("link-status", by=alice.user)

    asked = await discord.run_command("link-account", by=alice.user)  # relink, then start over, then cancel
    await discord.press(asked.last, "Link a new grant", by=alice.user)
    await discord.run_command("link-status", by=alice.user)
    await discord.run_command("link-account", by=alice.user)
    await discord.press(discord.last_dm(alice.user), "Cancel", by=alice.user)
    await discord.run_command("link-status", by=alice.user)
    asked = await discord.run_command("link-account", by=alice.user)
    await discord.press(asked.last, "Link a new grant", by=alice.user)
    unlink = await discord.run_command("unlink-account", by=alice.user)
    await discord.press(unlink.last, "Unlink", by=alice.user)

    refs = set(re.findall(r"link:granted:([0-9a-f-]{36})", all_message_text(discord)))
    assert len(refs) == 3
    shown_in_server = server_message_text(discord)
    assert "I've sent you a DM" in shown_in_server and "Link in progress" in shown_in_server
    for ref in refs:
        assert ref not in shown_in_server
        assert ref in all_message_text(discord)  # it did go out, in the DMs


@pytest.mark.parametrize("in_dm", [False, True])
async def test_no_grant_key_or_master_key_ever_reaches_discord(discord, sandbox, people, in_dm):
    alice = people.member("alice")
    await people.link(alice)
    await discord.run_command("link-status", by=alice.user, in_dm=in_dm)
    await discord.run_command("balance", by=alice.user, in_dm=in_dm)
    shown = all_message_text(discord)
    for key in sandbox.economy.keys:
        assert key not in shown


async def test_the_running_poller_finishes_a_link_without_any_click(discord, sandbox, people, clock):
    """The real background loop, not a direct call: after the member grants on Taubot's page, the DM turns into
    "linked" by itself within a poll tick once the link is due."""
    settings = discord.bot.settings
    bot = await discord.restart(lambda: TaubotBot(settings, background_tasks=True, timings=Timings(clock=clock)))
    alice = people.member("alice")
    dm = await granted_link(discord, sandbox, alice)
    clock.ahead = timedelta(seconds=11)  # the first poll is due

    async with asyncio.timeout(3 * POLL_TICK_SECONDS):
        while dm.embed.title != "Taubot account linked":  # noqa: ASYNC110 (waiting for the real loop)
            await asyncio.sleep(0.05)
    assert (await bot.storage.grant_keys.get(alice.id)).account_name == "Alice"
    assert await bot.storage.pending_links.for_user(alice.id) is None
