"""Taubot's default personal account names ("<@!ID> 's account" on v2, "<@!ID>'s account" on v2.1) read as
"Bob's account" wherever the bot shows an account: embed titles, fields, history lines, the CSV, suggestions."""

import csv
import io

import pytest

from tests.cogs.pay.helpers import confirm
from tests.conftest import link_status_of

V2_NAME, V21_NAME = "<@!{id}> 's account", "<@!{id}>'s account"


def taubot_requests(sandbox):
    return [r for r in sandbox.requests if r.path.startswith("/api/")]


@pytest.fixture
async def alice_and_bob(discord, sandbox, people):
    alice, bob = people.member("alice", balance=100_00), people.member("bob", balance=50_00)
    await people.link(alice)
    return alice, bob


def give_default_name(sandbox, person, pattern=V2_NAME) -> str:
    name = pattern.format(id=person.id)
    sandbox.economy.accounts[person.account_id].account_name = name
    return name


@pytest.mark.parametrize("pattern", [V2_NAME, V21_NAME])
async def test_balance_titles_a_default_personal_account_with_its_members_name(discord, sandbox, alice_and_bob,
                                                                                 pattern):
    alice, bob = alice_and_bob
    name = give_default_name(sandbox, bob, pattern)
    reply = await discord.run_command("balance", by=alice.user, account=name)
    assert reply.embed.title == "Bob's account"
    assert "<@" not in reply.embed.title


async def test_a_member_the_bot_never_met_is_looked_up_once_then_known(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    name = give_default_name(sandbox, bob)  # bob never used the bot: Discord is asked for his name
    lookups = len([r for r in discord.api.requests if r.route == "get_user"])
    await discord.run_command("balance", by=alice.user, account=name)
    await discord.run_command("balance", by=alice.user, account=name)
    assert len([r for r in discord.api.requests if r.route == "get_user"]) - lookups <= 1


async def test_a_member_discord_does_not_know_is_shown_by_id(discord, sandbox, people, alice_and_bob):
    alice, _ = alice_and_bob
    gone = sandbox.create_account(V21_NAME.format(id=4242), owner_id=4242, balance=1)
    reply = await discord.run_command("balance", by=alice.user, account=gone.account_name)
    assert reply.embed.title == "member 4242's account"


async def test_own_account_with_the_default_name_reads_as_the_members_own(discord, sandbox, people):
    carol = people.member("carol")
    give_default_name(sandbox, carol)
    await people.link(carol)
    reply = await discord.run_command("balance", by=carol.user)
    assert reply.embed.title == "Carol's account"
    status = await discord.run_command("link-status", by=carol.user)
    assert link_status_of(status.embed, "Carol's account")["Type"] == "User"


async def test_history_lines_and_csv_name_the_member(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    give_default_name(sandbox, bob)
    paid = await discord.run_command("pay user", by=alice.user, amount="5", to=bob.user)
    assert paid.embed.description == "Pay **5t** to Bob's account?"
    await confirm(discord, paid, alice)
    assert paid.last.embed.description == "5t to Bob's account"
    reply = await discord.run_command("history", by=alice.user, export=True)
    assert reply.embed.description.endswith("· Sent **5t** to Bob's account")
    rows = list(csv.reader(io.StringIO(reply.last.files[0].text)))
    assert rows[1][4] == "Bob's account"


async def test_balance_suggests_accounts_paid_or_seen_in_history_without_asking_taubot(discord, sandbox,
                                                                                         alice_and_bob, people):
    alice, bob = alice_and_bob
    bob_name = give_default_name(sandbox, bob)
    carol = people.member("carol")
    await people.link(carol)
    await confirm(discord, await discord.run_command("pay account", by=alice.user, amount="1", to="Treasury"), alice)
    await confirm(discord, await discord.run_command("pay user", by=carol.user, amount="2", to=alice.user), carol)
    await discord.run_command("history", by=alice.user)  # shows Carol's account and the Treasury
    await confirm(discord, await discord.run_command("pay user", by=alice.user, amount="3", to=bob.user), alice)
    sandbox.clear_requests()

    offered = await discord.autocomplete("balance", by=alice.user, focused="account", account="")
    assert [(c["name"], c["value"]) for c in offered] == [
        ("Carol", "Carol"), ("Treasury", "Treasury"), ("Bob's account", bob_name)]
    offered = await discord.autocomplete("balance", by=alice.user, focused="account", account="bob")
    assert [c["value"] for c in offered] == [bob_name]
    assert taubot_requests(sandbox) == []
    reply = await discord.run_command("balance", by=alice.user, account=offered[0]["value"])
    assert reply.embed.title == "Bob's account"
    assert await discord.autocomplete("balance", by=carol.user, focused="account", account="") == [
        {"name": "Alice", "value": "Alice"}]  # each member's own: carol paid alice
