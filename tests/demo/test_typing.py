"""What a person types after a slash command: options in any order, names without quotes, members by name,
any case; and a one-line explanation, in a member's words, for anything Discord would not send."""

import pytest

from .session import assert_in_order

CONFIRM_BOB = "│ Pay 5t to @bob (Bob)?"
CONFIRM_TREASURY = "│ Pay 5t to Treasury (government account)?"


async def test_a_name_with_a_hash_and_a_question_mark_needs_no_quotes(demo):
    await demo.link()
    output = await demo.type("/balance account:Café #1?", "/balance Café #1?")
    assert output.count("┌ Café #1?\n   │ Corporation") == 2, output  # the account called exactly that


async def test_an_apostrophe_is_part_of_a_name(demo):
    await demo.link()
    output = await demo.type("/pay account 5 to:Bob's")
    assert "Taubot has no account called “Bob's”." in output


@pytest.mark.parametrize("line, expected", [
    ("/pay user amount:5 to:@bob", CONFIRM_BOB),
    ("/pay user to:@bob amount:5", CONFIRM_BOB),
    ("/pay user @bob 5", CONFIRM_BOB),
    ("/pay user 5 @bob", CONFIRM_BOB),
    ("/pay user 5 bob", CONFIRM_BOB),
    ("/pay user amount:5 to:Bob", CONFIRM_BOB),
    ("/pay user 5 <@1002>", CONFIRM_BOB),
    ("/PAY User Amount:5 To:@BOB", CONFIRM_BOB),
    ("/pay account 5 to:Treasury", CONFIRM_TREASURY),
    ("/pay account to:Treasury amount:5", CONFIRM_TREASURY),
    ("/pay account 5 Treasury", CONFIRM_TREASURY),
    ('/pay account 5 "Treasury"', CONFIRM_TREASURY),
    ('/pay account 5 to:"Treasury"', CONFIRM_TREASURY),
    ("/pay account amount: 5 to: Treasury", CONFIRM_TREASURY),
])
async def test_options_in_any_order_and_members_by_any_name(demo, line, expected):
    await demo.link()
    output = await demo.type(line)
    assert_in_order(output, [f"alice> {line}\n", expected, "[Confirm] [Cancel]"])


async def test_a_name_with_spaces_runs_to_the_next_option(demo):
    await demo.link()
    output = await demo.type("/pay account to:Lemonade Stand amount:5", "/pay account 5 Lemonade Stand",
                             '/pay account 5 to:"Lemonade Stand"', "/pay account 5 to:“Lemonade Stand”")
    # Two accounts share the name, so Taubot's look-up fails: what matters is the whole name reached it.
    assert output.count("Taubot failed to look up “Lemonade Stand”.") == 4, output


@pytest.mark.parametrize("line, explanation", [
    ("/", "(Type a command after the /: /link-account, /unlink-account, /link-status, /balance, /pay, /history, "
          "/notifications, /request, /requests and /help. help explains each.)"),
    ("/link-status extra", "(/link-status takes no options; type just /link-status.)"),
    ("/link-status account:Treasury", "(/link-status takes no options; type just /link-status.)"),
    ("/balance to:@bob", "(/balance has no option “to”. It takes: account — An account's exact name (leave "
                           "empty for your own).)"),
    ("/balance @bob", "(/balance doesn't take a member, so “@bob” has no place. It takes: account — "),
    ("/pay user amout:5 @bob", "(/pay user has no option “amout”. Did you mean amount:? It takes: amount — How "
                               "much, e.g. 12.50; to — The member to pay"),
    ("/pay", "(/pay needs one of: /pay user or /pay account.)"),
    ("/pay 5 @bob", "(/pay has no “5”; it has user or account.)"),
    ("/pay user", "(/pay user needs amount (How much, e.g. 12.50). Type it like: /pay user amount to [memo] "
                  "[from])"),
    ("/pay user @bob", "(/pay user needs amount (How much, e.g. 12.50)."),
    ("/pay user 5", "(/pay user needs to (The member to pay)."),
    ("/pay user 5 @zed", "(There is no member called “zed” here. The members are @alice, @bob, @carol and @dave.)"),
    ("/pay user 5 @dvae", "(There is no member called “dvae” here. Did you mean @dave? The members are"),
    ("/pay user 5 @bob @carol", "(/pay user takes one member, so “@carol” has no place."),
    ("/pay user amount:5 amount:6 @bob", "(amount is given twice; keep one, e.g. amount:6)"),
    ("/pay user amount: @bob", "(amount: has nothing after it. Write the value right after the colon, like "
                               "amount:12.50.)"),
    ("/pay account 5 @bob", "(/pay account doesn't take a member, so “@bob” has no place."),
    ("/balance account:", "(account: has nothing after it. Write the value right after the colon, or leave "
                          "account out.)"),
    ("/history limit:abc", "(limit takes a whole number, like limit:10; “abc” is not one.)"),
    ("/history limit:500", "(limit goes from 1 to 100; 500 is outside that, so Discord wouldn't send it.)"),
    ("/history export:maybe", "(export takes yes or no; “maybe” is neither.)"),
    ("/help lots", "(/help takes no options; type just /help.)"),
    ("/balnce", "(There is no /balnce. Did you mean /balance? The commands are /link-account, /unlink-account, "
                "/link-status, /balance, /pay, /history, /notifications, /request, /requests and /help.)"),
    ("/frobnicate", "(There is no /frobnicate. The commands are /link-account,"),
    ('/pay account 5 to:"Lemonade', '(That line has a " without its closing ". Close the quote, or leave the '
                                    "quotes out: account:Lemonade Stand works as it is.)"),
])
async def test_what_discord_would_not_send_is_explained_in_one_line(demo, line, explanation):
    output = await demo.type(line)
    assert_in_order(output, [f"alice> {line}\n", explanation])
    assert "──" not in output, "nothing reaches the bot"


async def test_yes_no_and_number_options_by_position_or_by_name(demo):
    await demo.link()
    await demo.type("/pay user 5 @bob", "press confirm")
    output = await demo.type("/history 5 yes", "/history export", "/history limit:1 export:no")
    assert output.count("📎 taubot-history.csv") == 2, output
    assert "Page 1 of 1" in output


async def test_commands_and_console_words_in_any_case(demo):
    output = await demo.type("HELP", "/BALANCE", "/Link-Status", "Accounts")
    assert_in_order(output, [
        "alice> HELP\nType what a member would do in Discord:",
        "alice> /BALANCE\n── #general · only you can see this\n   You haven't linked a Taubot account yet.",
        "alice> /Link-Status\n── #general",
        "alice> Accounts\nAccounts in the local Taubot",
    ])


@pytest.mark.parametrize("line, answer", [
    ("xyzzy", "(The demo doesn't know “xyzzy”. You can type /link-account, /unlink-account, /link-status, "
              "/balance, /pay, /history, /notifications, /request, /requests, /help, pay @MEMBER, help, as, grant, "
              "press, dms, accounts, show or quit.)"),
    ("hello", "(The demo doesn't know “hello”. Did you mean help?"),
    ("grnat", "(The demo doesn't know “grnat”. Did you mean grant? You can type /link-account,"),
    ("pres Confirm", "(The demo doesn't know “pres”. Did you mean press?"),
    ("balance", "(Slash commands start with /: did you mean /balance?)"),
    ("histroy", "(The demo doesn't know “histroy”. Did you mean /history?"),
])
async def test_unknown_input_is_answered_with_the_likely_command_and_the_list(demo, line, answer):
    output = await demo.type(line)
    assert_in_order(output, [f"alice> {line}\n", answer])


async def test_help_for_one_command_comes_from_the_bot(demo):
    output = await demo.type("help /pay", "help history", "help /nothing")
    assert_in_order(output, [
        "/pay user amount to [memo] [from] — Pay a member (into their personal account)",
        "  amount  How much, e.g. 12.50 (required)",
        "  to      The member to pay (required)",
        "  memo    A note for the recipient, up to 200 characters",
        "  from    Which of your linked accounts pays (default: your personal account)",
        "Options go in any order",
        "/pay account amount to [memo] [from] — Pay an account by its name, e.g. a government or a company",
        "  to      The account's exact name (required)",
        "/history [limit] [export] [account] — Show your recent Taubot transactions",
        "(There is no /nothing.",
    ])
