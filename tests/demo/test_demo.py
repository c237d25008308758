"""`python bot.py demo` works on a fresh clone with no configuration: a member links, checks the balance and
pays someone, typing into the console exactly what they would do in Discord."""

import asyncio
import io
import os
import sys
from pathlib import Path

import discord as discord_py

from demo.console import DemoConsole

REPO = Path(__file__).resolve().parents[2]
SESSION = """/balance
/link-account
grant
press I've granted access
/balance
/pay 5 @bob
press Confirm
/pay 1,000,000 @bob
/balance account:Lemonade Stand
/history export:yes
as dave
/pay 1 @alice
quit
"""


async def run_demo_session(session: str, folder: Path) -> tuple[str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(REPO / "bot.py"), "--env-file", str(folder / "none.env"), "demo",
        env={"PATH": os.environ.get("PATH", "")}, cwd=folder,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(process.communicate(session.encode()), timeout=60)
    assert process.returncode == 0, stderr.decode()
    assert "Traceback" not in stdout.decode() + stderr.decode()
    return stdout.decode(), stderr.decode()


def assert_in_order(output: str, expected_in_order: list[str]) -> None:
    position = 0
    for text in expected_in_order:
        found = output.find(text, position)
        assert found >= 0, f"missing (in order) {text!r} in:\n{output}"
        position = found


async def test_a_whole_session_in_the_demo_console(tmp_path):
    output, _ = await run_demo_session(SESSION, tmp_path)
    expected_in_order = [
        "You haven't linked a Taubot account yet. Run /link-account to link one.",
        "── DM to alice",
        "[Open Taubot ↗ http://127.0.0.1:",
        "ticked VIEW BALANCE and TRANSFER FUNDS",
        "Linked to Alice (personal account). Try /balance.",
        "│ Balance: 250t",
        "│ Pay 5t to @bob (Bob)?",
        "[Confirm] [Cancel]",
        "┌ Payment sent",
        "@alice paid you 5t on Taubot.",
        "You have 245t, which is not enough to pay 1,000,000t.",
        "Taubot failed to look up “Lemonade Stand”.",
        "Sent 5t to @bob (Bob)",
        "📎 taubot-history.csv",
        "You are now dave",
        "You haven't linked a Taubot account yet.",
    ]
    assert_in_order(output, expected_in_order)
    assert not list(tmp_path.iterdir()), "the demo must leave nothing behind"


async def test_typos_and_other_members_messages_keep_the_demo_running(tmp_path):
    session = """/link-account
grant
press I've granted access
/pay 5 account:Bob's
/pay 5 account:"Lemonade
/history limit:abc
/pay 5 @bob
as bob
press Confirm
as alice
press Confirm
quit
"""
    output, stderr = await run_demo_session(session, tmp_path)
    assert_in_order(output, [
        "Linked to Alice (personal account).",
        "Taubot has no account called “Bob's”.",  # an apostrophe is part of the name, as in Discord
        '(That line has a " without its closing ".',
        "(limit takes a whole number, like limit:10; 'abc' is not one.)",
        "│ Pay 5t to @bob (Bob)?",
        "You are now bob",
        "bob> Only alice can see the message with “Confirm”; in Discord, bob wouldn't even see it.",
        "You are now alice",
        "┌ Payment sent",
    ])
    assert output.count("┌ Payment sent") == 1
    assert "is not installed" not in stderr, stderr  # discord.py's voice warnings mean nothing in the demo


async def test_what_the_bot_does_on_its_own_is_shown_with_the_prompt_again(discord, sandbox):
    out = io.StringIO()
    console = DemoConsole(discord, sandbox, out)
    channel = await discord.bot.create_dm(discord_py.Object(id=console.members["alice"].id))
    await channel.send("Your link is ready.")  # as the link poller would, between two commands
    console.show_changes_unprompted()
    assert out.getvalue() == "── DM to alice\n   Your link is ready.\n\nalice> "
    console.show_changes_unprompted()  # nothing new: nothing printed, no extra prompt
    assert out.getvalue().count("alice> ") == 1
