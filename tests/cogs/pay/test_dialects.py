"""Where the two Taubot servers differ for payments: v2.1's OK proves a transfer and a refused one costs no
allowance, so a link that cannot see the balance or the log may still pay there; v2's OK proves nothing, so
without the log the bot says what it knows, never "not moved"."""

from datetime import timedelta

from sandbox import TRANSFER_FUNDS, VIEW_BALANCE
from storage import PaymentStatus
from tests.cogs.pay.helpers import (
    PAST_THE_LANDING_WINDOW,
    assert_journal_tells_the_truth,
    confirm,
    confirm_while_sending,
    key_of,
    link_directly,
    pay_cog,
    transfers,
)
from tests.conftest import ON_V2, ON_V21


@ON_V21
async def test_a_link_that_cannot_see_the_balance_pays_and_the_ok_is_the_receipt_on_v21(discord, sandbox, people):
    alice, bob = people.member("alice"), people.member("bob")
    await link_directly(discord, sandbox, alice, permissions=(TRANSFER_FUNDS,))
    reply = await discord.run_command("pay user", by=alice.user, amount="4", to=bob.user)
    assert reply.embed.field("Your balance") == "Not visible with your link"
    sandbox.clear_requests()
    await confirm(discord, reply, alice)
    assert reply.last.embed.title == "Payment sent"
    assert [r.path for r in sandbox.requests] == [f"/api/accounts/{alice.account_id}", "/api/transactions/create"]
    (row,) = await discord.bot.storage.payments.recent_for_payer(alice.id)
    assert (row.status, row.log_mark, row.taubot_answer) == (PaymentStatus.PAID, None, "ok")
    assert sandbox.balance_of(bob.account_id) == 104_00


@ON_V21
async def test_a_link_that_cannot_see_the_log_gets_no_verdict_from_a_garbled_ok_on_v21(discord, sandbox, people):
    alice, bob = people.member("alice"), people.member("bob")
    await link_directly(discord, sandbox, alice, permissions=(TRANSFER_FUNDS,))
    reply = await discord.run_command("pay user", by=alice.user, amount="4", to=bob.user)
    sandbox.fail_next(sandbox.route("transfer"), 200, body="<html>gateway</html>")
    await confirm(discord, reply, alice)
    assert reply.last.embed.title == "Payment outcome unknown"
    assert reply.last.embed.field("What happened").startswith("I couldn't get a clear answer from Taubot")


@ON_V21
async def test_payments_are_proven_by_the_log_on_v21(discord, sandbox, people):
    alice, bob = people.member("alice"), people.member("bob")
    await link_directly(discord, sandbox, alice)
    bob_key = await link_directly(discord, sandbox, bob)
    for _ in range(3):
        reply = await discord.run_command("pay user", by=alice.user, amount="1", to=bob.user)
        # Bob pays Alice the same amount while her transfer is on its way.
        await confirm_while_sending(discord, sandbox, reply, alice, lambda: sandbox.economy.transfer(
            sandbox.economy.keys[bob_key], bob.account_id, alice.account_id, 1_00))
        assert reply.last.embed.title == "Payment sent"
    rows = await assert_journal_tells_the_truth(discord.bot.storage, sandbox)
    assert all(row.log_entry is not None for row in rows)
    assert [r.query for r in sandbox.requests_to("transactions")][:1] == [{"limit": "1"}]


@ON_V21
async def test_over_the_spending_limit_on_v21(discord, sandbox, people):
    alice, bob = people.member("alice"), people.member("bob")
    await link_directly(discord, sandbox, alice, spending_limit=5_00)
    paid = await discord.run_command("pay user", by=alice.user, amount="3", to=bob.user)
    await confirm(discord, paid, alice)
    refused = await discord.run_command("pay user", by=alice.user, amount="2.50", to=bob.user)
    await confirm(discord, refused, alice)
    assert refused.last.embed.title == "Payment refused"
    assert refused.last.embed.field("What happened") == (
        "Taubot refused the payment: it would go over your link's spending limit. Nothing was sent. Through me, "
        "this link has spent 3t so far. Spending limits are in cents: paying 2.50t needs 250 cents of limit "
        "left. To change it, run /link-account and set a new spending limit.")
    assert len(transfers(sandbox)) == 2


@ON_V2
async def test_an_ok_the_log_cannot_confirm_is_never_not_moved_on_v2(discord, sandbox, people):
    """v2: the link lost VIEW BALANCE while the transfer was on its way, so its OK cannot be checked."""
    alice, bob = people.member("alice"), people.member("bob")
    await people.link(alice)
    reply = await discord.run_command("pay user", by=alice.user, amount="4", to=bob.user)
    alice_key = sandbox.economy.keys[await key_of(discord, alice)]
    await confirm_while_sending(discord, sandbox, reply, alice,
                                lambda: alice_key.permissions[alice.account_id].discard(VIEW_BALANCE))
    assert reply.last.embed.title == "Payment outcome unknown"
    assert reply.last.embed.field("What happened") == (
        "Taubot accepted the payment, but your link doesn't let me read your transaction log, so I can't confirm "
        "that it moved. Check your balance on Taubot before paying again, and run /link-account with VIEW "
        "BALANCE ticked so I can confirm payments.")
    assert sandbox.balance_of(bob.account_id) == 104_00


@ON_V21
async def test_an_ok_is_paid_even_when_the_log_cannot_be_read_back_on_v21(discord, sandbox, people):
    alice, bob = people.member("alice"), people.member("bob")
    await link_directly(discord, sandbox, alice)
    reply = await discord.run_command("pay user", by=alice.user, amount="4", to=bob.user)
    await confirm_while_sending(discord, sandbox, reply, alice,
                                lambda: sandbox.fail_next(sandbox.route("transactions"), 503, times=10))
    sandbox.clear_faults()
    assert reply.last.embed.title == "Payment sent"
    assert sandbox.balance_of(bob.account_id) == 104_00


@ON_V21
async def test_an_outcome_the_log_cannot_settle_is_looked_at_less_and_less_often_on_v21(discord, sandbox, people,
                                                                                       clock):
    """A link that cannot read the log: each look at the open payment is a refused request to Taubot, so the
    looks thin out (30 s, 1 min, 2 min, …) instead of repeating every round for a week."""
    alice, bob = people.member("alice"), people.member("bob")
    await link_directly(discord, sandbox, alice, permissions=(TRANSFER_FUNDS,))
    reply = await discord.run_command("pay user", by=alice.user, amount="4", to=bob.user)
    sandbox.drop_next(sandbox.route("transfer"))
    await confirm(discord, reply, alice)
    assert reply.last.embed.title == "Payment outcome unknown"
    clock.ahead = PAST_THE_LANDING_WINDOW
    sandbox.clear_requests()
    for _ in range(60):  # ten minutes of rounds, one every ten seconds
        await pay_cog(discord).reconcile_pending()
        clock.ahead += timedelta(seconds=10)
    looks = len(sandbox.requests_to("transactions"))
    assert 3 <= looks <= 6, looks  # at 0 s, 30 s, 1.5 min, 3.5 min, 7.5 min
    (row,) = await discord.bot.storage.payments.recent_for_payer(alice.id)
    assert row.status is PaymentStatus.UNKNOWN
