"""Hosts whose clocks are minutes apart share one PostgreSQL database: leases and heartbeats must mean the same on
every host, or one host takes another's live lease for run out (and retrieves a key, or settles a payment, twice)."""

from datetime import UTC, datetime, timedelta

from storage import FleetClock, Storage
from tests.databases import ON_POSTGRESQL, ON_SQLITE

SKEW = timedelta(minutes=5)
MINUTE = timedelta(minutes=1)


def host_clock(skew: timedelta):
    """A host's clock `skew` off the true time (NTP broken, or never set)."""
    return lambda: datetime.now(UTC) + skew


async def two_hosts(location, key, ahead, behind) -> tuple[Storage, Storage]:
    return await Storage.open(location, key, clock=ahead), await Storage.open(location, key, clock=behind)


@ON_POSTGRESQL
async def test_unaligned_a_host_ahead_takes_over_the_live_lease_of_a_host_behind(database_location, key):
    """What goes wrong without the fleet clock, so the test below shows it is what prevents it."""
    ahead, behind = await two_hosts(database_location, key, host_clock(SKEW), host_clock(-SKEW))
    try:
        assert await behind.leases.take("link:ref", "behind", MINUTE) is not None
        assert await ahead.leases.take("link:ref", "ahead", MINUTE) is not None  # two holders of one link
    finally:
        await ahead.close()
        await behind.close()


@ON_POSTGRESQL
async def test_aligned_hosts_minutes_apart_agree_on_leases_and_heartbeats(database_location, key):
    clock_ahead, clock_behind = FleetClock(host_clock(SKEW)), FleetClock(host_clock(-SKEW))
    ahead, behind = await two_hosts(database_location, key, clock_ahead, clock_behind)
    try:
        await clock_ahead.align(ahead.database)
        await clock_behind.align(behind.database)
        assert abs(clock_ahead() - clock_behind()) < timedelta(seconds=1)
        assert abs(clock_ahead() - await ahead.database.server_time()) < timedelta(seconds=1)

        # A link's lease taken by the host behind holds, for the host ahead, until it runs out.
        lease = await behind.leases.take("link:ref", "behind", MINUTE)
        assert lease is not None
        assert await ahead.leases.take("link:ref", "ahead", MINUTE) is None
        assert await behind.leases.renew(lease, MINUTE)
        # A heartbeat of the host behind is a live process's for the host ahead (so its payments are its own).
        await behind.instances.register("behind-pid", "host behind")
        assert "behind-pid" in await ahead.instances.live(stale_after=MINUTE)
        # A lease that has run out is taken over, as after a crash: the host ahead sees it expire on time.
        short = await ahead.leases.take("poller", "ahead", timedelta(seconds=-1))
        assert short is not None
        assert await behind.leases.take("poller", "behind", MINUTE) is not None
    finally:
        await ahead.close()
        await behind.close()


@ON_SQLITE
async def test_on_sqlite_the_clock_is_this_machines(database_location, key):
    clock = FleetClock(host_clock(SKEW))
    storage = await Storage.open(database_location, key, clock=clock)
    try:
        await clock.align(storage.database)
        assert clock.offset == timedelta(0)
        assert await storage.database.server_time() is None
    finally:
        await storage.close()
