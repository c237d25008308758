"""The shared copies of paid receipts, on a real database: one copy per payment however many presses or
processes claim it at once, a claim whose poster died taken over after a minute, and a deleted copy forgotten;
and the journal's paying account name and open payments per key (/link-status). On SQLite and PostgreSQL."""

import asyncio
from datetime import UTC, datetime, timedelta

from storage import Outcome, PaymentStatus, Storage


class Clock:
    def __init__(self) -> None:
        self.moment = datetime(2025, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.moment


async def test_one_copy_per_payment_claimed_posted_updated_and_forgotten(storage):
    shares = storage.shared_receipts
    assert await shares.get(7) is None
    claims = await asyncio.gather(*(shares.claim(7, guild_id=1, channel_id=2, with_memo=False) for _ in range(5)))
    assert sorted(claims) == [False, False, False, False, True]
    await shares.posted(7, 99)
    shared = await shares.get(7)
    assert (shared.guild_id, shared.channel_id, shared.message_id, shared.with_memo) == (1, 2, 99, False)
    assert not await shares.claim(7, guild_id=1, channel_id=2, with_memo=True)  # posted: never a second copy

    await shares.updated(7, with_memo=True)
    assert (await shares.get(7)).with_memo
    await shares.forget(7, 98)  # not the copy posted: nothing happens
    assert (await shares.get(7)).message_id == 99
    await shares.forget(7, 99)  # deleted by a moderator
    assert await shares.get(7) is None
    assert await shares.claim(7, guild_id=1, channel_id=3, with_memo=False)


async def test_a_failed_post_releases_its_claim_and_a_dead_posters_claim_goes_stale(database_location, key):
    clock = Clock()
    storage = await Storage.open(database_location, key, clock=clock)
    try:
        shares = storage.shared_receipts
        assert await shares.claim(1, guild_id=None, channel_id=5, with_memo=False)
        await shares.release(1)
        assert await shares.get(1) is None

        assert await shares.claim(1, guild_id=None, channel_id=5, with_memo=False)  # and then the process died
        clock.moment += timedelta(seconds=59)
        assert not await shares.claim(1, guild_id=None, channel_id=5, with_memo=True)
        clock.moment += timedelta(seconds=2)
        assert await shares.claim(1, guild_id=None, channel_id=6, with_memo=True)
        taken = await shares.get(1)
        assert (taken.channel_id, taken.with_memo, taken.claimed_at) == (6, True, clock.moment)
    finally:
        await storage.close()


async def test_a_journal_row_keeps_the_paying_accounts_name_and_a_keys_open_payments_add_up(storage):
    journal = storage.payments
    rows = [await journal.begin(intent_id=f"intent-{amount}", payer_user_id=1, from_account_id="acme",
                                to_account_id="b", to_account_name="Bob", amount=amount, key_id="key-1",
                                from_account_name="Acme Ltd") for amount in (100, 20, 3)]
    assert rows[0].from_account_name == "Acme Ltd"
    await journal.finish(rows[0].id, Outcome(PaymentStatus.PAID, "paid", log_entry="entry-1"))
    await journal.finish(rows[1].id, Outcome(PaymentStatus.UNKNOWN, "unknown"))
    assert await journal.spent_with_key("key-1", refused_count=True) == 100
    assert await journal.open_with_key("key-1") == 23  # one unknown, one still pending
    assert await journal.open_with_key("key-2") == 0
