"""/link-account as members use it: the DM, the grant, 'I've granted access', the poller."""

import itertools
import logging
from dataclasses import replace
from datetime import timedelta

import pytest

from bot import TaubotBot
from cogs.link.polling import TAUBOT_REQUESTS_PER_TICK, next_poll_time
from cogs.link.states import LinkResult, LinkState
from storage.clock import now
from tests.cogs.link.helpers import all_message_text, granted_link, link_cog, link_dm, pending_ref_on_disk, storage
from tests.conftest import ON_V2, ON_V21, ref_of

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
    assert "spending limit" in dm.embed.description
    assert dm.embed.field("Expires").startswith("<t:")
    assert [b.label for b in dm.buttons] == ["Open Taubot", "I've granted access", "Cancel"]
    assert dm.button("Open Taubot").url == sandbox.grant_url(ref)

    pending = await storage(discord).pending_links.for_user(alice.id)
    assert pending.ref_id == ref
    assert (pending.dm_channel_id, pending.dm_message_id) == (dm.channel_id, dm.id)
    assert pending.expires_at - pending.created_at == timedelta(minutes=30)
    (registered,) = sandbox.requests_to("register_reference")
    assert (registered.key_kind, registered.status) == ("master", 201)


@ON_V2
async def test_the_dm_says_what_to_tick_and_that_a_limit_of_0_blocks_on_v2(discord, sandbox, people):
    dm = await link_dm(discord, people.member("alice"))
    for words in ("tick **VIEW BALANCE** and **TRANSFER FUNDS**", "in cents: 5000 allows 50t.",
                  "0 (where the page starts) blocks every payment."):
        assert words in dm.embed.description
    assert [r.body for r in sandbox.requests_to("register_reference")] == [{"ref_id": ref_of(dm)}]


@ON_V21
async def test_the_dm_says_which_account_to_pick_and_that_0_is_unlimited_on_v21(discord, sandbox, people):
    dm = await link_dm(discord, people.member("alice"))
    for words in ("Pick your **personal account**", "in cents: 5000 allows 50t.",
                  "0, or an empty field, means no limit.", "A negative limit blocks every payment."):
        assert words in dm.embed.description
    assert "TRANSFER FUNDS" not in dm.embed.description  # v2.1's page asks for no permissions
    (registered,) = sandbox.requests_to("register_reference")
    assert (registered.query, registered.body) == ({"permissions": "10"}, None)  # VIEW_BALANCE | TRANSFER_FUNDS


@pytest.mark.parametrize("timeout_minutes", [45, 120])
async def test_links_never_outlive_taubots_references(discord, sandbox, people, settings, timings,
                                                      timeout_minutes):
    """LINK_TIMEOUT_MINUTES, capped where Taubot forgets references after an hour (v2.1)."""
    longer = replace(settings, link_timeout_minutes=timeout_minutes)
    await discord.restart(lambda: TaubotBot(longer, background_tasks=False, timings=timings))
    alice = people.member("alice")
    await link_dm(discord, alice)
    pending = await storage(discord).pending_links.for_user(alice.id)
    capped = min(timeout_minutes, 60) if sandbox.dialect == "v2.1" else timeout_minutes
    assert pending.expires_at - pending.created_at == timedelta(minutes=capped)


async def test_the_pending_link_is_saved_before_the_dm_goes_out(discord, people, settings):
    alice = people.member("alice")
    on_disk_when_dm_sent = []

    def look_at_the_database(request):
        if request.route == "send_message":
            on_disk_when_dm_sent.append(pending_ref_on_disk(settings, alice.id))

    discord.api.on_request = look_at_the_database
    await discord.run_command("link-account", by=alice.user)
    assert on_disk_when_dm_sent == [ref_of(discord.last_dm(alice.user))]


@ON_V21
async def test_asking_again_with_closed_dms_shows_the_same_link_on_v21(discord, sandbox, people):
    """v2.1 keeps 64 pending references for every application together: a member who cannot get DMs and
    asks again and again is shown the link still pending, and takes no more of them."""
    alice = people.member("alice")
    discord.close_dms(alice.user)
    shown = [await discord.run_command("link-account", by=alice.user) for _ in range(3)]
    refs = {ref_of(reply.message) for reply in shown}
    assert len(refs) == 1
    assert len(sandbox.requests_to("register_reference")) == 1
    sandbox.grant(refs.pop(), alice.id)
    assert (await discord.press(shown[-1].message, "I've granted access", by=alice.user)).text.startswith("Linked")


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
    assert len(sandbox.requests_to("retrieve_key")) == 5


async def test_the_poller_budget_counts_taubot_requests_not_links(discord, sandbox, people):
    assert TAUBOT_REQUESTS_PER_TICK == 5
    members = [people.member(f"member{i}") for i in range(8)]
    for person in members:
        await discord.run_command("link-account", by=person.user)
        sandbox.grant(ref_of(discord.last_dm(person.user)), person.id)
    cog = link_cog(discord)
    at = now() + timedelta(seconds=11)

    per_round = []
    for _ in range(5):
        sandbox.clear_requests()
        await cog.poll_due_links(at=at)
        per_round.append(len(sandbox.requests))  # every request the round sent to Taubot
    # A completion takes two requests on v2 (retrieve the key, check it) and three on v2.1 (retrieve, find the
    # member's account, the binding probe): a round stops once it has used its budget, and what it overshot is
    # taken off the next round, so rounds stay within their budgets.
    assert per_round == {"v2": [6, 4, 6, 0, 0], "v2.1": [6, 6, 3, 6, 3]}[sandbox.dialect]
    for person in members:
        assert (await storage(discord).grant_keys.get(person.id)).account_id == person.account_id


@ON_V2
async def test_the_poller_budget_includes_retries_on_v2(discord, sandbox, people):
    members = [people.member(f"member{i}") for i in range(8)]
    for person in members:
        await discord.run_command("link-account", by=person.user)
    sandbox.fail_next(sandbox.route("retrieve_key"), 503, times=100)  # each check is tried three times
    sandbox.clear_requests()
    checked = await link_cog(discord).poll_due_links(at=now() + timedelta(seconds=11))
    assert checked == 2
    assert len(sandbox.requests) == 6
    assert all(r in sandbox.requests_to("retrieve_key") and r.status == 503 for r in sandbox.requests)


@ON_V21
async def test_a_retrieval_is_never_repeated_on_v21(discord, sandbox, people):
    """v2.1 hands a key out once: a retrieval whose answer was lost is not sent again, by the bot or by aiohttp
    (which resends a GET whose connection dropped); the link waits for the next check."""
    members = [people.member(f"member{i}") for i in range(2)]
    for person in members:
        await discord.run_command("link-account", by=person.user)
        sandbox.grant(ref_of(discord.last_dm(person.user)), person.id)
    sandbox.fail_next(sandbox.route("retrieve_key"), 503)
    sandbox.drop_next(sandbox.route("retrieve_key"))
    sandbox.clear_requests()
    assert await link_cog(discord).poll_due_links(at=now() + timedelta(seconds=11)) == 2
    assert [r.status for r in sandbox.requests] == [503, 0]  # each sent once: the 503 and the dropped one
    for person in members:
        assert await storage(discord).pending_links.for_user(person.id) is not None  # still waiting


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


def test_every_state_but_linked_has_its_sentence():
    for state in LinkState:
        if state is not LinkState.LINKED:
            assert LinkResult(state).message()
