"""The shared copies of paid receipts, on a real SQLite file: one copy per payment however many presses or
processes claim it at once, a claim whose poster died taken over after a minute, and a deleted copy forgotten."""

import asyncio
from datetime import UTC, datetime, timedelta

from storage import Storage


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


async def test_a_failed_post_releases_its_claim_and_a_dead_posters_claim_goes_stale(tmp_path, key):
    clock = Clock()
    storage = await Storage.open(tmp_path / "bot.sqlite3", key, clock=clock)
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
