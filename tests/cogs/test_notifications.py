"""/notifications: a member turns this bot's "X paid you" DMs off and on (they are on until then), with or
without a link of their own; the payer's receipt never tells which."""

from tests.cogs.pay.helpers import confirm, link_directly

ON_NOW = ("You get a DM from me when someone pays you through me. Turn these off with /notifications paid-you:off. "
          "(Taubot itself may DM account owners too; that is Taubot's own setting.)")
TURNED_OFF = ("I won't DM you any more when someone pays you through me. Turn these back on with /notifications "
              "paid-you:on. (Taubot itself may DM account owners too; that is Taubot's own setting.)")
OFF_NOW = ("You don't get a DM from me when someone pays you through me. Turn these back on with /notifications "
           "paid-you:on. (Taubot itself may DM account owners too; that is Taubot's own setting.)")
TURNED_ON = ("I'll DM you when someone pays you through me. Turn these off with /notifications paid-you:off. "
             "(Taubot itself may DM account owners too; that is Taubot's own setting.)")


def paid_you_dms(discord, person) -> list[str]:
    """The "X paid you" DMs the bot sent `person` (not its answers to commands they ran in its DM)."""
    return [m.content for m in discord.dms(person.user) if " paid you " in m.content]


async def pay(discord, payer, to, amount: str):
    reply = await discord.run_command("pay user", by=payer.user, amount=amount, to=to.user)
    await confirm(discord, reply, payer)
    assert reply.last.embed.title == "Payment sent"
    return reply.last


async def test_paid_you_dms_are_on_until_the_member_turns_them_off_and_back_on(discord, sandbox, people, make_bot):
    alice, bob = people.member("alice"), people.member("bob")  # Bob never links: he is only paid
    await link_directly(discord, sandbox, alice)

    shown = await discord.run_command("notifications", by=bob.user)
    assert shown.ephemeral and shown.text == ON_NOW
    await pay(discord, alice, bob, "1")
    assert discord.last_dm(bob.user).content == f"<@{alice.id}> paid you 1t on Taubot."

    turned_off = await discord.run_command("notifications", by=bob.user, **{"paid-you": "off"})
    assert turned_off.ephemeral and turned_off.text == TURNED_OFF
    dms = len(paid_you_dms(discord, bob))
    receipt = await pay(discord, alice, bob, "2")
    assert len(paid_you_dms(discord, bob)) == dms  # no DM to Bob
    assert "DM" not in receipt.text and "notification" not in receipt.text  # Alice isn't told he turned them off
    assert sandbox.balance_of(bob.account_id) == 100_00 + 3_00  # the payments themselves went through

    await discord.restart(make_bot)  # the choice is kept
    shown = await discord.run_command("notifications", by=bob.user, in_dm=True)
    assert shown.text == OFF_NOW
    await pay(discord, alice, bob, "3")
    assert len(paid_you_dms(discord, bob)) == dms

    turned_on = await discord.run_command("notifications", by=bob.user, **{"paid-you": "on"})
    assert turned_on.text == TURNED_ON
    await pay(discord, alice, bob, "4")
    assert paid_you_dms(discord, bob)[dms:] == [f"<@{alice.id}> paid you 4t on Taubot."]
    assert (await discord.run_command("notifications", by=bob.user)).text == ON_NOW


async def test_one_members_choice_is_theirs_alone(discord, sandbox, people):
    alice, bob, carol = people.member("alice"), people.member("bob"), people.member("carol")
    await link_directly(discord, sandbox, alice)
    await discord.run_command("notifications", by=bob.user, **{"paid-you": "off"})
    await pay(discord, alice, bob, "1")
    await pay(discord, alice, carol, "1")
    assert discord.dms(bob.user) == []
    assert discord.last_dm(carol.user).content == f"<@{alice.id}> paid you 1t on Taubot."
