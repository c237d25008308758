"""Memos: a note on a payment, kept in the bot's journal (Taubot keeps none), shown on the confirmation, the
receipt, the recipient's DM, both members' /history and the CSV export; escaped like account names and never
pinging anyone. Bad memos are refused with a sentence before anything is sent."""

import csv
import io

import pytest

from tests.cogs.pay.helpers import confirm, transfers


@pytest.fixture
def alice_and_bob(directly_linked):
    return directly_linked


async def test_a_memo_goes_with_the_payment_everywhere_it_is_shown(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay user", by=alice.user, amount="12.50", to=bob.user, memo="Rent for May")
    assert reply.embed.field("Memo") == "“Rent for May”"
    await confirm(discord, reply, alice)
    assert reply.last.embed.title == "Payment sent"
    assert reply.last.embed.field("Memo") == "“Rent for May”"
    assert discord.last_dm(bob.user).content == f"<@{alice.id}> paid you 12.50t on Taubot: “Rent for May”"
    (payment,) = await discord.bot.storage.payments.recent_for_payer(alice.id)
    assert payment.memo == "Rent for May"
    assert transfers(sandbox)[0].body["amount"] == 12_50  # the memo is the bot's: Taubot gets only the transfer

    mine = await discord.run_command("history", by=alice.user, export=True)
    assert mine.embed.description.endswith(f"Sent **12.50t** to <@{bob.id}> (Bob) · “Rent for May”")
    rows = list(csv.reader(io.StringIO(mine.last.files[0].text)))
    assert rows[0][-1] == "memo" and rows[1][-1] == "Rent for May"
    theirs = await discord.run_command("history", by=bob.user)  # the same log entry, seen from the other side
    assert theirs.embed.description.endswith(f"Received **12.50t** from <@{alice.id}> (Alice) · “Rent for May”")


async def test_the_pay_form_takes_a_memo_too(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    opened = await discord.run_user_command("Pay", by=alice.user, target=bob.user)
    submitted = await discord.submit_modal(opened, {"Amount": "3", "Memo": "coffee ☕"}, by=alice.user)
    assert submitted.embed.field("Memo") == "“coffee ☕”"
    await confirm(discord, submitted, alice)
    assert discord.last_dm(bob.user).content.endswith("paid you 3t on Taubot: “coffee ☕”")


async def test_a_memo_is_shown_as_typed_never_as_formatting(discord, sandbox, alice_and_bob):
    alice, _ = alice_and_bob
    reply = await discord.run_command("pay account", by=alice.user, amount="1", to="Treasury",
                                      memo="**urgent** _now_ `x` Tre\u200basury")
    assert reply.embed.field("Memo") == "“\\*\\*urgent\\*\\* \\_now\\_ \\`x\\` Tre<U+200B>asury”"
    await confirm(discord, reply, alice)
    assert reply.last.embed.field("Memo").startswith("“\\*\\*urgent")


@pytest.mark.parametrize("memo, sentence", [
    ("x" * 201, "Your memo is 201 characters long; a memo can be at most 200. Shorten it. Nothing was sent."),
    ("line one\nline two", "Your memo contains a control character (a line break or tab, for example). Write it on "
                           "one line of plain text. Nothing was sent."),
    ("thanks <@1234567890>", "Memos can't mention anyone"),
    ("for @everyone", "Memos can't mention anyone"),
    ("ask <@&55555>", "Memos can't mention anyone"),
])
async def test_a_bad_memo_is_refused_with_a_sentence_and_nothing_is_asked_or_sent(discord, sandbox, alice_and_bob,
                                                                                   memo, sentence):
    alice, bob = alice_and_bob
    sandbox.clear_requests()
    reply = await discord.run_command("pay user", by=alice.user, amount="1", to=bob.user, memo=memo)
    assert reply.text.startswith(sentence) and reply.ephemeral
    assert sandbox.requests == [] and transfers(sandbox) == []


async def test_an_empty_memo_is_no_memo(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay user", by=alice.user, amount="1", to=bob.user, memo="   ")
    assert "Memo" not in [name for name, _ in reply.embed.fields]
    await confirm(discord, reply, alice)
    assert discord.last_dm(bob.user).content == f"<@{alice.id}> paid you 1t on Taubot."
