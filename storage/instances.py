"""The bot processes sharing this database: each registers at start, beats while it runs and signs off at a
clean stop. A process whose heartbeat stopped (a crash, a kill) no longer owns the payments it was sending, so
another process may settle them once Taubot can no longer apply them (see cogs/pay/settling.py).

All processes on one SQLite file run on one machine, so their clocks agree; a shared PostgreSQL deployment
would stamp heartbeats with the database's clock instead.
"""

from __future__ import annotations

from datetime import timedelta

from .backend import Database
from .clock import Clock, now, to_seconds

# A process silent (stopped, or its heartbeat gone) this long is forgotten when another one starts: only live
# processes matter to the others, and a bot restarted daily would otherwise keep a row for every day it ran.
FORGOTTEN_AFTER = timedelta(days=30)


class InstanceRegistry:
    def __init__(self, database: Database, clock: Clock = now):
        self._db = database
        self._clock = clock

    async def register(self, instance_id: str, label: str) -> None:
        moment = self._clock()
        started = to_seconds(moment)
        async with self._db.transaction() as connection:
            await connection.execute("DELETE FROM instances WHERE heartbeat_at < ?",
                                     (to_seconds(moment - FORGOTTEN_AFTER),))
            await connection.execute(
                "INSERT INTO instances (instance_id, label, started_at, heartbeat_at) VALUES (?, ?, ?, ?)",
                (instance_id, label, started, started),
            )

    async def beat(self, instance_id: str) -> None:
        await self._db.execute("UPDATE instances SET heartbeat_at = ? WHERE instance_id = ?",
                               (to_seconds(self._clock()), instance_id))

    async def stop(self, instance_id: str) -> None:
        """A clean shutdown: nothing of this process is in flight any more."""
        await self._db.execute("UPDATE instances SET stopped_at = ? WHERE instance_id = ?",
                               (to_seconds(self._clock()), instance_id))

    async def live(self, stale_after: timedelta) -> set[str]:
        """The instances that beat within `stale_after` and have not stopped."""
        rows = await self._db.fetch_all(
            "SELECT instance_id FROM instances WHERE stopped_at IS NULL AND heartbeat_at > ?",
            (to_seconds(self._clock() - stale_after),),
        )
        return {row["instance_id"] for row in rows}
