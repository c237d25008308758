"""Bad requests and bad presses: each answered with one sentence; nothing is stored, sent or paid."""

from datetime import timedelta

import pytest

from tests.cogs.pay.helpers import link_directly, transfers
from tests.cogs.requests.helpers import ask, request_id_of, request_row


async def stored_requests(discord) -> int:
    row = await discord.bot.storage.database.fetch_one("SELECT COUNT(*) AS n FROM money_requests")
    return row["n"]


async def assert_nothing_asked(discord, sandbox, payer):
    assert await stored_requests(discord) == 0
    assert discord.dms(payer.user) == []
    assert sandbox.requests == []


@pytest.mark.parametrize("amount, sentence", [
    ("0", "The amount must be more than zero."),
    ("-5", "The amount must be positive."),
    ("twelve", "“twelve” isn't an amount. Write it like 12.50 or 1,234.56."),
    ("1.005", "Amounts have at most two decimal places (cents)."),
    ("1000000000.01", "That amount is too large: the most one payment can be is 1,000,000,000t."),
])
async def test_an_amount_that_could_never_be_paid_is_refused(discord, sandbox, alice_and_bob, amount, sentence):
    alice, bob = alice_and_bob
    reply = await ask(discord, alice, bob, amount)
    assert reply.text == sentence and reply.ephemeral
    await assert_nothing_asked(discord, sandbox, bob)


@pytest.mark.parametrize("memo, sentence", [
    ("x" * 201, "Your memo is 201 characters long; a memo can be at most 200. Shorten it. Nothing was sent."),
    ("two\nlines", "Your memo contains a control character (a line break or tab, for example). Write it on one line "
                   "of plain text. Nothing was sent."),
    ("for @here", "Memos can't mention anyone (no @user, @role, #channel, @everyone or @here), so that a memo never "
                  "pings people. Write the name without the @. Nothing was sent."),
])
async def test_a_bad_memo_is_refused(discord, sandbox, alice_and_bob, memo, sentence):
    alice, bob = alice_and_bob
    reply = await ask(discord, alice, bob, "5", memo=memo)
    assert reply.text == sentence
    await assert_nothing_asked(discord, sandbox, bob)


async def test_asking_yourself_or_a_bot_is_refused(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    yourself = await discord.run_command("request", by=alice.user, amount="5", **{"from": alice.user})
    assert yourself.text == "You can't ask yourself for money. Pick the member who should pay you."
    robot = discord.user("robot", bot=True)
    to_a_bot = await discord.run_command("request", by=alice.user, amount="5", **{"from": robot})
    assert to_a_bot.text == "Bots don't have Taubot accounts, so they can't pay you. Pick a member instead."
    await assert_nothing_asked(discord, sandbox, bob)


async def test_a_requester_without_a_link_is_told_to_link_first(discord, sandbox, people):
    carol, bob = people.member("carol"), people.member("bob")
    reply = await ask(discord, carol, bob, "5")
    assert reply.text == ("A request is paid into your Taubot account, so link one first with /link-account. "
                          "Nothing was sent.")
    await assert_nothing_asked(discord, sandbox, bob)


async def test_to_must_be_one_of_the_requesters_linked_accounts(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    reply = await ask(discord, alice, bob, "5", to="Treasury")
    assert reply.text.startswith("You haven't linked an account called “Treasury”, so I can't act for it.")
    await assert_nothing_asked(discord, sandbox, bob)


async def test_a_payer_without_a_link_is_asked_all_the_same_and_told_to_link_first(discord, sandbox, people):
    alice, dave = people.member("alice"), people.member("dave")
    await link_directly(discord, sandbox, alice)
    await ask(discord, alice, dave, "5")
    dm = discord.last_dm(dave.user)
    assert dm.embed.field("Before you pay") == ("You haven't linked a Taubot account yet: run /link-account, then "
                                                "press Pay here.")
    pressed = await discord.press(dm, "Pay", by=dave.user)
    assert pressed.text == "You haven't linked a Taubot account yet. Run /link-account to link one."
    assert (await request_row(discord, request_id_of(dm))).state(discord.bot.timings.clock()).value == "open"
    await link_directly(discord, sandbox, dave)  # they link later: the same DM works
    paying = await discord.press(dm, "Pay", by=dave.user)
    assert paying.last.embed.title == "Confirm payment"


async def test_a_request_whose_requester_unlinked_cannot_be_paid(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    await ask(discord, alice, bob, "5")
    dm = discord.last_dm(bob.user)
    await discord.bot.storage.grant_keys.delete(alice.id)  # what /unlink-account does
    pressed = await discord.press(dm, "Pay", by=bob.user)
    assert pressed.text == (f"<@{alice.id}> has unlinked the account this request would pay into, so it can't be "
                            "paid through me. Nothing was sent. If you still want to pay them, use /pay.")
    assert transfers(sandbox) == []


async def test_pay_and_decline_are_the_payers_alone(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    await ask(discord, alice, bob, "5")
    listed = await discord.run_command("requests list", by=bob.user)
    for label in ("Pay #1", "Decline #1"):
        intruder = await discord.press(listed.last, label, by=alice.user)
        assert intruder.text == "Only the member who was asked to pay can pay or decline this request."
    mine = await discord.run_command("requests list", by=alice.user)
    intruder = await discord.press(mine.last, "Cancel #1", by=bob.user)
    assert intruder.text == "Only the member who made this request can cancel it."
    assert (await request_row(discord, 1)).status.value == "open"
    assert transfers(sandbox) == []


async def test_an_expired_request_cannot_be_paid_or_declined(discord, sandbox, alice_and_bob, clock):
    alice, bob = alice_and_bob
    await ask(discord, alice, bob, "5")
    dm = discord.last_dm(bob.user)
    request = await request_row(discord, request_id_of(dm))
    clock.ahead = timedelta(days=7, minutes=1)
    for label, shown in (("Pay", None), ("Decline", 0)):  # Decline: on the DM as it was before Pay closed it
        pressed = await discord.press(dm, label, by=bob.user, as_shown_in=shown)
        assert pressed.text == (f"This request expired <t:{int(request.expires_at.timestamp())}:R>, so it can't be "
                                "paid or declined any more. Nothing was sent.")
    assert dm.embed.title.endswith("· expired") and dm.buttons == []
    listed = await discord.run_command("requests list", by=bob.user)
    assert listed.text == "You have no open money requests, to you or from you. /request asks a member for money."
    assert transfers(sandbox) == []
