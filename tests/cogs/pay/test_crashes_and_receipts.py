"""Crashes, restarts and a Discord that fails: the receipt still tells the truth."""

import asyncio

from bot import TaubotBot
from storage import PaymentStatus
from tests.cogs.pay.helpers import (
    PAST_THE_LANDING_WINDOW,
    confirm,
    confirm_while_sending,
    key_of,
    pay_cog,
    transfers,
    until,
)

# -- after a crash -----------------------------------------------------------------------------------------


async def test_the_journal_row_is_pending_while_the_transfer_is_in_flight(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay user", by=alice.user, amount="2", to=bob.user)
    seen = []

    async def look_at_the_journal():
        assert sandbox.balance_of(bob.account_id) == 50_00  # Taubot has the request but has not applied it
        seen.extend(await discord.bot.storage.payments.recent_for_payer(alice.id))

    await confirm_while_sending(discord, sandbox, reply, alice, look_at_the_journal)
    (row,) = seen
    assert (row.status, row.amount, row.to_account_id, row.balance_before) == (
        PaymentStatus.PENDING, 2_00, bob.account_id, 100_00)
    assert (await discord.bot.storage.payments.get(row.id)).status is PaymentStatus.PAID


# -- the receipt reaches the payer whatever Discord does -------------------------------------------------------


async def test_a_receipt_that_cannot_replace_the_confirmation_comes_as_a_followup(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay user", by=alice.user, amount="2", to=bob.user)
    discord.fail_next("edit_original", status=404, code=10008)  # Unknown Message: the confirmation was dismissed
    pressed = await confirm(discord, reply, alice)
    (followup,) = pressed.followups
    assert followup.ephemeral
    assert followup.embed.title == "Payment sent"
    assert followup.embed.field("Your balance") == "98t"
    assert "Nothing was changed" not in followup.text
    assert discord.last_dm(bob.user).content == f"<@{alice.id}> paid you 2t on Taubot."
    (payment,) = await discord.bot.storage.payments.recent_for_payer(alice.id)
    assert payment.status is PaymentStatus.PAID


async def test_a_receipt_that_cannot_be_shown_at_all_is_sent_by_dm(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay user", by=alice.user, amount="2", to=bob.user)
    # The confirmation was dismissed: no edit reaches it, through Confirm's token or /pay's.
    discord.fail_next("edit_original", status=404, code=10008, times=2)
    discord.fail_next("followup", status=404, code=10015)
    pressed = await confirm(discord, reply, alice)
    assert pressed.followups == []
    receipt = discord.last_dm(alice.user)
    assert receipt.embed.title == "Payment sent"
    assert receipt.embed.description == f"2t to <@{bob.id}> (Bob)"
    assert discord.last_dm(bob.user).content == f"<@{alice.id}> paid you 2t on Taubot."


async def test_a_journal_that_cannot_record_the_outcome_still_gives_a_truthful_receipt(
        discord, sandbox, alice_and_bob, monkeypatch, make_bot, clock):
    alice, bob = alice_and_bob
    journal = discord.bot.storage.payments

    async def disk_full(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(journal, "finish", disk_full)
    reply = await discord.run_command("pay user", by=alice.user, amount="2", to=bob.user)
    await confirm(discord, reply, alice)
    assert reply.last.embed.title == "Payment sent"
    assert reply.last.embed.field("Journal") == ("I couldn't record this in my journal; I'll double-check it after "
                                                 "my next restart.")
    assert discord.last_dm(bob.user).content == f"<@{alice.id}> paid you 2t on Taubot."
    (logged,) = discord.logged_errors()
    assert logged.getMessage().endswith("(PAID) could not be recorded in the journal")
    (payment,) = await journal.recent_for_payer(alice.id)
    assert payment.status is PaymentStatus.PENDING
    # At the next start the row is settled from the log, without sending anything, once Taubot could no
    # longer apply its transfer.
    monkeypatch.undo()
    await discord.restart(make_bot)
    assert await pay_cog(discord).reconcile_pending() == []
    clock.ahead = PAST_THE_LANDING_WINDOW
    await pay_cog(discord).reconcile_pending()
    assert (await discord.bot.storage.payments.get(payment.id)).status is PaymentStatus.PAID


async def test_a_client_side_refusal_is_failed_not_unknown(discord, sandbox, alice_and_bob):
    """Taubot names an account with an id that is not a UUID (a damaged row on its side): the client refuses the
    transfer itself (Taubot would answer 500, which reads as an outage) and nothing reaches Taubot."""
    alice, _ = alice_and_bob
    broken = sandbox.create_account("Broken Corp", account_type="CORPORATION")
    del sandbox.economy.accounts[broken.account_id]
    broken.account_id = "corp-7"
    sandbox.economy.accounts[broken.account_id] = broken
    reply = await discord.run_command("pay account", by=alice.user, amount="2", to="Broken Corp")
    assert reply.embed.title == "Confirm payment"
    await confirm(discord, reply, alice)
    assert reply.last.embed.title == "Payment refused"
    assert reply.last.embed.field("What happened").startswith("I refused to send this payment")
    (payment,) = await discord.bot.storage.payments.recent_for_payer(alice.id)
    assert (payment.status, payment.to_account_id) == (PaymentStatus.FAILED, "corp-7")
    assert transfers(sandbox) == []
    assert sandbox.balance_of(alice.account_id) == 100_00


async def test_payments_left_pending_by_a_crash_are_reconciled_and_the_payer_told(discord, sandbox, alice_and_bob,
                                                                              people, clock):
    """Rows as a bot from before the journal recorded keys and marks left them: settled from the log with the
    payer's current key, once Taubot could no longer apply them."""
    alice, bob = alice_and_bob
    journal = discord.bot.storage.payments
    alice_key = (await discord.bot.storage.grant_keys.get(alice.id)).grant_key
    # Sent before the crash: Taubot has it.
    sent = await journal.begin(intent_id="a" * 32, payer_user_id=alice.id, from_account_id=alice.account_id,
                               to_account_id=bob.account_id, to_account_name="Bob", amount=7_00)
    sandbox.economy.transfer(sandbox.economy.keys[alice_key], alice.account_id, bob.account_id, 7_00)
    # Journaled, but the bot died before sending.
    unsent = await journal.begin(intent_id="b" * 32, payer_user_id=alice.id, from_account_id=alice.account_id,
                                 to_account_id=bob.account_id, to_account_name="Bob", amount=9_00)
    # The payer unlinked since: nothing can be checked.
    carol = people.member("carol")
    orphan = await journal.begin(intent_id="c" * 32, payer_user_id=carol.id, from_account_id=carol.account_id,
                                 to_account_id=bob.account_id, to_account_name="Bob", amount=1_00)

    assert await pay_cog(discord).reconcile_pending() == []  # Taubot may still be applying them
    clock.ahead = PAST_THE_LANDING_WINDOW
    await pay_cog(discord).reconcile_pending()
    assert (await journal.get(sent.id)).status is PaymentStatus.PAID
    assert (await journal.get(unsent.id)).status is PaymentStatus.FAILED
    assert (await journal.get(orphan.id)).status is PaymentStatus.UNKNOWN
    texts = [m.content for m in discord.dms(alice.user)]
    assert "I restarted while sending your payment of 7t to Bob: it went through." in texts
    assert "I restarted while sending your payment of 9t to Bob: it did not go through." in texts
    assert discord.last_dm(carol.user).content.endswith(
        "it may or may not have gone through; check /history. I'll keep checking Taubot's log and tell you.")
    assert transfers(sandbox) == []  # reconciliation reads; it never sends
    await pay_cog(discord).reconcile_pending()
    assert len([dm for dm in discord.dms(alice.user) if dm.content.startswith("I restarted")]) == 2  # told once


async def test_an_unsent_row_is_not_credited_with_an_earlier_identical_payment(discord, sandbox, alice_and_bob,
                                                                               make_bot, clock):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay user", by=alice.user, amount="5", to=bob.user)
    await confirm(discord, reply, alice)
    assert reply.last.embed.title == "Payment sent"
    # Journaled, then the bot died before sending.
    unsent = await discord.bot.storage.payments.begin(
        intent_id="d" * 32, payer_user_id=alice.id, from_account_id=alice.account_id, to_account_id=bob.account_id,
        to_account_name="Bob", amount=5_00)

    await discord.restart(make_bot)
    clock.ahead = PAST_THE_LANDING_WINDOW
    await pay_cog(discord).reconcile_pending()
    # The only 5t entry belongs to the first payment, which claimed it.
    assert (await discord.bot.storage.payments.get(unsent.id)).status is PaymentStatus.FAILED
    assert discord.last_dm(alice.user).content == ("I restarted while sending your payment of 5t to Bob: it did "
                                                   "not go through.")
    assert sandbox.balance_of(bob.account_id) == 55_00


async def test_startup_reconciliation_finds_a_sent_payment_and_tells_the_payer(discord, sandbox, alice_and_bob,
                                                                             settings, timings, clock):
    alice, bob = alice_and_bob
    journal = discord.bot.storage.payments
    first = await journal.begin(intent_id="e" * 32, payer_user_id=alice.id, from_account_id=alice.account_id,
                                to_account_id=bob.account_id, to_account_name="Bob", amount=5_00)
    second = await journal.begin(intent_id="f" * 32, payer_user_id=alice.id, from_account_id=alice.account_id,
                                 to_account_id=bob.account_id, to_account_name="Bob", amount=6_00)
    # Both reached Taubot; the bot died before recording either.
    alice_key = sandbox.economy.keys[await key_of(discord, alice)]
    sandbox.economy.transfer(alice_key, alice.account_id, bob.account_id, 5_00)
    sandbox.economy.transfer(alice_key, alice.account_id, bob.account_id, 6_00)

    clock.ahead = PAST_THE_LANDING_WINDOW
    await discord.restart(lambda: TaubotBot(settings, background_tasks=True, timings=timings))
    await settled(discord.bot.storage.payments, first.id, second.id)
    journal = discord.bot.storage.payments
    assert (await journal.get(first.id)).status is PaymentStatus.PAID
    assert (await journal.get(second.id)).status is PaymentStatus.PAID
    await until(lambda: len([dm for dm in discord.dms(alice.user) if dm.content.startswith("I restarted")]) == 2)
    texts = [dm.content for dm in discord.dms(alice.user)]
    assert "I restarted while sending your payment of 5t to Bob: it went through." in texts
    assert "I restarted while sending your payment of 6t to Bob: it went through." in texts


async def settled(journal, *payment_ids):
    """Wait for the bot's background settling to close these rows."""
    for _ in range(300):
        rows = [await journal.get(payment_id) for payment_id in payment_ids]
        if all(row.status is not PaymentStatus.PENDING for row in rows):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the rows stayed pending")
