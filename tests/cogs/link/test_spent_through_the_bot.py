"""/link-status's "Spent through me" (issue 14): what this link's grant key spent through the bot, from the
journal, counted the way the Taubot it talks to counts the spending limit, so that it matches what Taubot itself
counted: refused payments count on v2 and not on v2.1, a payment that moved nothing never counts, a new link
starts from zero, another link's payments are not this one's, and payments whose outcome is still open are named
apart (Taubot may or may not have counted them)."""

from storage import PaymentStatus
from tests.cogs.pay.helpers import confirm, confirm_while_sending, key_of
from tests.conftest import link_status_of, ref_of

SPENT = "Spent through me"


async def spent_shown(discord, person, account: str = "Alice") -> str:
    status = await discord.run_command("link-status", by=person.user)
    return link_status_of(status.embed, account)[SPENT]


def in_words(cents: int, sandbox) -> str:
    refused = " (refused payments count too)" if sandbox.dialect == "v2" else ""
    return f"{cents // 100}t{refused}. Spending limits are in cents."


async def test_what_the_link_spent_is_what_taubot_counted_against_its_limit(discord, sandbox, people):
    alice, bob = people.member("alice", balance=100_00), people.member("bob")
    await people.link(alice)
    key = await key_of(discord, alice)
    assert await spent_shown(discord, alice) == in_words(0, sandbox)

    paid = await discord.run_command("pay user", by=alice.user, amount="20", to=bob.user)
    await confirm(discord, paid, alice)
    assert paid.last.embed.title == "Payment sent"
    refused = await discord.run_command("pay user", by=alice.user, amount="30", to=bob.user)
    # Spent elsewhere while the transfer is on its way: Taubot refuses it for want of money.
    await confirm_while_sending(discord, sandbox, refused, alice, lambda: sandbox.set_balance(alice.account_id, 5_00))
    assert refused.last.embed.title == "Payment refused"

    counted = sandbox.spent_by(key)  # Taubot's own count against the limit
    assert counted == (50_00 if sandbox.dialect == "v2" else 20_00)
    assert await spent_shown(discord, alice) == in_words(counted, sandbox)


async def test_a_new_link_starts_from_zero_and_another_links_payments_are_not_its_own(discord, sandbox, people):
    alice, bob = people.member("alice", balance=100_00), people.member("bob")
    acme = sandbox.create_account("Acme Ltd", owner_id=alice.id, account_type="CORPORATION", balance=50_00)
    await people.link(alice)
    await discord.run_command("link-account", by=alice.user, account="Acme Ltd")
    dm = discord.last_dm(alice.user)
    assert sandbox.grant(ref_of(dm), alice.id, accounts=[acme.account_id])
    await discord.press(dm, "I've granted access", by=alice.user)
    for source, amount in ((None, "7"), ("Acme Ltd", "3")):
        reply = await discord.run_command("pay user", by=alice.user, amount=amount, to=bob.user,
                                          **({"from": source} if source else {}))
        await confirm(discord, reply, alice)
        assert reply.last.embed.title == "Payment sent"
    assert await spent_shown(discord, alice) == in_words(7_00, sandbox)
    assert await spent_shown(discord, alice, "Acme Ltd") == in_words(3_00, sandbox)

    asked = await discord.run_command("link-account", by=alice.user)  # a new grant for her personal account
    await discord.press(asked.last, "Link a new grant", by=alice.user)
    dm = discord.last_dm(alice.user)
    assert sandbox.grant(ref_of(dm), alice.id)
    await discord.press(dm, "I've granted access", by=alice.user)
    assert await spent_shown(discord, alice) == in_words(0, sandbox)  # this link's key has spent nothing yet
    assert await spent_shown(discord, alice, "Acme Ltd") == in_words(3_00, sandbox)


async def test_a_payment_whose_outcome_is_open_is_named_apart(discord, sandbox, people):
    alice, bob = people.member("alice", balance=100_00), people.member("bob")
    await people.link(alice)
    paid = await discord.run_command("pay user", by=alice.user, amount="2", to=bob.user)
    await confirm(discord, paid, alice)
    unknown = await discord.run_command("pay user", by=alice.user, amount="4", to=bob.user)
    sandbox.drop_next(sandbox.route("transfer"))  # no answer: Taubot may or may not have it
    await confirm(discord, unknown, alice)
    assert unknown.last.embed.title == "Payment outcome unknown"
    (row, *_) = await discord.bot.storage.payments.recent_for_payer(alice.id)
    assert row.status is PaymentStatus.UNKNOWN
    refused = " (refused payments count too)" if sandbox.dialect == "v2" else ""
    assert await spent_shown(discord, alice) == (
        f"2t{refused}, and 4t whose outcome I don't know yet. Spending limits are in cents.")
