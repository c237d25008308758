"""The confirmation: pressed twice, stale, cancelled, expired, someone else's."""

import asyncio
import dataclasses
from datetime import timedelta

import pytest

from bot import TaubotBot
from tests.cogs.pay.helpers import CONFIRMATION, confirm, transfers, until

# -- confirmations: twice, stale, cancelled, expired, someone else's ----------------------------------------


async def test_pressing_confirm_twice_sends_once(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay user", by=alice.user, amount="2", to=bob.user)
    await confirm(discord, reply, alice)
    again = await discord.press(reply.last, "Confirm", by=alice.user, as_shown_in=CONFIRMATION)
    assert again.last.embed.description == "This payment was sent; it won't be sent again."
    assert len(transfers(sandbox)) == 1
    assert sandbox.balance_of(bob.account_id) == 52_00


async def test_a_confirmation_from_before_a_restart_is_still_sent_once(discord, sandbox, alice_and_bob, make_bot):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay user", by=alice.user, amount="2", to=bob.user)
    await discord.restart(make_bot)  # the confirmation is kept in the database, not in the process
    pressed = await confirm(discord, reply, alice)
    assert pressed.last.embed.title == "Payment sent"
    again = await discord.press(reply.last, "Confirm", by=alice.user, as_shown_in=CONFIRMATION)
    assert again.last.embed.description == "This payment was sent; it won't be sent again."
    assert len(transfers(sandbox)) == 1
    assert sandbox.balance_of(bob.account_id) == 52_00


async def test_a_confirmation_from_before_a_restart_pressed_past_its_time_sends_nothing(discord, sandbox,
                                                                                        alice_and_bob, make_bot,
                                                                                        clock):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay user", by=alice.user, amount="2", to=bob.user)
    await discord.restart(make_bot)  # nobody is left to mark it expired when its time runs out
    clock.ahead += timedelta(seconds=121)  # production's 120 s to confirm
    pressed = await confirm(discord, reply, alice)
    assert pressed.last.embed.description.startswith("This confirmation is no longer valid (it expired or the bot "
                                                     "restarted). Nothing was sent")
    assert transfers(sandbox) == []


async def test_cancel(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay user", by=alice.user, amount="2", to=bob.user)
    await discord.press(reply.last, "Cancel", by=alice.user)
    assert reply.last.embed.title == "Payment cancelled"
    assert reply.last.buttons == []
    late = await discord.press(reply.last, "Confirm", by=alice.user, as_shown_in=CONFIRMATION)
    assert late.last.embed.title == "Confirmation closed"
    assert transfers(sandbox) == []


@pytest.mark.timings(confirmation_timeout=0.05)
async def test_an_unconfirmed_payment_times_out_to_cancelled(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay user", by=alice.user, amount="2", to=bob.user)
    await until(lambda: reply.last.embed.title != "Confirm payment")  # the expiry, however slow the machine
    assert reply.last.embed.title == "Payment cancelled"
    assert reply.last.embed.description.startswith("You didn't confirm in time, so nothing was sent.")
    late = await discord.press(reply.last, "Confirm", by=alice.user, as_shown_in=CONFIRMATION)
    assert late.last.embed.title == "Confirmation closed"
    assert transfers(sandbox) == []


async def test_only_the_payer_can_confirm(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay user", by=alice.user, amount="2", to=bob.user)
    intruder = await discord.press(reply.last, "Confirm", by=bob.user)
    assert intruder.text == "Only the payer can confirm or cancel this payment."
    assert transfers(sandbox) == []


async def test_one_payment_in_flight_per_member(discord, sandbox, alice_and_bob, settings, timings):
    alice, bob = alice_and_bob
    # Production's Taubot timeout: the transfer is held at Taubot for as long as the test needs, never given up on.
    await discord.restart(lambda: TaubotBot(dataclasses.replace(settings, taubot_timeout_seconds=10.0,
                                                                taubot_connect_timeout_seconds=5.0),
                                            background_tasks=False, timings=timings))
    first = await discord.run_command("pay user", by=alice.user, amount="1", to=bob.user)
    second = await discord.run_command("pay user", by=alice.user, amount="2", to=bob.user)
    release = sandbox.hold(sandbox.route("transfer"))
    sending = asyncio.create_task(confirm(discord, first, alice))
    await until(lambda: len(transfers(sandbox)) == 1)  # the first is at Taubot, held there
    blocked = await confirm(discord, second, alice)
    assert blocked.text == "Your other payment is still being sent — wait for its receipt."
    asked = await discord.run_command("pay user", by=alice.user, amount="3", to=bob.user)
    assert asked.text == "Your other payment is still being sent — wait for its receipt."
    release()
    await sending
    assert first.last.embed.title == "Payment sent"
    assert second.last.buttons  # still waiting for a decision: nothing was sent for it
    await confirm(discord, second, alice)
    assert second.last.embed.title == "Payment sent"
    assert len(transfers(sandbox)) == 2


async def test_a_recipient_with_closed_dms_is_still_paid(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    discord.close_dms(bob.user)
    reply = await discord.run_command("pay user", by=alice.user, amount="2", to=bob.user)
    await confirm(discord, reply, alice)
    assert reply.last.embed.title == "Payment sent"
    assert not any("paid you" in dm.content for dm in discord.dms(bob.user))
