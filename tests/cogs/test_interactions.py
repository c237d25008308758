"""The one error path and the one log line per interaction."""

import logging
import re

from sandbox import TRANSFER_FUNDS
from tests.databases import ON_SQLITE_BOT


@ON_SQLITE_BOT  # the failure is SQLite's connection closed under the bot
async def test_an_unexpected_failure_becomes_one_sentence_and_one_logged_error(discord, people):
    alice = people.member("alice")
    await discord.bot.storage.database.close()  # the disk went away under the bot: every connection fails
    reply = await discord.run_command("balance", by=alice.user)
    assert reply.text == "Something went wrong on my side. Nothing was changed; please try again."
    assert reply.ephemeral
    (record,) = discord.logged_errors()
    assert record.getMessage() == f"/balance by user {alice.id} failed"
    assert re.search("closed database", record.exc_text)


@ON_SQLITE_BOT
async def test_an_unexpected_failure_in_a_button_gets_the_same_answer(discord, people):
    alice = people.member("alice")
    await people.link(alice)
    asked = await discord.run_command("unlink-account", by=alice.user)
    await discord.bot.storage.database.connection.close()
    pressed = await discord.press(asked.last, "Unlink", by=alice.user)
    assert pressed.text == "Something went wrong on my side. Nothing was changed; please try again."
    (record,) = discord.logged_errors()
    assert record.getMessage() == f"button unlink:yes by user {alice.id} failed"


async def test_each_interaction_logs_one_line_with_its_cost_and_no_secret(discord, sandbox, people, caplog):
    alice, bob = people.member("alice"), people.member("bob")
    await people.link(alice)
    await people.link(bob, permissions=(TRANSFER_FUNDS,))
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="taubot_bot.interactions"):
        await discord.run_command("balance", by=alice.user)
        reply = await discord.run_command("pay user", by=alice.user, amount="1", to=bob.user)
        await discord.press(reply.last, "Confirm", by=alice.user)
        await discord.run_command("history", by=bob.user)
    lines = [r.getMessage() for r in caplog.records if r.name == "taubot_bot.interactions"]
    pattern = r"(command=/[\w.]+|button=[\w:]+) user=(\d+) outcome=(\w+) duration_ms=\d+ taubot_requests=(\d+)"
    parsed = [re.fullmatch(pattern, line).groups() for line in lines]
    assert parsed == [
        ("command=/balance", str(alice.id), "ok", "1"),
        ("command=/pay.user", str(alice.id), "ok", "2"),       # the recipient, then the payer's balance
        # A fresh balance and the log's newest entry, the transfer, the log read back (which proves it) and
        # the balance shown on the receipt.
        ("button=pay:confirm", str(alice.id), "ok", "5"),
        ("command=/history", str(bob.id), "refused", "1"),  # refused by Taubot: no VIEW BALANCE
    ]
    everything = caplog.text
    for key in sandbox.economy.keys:
        assert key not in everything


async def test_refusals_and_shutdown_have_their_own_outcome_word(discord, sandbox, people, caplog):
    alice, bob, dave = people.member("alice"), people.member("bob"), people.member("dave", balance=None)
    await people.link(alice)
    await people.link(bob)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="taubot_bot.interactions"):
        await discord.run_command("balance", by=dave.user)
        await discord.run_command("pay user", by=alice.user, amount="1", to=alice.user)
        await discord.run_command("pay user", by=alice.user, amount="1,000,000", to=bob.user)
        await discord.run_command("balance", by=alice.user, account="Nobody Has This Name")
        sandbox.fail_next(f"GET /api/accounts/{alice.account_id}", 503, times=3)
        await discord.run_command("balance", by=alice.user)
        asked = await discord.run_command("pay user", by=alice.user, amount="1", to=bob.user)
        await discord.press(asked.last, "Confirm", by=bob.user)  # not bob's to press
        await discord.press(asked.last, "Cancel", by=alice.user)
        discord.bot.in_flight.stopping = True
        turned_away = await discord.run_command("balance", by=alice.user)
        discord.bot.in_flight.stopping = False
    lines = [r.getMessage() for r in caplog.records if r.name == "taubot_bot.interactions"]
    words = [(re.match(r"(\S+) user=(\d+) outcome=(\w+)", line).groups()) for line in lines]
    assert words == [
        ("command=/balance", str(dave.id), "not_linked"),
        ("command=/pay.user", str(alice.id), "refused"),             # paying yourself
        ("command=/pay.user", str(alice.id), "insufficient_funds"),
        ("command=/balance", str(alice.id), "not_found"),
        ("command=/balance", str(alice.id), "taubot_error"),
        ("command=/pay.user", str(alice.id), "ok"),
        ("button=pay:confirm", str(bob.id), "refused"),
        ("button=pay:cancel", str(alice.id), "cancelled"),
        ("command=/balance", str(alice.id), "stopping"),
    ]
    assert turned_away.text.startswith("I'm restarting right now.")
