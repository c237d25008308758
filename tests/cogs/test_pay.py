"""/pay and the 'Pay' user command: every outcome told truthfully, against the sandbox's real quirks."""

import asyncio
import inspect
import logging

import pytest

from bot import TaubotBot
from sandbox import TRANSFER_FUNDS, VIEW_BALANCE
from storage import PaymentStatus

MONEY_MOVERS = ("POST", "/api/transactions/")
CONFIRMATION = 1  # the confirmation is version 1 of its message; version 0 was the "thinking…" placeholder


def transfers(sandbox):
    return [r for r in sandbox.requests if (r.method, r.path) == MONEY_MOVERS]


def pay_cog(discord):
    return discord.bot.get_cog("Pay")


@pytest.fixture
async def alice_and_bob(discord, sandbox, people):
    """Alice (100t) and Bob (50t), both linked with VIEW BALANCE, TRANSFER FUNDS and a 1,000t limit."""
    alice, bob = people.member("alice", balance=100_00), people.member("bob", balance=50_00)
    await people.link(alice)
    await people.link(bob)
    sandbox.clear_requests()
    return alice, bob


async def confirm(discord, reply, person):
    return await discord.press(reply.last, "Confirm", by=person.user)


async def until(condition):
    for _ in range(300):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("waited 3 s in vain")


async def confirm_while_sending(discord, sandbox, reply, person, meanwhile):
    """Press Confirm and, while the transfer is held up at Taubot (received, not yet applied), run `meanwhile`."""
    sent_before = len(transfers(sandbox))
    sandbox.delay("POST /api/transactions/", 0.3, times=1)
    pressing = asyncio.create_task(confirm(discord, reply, person))
    await until(lambda: len(transfers(sandbox)) > sent_before)
    result = meanwhile()
    if inspect.isawaitable(result):
        await result
    return await pressing


async def key_of(discord, person):
    return (await discord.bot.storage.grant_keys.get(person.id)).grant_key


# -- the happy paths ---------------------------------------------------------------------------------------


async def test_paying_a_member_confirms_first_then_sends_once_and_verifies(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay", by=alice.user, amount="12.50", user=bob.user)

    assert reply.deferred and reply.ephemeral
    assert reply.embed.title == "Confirm payment"
    assert reply.embed.description == f"Pay **12.50t** to <@{bob.id}> (Bob)?"
    assert reply.embed.field("Your balance") == "100t → 87.50t"
    assert [(b.label, b.style) for b in reply.buttons] == [("Confirm", "success"), ("Cancel", "secondary")]
    assert transfers(sandbox) == []
    assert sandbox.balance_of(alice.account_id) == 100_00

    sandbox.clear_requests()
    pressed = await confirm(discord, reply, alice)
    receipt = reply.last
    assert pressed.response_type == 7  # the very first answer disables the buttons
    sending = receipt.versions[-1]
    assert sending["embeds"][0]["title"] == "Sending payment…"
    assert [button["disabled"] for button in sending["components"][0]["components"]] == [True, True]
    assert receipt.embed.title == "Payment sent"
    assert receipt.embed.description == f"12.50t to <@{bob.id}> (Bob)"
    assert receipt.embed.field("Your balance") == "87.50t"
    assert receipt.buttons == []
    assert (sandbox.balance_of(alice.account_id), sandbox.balance_of(bob.account_id)) == (87_50, 62_50)
    own = ("GET", f"/api/accounts/{alice.account_id}")
    assert [(r.method, r.path) for r in sandbox.requests] == [own, MONEY_MOVERS, own]  # fresh read, send, verify
    (payment,) = await discord.bot.storage.payments.recent_for_payer(alice.id)
    assert (payment.status, payment.amount, payment.balance_before, payment.balance_after) == (
        PaymentStatus.PAID, 12_50, 100_00, 87_50)
    assert discord.last_dm(bob.user).content == f"<@{alice.id}> paid you 12.50t on Taubot."


async def test_paying_a_named_account(discord, sandbox, alice_and_bob):
    alice, _ = alice_and_bob
    treasury = sandbox.account("Treasury")
    reply = await discord.run_command("pay", by=alice.user, amount="1,000", account="Café #1?")
    assert reply.text.startswith("You have 100t, which is not enough to pay 1,000t.")
    reply = await discord.run_command("pay", by=alice.user, amount="5t", account="Treasury")
    assert reply.embed.description == "Pay **5t** to Treasury (government account)?"
    await confirm(discord, reply, alice)
    assert reply.last.embed.title == "Payment sent"
    assert sandbox.balance_of(treasury.account_id) == 1_000_005_00


async def test_the_pay_user_command_asks_for_the_amount_in_a_modal(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    opened = await discord.run_user_command("Pay", by=alice.user, target=bob.user)
    assert opened.modal.title == "Pay Bob"
    assert opened.modal.labels == ["Amount"]
    submitted = await discord.submit_modal(opened, {"Amount": "7.25"}, by=alice.user)
    assert submitted.embed.description == f"Pay **7.25t** to <@{bob.id}> (Bob)?"
    await confirm(discord, submitted, alice)
    assert submitted.last.embed.title == "Payment sent"
    assert sandbox.balance_of(bob.account_id) == 57_25

    bad = await discord.submit_modal(await discord.run_user_command("Pay", by=alice.user, target=bob.user),
                                     {"Amount": "seven"}, by=alice.user)
    assert bad.text == "“seven” isn't an amount. Write it like 12.50 or 1,234.56."


async def test_the_pay_user_command_refuses_yourself_and_bots(discord, alice_and_bob):
    alice, _ = alice_and_bob
    robot = discord.user("robot", bot=True)
    assert (await discord.run_user_command("Pay", by=alice.user, target=alice.user)).text == "You can't pay yourself."
    assert (await discord.run_user_command("Pay", by=alice.user, target=robot)).text.startswith(
        "Bots don't have Taubot accounts.")


async def test_recent_named_recipients_are_offered_while_typing(discord, sandbox, alice_and_bob):
    alice, _ = alice_and_bob
    reply = await discord.run_command("pay", by=alice.user, amount="1", account="Treasury")
    await confirm(discord, reply, alice)
    choices = await discord.autocomplete("pay", by=alice.user, focused="account", amount="1", account="tre")
    assert choices == [{"name": "Treasury", "value": "Treasury"}]
    assert await discord.autocomplete("pay", by=alice.user, focused="account", amount="1", account="zzz") == []


# -- refused before any request ----------------------------------------------------------------------------


@pytest.mark.parametrize(("amount", "message"), [
    ("0", "The amount must be more than zero."),
    ("-5", "The amount must be positive."),
    ("abc", "“abc” isn't an amount. Write it like 12.50 or 1,234.56."),
    ("1.234", "Amounts have at most two decimal places (cents)."),
    ("1e3", "Write the amount in plain digits, without an exponent (like 1500, not 1.5e3)."),
    ("nan", "That isn't a number. Write an amount like 12.50."),
    ("١٢", "Write the amount with the digits 0–9."),
    ("   ", "Enter an amount, like 12.50."),
    ("99999999999999", "That amount is too large: the most I can send is 1,000,000,000t."),
])
async def test_bad_amounts_are_refused_before_any_request(discord, sandbox, alice_and_bob, amount, message):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay", by=alice.user, amount=amount, user=bob.user)
    assert reply.response_type == 4 and reply.ephemeral
    assert reply.text == message
    assert sandbox.requests == []


async def test_recipient_choice_is_checked_before_any_request(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    robot = discord.user("robot", bot=True)
    cases = [
        ({}, "Choose who to pay: a member (user) or an account name (account)."),
        ({"user": bob.user, "account": "Treasury"}, "Choose either a member or an account name, not both."),
        ({"user": alice.user}, "You can't pay yourself."),
        ({"user": robot}, "Bots don't have Taubot accounts. Pick a member instead."),
        ({"account": "  "}, "Choose who to pay: a member (user) or an account name (account)."),
    ]
    for options, message in cases:
        reply = await discord.run_command("pay", by=alice.user, amount="1", **options)
        assert reply.text == message
    assert sandbox.requests == []


async def test_paying_your_own_account_by_name_is_refused(discord, sandbox, alice_and_bob):
    alice, _ = alice_and_bob
    reply = await discord.run_command("pay", by=alice.user, amount="1", account="Alice")
    assert reply.text == "That's your own account. Pick someone else to pay."
    assert sandbox.requests == []  # the name of the linked account is known: no lookup needed
    sandbox.economy.accounts[alice.account_id].account_name = "Alice Renamed"  # renamed since linking
    reply = await discord.run_command("pay", by=alice.user, amount="1", account="Alice Renamed")
    assert reply.text == "That's your own account. Pick someone else to pay."
    assert transfers(sandbox) == []


async def test_unknown_recipients(discord, sandbox, alice_and_bob, people):
    alice, _ = alice_and_bob
    dave = people.member("dave", balance=None)
    reply = await discord.run_command("pay", by=alice.user, amount="1", user=dave.user)
    assert reply.text == f"<@{dave.id}> has no Taubot personal account, so they can't be paid yet."
    reply = await discord.run_command("pay", by=alice.user, amount="1", account="Nobody")
    assert reply.text == "Taubot has no account called “Nobody”. Check the spelling: names are case-sensitive."
    assert transfers(sandbox) == []


async def test_an_unlinked_payer_is_pointed_to_link_account(discord, sandbox, people, alice_and_bob):
    _, bob = alice_and_bob
    carol = people.member("carol")
    reply = await discord.run_command("pay", by=carol.user, amount="1", user=bob.user)
    assert reply.text == "You haven't linked a Taubot account yet. Run /link-account to link one."


async def test_a_link_without_view_balance_cannot_pay_because_nothing_could_be_verified(discord, sandbox, people):
    alice, bob = people.member("alice"), people.member("bob")
    await people.link(alice, permissions=(TRANSFER_FUNDS,))
    reply = await discord.run_command("pay", by=alice.user, amount="1", user=bob.user)
    assert reply.text.startswith("I can't see your balance with your current link")
    assert "tick VIEW BALANCE" in reply.text
    assert transfers(sandbox) == []


# -- what Taubot does with the transfer --------------------------------------------------------------------


async def test_ok_without_transfer_funds_is_reported_as_not_paid(discord, sandbox, people):
    alice, bob = people.member("alice"), people.member("bob")
    await people.link(alice, permissions=(VIEW_BALANCE,))
    reply = await discord.run_command("pay", by=alice.user, amount="10", user=bob.user)
    await confirm(discord, reply, alice)
    receipt = reply.last.embed
    assert receipt.title == "Payment not made"
    assert receipt.field("What happened").startswith("Taubot said OK, but no money moved")
    assert "tick TRANSFER FUNDS" in receipt.field("What happened")
    assert sandbox.balance_of(bob.account_id) == 100_00
    (payment,) = await discord.bot.storage.payments.recent_for_payer(alice.id)
    assert payment.status is PaymentStatus.NOT_MOVED
    assert discord.dms(bob.user) == []


async def test_spent_elsewhere_before_confirm_is_refused_without_sending(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay", by=alice.user, amount="60", user=bob.user)
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
    reply = await discord.run_command("pay", by=alice.user, amount="60", user=bob.user)
    sandbox.set_balance(alice.account_id, 10_00)
    with caplog.at_level(logging.INFO, logger="taubot_bot.interactions"):
        await confirm(discord, reply, alice)
    (line,) = [r.getMessage() for r in caplog.records if r.name == "taubot_bot.interactions"]
    assert line.startswith(f"button=pay:confirm user={alice.id} outcome=insufficient_funds")
    assert transfers(sandbox) == []


async def test_insufficient_funds_at_taubot(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay", by=alice.user, amount="60", user=bob.user)
    # Spent elsewhere after the fresh read, while the transfer is on its way.
    await confirm_while_sending(discord, sandbox, reply, alice, lambda: sandbox.set_balance(alice.account_id, 10_00))
    assert reply.last.embed.title == "Payment refused"
    assert reply.last.embed.field("What happened").startswith(
        "Taubot refused the payment: there isn't enough money in your account")
    assert sandbox.balance_of(bob.account_id) == 50_00
    assert (await discord.bot.storage.payments.recent_for_payer(alice.id))[0].status is PaymentStatus.FAILED


@pytest.mark.parametrize("limit", [5_00, 0])
async def test_over_the_spending_limit(discord, sandbox, people, limit):
    alice, bob = people.member("alice"), people.member("bob")
    await people.link(alice, spending_limit=limit)
    reply = await discord.run_command("pay", by=alice.user, amount="12.50", user=bob.user)
    await confirm(discord, reply, alice)
    assert reply.last.embed.title == "Payment refused"
    assert "over your link's spending limit (a limit of 0 blocks every payment)" in reply.last.embed.field(
        "What happened")
    assert sandbox.balance_of(alice.account_id) == 100_00


async def test_a_link_revoked_after_the_confirmation(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay", by=alice.user, amount="1", user=bob.user)
    sandbox.revoke_key((await discord.bot.storage.grant_keys.get(alice.id)).grant_key)
    await confirm(discord, reply, alice)
    assert reply.last.embed.title == "Payment not made"
    assert reply.last.embed.description == (
        "I couldn't read your balance just before sending, so nothing was sent. Taubot refused your link (it may "
        "have been revoked). Run /link-account to link again.")
    assert transfers(sandbox) == []


async def test_a_link_revoked_while_sending(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay", by=alice.user, amount="1", user=bob.user)
    alice_key = await key_of(discord, alice)
    await confirm_while_sending(discord, sandbox, reply, alice, lambda: sandbox.revoke_key(alice_key))
    assert reply.last.embed.title == "Payment refused"
    assert "your link was revoked" in reply.last.embed.field("What happened")


async def test_a_recipient_that_vanished(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay", by=alice.user, amount="1", user=bob.user)
    del sandbox.economy.accounts[bob.account_id]
    await confirm(discord, reply, alice)
    assert reply.last.embed.title == "Payment refused"
    assert reply.last.embed.field("What happened").startswith("Taubot couldn't find one of the accounts")


@pytest.mark.parametrize("fault", ["drop", "500", "503", "slow"])
async def test_no_answer_means_unknown_never_retried(discord, sandbox, alice_and_bob, fault):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay", by=alice.user, amount="3", user=bob.user)
    if fault == "drop":
        sandbox.drop_next("POST /api/transactions/", times=5)
    elif fault == "slow":
        sandbox.delay("POST /api/transactions/", 1.5, times=1)  # the transfer happens, the answer is late
    else:
        sandbox.fail_next("POST /api/transactions/", int(fault), times=5)
    await confirm(discord, reply, alice)
    receipt = reply.last.embed
    assert receipt.title == "Payment outcome unknown"
    assert receipt.field("What happened").startswith("I couldn't get a clear answer from Taubot, so this payment "
                                                      "may or may not have happened. Check /history")
    assert len(transfers(sandbox)) == 1
    (payment,) = await discord.bot.storage.payments.recent_for_payer(alice.id)
    assert payment.status is PaymentStatus.UNKNOWN


async def test_accepted_but_unverifiable_is_unknown(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay", by=alice.user, amount="3", user=bob.user)
    await confirm_while_sending(discord, sandbox, reply, alice,
                                lambda: sandbox.fail_next(f"GET /api/accounts/{alice.account_id}", 503, times=5))
    assert reply.last.embed.title == "Payment outcome unknown"
    assert reply.last.embed.field("What happened").startswith("Taubot accepted the payment, but I couldn't check")
    assert sandbox.balance_of(bob.account_id) == 53_00


async def test_other_activity_during_the_payment_is_settled_from_the_log(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay", by=alice.user, amount="10", user=bob.user)
    bob_key = await key_of(discord, bob)
    await confirm_while_sending(discord, sandbox, reply, alice, lambda: sandbox.economy.transfer(
        sandbox.economy.keys[bob_key], bob.account_id, alice.account_id, 4_00))
    assert reply.last.embed.title == "Payment sent"
    assert reply.last.embed.field("Your balance") == "94t"
    assert transfers(sandbox)[0].path == "/api/transactions/"
    assert any(r.path.endswith("/transactions") and r.method == "GET" for r in sandbox.requests)


async def test_other_activity_and_nothing_moved_is_settled_from_the_log(discord, sandbox, people):
    alice, bob = people.member("alice"), people.member("bob")
    await people.link(alice, permissions=(VIEW_BALANCE,))
    await people.link(bob)
    reply = await discord.run_command("pay", by=alice.user, amount="10", user=bob.user)
    bob_key = await key_of(discord, bob)
    await confirm_while_sending(discord, sandbox, reply, alice, lambda: sandbox.economy.transfer(
        sandbox.economy.keys[bob_key], bob.account_id, alice.account_id, 4_00))
    assert reply.last.embed.title == "Payment not made"
    assert reply.last.embed.field("What happened").startswith("Taubot said OK, but no money moved")
    assert reply.last.embed.field("Your balance") == "104t"


async def test_an_unreadable_log_after_other_activity_is_unknown(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay", by=alice.user, amount="10", user=bob.user)
    bob_key = await key_of(discord, bob)

    def meanwhile():
        sandbox.economy.transfer(sandbox.economy.keys[bob_key], bob.account_id, alice.account_id, 4_00)
        sandbox.fail_next(f"GET /api/accounts/{alice.account_id}/transactions", 503, times=5)

    await confirm_while_sending(discord, sandbox, reply, alice, meanwhile)
    assert reply.last.embed.title == "Payment outcome unknown"
    assert (await discord.bot.storage.payments.recent_for_payer(alice.id))[0].status is PaymentStatus.UNKNOWN


# -- a stale balance is never the yardstick ----------------------------------------------------------------


async def test_nothing_moved_while_the_payer_spent_the_same_amount_elsewhere_is_not_paid(discord, sandbox, people):
    """No TRANSFER FUNDS, and 10t spent elsewhere between /pay and Confirm: the balance is 10t lower than the
    confirmation said, yet this payment moved nothing."""
    alice, bob = people.member("alice"), people.member("bob")
    await people.link(alice, permissions=(VIEW_BALANCE,))
    reply = await discord.run_command("pay", by=alice.user, amount="10", user=bob.user)
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
    reply = await discord.run_command("pay", by=alice.user, amount="10", user=bob.user)
    sandbox.economy.transfer(sandbox.economy.keys[await key_of(discord, bob)], bob.account_id, alice.account_id,
                             10_00)
    await confirm(discord, reply, alice)
    assert reply.last.embed.title == "Payment sent"
    assert reply.last.embed.field("Your balance") == "100t"
    (payment,) = await discord.bot.storage.payments.recent_for_payer(alice.id)
    assert (payment.status, payment.balance_before, payment.balance_after) == (PaymentStatus.PAID, 110_00, 100_00)
    assert discord.last_dm(bob.user).content == f"<@{alice.id}> paid you 10t on Taubot."


async def test_an_earlier_identical_payment_in_the_log_is_not_credited_to_this_one(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    first = await discord.run_command("pay", by=alice.user, amount="5", user=bob.user)
    await confirm(discord, first, alice)
    assert first.last.embed.title == "Payment sent"
    alice_key, bob_key = await key_of(discord, alice), await key_of(discord, bob)
    second = await discord.run_command("pay", by=alice.user, amount="5", user=bob.user)

    def meanwhile():  # this transfer will move nothing, and other activity hides that from the balance
        sandbox.economy.keys[alice_key].permissions[alice.account_id].discard(TRANSFER_FUNDS)
        sandbox.economy.transfer(sandbox.economy.keys[bob_key], bob.account_id, alice.account_id, 1_00)

    await confirm_while_sending(discord, sandbox, second, alice, meanwhile)
    # The only 5t entry in the log belongs to the first payment: this one can't be called paid.
    assert second.last.embed.title == "Payment outcome unknown"
    assert sandbox.balance_of(bob.account_id) == 54_00


# -- confirmations: twice, stale, cancelled, expired, someone else's ----------------------------------------


async def test_pressing_confirm_twice_sends_once(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay", by=alice.user, amount="2", user=bob.user)
    await confirm(discord, reply, alice)
    again = await discord.press(reply.last, "Confirm", by=alice.user, as_shown_in=CONFIRMATION)
    assert again.last.embed.description == "This payment was sent; it won't be sent again."
    assert len(transfers(sandbox)) == 1
    assert sandbox.balance_of(bob.account_id) == 52_00


async def test_a_confirmation_from_before_a_restart_sends_nothing(discord, sandbox, alice_and_bob, make_bot):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay", by=alice.user, amount="2", user=bob.user)
    await discord.restart(make_bot)
    pressed = await confirm(discord, reply, alice)
    assert pressed.last.embed.description.startswith("This confirmation is no longer valid (it expired or the bot "
                                                     "restarted). Nothing was sent")
    assert transfers(sandbox) == []


async def test_cancel(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay", by=alice.user, amount="2", user=bob.user)
    await discord.press(reply.last, "Cancel", by=alice.user)
    assert reply.last.embed.title == "Payment cancelled"
    assert reply.last.buttons == []
    late = await discord.press(reply.last, "Confirm", by=alice.user, as_shown_in=CONFIRMATION)
    assert late.last.embed.title == "Confirmation closed"
    assert transfers(sandbox) == []


@pytest.mark.timings(confirmation_timeout=0.05)
async def test_an_unconfirmed_payment_times_out_to_cancelled(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay", by=alice.user, amount="2", user=bob.user)
    await asyncio.sleep(0.2)
    assert reply.last.embed.title == "Payment cancelled"
    assert reply.last.embed.description.startswith("You didn't confirm in time, so nothing was sent.")
    late = await discord.press(reply.last, "Confirm", by=alice.user, as_shown_in=CONFIRMATION)
    assert late.last.embed.title == "Confirmation closed"
    assert transfers(sandbox) == []


async def test_only_the_payer_can_confirm(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay", by=alice.user, amount="2", user=bob.user)
    intruder = await discord.press(reply.last, "Confirm", by=bob.user)
    assert intruder.text == "Only the payer can confirm or cancel this payment."
    assert transfers(sandbox) == []


async def test_one_payment_in_flight_per_member(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    first = await discord.run_command("pay", by=alice.user, amount="1", user=bob.user)
    second = await discord.run_command("pay", by=alice.user, amount="2", user=bob.user)
    sandbox.delay("POST /api/transactions/", 0.3, times=1)
    sending = asyncio.create_task(confirm(discord, first, alice))
    await asyncio.sleep(0.1)
    blocked = await confirm(discord, second, alice)
    assert blocked.text == "You already have a payment in progress. Wait for its receipt, then try again."
    asked = await discord.run_command("pay", by=alice.user, amount="3", user=bob.user)
    assert asked.text == "You already have a payment in progress. Wait for its receipt, then try again."
    await sending
    assert first.last.embed.title == "Payment sent"
    assert second.last.buttons  # still waiting for a decision: nothing was sent for it
    await confirm(discord, second, alice)
    assert second.last.embed.title == "Payment sent"
    assert len(transfers(sandbox)) == 2


async def test_a_recipient_with_closed_dms_is_still_paid(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    discord.close_dms(bob.user)
    reply = await discord.run_command("pay", by=alice.user, amount="2", user=bob.user)
    await confirm(discord, reply, alice)
    assert reply.last.embed.title == "Payment sent"
    assert not any("paid you" in dm.content for dm in discord.dms(bob.user))


# -- after a crash -----------------------------------------------------------------------------------------


async def test_the_journal_row_is_pending_while_the_transfer_is_in_flight(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay", by=alice.user, amount="2", user=bob.user)
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
    reply = await discord.run_command("pay", by=alice.user, amount="2", user=bob.user)
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
    reply = await discord.run_command("pay", by=alice.user, amount="2", user=bob.user)
    discord.fail_next("edit_original", status=404, code=10008)
    discord.fail_next("followup", status=404, code=10015)
    pressed = await confirm(discord, reply, alice)
    assert pressed.followups == []
    receipt = discord.last_dm(alice.user)
    assert receipt.embed.title == "Payment sent"
    assert receipt.embed.description == f"2t to <@{bob.id}> (Bob)"
    assert discord.last_dm(bob.user).content == f"<@{alice.id}> paid you 2t on Taubot."


async def test_a_journal_that_cannot_record_the_outcome_still_gives_a_truthful_receipt(
        discord, sandbox, alice_and_bob, monkeypatch, make_bot):
    alice, bob = alice_and_bob
    journal = discord.bot.storage.payments

    async def disk_full(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(journal, "finish", disk_full)
    reply = await discord.run_command("pay", by=alice.user, amount="2", user=bob.user)
    await confirm(discord, reply, alice)
    assert reply.last.embed.title == "Payment sent"
    assert reply.last.embed.field("Journal") == ("I couldn't record this in my journal; I'll double-check it after "
                                                 "my next restart.")
    assert discord.last_dm(bob.user).content == f"<@{alice.id}> paid you 2t on Taubot."
    (logged,) = discord.logged_errors()
    assert logged.getMessage().endswith("(PAID) could not be recorded in the journal")
    (payment,) = await journal.recent_for_payer(alice.id)
    assert payment.status is PaymentStatus.PENDING
    # At the next start the row is settled from the log, without sending anything.
    monkeypatch.undo()
    await discord.restart(make_bot)
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
    reply = await discord.run_command("pay", by=alice.user, amount="2", account="Broken Corp")
    assert reply.embed.title == "Confirm payment"
    await confirm(discord, reply, alice)
    assert reply.last.embed.title == "Payment refused"
    assert reply.last.embed.field("What happened").startswith("I refused to send this payment")
    (payment,) = await discord.bot.storage.payments.recent_for_payer(alice.id)
    assert (payment.status, payment.to_account_id) == (PaymentStatus.FAILED, "corp-7")
    assert transfers(sandbox) == []
    assert sandbox.balance_of(alice.account_id) == 100_00


async def test_payments_left_pending_by_a_crash_are_reconciled_and_the_payer_told(discord, sandbox, alice_and_bob,
                                                                              people):
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

    await pay_cog(discord).reconcile_pending()
    assert (await journal.get(sent.id)).status is PaymentStatus.PAID
    assert (await journal.get(unsent.id)).status is PaymentStatus.FAILED
    assert (await journal.get(orphan.id)).status is PaymentStatus.UNKNOWN
    texts = [m.content for m in discord.dms(alice.user)]
    assert "I restarted while sending your payment of 7t to Bob: it went through." in texts
    assert "I restarted while sending your payment of 9t to Bob: it did not go through." in texts
    assert discord.last_dm(carol.user).content.endswith("it may or may not have gone through; check /history.")
    assert transfers(sandbox) == []  # reconciliation reads; it never sends


async def test_an_unsent_row_is_not_credited_with_an_earlier_identical_payment(discord, sandbox, alice_and_bob,
                                                                               settings):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay", by=alice.user, amount="5", user=bob.user)
    await confirm(discord, reply, alice)
    assert reply.last.embed.title == "Payment sent"
    # Journaled, then the bot died before sending.
    unsent = await discord.bot.storage.payments.begin(
        intent_id="d" * 32, payer_user_id=alice.id, from_account_id=alice.account_id, to_account_id=bob.account_id,
        to_account_name="Bob", amount=5_00)

    await discord.restart(lambda: TaubotBot(settings, background_tasks=True))
    await pay_cog(discord)._reconciliation
    assert (await discord.bot.storage.payments.get(unsent.id)).status is PaymentStatus.UNKNOWN
    assert discord.last_dm(alice.user).content == ("I restarted while sending your payment of 5t to Bob: it may or "
                                                   "may not have gone through; check /history.")
    assert sandbox.balance_of(bob.account_id) == 55_00


async def test_startup_reconciliation_finds_a_sent_payment_and_tells_the_payer(discord, sandbox, alice_and_bob,
                                                                             settings):
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

    await discord.restart(lambda: TaubotBot(settings, background_tasks=True))
    await pay_cog(discord)._reconciliation
    journal = discord.bot.storage.payments
    assert (await journal.get(first.id)).status is PaymentStatus.PAID
    assert (await journal.get(second.id)).status is PaymentStatus.PAID
    texts = [dm.content for dm in discord.dms(alice.user)]
    assert "I restarted while sending your payment of 5t to Bob: it went through." in texts
    assert "I restarted while sending your payment of 6t to Bob: it went through." in texts


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
    reply = await discord.run_command("pay", by=alice.user, amount="10", user=bob.user)
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
    reply = await discord.run_command("pay", by=alice.user, amount="10", user=bob.user)
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


# -- the invariant, from Taubot's side ---------------------------------------------------------------------


async def test_taubot_never_sees_a_bad_amount_a_self_transfer_or_a_retry(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    attempts = [("12.50", {"user": bob.user}), ("0", {"user": bob.user}), ("-1", {"user": bob.user}),
                ("1", {"user": alice.user}), ("1", {"account": "Alice"}), ("3", {"account": "Treasury"}),
                ("0.01", {"user": bob.user})]
    for amount, target in attempts:
        reply = await discord.run_command("pay", by=alice.user, amount=amount, **target)
        if reply.buttons:
            await confirm(discord, reply, alice)
    sandbox.fail_next("POST /api/transactions/", 503, times=5)
    reply = await discord.run_command("pay", by=alice.user, amount="4", user=bob.user)
    await confirm(discord, reply, alice)

    posts = transfers(sandbox)
    assert len(posts) == 4
    for post in posts:
        assert set(post.body) == {"from_account", "to_account", "amount"}
        assert type(post.body["amount"]) is int and post.body["amount"] > 0
        assert post.body["from_account"] != post.body["to_account"]
        assert post.key_kind == "grant"
    journal = await discord.bot.storage.payments.recent_for_payer(alice.id, limit=50)
    assert len(journal) == len(posts)  # one journal row per transfer sent: nothing was sent twice


async def test_a_confirmation_after_unlinking_sends_nothing(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay", by=alice.user, amount="2", user=bob.user)
    await discord.bot.storage.grant_keys.delete(alice.id)  # /unlink-account in another window
    await confirm(discord, reply, alice)
    assert reply.last.embed.title == "Payment not made"
    assert reply.last.embed.description == ("Your link changed since this confirmation, so nothing was sent. "
                                            "Run /pay again.")
    assert reply.last.buttons == []
    assert transfers(sandbox) == []
