"""Work that one process of the fleet does at a time, claimed through leases in the database they share.

Several bot processes (shards on one machine, or on several hosts) run the same background work: polling
pending links, settling open payments. Each piece of work is claimed by name before it is done. Taking a lease
is one conditional statement (insert, or take over a lease whose time ran out), so two processes can never
both hold it, on SQLite or PostgreSQL alike; and it runs out by itself, so a process that dies loses its
leases after their time and another takes the work over.

`turn` counts the takes of a name. A holder that may have been slow checks that its turn is still the current
one (`renew`) before anything that must not happen twice: if another process took the lease meanwhile, it
stops. It also tells how often the work was taken before, which settling uses to back off.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .backend import Database
from .clock import Clock, from_seconds, now, to_seconds


@dataclass(frozen=True)
class Lease:
    name: str
    holder: str
    turn: int  # 1 for the first take of this name, then one more at each take (until it is released)


class Leases:
    def __init__(self, database: Database, clock: Clock = now):
        self._db = database
        self._clock = clock

    async def take(self, name: str, holder: str, duration: timedelta) -> Lease | None:
        """Hold `name` for `duration`; None while another holding of it has not run out (this holder's own
        included: a lease is not re-entrant)."""
        moment = self._clock()
        taken = await self._db.execute(
            "INSERT INTO leases (name, holder, held_until, turn) VALUES (?, ?, ?, 1) "
            "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, held_until = excluded.held_until, "
            "turn = leases.turn + 1 WHERE leases.held_until <= ?",
            (name, holder, to_seconds(moment + duration), to_seconds(moment)),
        )
        if not taken:
            return None
        row = await self._db.fetch_one("SELECT turn FROM leases WHERE name = ? AND holder = ?", (name, holder))
        return None if row is None else Lease(name, holder, row["turn"])

    async def renew(self, lease: Lease, duration: timedelta) -> bool:
        """Hold the lease `duration` from now if nobody took it since (even when its time ran out meanwhile and
        nobody else noticed); False: another process has the work now, and this one must leave it."""
        return await self.hold_until(lease, self._clock() + duration)

    async def hold_until(self, lease: Lease, until: datetime) -> bool:
        """Keep the lease until `until` (also past the work itself: nobody does it again before then); False if
        another process took it meanwhile."""
        return await self._db.execute(
            "UPDATE leases SET held_until = ? WHERE name = ? AND holder = ? AND turn = ?",
            (to_seconds(until), lease.name, lease.holder, lease.turn),
        ) > 0

    async def release(self, lease: Lease) -> None:
        """The work is done: anyone may take the name at once (its turns start again from 1)."""
        await self._db.execute("DELETE FROM leases WHERE name = ? AND holder = ? AND turn = ?",
                               (lease.name, lease.holder, lease.turn))

    async def held_until(self, name: str) -> datetime | None:
        """Until when someone holds `name`; None if nobody does right now."""
        row = await self._db.fetch_one("SELECT held_until FROM leases WHERE name = ? AND held_until > ?",
                                       (name, to_seconds(self._clock())))
        return None if row is None else from_seconds(row["held_until"])

    async def sweep(self, ran_out_before: datetime) -> int:
        """Forget leases that ran out before `ran_out_before` (work that finished without a release, e.g. a
        process died holding it and nobody needed the name again); return how many."""
        return await self._db.execute("DELETE FROM leases WHERE held_until < ?", (to_seconds(ran_out_before),))
