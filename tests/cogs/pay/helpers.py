"""What the /pay tests share."""

import asyncio
import inspect
import uuid
from collections import Counter
from datetime import timedelta

from cogs.pay.attribution import identity
from sandbox import TRANSFER_FUNDS, VIEW_BALANCE
from storage import PaymentStatus
from taubot import Transaction, read_claims
from tests.conftest import transfer_requests

CONFIRMATION = 1  # the confirmation is version 1 of its message; version 0 was the "thinking…" placeholder
# Beyond TAUBOT_TIMEOUT_SECONDS and the settle margin (production's 60 s): a transfer sent before this much
# time ago can no longer land, so its journal row may be settled.
PAST_THE_LANDING_WINDOW = timedelta(minutes=5)


def transfers(sandbox):
    """The transfers Taubot received (either dialect)."""
    return transfer_requests(sandbox)


def pay_cog(discord):
    return discord.bot.get_cog("Pay")


async def confirm(discord, reply, person):
    return await discord.press(reply.last, "Confirm", by=person.user)


async def until(condition, *, within: float = 10.0):
    """Wait until `condition()` holds: checked every hundredth of a second, for `within` seconds of wall time
    (generous: a loaded machine can take seconds for what takes milliseconds alone)."""
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"waited {within:g} s in vain")
        await asyncio.sleep(0.01)


async def confirm_while_sending(discord, sandbox, reply, person, meanwhile):
    """Press Confirm and, while the transfer is held up at Taubot (received, not yet applied), run `meanwhile`.
    Taubot holds it until `meanwhile` is done, however long a loaded machine takes (a 0.3 s delay did not wait)."""
    sent_before = len(transfers(sandbox))
    release = sandbox.hold(sandbox.route("transfer"), times=1)  # this one; any `meanwhile` sends is answered
    pressing = asyncio.create_task(confirm(discord, reply, person))
    try:
        await until(lambda: len(transfers(sandbox)) > sent_before)
        result = meanwhile()
        if inspect.isawaitable(result):
            await result
    finally:
        release()
    return await pressing


async def key_of(discord, person):
    return (await discord.bot.storage.grant_keys.get(person.id)).grant_key


async def journaled_as_sent(discord, sandbox, payer, to, amount: int, *, taubot_applies: bool):
    """A journal row exactly as the sender writes it before its POST (key id, the log's mark, a process that
    then died), and, if `taubot_applies`, the transfer as Taubot applies it: what a crash after the POST
    leaves behind."""
    bot = discord.bot
    linked = await bot.storage.grant_keys.get(payer.id)
    mark = await pay_cog(discord).sender.verifier.mark(linked.grant_key, linked.account_id)
    row = await bot.storage.payments.begin(
        intent_id=uuid.uuid4().hex, payer_user_id=payer.id, from_account_id=payer.account_id,
        to_account_id=to.account_id, to_account_name=sandbox.economy.accounts[to.account_id].account_name,
        amount=amount, instance_id="a-process-that-crashed", key_id=read_claims(linked.grant_key).key_id,
        log_mark=mark)
    if taubot_applies:
        sandbox.economy.transfer(sandbox.economy.keys[linked.grant_key], payer.account_id, to.account_id, amount)
    return row


async def journal_rows(storage) -> list:
    """Every row of the payment journal."""
    ids = [row["id"] for row in await storage.database.fetch_all("SELECT id FROM payments ORDER BY id")]
    return [await storage.payments.get(payment_id) for payment_id in ids]


async def assert_journal_tells_the_truth(storage, sandbox) -> list:
    """Every journal row says what Taubot's log shows: no row left open; for each key and transfer, as many paid
    rows as log entries made by that key; every claimed entry really in the log, claimed once. Returns the rows."""
    rows = await journal_rows(storage)
    assert_rows_match_log(rows, [entry.as_json() for entry in sandbox.economy.log])
    return rows


def assert_rows_match_log(rows: list, log: list[dict]) -> None:
    """The journal's rows against Taubot's log (its entries as JSON): none open; for each key and transfer, as
    many paid rows as entries that key made; every claimed entry really in the log, and claimed once."""
    assert [row.id for row in rows if row.status in (PaymentStatus.PENDING, PaymentStatus.UNKNOWN)] == []
    keys = {row.key_id for row in rows}
    logged = Counter((entry["actor_id"], entry["from_account"], entry["to_account"], entry["amount"])
                     for entry in log if entry["actor_id"] in keys)
    paid = Counter((row.key_id, row.from_account_id, row.to_account_id, row.amount)
                   for row in rows if row.status is PaymentStatus.PAID)
    assert paid == logged, f"paid rows {paid} != log entries {logged}"
    entries = {identity(Transaction.from_json(entry)) for entry in log}
    claimed = [row.log_entry for row in rows if row.log_entry is not None]
    assert set(claimed) <= entries and len(claimed) == len(set(claimed))


async def link_directly(discord, sandbox, person, *, permissions=(VIEW_BALANCE, TRANSFER_FUNDS),
                        spending_limit=1_000_000_00) -> str:
    """A grant key as Taubot issues it (either dialect), stored as the link flow stores it: for tests about
    paying, where the flow itself (tested in tests/cogs/link) would only cost time."""
    key = sandbox.issue_grant_key(person.id, permissions=permissions, spending_limit=spending_limit)
    await discord.bot.storage.grant_keys.put(person.id, key, account_id=person.account_id,
                                             account_name=person.user.username.title(), account_type="USER",
                                             balance_visible=VIEW_BALANCE in permissions)
    return key
