"""Outcomes that are not known at once: a crash after the POST while Taubot is slow, an unknown receipt that
the log settles later, Taubot answers that are not what they say, and a member who never sees "Sending
payment…" go unexplained."""

import asyncio
import dataclasses

import pytest

from bot import TaubotBot
from cogs.messages import CUT_OFF
from storage import PaymentStatus
from tests.cogs.pay.helpers import (
    CONFIRMATION,
    PAST_THE_LANDING_WINDOW,
    assert_journal_tells_the_truth,
    confirm,
    journal_rows,
    key_of,
    link_directly,
    transfers,
    until,
)

# Background settling every few hundredths of a second. The landing window stays production's (the timeout plus
# 60 s): a test moves the bot's clock past it when the bot may decide, so no timer races a loaded machine.
SHORT = {"settle_interval": 0.05, "heartbeat_interval": 0.05, "instance_stale_after": 0.3}


@pytest.fixture
async def alice_and_bob(discord, sandbox, people):
    """Alice (100t) and Bob (50t), linked with VIEW BALANCE, TRANSFER FUNDS and a 1,000t limit without the link
    flow, which these tests are not about."""
    alice, bob = people.member("alice", balance=100_00), people.member("bob", balance=50_00)
    for person in (alice, bob):
        await link_directly(discord, sandbox, person, spending_limit=1_000_00)
    return alice, bob


def settling(timings):
    """A bot of the same settings whose background settling runs every few hundredths of a second."""
    return dataclasses.replace(timings, **SHORT)


async def payment_row(discord, payer):
    (row,) = await discord.bot.storage.payments.recent_for_payer(payer.id)
    return row


@pytest.mark.timings(shutdown_grace=0.05, **SHORT)
async def test_a_crash_after_the_post_with_taubot_slower_than_the_restart(discord, sandbox, alice_and_bob,
                                                                          settings, timings, clock):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay user", by=alice.user, amount="6", to=bob.user)
    # Taubot holds the transfer until the bot was cut off and restarted, then applies it: within the timeout
    # and margin it is trusted to keep (a 0.45 s delay raced the restart, which a loaded machine made slower).
    release = sandbox.hold(sandbox.route("transfer"))
    paying = asyncio.create_task(confirm(discord, reply, alice))
    await until(lambda: len(transfers(sandbox)) == 1)
    await discord.restart(lambda: TaubotBot(settings, background_tasks=True, timings=timings))  # cut off
    await paying
    assert reply.last.content == CUT_OFF
    release()
    await until(lambda: sandbox.balance_of(bob.account_id) == 56_00)  # Taubot applied it
    assert (await payment_row(discord, alice)).status is PaymentStatus.PENDING  # never decided within the window
    clock.ahead = PAST_THE_LANDING_WINDOW
    await until_settled(discord, alice)
    assert (await payment_row(discord, alice)).status is PaymentStatus.PAID
    await asyncio.sleep(0.2)  # more settling rounds: nobody is told twice
    told = [dm.content for dm in discord.dms(alice.user) if "6t" in dm.content]
    assert told == ["I restarted while sending your payment of 6t to Bob: it went through."]
    await assert_journal_tells_the_truth(discord.bot.storage, sandbox)


async def until_settled(discord, payer):
    deadline = asyncio.get_running_loop().time() + 10  # wall time, generous for a loaded machine
    while (await payment_row(discord, payer)).status in (PaymentStatus.PENDING, PaymentStatus.UNKNOWN):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the payment was never settled")
        await asyncio.sleep(0.01)


async def until_kept_for_the_next_command(discord, person):
    deadline = asyncio.get_running_loop().time() + 10  # wall time, generous for a loaded machine
    while not await discord.bot.storage.notices.waiting(person.id):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("nothing was kept for the member's next command")
        await asyncio.sleep(0.01)


@pytest.mark.parametrize("dms_open", [True, False])
async def test_an_unknown_payment_that_later_shows_in_the_log_is_settled_and_the_payer_told(
        discord, sandbox, alice_and_bob, settings, timings, clock, dms_open):
    alice, bob = alice_and_bob
    await discord.restart(lambda: TaubotBot(settings, background_tasks=True, timings=settling(timings)))
    reply = await discord.run_command("pay user", by=alice.user, amount="3", to=bob.user)
    # Taubot got the transfer and the bot no answer (the connection broke), and Taubot applies it only after the
    # bot has said so. A 0.4 s delay raced a 0.3 s timeout here, and lost on a loaded machine ("Payment sent");
    # waiting out a timeout left the reads and the claim before the POST that same short timeout.
    sandbox.drop_next(sandbox.route("transfer"))
    if not dms_open:
        discord.close_dms(alice.user)
    await confirm(discord, reply, alice)
    assert reply.last.embed.title == "Payment outcome unknown"
    assert reply.last.embed.field("What happened").endswith(
        "I won't retry it, and I'll keep checking Taubot's log and tell you what became of it.")
    alice_key = await key_of(discord, alice)
    sandbox.economy.transfer(sandbox.economy.keys[alice_key], alice.account_id, bob.account_id, 3_00)  # applied
    clock.ahead = PAST_THE_LANDING_WINDOW  # and it may be settled now
    await until_settled(discord, alice)
    told = ("Update on your payment of 3t to Bob, whose outcome I couldn't tell you: it went through.")
    if dms_open:
        await until(lambda: [dm.content for dm in discord.dms(alice.user)][-1:] == [told])  # told after settling
    else:
        await until_kept_for_the_next_command(discord, alice)  # told after settling
        assert not any(dm.content == told for dm in discord.dms(alice.user))
        status = await discord.run_command("link-status", by=alice.user)  # any next command
        assert status.followups[-1].text == told and status.followups[-1].ephemeral
        again = await discord.run_command("link-status", by=alice.user)
        assert all(message.text != told for message in again.messages)  # shown once
    await assert_journal_tells_the_truth(discord.bot.storage, sandbox)


async def test_an_unknown_payment_that_never_reached_taubot_is_settled_as_not_gone_through(
        discord, sandbox, alice_and_bob, settings, timings, clock):
    alice, bob = alice_and_bob
    await discord.restart(lambda: TaubotBot(settings, background_tasks=True, timings=settling(timings)))
    reply = await discord.run_command("pay user", by=alice.user, amount="3", to=bob.user)
    sandbox.drop_next(sandbox.route("transfer"))  # the connection broke before Taubot got it
    await confirm(discord, reply, alice)
    assert reply.last.embed.title == "Payment outcome unknown"
    assert (await payment_row(discord, alice)).status is PaymentStatus.UNKNOWN  # not decided within the window
    clock.ahead = PAST_THE_LANDING_WINDOW
    await until_settled(discord, alice)
    assert (await payment_row(discord, alice)).status is PaymentStatus.FAILED
    await until(lambda: [dm.content for dm in discord.dms(alice.user)][-1:] == [
        "Update on your payment of 3t to Bob, whose outcome I couldn't tell you: it did not go through."])
    assert sandbox.balance_of(bob.account_id) == 50_00


# -- Taubot answers that are not what they say (issue 18, item 4) ------------------------------------------


@pytest.mark.parametrize("answer", [(200, "<html>Welcome to the hotel wifi</html>"), (429, None), (503, None)])
async def test_an_answer_that_proves_nothing_leaves_the_outcome_open_until_the_log_shows_it(
        discord, sandbox, alice_and_bob, answer):
    """A 200 whose body is not Taubot's (a proxy's page) is not "moved"; a 429 or 503 usually means "not
    processed", which is still not "not moved": the log decides, and here the transfer never reached it."""
    alice, bob = alice_and_bob
    status, body = answer
    reply = await discord.run_command("pay user", by=alice.user, amount="3", to=bob.user)
    sandbox.fail_next(sandbox.route("transfer"), status, body=body)
    await confirm(discord, reply, alice)
    assert reply.last.embed.title == "Payment outcome unknown"
    assert reply.last.embed.field("What happened").startswith(
        "I couldn't get a clear answer from Taubot, so this payment may or may not have happened.")
    assert len(transfers(sandbox)) == 1
    assert (await payment_row(discord, alice)).status is PaymentStatus.UNKNOWN
    assert discord.dms(bob.user)[-1:] == [] or "paid you" not in discord.last_dm(bob.user).content


@pytest.mark.parametrize("answer", [(200, "garbage"), (429, None), (503, None)])
async def test_an_answer_that_proves_nothing_but_a_log_that_does_is_paid(discord, sandbox, alice_and_bob, answer):
    """Taubot applied the transfer, and what came back was mangled on the way: the log shows the payer's key
    made it, so it is paid."""
    alice, bob = alice_and_bob
    status, body = answer
    reply = await discord.run_command("pay user", by=alice.user, amount="3", to=bob.user)
    alice_key = await key_of(discord, alice)
    route = sandbox.route("transfer")
    release = sandbox.hold(route)  # until the test has applied it, whatever the machine's load
    sandbox.fail_next(route, status, body=body)
    pressing = asyncio.create_task(confirm(discord, reply, alice))
    await until(lambda: len(transfers(sandbox)) == 1)
    sandbox.economy.transfer(sandbox.economy.keys[alice_key], alice.account_id, bob.account_id, 3_00)  # applied
    release()
    await pressing
    assert reply.last.embed.title == "Payment sent"
    assert (await payment_row(discord, alice)).status is PaymentStatus.PAID


# -- nothing stays on "Sending payment…" -----------------------------------------------------------------------


@pytest.mark.timings(receipt_watchdog=0.1)
async def test_a_slow_taubot_gets_an_explanation_within_the_window_then_the_receipt(discord, sandbox,
                                                                                   alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay user", by=alice.user, amount="2", to=bob.user)
    # Taubot holds the transfer until the watchdog has explained the wait (a 0.25 s delay raced both the
    # watchdog and a 0.3 s Taubot timeout on a loaded machine).
    release = sandbox.hold(sandbox.route("transfer"))
    paying = asyncio.create_task(confirm(discord, reply, alice))
    await until(lambda: len(transfers(sandbox)) == 1 and len(reply.last.versions) > CONFIRMATION + 1)
    release()
    await paying
    shown = [version["embeds"][0] for version in reply.last.versions[CONFIRMATION + 1:]]
    assert [embed["title"] for embed in shown] == ["Sending payment…", "Sending payment…"]
    assert shown[1]["fields"][0]["value"].startswith("Taubot hasn't answered yet. I'll put the receipt here")
    assert reply.last.embed.title == "Payment sent"


async def test_cancel_or_confirm_again_while_sending_never_says_nothing_was_sent(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay user", by=alice.user, amount="2", to=bob.user)
    release = sandbox.hold(sandbox.route("transfer"))  # until both presses are answered
    paying = asyncio.create_task(confirm(discord, reply, alice))
    await until(lambda: len(transfers(sandbox)) == 1)
    for button in ("Cancel", "Confirm"):  # from a client that still shows the confirmation
        pressed = await discord.press(reply.last, button, by=alice.user, as_shown_in=CONFIRMATION)
        assert pressed.last.ephemeral
        assert pressed.last.text == ("This payment is being sent right now, so it can't be cancelled. Its receipt "
                                     "will replace the confirmation.")
    release()
    await paying
    assert reply.last.embed.title == "Payment sent"
    assert len(transfers(sandbox)) == 1


async def test_a_confirm_whose_acknowledgement_discord_lost_still_gets_its_receipt(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay user", by=alice.user, amount="2", to=bob.user)
    discord.fail_next("interaction_callback", status=404, code=10062)  # Discord lost the acknowledgement
    await confirm(discord, reply, alice)
    assert reply.last.embed.title == "Payment sent"  # through /pay's own interaction
    assert sandbox.balance_of(bob.account_id) == 52_00


async def test_a_receipt_that_reaches_the_payer_nowhere_is_shown_on_their_next_command(discord, sandbox,
                                                                                      alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay user", by=alice.user, amount="2", to=bob.user)
    # The confirmation was dismissed and its interaction's webhook is gone; the payer's DMs are closed.
    discord.fail_next("edit_original", status=404, code=10008, times=2)
    discord.fail_next("followup", status=404, code=10015, times=2)
    discord.close_dms(alice.user)
    await confirm(discord, reply, alice)
    status = await discord.run_command("link-status", by=alice.user)
    assert status.followups[-1].text == "Your payment of 2t to Bob: Payment sent."
    assert (await journal_rows(discord.bot.storage))[0].status is PaymentStatus.PAID


async def test_a_full_journal_sends_nothing_and_says_so(discord, sandbox, alice_and_bob, monkeypatch):
    alice, bob = alice_and_bob
    journal = discord.bot.storage.payments

    async def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    reply = await discord.run_command("pay user", by=alice.user, amount="2", to=bob.user)
    with monkeypatch.context() as patched:
        patched.setattr(journal, "begin", disk_full)
        await confirm(discord, reply, alice)
    assert reply.last.embed.title == "Payment not made"
    assert reply.last.embed.description == ("I couldn't write this payment to my journal (my database is "
                                            "unavailable), so nothing was sent. Try again in a few minutes.")
    assert transfers(sandbox) == []
    (logged,) = discord.logged_errors()
    assert "the journal could not be written" in logged.getMessage()
    again = await discord.run_command("pay user", by=alice.user, amount="2", to=bob.user)  # the lock was given back
    await confirm(discord, again, alice)
    assert again.last.embed.title == "Payment sent"
