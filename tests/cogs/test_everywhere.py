"""The bot wherever Discord offers it: installed by a member on their own account (user install) and used in a
server without the bot, in a group DM, or in the DM with the bot; and members the bot cannot DM.

The link DM that cannot be delivered is shown in the member's private answer instead: the link reference is in
that answer and nowhere else."""

import logging

import pytest

from harness import HarnessError
from tests.conftest import Person, ref_of

LINK_SHOWN_HERE = ("I couldn't DM you, so here is your link: only you can see this message. It won't change when "
                   "you're linked: press I've granted access, or run /link-status. (To get my DMs, e.g. when "
                   "someone pays you, allow direct messages from a server we share: server name → Privacy "
                   "Settings.)")
ONLY_US = ("In our DM, Discord only lets you pick yourself or me. To pay a member, run /pay user where they are (a "
           "server or a group DM), or use /pay account with the name of their account.")


def stranger(discord, sandbox, name: str, balance: int = 100_00) -> Person:
    """Someone who shares no server with the bot and added it to their own account."""
    user = discord.user(name, in_server=False)
    discord.install_for(user)
    return Person(user, sandbox.create_account(name.title(), owner_id=user.id, balance=balance).account_id)


def where_the_ref_is(discord, ref: str) -> list:
    """Every message the bot sent that carries the link reference, in its text, a button or a link."""
    return [m for m in discord.api.messages.values() if ref in repr(m.data)]


async def link_from_the_answer(discord, sandbox, person, **where) -> None:
    reply = await discord.run_command("link-account", by=person.user, **where)
    assert reply.ephemeral and reply.text.startswith(LINK_SHOWN_HERE)
    assert sandbox.grant(ref_of(reply.last), person.id)
    pressed = await discord.press(reply.last, "I've granted access", by=person.user)
    assert pressed.ephemeral and pressed.text.startswith("Linked to Erin"), pressed.text


async def test_a_member_sharing_no_server_links_from_a_group_dm_with_the_link_in_their_private_answer(
        discord, sandbox, people, caplog):
    erin, friend = stranger(discord, sandbox, "erin"), people.member("frank")
    group_dm = discord.private_channel(erin.user, friend.user)
    with caplog.at_level(logging.INFO):  # (at DEBUG, the logging setup scrubs refs from library lines)
        reply = await discord.run_command("link-account", by=erin.user, where=group_dm)
    assert reply.ephemeral
    assert reply.text.startswith(LINK_SHOWN_HERE)
    assert reply.embed.title == "Link your Taubot account"
    assert [b.label for b in reply.last.buttons] == ["Open Taubot", "I've granted access", "Cancel"]
    ref = ref_of(reply.last)
    assert where_the_ref_is(discord, ref) == [reply.last] and reply.last.ephemeral
    assert discord.dms(erin.user) == []
    assert ref not in caplog.text

    assert sandbox.grant(ref, erin.id)
    pressed = await discord.press(reply.last, "I've granted access", by=erin.user)
    assert pressed.text.startswith("Linked to Erin")
    balance = await discord.run_command("balance", by=erin.user, where=group_dm)
    assert balance.ephemeral and balance.embed.field("Balance") == "**100t**"


async def test_closed_dms_show_the_link_in_the_answer_and_keep_it_pending(discord, sandbox, people):
    alice = people.member("alice")
    discord.close_dms(alice.user)
    reply = await discord.run_command("link-account", by=alice.user)
    assert reply.ephemeral and reply.text.startswith(LINK_SHOWN_HERE)
    assert discord.dms(alice.user) == []
    pending = await discord.bot.storage.pending_links.for_user(alice.id)
    assert pending is not None and pending.ref_id == ref_of(reply.last)
    status = await discord.run_command("link-status", by=alice.user)
    assert status.embed.field("Link in progress").endswith(
        "It was in my answer to /link-account; if that's gone, run /link-account for a new one.")


async def test_cancel_on_a_link_shown_in_the_answer_closes_it_there(discord, sandbox, people):
    erin = stranger(discord, sandbox, "erin")
    reply = await discord.run_command("link-account", by=erin.user, in_dm=True)
    assert reply.text.startswith(LINK_SHOWN_HERE)
    await discord.press(reply.last, "Cancel", by=erin.user)
    assert reply.last.embed.description == "Link cancelled. Nothing was changed. Run /link-account to start again."
    assert reply.last.buttons == [] and reply.last.ephemeral
    assert await discord.bot.storage.pending_links.for_user(erin.id) is None


async def test_relinking_where_no_dm_can_be_sent_shows_the_new_link_in_the_answer(discord, sandbox):
    erin = stranger(discord, sandbox, "erin")
    await link_from_the_answer(discord, sandbox, erin, in_dm=True)
    asked = await discord.run_command("link-account", by=erin.user, in_dm=True)
    again = await discord.press(asked.last, "Link a new grant", by=erin.user)
    assert again.last.ephemeral and again.last.text.startswith(LINK_SHOWN_HERE)
    assert ref_of(again.last) == (await discord.bot.storage.pending_links.for_user(erin.id)).ref_id


async def test_in_a_group_dm_a_member_who_gets_dms_is_told_to_look_there(discord, sandbox, people):
    alice, bob = people.member("alice"), people.member("bob")
    discord.install_for(alice.user)
    reply = await discord.run_command("link-account", by=alice.user, where=discord.private_channel(alice.user,
                                                                                                  bob.user))
    assert reply.text.startswith("I've sent you a DM with your link.")  # not "the message below"
    assert discord.last_dm(alice.user).embed.title == "Link your Taubot account"


async def test_every_command_answers_privately_in_a_server_without_the_bot(discord, sandbox, people):
    erin, frank = stranger(discord, sandbox, "erin"), stranger(discord, sandbox, "frank", balance=5_00)
    await link_from_the_answer(discord, sandbox, erin, in_dm=True)
    server = discord.other_server("Erin's server", [erin.user, frank.user])
    answers = [
        await discord.run_command("help", by=erin.user, where=server),
        await discord.run_command("link-status", by=erin.user, where=server),
        await discord.run_command("balance", by=erin.user, where=server),
        await discord.run_command("history", by=erin.user, where=server),
        await discord.run_command("pay account", by=erin.user, where=server, amount="1", to="Treasury"),
    ]
    assert all(answer.ephemeral for answer in answers)
    assert answers[2].embed.field("Balance") == "**100t**"
    paying = await discord.run_command("pay user", by=erin.user, where=server, amount="2", to=frank.user)
    assert paying.embed.description == f"Pay **2t** to <@{frank.id}> (Frank)?"
    receipt = await discord.press(paying.last, "Confirm", by=erin.user)
    assert receipt.last.embed.title == "Payment sent"  # frank's "you were paid" DM can't arrive: that's fine
    assert sandbox.balance_of(frank.account_id) == 7_00
    form = await discord.run_user_command("Pay", by=erin.user, target=frank.user, where=server)
    assert form.modal.title == "Pay Frank"


async def test_in_the_dm_with_the_bot_paying_a_member_points_to_what_works(discord, sandbox, people):
    alice = people.member("alice")
    await people.link(alice)
    bot_user = discord.api.bot_user
    for target in (alice.user, bot_user):
        reply = await discord.run_command("pay user", by=alice.user, in_dm=True, amount="1", to=target)
        assert reply.ephemeral and reply.text == ONLY_US
        menu = await discord.run_user_command("Pay", by=alice.user, target=target, in_dm=True)
        assert menu.text == ONLY_US
    assert [r for r in sandbox.requests if r.path == "/api/transactions/"] == []


async def test_discord_offers_nothing_where_the_member_has_not_installed_the_bot(discord, people):
    alice, bob = people.member("alice"), people.member("bob")
    with pytest.raises(HarnessError, match="not installed for this member here"):
        await discord.run_command("balance", by=alice.user, where=discord.private_channel(alice.user, bob.user))
    with pytest.raises(HarnessError, match="not installed for this member here"):
        await discord.run_command("help", by=alice.user, where=discord.other_server("Elsewhere", [alice.user]))
