"""What Taubot does with a transfer, told truthfully, whatever else moves the balance."""

import logging

import pytest

from sandbox import TRANSFER_FUNDS, VIEW_BALANCE
from storage import PaymentStatus
from tests.cogs.pay.helpers import PAST_THE_LANDING_WINDOW, confirm, confirm_while_sending, key_of, pay_cog, transfers
from tests.conftest import ON_V2, ON_V21

# -- what Taubot does with the transfer --------------------------------------------------------------------


async def test_a_link_without_transfer_funds_pays_nothing_and_says_so(discord, sandbox, people):
    """v2 answers OK and moves nothing; v2.1 refuses with its own JSON 500, which also means "another
    economy". Either way nothing moved, and the receipt says so."""
    alice, bob = people.member("alice"), people.member("bob")
    await people.link(alice, permissions=(VIEW_BALANCE,))
    reply = await discord.run_command("pay user", by=alice.user, amount="10", to=bob.user)
    await confirm(discord, reply, alice)
    receipt = reply.last.embed
    title, status, said = {
        "v2": ("Payment not made", PaymentStatus.NOT_MOVED, "Taubot said OK, but no money moved: your link doesn't "
               "allow transfers from this account. Run /link-account again and tick TRANSFER FUNDS."),
        "v2.1": ("Payment refused", PaymentStatus.FAILED, "Taubot refused the payment: your link may not transfer "
                 "funds, or the recipient is in another economy. Nothing was sent."),
    }[sandbox.dialect]
    assert (receipt.title, receipt.field("What happened")) == (title, said)
    assert sandbox.balance_of(bob.account_id) == 100_00
    (payment,) = await discord.bot.storage.payments.recent_for_payer(alice.id)
    assert payment.status is status
    assert discord.dms(bob.user) == []


@ON_V21
async def test_a_recipient_in_another_economy_is_refused_on_v21(discord, sandbox, alice_and_bob):
    alice, _ = alice_and_bob
    sandbox.create_account("Foreign Bank", account_type="CORPORATION", other_economy=True)
    reply = await discord.run_command("pay account", by=alice.user, amount="1", to="Foreign Bank")
    assert reply.text == "Taubot has no account called “Foreign Bank”. Check the spelling: names are case-sensitive."
    assert transfers(sandbox) == []


async def test_spent_elsewhere_before_confirm_is_refused_without_sending(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay user", by=alice.user, amount="60", to=bob.user)
    sandbox.set_balance(alice.account_id, 10_00)  # spent elsewhere before Confirm
    await confirm(discord, reply, alice)
    assert reply.last.embed.title == "Payment not made"
    assert reply.last.embed.description == "You now have 10t, which is not enough to pay 60t. Nothing was sent."
    assert transfers(sandbox) == []
    assert sandbox.spent_by(await key_of(discord, alice)) == 0  # a doomed transfer would have used up limit
    assert await discord.bot.storage.payments.recent_for_payer(alice.id) == []


async def test_spent_elsewhere_before_confirm_is_logged_as_insufficient_funds(discord, sandbox, alice_and_bob,
                                                                            caplog):
    """The same outcome word as /pay's own check: nothing was sent because the balance no longer covers it."""
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay user", by=alice.user, amount="60", to=bob.user)
    sandbox.set_balance(alice.account_id, 10_00)
    with caplog.at_level(logging.INFO, logger="taubot_bot.interactions"):
        await confirm(discord, reply, alice)
    (line,) = [r.getMessage() for r in caplog.records if r.name == "taubot_bot.interactions"]
    assert line.startswith(f"button=pay:confirm user={alice.id} outcome=insufficient_funds")
    assert transfers(sandbox) == []


async def test_insufficient_funds_at_taubot(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay user", by=alice.user, amount="60", to=bob.user)
    # Spent elsewhere after the fresh read, while the transfer is on its way.
    await confirm_while_sending(discord, sandbox, reply, alice, lambda: sandbox.set_balance(alice.account_id, 10_00))
    assert reply.last.embed.title == "Payment refused"
    assert reply.last.embed.field("What happened").startswith(
        "Taubot refused the payment: there isn't enough money in your account")
    assert sandbox.balance_of(bob.account_id) == 50_00
    assert (await discord.bot.storage.payments.recent_for_payer(alice.id))[0].status is PaymentStatus.FAILED


@ON_V2
async def test_over_the_spending_limit_with_a_limit_of_zero_on_v2(discord, sandbox, people):
    """v2's grant page defaults to a limit of 0; a link that never paid anything may have it."""
    alice, bob = people.member("alice"), people.member("bob")
    await people.link(alice, spending_limit=0)
    reply = await discord.run_command("pay user", by=alice.user, amount="12.50", to=bob.user)
    await confirm(discord, reply, alice)
    assert reply.last.embed.title == "Payment refused"
    assert reply.last.embed.field("What happened") == (
        "Taubot refused the payment: it would go over your link's spending limit (or your link was revoked). "
        "Nothing was sent. Through me, this link has spent 0t so far (refused payments count too). Spending "
        "limits are in cents: paying 12.50t needs 1,250 cents of limit left. A limit of 0 (the grant page's "
        "default) blocks every payment. To change it, run /link-account and set a new spending limit.")
    assert sandbox.balance_of(alice.account_id) == 100_00


@ON_V2
async def test_over_the_spending_limit_says_what_this_link_spent_on_v2(discord, sandbox, people):
    """A link that paid before has no limit of 0: that is not mentioned, and what it spent is, refused
    payments included (v2 counts them against the limit)."""
    alice, bob = people.member("alice", balance=30_00), people.member("bob")
    await people.link(alice, spending_limit=50_00)
    paid = await discord.run_command("pay user", by=alice.user, amount="20", to=bob.user)
    await confirm(discord, paid, alice)
    assert paid.last.embed.title == "Payment sent"
    sandbox.set_balance(alice.account_id, 30_00)
    refused = await discord.run_command("pay user", by=alice.user, amount="25", to=bob.user)
    # Spent elsewhere while the transfer is on its way: Taubot refuses it (and v2 counts it against the limit).
    await confirm_while_sending(discord, sandbox, refused, alice, lambda: sandbox.set_balance(alice.account_id, 10_00))
    assert refused.last.embed.title == "Payment refused"
    sandbox.set_balance(alice.account_id, 100_00)
    reply = await discord.run_command("pay user", by=alice.user, amount="12.50", to=bob.user)
    await confirm(discord, reply, alice)
    assert reply.last.embed.title == "Payment refused"
    text = reply.last.embed.field("What happened")
    assert "Through me, this link has spent 45t so far (refused payments count too)." in text
    assert "paying 12.50t needs 1,250 cents of limit left." in text
    assert "A limit of 0" not in text
    assert sandbox.balance_of(alice.account_id) == 100_00


@ON_V21
@pytest.mark.parametrize(("limit", "title"), [(5_00, "Payment refused"), (-1, "Payment refused"),
                                              (0, "Payment sent"), (None, "Payment sent")])
async def test_a_limit_of_0_or_none_is_unlimited_and_a_negative_one_blocks_on_v21(discord, sandbox, people, limit,
                                                                               title):
    alice, bob = people.member("alice"), people.member("bob")
    await people.link(alice, spending_limit=limit)
    reply = await discord.run_command("pay user", by=alice.user, amount="12.50", to=bob.user)
    await confirm(discord, reply, alice)
    assert reply.last.embed.title == title
    if title == "Payment refused":
        assert reply.last.embed.field("What happened") == (
            "Taubot refused the payment: it would go over your link's spending limit. Nothing was sent. Through "
            "me, this link has spent 0t so far. Spending limits are in cents: paying 12.50t needs 1,250 cents of "
            "limit left. A negative limit blocks every payment. To change it, run /link-account and set a new "
            "spending limit.")
        assert sandbox.balance_of(alice.account_id) == 100_00
    else:
        assert sandbox.balance_of(alice.account_id) == 87_50


async def test_a_link_revoked_after_the_confirmation(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay user", by=alice.user, amount="1", to=bob.user)
    sandbox.revoke_key((await discord.bot.storage.grant_keys.get(alice.id)).grant_key)
    await confirm(discord, reply, alice)
    assert reply.last.embed.title == "Payment not made"
    assert reply.last.embed.description == (
        "I couldn't read your balance just before sending, so nothing was sent. Taubot refused your link (it may "
        "have been revoked). Run /link-account to link again.")
    assert transfers(sandbox) == []


async def test_a_link_revoked_while_sending(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay user", by=alice.user, amount="1", to=bob.user)
    alice_key = await key_of(discord, alice)
    await confirm_while_sending(discord, sandbox, reply, alice, lambda: sandbox.revoke_key(alice_key))
    assert reply.last.embed.title == "Payment refused"
    # v2 answers 401 to a revoked key and to one over its limit alike; v2.1 says which (its limit has a code).
    assert reply.last.embed.field("What happened").startswith({
        "v2": "Taubot refused the payment: it would go over your link's spending limit (or your link was revoked).",
        "v2.1": "Taubot refused your link (it may have expired or been revoked), so nothing was sent.",
    }[sandbox.dialect])


async def test_a_recipient_that_vanished(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay user", by=alice.user, amount="1", to=bob.user)
    del sandbox.economy.accounts[bob.account_id]
    await confirm(discord, reply, alice)
    assert reply.last.embed.title == "Payment refused"
    assert reply.last.embed.field("What happened").startswith("Taubot couldn't find one of the accounts")


# "slow" waits for the bot's timeout: short enough to wait for, long enough for a loaded machine's other reads
@pytest.mark.parametrize("fault", ["drop", "500", "503", pytest.param("slow", marks=pytest.mark.taubot_timeout(3.0))])
async def test_no_answer_means_unknown_never_retried(discord, sandbox, alice_and_bob, fault):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay user", by=alice.user, amount="3", to=bob.user)
    release = None
    if fault == "drop":
        sandbox.drop_next(sandbox.route("transfer"), times=5)
    elif fault == "slow":  # Taubot holds it past the bot's timeout (a 1.5 s delay raced the bot's log read)
        release = sandbox.hold(sandbox.route("transfer"))
    else:
        sandbox.fail_next(sandbox.route("transfer"), int(fault), times=5)
    await confirm(discord, reply, alice)
    if release is not None:
        release()  # the transfer happens, the answer was late
    receipt = reply.last.embed
    assert receipt.title == "Payment outcome unknown"
    assert receipt.field("What happened").startswith("I couldn't get a clear answer from Taubot, so this payment "
                                                      "may or may not have happened. Check /history")
    assert len(transfers(sandbox)) == 1
    (payment,) = await discord.bot.storage.payments.recent_for_payer(alice.id)
    assert payment.status is PaymentStatus.UNKNOWN


@ON_V2  # on v2.1 the OK itself proves it moved
async def test_accepted_but_unverifiable_is_unknown_until_the_log_shows_it_on_v2(discord, sandbox, alice_and_bob,
                                                                                 clock):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay user", by=alice.user, amount="3", to=bob.user)
    await confirm_while_sending(discord, sandbox, reply, alice, lambda: sandbox.fail_next(
        sandbox.route("transactions"), 503, times=10))
    sandbox.clear_faults()
    assert reply.last.embed.title == "Payment outcome unknown"
    assert reply.last.embed.field("What happened") == (
        "Taubot accepted the payment, but I couldn't check its transaction log afterwards. Check /history before "
        "paying again. I won't retry it, and I'll keep checking Taubot's log and tell you what became of it.")
    assert sandbox.balance_of(bob.account_id) == 53_00
    clock.ahead = PAST_THE_LANDING_WINDOW
    await pay_cog(discord).reconcile_pending()
    (payment,) = await discord.bot.storage.payments.recent_for_payer(alice.id)
    assert payment.status is PaymentStatus.PAID
    assert discord.last_dm(alice.user).content == ("Update on your payment of 3t to Bob, whose outcome I couldn't "
                                                   "tell you: it went through.")


async def test_other_activity_during_the_payment_is_settled_from_the_log(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay user", by=alice.user, amount="10", to=bob.user)
    bob_key = await key_of(discord, bob)
    await confirm_while_sending(discord, sandbox, reply, alice, lambda: sandbox.economy.transfer(
        sandbox.economy.keys[bob_key], bob.account_id, alice.account_id, 4_00))
    assert reply.last.embed.title == "Payment sent"
    assert reply.last.embed.field("Your balance") == "94t"
    assert len(transfers(sandbox)) == 1
    assert sandbox.requests_to("transactions")  # settled from the log


@ON_V2
async def test_other_activity_and_nothing_moved_is_settled_from_the_log_on_v2(discord, sandbox, people):
    alice, bob = people.member("alice"), people.member("bob")
    await people.link(alice, permissions=(VIEW_BALANCE,))
    await people.link(bob)
    reply = await discord.run_command("pay user", by=alice.user, amount="10", to=bob.user)
    bob_key = await key_of(discord, bob)
    await confirm_while_sending(discord, sandbox, reply, alice, lambda: sandbox.economy.transfer(
        sandbox.economy.keys[bob_key], bob.account_id, alice.account_id, 4_00))
    assert reply.last.embed.title == "Payment not made"
    assert reply.last.embed.field("What happened").startswith("Taubot said OK, but no money moved")
    assert reply.last.embed.field("Your balance") == "104t"


@ON_V2  # on v2.1 the OK itself proves it moved
async def test_an_unreadable_log_after_other_activity_is_unknown_on_v2(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay user", by=alice.user, amount="10", to=bob.user)
    bob_key = await key_of(discord, bob)

    def meanwhile():
        sandbox.economy.transfer(sandbox.economy.keys[bob_key], bob.account_id, alice.account_id, 4_00)
        sandbox.fail_next(sandbox.route("transactions"), 503, times=5)

    await confirm_while_sending(discord, sandbox, reply, alice, meanwhile)
    assert reply.last.embed.title == "Payment outcome unknown"
    assert (await discord.bot.storage.payments.recent_for_payer(alice.id))[0].status is PaymentStatus.UNKNOWN


# -- a stale balance is never the yardstick ----------------------------------------------------------------


@ON_V2
async def test_nothing_moved_while_the_payer_spent_the_same_amount_elsewhere_is_not_paid_on_v2(discord, sandbox,
                                                                                            people):
    """No TRANSFER FUNDS, and 10t spent elsewhere between /pay and Confirm: the balance is 10t lower than the
    confirmation said, yet this payment moved nothing."""
    alice, bob = people.member("alice"), people.member("bob")
    await people.link(alice, permissions=(VIEW_BALANCE,))
    reply = await discord.run_command("pay user", by=alice.user, amount="10", to=bob.user)
    assert reply.embed.field("Your balance") == "100t → 90t"  # the /pay-time read, as shown
    sandbox.set_balance(alice.account_id, 90_00)
    await confirm(discord, reply, alice)
    assert reply.last.embed.title == "Payment not made"
    assert reply.last.embed.field("What happened").startswith("Taubot said OK, but no money moved")
    assert sandbox.balance_of(bob.account_id) == 100_00
    (payment,) = await discord.bot.storage.payments.recent_for_payer(alice.id)
    assert (payment.status, payment.balance_before, payment.balance_after) == (PaymentStatus.NOT_MOVED, 90_00, 90_00)
    assert discord.dms(bob.user) == []


async def test_a_payment_while_someone_paid_the_payer_the_same_amount_is_paid(discord, sandbox, alice_and_bob):
    """Bob pays Alice 10t between her /pay and her Confirm: her balance ends where the confirmation started,
    but her 10t did go to Bob; telling her nothing moved would make her pay twice."""
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay user", by=alice.user, amount="10", to=bob.user)
    sandbox.economy.transfer(sandbox.economy.keys[await key_of(discord, bob)], bob.account_id, alice.account_id,
                             10_00)
    await confirm(discord, reply, alice)
    assert reply.last.embed.title == "Payment sent"
    assert reply.last.embed.field("Your balance") == "100t"
    (payment,) = await discord.bot.storage.payments.recent_for_payer(alice.id)
    assert (payment.status, payment.balance_before, payment.balance_after) == (PaymentStatus.PAID, 110_00, 100_00)
    assert discord.last_dm(bob.user).content == f"<@{alice.id}> paid you 10t on Taubot."


@ON_V2
async def test_an_earlier_identical_payment_in_the_log_is_not_credited_to_this_one_on_v2(discord, sandbox,
                                                                                      alice_and_bob):
    alice, bob = alice_and_bob
    first = await discord.run_command("pay user", by=alice.user, amount="5", to=bob.user)
    await confirm(discord, first, alice)
    assert first.last.embed.title == "Payment sent"
    alice_key, bob_key = await key_of(discord, alice), await key_of(discord, bob)
    second = await discord.run_command("pay user", by=alice.user, amount="5", to=bob.user)

    def meanwhile():  # this transfer will move nothing, and other activity hides that from the balance
        sandbox.economy.keys[alice_key].permissions[alice.account_id].discard(TRANSFER_FUNDS)
        sandbox.economy.transfer(sandbox.economy.keys[bob_key], bob.account_id, alice.account_id, 1_00)

    await confirm_while_sending(discord, sandbox, second, alice, meanwhile)
    # The only 5t entry in the log is older than this payment's mark: Taubot said OK and logged nothing new.
    assert second.last.embed.title == "Payment not made"
    assert second.last.embed.field("What happened").startswith("Taubot said OK, but no money moved")
    assert sandbox.balance_of(bob.account_id) == 54_00
