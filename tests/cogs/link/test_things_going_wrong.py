"""Linking when Taubot, Discord or the member does something unexpected."""

import asyncio
import logging
from datetime import timedelta

import aiohttp

from storage.clock import now
from tests.cogs.link.helpers import (
    SOMEONE_ELSE,
    granted_link,
    in_progress,
    key_check_route,
    link_cog,
    link_dm,
    storage,
    until,
)
from tests.conftest import ON_V2, ON_V21, calls, ref_of

FORGOTTEN = "Taubot no longer knows this link"

# -- things going wrong ----------------------------------------------------------------------------------


async def test_a_grant_from_another_discord_account_is_thrown_away(discord, sandbox, people):
    alice, bob = people.member("alice"), people.member("bob")
    dm = await link_dm(discord, alice)
    sandbox.grant(ref_of(dm), bob.id)  # Bob opened Alice's link and granted his own account

    pressed = await discord.press(dm, "I've granted access", by=alice.user)
    assert pressed.text.startswith(SOMEONE_ELSE[sandbox.dialect])
    assert dm.embed.description.startswith(SOMEONE_ELSE[sandbox.dialect])
    assert dm.buttons == []
    assert await storage(discord).grant_keys.get(alice.id) is None
    assert await storage(discord).grant_keys.get(bob.id) is None
    assert await storage(discord).pending_links.for_user(alice.id) is None


@ON_V21
async def test_picking_another_account_than_the_personal_one_links_nothing_on_v21(discord, sandbox, people):
    alice = people.member("alice")
    shop = sandbox.create_account("Alice's Shop", owner_id=alice.id, account_type="CORPORATION", balance=5_00)
    dm = await link_dm(discord, alice)
    sandbox.grant(ref_of(dm), alice.id, accounts=[shop.account_id])  # v2.1's page lists every account she runs

    pressed = await discord.press(dm, "I've granted access", by=alice.user)
    assert pressed.text == ("This link was completed for an account that isn't your personal account (another "
                            "account was picked on Taubot's page, or someone else opened your link), so I threw that "
                            "key away and linked nothing. Run /link-account for a new link, open it yourself and "
                            "pick your personal account.")
    assert calls(sandbox)[-3:] == ["retrieve_key", "user_account", "binding_probe"]
    (probe,) = [r for r in sandbox.requests if r.body and r.body.get("amount") == 10**18]
    assert (probe.body["to_account_id"], probe.status) == (alice.account_id, 403)  # 1001: not bound to it
    assert sandbox.balance_of(shop.account_id) == 5_00  # the probe moves nothing
    assert await storage(discord).grant_keys.get(alice.id) is None
    assert await storage(discord).pending_links.for_user(alice.id) is None


@ON_V2
async def test_a_member_without_a_personal_account_is_told_so_on_v2(discord, sandbox, people):
    dave = people.member("dave", balance=None)
    dm = await link_dm(discord, dave)
    sandbox.grant(ref_of(dm), dave.id)  # an empty grant: Dave has no accounts to tick

    pressed = await discord.press(dm, "I've granted access", by=dave.user)
    assert pressed.text.startswith("Taubot says you don't have a personal account yet")
    retrievals = sandbox.requests_to("retrieve_key")
    assert [r.status for r in retrievals] == [200, 200]  # the first key was dead; asked once more
    checks = [r.status for r in sandbox.requests_to("my_account")]
    assert checks == [401, 404]
    assert await storage(discord).grant_keys.get(dave.id) is None


@ON_V21
async def test_a_member_without_a_personal_account_is_told_so_on_v21(discord, sandbox, people):
    dave = people.member("dave", balance=None)
    club = sandbox.create_account("Chess Club", owner_id=dave.id, account_type="CHARITY")
    dm = await link_dm(discord, dave)
    sandbox.grant(ref_of(dm), dave.id, accounts=[club.account_id])  # all he can pick

    pressed = await discord.press(dm, "I've granted access", by=dave.user)
    assert pressed.text.startswith("Taubot says you don't have a personal account yet")
    assert [r.status for r in sandbox.requests_to("retrieve_key")] == [200]
    assert [r.status for r in sandbox.requests_to("user_account")] == [404]
    assert await storage(discord).grant_keys.get(dave.id) is None
    assert await storage(discord).pending_links.for_user(dave.id) is None


UNUSABLE = "Taubot gave me a key that doesn't work, so nothing was linked. Run /link-account to try again."


@ON_V2
async def test_a_key_that_never_works_is_not_kept_on_v2(discord, sandbox, people):
    alice = people.member("alice")
    dm = await link_dm(discord, alice)
    ref = ref_of(dm)
    sandbox.grant(ref, alice.id)
    sandbox.revoke_key(sandbox.economy.retrieve_key(ref))  # issued, then disabled on Taubot's side

    pressed = await discord.press(dm, "I've granted access", by=alice.user)
    assert pressed.text == UNUSABLE
    assert dm.embed.description == UNUSABLE
    assert dm.buttons == []
    assert len(sandbox.requests_to("retrieve_key")) == 2  # v2 may hand out a working key the second time
    assert await storage(discord).grant_keys.get(alice.id) is None
    assert await storage(discord).pending_links.for_user(alice.id) is None


@ON_V21
async def test_a_key_that_never_works_is_not_kept_and_not_asked_for_twice_on_v21(discord, sandbox, people):
    alice = people.member("alice")
    dm = await link_dm(discord, alice)
    sandbox.grant(ref_of(dm), alice.id)
    del sandbox.economy.accounts[alice.account_id]  # the key Taubot hands out is bound to an account now gone

    pressed = await discord.press(dm, "I've granted access", by=alice.user)
    assert pressed.text == UNUSABLE
    assert dm.embed.description == UNUSABLE
    assert len(sandbox.requests_to("retrieve_key")) == 1  # a second retrieval could only ever answer 404
    assert await storage(discord).grant_keys.get(alice.id) is None
    assert await storage(discord).pending_links.for_user(alice.id) is None


async def test_discord_failing_to_deliver_the_dm_cancels_the_link(discord, sandbox, people):
    alice = people.member("alice")
    discord.fail_next("send_message", status=503, message="Service Unavailable")
    reply = await discord.run_command("link-account", by=alice.user)
    assert reply.ephemeral
    assert reply.text == "Discord didn't deliver my DM, so I cancelled the link. Please run /link-account again."
    assert await storage(discord).pending_links.for_user(alice.id) is None
    assert discord.dms(alice.user) == []

    again = await discord.run_command("link-account", by=alice.user)
    assert again.text.startswith("I've sent you a DM with your link.")


async def test_an_unexpected_failure_while_sending_the_dm_cancels_the_link(discord, sandbox, people):
    alice = people.member("alice")

    def connection_lost(request):
        if request.route == "create_dm":
            discord.api.on_request = None
            raise aiohttp.ClientConnectionError("connection to Discord lost")

    discord.api.on_request = connection_lost
    reply = await discord.run_command("link-account", by=alice.user)
    assert reply.text == "Something went wrong on my side. Nothing was changed; please try again."
    (record,) = discord.logged_errors()
    assert "ClientConnectionError" in (record.exc_text or "")
    assert await storage(discord).pending_links.for_user(alice.id) is None
    assert discord.dms(alice.user) == []


async def test_a_lost_connection_while_updating_the_dm_after_linking_still_says_linked(discord, sandbox, people):
    alice = people.member("alice")
    dm = await granted_link(discord, sandbox, alice)

    def connection_reset(request):
        if request.route == "edit_message":
            discord.api.on_request = None
            raise aiohttp.ClientOSError(104, "Connection reset by peer")

    discord.api.on_request = connection_reset
    pressed = await discord.press(dm, "I've granted access", by=alice.user)
    assert pressed.text.startswith("Linked to Alice")  # the key is stored: never "nothing was changed"
    assert await storage(discord).grant_keys.get(alice.id) is not None


async def test_taubot_unreachable_while_registering_saves_nothing(discord, sandbox, people):
    alice = people.member("alice")
    sandbox.drop_next(sandbox.route("register_reference"))
    reply = await discord.run_command("link-account", by=alice.user)
    assert reply.text == "I couldn't reach Taubot just now. Nothing was changed; try again in a minute."
    assert await storage(discord).pending_links.for_user(alice.id) is None
    assert discord.dms(alice.user) == []
    sandbox.fail_next(sandbox.route("register_reference"), 500)
    reply = await discord.run_command("link-account", by=alice.user)
    assert reply.text.startswith("Taubot had a problem answering. Nothing was changed")
    assert await storage(discord).pending_links.for_user(alice.id) is None


async def test_a_rejected_master_key_is_reported_to_the_member_and_the_host(discord, sandbox, people):
    alice = people.member("alice")
    sandbox.fail_next(sandbox.route("register_reference"), 401)
    reply = await discord.run_command("link-account", by=alice.user)
    assert reply.text.startswith("The bot's Taubot credentials were rejected")
    (record,) = discord.logged_errors()
    assert "TAUBOT_MASTER_KEY" in record.getMessage()
    assert sandbox.master_key not in record.getMessage()


async def test_taubot_forgetting_the_ref_asks_to_start_again(discord, sandbox, people):
    alice = people.member("alice")
    dm = await link_dm(discord, alice)
    sandbox.restart()
    pressed = await discord.press(dm, "I've granted access", by=alice.user)
    assert pressed.text.startswith(FORGOTTEN)
    assert dm.embed.description.startswith(FORGOTTEN)
    assert await storage(discord).pending_links.for_user(alice.id) is None


@ON_V2
async def test_taubot_forgetting_the_ref_before_the_second_retrieval_asks_to_start_again_on_v2(discord, sandbox,
                                                                                            people):
    dave = people.member("dave", balance=None)
    dm = await link_dm(discord, dave)
    sandbox.grant(ref_of(dm), dave.id)  # an empty grant: the first key is dead, so the bot asks again
    release = sandbox.hold(sandbox.route("my_account"), times=1)
    pressing = asyncio.ensure_future(discord.press(dm, "I've granted access", by=dave.user))
    await until(in_progress(sandbox, "/api/users/me"))
    sandbox.restart()  # Taubot restarts while the bot checks the first key
    release()

    pressed = await pressing
    assert pressed.text.startswith(FORGOTTEN)
    assert dm.embed.description.startswith(FORGOTTEN)
    retrievals = [r.status for r in sandbox.requests_to("retrieve_key")]
    assert retrievals == [200, 404]
    assert await storage(discord).pending_links.for_user(dave.id) is None
    assert await storage(discord).grant_keys.get(dave.id) is None


async def test_a_master_key_rejected_while_retrieving_is_explained_and_logged_once(discord, sandbox, people, caplog):
    alice = people.member("alice")
    dm = await link_dm(discord, alice)
    sandbox.fail_next(sandbox.route("retrieve_key"), 401, times=3)

    pressed = await discord.press(dm, "I've granted access", by=alice.user)
    assert pressed.text == ("The bot's Taubot credentials were rejected, so linking is unavailable. Please tell "
                            "the server admins; nothing was changed.")
    cog = link_cog(discord)
    assert await cog.poll_due_links(at=now() + timedelta(seconds=11)) == 1
    assert await cog.poll_due_links(at=now() + timedelta(seconds=30)) == 1
    rejected = [r for r in caplog.records if r.name == "taubot_bot.link" and "TAUBOT_MASTER_KEY" in r.getMessage()]
    assert [r.levelno for r in rejected] == [logging.WARNING]  # once, not once per poll; no ERROR either
    assert sandbox.master_key not in caplog.text
    assert dm.embed.title == "Link your Taubot account"  # still pending: it works again once the key is fixed

    sandbox.grant(ref_of(dm), alice.id)
    assert (await discord.press(dm, "I've granted access", by=alice.user)).text.startswith("Linked to Alice")


async def test_taubot_trouble_while_checking_keeps_the_link_pending(discord, sandbox, people):
    alice = people.member("alice")
    dm = await granted_link(discord, sandbox, alice)
    sandbox.fail_next(key_check_route(sandbox), 503, times=3)
    pressed = await discord.press(dm, "I've granted access", by=alice.user)
    assert pressed.text.startswith("I couldn't reach Taubot to check your grant.")
    assert await storage(discord).pending_links.for_user(alice.id) is not None
    again = await discord.press(dm, "I've granted access", by=alice.user)
    assert again.text.startswith("Linked to Alice")


async def test_an_expired_link_is_closed_by_the_poller(discord, sandbox, people, clock):
    alice = people.member("alice")
    dm = await granted_link(discord, sandbox, alice)
    cog = link_cog(discord)
    clock.ahead = timedelta(minutes=31)

    assert await cog.poll_due_links() == 1
    assert dm.embed.description == "This link has expired, so nothing was linked. Run /link-account to get a new one."
    assert await storage(discord).pending_links.for_user(alice.id) is None
    assert await storage(discord).grant_keys.get(alice.id) is None
    late = await discord.press(dm, "I've granted access", by=alice.user, as_shown_in=0)
    assert late.text.startswith("This link is already finished")


async def test_pressing_after_expiry_closes_the_link(discord, sandbox, people, clock):
    alice = people.member("alice")
    dm = await link_dm(discord, alice)
    clock.ahead = timedelta(hours=2)
    pressed = await discord.press(dm, "I've granted access", by=alice.user)
    expired = "This link has expired, so nothing was linked. Run /link-account to get a new one."
    assert pressed.text == expired
    assert dm.embed.description == expired
    assert dm.buttons == []
    assert await storage(discord).pending_links.for_user(alice.id) is None


async def test_cancel_ends_the_link(discord, sandbox, people):
    alice = people.member("alice")
    dm = await link_dm(discord, alice)
    await discord.press(dm, "Cancel", by=alice.user)
    assert dm.embed.description == "Link cancelled. Nothing was changed. Run /link-account to start again."
    assert dm.buttons == []
    assert await storage(discord).pending_links.for_user(alice.id) is None
    again = await discord.press(dm, "Cancel", by=alice.user, as_shown_in=0)
    assert again.text == "This link is already finished; there is nothing to cancel."


@ON_V2
async def test_starting_again_replaces_the_pending_link_with_a_fresh_ref_on_v2(discord, sandbox, people):
    alice = people.member("alice")
    await discord.run_command("link-account", by=alice.user)
    first = discord.last_dm(alice.user)
    first_ref = ref_of(first)
    await discord.run_command("link-account", by=alice.user)
    second = discord.last_dm(alice.user)

    assert second.id != first.id
    assert ref_of(second) != first_ref
    assert first.buttons == []  # the old link's buttons are gone
    assert first.embed.description == "This link was replaced by a newer /link-account: use the newest DM."
    assert (await storage(discord).pending_links.for_user(alice.id)).ref_id == ref_of(second)
    registered = [r.body["ref_id"] for r in sandbox.requests_to("register_reference")]
    assert len(registered) == len(set(registered)) == 2  # never the same ref twice


@ON_V21
async def test_starting_again_moves_the_pending_link_to_a_new_dm_on_v21(discord, sandbox, people):
    """v2.1 keeps 64 pending references for every application together: asking again gives the same link in a
    new DM instead of taking (and, repeated, pushing out) more of them."""
    alice = people.member("alice")
    first = await link_dm(discord, alice)
    ref = ref_of(first)
    again = await discord.run_command("link-account", by=alice.user)
    second = discord.last_dm(alice.user)

    assert again.text.startswith("I've sent you a DM with your link.")
    assert second.id != first.id
    assert ref_of(second) == ref
    assert first.buttons == []
    assert first.embed.description == "This link was replaced by a newer /link-account: use the newest DM."
    assert len(sandbox.requests_to("register_reference")) == 1
    pending = await storage(discord).pending_links.for_user(alice.id)
    assert (pending.dm_channel_id, pending.dm_message_id) == (second.channel_id, second.id)
    sandbox.grant(ref_of(second), alice.id)
    assert (await discord.press(second, "I've granted access", by=alice.user)).text.startswith("Linked to Alice")


@ON_V21
async def test_a_link_about_to_expire_is_not_given_again_on_v21(discord, sandbox, people, clock):
    alice = people.member("alice")
    first_ref = ref_of(await link_dm(discord, alice))
    clock.ahead = timedelta(minutes=25)  # five of its thirty minutes left
    second = await link_dm(discord, alice)
    assert ref_of(second) != first_ref
    assert len(sandbox.requests_to("register_reference")) == 2
