"""`python bot.py demo` works on a fresh clone with no configuration: a member links, checks the balance and
pays someone, typing into the console exactly what they would do in Discord; piped in, the transcript reads
like the session a person would see."""

import asyncio
import io
import os
import sys
from pathlib import Path

import discord as discord_py

from demo.dispatch import DemoConsole

from .session import Session, assert_in_order, assert_plain_words

REPO = Path(__file__).resolve().parents[2]
SESSION = """/balance
/link-account
grant
press I've granted access
/balance
/pay user 5 @bob
press confirm
/pay user 1,000,000 @bob
/balance account:Café #1?
/history export:yes
as dave
/pay user 1 @alice
quit
"""


async def run_demo_session(session: str, folder: Path, *options: str) -> tuple[str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(REPO / "bot.py"), "--env-file", str(folder / "none.env"), "demo", *options,
        env={"PATH": os.environ.get("PATH", "")}, cwd=folder,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(process.communicate(session.encode()), timeout=60)
    assert process.returncode == 0, stderr.decode()
    assert "Traceback" not in stdout.decode() + stderr.decode()
    return stdout.decode(), stderr.decode()


async def test_a_whole_session_in_the_demo_console(tmp_path):
    output, stderr = await run_demo_session(SESSION, tmp_path)
    assert_in_order(output, [
        "alice> /balance\n── #general · only you can see this\n"
        "   You haven't linked a Taubot account yet. Run /link-account to link one.",
        "alice> /link-account\n",
        "── DM to alice",
        "[Open Taubot ↗ http://127.0.0.1:",
        "alice> grant\n(On Taubot's page, alice ticked VIEW BALANCE and TRANSFER FUNDS",
        "alice> press I've granted access\n",
        "Linked to Alice (personal account). Try /balance.",
        "alice> /balance\n",
        "│ Balance: 250t",
        "alice> /pay user 5 @bob\n",
        "│ Pay 5t to @bob (Bob)?",
        "[Confirm] [Cancel]",
        "alice> press confirm\n",
        "┌ Payment sent",
        "@alice paid you 5t on Taubot.",
        "You have 245t, which is not enough to pay 1,000,000t.",
        "alice> /balance account:Café #1?\n",
        "┌ Café #1?",
        "Sent 5t to @bob (Bob)",
        "📎 taubot-history.csv",
        "   │ time_utc,direction,amount,currency,counterparty,counterparty_account_id,memo",
        "alice> as dave\nYou are now dave",
        "dave> /pay user 1 @alice\n",
        "You haven't linked a Taubot account yet.",
        "dave> quit\n",
    ])
    assert_plain_words(output)
    assert not list(tmp_path.iterdir()), "the demo must leave nothing behind"
    assert "is not installed" not in stderr, stderr  # discord.py's voice warnings mean nothing in the demo


async def test_the_demo_speaks_v21_when_asked(tmp_path):
    output, _ = await run_demo_session(SESSION, tmp_path, "--dialect", "v2.1")
    assert_in_order(output, [
        "Taubot demo: a local Taubot v2.1 sandbox at http://127.0.0.1:",
        "alice> /link-account\n",
        "2. Pick your personal account (not another account you may act for).",
        "alice> grant\n(On Taubot's page, alice picked their personal account “Alice”",
        "Linked to Alice (personal account). Try /balance.",
        "│ Balance: 250t",
        "┌ Payment sent",
        "Sent 5t to @bob (Bob)",
        "dave> quit\n",
    ])
    assert_plain_words(output)


async def test_the_end_of_the_input_ends_the_demo_on_a_fresh_line(tmp_path):
    output, _ = await run_demo_session("/link-status\n", tmp_path)
    assert output.endswith("\nalice> \n")


def quiet_console(discord, sandbox, tmp_path) -> tuple[DemoConsole, io.StringIO]:
    session = Session.on(discord, sandbox, tmp_path, {"alice": 1001, "bob": 1002})
    return session.console, session.out


async def alice_gets_a_dm(discord, console: DemoConsole) -> None:
    """As the link poller would, between two commands."""
    channel = await discord.bot.create_dm(discord_py.Object(id=console.members.people["alice"].id))
    await channel.send("Your link is ready.")


async def test_what_the_bot_does_on_its_own_starts_below_the_prompt_and_the_prompt_comes_again(
        discord, sandbox, tmp_path):
    console, out = quiet_console(discord, sandbox, tmp_path)
    console.terminal.prompt(console.prompt_text())
    await alice_gets_a_dm(discord, console)
    console.show_changes_unprompted()
    assert out.getvalue() == "\nalice> \n── DM to alice\n   Your link is ready.\n\nalice> "
    console.show_changes_unprompted()  # nothing new: nothing printed, no extra prompt
    assert out.getvalue().count("alice> ") == 2
    console.terminal.typed("/balance\n")  # the piped line is echoed after the prompt shown last
    assert out.getvalue().endswith("\nalice> /balance\n")


async def test_typed_at_a_keyboard_the_line_is_not_echoed(discord, sandbox, tmp_path):
    console, out = quiet_console(discord, sandbox, tmp_path)
    console.terminal.echo_input = False
    console.terminal.prompt("alice> ")
    console.terminal.typed("/balance\n")  # the terminal showed it as it was typed
    await console.handle("/balance")
    assert out.getvalue().startswith("\nalice> ──"), out.getvalue()
