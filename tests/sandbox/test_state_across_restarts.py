"""`python -m sandbox --state FILE` as a developer uses it: link a member and pay through the real bot, kill the
sandbox, start it again on the same file, and the bot's stored grant key still reads the balance and the log."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import signal
import sys
import uuid
from pathlib import Path

import aiohttp
import pytest

from bot import TaubotBot, Timings
from config import Settings, generate_encryption_key
from harness import FakeDiscord
from sandbox import DIALECTS
from storage import Storage
from taubot import TaubotClient
from taubot.keys import read_claims
from tests.conftest import ref_of

ALICE = 1001  # the demo economy's Alice: 250t in her personal account


class SandboxProcess:
    """`python -m sandbox` in a process of its own, with the settings it printed, as a developer copies them."""

    def __init__(self, process: asyncio.subprocess.Process, lines: list[str]):
        self.process, self.lines = process, lines
        self.printed = dict(line.split("=", 1) for line in lines if line.startswith("TAUBOT_"))

    @classmethod
    async def start(cls, *arguments: str) -> SandboxProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "sandbox", "--port", "0", *arguments, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"}, cwd=os.getcwd())
        lines: list[str] = []
        while not lines or not lines[-1].startswith("Demo members"):
            line = (await asyncio.wait_for(process.stdout.readline(), timeout=20)).decode()
            assert line, (await process.stderr.read()).decode()
            lines.append(line.strip())
        return cls(process, lines)

    async def stop(self, how: int = signal.SIGTERM) -> None:
        if self.process.returncode is None:
            self.process.send_signal(how)
            await asyncio.wait_for(self.process.wait(), timeout=20)

    def settings(self, database: Path, encryption_key: bytes) -> Settings:
        return Settings(discord_token="harness-token", taubot_master_key=self.printed["TAUBOT_MASTER_KEY"],
                        taubot_app_id=uuid.UUID(self.printed["TAUBOT_APP_ID"]), key_encryption_key=encryption_key,
                        taubot_api_url=self.printed["TAUBOT_API_URL"], database_path=database,
                        taubot_timeout_seconds=2.0, taubot_connect_timeout_seconds=1.0)


async def bot_against(sandbox: SandboxProcess, database: Path, encryption_key: bytes) -> FakeDiscord:
    bot = TaubotBot(sandbox.settings(database, encryption_key), background_tasks=False, timings=Timings())
    return await FakeDiscord.start(bot)


async def grant(api_url: str, ref_id: str, user_id: int) -> None:
    """What the member does on the grant page (the sandbox's scripted submit)."""
    body = {"ref_id": ref_id, "user_id": user_id, "permissions": ["VIEW_BALANCE", "TRANSFER_FUNDS"],
            "spending_limit": 100_00}
    async with aiohttp.ClientSession() as session, session.post(
            api_url.removesuffix("/api") + "/sandbox/grant", json=body) as answer:
        assert answer.status == 201


async def link_and_pay(discord: FakeDiscord, api_url: str) -> None:
    alice = discord.user("alice", user_id=ALICE)
    await discord.run_command("link-account", by=alice)
    dm = discord.last_dm(alice)
    await grant(api_url, ref_of(dm), ALICE)
    assert (await discord.press(dm, "I've granted access", by=alice)).text.startswith("Linked to")
    reply = await discord.run_command("pay account", by=alice, amount="12.50", to="Treasury")
    await discord.press(reply.last, "Confirm", by=alice)
    assert reply.last.embed.title == "Payment sent"


async def balance_and_history(discord: FakeDiscord) -> tuple[str, str]:
    alice = discord.user("alice", user_id=ALICE)
    balance = await discord.run_command("balance", by=alice)
    history = await discord.run_command("history", by=alice)
    return balance.embed.field("Balance"), history.embed.description


async def link_with_the_client(sandbox: SandboxProcess, storage: Storage, dialect: str) -> str:
    """Alice's grant key, retrieved as the bot retrieves it and stored encrypted as the bot stores it; one
    payment made with it. Returns her account id."""
    async with aiohttp.ClientSession() as session:
        client = client_for(session, sandbox, dialect)
        ref_id = await client.create_reference()
        await grant(sandbox.printed["TAUBOT_API_URL"], str(ref_id), ALICE)
        key = await client.retrieve_key(ref_id)
        account = await client.get_user_account(key, ALICE)
        treasury = await client.get_account_by_name(key, "Treasury")
        await client.create_transaction(key, from_account=account.account_id, to_account=treasury.account_id,
                                        amount=12_50)
    await storage.grant_keys.put(ALICE, key, account_id=account.account_id, account_name=account.account_name,
                                 account_type=account.account_type.value)
    return account.account_id


def client_for(session: aiohttp.ClientSession, sandbox: SandboxProcess, dialect: str) -> TaubotClient:
    printed = sandbox.printed
    return TaubotClient(session, base_url=printed["TAUBOT_API_URL"], dialect=dialect,
                        master_key=printed["TAUBOT_MASTER_KEY"], application_id=printed["TAUBOT_APP_ID"])


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_a_stored_grant_key_reads_the_balance_and_log_after_a_restart(tmp_path, dialect):
    state, database = tmp_path / "sandbox.json", tmp_path / "bot.sqlite3"
    encryption_key = base64.urlsafe_b64decode(generate_encryption_key())
    first = await SandboxProcess.start("--state", str(state), "--dialect", dialect)
    try:
        storage = await Storage.open(database, encryption_key)
        try:
            account_id = await link_with_the_client(first, storage, dialect)
        finally:
            await storage.close()
    finally:
        await first.stop(signal.SIGKILL)  # no goodbye: what a request changed was already on disk

    credentials = tmp_path / "credentials.json"  # for scripts: written at every start, from the kept state
    again = await SandboxProcess.start("--state", str(state), "--credentials", str(credentials))
    try:
        written = json.loads(credentials.read_text())
        assert (written["dialect"], written["application_id"], written["master_key"]) == (
            dialect, first.printed["TAUBOT_APP_ID"], first.printed["TAUBOT_MASTER_KEY"])
        storage = await Storage.open(database, encryption_key)
        try:
            stored = await storage.grant_keys.get(ALICE)
        finally:
            await storage.close()
        async with aiohttp.ClientSession() as session:
            client = client_for(session, again, dialect)
            balance = (await client.get_account(stored.grant_key, account_id)).balance
            (payment,) = await client.get_transactions(stored.grant_key, account_id)
            await client.verify_master_key()  # the master key in the developer's .env still works
    finally:
        await again.stop()
    assert balance == 250_00 - 12_50
    assert (payment.amount, payment.from_account, payment.actor_id) == (12_50, account_id,
                                                                        read_claims(stored.grant_key).key_id)
    assert again.process.returncode == 0


@pytest.mark.parametrize("dialect", ["v2", "v2.1"])
async def test_the_bot_goes_on_working_after_a_restart_with_state(tmp_path, dialect):
    state, database = tmp_path / "sandbox.json", tmp_path / "bot.sqlite3"
    encryption_key = base64.urlsafe_b64decode(generate_encryption_key())
    first = await SandboxProcess.start("--state", str(state), "--dialect", dialect)
    try:
        discord = await bot_against(first, database, encryption_key)
        try:
            await link_and_pay(discord, first.printed["TAUBOT_API_URL"])
            before = await balance_and_history(discord)
            discord.assert_no_errors_logged()
        finally:
            await discord.stop()
    finally:
        await first.stop(signal.SIGKILL)  # no goodbye: what a request changed was already on disk
    assert before[0] == "**237.50t**" and "Sent **12.50t** to Treasury" in before[1]

    again = await SandboxProcess.start("--state", str(state))  # the dialect comes back with the state
    try:
        assert any(line.startswith(f"(restored from {state}: the same application") for line in again.lines)
        assert f"(speaking Taubot {dialect}; the bot detects it, or set TAUBOT_API_DIALECT={dialect})" in again.lines
        for name in ("TAUBOT_APP_ID", "TAUBOT_MASTER_KEY"):
            assert again.printed[name] == first.printed[name]
        discord = await bot_against(again, database, encryption_key)  # the same database: Alice's stored key
        try:
            assert await balance_and_history(discord) == before
            discord.assert_no_errors_logged()
        finally:
            await discord.stop()
    finally:
        await again.stop()
    assert again.process.returncode == 0
