"""/requests list in both directions with its buttons, Cancel, a payer whose DMs are closed, muting a requester,
and the limits against spam: 10 open requests per requester, and a cooldown on /request."""

from tests.cogs.pay.helpers import confirm, transfers
from tests.cogs.requests.helpers import ask, request_row


def request_dms(discord, person):
    return [dm for dm in discord.dms(person.user) if dm.embeds and dm.embed.title.startswith("Money request")]


async def test_the_list_shows_both_directions_and_cancel_closes_the_payers_dm(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    await ask(discord, alice, bob, "12.50", memo="Pizza")       # #1: Alice asks Bob
    await ask(discord, bob, alice, "4")                          # #2: Bob asks Alice
    bobs_dm = discord.dms(bob.user)[0]

    listed = await discord.run_command("requests list", by=alice.user)
    assert listed.ephemeral and listed.embed.title == "Your open money requests"
    assert listed.embed.field("Asked of you").startswith(f"#2 · **4t** from <@{bob.id}> · expires <t:")
    assert listed.embed.field("You asked").startswith(f"#1 · **12.50t** of <@{bob.id}> · “Pizza” · expires <t:")
    assert [b.label for b in listed.buttons] == ["Pay #2", "Decline #2", "Cancel #1"]

    cancelled = await discord.press(listed.last, "Cancel #1", by=alice.user)
    assert cancelled.text == f"Cancelled request #1. <@{bob.id}> can no longer pay it." and cancelled.ephemeral
    assert bobs_dm.embed.title == "Money request #1 · cancelled" and bobs_dm.buttons == []
    late = await discord.press(bobs_dm, "Pay", by=bob.user, as_shown_in=0)
    assert late.text.startswith("This request was cancelled <t:") and late.text.endswith(
        ", so there is nothing to pay. Nothing was sent.")
    again = await discord.press(listed.last, "Cancel #1", by=alice.user)
    assert again.text.startswith("This request was cancelled")

    paying = await discord.press(listed.last, "Pay #2", by=alice.user)  # from the list, like from the DM
    await confirm(discord, paying, alice)
    assert paying.last.embed.title == "Payment sent"
    assert (await request_row(discord, 2)).status.value == "paid"
    after = await discord.run_command("requests list", by=alice.user)
    assert after.text == "You have no open money requests, to you or from you. /request asks a member for money."


async def test_a_payer_with_closed_dms_finds_the_request_on_their_next_command(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    discord.close_dms(bob.user)
    reply = await ask(discord, alice, bob, "7")
    assert reply.text.startswith(f"I couldn't DM <@{bob.id}>, so they'll see your request the next time they use "
                                 "me (and in /requests list): **7t** into Alice (request #1).")
    assert discord.dms(bob.user) == []
    listed = await discord.run_command("requests list", by=bob.user)
    notice = listed.followups[-1]
    assert notice.ephemeral and notice.content.startswith(f"<@{alice.id}> asks you to pay 7t into Alice (request "
                                                          "#1, expires <t:")
    assert notice.content.endswith("). Run /requests list to pay or decline it.")
    paying = await discord.press(listed.messages[0], "Pay #1", by=bob.user)
    await confirm(discord, paying, bob)
    assert paying.last.embed.title == "Payment sent"
    assert discord.last_dm(alice.user).content == f"<@{bob.id}> paid your request #1: 7t into Alice on Taubot."


async def test_a_muted_requester_is_told_and_unmuting_lets_them_ask_again(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    await ask(discord, alice, bob, "1")
    muted = await discord.press(discord.last_dm(bob.user), "Mute requests from them", by=bob.user)
    assert muted.text == (f"Muted: <@{alice.id}> can't send you money requests any more (their open ones stay until "
                          "they expire). /requests unmute undoes this.")
    refused = await ask(discord, alice, bob, "2")
    assert refused.text == f"<@{bob.id}> isn't taking money requests from you, so nothing was sent."
    assert len(request_dms(discord, bob)) == 1
    again = await discord.run_command("requests mute", by=bob.user, member=alice.user)
    assert again.text == f"You had already muted <@{alice.id}>'s money requests."
    unmuted = await discord.run_command("requests unmute", by=bob.user, member=alice.user)
    assert unmuted.text == f"Unmuted: <@{alice.id}> can send you money requests again."
    await ask(discord, alice, bob, "2")
    assert len(request_dms(discord, bob)) == 2


async def test_ten_open_requests_at_most_and_a_cooldown_on_request(discord, sandbox, alice_and_bob, people,
                                                                   make_bot):
    alice, _ = alice_and_bob
    payers = [people.member(f"payer{n}", balance=None) for n in range(11)]
    for payer in payers[:5]:
        assert (await ask(discord, alice, payer, "1")).text.startswith("I've sent")
    paused = await ask(discord, alice, payers[5], "1")
    assert paused.text == ("You've run /request many times in a short while, so I'm pausing it for you. Try again "
                           "in 5 minutes.")
    await discord.restart(make_bot)  # the cooldown lives in the process; the limit in the database
    for payer in payers[5:10]:
        assert (await ask(discord, alice, payer, "1")).text.startswith("I've sent")
    await discord.restart(make_bot)
    eleventh = await ask(discord, alice, payers[10], "1")
    assert eleventh.text == ("You already have 10 open requests, the most you can have at once. Nothing was sent. "
                             "Cancel one with /requests list, or wait until one is paid, declined or expires.")
    assert discord.dms(payers[10].user) == [] and discord.dms(payers[5].user) != []
    listed = await discord.run_command("requests list", by=alice.user)
    assert [b.label for b in listed.buttons] == [f"Cancel #{n}" for n in range(1, 11)]
    assert transfers(sandbox) == []
