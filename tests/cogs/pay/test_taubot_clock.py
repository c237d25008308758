"""A Taubot clock minutes off ours never makes a payment look absent."""

import pytest

from storage import PaymentStatus
from tests.cogs.pay.helpers import confirm_while_sending, key_of, pay_cog

# -- Taubot's clock is not ours ------------------------------------------------------------------------------


@pytest.mark.parametrize("behind", [6, 60])
async def test_restart_reconciliation_survives_taubots_clock_running_behind(discord, sandbox, alice_and_bob, behind):
    """Taubot stamps log entries with its own clock; a transfer that landed is found although its entry looks
    older than the journal row, and one that never went out is still told apart."""
    alice, bob = alice_and_bob
    sandbox.clock_offset_seconds = -behind
    journal = discord.bot.storage.payments
    sent = await journal.begin(intent_id="a" * 32, payer_user_id=alice.id, from_account_id=alice.account_id,
                               to_account_id=bob.account_id, to_account_name="Bob", amount=7_00)
    sandbox.economy.transfer(sandbox.economy.keys[await key_of(discord, alice)], alice.account_id,
                             bob.account_id, 7_00)
    unsent = await journal.begin(intent_id="b" * 32, payer_user_id=alice.id, from_account_id=alice.account_id,
                                 to_account_id=bob.account_id, to_account_name="Bob", amount=9_00)
    await pay_cog(discord).reconcile_pending()
    assert sandbox.balance_of(bob.account_id) == 57_00
    assert (await journal.get(sent.id)).status is PaymentStatus.PAID
    assert (await journal.get(unsent.id)).status is PaymentStatus.FAILED
    texts = [m.content for m in discord.dms(alice.user)]
    assert "I restarted while sending your payment of 7t to Bob: it went through." in texts
    assert "I restarted while sending your payment of 9t to Bob: it did not go through." in texts


@pytest.mark.parametrize("behind", [6, 60])
async def test_other_activity_is_settled_from_the_log_when_taubots_clock_runs_behind(discord, sandbox, alice_and_bob,
                                                                                     behind):
    alice, bob = alice_and_bob
    sandbox.clock_offset_seconds = -behind
    reply = await discord.run_command("pay user", by=alice.user, amount="10", to=bob.user)
    bob_key = await key_of(discord, bob)
    await confirm_while_sending(discord, sandbox, reply, alice, lambda: sandbox.economy.transfer(
        sandbox.economy.keys[bob_key], bob.account_id, alice.account_id, 4_00))
    assert sandbox.balance_of(bob.account_id) == 56_00
    assert reply.last.embed.title == "Payment sent"
    assert reply.last.embed.field("Your balance") == "94t"
    (payment,) = await discord.bot.storage.payments.recent_for_payer(alice.id)
    assert payment.status is PaymentStatus.PAID


async def test_a_taubot_clock_further_behind_than_the_slack_gives_unknown_never_not_made(discord, sandbox,
                                                                                      alice_and_bob):
    """Three minutes behind: the entry falls before the window, so it can't be called this payment's, but an
    identical entry just before the window forbids calling the payment absent (which would invite paying twice)."""
    alice, bob = alice_and_bob
    sandbox.clock_offset_seconds = -180
    reply = await discord.run_command("pay user", by=alice.user, amount="10", to=bob.user)
    bob_key = await key_of(discord, bob)
    await confirm_while_sending(discord, sandbox, reply, alice, lambda: sandbox.economy.transfer(
        sandbox.economy.keys[bob_key], bob.account_id, alice.account_id, 4_00))
    assert sandbox.balance_of(bob.account_id) == 56_00
    assert reply.last.embed.title == "Payment outcome unknown"

    journal = discord.bot.storage.payments
    crashed = await journal.begin(intent_id="c" * 32, payer_user_id=alice.id, from_account_id=alice.account_id,
                                  to_account_id=bob.account_id, to_account_name="Bob", amount=7_00)
    sandbox.economy.transfer(sandbox.economy.keys[await key_of(discord, alice)], alice.account_id,
                             bob.account_id, 7_00)
    await pay_cog(discord).reconcile_pending()
    assert (await journal.get(crashed.id)).status is PaymentStatus.UNKNOWN
    assert discord.last_dm(alice.user).content.endswith("it may or may not have gone through; check /history.")
