"""Work that must happen once across a fleet of bot processes on one database happens once: each pending link
is checked by one process at a time (a key Taubot v2.1 hands out once is retrieved once), each open payment is
looked up by one process (and every process backs off together), each expiry reminder is sent once.

The second process is a second bot logged in to the same fake Discord on the same SQLite file
(`FakeDiscord.another_process`): what either sends lands in the one Discord the members see. The fleet test
(tests/fleet/) does the same with real OS processes.
"""

import asyncio
from datetime import timedelta

from storage.clock import now
from tests.cogs.link.helpers import granted_link, link_cog, storage, until
from tests.cogs.pay.helpers import PAST_THE_LANDING_WINDOW, journaled_as_sent, pay_cog
from tests.conftest import ON_V21

TEN_SECONDS_ON = timedelta(seconds=11)  # a new link's first poll is due after 10 s


def retrievals(sandbox) -> list:
    return sandbox.requests_to(sandbox.route("retrieve_key"))


async def polled_by_the_other_process(discord, there, sandbox, person):
    """A granted link (its DM sent by this process) and the other process's poll round, caught while it is asking
    Taubot for the key."""
    dm = await granted_link(discord, sandbox, person)
    sandbox.delay(sandbox.route("retrieve_key"), 0.3)
    polling = asyncio.create_task(link_cog(there).poll_due_links(at=now() + TEN_SECONDS_ON))
    await until(lambda: len(retrievals(sandbox)) == 1 and retrievals(sandbox)[0].status == 0)
    return dm, polling


async def test_two_processes_polling_one_granted_link_at_once_retrieve_its_key_once(discord, there, sandbox,
                                                                                   people):
    alice = people.member("alice")
    dm = await granted_link(discord, sandbox, alice)
    sandbox.delay(sandbox.route("retrieve_key"), 0.2)  # the retrieval is slow: both pollers are at it together
    at = now() + TEN_SECONDS_ON

    checked = await asyncio.gather(link_cog(discord).poll_due_links(at=at), link_cog(there).poll_due_links(at=at))
    assert sorted(checked) == [0, 1]  # one process checked it; the other left it to that one
    assert len(retrievals(sandbox)) == 1
    assert dm.embed.title == "Taubot account linked"
    assert (await storage(discord).grant_keys.get(alice.id)).account_id == alice.account_id
    assert await storage(there).pending_links.for_user(alice.id) is None


async def test_a_press_while_another_process_finishes_the_link_waits_and_says_it_is_linked(discord, there,
                                                                                         sandbox, people):
    alice = people.member("alice")
    dm, polling = await polled_by_the_other_process(discord, there, sandbox, alice)
    pressed = await discord.press(dm, "I've granted access", by=alice.user)  # handled by this process
    assert await polling == 1
    assert pressed.text == "This link is already finished: Alice is linked. Run /link-status to see your links."
    assert pressed.ephemeral
    assert len(retrievals(sandbox)) == 1
    assert dm.embed.title == "Taubot account linked"


async def test_cancel_in_one_process_while_the_other_checks_the_key_waits_and_tells_the_truth(discord, there,
                                                                                             sandbox, people):
    alice = people.member("alice")
    dm, polling = await polled_by_the_other_process(discord, there, sandbox, alice)
    cancelled = await discord.press(dm, "Cancel", by=alice.user)
    await polling
    assert await storage(discord).grant_keys.get(alice.id) is not None  # the other process finished it first
    assert cancelled.text.startswith("Too late to cancel: this link had already finished.")
    assert dm.embed.title == "Taubot account linked"


async def test_two_processes_settling_a_dead_process_payment_look_it_up_once_and_tell_the_payer_once(
        discord, there, sandbox, people, clock):
    alice, bob = people.member("alice", balance=100_00), people.member("bob")
    await people.link(alice)
    row = await journaled_as_sent(discord, sandbox, alice, bob, 7_00, taubot_applies=True)
    clock.ahead += PAST_THE_LANDING_WINDOW
    sandbox.clear_requests()

    here_settled, there_settled = await asyncio.gather(pay_cog(discord).reconcile_pending(),
                                                       pay_cog(there).reconcile_pending())
    assert len(here_settled) + len(there_settled) == 1
    assert (await storage(discord).payments.get(row.id)).status.value == "paid"
    assert len(sandbox.requests_to(sandbox.route("transactions"))) == 1  # one look, by one process
    told = [dm.content for dm in discord.dms(alice.user) if "7t" in (dm.content or "")]
    assert told == ["I restarted while sending your payment of 7t to Bob: it went through."]


async def test_a_process_that_read_the_row_before_another_settled_it_does_not_look_it_up_again(
        discord, there, sandbox, people, clock, monkeypatch):
    """The other process lists the open rows, then this one settles the row and gives its look back, then the
    other takes the look: it finds the row settled and leaves Taubot's log alone (a loaded machine interleaves
    the two processes' rounds this way)."""
    alice, bob = people.member("alice", balance=100_00), people.member("bob")
    await people.link(alice)
    row = await journaled_as_sent(discord, sandbox, alice, bob, 7_00, taubot_applies=True)
    clock.ahead += PAST_THE_LANDING_WINDOW
    sandbox.clear_requests()
    listed = await storage(there).payments.open_rows()  # the other process's list, read first

    async def as_listed():
        return listed

    (_settled,) = await pay_cog(discord).reconcile_pending()
    monkeypatch.setattr(storage(there).payments, "open_rows", as_listed)
    assert await pay_cog(there).reconcile_pending() == []
    assert len(sandbox.requests_to(sandbox.route("transactions"))) == 1  # one look, by one process
    assert (await storage(discord).payments.get(row.id)).status.value == "paid"
    told = [dm.content for dm in discord.dms(alice.user) if "7t" in (dm.content or "")]
    assert told == ["I restarted while sending your payment of 7t to Bob: it went through."]


async def test_every_process_backs_off_together_on_a_payment_the_log_cannot_settle_yet(discord, there, sandbox,
                                                                                    people, clock):
    alice, bob = people.member("alice", balance=100_00), people.member("bob")
    await people.link(alice)
    row = await journaled_as_sent(discord, sandbox, alice, bob, 7_00, taubot_applies=False)
    clock.ahead += PAST_THE_LANDING_WINDOW
    sandbox.fail_next(sandbox.route("transactions"), 503, times=1000)  # the log cannot be read for now
    fleet = [pay_cog(discord), pay_cog(there)]

    async def log_reads_in_a_round() -> int:
        sandbox.clear_requests()
        await asyncio.gather(*(cog.reconcile_pending() for cog in fleet))
        return len(sandbox.requests_to(sandbox.route("transactions")))

    one_look = await log_reads_in_a_round()  # one read of the log, and its retries
    assert one_look > 0
    assert (await storage(discord).payments.get(row.id)).status.value == "unknown"
    for wait in (30, 60, 120):  # settle_interval is 30 s: the waits double, whichever process looked last
        assert await log_reads_in_a_round() == 0
        clock.ahead += timedelta(seconds=wait - 1)
        assert await log_reads_in_a_round() == 0
        clock.ahead += timedelta(seconds=1)
        assert await log_reads_in_a_round() == one_look  # one look, by one of the two
    told = [dm.content for dm in discord.dms(alice.user) if "7t" in (dm.content or "")]
    assert len(told) == 1  # the unknown outcome, told once


@ON_V21
async def test_two_processes_sending_expiry_reminders_at_once_send_each_once_on_v21(discord, there, sandbox,
                                                                                   people):
    members = [people.member(f"m{n}") for n in range(6)]
    for member in members:
        await people.link(member)
    expires = (await storage(discord).grant_keys.get(members[-1].id)).key_expires_at
    at = expires - timedelta(days=6)
    sent = await asyncio.gather(link_cog(discord).send_expiry_reminders(at=at),
                                link_cog(there).send_expiry_reminders(at=at))
    assert sum(sent) == len(members)
    for member in members:
        reminders = [dm for dm in discord.dms(member.user)
                     if [embed.title for embed in dm.embeds] == ["Your Taubot link expires soon"]]
        assert len(reminders) == 1
