"""Starting and stopping the real bot: the encryption key check, what close() releases, and a SIGTERM that
arrives while a payment is being sent."""

import asyncio
import base64
import dataclasses
import logging
import os
import re
import signal
import sqlite3
import sys
from pathlib import Path

import pytest

from bot import TaubotBot
from cli import serve_until_signal
from cogs.messages import CUT_OFF
from config import generate_encryption_key
from harness import FakeDiscord
from storage import Storage, WrongEncryptionKey
from tests.cogs.pay.helpers import until
from tests.conftest import transfer_requests

REPO = Path(__file__).resolve().parents[2]


async def test_a_different_encryption_key_stops_the_bot_at_start(settings):
    async with TaubotBot(settings) as first:
        await first.open_storage()  # creates the database and its key check value
    other_key = base64.urlsafe_b64decode(generate_encryption_key())
    wrong = TaubotBot(dataclasses.replace(settings, key_encryption_key=other_key))
    with pytest.raises(WrongEncryptionKey, match="KEY_ENCRYPTION_KEY does not match"):
        await FakeDiscord.start(wrong)  # setup_hook runs at login
    await wrong.close()


async def test_python_bot_py_reports_a_wrong_key_before_contacting_discord(settings, tmp_path):
    await (await Storage.open(settings.database_path, settings.key_encryption_key)).close()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DISCORD_TOKEN": "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB",
        "TAUBOT_MASTER_KEY": settings.taubot_master_key,
        "TAUBOT_APP_ID": str(settings.taubot_app_id),
        "KEY_ENCRYPTION_KEY": generate_encryption_key(),
        "TAUBOT_API_URL": settings.taubot_api_url,
        "DATABASE_PATH": str(settings.database_path),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(REPO / "bot.py"), "--env-file", os.devnull, env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 2
    assert "KEY_ENCRYPTION_KEY does not match the key the database" in stderr.decode()
    assert "Traceback" not in stderr.decode()


async def test_close_releases_the_session_the_database_and_the_poller(settings):
    bot = TaubotBot(settings)  # background tasks on: the poller runs
    discord = await FakeDiscord.start(bot)
    session, storage, poller = bot.http_session, bot.storage, bot.get_cog("Link").poller
    assert poller.is_running()
    await discord.stop()
    assert session.closed
    assert not poller.is_running()
    with pytest.raises(ValueError, match=r"[Cc]onnection closed|no active connection"):
        await storage.grant_keys.count()  # the writer connection
    with pytest.raises(sqlite3.ProgrammingError, match="closed database"):
        await storage.grant_keys.get(1)  # the read-only one for point reads
    assert bot.http_session is None and bot.storage is None


async def test_sigterm_lets_an_in_flight_payment_finish_and_turns_new_work_away(discord, sandbox, people, settings):
    alice, bob = people.member("alice"), people.member("bob")
    await people.link(alice)
    await people.link(bob)
    reply = await discord.run_command("pay user", by=alice.user, amount="5", to=bob.user)
    # Taubot holds the transfer until new work was turned away: a 0.4 s delay and fixed sleeps could let the
    # signal come before Confirm was in flight, or after the payment ended, on a loaded machine.
    release = sandbox.hold(sandbox.route("transfer"), times=1)
    bot = discord.bot
    session = bot.http_session

    async def gateway() -> None:  # stands in for the gateway connection, which runs until the bot closes it
        while not bot.is_closed():  # noqa: ASYNC110 (discord.py offers no event for "closed")
            await asyncio.sleep(0.01)

    serving = asyncio.create_task(serve_until_signal(bot, gateway()))
    await asyncio.sleep(0)
    paying = asyncio.create_task(discord.press(reply.last, "Confirm", by=alice.user))
    await until(lambda: len(transfer_requests(sandbox)) == 1)  # the payment is in flight
    os.kill(os.getpid(), signal.SIGTERM)  # what systemd sends
    await until(lambda: bot.in_flight.stopping)
    turned_away = await discord.run_command("link-status", by=bob.user)
    release()
    await asyncio.wait_for(serving, timeout=30)
    await paying

    assert turned_away.text == "I'm restarting right now. Nothing was changed; try again in a minute."
    assert reply.last.embed.title == "Payment sent"
    assert sandbox.balance_of(bob.account_id) == 105_00
    assert session.closed
    reopened = await Storage.open(settings.database_path, settings.key_encryption_key)
    try:
        assert await reopened.payments.open_rows() == []
    finally:
        await reopened.close()
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


@pytest.mark.timings(shutdown_grace=0.2)
async def test_a_payment_cut_off_after_the_grace_period_is_awaited_and_its_payer_told(discord, sandbox, people,
                                                                                      settings, caplog):
    alice, bob = people.member("alice"), people.member("bob")
    await people.link(alice)
    await people.link(bob)
    reply = await discord.run_command("pay user", by=alice.user, amount="5", to=bob.user)
    # Taubot holds the transfer until the bot has closed: longer than the grace period, however long that took.
    release = sandbox.hold(sandbox.route("transfer"), times=1)
    bot = discord.bot
    paying = asyncio.create_task(discord.press(reply.last, "Confirm", by=alice.user))
    async with asyncio.timeout(30):
        while not await bot.storage.payments.open_rows():  # noqa: ASYNC110 (journaled: the transfer is on its way)
            await asyncio.sleep(0.01)
    with caplog.at_level(logging.INFO, logger="taubot_bot.interactions"):
        async with asyncio.timeout(30):  # it does not wait for Taubot, which still holds the transfer
            await bot.close()
    release()
    await paying

    confirmation = reply.last
    assert confirmation.content == CUT_OFF == ("I had to restart before this finished. Check /history or /balance "
                                               "before trying again.")
    assert confirmation.embeds == [] and confirmation.buttons == []
    lines = [r.getMessage() for r in caplog.records if r.name == "taubot_bot.interactions"]
    assert [re.match(r"(\S+) user=(\d+) outcome=(\w+)", line).groups() for line in lines] == [
        ("button=pay:confirm", str(alice.id), "cut_off")]
    reopened = await Storage.open(settings.database_path, settings.key_encryption_key)
    try:
        (pending,) = await reopened.payments.open_rows()  # settled from Taubot's log at the next start
        assert pending.amount == 5_00
    finally:
        await reopened.close()


@pytest.mark.timings(shutdown_grace=0.2)
async def test_a_receipt_already_shown_is_not_replaced_when_later_work_is_cut_off(discord, sandbox, people,
                                                                                  caplog):
    alice, bob = people.member("alice"), people.member("bob")
    await people.link(alice)
    await people.link(bob)
    reply = await discord.run_command("pay user", by=alice.user, amount="5", to=bob.user)
    discord.delay_next("send_message", 5.0, user=bob.user)  # Discord is slow to deliver Bob's DM receipt
    bot = discord.bot
    paying = asyncio.create_task(discord.press(reply.last, "Confirm", by=alice.user))
    async with asyncio.timeout(30):  # generous: a loaded machine
        while reply.last.embeds[0].title != "Payment sent":  # noqa: ASYNC110 (Alice has her receipt)
            await asyncio.sleep(0.01)
    with caplog.at_level(logging.INFO, logger="taubot_bot.interactions"):
        await bot.close()
    await paying

    assert reply.last.embed.title == "Payment sent"  # still the truth, not "I had to restart…"
    lines = [r.getMessage() for r in caplog.records if r.name == "taubot_bot.interactions"]
    assert [re.match(r"(\S+) user=(\d+) outcome=(\w+)", line).groups() for line in lines] == [
        ("button=pay:confirm", str(alice.id), "ok")]


def test_sharding_settings_reach_the_bot(settings):
    assert TaubotBot(settings).shard_count is None  # unset: Discord's recommended count at login
    sharded = TaubotBot(dataclasses.replace(settings, shard_count=4, shard_ids=(2, 3)))
    assert (sharded.shard_count, sharded.shard_ids) == (4, [2, 3])
