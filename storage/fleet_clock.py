""""Now" as every process sharing one database agrees on it.

Leases, locks and heartbeats compare times written by one process with the clock of another. On one machine
(SQLite) that is one clock. On several hosts sharing PostgreSQL each host has its own, and a host whose clock is
minutes behind would write leases that the others take for run out: two hosts would retrieve the same key or
settle the same payment. So each process reads the database server's clock now and then and keeps its own
clock's offset from it; every time it writes or compares is this host's clock plus that offset, which is the
server's within half a round trip, on every host alike.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .backend import Database
from .clock import Clock, now


class FleetClock:
    def __init__(self, local: Clock = now):
        self._local = local
        self.offset = timedelta(0)  # the database server's clock minus this host's, as last measured

    def __call__(self) -> datetime:
        return self._local() + self.offset

    async def align(self, database: Database) -> None:
        """Measure the offset again (a host's clock drifts, or is set while the bot runs). A database on this
        machine only (SQLite) has no clock of its own to follow: nothing changes."""
        asked = self._local()
        server = await database.server_time()
        if server is None:
            return
        answered = self._local()
        self.offset = server - (asked + (answered - asked) / 2)  # the server read it about halfway
