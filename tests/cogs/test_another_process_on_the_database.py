"""Two bot processes share one database (sharded deployments, or a restart overlapping the old process): what
one of them commits about a member's link, the other's very next command uses. Grant keys are read fresh
from the file on every command, never from a cache (storage/point_reads.py)."""

import asyncio
import json
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NOT_LINKED = "You haven't linked a Taubot account yet. Run /link-account to link one."
# What the other process does to the member's link: the storage calls its own /unlink-account and a finished
# /link-account make. Its instructions come on stdin, so no key shows in a process listing.
OTHER_PROCESS = """
import asyncio, json, sys
from storage import Storage

async def main(order):
    storage = await Storage.open(order["database"], bytes.fromhex(order["encryption_key"]))
    try:
        if order.get("notice") is not None:
            await storage.notices.post(order["user_id"], order["notice"])
        elif order["grant_key"] is None:
            await storage.grant_keys.delete(order["user_id"])
        else:
            await storage.grant_keys.put(order["user_id"], order["grant_key"], account_id=order["account_id"],
                                         account_name="Alice", account_type="USER")
    finally:
        await storage.close()

asyncio.run(main(json.load(sys.stdin)))
"""


async def in_another_process(settings, user_id: int, grant_key: str | None = None, account_id: str = "",
                             notice: str | None = None) -> None:
    """Unlink the member (grant_key None) or relink them, or leave them a notice, from a separate Python process
    on the same file."""
    order = {"database": str(settings.database), "encryption_key": settings.key_encryption_key.hex(),
             "user_id": user_id, "grant_key": grant_key, "account_id": account_id, "notice": notice}
    process = await asyncio.create_subprocess_exec(sys.executable, "-c", OTHER_PROCESS, cwd=PROJECT_ROOT,
                                                   stdin=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, errors = await process.communicate(json.dumps(order).encode())
    assert process.returncode == 0, errors.decode()


async def test_an_unlink_and_a_relink_by_another_process_are_seen_by_the_next_command(discord, sandbox, people,
                                                                                      settings):
    alice = people.member("alice", balance=12_00)
    await people.link(alice)
    assert (await discord.run_command("balance", by=alice.user)).embed.field("Balance") == "**12t**"

    await in_another_process(settings, alice.id)
    assert (await discord.run_command("balance", by=alice.user)).text == NOT_LINKED

    fresh_key = sandbox.issue_grant_key(alice.id, spending_limit=None)
    await in_another_process(settings, alice.id, fresh_key, alice.account_id)
    sandbox.clear_requests()
    reply = await discord.run_command("balance", by=alice.user)
    assert reply.embed.field("Balance") == "**12t**"
    assert [r.key for r in sandbox.requests] == [fresh_key]  # the relinked key, read from the file just now



async def test_a_notice_left_by_another_process_is_shown_once_after_the_next_command(discord, sandbox, people,
                                                                                    settings):
    """The notices check after a command skips its own read when the member's link read (the same statement)
    saw none waiting: one left by another process since must still show on the very next command."""
    alice = people.member("alice", balance=12_00)
    await people.link(alice)
    assert (await discord.run_command("balance", by=alice.user)).followups == []

    await in_another_process(settings, alice.id, notice="Your payment to Bob went through.")
    shown = await discord.run_command("balance", by=alice.user)
    assert shown.messages[0].embed.field("Balance") == "**12t**"
    assert [(f.text, f.ephemeral) for f in shown.followups] == [("Your payment to Bob went through.", True)]
    assert (await discord.run_command("balance", by=alice.user)).followups == []  # shown once
