"""A disk that fills up while a payment is being journaled: SQLite really runs out of space (the database lives on
a small tmpfs that the test fills), nothing is sent, and the member reads so in the receipt, not a placeholder."""

import asyncio
import dataclasses
import errno
import os
import shutil
import subprocess

import pytest

from tests.cogs.pay.helpers import confirm, transfers, until
from tests.databases import ON_SQLITE_BOT

pytestmark = ON_SQLITE_BOT  # the disk under the SQLite file filling up: SQLite's own

JOURNAL_UNAVAILABLE = ("I couldn't write this payment to my journal (my database is unavailable), so nothing was "
                       "sent. Try again in a few minutes.")


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MiB file system of its own for the database (mounting one needs root, as in most containers)."""
    mount, umount = shutil.which("mount"), shutil.which("umount")
    if mount is None or umount is None:
        pytest.skip("needs mount and umount")
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run([mount, "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount_point)],
                             capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"needs to mount a small tmpfs (root with CAP_SYS_ADMIN): {mounted.stderr.strip()}")
    yield mount_point
    subprocess.run([umount, "--lazy", str(mount_point)], check=False)


@pytest.fixture
def settings(settings, small_disk):
    return dataclasses.replace(settings, database_path=small_disk / "bot.sqlite3")


def fill(disk) -> None:
    """Write a file until the file system has no byte left, as a runaway log would."""
    descriptor = os.open(disk / "filler", os.O_CREAT | os.O_WRONLY)
    try:
        while True:
            os.write(descriptor, b"\0" * 65536)
    except OSError as error:
        assert error.errno == errno.ENOSPC
        for size in (4096, 512, 1):  # the last partial blocks too
            try:
                while True:
                    os.write(descriptor, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(descriptor)


@pytest.mark.parametrize(("filled", "failed_write"), [
    ("while Taubot is read at Confirm", "the journal could not be written"),  # the journal row itself
    ("before Confirm", "Could not claim the confirmation"),  # the first write at Confirm, in the same database
])
async def test_a_full_disk_sends_nothing_and_the_receipt_says_so(discord, sandbox, people, small_disk, filled,
                                                                failed_write):
    alice, bob = people.member("alice"), people.member("bob", balance=0)
    await people.link(alice)
    reply = await discord.run_command("pay user", by=alice.user, amount="2", to=bob.user)
    if filled == "before Confirm":
        fill(small_disk)
        await confirm(discord, reply, alice)
    else:  # the account is locked for the payment; its journal row is written once the reads are back
        sandbox.delay(sandbox.route("account_by_id"), 0.3, times=2)
        reads_before = len(sandbox.requests)
        pressing = asyncio.create_task(confirm(discord, reply, alice))
        await until(lambda: len(sandbox.requests) > reads_before)
        fill(small_disk)
        await pressing
    assert reply.last.embed.title == "Payment not made"
    assert reply.last.embed.description == JOURNAL_UNAVAILABLE
    assert transfers(sandbox) == []
    assert sandbox.balance_of(alice.account_id) == 100_00 and sandbox.balance_of(bob.account_id) == 0
    logged = " ".join(record.getMessage() + (record.exc_text or "") for record in discord.logged_errors())
    assert failed_write in logged and "database or disk is full" in logged
