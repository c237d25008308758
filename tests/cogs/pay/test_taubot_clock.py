"""A Taubot clock minutes off ours changes no verdict: log entries are told apart by what they are and where they
stand in the log, never by comparing Taubot's timestamps with the bot's clock."""

import pytest

from storage import PaymentStatus
from tests.cogs.pay.helpers import (
    PAST_THE_LANDING_WINDOW,
    confirm,
    confirm_while_sending,
    journaled_as_sent,
    key_of,
    pay_cog,
)

# Taubot's clock this many seconds off ours: ten minutes behind and ahead, and a few seconds behind.
SKEWS = [-600, -6, 600]


@pytest.mark.parametrize("skew", SKEWS)
async def test_a_payment_while_other_money_moves_is_told_truly_whatever_taubots_clock(discord, sandbox,
                                                                                     alice_and_bob, skew):
    alice, bob = alice_and_bob
    sandbox.clock_offset_seconds = skew
    bob_key = await key_of(discord, bob)
    for amount in ("10", "10"):  # the second one is identical to the first, whose entry is already in the log
        reply = await discord.run_command("pay user", by=alice.user, amount=amount, to=bob.user)
        await confirm_while_sending(discord, sandbox, reply, alice, lambda: sandbox.economy.transfer(
            sandbox.economy.keys[bob_key], bob.account_id, alice.account_id, 10_00))
        assert reply.last.embed.title == "Payment sent"
    assert sandbox.balance_of(bob.account_id) == 50_00  # 2 × 10t in, 2 × 10t out
    payments = await discord.bot.storage.payments.recent_for_payer(alice.id)
    assert [p.status for p in payments] == [PaymentStatus.PAID, PaymentStatus.PAID]
    assert len({p.log_entry for p in payments}) == 2  # two entries, one each


@pytest.mark.parametrize("skew", SKEWS)
async def test_a_transfer_that_moved_nothing_is_not_credited_with_an_older_identical_one(discord, sandbox,
                                                                                       alice_and_bob, skew):
    alice, bob = alice_and_bob
    sandbox.clock_offset_seconds = skew
    first = await discord.run_command("pay user", by=alice.user, amount="5", to=bob.user)
    await confirm(discord, first, alice)
    alice_key = await key_of(discord, alice)
    sandbox.economy.keys[alice_key].permissions[alice.account_id].discard("TRANSFER_FUNDS")
    second = await discord.run_command("pay user", by=alice.user, amount="5", to=bob.user)
    await confirm(discord, second, alice)
    # v2 answers OK and moves nothing; v2.1 refuses it outright.
    nothing_moved = {"v2": "Payment not made", "v2.1": "Payment refused"}[sandbox.dialect]
    assert (first.last.embed.title, second.last.embed.title) == ("Payment sent", nothing_moved)
    assert sandbox.balance_of(bob.account_id) == 55_00


@pytest.mark.parametrize("skew", SKEWS)
async def test_restart_reconciliation_is_right_whatever_taubots_clock(discord, sandbox, alice_and_bob, clock, skew):
    """A crash left two rows: one whose transfer Taubot applied, one never sent. Ours and Taubot's clocks
    disagree by minutes; the verdicts do not."""
    alice, bob = alice_and_bob
    sandbox.clock_offset_seconds = skew
    earlier = await discord.run_command("pay user", by=alice.user, amount="7", to=bob.user)  # an identical one before
    await confirm(discord, earlier, alice)
    journal = discord.bot.storage.payments
    sent = await journaled_as_sent(discord, sandbox, alice, bob, 7_00, taubot_applies=True)
    unsent = await journaled_as_sent(discord, sandbox, alice, bob, 7_00, taubot_applies=False)
    clock.ahead = PAST_THE_LANDING_WINDOW
    await pay_cog(discord).reconcile_pending()
    assert sandbox.balance_of(bob.account_id) == 64_00
    assert (await journal.get(sent.id)).status is PaymentStatus.PAID
    assert (await journal.get(unsent.id)).status is PaymentStatus.FAILED
    texts = [m.content for m in discord.dms(alice.user)]
    assert texts.count("I restarted while sending your payment of 7t to Bob: it went through.") == 1
    assert texts.count("I restarted while sending your payment of 7t to Bob: it did not go through.") == 1
