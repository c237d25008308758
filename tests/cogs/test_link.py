"""/link-account, /unlink-account, /link-status: every path, through Discord-shaped interactions against the
sandbox over real HTTP and a real SQLite file."""

import asyncio
import itertools
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import aiohttp
import pytest

from bot import TaubotBot, Timings
from cogs.link.polling import POLL_TICK_SECONDS, TAUBOT_REQUESTS_PER_TICK, next_poll_time
from sandbox import VIEW_BALANCE
from storage import Storage
from storage.clock import now
from tests.conftest import ref_of


def link_cog(discord):
    return discord.bot.get_cog("Link")


def storage(discord):
    return discord.bot.storage


async def link_dm(discord, person):
    """The member runs /link-account; the DM it sends them."""
    await discord.run_command("link-account", by=person.user)
    return discord.last_dm(person.user)


async def granted_link(discord, sandbox, person):
    """/link-account, then the member grants access on Taubot's page; the DM, not yet pressed."""
    dm = await link_dm(discord, person)
    assert sandbox.grant(ref_of(dm), person.id)
    return dm


async def until(condition) -> None:
    """Wait (at most two seconds) until `condition()` holds, e.g. the sandbox is busy answering a request."""
    for _ in range(400):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the condition never held")


def in_progress(sandbox, path: str):
    return lambda: any(r.path == path and r.status == 0 for r in sandbox.requests)


def pending_ref_on_disk(settings, user_id: int) -> str | None:
    """The user's pending ref as a second process would read it from the database file right now. Blocking, so
    synchronous hooks (the fake Discord's on_request) can look at what was committed before a request."""
    async def read() -> str | None:
        other = await Storage.open(settings.database_path, settings.key_encryption_key)
        try:
            link = await other.pending_links.for_user(user_id)
            return link.ref_id if link else None
        finally:
            await other.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, read()).result()


def server_message_text(discord) -> str:
    """Everything the bot showed outside DMs: every version, with button custom_ids and URLs."""
    return "\n".join(repr(data) for message in discord.api.messages.values() if message.dm_user_id is None
                     for data in [*message.versions, message.data])


def all_message_text(discord) -> str:
    """Everything the bot ever showed anyone, including earlier versions and button ids."""
    parts = []
    for message in discord.api.messages.values():
        for data in [*message.versions, message.data]:
            parts.append(repr(data))
    return "\n".join(parts)


# -- the happy paths ---------------------------------------------------------------------------------------


async def test_link_account_from_the_server_sends_the_grant_link_by_dm(discord, sandbox, people):
    alice = people.member("alice")
    reply = await discord.run_command("link-account", by=alice.user)

    assert reply.deferred and reply.ephemeral
    assert reply.text.startswith("I've sent you a DM with your link. It expires <t:")
    dm = discord.last_dm(alice.user)
    ref = ref_of(dm)
    assert ref not in reply.text  # the ref never appears in a server channel
    assert dm.embed.title == "Link your Taubot account"
    for words in ("VIEW BALANCE", "TRANSFER FUNDS", "spending limit", "starts at 0, which blocks every payment"):
        assert words in dm.embed.description
    assert dm.embed.field("Expires").startswith("<t:")
    assert [b.label for b in dm.buttons] == ["Open Taubot", "I've granted access", "Cancel"]
    assert dm.button("Open Taubot").url == sandbox.grant_url(ref)

    pending = await storage(discord).pending_links.for_user(alice.id)
    assert pending.ref_id == ref
    assert (pending.dm_channel_id, pending.dm_message_id) == (dm.channel_id, dm.id)
    assert pending.expires_at - pending.created_at == timedelta(minutes=30)
    registered = [r for r in sandbox.requests if r.path == "/api/oauth-references"]
    assert [(r.method, r.key_kind, r.body, r.status) for r in registered] == [
        ("POST", "master", {"ref_id": ref}, 201)]


async def test_the_pending_link_is_saved_before_the_dm_goes_out(discord, people, settings):
    alice = people.member("alice")
    on_disk_when_dm_sent = []

    def look_at_the_database(request):
        if request.route == "send_message":
            on_disk_when_dm_sent.append(pending_ref_on_disk(settings, alice.id))

    discord.api.on_request = look_at_the_database
    await discord.run_command("link-account", by=alice.user)
    assert on_disk_when_dm_sent == [ref_of(discord.last_dm(alice.user))]


async def test_pressing_granted_before_granting_says_not_yet_then_links(discord, sandbox, people):
    alice = people.member("alice")
    dm = await link_dm(discord, alice)

    early = await discord.press(dm, "I've granted access", by=alice.user)
    assert early.text.startswith("Taubot hasn't received your grant yet.")
    assert early.ephemeral
    assert await storage(discord).grant_keys.get(alice.id) is None

    sandbox.grant(ref_of(dm), alice.id)
    done = await discord.press(dm, "I've granted access", by=alice.user)
    assert done.text == "Linked to Alice (personal account). Try /balance."
    assert dm.embed.title == "Taubot account linked"
    assert dm.embed.description == "Linked to Alice (personal account). Try /balance."
    assert dm.buttons == []

    linked = await storage(discord).grant_keys.get(alice.id)
    assert (linked.account_id, linked.account_name, linked.account_type) == (alice.account_id, "Alice", "USER")
    assert linked.balance_visible is True
    assert sandbox.economy.keys[linked.grant_key].user_id == alice.id
    assert await storage(discord).pending_links.for_user(alice.id) is None
    assert linked.grant_key not in all_message_text(discord)


async def test_a_grant_without_view_balance_links_and_says_how_to_see_the_balance(discord, sandbox, people):
    alice = people.member("alice")
    dm = await link_dm(discord, alice)
    sandbox.grant(ref_of(dm), alice.id, permissions=("TRANSFER_FUNDS",))

    done = await discord.press(dm, "I've granted access", by=alice.user)
    expected = ("Linked to Alice (personal account), but this grant doesn't let me see your balance. Run "
                "/link-account again and tick VIEW BALANCE on your account.")
    assert done.text == expected
    assert dm.embed.description == expected
    assert (await storage(discord).grant_keys.get(alice.id)).balance_visible is False


async def test_the_poller_finishes_a_granted_link_without_any_click(discord, sandbox, people):
    alice = people.member("alice")
    dm = await link_dm(discord, alice)
    cog = link_cog(discord)

    assert await cog.poll_due_links() == 0  # not due yet: the first poll comes after ten seconds
    later = now() + timedelta(seconds=11)
    assert await cog.poll_due_links(at=later) == 1
    pending = await storage(discord).pending_links.for_user(alice.id)
    assert pending.poll_count == 1
    assert pending.next_poll_at == later + timedelta(seconds=10)

    sandbox.grant(ref_of(dm), alice.id)
    assert await cog.poll_due_links(at=later + timedelta(seconds=11)) == 1
    assert (await storage(discord).grant_keys.get(alice.id)).account_id == alice.account_id
    assert dm.embed.title == "Taubot account linked"


def test_polling_backs_off_gently():
    start = now()
    gaps = [(next_poll_time(count, start) - start).total_seconds() for count in range(20)]
    assert gaps[:6] == [10.0] * 6
    assert gaps[6] == 12.5
    assert all(later >= earlier for earlier, later in itertools.pairwise(gaps))
    assert max(gaps) == 60.0


async def test_the_poller_respects_its_request_budget(discord, sandbox, people):
    members = [people.member(f"member{i}") for i in range(8)]
    for person in members:
        await discord.run_command("link-account", by=person.user)
    sandbox.clear_requests()
    checked = await link_cog(discord).poll_due_links(at=now() + timedelta(seconds=11))
    assert checked == 5
    assert len([r for r in sandbox.requests if r.path.startswith("/api/retrieve-key/")]) == 5


async def test_the_poller_budget_counts_taubot_requests_not_links(discord, sandbox, people):
    assert TAUBOT_REQUESTS_PER_TICK == 5
    members = [people.member(f"member{i}") for i in range(8)]
    for person in members:
        await discord.run_command("link-account", by=person.user)
        sandbox.grant(ref_of(discord.last_dm(person.user)), person.id)
    cog = link_cog(discord)
    at = now() + timedelta(seconds=11)

    per_round = []
    for _ in range(4):
        sandbox.clear_requests()
        await cog.poll_due_links(at=at)
        per_round.append(len(sandbox.requests))  # every request the round sent to Taubot
    # A completion takes two requests (retrieve the key, check it): a round stops once it has used its budget,
    # and what it overshot is taken off the next round, so four rounds stay within four budgets.
    assert per_round == [6, 4, 6, 0]
    for person in members:
        assert (await storage(discord).grant_keys.get(person.id)).account_id == person.account_id


async def test_the_poller_budget_includes_retries(discord, sandbox, people):
    members = [people.member(f"member{i}") for i in range(8)]
    for person in members:
        await discord.run_command("link-account", by=person.user)
    sandbox.fail_next("GET /api/retrieve-key/", 503, times=100)  # each check is tried three times
    sandbox.clear_requests()
    checked = await link_cog(discord).poll_due_links(at=now() + timedelta(seconds=11))
    assert checked == 2
    assert len(sandbox.requests) == 6
    assert all(r.path.startswith("/api/retrieve-key/") and r.status == 503 for r in sandbox.requests)


async def test_one_broken_link_does_not_stall_the_poller(discord, sandbox, people, caplog):
    alice = people.member("alice")
    # A pending row the bot cannot use (its ref is not a UUID), due before anyone else's.
    await storage(discord).pending_links.start("not-a-uuid", 1234, lifetime=timedelta(minutes=30),
                                               first_poll_after=timedelta(seconds=1))
    dm = await granted_link(discord, sandbox, alice)
    cog = link_cog(discord)
    at = now() + timedelta(seconds=11)

    assert await cog.poll_due_links(at=at) == 2
    assert dm.embed.title == "Taubot account linked"
    broken = await storage(discord).pending_links.get("not-a-uuid")
    assert broken.poll_count == 1
    assert broken.next_poll_at == next_poll_time(0, at)
    (warning,) = [r for r in caplog.records if r.name == "taubot_bot.link" and "failed" in r.getMessage()]
    assert warning.levelno == logging.WARNING
    assert warning.getMessage() == ("Checking the pending link of user 1234 failed (ValueError); trying again "
                                    "later")
    assert await cog.poll_due_links(at=at) == 0  # it waits its turn like any other link


async def test_running_link_account_in_a_dm_works_too(discord, people):
    alice = people.member("alice")
    reply = await discord.run_command("link-account", by=alice.user, in_dm=True)
    assert reply.text.startswith("Your link is in the message below.")
    assert discord.last_dm(alice.user).embed.title == "Link your Taubot account"


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


# -- things going wrong ----------------------------------------------------------------------------------


async def test_a_grant_from_another_discord_account_is_thrown_away(discord, sandbox, people):
    alice, bob = people.member("alice"), people.member("bob")
    dm = await link_dm(discord, alice)
    sandbox.grant(ref_of(dm), bob.id)  # Bob opened Alice's link and granted his own account

    pressed = await discord.press(dm, "I've granted access", by=alice.user)
    assert pressed.text.startswith("This link was completed from a different Discord account")
    assert dm.embed.description.startswith("This link was completed from a different Discord account")
    assert dm.buttons == []
    assert await storage(discord).grant_keys.get(alice.id) is None
    assert await storage(discord).grant_keys.get(bob.id) is None
    assert await storage(discord).pending_links.for_user(alice.id) is None


async def test_a_member_without_a_personal_account_is_told_so(discord, sandbox, people):
    dave = people.member("dave", balance=None)
    dm = await link_dm(discord, dave)
    sandbox.grant(ref_of(dm), dave.id)  # an empty grant: Dave has no accounts to tick

    pressed = await discord.press(dm, "I've granted access", by=dave.user)
    assert pressed.text.startswith("Taubot says you don't have a personal account yet")
    retrievals = [r for r in sandbox.requests if r.path.startswith("/api/retrieve-key/")]
    assert [r.status for r in retrievals] == [200, 200]  # the first key was dead; asked once more
    checks = [r.status for r in sandbox.requests if r.path == "/api/users/me"]
    assert checks == [401, 404]
    assert await storage(discord).grant_keys.get(dave.id) is None


async def test_a_key_that_never_works_is_not_kept(discord, sandbox, people):
    alice = people.member("alice")
    dm = await link_dm(discord, alice)
    ref = ref_of(dm)
    sandbox.grant(ref, alice.id)
    sandbox.revoke_key(sandbox.economy.retrieve_key(ref))  # issued, then disabled on Taubot's side

    pressed = await discord.press(dm, "I've granted access", by=alice.user)
    unusable = ("Taubot gave me a key that doesn't work, even after asking twice, so nothing was linked. Run "
                "/link-account to try again.")
    assert pressed.text == unusable
    assert dm.embed.description == unusable
    assert dm.buttons == []
    assert await storage(discord).grant_keys.get(alice.id) is None
    assert await storage(discord).pending_links.for_user(alice.id) is None


async def test_closed_dms_cancel_the_link_and_explain_how_to_open_them(discord, sandbox, people):
    alice = people.member("alice")
    discord.close_dms(alice.user)
    reply = await discord.run_command("link-account", by=alice.user)
    assert reply.ephemeral
    assert reply.text.startswith("I couldn't send you a DM, so I cancelled the link.")
    assert "Privacy Settings" in reply.text
    assert await storage(discord).pending_links.for_user(alice.id) is None
    assert discord.dms(alice.user) == []


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
    sandbox.drop_next("POST /api/oauth-references")
    reply = await discord.run_command("link-account", by=alice.user)
    assert reply.text == "I couldn't reach Taubot just now. Nothing was changed; try again in a minute."
    assert await storage(discord).pending_links.for_user(alice.id) is None
    assert discord.dms(alice.user) == []
    sandbox.fail_next("POST /api/oauth-references", 500)
    reply = await discord.run_command("link-account", by=alice.user)
    assert reply.text.startswith("Taubot had a problem answering. Nothing was changed")
    assert await storage(discord).pending_links.for_user(alice.id) is None


async def test_a_rejected_master_key_is_reported_to_the_member_and_the_host(discord, sandbox, people):
    alice = people.member("alice")
    sandbox.fail_next("POST /api/oauth-references", 401)
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
    assert pressed.text.startswith("Taubot no longer knows this link (it probably restarted)")
    assert dm.embed.description.startswith("Taubot no longer knows this link")
    assert await storage(discord).pending_links.for_user(alice.id) is None


async def test_taubot_forgetting_the_ref_before_the_second_retrieval_asks_to_start_again(discord, sandbox, people):
    dave = people.member("dave", balance=None)
    dm = await link_dm(discord, dave)
    sandbox.grant(ref_of(dm), dave.id)  # an empty grant: the first key is dead, so the bot asks again
    sandbox.delay("GET /api/users/me", 0.3, times=1)
    pressing = asyncio.ensure_future(discord.press(dm, "I've granted access", by=dave.user))
    await until(in_progress(sandbox, "/api/users/me"))
    sandbox.restart()  # Taubot restarts while the bot checks the first key

    pressed = await pressing
    assert pressed.text.startswith("Taubot no longer knows this link (it probably restarted)")
    assert dm.embed.description.startswith("Taubot no longer knows this link")
    retrievals = [r.status for r in sandbox.requests if r.path.startswith("/api/retrieve-key/")]
    assert retrievals == [200, 404]
    assert await storage(discord).pending_links.for_user(dave.id) is None
    assert await storage(discord).grant_keys.get(dave.id) is None


async def test_a_master_key_rejected_while_retrieving_is_explained_and_logged_once(discord, sandbox, people, caplog):
    alice = people.member("alice")
    dm = await link_dm(discord, alice)
    sandbox.fail_next("GET /api/retrieve-key/", 401, times=3)

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
    sandbox.fail_next("GET /api/users/me", 503, times=3)
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


async def test_starting_again_replaces_the_pending_link_with_a_fresh_ref(discord, sandbox, people):
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
    registered = [r.body["ref_id"] for r in sandbox.requests if r.path == "/api/oauth-references"]
    assert len(registered) == len(set(registered)) == 2  # never the same ref twice


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
        assert pressed.text.startswith("This link was completed from a different Discord account")
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
    assert status.embed.title == "Linked" and status.embed.field("Account") == "Alice"


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
    assert status.embed.field("Account") == "Alice"
    assert status.embed.field("Type") == "User"
    assert status.embed.field("Since").startswith("<t:")
    assert status.embed.field("Balance visible") == "No: run /link-account again and tick VIEW BALANCE"
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

    refs = [r.body["ref_id"] for r in sandbox.requests if r.path == "/api/oauth-references"]
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
