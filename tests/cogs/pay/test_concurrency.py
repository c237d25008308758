"""Money moving at the same time as a payment, and two bot processes on one database: every receipt is true.

Members paying each other the same amount at the same moment leave each payer's balance where it started,
which fooled the old balance-based verdict into "not moved" (60 of 60 on the real server). The receipt now
comes from Taubot's log, where each transfer names the key that made it.
"""

import asyncio

import pytest

from harness import FakeDiscord
from tests.cogs.pay.helpers import (
    CONFIRMATION,
    assert_journal_tells_the_truth,
    confirm,
    confirm_while_sending,
    link_directly,
    pay_cog,
    transfers,
)

ROUNDS = 50


async def pay_at_once(discord, *payments):
    """Each (payer, payee) shows a 1t confirmation; then every Confirm is pressed at the same moment."""
    replies = await asyncio.gather(*(discord.run_command("pay user", by=payer.user, amount="1", to=payee.user)
                                     for payer, payee in payments))
    await asyncio.gather(*(confirm(discord, reply, payer) for reply, (payer, _) in zip(replies, payments,
                                                                                       strict=True)))
    return [reply.last.embed.title for reply in replies]


async def test_ping_pong_of_the_same_amount_is_paid_every_time(discord, sandbox, people):
    alice, bob = people.member("alice", balance=1_000_00), people.member("bob", balance=1_000_00)
    await link_directly(discord, sandbox, alice)
    await link_directly(discord, sandbox, bob)
    sandbox.delay(sandbox.route("transfer"), 0.01)  # Taubot holds each transfer a moment: they overlap
    for _ in range(ROUNDS):
        assert await pay_at_once(discord, (alice, bob), (bob, alice)) == ["Payment sent", "Payment sent"]
    assert (sandbox.balance_of(alice.account_id), sandbox.balance_of(bob.account_id)) == (1_000_00, 1_000_00)
    rows = await assert_journal_tells_the_truth(discord.bot.storage, sandbox)
    assert len(rows) == 2 * ROUNDS and len(transfers(sandbox)) == 2 * ROUNDS


async def test_ping_pong_while_a_third_member_pays_the_payer_the_same_amount(discord, sandbox, people):
    alice, bob, carol = (people.member(name, balance=1_000_00) for name in ("alice", "bob", "carol"))
    for person in (alice, bob, carol):
        await link_directly(discord, sandbox, person)
    sandbox.delay(sandbox.route("transfer"), 0.01)
    for _ in range(ROUNDS):
        assert await pay_at_once(discord, (alice, bob), (bob, alice), (carol, alice)) == ["Payment sent"] * 3
    assert sandbox.balance_of(alice.account_id) == 1_000_00 + ROUNDS * 1_00
    await assert_journal_tells_the_truth(discord.bot.storage, sandbox)


@pytest.fixture
async def second_process(make_bot):
    """Another bot process on the same database (the same SQLite file), with its own fake Discord."""
    other = await FakeDiscord.start(make_bot())
    yield other
    try:
        other.assert_no_errors_logged()
    finally:
        await other.stop()


async def test_a_second_confirm_in_another_process_waits_for_the_first(discord, second_process, sandbox, people):
    alice, bob = people.member("alice"), people.member("bob")
    await link_directly(discord, sandbox, alice)
    there = second_process.user("alice", user_id=alice.id)
    second_process.user("bob", user_id=bob.id)
    here_reply = await discord.run_command("pay user", by=alice.user, amount="1", to=bob.user)
    there_reply = await second_process.run_command("pay user", by=there, amount="2", to=bob.user)

    async def the_other_process_tries():
        blocked = await second_process.press(there_reply.last, "Confirm", by=there)
        assert blocked.last.text == "Your other payment is still being sent — wait for its receipt."
        assert blocked.last.ephemeral
        asked = await second_process.run_command("pay user", by=there, amount="3", to=bob.user)
        assert asked.text == "Your other payment is still being sent — wait for its receipt."

    await confirm_while_sending(discord, sandbox, here_reply, alice, the_other_process_tries)
    assert here_reply.last.embed.title == "Payment sent"
    assert there_reply.last.embed.title == "Confirm payment"  # still open: nothing was sent for it
    assert [button.disabled for button in there_reply.last.buttons] == [False, False]
    await second_process.press(there_reply.last, "Confirm", by=there)
    assert there_reply.last.embed.title == "Payment sent"
    assert len(transfers(sandbox)) == 2
    assert sandbox.balance_of(bob.account_id) == 103_00


async def test_neither_process_settles_the_others_payment_while_it_is_being_sent(discord, second_process,
                                                                                sandbox, people):
    alice, bob = people.member("alice"), people.member("bob")
    await link_directly(discord, sandbox, alice)
    reply = await discord.run_command("pay user", by=alice.user, amount="4", to=bob.user)

    async def the_other_process_settles():
        assert await pay_cog(second_process).reconcile_pending() == []  # a live process's row, on its way

    await confirm_while_sending(discord, sandbox, reply, alice, the_other_process_settles)
    (row,) = await assert_journal_tells_the_truth(discord.bot.storage, sandbox)
    assert (row.instance_id, row.settled_by) == (discord.bot.instance_id, discord.bot.instance_id)
    assert reply.last.embed.title == "Payment sent"
    pressed_again = await discord.press(reply.last, "Confirm", by=alice.user, as_shown_in=CONFIRMATION)
    assert pressed_again.last.embed.description == "This payment was sent; it won't be sent again."
