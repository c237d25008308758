"""/pay refusals that need no Taubot request, and those after a lookup."""

import pytest

from harness import HarnessError
from sandbox import TRANSFER_FUNDS
from tests.cogs.pay.helpers import transfers
from tests.conftest import ON_V2

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
    ("99999999999999", "That amount is too large: the most one payment can be is 1,000,000,000t."),
])
async def test_bad_amounts_are_refused_before_any_request(discord, sandbox, alice_and_bob, amount, message):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay user", by=alice.user, amount=amount, to=bob.user)
    assert reply.response_type == 4 and reply.ephemeral
    assert reply.text == message
    assert sandbox.requests == []


async def test_recipient_choice_is_checked_before_any_request(discord, sandbox, alice_and_bob):
    alice, _ = alice_and_bob
    robot = discord.user("robot", bot=True)
    cases = [
        ("user", alice.user, "You can't pay yourself."),
        ("user", robot, "Bots don't have Taubot accounts. Pick a member instead."),
        ("account", "  ", "That account name is empty. Give the account's exact name."),
    ]
    for kind, to, message in cases:
        reply = await discord.run_command(f"pay {kind}", by=alice.user, amount="1", to=to)
        assert reply.text == message
    assert sandbox.requests == []


async def test_discord_itself_asks_for_exactly_one_recipient(discord, sandbox, alice_and_bob):
    """No recipient, or a member and an account at once: Discord's client can't send either, since each
    subcommand has one required recipient of its own kind."""
    alice, bob = alice_and_bob
    with pytest.raises(HarnessError, match="option 'to' is required"):
        await discord.run_command("pay user", by=alice.user, amount="1")
    with pytest.raises(HarnessError, match="unknown options"):
        await discord.run_command("pay user", by=alice.user, amount="1", to=bob.user, account="Treasury")
    with pytest.raises(HarnessError, match="/pay needs a subcommand"):
        await discord.run_command("pay", by=alice.user, amount="1", user=bob.user)
    assert sandbox.requests == []


async def test_paying_your_own_account_by_name_is_refused(discord, sandbox, alice_and_bob):
    alice, _ = alice_and_bob
    reply = await discord.run_command("pay account", by=alice.user, amount="1", to="Alice")
    assert reply.text == "That's your own account. Pick someone else to pay."
    assert sandbox.requests == []  # the name of the linked account is known: no lookup needed
    sandbox.economy.accounts[alice.account_id].account_name = "Alice Renamed"  # renamed since linking
    reply = await discord.run_command("pay account", by=alice.user, amount="1", to="Alice Renamed")
    assert reply.text == "That's your own account. Pick someone else to pay."
    assert transfers(sandbox) == []


async def test_unknown_recipients(discord, sandbox, alice_and_bob, people):
    alice, _ = alice_and_bob
    dave = people.member("dave", balance=None)
    reply = await discord.run_command("pay user", by=alice.user, amount="1", to=dave.user)
    assert reply.text == f"<@{dave.id}> has no Taubot personal account, so they can't be paid yet."
    reply = await discord.run_command("pay account", by=alice.user, amount="1", to="Nobody")
    assert reply.text == "Taubot has no account called “Nobody”. Check the spelling: names are case-sensitive."
    assert transfers(sandbox) == []


async def test_an_unlinked_payer_is_pointed_to_link_account(discord, sandbox, people, alice_and_bob):
    _, bob = alice_and_bob
    carol = people.member("carol")
    reply = await discord.run_command("pay user", by=carol.user, amount="1", to=bob.user)
    assert reply.text == "You haven't linked a Taubot account yet. Run /link-account to link one."


@ON_V2  # on v2.1 Taubot's OK is the proof and a refusal costs nothing: see test_dialects.py
async def test_a_link_without_view_balance_cannot_pay_because_nothing_could_be_verified_on_v2(discord, sandbox, people):
    alice, bob = people.member("alice"), people.member("bob")
    await people.link(alice, permissions=(TRANSFER_FUNDS,))
    reply = await discord.run_command("pay user", by=alice.user, amount="1", to=bob.user)
    assert reply.text.startswith("I can't see your balance with your current link")
    assert "tick VIEW BALANCE" in reply.text
    assert transfers(sandbox) == []
