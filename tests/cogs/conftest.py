"""The transfer invariant, checked after every test in tests/cogs, from Taubot's side.

Every transfer the sandbox saw (in either dialect; v2.1's binding probes are no transfers) must carry exactly
the dialect's fields and a positive int amount (not a bool) between two different accounts, and must match
exactly one journal row that was 'pending', and claimed for sending, when the bot sent it: as many transfers as
rows that reached the sending stage, so none was sent twice and none without a journal row.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field

import pytest

from bot import TaubotBot
from cogs.pay.sender import PaymentSender
from storage import Payment, PaymentStatus
from taubot import InvalidTransaction
from tests.conftest import transfer_requests, transfer_sent
from tests.databases import BACKENDS, migrated_schema

DIALECT_FIELDS = ({"from_account", "to_account", "amount"}, {"to_account_id", "amount"})


@dataclass
class TransferLog:
    """What the bot sent (journal rows as they stood at the moment of sending) and what Taubot received, as
    (from, to, amount, body)."""

    sent_rows: list[Payment] = field(default_factory=list)
    cleared_posts: list = field(default_factory=list)  # POSTs from before a test called clear_requests()
    # Rows another bot process (on the same database and sandbox) reported sending: it may be killed between
    # reporting one and sending it, so its POSTs are only checked to be covered by journal rows.
    elsewhere: list[Payment] = field(default_factory=list)

    def posts(self, sandbox) -> list:
        return self.cleared_posts + sent_transfers(sandbox)


def sent_transfers(sandbox) -> list[tuple]:
    return [(*transfer_sent(sandbox, record), record.body) for record in transfer_requests(sandbox)]


def check_transfer_invariant(posts: list, sent_rows: list[Payment], elsewhere: list[Payment] = ()) -> None:
    for from_account, to_account, amount, body in posts:
        assert isinstance(body, dict) and set(body) in DIALECT_FIELDS, body
        assert type(amount) is int and amount > 0, body
        assert from_account is not None and from_account != to_account, body
    for row in sent_rows:
        assert row.status is PaymentStatus.PENDING, f"payment {row.id} was {row.status} when it was sent"
        assert row.posted_at is not None, f"payment {row.id} was sent without its sender's claim"
    ids = [row.id for row in [*sent_rows, *elsewhere]]
    assert len(ids) == len(set(ids)), f"a journal row was sent more than once: {ids}"
    sent = Counter((from_account, to_account, amount) for from_account, to_account, amount, _ in posts)
    journaled = Counter((row.from_account_id, row.to_account_id, row.amount) for row in [*sent_rows, *elsewhere])
    if elsewhere:
        assert sent <= journaled, f"transfers sent without a journal row: {sent - journaled}"
        return
    assert len(posts) == len(sent_rows), f"{len(posts)} transfer POSTs for {len(sent_rows)} journal rows sent"
    assert sent == journaled, f"the transfers sent differ from the journal rows: {sent} != {journaled}"


@pytest.fixture(params=BACKENDS)
async def bot_database(request):
    """The cog suite runs on both backends: the bot's SQLite file (None), or a PostgreSQL schema of its own
    (tests/databases.py). A test about the SQLite file itself is marked ON_SQLITE_BOT."""
    if request.param == "sqlite":
        yield None
        return
    async with migrated_schema() as url:
        yield url


@pytest.fixture(autouse=True)
def transfer_log(request, monkeypatch):
    if "sandbox" not in request.fixturenames:
        yield None
        return
    sandbox = request.getfixturevalue("sandbox")
    log = TransferLog()
    real_load, real_clear = TaubotBot.load_feature_cogs, sandbox.clear_requests

    def watch_transfers(sender_class: type[PaymentSender]) -> None:
        real_post = sender_class._post
        if getattr(real_post, "watched", False):
            return

        async def recording_post(sender: PaymentSender, payment: Payment, grant_key: str) -> None:
            row = await sender.journal.get(payment.id)
            assert row is not None, "a transfer was about to be sent without a journal row"
            log.sent_rows.append(row)
            try:
                await real_post(sender, payment, grant_key)
            except InvalidTransaction:
                log.sent_rows.remove(row)  # refused by the client itself: nothing reached Taubot
                raise

        recording_post.watched = True  # type: ignore[attr-defined]
        monkeypatch.setattr(sender_class, "_post", recording_post)

    async def loading_and_watching(bot: TaubotBot) -> None:
        await real_load(bot)
        # discord.py forgets an extension's modules when it unloads it, so each bot may send with a freshly
        # imported PaymentSender: watch the one this bot really uses.
        watch_transfers(sys.modules["cogs.pay.sender"].PaymentSender)

    def clearing_requests() -> None:
        log.cleared_posts.extend(sent_transfers(sandbox))
        real_clear()

    monkeypatch.setattr(TaubotBot, "load_feature_cogs", loading_and_watching)
    monkeypatch.setattr(sandbox, "clear_requests", clearing_requests)
    yield log
    check_transfer_invariant(log.posts(sandbox), log.sent_rows, log.elsewhere)


@pytest.fixture
async def there(discord, make_bot):
    """Another bot process of the same application on the same database (another shard, another host, or the
    bot after a restart while this one still runs), logged in to the same fake Discord."""
    other = await discord.another_process(make_bot())
    yield other
    try:
        other.assert_no_errors_logged()
    finally:
        await other.stop()


@pytest.fixture
async def alice_and_bob(discord, sandbox, people):
    """Alice (100t) and Bob (50t), both linked with VIEW BALANCE, TRANSFER FUNDS and a 1,000t limit."""
    alice, bob = people.member("alice", balance=100_00), people.member("bob", balance=50_00)
    await people.link(alice)
    await people.link(bob)
    sandbox.clear_requests()
    return alice, bob
