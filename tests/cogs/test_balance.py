"""/balance through the harness against the sandbox."""

import asyncio
import dataclasses

import pytest

from harness import HarnessError
from sandbox import TRANSFER_FUNDS, VIEW_BALANCE
from tests.conftest import ON_V2, ON_V21, calls, link_status_of, ref_of

NOT_LINKED = "You haven't linked a Taubot account yet. Run /link-account to link one."


def taubot_requests(sandbox):
    return [r for r in sandbox.requests if r.path.startswith("/api/")]


async def test_not_linked_points_to_link_account(discord, sandbox, people):
    alice = people.member("alice")
    reply = await discord.run_command("balance", by=alice.user)
    assert reply.ephemeral
    assert reply.text == NOT_LINKED
    assert taubot_requests(sandbox) == []


async def test_own_balance_in_one_request(discord, sandbox, people):
    alice = people.member("alice", balance=1_234_56)
    await people.link(alice)
    sandbox.clear_requests()

    reply = await discord.run_command("balance", by=alice.user)
    assert reply.response_type == 4 and reply.ephemeral  # a quick answer needs no "thinking…" first
    assert reply.embed.title == "Alice"
    assert reply.embed.description == "Your personal account"
    assert reply.embed.field("Balance") == "**1,234.56t**"
    assert calls(sandbox) == ["account_by_id"]  # the account the link was checked for, by its id
    assert [(r.path, r.key_kind) for r in sandbox.requests] == [(f"/api/accounts/{alice.account_id}", "grant")]


@pytest.mark.timings(defer_after=0.05)
async def test_a_slow_taubot_gets_a_thinking_message_within_discords_window(discord, sandbox, people):
    alice = people.member("alice", balance=5_00)
    await people.link(alice)
    sandbox.delay(f"GET /api/accounts/{alice.account_id}", 0.3, times=1)

    reply = await discord.run_command("balance", by=alice.user)
    assert reply.deferred  # the "thinking…" went out before Taubot answered
    assert reply.ephemeral and not reply.message.loading
    assert reply.embed.field("Balance") == "**5t**"


@pytest.mark.timings(defer_after=0.05)
async def test_when_discord_says_the_interaction_expired_the_lookup_is_abandoned(discord, sandbox, people):
    alice = people.member("alice", balance=5_00)
    await people.link(alice)
    sandbox.delay(f"GET /api/accounts/{alice.account_id}", 0.3, times=1)
    discord.fail_next("interaction_callback", status=404, code=10062, message="Unknown interaction")

    reply = await discord.run_command("balance", by=alice.user)
    assert not reply.responded  # nothing can reach the member any more
    await asyncio.sleep(0.5)  # long after Taubot would have answered the abandoned read
    assert (await discord.bot.storage.grant_keys.get(alice.id)).last_used_at is None


async def test_the_currency_symbol_comes_from_the_settings(discord, sandbox, people):
    discord.bot.settings = dataclasses.replace(discord.bot.settings, currency_symbol="₮")
    alice = people.member("alice", balance=101)
    await people.link(alice)
    reply = await discord.run_command("balance", by=alice.user)
    assert reply.embed.field("Balance") == "**1.01₮**"


async def test_a_hidden_balance_is_explained_never_shown_as_zero(discord, sandbox, people):
    alice = people.member("alice")
    await people.link(alice, permissions=(TRANSFER_FUNDS,))
    reply = await discord.run_command("balance", by=alice.user)
    field = reply.embed.field("Balance")
    assert field.startswith("Hidden: your link does not allow viewing this balance.")
    assert "tick VIEW BALANCE" in field
    assert reply.content == ""  # the whole answer is the embed: check every field of it
    assert all("0t" not in value for _, value in reply.embed.fields)
    assert (await discord.bot.storage.grant_keys.get(alice.id)).balance_visible is False


async def test_another_account_by_name_with_its_balance_where_taubot_shows_it(discord, sandbox, people):
    """v2 shows a balance only on accounts granted to the key; v2.1 shows every balance of the economy to a key
    with VIEW BALANCE on its own account, and the bot shows what Taubot allows."""
    alice = people.member("alice")
    await people.link(alice)
    reply = await discord.run_command("balance", by=alice.user, account="Treasury")
    assert reply.embed.title == "Treasury"
    assert reply.embed.description == "Government account"
    assert reply.embed.field("Balance") == {
        "v2": "Hidden: your link does not allow viewing this account's balance.",
        "v2.1": "**1,000,000t**"}[sandbox.dialect]


@ON_V2
@pytest.mark.parametrize(("name", "raw_path"), [
    ("Café #1?", "/api/accounts/by-name/Caf%C3%A9%20%231%3F"),
    ("a/b", "/api/accounts/by-name/a%2Fb"),
    ("..", "/api/accounts/by-name/%2E%2E"),
])
async def test_names_are_percent_encoded_as_one_path_segment_on_v2(discord, sandbox, people, name, raw_path):
    alice = people.member("alice")
    await people.link(alice)
    sandbox.clear_requests()
    reply = await discord.run_command("balance", by=alice.user, account=name)
    assert reply.embed.title == name
    assert [r.path for r in taubot_requests(sandbox)] == [raw_path]


@ON_V21
@pytest.mark.parametrize(("name", "raw_target"), [
    ("Café #1?", "/api/accounts?name=Caf%C3%A9%20%231%3F"),  # a raw '#' would cut the name
    ("a+b c", "/api/accounts?name=a%2Bb%20c"),              # a raw '+' would be a space
    ("a/b", "/api/accounts?name=a%2Fb"),
])
async def test_names_are_percent_encoded_in_the_query_on_v21(discord, sandbox, people, name, raw_target):
    alice = people.member("alice")
    sandbox.create_account("a+b c", account_type="CORPORATION")
    await people.link(alice)
    sandbox.clear_requests()
    reply = await discord.run_command("balance", by=alice.user, account=name)
    assert reply.embed.title == name
    assert [r.target for r in sandbox.requests] == [raw_target]


@ON_V21
async def test_an_account_of_the_members_own_is_visible_without_granting_it_on_v21(discord, sandbox, people):
    alice = people.member("alice")
    sandbox.create_account("Alice's Shop", owner_id=alice.id, account_type="CORPORATION", balance=42_00)
    await people.link(alice)  # v2.1's page binds the key to one account: her personal one
    reply = await discord.run_command("balance", by=alice.user, account="Alice's Shop")
    assert reply.embed.field("Balance") == "**42t**"
    assert reply.embed.description == "Corporation"
    assert reply.embed.field("Owner") == f"<@{alice.id}>"


@ON_V2
async def test_an_account_the_key_may_see_on_v2(discord, sandbox, people):
    alice = people.member("alice")
    shop = sandbox.create_account("Alice's Shop", owner_id=alice.id, account_type="CORPORATION", balance=42_00)
    await people.link(alice)
    # Relink with both accounts granted.
    asked = await discord.run_command("link-account", by=alice.user)
    await discord.press(asked.last, "Link a new grant", by=alice.user)
    sandbox.grant(ref_of(discord.last_dm(alice.user)), alice.id, accounts=[alice.account_id, shop.account_id])
    await discord.press(discord.last_dm(alice.user), "I've granted access", by=alice.user)
    reply = await discord.run_command("balance", by=alice.user, account="Alice's Shop")
    assert reply.embed.field("Balance") == "**42t**"
    assert reply.embed.description == "Corporation"
    assert reply.embed.field("Owner") == f"<@{alice.id}>"


async def test_unknown_names_and_case_sensitivity(discord, sandbox, people):
    alice = people.member("alice")
    await people.link(alice)
    for name in ("Nobody", "treasury"):
        reply = await discord.run_command("balance", by=alice.user, account=name)
        assert reply.text == f"Taubot has no account called “{name}”. Check the spelling: names are case-sensitive."


async def test_a_name_shared_by_two_accounts(discord, sandbox, people):
    alice = people.member("alice")
    sandbox.create_account("Lemonade Stand", owner_id=alice.id, account_type="CORPORATION")
    await people.link(alice)
    reply = await discord.run_command("balance", by=alice.user, account="Lemonade Stand")
    assert reply.text.startswith("Taubot failed to look up “Lemonade Stand”. It does this when several accounts")


async def test_a_blank_name_and_an_overlong_one(discord, sandbox, people):
    alice = people.member("alice")
    await people.link(alice)
    blank = await discord.run_command("balance", by=alice.user, account="   ")
    assert blank.text == "That account name is empty. Give the account's exact name."
    with pytest.raises(HarnessError, match="limits its length"):
        await discord.run_command("balance", by=alice.user, account="x" * 101)


async def test_a_revoked_link(discord, sandbox, people):
    alice = people.member("alice")
    await people.link(alice)
    sandbox.revoke_key((await discord.bot.storage.grant_keys.get(alice.id)).grant_key)
    reply = await discord.run_command("balance", by=alice.user)
    assert reply.text == "Taubot refused your link (it may have been revoked). Run /link-account to link again."


@pytest.mark.parametrize(("fault", "expected"), [
    ("drop", "I couldn't reach Taubot just now. Nothing was changed; try again in a minute."),
    ("503", "Taubot had a problem answering. Nothing was changed; try again in a minute."),
    ("garbage", "Taubot had a problem answering. Nothing was changed; try again in a minute."),
    pytest.param("slow", "I couldn't reach Taubot just now. Nothing was changed; try again in a minute.",
                 marks=pytest.mark.taubot_timeout(3.0)),  # short enough to wait for, long for a loaded machine
])
async def test_taubot_failures_become_one_clear_sentence(discord, sandbox, people, fault, expected):
    alice = people.member("alice")
    await people.link(alice)
    own = f"GET /api/accounts/{alice.account_id}"
    release = None
    if fault == "drop":
        sandbox.drop_next(own, times=10)  # aiohttp itself retries a reused connection once
    elif fault == "503":
        sandbox.fail_next(own, 503, times=3)
    elif fault == "garbage":
        sandbox.fail_next(own, 200, body="<html>not json</html>")
    else:
        release = sandbox.hold(own)  # until the bot has given up on it (its timeout, marked above)
    reply = await discord.run_command("balance", by=alice.user)
    if release is not None:
        release()
    assert reply.text == expected
    assert reply.ephemeral


async def test_balance_works_in_dms(discord, sandbox, people):
    alice = people.member("alice")
    await people.link(alice)
    reply = await discord.run_command("balance", by=alice.user, in_dm=True)
    assert reply.embed.field("Balance") == "**100t**"


async def test_visibility_is_recorded_for_link_status(discord, sandbox, people):
    alice = people.member("alice")
    await people.link(alice, permissions=(VIEW_BALANCE, TRANSFER_FUNDS))
    await discord.run_command("balance", by=alice.user)
    status = await discord.run_command("link-status", by=alice.user)
    assert link_status_of(status.embed, "Alice")["Balance visible"] == "Yes (as of the last check)"
    assert link_status_of(status.embed, "Alice")["Last used"].startswith("<t:")
