"""`python bot.py demo` works on a fresh clone with no configuration: a member links, checks the balance and
pays someone, typing into the console exactly what they would do in Discord."""

import asyncio
import os
import sys
from pathlib import Path

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


async def test_a_whole_session_in_the_demo_console(tmp_path):
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(REPO / "bot.py"), "--env-file", str(tmp_path / "none.env"), "demo",
        env={"PATH": os.environ.get("PATH", "")}, cwd=tmp_path,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(process.communicate(SESSION.encode()), timeout=60)
    output = stdout.decode()
    assert process.returncode == 0, stderr.decode()
    assert "Traceback" not in output + stderr.decode()
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
    position = 0
    for text in expected_in_order:
        found = output.find(text, position)
        assert found >= 0, f"missing (in order) {text!r} in:\n{output}"
        position = found
    assert not list(tmp_path.iterdir()), "the demo must leave nothing behind"
