"""How many Taubot requests members can make the bot send: counterparties looked up once and remembered a
while, and per-member cooldowns on the commands that cost requests, answered with when to try again."""

import asyncio
import logging
from datetime import timedelta

import pytest

from cogs.history.counterparties import KEEP_FOR
from tests.conftest import calls


@pytest.fixture
async def alice(discord, sandbox, people):
    alice = people.member("alice", balance=100_00)
    await people.link(alice)
    return alice


async def pay_shops(discord, sandbox, person, count: int) -> None:
    key = (await discord.bot.storage.grant_keys.get(person.id)).grant_key
    for number in range(count):
        shop = sandbox.create_account(f"Shop {number}", account_type="CORPORATION")
        sandbox.economy.transfer(sandbox.economy.keys[key], person.account_id, shop.account_id, 1)


async def test_twenty_long_histories_at_once_look_each_account_up_once(discord, sandbox, alice):
    await pay_shops(discord, sandbox, alice, 100)
    sandbox.clear_requests()
    replies = await asyncio.gather(*(discord.run_command("history", by=alice.user, limit=100) for _ in range(20)))
    shown = [reply for reply in replies if reply.last.embeds]
    paused = [reply for reply in replies if not reply.last.embeds]
    assert len(shown) == 5 and len(paused) == 15
    assert all(reply.text.startswith("You've run /history many times in a short while") for reply in paused)
    made = calls(sandbox)
    assert made.count("transactions") == 5
    assert made.count("account_by_id") == 100  # not 20 × 100: one look-up per account, shared by all five
    assert all(reply.embed.description.count("to Shop ") == 10 for reply in shown)


async def test_accounts_are_remembered_for_a_while_then_asked_again(discord, sandbox, alice, people, clock):
    await pay_shops(discord, sandbox, alice, 3)
    bob = people.member("bob")
    await people.link(bob)
    await discord.run_command("history", by=alice.user)
    sandbox.clear_requests()
    await discord.run_command("history", by=alice.user)
    assert calls(sandbox) == ["transactions"]
    clock.ahead += KEEP_FOR + timedelta(seconds=1)
    reply = await discord.run_command("history", by=alice.user)
    assert calls(sandbox) == ["transactions", "transactions", *["account_by_id"] * 3]
    assert reply.embed.description.count("to Shop ") == 3


async def test_balance_of_an_account_is_paused_after_ten_in_a_minute_but_not_your_own(discord, sandbox, alice,
                                                                                      caplog):
    for _ in range(10):
        assert (await discord.run_command("balance", by=alice.user, account="Treasury")).embed.title == "Treasury"
    sandbox.clear_requests()
    with caplog.at_level(logging.INFO, logger="taubot_bot.interactions"):
        paused = await discord.run_command("balance", by=alice.user, account="Treasury")
    assert paused.ephemeral
    assert paused.text.startswith("You've run /balance many times in a short while, so I'm pausing it for you. "
                                  "Try again in ")
    assert paused.text.endswith(" seconds.")
    assert calls(sandbox) == []
    assert f"command=/balance user={alice.id} outcome=cooldown" in caplog.text
    assert (await discord.run_command("balance", by=alice.user)).embed.field("Balance") == "**100t**"


async def test_link_account_is_paused_after_five_in_ten_minutes_for_that_member_only(discord, people):
    bob, carol = people.member("bob"), people.member("carol")
    for _ in range(5):
        assert not (await discord.run_command("link-account", by=bob.user)).text.startswith("You've run")
    paused = await discord.run_command("link-account", by=bob.user)
    assert paused.text.startswith("You've run /link-account many times in a short while")
    assert paused.text.endswith(" minutes.")
    assert (await discord.run_command("link-account", by=carol.user)).text.startswith("I've sent you a DM")
