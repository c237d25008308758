"""Pay on a request: the payer's normal confirmation (their own key, their own Confirm), sent by the same verified
sender as /pay, with the journal row carrying the request; a verified payment settles the request, the requester
is told and a second Pay shows the receipt. Refused: the request stays open; unknown: it stays being paid until
Taubot's log settles it. The buttons work after a restart."""

import asyncio
import dataclasses

from bot import TaubotBot
from storage import PaymentStatus, RequestState
from tests.cogs.pay.helpers import (
    PAST_THE_LANDING_WINDOW,
    assert_journal_tells_the_truth,
    confirm,
    link_directly,
    transfers,
    until,
)
from tests.cogs.requests.helpers import ask, request_id_of, request_row
from tests.conftest import ref_of, transfer_sent


async def asked(discord, alice, bob, amount="12.50", **options):
    """Alice asks Bob; Bob's DM about it and the request's id."""
    await ask(discord, alice, bob, amount, **options)
    dm = discord.last_dm(bob.user)
    return dm, request_id_of(dm)


async def test_pay_confirm_and_the_request_is_paid_once(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    dm, request_id = await asked(discord, alice, bob, "12.50", memo="Pizza")
    paying = await discord.press(dm, "Pay", by=bob.user)
    confirmation = paying.last
    assert confirmation.ephemeral and confirmation.embed.title == "Confirm payment"
    assert confirmation.embed.description == f"Pay **12.50t** to <@{alice.id}> (Alice)?"
    assert confirmation.embed.field("Pays") == f"Request #{request_id}"
    assert confirmation.embed.field("Memo") == "“Pizza”"
    assert confirmation.embed.field("Your balance") == "50t → 37.50t"
    assert transfers(sandbox) == []  # nothing before Confirm
    assert (await request_row(discord, request_id)).status is RequestState.OPEN

    await confirm(discord, paying, bob)
    receipt = paying.last.embed
    assert receipt.title == "Payment sent" and receipt.field("Pays") == f"Request #{request_id}"
    (sent,) = transfers(sandbox)
    assert transfer_sent(sandbox, sent) == (bob.account_id, alice.account_id, 12_50)
    assert (sandbox.balance_of(bob.account_id), sandbox.balance_of(alice.account_id)) == (37_50, 112_50)
    (payment,) = await discord.bot.storage.payments.recent_for_payer(bob.id)
    assert (payment.request_id, payment.status, payment.memo) == (request_id, PaymentStatus.PAID, "Pizza")
    request = await request_row(discord, request_id)
    assert (request.status, request.payment_id) == (RequestState.PAID, payment.id)
    assert discord.last_dm(alice.user).content == (
        f"<@{bob.id}> paid your request #{request_id}: 12.50t into Alice on Taubot.")
    assert dm.embed.title == f"Money request #{request_id} · paid" and dm.buttons == []

    again = await discord.press(dm, "Pay", by=bob.user, as_shown_in=0)  # a client that missed the edit
    assert again.ephemeral and again.content.startswith("This request was paid <t:")
    assert again.content.endswith(", so it won't be paid again. Here is the receipt.")
    assert again.embed.title == "Payment sent" and again.embed.footer == f"Payment #{payment.id}"
    assert again.embed.description == "12.50t to Alice" and again.embed.field("Memo") == "“Pizza”"
    assert len(transfers(sandbox)) == 1
    await assert_journal_tells_the_truth(discord.bot.storage, sandbox)


async def test_the_buttons_work_after_a_restart_and_the_requester_is_told_whatever_they_chose(
        discord, sandbox, alice_and_bob, make_bot):
    alice, bob = alice_and_bob
    dm, request_id = await asked(discord, alice, bob, "5")
    await discord.run_command("notifications", by=alice.user, **{"paid-you": "off"})  # not about her own requests
    await discord.restart(make_bot)  # a new process on the same database
    paying = await discord.press(dm, "Pay", by=bob.user)
    await confirm(discord, paying, bob)
    assert paying.last.embed.title == "Payment sent"
    assert (await request_row(discord, request_id)).status is RequestState.PAID
    assert discord.last_dm(alice.user).content.startswith(f"<@{bob.id}> paid your request #{request_id}: 5t")


async def test_too_little_money_is_the_normal_refusal_and_the_request_stays_open(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    dm, request_id = await asked(discord, alice, bob, "80")
    paying = await discord.press(dm, "Pay", by=bob.user)
    assert paying.text == "You have 50t, which is not enough to pay 80t." and paying.ephemeral
    assert transfers(sandbox) == []
    assert (await request_row(discord, request_id)).status is RequestState.OPEN
    assert [b.label for b in dm.buttons] == ["Pay", "Decline", "Mute requests from them"]


async def test_a_transfer_taubot_refuses_leaves_the_request_open(discord, sandbox, people):
    alice, bob = people.member("alice"), people.member("bob")
    await link_directly(discord, sandbox, alice)
    await link_directly(discord, sandbox, bob, spending_limit=1_00)  # Taubot refuses anything over 1t
    dm, request_id = await asked(discord, alice, bob, "5")
    paying = await discord.press(dm, "Pay", by=bob.user)
    await confirm(discord, paying, bob)
    assert paying.last.embed.title == "Payment refused"
    (payment,) = await discord.bot.storage.payments.recent_for_payer(bob.id)
    assert (payment.status, payment.request_id) == (PaymentStatus.FAILED, request_id)
    request = await request_row(discord, request_id)
    assert (request.status, request.payment_id) == (RequestState.OPEN, None)
    assert [b.label for b in dm.buttons][:2] == ["Pay", "Decline"]  # still answerable
    assert all("paid your request" not in message.content for message in discord.dms(alice.user))


async def test_an_unknown_outcome_keeps_the_request_being_paid_until_the_log_settles_it(
        discord, sandbox, alice_and_bob, settings, timings, clock):
    alice, bob = alice_and_bob
    settling = dataclasses.replace(timings, settle_interval=0.05, heartbeat_interval=0.05, instance_stale_after=0.3)
    await discord.restart(lambda: TaubotBot(settings, background_tasks=True, timings=settling))
    dm, request_id = await asked(discord, alice, bob, "3")
    paying = await discord.press(dm, "Pay", by=bob.user)
    # Taubot got the transfer and the bot no answer (the connection broke); Taubot applies it once the request
    # was tried, within the landing window it is trusted with (a 0.4 s delay raced a 0.3 s timeout here).
    sandbox.drop_next(sandbox.route("transfer"))
    await confirm(discord, paying, bob)
    assert paying.last.embed.title == "Payment outcome unknown"
    assert (await request_row(discord, request_id)).status is RequestState.PAYING
    pressed = await discord.press(dm, "Pay", by=bob.user)
    assert pressed.text.startswith("A payment for this request is being sent, or its outcome isn't known yet")
    declined = await discord.press(dm, "Decline", by=bob.user)
    assert declined.text == pressed.text

    bob_key = (await discord.bot.storage.grant_keys.get(bob.id)).grant_key
    sandbox.economy.transfer(sandbox.economy.keys[bob_key], bob.account_id, alice.account_id, 3_00)  # applied
    clock.ahead = PAST_THE_LANDING_WINDOW  # the background settling may decide now, and finds it in the log
    await until_paid(discord, request_id)
    assert (await request_row(discord, request_id)).status is RequestState.PAID
    await until(lambda: [dm.content for dm in discord.dms(alice.user)] == [
        f"<@{bob.id}> paid your request #{request_id}: 3t into Alice on Taubot."])
    assert dm.embed.title.endswith("· paid") and dm.buttons == []
    assert len(transfers(sandbox)) == 1
    await assert_journal_tells_the_truth(discord.bot.storage, sandbox)


async def until_paid(discord, request_id):
    deadline = asyncio.get_running_loop().time() + 10  # wall time, generous for a loaded machine
    while (await request_row(discord, request_id)).status is not RequestState.PAID:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"request #{request_id} was never settled as paid")
        await asyncio.sleep(0.01)


async def test_a_request_into_an_account_the_requester_manages_is_paid_into_it(discord, sandbox, people):
    alice, bob = people.member("alice", balance=100_00), people.member("bob", balance=50_00)
    acme = sandbox.create_account("Acme Ltd", owner_id=alice.id, account_type="CORPORATION", balance=0).account_id
    await people.link(alice)
    await people.link(bob)
    await discord.run_command("link-account", by=alice.user, account="Acme Ltd")  # a link of its own for Acme
    link_dm = discord.last_dm(alice.user)
    assert sandbox.grant(ref_of(link_dm), alice.id, accounts=[acme])
    await discord.press(link_dm, "I've granted access", by=alice.user)
    suggested = await discord.autocomplete("request", by=alice.user, focused="to", amount="9",
                                           **{"from": bob.user, "to": "Ac"})
    assert suggested == [{"name": "Acme Ltd", "value": acme}]

    reply = await ask(discord, alice, bob, "9", to=acme)
    assert "**9t** into Acme Ltd" in reply.text
    dm = discord.last_dm(bob.user)
    assert dm.embed.description == f"<@{alice.id}> asks you to pay **9t** into Acme Ltd."
    paying = await discord.press(dm, "Pay", by=bob.user)
    assert paying.last.embed.description == "Pay **9t** to Acme Ltd (corporation)?"
    await confirm(discord, paying, bob)
    assert paying.last.embed.title == "Payment sent"
    assert (sandbox.balance_of(acme), sandbox.balance_of(alice.account_id)) == (9_00, 100_00)
    assert discord.last_dm(alice.user).content == (
        f"<@{bob.id}> paid your request #{request_id_of(dm)}: 9t into Acme Ltd on Taubot.")
