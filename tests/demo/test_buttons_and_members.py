"""Pressing buttons by name, switching member, and the grant page's part, as a person types them."""

import pytest

from .session import assert_in_order


@pytest.mark.parametrize("press", ["press Confirm", "press confirm", "PRESS CONFIRM", "press conf", "Press “Confirm”"])
async def test_a_button_is_pressed_by_its_name_in_any_case(demo, press):
    await demo.link()
    output = await demo.type("/pay user 5 @bob", press)
    assert_in_order(output, ["[Confirm] [Cancel]", f"alice> {press}\n", "┌ Payment sent", "@alice paid you 5t"])


@pytest.mark.parametrize("press", ["press i’ve granted access", "press I've granted access", "press granted"])
async def test_the_granted_button_with_any_apostrophe_or_a_part_of_its_name(demo, press):
    await demo.type("/link-account", "grant")
    output = await demo.type(press)
    assert "Linked to Alice (personal account). Try /balance." in output


async def test_a_part_of_two_labels_is_not_enough(demo):
    await demo.link()
    output = await demo.type("/pay user 5 @bob", "press c")
    assert "(No message on screen has a button labelled “c”. Buttons you can press now: “Confirm” and “Cancel”.)" \
        in output


async def test_press_alone_explains_itself_and_lists_the_buttons_on_screen(demo):
    output = await demo.type("press")
    assert "(press needs a button's name, like press Confirm. No message on screen has a button right now.)" in output
    await demo.type("/link-account")
    output = await demo.type("press")
    assert ("(press needs a button's name, like press Confirm. Buttons you can press now: “I've granted access” and "
            "“Cancel”.)") in output


async def test_a_missing_button_and_a_link_button(demo):
    output = await demo.type("press I've granted access")
    assert "(No message on screen has a button labelled “I've granted access”. No message on screen" in output
    await demo.link()
    output = await demo.type("press Confrim", "/pay user 5 @bob", "press Confrim", "press Open Taubot")
    assert_in_order(output, [
        "(No message on screen has a button labelled “Confrim”. No message on screen has a button right now.)",
        "[Confirm] [Cancel]",
        "(No message on screen has a button labelled “Confrim”. Did you mean “Confirm”? Buttons you can press now: "
        "“Confirm” and “Cancel”.)",
        "(No message on screen has a button labelled “Open Taubot”.",
    ])
    await demo.type("as carol", "/link-account")
    output = await demo.type("press open taubot")
    assert "(“Open Taubot” is a link, not a button the bot hears: open http://127.0.0.1:" in output


async def test_another_members_private_message_cannot_be_pressed(demo):
    await demo.link()
    output = await demo.type("/pay user 5 @bob", "as bob", "press Confirm", "as alice", "press Confirm")
    assert_in_order(output, [
        "│ Pay 5t to @bob (Bob)?",
        "bob> press Confirm\n(Only alice can see the message with “Confirm”; in Discord, bob wouldn't even see it. "
        "Switch with: as alice)",
        "alice> press Confirm\n── #general · only you can see this · edited\n   ┌ Payment sent",
    ])
    assert output.count("┌ Payment sent") == 1


@pytest.mark.parametrize("line", ["as dave", "as Dave", "AS @dave", "as 1004"])
async def test_as_switches_member(demo, line):
    output = await demo.type(line, "/link-status")
    assert_in_order(output, ["You are now dave (Discord ID 1004).", "dave> /link-status\n"])


async def test_as_explains_who_one_can_be(demo):
    output = await demo.type("as", "as dvae", "as taubot")
    assert_in_order(output, [
        "(as needs a member's name, like as bob. The members are alice, bob, carol and dave.)",
        "(There is no member called “dvae” here. Did you mean @dave? The members are @alice, @bob, @carol and "
        "@dave.)",
        "(You can't act as @taubot: it's the bot. Try as bob.)",
        "alice> ",
    ])


async def test_grant_for_a_member_with_an_account_ticks_the_boxes(demo):
    output = await demo.type("grant", "/link-account", "grant")
    assert_in_order(output, [
        "alice> grant\n(You have no link waiting. Run /link-account first.)",
        "[I've granted access] [Cancel]",
        "alice> grant\n(On Taubot's page, alice ticked VIEW BALANCE and TRANSFER FUNDS on their personal account "
        "“Alice” and set a spending limit of 1,000t. Now press “I've granted access”, or wait a few seconds for "
        "the bot to notice.)",
    ])


async def test_grant_for_a_member_without_an_account_says_what_the_page_shows_them(demo):
    output = await demo.type("as dave", "/link-account", "grant", "press I've granted access")
    assert_in_order(output, [
        "dave> grant\n(On Taubot's page, dave sees that they have no Taubot account, so there is nothing to tick; "
        "they submit the page anyway, granting nothing.",
        "Taubot says you don't have a personal account yet, so there is nothing to link.",
    ])
    assert "ticked" not in output


async def test_grant_after_taubot_forgot_the_link(demo):
    await demo.type("/link-account")
    demo.console.sandbox.restart()  # the real server forgets pending links when it restarts
    output = await demo.type("grant")
    assert ("(Taubot's page says this link is not valid: Taubot no longer knows it, for instance after a restart. "
            "Run /link-account again.)") in output
