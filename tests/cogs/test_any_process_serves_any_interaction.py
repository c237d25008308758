"""Any process serves any interaction: Discord sends a button press to whichever process runs the shard (DMs to
shard 0, a server's to its shard), which after a restart or a resharding need not be the process that showed the
button. Each family of persistent buttons is shown by one process and pressed on another (`there`: a second bot
on the same database and the same fake Discord): the press works, or says clearly that it expired."""

import asyncio
from datetime import timedelta

import pytest

from tests.cogs.link.helpers import storage
from tests.cogs.pay.helpers import CONFIRMATION, confirm_while_sending, transfers
from tests.conftest import ref_of

# -- the link DM: I've granted access, Cancel ----------------------------------------------------------------


async def test_a_link_dm_sent_by_one_process_is_completed_by_a_press_on_another(discord, there, sandbox, people):
    alice = people.member("alice")
    await discord.run_command("link-account", by=alice.user)
    dm = discord.last_dm(alice.user)
    sandbox.grant(ref_of(dm), alice.id)
    pressed = await there.press(dm, "I've granted access", by=alice.user)
    assert pressed.text.startswith("Linked to Alice")
    assert dm.embed.title == "Taubot account linked"
    assert (await storage(discord).grant_keys.get(alice.id)).account_id == alice.account_id


async def test_a_link_dm_sent_by_one_process_is_cancelled_by_a_press_on_another(discord, there, sandbox, people):
    alice = people.member("alice")
    await discord.run_command("link-account", by=alice.user)
    dm = discord.last_dm(alice.user)
    await there.press(dm, "Cancel", by=alice.user)
    assert dm.embed.description.startswith("Link cancelled. Nothing was changed.")
    assert dm.buttons == []
    assert await storage(discord).pending_links.for_user(alice.id) is None


# -- the relink and unlink questions -----------------------------------------------------------------------


async def test_the_unlink_question_asked_by_one_process_is_answered_on_another(discord, there, alice_and_bob):
    alice, _ = alice_and_bob
    asked = await discord.run_command("unlink-account", by=alice.user)
    answered = await there.press(asked.last, "Unlink", by=alice.user)
    assert answered.last.content.startswith("Unlinked. I've deleted your grant keys")
    assert await storage(discord).grant_keys.get(alice.id) is None


async def test_the_relink_question_asked_by_one_process_is_answered_on_another(discord, there, alice_and_bob):
    alice, _ = alice_and_bob
    asked = await discord.run_command("link-account", by=alice.user)
    assert [button.label for button in asked.last.buttons] == ["Link a new grant", "Keep my current link"]
    answered = await there.press(asked.last, "Link a new grant", by=alice.user)
    assert answered.last.content.startswith("I've sent you a DM with your link.")
    assert await storage(discord).pending_links.for_user(alice.id) is not None
    asked_again = await discord.run_command("link-account", by=alice.user)
    kept = await there.press(asked_again.last, "Keep my current link", by=alice.user)
    assert kept.last.content == "Nothing changed: your current link stays."


# -- the payment confirmation: Confirm, Cancel ---------------------------------------------------------------


@pytest.mark.timings(confirmation_timeout=1.5)  # long enough for the other process to confirm first
async def test_a_confirmation_shown_by_one_process_is_sent_once_by_a_confirm_on_another(discord, there, sandbox,
                                                                                      alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay user", by=alice.user, amount="2", to=bob.user, memo="rent")
    confirmed = await there.press(reply.last, "Confirm", by=alice.user)
    assert confirmed.last.embed.title == "Payment sent"
    assert len(transfers(sandbox)) == 1 and sandbox.balance_of(bob.account_id) == 52_00
    (row,) = await storage(discord).payments.recent_for_payer(alice.id)
    assert (row.instance_id, row.memo, row.amount) == (there.bot.instance_id, "rent", 2_00)
    # The showing process's expiry comes and goes: the receipt stays.
    await asyncio.gather(*discord.bot.get_cog("Pay")._expiry_tasks.values())
    assert reply.last.embed.title == "Payment sent"
    again = await discord.press(reply.last, "Confirm", by=alice.user, as_shown_in=CONFIRMATION)
    assert again.last.embed.description == "This payment was sent; it won't be sent again."
    assert len(transfers(sandbox)) == 1


async def test_a_confirmation_shown_by_one_process_is_cancelled_on_another_and_never_sent(discord, there, sandbox,
                                                                                        alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay user", by=alice.user, amount="2", to=bob.user)
    await there.press(reply.last, "Cancel", by=alice.user)
    assert reply.last.embed.title == "Payment cancelled"
    late = await discord.press(reply.last, "Confirm", by=alice.user, as_shown_in=CONFIRMATION)
    assert late.last.embed.title == "Confirmation closed"
    assert transfers(sandbox) == []


async def test_confirm_pressed_again_on_another_process_while_it_is_sent_sends_once(discord, there, sandbox,
                                                                                   alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay user", by=alice.user, amount="2", to=bob.user)
    presses_there = []

    async def pressed_again_there():
        presses_there.append(await there.press(reply.last, "Confirm", by=alice.user, as_shown_in=CONFIRMATION))

    await confirm_while_sending(discord, sandbox, reply, alice, pressed_again_there)
    assert presses_there[0].last.text == ("This payment is being sent right now, so it can't be cancelled. Its receipt "
                                     "will replace the confirmation.")
    assert reply.last.embed.title == "Payment sent"
    assert len(transfers(sandbox)) == 1


async def test_a_confirmation_pressed_on_another_process_past_its_time_sends_nothing(discord, there, sandbox,
                                                                                   alice_and_bob, clock):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay user", by=alice.user, amount="2", to=bob.user)
    clock.ahead += timedelta(seconds=121)  # past production's 120 s, before this process marked it expired
    pressed = await there.press(reply.last, "Confirm", by=alice.user)
    assert pressed.last.embed.description.startswith("This confirmation is no longer valid (it expired or the bot "
                                                     "restarted). Nothing was sent")
    assert transfers(sandbox) == []


# -- the Apps → Pay form ------------------------------------------------------------------------------------


async def test_the_pay_form_opened_on_one_process_is_submitted_on_another_and_paid(discord, there, sandbox,
                                                                                     alice_and_bob):
    alice, bob = alice_and_bob
    opened = await discord.run_user_command("Pay", by=alice.user, target=bob.user)
    submitted = await there.submit_modal(opened, {"Amount": "7.25", "Memo": "lunch"}, by=alice.user)
    assert submitted.embed.description == f"Pay **7.25t** to <@{bob.id}> (Bob)?"
    assert submitted.ephemeral
    sent = await there.press(submitted.last, "Confirm", by=alice.user)
    assert sent.last.embed.title == "Payment sent"
    assert sandbox.balance_of(bob.account_id) == 57_25
    assert len(transfers(sandbox)) == 1


async def test_the_pay_form_opened_before_a_restart_is_answered_after_it(discord, make_bot, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    opened = await discord.run_user_command("Pay", by=alice.user, target=bob.user)
    await discord.restart(make_bot)
    submitted = await discord.submit_modal(opened, {"Amount": "3"}, by=alice.user)
    assert submitted.embed.description == f"Pay **3t** to <@{bob.id}> (Bob)?"


async def test_the_pay_form_submitted_elsewhere_refuses_bad_input_there_too(discord, there, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    opened = await discord.run_user_command("Pay", by=alice.user, target=bob.user)
    bad = await there.submit_modal(opened, {"Amount": "seven"}, by=alice.user)
    assert bad.text == "“seven” isn't an amount. Write it like 12.50 or 1,234.56."
    assert transfers(sandbox) == []


async def test_the_pay_form_is_answered_once_by_the_process_that_opened_it(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    opened = await discord.run_user_command("Pay", by=alice.user, target=bob.user)
    submitted = await discord.submit_modal(opened, {"Amount": "2"}, by=alice.user)
    assert submitted.embed.description == f"Pay **2t** to <@{bob.id}> (Bob)?"
    assert [message.embed.description for message in submitted.messages] == [submitted.embed.description]


# -- history pages -------------------------------------------------------------------------------------------


async def test_history_pages_shown_by_one_process_say_they_expired_on_another(discord, there, sandbox,
                                                                            alice_and_bob):
    alice, bob = alice_and_bob
    key = (await storage(discord).grant_keys.get(alice.id)).grant_key
    for cents in range(1, 15):
        sandbox.economy.transfer(sandbox.economy.keys[key], alice.account_id, bob.account_id, cents)
    reply = await discord.run_command("history", by=alice.user)
    assert [button.label for button in reply.last.buttons] == ["Previous", "Next"]
    await there.press(reply.last, "Next", by=alice.user)
    assert reply.last.content == "This history view has expired. Run /history again."
    assert reply.last.buttons == []
