"""The processes sharing the database: a live one is known to the others; one silent for a month is forgotten."""

from datetime import timedelta

from storage import Storage


async def test_a_process_silent_for_a_month_is_forgotten_when_another_starts(database_location, key, clock):
    storage = await Storage.open(database_location, key, clock=clock)
    try:
        await storage.instances.register("crashed", "host pid 1")
        await storage.instances.register("stopped", "host pid 2")
        await storage.instances.stop("stopped")
        clock.at += timedelta(days=29)
        await storage.instances.register("running", "host pid 3")
        clock.at += timedelta(days=2)  # the first two silent for 31 days; the third beat 2 days ago
        await storage.instances.register("new", "host pid 4")

        rows = await storage.database.fetch_all("SELECT instance_id FROM instances ORDER BY instance_id")
        assert [row["instance_id"] for row in rows] == ["new", "running"]
        assert await storage.instances.live(stale_after=timedelta(minutes=1)) == {"new"}
    finally:
        await storage.close()
