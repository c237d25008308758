"""Share on a paid receipt: a public, non-pinging copy posted in the channel where the payer presses it, read
from the journal (so it works after a restart), with the memo only when the payer picks "Share with memo".
Refused with a sentence, posting nothing: someone else's receipt, a payment that is not paid (no button, and a
crafted press), the DM with the bot, a server or group chat the bot is not in, a channel where it may not post.
Sharing again updates the one copy."""

import pytest

from storage import PaymentStatus
from tests.cogs.pay.helpers import confirm, confirm_while_sending

SHARE, WITH_MEMO = "Share", "Share with memo"
ONLY_PAID = ("Only a payment Taubot's log shows as paid can be shared, and this one isn't (its receipt says what "
             "became of it). Nothing was posted.")
NOT_YOURS = "Only the member who made this payment can share its receipt. Nothing was posted."


@pytest.fixture
def alice_and_bob(directly_linked):
    return directly_linked


async def paid(discord, payer, command="pay user", *, where=None, in_dm=False, **options):
    """A /pay that went through; its receipt."""
    reply = await discord.run_command(command, by=payer.user, where=where, in_dm=in_dm, **options)
    await confirm(discord, reply, payer)
    assert reply.last.embed.title == "Payment sent", reply.last.text
    return reply.last


async def test_share_posts_a_public_copy_that_pings_nobody_and_leaves_the_memo_out(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    receipt = await paid(discord, alice, amount="12.50", to=bob.user, memo="rent for **May**")
    assert [button.label for button in receipt.buttons] == [SHARE, WITH_MEMO]

    shared = await discord.press(receipt, SHARE, by=alice.user)
    (post,) = discord.posts()
    assert not post.ephemeral and post.channel_id == discord.guild.channel_id
    assert post.data["allowed_mentions"] == {"parse": []}  # nobody is pinged, whatever the text holds
    assert post.content == ""
    assert post.embed.title == "Payment"
    assert post.embed.description == f"<@{alice.id}> paid **12.50t** to <@{bob.id}> (Bob)"
    assert post.embed.fields == []  # no memo: the payer chose Share, not Share with memo
    (row,) = await discord.bot.storage.payments.recent_for_payer(alice.id)
    assert post.embed.footer == f"Payment #{row.id}, as Taubot's log shows it"
    link = f"https://discord.com/channels/{discord.guild.id}/{discord.guild.channel_id}/{post.id}"
    assert shared.ephemeral and shared.text == f"Shared in this channel, without the memo: {link}"


async def test_share_with_memo_and_sharing_again_update_the_one_copy(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    receipt = await paid(discord, alice, amount="3", to=bob.user, memo="rent for **May**")
    shared = await discord.press(receipt, WITH_MEMO, by=alice.user)
    (post,) = discord.posts()
    link = f"https://discord.com/channels/{discord.guild.id}/{discord.guild.channel_id}/{post.id}"
    assert shared.text == f"Shared in this channel, with the memo: {link}"
    assert post.embed.field("Memo") == "“rent for \\*\\*May\\*\\*”"  # shown as typed, never as formatting

    again = await discord.press(receipt, SHARE, by=alice.user)  # the payer takes the memo back
    assert again.text == f"You shared this receipt already: {link} I've taken the memo off it."
    assert discord.posts() == [post] and post.embed.fields == []
    assert post.data["allowed_mentions"] == {"parse": []}
    once_more = await discord.press(receipt, SHARE, by=alice.user)
    assert once_more.text == f"You shared this receipt already: {link}"
    assert discord.posts() == [post]


async def test_names_in_the_copy_are_escaped_and_a_company_payment_says_which_account_paid(discord, sandbox,
                                                                                           people, alice_and_bob):
    alice, _ = alice_and_bob
    sandbox.create_account("*Stars*_Ltd", account_type="CORPORATION", balance=0)
    receipt = await paid(discord, alice, "pay account", amount="1", to="*Stars*_Ltd")
    await discord.press(receipt, SHARE, by=alice.user)
    (post,) = discord.posts()
    assert post.embed.description == f"<@{alice.id}> paid **1t** to \\*Stars\\*\\_Ltd"

    acme = sandbox.create_account("Acme Ltd", owner_id=alice.id, account_type="CORPORATION", balance=10_00)
    await discord.bot.storage.grant_keys.put(
        alice.id, sandbox.issue_grant_key(alice.id, account_id=acme.account_id), account_id=acme.account_id,
        account_name="Acme Ltd", account_type="CORPORATION", balance_visible=True)
    receipt = await paid(discord, alice, "pay account", amount="2", to="Treasury", **{"from": "Acme Ltd"})
    await discord.press(receipt, SHARE, by=alice.user)
    post = discord.posts()[-1]
    assert post.embed.description == f"<@{alice.id}> paid **2t** to Treasury"
    assert post.embed.field("From") == "Acme Ltd"


async def test_sharing_works_after_a_restart_from_the_journal(discord, sandbox, alice_and_bob, make_bot):
    alice, bob = alice_and_bob
    receipt = await paid(discord, alice, amount="5", to=bob.user, memo="lunch")
    await discord.restart(make_bot)
    shared = await discord.press(receipt, WITH_MEMO, by=alice.user)
    (post,) = discord.posts()
    assert shared.text.startswith("Shared in this channel, with the memo: https://discord.com/channels/")
    assert post.embed.description == f"<@{alice.id}> paid **5t** to <@{bob.id}> (Bob)"
    assert post.embed.field("Memo") == "“lunch”"


async def test_only_the_payer_shares_and_only_a_paid_payment(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    receipt = await paid(discord, alice, amount="1", to=bob.user)
    assert [button.label for button in receipt.buttons] == [SHARE]  # no memo, nothing to choose
    intruder = await discord.press(receipt, SHARE, by=bob.user)
    assert intruder.ephemeral and intruder.text == NOT_YOURS

    refused = await discord.run_command("pay user", by=alice.user, amount="60", to=bob.user)
    await confirm_while_sending(discord, sandbox, refused, alice, lambda: sandbox.set_balance(alice.account_id, 1))
    assert refused.last.embed.title == "Payment refused" and refused.last.buttons == []
    sandbox.set_balance(alice.account_id, 100_00)
    unknown = await discord.run_command("pay user", by=alice.user, amount="2", to=bob.user)
    sandbox.drop_next(sandbox.route("transfer"))
    await confirm(discord, unknown, alice)
    assert unknown.last.embed.title == "Payment outcome unknown" and unknown.last.buttons == []

    rows = {row.status: row for row in await discord.bot.storage.payments.recent_for_payer(alice.id)}
    paid_row = rows[PaymentStatus.PAID]
    for status in (PaymentStatus.FAILED, PaymentStatus.UNKNOWN):  # what a modified client could still send
        crafted = await discord.press_custom_id(receipt, f"pay:share:{alice.id}:{rows[status].id}", by=alice.user)
        assert crafted.ephemeral and crafted.text == ONLY_PAID
    crafted = await discord.press_custom_id(receipt, f"pay:share:{alice.id}:999999", by=alice.user)
    assert crafted.text == ONLY_PAID
    crafted = await discord.press_custom_id(receipt, f"pay:share-memo:{bob.id}:{paid_row.id}", by=bob.user)
    assert crafted.text == NOT_YOURS
    assert discord.posts() == []


async def test_no_share_where_the_bot_may_not_post(discord, sandbox, people, alice_and_bob):
    alice, bob = alice_and_bob
    receipt = await paid(discord, alice, amount="1", to=bob.user)
    discord.forbid_posting()  # the server's moderators took Send Messages from the bot in this channel
    refused = await discord.press(receipt, SHARE, by=alice.user)
    assert refused.ephemeral and refused.text == (
        "I'm not allowed to post in this channel (I need Send Messages and Embed Links here). Nothing was posted.")

    in_our_dm = await paid(discord, alice, "pay account", amount="1", to="Treasury", in_dm=True)
    refused = await discord.press(in_our_dm, SHARE, by=alice.user)
    assert refused.ephemeral and refused.text == (
        "Here, in our DM, nobody else would see it. To show a payment, pay in a server channel I'm in and press "
        "Share on its receipt there. Nothing was posted.")

    discord.install_for(alice.user)
    group_dm = discord.private_channel(alice.user, bob.user)
    in_a_group = await paid(discord, alice, amount="1", to=bob.user, where=group_dm)
    refused = await discord.press(in_a_group, SHARE, by=alice.user)
    assert refused.text == ("I can't post in this chat: I'm not in it (you use me here through your own account). "
                            "Nothing was posted.")
    elsewhere = discord.other_server("Elsewhere", [alice.user, bob.user])
    in_another_server = await paid(discord, alice, amount="1", to=bob.user, where=elsewhere)
    refused = await discord.press(in_another_server, SHARE, by=alice.user)
    assert refused.text == ("I can't post in this server: I wasn't added to it (you use me here through your own "
                            "account). Nothing was posted.")
    assert discord.posts() == []


async def test_a_copy_discord_refused_or_a_moderator_deleted_can_be_shared_again(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    receipt = await paid(discord, alice, amount="1", to=bob.user)
    discord.fail_next("send_message", status=403, code=50013, message="Missing Permissions")
    refused = await discord.press(receipt, SHARE, by=alice.user)
    assert refused.text == ("I'm not allowed to post in this channel (I need Send Messages and Embed Links here). "
                            "Nothing was posted.")
    discord.fail_next("send_message", status=404, code=10003, message="Unknown Channel")  # (5xx are retried)
    failed = await discord.press(receipt, SHARE, by=alice.user)
    assert failed.text == "Discord didn't take the message, so nothing was posted. Try again in a minute."
    assert discord.posts() == []

    shared = await discord.press(receipt, SHARE, by=alice.user)  # neither left a claim behind
    (post,) = discord.posts()
    assert shared.text.endswith(f"/{post.id}")
    post.deleted = True  # a moderator deleted it
    again = await discord.press(receipt, SHARE, by=alice.user)
    (new_post,) = discord.posts()
    assert new_post.id != post.id and again.text.startswith("Shared in this channel: ")
