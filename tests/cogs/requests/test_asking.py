"""/request: the payer gets a DM with the request and its Pay, Decline and Mute buttons (or, with closed DMs, a
notice on their next command), the requester a private confirmation saying where it went; Decline tells the
requester. Bad input is refused with one sentence, and nothing is stored or sent."""

from datetime import timedelta

from tests.cogs.requests.helpers import ask, request_id_of, request_row


async def test_the_payer_gets_a_dm_with_the_request_and_its_buttons(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    reply = await ask(discord, alice, bob, "12.50", memo="Pizza on Friday")
    dm = discord.last_dm(bob.user)
    request = await request_row(discord, request_id_of(dm))
    expires = int(request.expires_at.timestamp())
    assert reply.ephemeral
    assert reply.text == (f"I've sent <@{bob.id}> a DM with your request: **12.50t** into Alice (request "
                          f"#{request.id}). It expires <t:{expires}:R>; /requests list shows it, and lets you cancel "
                          "it.")
    assert dm.embed.title == f"Money request #{request.id}"
    assert dm.embed.description == f"<@{alice.id}> asks you to pay **12.50t** into Alice."
    assert dm.embed.field("Memo") == "“Pizza on Friday”"
    assert dm.embed.field("Expires") == f"<t:{expires}:f> (<t:{expires}:R>)"
    assert dm.embed.footer == "Pay shows a confirmation first: nothing is sent until you press Confirm."
    assert [(b.label, b.style) for b in dm.buttons] == [("Pay", "success"), ("Decline", "danger"),
                                                         ("Mute requests from them", "secondary")]
    assert (request.amount, request.memo, request.to_account_id) == (12_50, "Pizza on Friday", alice.account_id)
    assert abs(request.expires_at - request.created_at - timedelta(days=7)) < timedelta(seconds=1)
    assert (request.dm_channel_id, request.dm_message_id) == (dm.channel_id, dm.id)
    assert sandbox.requests == []  # asking costs Taubot nothing


async def test_decline_tells_the_requester_and_closes_the_dm(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    await ask(discord, alice, bob, "3")
    dm = discord.last_dm(bob.user)
    declined = await discord.press(dm, "Decline", by=bob.user)
    assert declined.ephemeral
    assert declined.text == f"Declined. I've told <@{alice.id}>. Nothing was sent."
    assert dm.embed.title == f"Money request #{request_id_of(dm)} · declined" and dm.buttons == []
    assert discord.last_dm(alice.user).content == f"<@{bob.id}> declined your request #{request_id_of(dm)} for 3t."
    again = await discord.press(dm, "Pay", by=bob.user, as_shown_in=0)
    assert again.text.startswith("This request was declined <t:") and again.text.endswith(
        ", so it can't be paid or cancelled any more. Nothing was sent.")
    assert sandbox.requests == []
