"""A process that stalls between writing a payment's journal row and sending it (a loaded machine, a paused VM),
longer than its lease, while another process on the same database judges it gone and settles that row from
Taubot's log: when it resumes it must not send the money, and its receipt must say nothing moved."""

import asyncio
from contextlib import asynccontextmanager

import pytest

from cogs import messages
from cogs.pay.sender import PaymentSender
from cogs.pay.settling import Settler
from storage import PaymentStatus, Storage
from tests.cogs.pay.helpers import PAST_THE_LANDING_WINDOW, confirm, pay_cog, transfers


class StallAfterJournal:
    """Holds the bot's sender right after its journal row is written, until released: a stall before the POST."""

    def __init__(self, journal, monkeypatch):
        self.stalled, self.resume = asyncio.Event(), asyncio.Event()
        real_begin = journal.begin

        async def begin_then_stall(**row):
            payment = await real_begin(**row)
            self.stalled.set()
            await self.resume.wait()
            return payment

        monkeypatch.setattr(journal, "begin", begin_then_stall)


@asynccontextmanager
async def another_process(discord, settings, clock):
    """A second bot process's settling, on its own connection to the same database (its own instance id)."""
    storage = await Storage.open(settings.database, settings.key_encryption_key, clock=clock)
    ours = pay_cog(discord).sender
    sender = PaymentSender(discord.bot.taubot, storage, ours.currency_symbol, instance_id="another-process",
                           timings=ours.timings)
    try:
        yield Settler(storage, sender)
    finally:
        await storage.close()


@pytest.fixture
def stall(discord, monkeypatch):
    return StallAfterJournal(discord.bot.storage.payments, monkeypatch)


async def test_a_row_settled_by_another_process_while_its_sender_stalled_is_never_sent(
        discord, sandbox, directly_linked, settings, clock, stall):
    alice, bob = directly_linked
    reply = await discord.run_command("pay user", by=alice.user, amount="5", to=bob.user)
    pressing = asyncio.create_task(confirm(discord, reply, alice))
    await stall.stalled.wait()
    # Past the row's landing window; this process's heartbeat (none runs here) is long stale.
    clock.ahead = PAST_THE_LANDING_WINDOW
    async with another_process(discord, settings, clock) as settler:
        (settled,) = await settler.settle_open()
    assert settled.verdict.value is PaymentStatus.FAILED  # Taubot's log shows nothing: it did not go through
    stall.resume.set()
    receipt = await pressing

    assert transfers(sandbox) == []
    assert (sandbox.balance_of(alice.account_id), sandbox.balance_of(bob.account_id)) == (100_00, 50_00)
    row = await discord.bot.storage.payments.get(settled.payment.id)
    assert (row.status, row.posted_at, row.settled_by) == (PaymentStatus.FAILED, None, "another-process")
    assert receipt.embed.title == "Payment refused"
    assert receipt.embed.field("What happened") == messages.NOT_SENT_IN_TIME
    # The lock went back with it: Alice pays again at once.
    await pay_and_confirm(discord, alice, bob, "Payment sent")


async def test_a_sender_stalled_past_its_lease_sends_nothing_even_when_nobody_settled_its_row(
        discord, sandbox, directly_linked, clock, stall):
    alice, bob = directly_linked
    reply = await discord.run_command("pay user", by=alice.user, amount="5", to=bob.user)
    pressing = asyncio.create_task(confirm(discord, reply, alice))
    await stall.stalled.wait()
    # Its lock's lease no longer covers a transfer sent now: another payment from the account could start.
    clock.ahead = pay_cog(discord).sender.timings.lease_at_journal
    stall.resume.set()
    receipt = await pressing

    assert transfers(sandbox) == []
    (row,) = await discord.bot.storage.payments.recent_for_payer(alice.id)
    assert (row.status, row.detail, row.posted_at, row.taubot_answer) == (
        PaymentStatus.FAILED, messages.NOT_SENT_IN_TIME, None, None)
    assert receipt.embed.title == "Payment refused"
    assert receipt.embed.field("What happened") == messages.NOT_SENT_IN_TIME
    await pay_and_confirm(discord, alice, bob, "Payment sent")
    assert sandbox.balance_of(bob.account_id) == 55_00


async def pay_and_confirm(discord, payer, payee, title: str) -> None:
    reply = await discord.run_command("pay user", by=payer.user, amount="5", to=payee.user)
    receipt = await confirm(discord, reply, payer)
    assert receipt.embed.title == title, receipt.embed.description

