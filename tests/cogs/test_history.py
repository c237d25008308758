"""/history: paged embeds of the caller's transactions, CSV export, and the failures around it."""

import asyncio
import csv
import io

import pytest

from cogs.history.counterparties import LOOKUP_CONCURRENCY
from harness import HarnessError
from sandbox import TRANSFER_FUNDS
from tests.cogs.link.helpers import in_progress, until
from tests.conftest import ON_V2, ON_V21


@pytest.fixture
async def alice_and_bob(discord, sandbox, people):
    alice, bob = people.member("alice", balance=100_00), people.member("bob", balance=50_00)
    await people.link(alice)
    await people.link(bob)
    return alice, bob


def move(sandbox, discord_key, from_id, to_id, amount):
    """A transfer made outside the bot (e.g. by another Taubot application)."""
    sandbox.economy.transfer(sandbox.economy.keys[discord_key], from_id, to_id, amount)


REFUSED = ("Taubot refused to show your history, either because your link doesn't allow viewing your balance or "
           "because it was revoked: run /link-account again and tick VIEW BALANCE.")


async def key_of(discord, person):
    return (await discord.bot.storage.grant_keys.get(person.id)).grant_key


async def test_not_linked(discord, people):
    reply = await discord.run_command("history", by=people.member("carol").user)
    assert reply.text == "You haven't linked a Taubot account yet. Run /link-account to link one."


async def test_newest_first_with_directions_amounts_and_counterparties(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    treasury = sandbox.account("Treasury")
    move(sandbox, await key_of(discord, alice), alice.account_id, bob.account_id, 12_50)
    move(sandbox, await key_of(discord, bob), bob.account_id, alice.account_id, 5_00)
    move(sandbox, await key_of(discord, alice), alice.account_id, treasury.account_id, 1_00)
    sandbox.clear_requests()

    reply = await discord.run_command("history", by=alice.user)
    assert reply.ephemeral
    embed = reply.embed
    assert embed.title == "History of Alice"
    lines = embed.description.split("\n")
    assert len(lines) == 3
    assert lines[0].endswith("· Sent **1t** to Treasury (government account)")
    assert lines[1].endswith(f"· Received **5t** from <@{bob.id}> (Bob)")
    assert lines[2].endswith(f"· Sent **12.50t** to <@{bob.id}> (Bob)")
    assert all(line.startswith("<t:") for line in lines)
    assert embed.footer == "Page 1 of 1 · newest first"
    assert reply.buttons == []
    lookups = [r.path for r in sandbox.requests if r.path.startswith("/api/accounts/") and "transactions" not in r.path]
    assert sorted(lookups) == sorted({f"/api/accounts/{bob.account_id}", f"/api/accounts/{treasury.account_id}"})


async def test_pages_turn_for_the_caller_only(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    alice_key = await key_of(discord, alice)
    for cents in range(1, 24):
        move(sandbox, alice_key, alice.account_id, bob.account_id, cents)
    reply = await discord.run_command("history", by=alice.user, limit=23)
    message = reply.last
    assert message.embed.footer == "Page 1 of 3 · newest first"
    assert [(b.label, b.disabled) for b in message.buttons] == [("Previous", True), ("Next", False)]
    assert message.embed.description.split("\n")[0].endswith("Sent **0.23t** to " + f"<@{bob.id}> (Bob)")

    await discord.press(message, "Next", by=alice.user)
    assert message.embed.footer == "Page 2 of 3 · newest first"
    assert [(b.label, b.disabled) for b in message.buttons] == [("Previous", False), ("Next", False)]
    await discord.press(message, "Next", by=alice.user)
    assert message.embed.footer == "Page 3 of 3 · newest first"
    assert len(message.embed.description.split("\n")) == 3
    assert [(b.label, b.disabled) for b in message.buttons] == [("Previous", False), ("Next", True)]
    await discord.press(message, "Previous", by=alice.user)
    assert message.embed.footer == "Page 2 of 3 · newest first"

    intruder = await discord.press(message, "Next", by=bob.user)
    assert intruder.text == "Only the member who ran /history can turn its pages."
    assert message.embed.footer == "Page 2 of 3 · newest first"


async def test_pages_after_a_restart_say_they_expired(discord, sandbox, alice_and_bob, make_bot):
    alice, bob = alice_and_bob
    alice_key = await key_of(discord, alice)
    for cents in range(1, 15):
        move(sandbox, alice_key, alice.account_id, bob.account_id, cents)
    reply = await discord.run_command("history", by=alice.user)
    await discord.restart(make_bot)
    pressed = await discord.press(reply.last, "Next", by=alice.user)
    assert reply.last.content == "This history view has expired. Run /history again.", pressed


async def test_limit_is_respected_and_bounded_like_discord_does(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    alice_key = await key_of(discord, alice)
    for cents in range(1, 6):
        move(sandbox, alice_key, alice.account_id, bob.account_id, cents)
    reply = await discord.run_command("history", by=alice.user, limit=2)
    assert len(reply.embed.description.split("\n")) == 2
    assert [r.query for r in sandbox.requests if r.path.endswith("/transactions")][-1] == {"limit": "2"}
    with pytest.raises(HarnessError, match="from 1 to 100"):
        await discord.run_command("history", by=alice.user, limit=0)


async def test_export_attaches_a_csv_of_the_same_rows(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    sneaky = sandbox.create_account("=HYPERLINK(1)", account_type="CORPORATION")
    move(sandbox, await key_of(discord, alice), alice.account_id, bob.account_id, 45_67)
    move(sandbox, await key_of(discord, alice), alice.account_id, sneaky.account_id, 2_05)
    reply = await discord.run_command("history", by=alice.user, export=True)
    (attached,) = reply.last.files
    assert attached.filename == "taubot-history.csv"
    rows = list(csv.reader(io.StringIO(attached.text)))
    assert rows[0] == ["time_utc", "direction", "amount", "currency", "counterparty", "counterparty_account_id",
                       "memo"]
    assert rows[1][1:] == ["sent", "2.05", "t", "'=HYPERLINK(1)", sneaky.account_id, ""]
    assert rows[2][1:] == ["sent", "45.67", "t", "Bob", bob.account_id, ""]
    assert rows[1][0].endswith("+00:00")


async def test_an_empty_history(discord, alice_and_bob):
    alice, _ = alice_and_bob
    reply = await discord.run_command("history", by=alice.user)
    assert reply.embed.description == "No transactions yet."


async def test_without_view_balance_the_history_is_explained(discord, sandbox, people):
    alice = people.member("alice")
    await people.link(alice, permissions=(TRANSFER_FUNDS,))
    reply = await discord.run_command("history", by=alice.user)
    not_allowed = ("Your link doesn't allow viewing your balance, so Taubot won't show your history. Run "
                   "/link-account to link again.")
    # v2 answers 401 for this and for a revoked link alike; v2.1 says which (403).
    assert reply.text == {"v2": REFUSED, "v2.1": not_allowed}[sandbox.dialect]


async def test_a_revoked_link_gets_the_same_explanation(discord, sandbox, alice_and_bob):
    alice, _ = alice_and_bob
    sandbox.revoke_key(await key_of(discord, alice))
    reply = await discord.run_command("history", by=alice.user)
    assert reply.text == REFUSED  # Taubot's 401 doesn't say which of the two it is


async def test_an_unresolvable_counterparty_is_shown_by_id(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    move(sandbox, await key_of(discord, alice), alice.account_id, bob.account_id, 1_00)
    sandbox.fail_next(f"GET /api/accounts/{bob.account_id}", 404, times=1)
    reply = await discord.run_command("history", by=alice.user)
    assert reply.embed.description.endswith(f"Sent **1t** to account `{bob.account_id[:8]}…`")


async def test_taubot_down(discord, sandbox, alice_and_bob):
    alice, _ = alice_and_bob
    sandbox.fail_next(sandbox.route("transactions"), 503, times=5)
    reply = await discord.run_command("history", by=alice.user)
    assert reply.text == "Taubot had a problem answering. Nothing was changed; try again in a minute."


@ON_V2
async def test_zero_and_negative_entries_read_the_way_money_moved_on_v2(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    # Taubot logs these as they were sent: a negative amount moved money from Bob to Alice.
    move(sandbox, await key_of(discord, alice), alice.account_id, bob.account_id, -3_00)
    move(sandbox, await key_of(discord, alice), alice.account_id, bob.account_id, 0)
    move(sandbox, await key_of(discord, bob), bob.account_id, alice.account_id, -1_00)
    reply = await discord.run_command("history", by=alice.user, export=True)
    lines = reply.embed.description.split("\n")
    assert lines[0].endswith(f"· Sent **1t** to <@{bob.id}> (Bob)")
    assert lines[1].endswith(f"· A transfer of **0t** with <@{bob.id}> (Bob) (nothing moved)")
    assert lines[2].endswith(f"· Received **3t** from <@{bob.id}> (Bob)")
    assert "-" not in reply.embed.description
    rows = list(csv.reader(io.StringIO(reply.last.files[0].text)))
    assert [row[1:3] for row in rows[1:]] == [["sent", "1.00"], ["none", "0.00"], ["received", "3.00"]]
    assert sandbox.balance_of(alice.account_id) == 102_00  # what the lines say: +3, then -1


@ON_V21
async def test_a_zero_transfer_reads_as_nothing_moved_on_v21(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    move(sandbox, await key_of(discord, bob), bob.account_id, alice.account_id, 0)  # v2.1 logs a 0 transfer
    reply = await discord.run_command("history", by=alice.user)
    assert reply.embed.description.endswith(f"· A transfer of **0t** with <@{bob.id}> (Bob) (nothing moved)")


async def test_counterparties_are_looked_up_concurrently_and_once_each(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    treasury = sandbox.account("Treasury")
    alice_key = await key_of(discord, alice)
    for cents in (1, 2, 3):
        move(sandbox, alice_key, alice.account_id, bob.account_id, cents)
        move(sandbox, alice_key, alice.account_id, treasury.account_id, cents)
    sandbox.clear_requests()
    looked_up = [f"/api/accounts/{bob.account_id}", f"/api/accounts/{treasury.account_id}"]
    # Taubot holds both look-ups: both arriving before either is answered shows they are concurrent, whatever
    # the machine's load (timing two 0.5 s delays did not).
    releases = [sandbox.hold(f"GET {path}") for path in looked_up]
    asking = asyncio.create_task(discord.run_command("history", by=alice.user))
    try:
        await until(lambda: all(in_progress(sandbox, path)() for path in looked_up))
    finally:
        for release in releases:
            release()
    reply = await asking
    assert len(reply.embed.description.split("\n")) == 6
    assert f"<@{bob.id}> (Bob)" in reply.embed.description and "Treasury (government account)" in reply.text
    lookups = [r.path for r in sandbox.requests if r.path.startswith("/api/accounts/") and "transactions" not in r.path]
    assert sorted(lookups) == sorted([f"/api/accounts/{bob.account_id}", f"/api/accounts/{treasury.account_id}"])


async def test_counterparty_lookups_are_capped(discord, sandbox, alice_and_bob):
    alice, _ = alice_and_bob
    alice_key = await key_of(discord, alice)
    shops = []
    for n in range(LOOKUP_CONCURRENCY + 1):
        other = sandbox.create_account(f"Shop {n}", account_type="CORPORATION")
        move(sandbox, alice_key, alice.account_id, other.account_id, 1)
        shops.append(f"/api/accounts/{other.account_id}")
    # Taubot holds every look-up until the test releases it (two waves of 0.25 s delays were timed, which a
    # loaded machine stretched).
    releases = {shop: sandbox.hold(f"GET {shop}") for shop in shops}
    asking = asyncio.create_task(discord.run_command("history", by=alice.user))

    def asked_for():
        return [shop for shop in shops if any(record.path == shop for record in sandbox.requests)]

    try:
        await until(lambda: len(asked_for()) == LOOKUP_CONCURRENCY)  # that many at once, not one by one
        await asyncio.sleep(0.1)
        assert len(asked_for()) == LOOKUP_CONCURRENCY  # and no more while none is answered
        releases[asked_for()[0]]()
        await until(lambda: len(asked_for()) == LOOKUP_CONCURRENCY + 1)  # one answered: the last is asked for
    finally:
        for release in releases.values():
            release()
    reply = await asking
    assert len(reply.embed.description.split("\n")) == LOOKUP_CONCURRENCY + 1
