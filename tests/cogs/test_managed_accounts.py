"""Acting for the accounts a member manages (a company, a department…) besides their personal one: linking them
(/link-account account:), paying from them (/pay from:), their balance and history, /link-status and
/unlink-account for each; every check of a personal payment holds per paying account.

On Taubot v2 one grant can cover several accounts, and an account a grant already covers is linked without a
new grant; on v2.1 a key is bound to one account, so each account gets a link of its own."""

import pytest

from tests.cogs.pay.helpers import confirm, confirm_while_sending, transfers
from tests.conftest import ON_V2, ON_V21, link_status_of, ref_of, transfer_sent

ACME = "Acme Ltd"


@pytest.fixture
async def alice(discord, sandbox, people):
    """Alice, linked to her personal account (100t), who also runs the company Acme Ltd (500t)."""
    alice = people.member("alice", balance=100_00)
    alice.acme = sandbox.create_account(ACME, owner_id=alice.id, account_type="CORPORATION",
                                        balance=500_00).account_id
    await people.link(alice)
    return alice


async def link_acme(discord, sandbox, alice, *, granted=None):
    """/link-account account:Acme Ltd, granting what `granted` says (default: Acme) on Taubot's page."""
    reply = await discord.run_command("link-account", by=alice.user, account=ACME)
    dm = discord.last_dm(alice.user)
    assert sandbox.grant(ref_of(dm), alice.id, accounts=granted or [alice.acme])
    pressed = await discord.press(dm, "I've granted access", by=alice.user)
    return reply, dm, pressed


async def test_a_managed_account_gets_a_link_of_its_own_and_pays_from_it(discord, sandbox, people, alice):
    bob = people.member("bob", balance=0)
    reply, dm, pressed = await link_acme(discord, sandbox, alice)
    assert reply.text.startswith("I've sent you a DM with your link.")
    instructions = dm.versions[0]["embeds"][0]
    assert instructions["title"] == f"Link {ACME}" and f"**{ACME}**" in instructions["description"]
    assert pressed.text == f"Linked to {ACME} (corporation). Try /balance account:{ACME}."

    paying = await discord.run_command("pay user", by=alice.user, amount="20", to=bob.user, memo="wages",
                                       **{"from": ACME})
    assert paying.embed.field("From") == ACME
    assert paying.embed.field("Your balance") == "500t → 480t"
    await confirm(discord, paying, alice)
    assert paying.last.embed.title == "Payment sent"
    assert (sandbox.balance_of(alice.acme), sandbox.balance_of(alice.account_id)) == (480_00, 100_00)
    (sent,) = transfers(sandbox)
    assert transfer_sent(sandbox, sent)[:2] == (alice.acme, bob.account_id)
    (payment,) = await discord.bot.storage.payments.recent_for_payer(alice.id)
    assert payment.from_account_id == alice.acme and payment.memo == "wages"

    balance = await discord.run_command("balance", by=alice.user, account=ACME)
    assert (balance.embed.description, balance.embed.field("Balance")) == ("Your corporation", "**480t**")
    history = await discord.run_command("history", by=alice.user, account=ACME)
    assert history.embed.title == f"History of {ACME}"
    assert history.embed.description.endswith(f"Sent **20t** to <@{bob.id}> (Bob) · “wages”")
    own = await discord.run_command("balance", by=alice.user)  # the default: still her personal account
    assert own.embed.field("Balance") == "**100t**"

    status = await discord.run_command("link-status", by=alice.user)
    assert status.embed.title == "Linked: 2 accounts"
    assert link_status_of(status.embed, "Alice")["Type"] == "User"
    acme = link_status_of(status.embed, ACME)
    assert acme["Type"] == "Corporation"
    assert acme["Transfers"] == "Yes (your last payment from it went through)"
    assert acme["Spent through me"].startswith("20t")


@ON_V2
async def test_an_account_the_grant_already_covers_is_linked_without_a_new_grant_on_v2(discord, sandbox, people):
    alice = people.member("alice", balance=100_00)
    acme = sandbox.create_account(ACME, owner_id=alice.id, account_type="CORPORATION", balance=5_00)
    await discord.run_command("link-account", by=alice.user)
    dm = discord.last_dm(alice.user)
    assert sandbox.grant(ref_of(dm), alice.id, accounts=[alice.account_id, acme.account_id])  # both ticked
    await discord.press(dm, "I've granted access", by=alice.user)
    sandbox.clear_requests()
    dms = len(discord.dms(alice.user))

    reply = await discord.run_command("link-account", by=alice.user, account=ACME)
    assert reply.text.startswith(f"Linked {ACME} with the grant you already gave (it lets me see {ACME}'s balance)")
    assert sandbox.requests_to("register_reference") == [] and len(discord.dms(alice.user)) == dms
    links = await discord.bot.storage.grant_keys.all_of(alice.id)
    assert [link.account_name for link in links] == ["Alice", ACME]
    assert links[0].grant_key == links[1].grant_key  # one grant, two accounts
    status = await discord.run_command("link-status", by=alice.user)
    assert link_status_of(status.embed, ACME)["Spent through me"] == (
        "0t (refused payments count too), with Alice (the same grant). Spending limits are in cents.")


@ON_V2
async def test_a_grant_that_does_not_cover_the_account_links_nothing_on_v2(discord, sandbox, alice):
    _, dm, pressed = await link_acme(discord, sandbox, alice, granted=[alice.account_id])
    sentence = (f"The grant you gave doesn't let me see {ACME}, so I threw that key away and linked nothing. Run "
                f"/link-account account:{ACME} again and, on Taubot's page, tick VIEW BALANCE and TRANSFER FUNDS on "
                f"{ACME}.")
    assert pressed.text == sentence and dm.embed.description == sentence
    assert [link.account_name for link in await discord.bot.storage.grant_keys.all_of(alice.id)] == ["Alice"]


@ON_V21
async def test_a_key_bound_to_another_account_links_nothing_on_v21(discord, sandbox, alice):
    _, dm, pressed = await link_acme(discord, sandbox, alice, granted=[alice.account_id])  # picked the wrong one
    assert pressed.text.startswith(f"This link was completed for an account other than {ACME}")
    assert f"pick {ACME}" in dm.embed.description
    assert "Pick **Acme Ltd** (the account you asked to link)." in dm.versions[0]["embeds"][0]["description"]
    assert [link.account_name for link in await discord.bot.storage.grant_keys.all_of(alice.id)] == ["Alice"]


async def test_from_must_name_an_account_the_member_linked(discord, sandbox, people, alice):
    bob = people.member("bob")
    sandbox.clear_requests()
    reply = await discord.run_command("pay user", by=alice.user, amount="1", to=bob.user, **{"from": ACME})
    assert reply.text == (f"You haven't linked an account called “{ACME}”, so I can't act for it. Nothing was "
                          "changed. Your linked accounts: Alice. To link it, run /link-account with its name.")
    history = await discord.run_command("history", by=alice.user, account="Treasury")
    assert history.text.startswith("You haven't linked an account called “Treasury”")
    assert sandbox.requests == [] and transfers(sandbox) == []


async def test_linked_accounts_are_suggested_by_name_and_picked_by_id(discord, sandbox, people, alice):
    await link_acme(discord, sandbox, alice)
    choices = await discord.autocomplete("pay user", by=alice.user, focused="from", amount="1",
                                         to=people.member("bob").user, **{"from": "ac"})
    assert choices == [{"name": ACME, "value": alice.acme}]
    everything = await discord.autocomplete("history", by=alice.user, focused="account", account="")
    assert [choice["name"] for choice in everything] == ["Alice", ACME]
    balances = await discord.autocomplete("balance", by=alice.user, focused="account", account="")
    assert balances[0] == {"name": ACME, "value": alice.acme}  # an empty /balance is her personal account already


async def test_one_payment_in_flight_per_paying_account_not_per_member(discord, sandbox, people, alice):
    bob = people.member("bob")
    await link_acme(discord, sandbox, alice)
    personal = await discord.run_command("pay user", by=alice.user, amount="1", to=bob.user)
    again = await discord.run_command("pay user", by=alice.user, amount="2", to=bob.user)
    from_acme = await discord.run_command("pay user", by=alice.user, amount="3", to=bob.user, **{"from": ACME})

    async def meanwhile():
        blocked = await confirm(discord, again, alice)
        assert blocked.text == "Your other payment is still being sent — wait for its receipt."
        await confirm(discord, from_acme, alice)  # another account: its own lock
        assert from_acme.last.embed.title == "Payment sent"

    await confirm_while_sending(discord, sandbox, personal, alice, meanwhile)
    assert personal.last.embed.title == "Payment sent"
    assert sandbox.balance_of(bob.account_id) == 100_00 + 1_00 + 3_00


async def test_unlinking_one_account_keeps_the_others(discord, sandbox, alice):
    await link_acme(discord, sandbox, alice)
    question = await discord.run_command("unlink-account", by=alice.user, account=ACME)
    assert f"**{ACME}**" in question.embed.description and "**Alice**" not in question.embed.description
    done = await discord.press(question.last, "Unlink", by=alice.user)
    assert done.last.content.startswith("Unlinked that account.")
    assert [link.account_name for link in await discord.bot.storage.grant_keys.all_of(alice.id)] == ["Alice"]

    everything = await discord.run_command("unlink-account", by=alice.user)
    await discord.press(everything.last, "Unlink", by=alice.user)
    assert await discord.bot.storage.grant_keys.all_of(alice.id) == []


async def test_relinking_a_managed_account_asks_first_and_links_it_again(discord, sandbox, alice):
    await link_acme(discord, sandbox, alice)
    asked = await discord.run_command("link-account", by=alice.user, account=ACME)
    assert asked.embed.title == "You're already linked"
    assert f"**{ACME}**" in asked.embed.description
    await discord.press(asked.last, "Link a new grant", by=alice.user)
    dm = discord.last_dm(alice.user)
    assert dm.embed.title == f"Link {ACME}" and dm.embed.field("Current link").startswith(ACME)
    assert (await discord.bot.storage.pending_links.for_user(alice.id)).account_id == alice.acme


async def test_an_unknown_account_name_is_explained(discord, sandbox, alice):
    sandbox.clear_requests()
    reply = await discord.run_command("link-account", by=alice.user, account="Nobody Inc")
    assert reply.text == "Taubot has no account called “Nobody Inc”. Check the spelling: names are case-sensitive."
    assert sandbox.requests_to("register_reference") == []
