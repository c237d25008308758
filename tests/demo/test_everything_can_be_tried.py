"""Everything the bot does can be tried in the demo: the CSV export, the Apps → Pay form, the accounts there
are, and every member."""

import io
from pathlib import Path

from demo.console import open_demo
from demo.terminal import Terminal

from .session import Session, assert_in_order


async def test_the_history_csv_is_written_to_a_file_and_its_first_rows_shown(demo):
    await demo.link()
    await demo.type("/pay user 5 @bob", "press confirm", "/pay account 2 Treasury", "press confirm")
    output = await demo.type("/history export:yes")
    assert_in_order(output, [
        "📎 taubot-history.csv (",
        "   saved as ",
        "taubot-history.csv (deleted when the demo ends; show csv prints it all)",
        "   │ time_utc,direction,amount,currency,counterparty,counterparty_account_id,memo",
        ",sent,2.00,t,Treasury,",
        ",sent,5.00,t,Bob,",
    ])
    path = Path(output.split("   saved as ")[1].split(" (deleted")[0])
    assert first_line(path) == "time_utc,direction,amount,currency,counterparty,counterparty_account_id,memo"
    assert path.parent == demo.console.files.folder  # next to the demo's temporary database
    shown = await demo.type("show csv")
    assert_in_order(shown, [f"alice> show csv\n{path}:\n", "   │ time_utc,direction", ",sent,5.00,t,Bob,"])


async def test_a_second_export_does_not_overwrite_the_first(demo):
    await demo.link()
    output = await demo.type("/history export:yes", "/history limit:1 export:yes", "show", "show nothing.txt")
    assert_in_order(output, ["taubot-history.csv (deleted", "taubot-history-2.csv (deleted",
                             "taubot-history-2.csv:",
                             "(The bot hasn't attached such a file yet; /history export:yes attaches your history "
                             "as a CSV file.)"])


async def test_show_before_any_file(demo):
    output = await demo.type("show csv")
    assert ("(The bot hasn't attached such a file yet; /history export:yes attaches your history as a CSV file.)"
            in output)


async def test_apps_pay_asks_the_amount_in_a_form(demo):
    await demo.link()
    output = await demo.type("pay @bob", "5", "for lunch", "press confirm")
    assert_in_order(output, [
        "alice> pay @bob\n(The bot opened a form, “Pay Bob”. Type each field and press Enter; cancel closes the form "
        "without sending anything.)",
        "\nPay Bob · Amount (e.g. 12.50)> 5\n",
        "Pay Bob · Memo (optional, Enter to skip, e.g. What it's for)> for lunch\n",
        "│ Pay 5t to @bob (Bob)?",
        "│ Memo: “for lunch”",
        "alice> press confirm\n",
        "┌ Payment sent",
        "── DM to bob\n   @alice paid you 5t on Taubot: “for lunch”",
    ])


async def test_the_form_explains_a_wrong_answer_and_can_be_closed(demo):
    await demo.link()
    output = await demo.type("Pay Bob", "", "x" * 40, "five", "", "pay carol", "cancel", "/balance")
    assert_in_order(output, [
        "Pay Bob · Amount (e.g. 12.50)> \n(Amount is required: type it, or cancel to close the form.)",
        "Pay Bob · Amount (e.g. 12.50)> " + "x" * 40 + "\n(Amount takes 1–32 characters; that was 40.)",
        "Pay Bob · Amount (e.g. 12.50)> five\n",
        "Pay Bob · Memo (optional, Enter to skip, e.g. What it's for)> \n",
        "“five” isn't an amount. Write it like 12.50 or 1,234.56.",  # the bot's own answer to the form
        "alice> pay carol\n(The bot opened a form, “Pay Carol”.",
        "Pay Carol · Amount (e.g. 12.50)> cancel\n(You closed the form; nothing was sent to the bot.)",
        "alice> /balance\n",
        "│ Balance: 250t",
    ])


async def test_apps_pay_needs_exactly_a_member(demo):
    output = await demo.type("pay", "pay @bob 5", "pay @zed", "pay @taubot", "pay @alice")
    assert_in_order(output, [
        "alice> pay\n(pay takes just a member, like pay @bob (right-click them → Apps → Pay); the bot then asks the "
        "rest, or /pay user in one line.)",
        "alice> pay @bob 5\n(pay takes just a member",
        "alice> pay @zed\n(There is no member called “zed” here.",
        "alice> pay @taubot\n── #general · only you can see this\n   Bots don't have Taubot accounts.",
        "alice> pay @alice\n── #general · only you can see this\n   You can't pay yourself.",
    ])


async def test_accounts_lists_what_the_local_taubot_holds_and_the_members(demo):
    await demo.link()
    await demo.type("/pay user 5 @bob", "press confirm")
    output = await demo.type("accounts")
    assert_in_order(output, [
        "Accounts in the local Taubot (what Taubot holds, whatever the bot may see):",
        "  Alice           personal account of @alice        245t",
        "  Bob             personal account of @bob           85t",
        "  Lemonade Stand  corporation, owned by @bob         20t",
        "  Treasury        government                  1,000,000t",
        "  Café #1?        corporation                       500t",
        "Members: @alice (you, Discord ID 1001), @bob (Discord ID 1002), @carol (Discord ID 1003) and @dave "
        "(Discord ID 1004, no Taubot account). Switch with: as NAME",
        "More than one account is called “Lemonade Stand”",
    ])


async def test_the_files_go_when_the_demo_ends():
    async with open_demo(Terminal(io.StringIO(), echo_input=True)) as console:
        demo = Session(console, console.terminal.out)
        await demo.link()
        assert "saved as" in await demo.type("/history export:yes")
        folder = console.files.folder
        assert (folder / "taubot-history.csv").exists()
    assert not folder.exists()


def first_line(path: Path) -> str:
    return path.read_text(encoding="utf-8").splitlines()[0]
