"""Leases: work that one process of the fleet does at a time. Two Storage objects on one database (a SQLite file,
a PostgreSQL schema) stand for two processes (each has its own connections, as a process has); the clock is
moved, never waited for."""

import asyncio
from datetime import UTC, datetime, timedelta

MINUTE = timedelta(minutes=1)


async def test_of_many_takes_at_once_from_two_processes_exactly_one_wins(two_processes):
    here, there = two_processes
    takes = [store.leases.take("link:abc", holder, MINUTE)
             for store, holder in [(here, "here"), (there, "there")] for _ in range(25)]
    won = [lease for lease in await asyncio.gather(*takes) if lease is not None]
    assert len(won) == 1 and won[0].turn == 1
    assert await here.leases.held_until("link:abc") == await there.leases.held_until("link:abc")


async def test_a_lease_is_taken_over_once_its_time_ran_out_and_the_old_holder_cannot_renew(two_processes, clock):
    here, there = two_processes
    first = await here.leases.take("settle:7", "here", MINUTE)
    assert first is not None
    clock.at += MINUTE - timedelta(seconds=1)
    assert await there.leases.take("settle:7", "there", MINUTE) is None  # not run out yet
    clock.at += timedelta(seconds=1)
    second = await there.leases.take("settle:7", "there", MINUTE)
    assert second is not None and second.turn == 2
    # The slow holder comes back: its turn is over, so it must leave the work alone.
    assert not await here.leases.renew(first, MINUTE)
    assert await there.leases.renew(second, MINUTE)
    await here.leases.release(first)  # a stale release does not free the new holder's lease
    assert await here.leases.take("settle:7", "here", MINUTE) is None


async def test_a_holder_whose_time_ran_out_unnoticed_may_renew_and_keep_it(two_processes, clock):
    here, there = two_processes
    lease = await here.leases.take("link:abc", "here", MINUTE)
    clock.at += 2 * MINUTE
    assert await here.leases.renew(lease, MINUTE)  # nobody took it meanwhile: nothing was done twice
    assert await there.leases.take("link:abc", "there", MINUTE) is None


async def test_hold_until_keeps_others_off_past_the_work_and_release_frees_it_at_once(two_processes, clock):
    here, there = two_processes
    lease = await here.leases.take("settle:1", "here", MINUTE)
    assert await here.leases.hold_until(lease, clock.at + timedelta(hours=1))
    clock.at += 30 * MINUTE
    assert await there.leases.take("settle:1", "there", MINUTE) is None
    assert await there.leases.held_until("settle:1") == datetime(2026, 1, 1, 1, tzinfo=UTC)
    clock.at += 30 * MINUTE
    taken = await there.leases.take("settle:1", "there", MINUTE)
    assert taken is not None and taken.turn == 2  # the second look at it
    await there.leases.release(taken)
    assert await there.leases.held_until("settle:1") is None
    again = await here.leases.take("settle:1", "here", MINUTE)
    assert again is not None and again.turn == 1


async def test_a_holder_cannot_take_its_own_lease_twice(two_processes):
    here, _ = two_processes
    assert await here.leases.take("link:abc", "here", MINUTE) is not None
    assert await here.leases.take("link:abc", "here", MINUTE) is None


async def test_sweep_forgets_only_leases_that_ran_out_long_ago(two_processes, clock):
    here, _ = two_processes
    await here.leases.take("old", "here", MINUTE)
    clock.at += timedelta(days=1)
    await here.leases.take("new", "here", MINUTE)
    assert await here.leases.sweep(clock.at - timedelta(hours=1)) == 1
    assert await here.leases.held_until("new") is not None
    assert await here.leases.take("old", "here", MINUTE) is not None
