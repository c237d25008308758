"""/history export:True: the CSV opens in a spreadsheet as text, never as a formula, whatever Taubot's names are."""

import csv
import io

import pytest

# Every way a spreadsheet (Excel, LibreOffice, Google Sheets) starts a formula or a DDE call in a cell, the
# full-width and small forms that some of them fold to the ASCII ones, and a trigger behind leading blanks.
TRIGGERS = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1", "\n=1+1", "＝1+1", "＋1+1", "－1+1", "＠SUM(A1)",
            "﹦1+1", "﹢1+1", "﹣1+1", " =1+1", "-"]
HARMLESS = ["Café", "Bob's shop", "1 apple", "'quoted", "a=b"]


@pytest.fixture
async def alice(discord, sandbox, people):
    alice = people.member("alice", balance=100_00)
    await people.link(alice)
    return alice


async def exported(discord, alice) -> list[list[str]]:
    reply = await discord.run_command("history", by=alice.user, limit=100, export=True)
    (attached,) = reply.last.files
    return list(csv.reader(io.StringIO(attached.text, newline="")))


async def test_every_formula_trigger_in_a_name_is_neutralised(discord, sandbox, alice):
    key = (await discord.bot.storage.grant_keys.get(alice.id)).grant_key
    for name in TRIGGERS + HARMLESS:
        other = sandbox.create_account(name, account_type="CORPORATION")
        sandbox.economy.transfer(sandbox.economy.keys[key], alice.account_id, other.account_id, 1)
    rows = await exported(discord, alice)
    names = [row[4] for row in rows[1:]][::-1]  # newest first in the file
    assert names == ["'" + name for name in TRIGGERS] + HARMLESS
    for row in rows[1:]:
        assert all(cell[:1] not in ("=", "+", "-", "@", "\t", "\r", "\n") for cell in row), row
