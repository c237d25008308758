"""The database file deleted or replaced while the bot runs: the bot notices (before every write, on reads at most
once a second, and on a timer while idle), says so once in a CRITICAL log line, sends no payment and makes no
link, and tells every member it is unavailable."""

import asyncio
import logging
import os
import sqlite3

import pytest

import storage.database
from bot import TaubotBot, Timings
from harness import FakeDiscord
from tests.cogs.pay.helpers import confirm, transfers
from tests.conftest import People, calls
from tests.databases import ON_SQLITE_BOT

pytestmark = ON_SQLITE_BOT  # the SQLite file deleted or replaced under the bot: SQLite's own

UNAVAILABLE = ("I'm unavailable right now: I can't keep records, so I won't pay or link anything. Nothing was "
               "changed. The bot's host has been alerted; please try again later.")


@pytest.fixture
async def alice_and_bob(discord, people):
    alice, bob = people.member("alice"), people.member("bob")
    await people.link(alice)
    discord.bot.storage.database.file.recheck_reads_after = 0  # (1 s in production)
    return alice, bob


def delete(path) -> None:
    os.remove(path)


def replace(path) -> None:
    """Another SQLite file moved into the database's place, as a careless restore would."""
    other = path.with_name("other.sqlite3")
    sqlite3.connect(other).close()
    os.replace(other, path)


@pytest.fixture
def people_of(sandbox):
    return lambda fake: People(fake, sandbox)


def critical_lines(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelno == logging.CRITICAL]


@pytest.mark.parametrize("mishap", [delete, replace])
async def test_members_are_told_the_bot_is_unavailable_and_nothing_is_sent(discord, sandbox, settings, alice_and_bob,
                                                                          mishap, caplog):
    alice, bob = alice_and_bob
    confirmation = await discord.run_command("pay user", by=alice.user, amount="5", to=bob.user)
    mishap(settings.database_path)
    sandbox.clear_requests()

    pressed = await confirm(discord, confirmation, alice)
    assert UNAVAILABLE in pressed.text
    for command, options in [("balance", {}), ("link-status", {}), ("history", {}), ("link-account", {}),
                             ("pay user", {"amount": "1", "to": bob.user})]:
        reply = await discord.run_command(command, by=alice.user, **options)
        assert reply.text == UNAVAILABLE, command
        assert reply.ephemeral
    assert transfers(sandbox) == [] and calls(sandbox) == []  # not even a read: nothing could be recorded
    (line,) = critical_lines(caplog)
    what = "was deleted" if mishap is delete else "was replaced by another file"
    assert line.startswith(f"The database file {settings.database_path} {what} while the bot was running.")
    assert "Stop the bot, put the right database file back at DATABASE_PATH (or restore a backup)" in line
    assert [record.levelname for record in discord.logged_errors()] == ["CRITICAL"]  # no traceback besides


async def test_an_idle_bot_notices_on_its_timer_and_says_so_once(settings, sandbox, people_of, clock, caplog,
                                                                  monkeypatch):
    """With its background work running (heartbeat, settling, link polling), a bot nobody uses notices on its
    timer; afterwards neither that work nor members' commands add a line to the one CRITICAL line."""
    monkeypatch.setattr(storage.database, "WATCH_EVERY", 0.05)
    timings = Timings(clock=clock, heartbeat_interval=0.02, settle_interval=0.02)
    fake = await FakeDiscord.start(TaubotBot(settings, background_tasks=True, timings=timings))
    try:
        alice = people_of(fake).member("alice")
        await people_of(fake).link(alice)
        with caplog.at_level(logging.INFO):
            delete(settings.database_path)
            for _ in range(100):
                if critical_lines(caplog):
                    break
                await asyncio.sleep(0.01)
            assert len(critical_lines(caplog)) == 1  # without any member doing anything
            await asyncio.sleep(0.2)  # ten heartbeats and settling rounds
            assert (await fake.run_command("balance", by=alice.user)).text == UNAVAILABLE
        noisy = [record.getMessage() for record in caplog.records
                 if record.levelno >= logging.WARNING and record.name.startswith("taubot_bot")]
        assert len(noisy) == 1, noisy
        assert len(fake.logged_errors()) == 1
    finally:
        await fake.stop()
