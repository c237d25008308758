"""Notes for a member that could not reach them when they were written (closed DMs, a lost receipt): each is
shown once, on the member's next command (see cogs/notices.py)."""

from __future__ import annotations

from dataclasses import dataclass

from .backend import Database, Transaction
from .clock import Clock, now, to_seconds


@dataclass(frozen=True)
class Notice:
    id: int
    discord_user_id: int
    text: str


class NoticeBoard:
    def __init__(self, database: Database, clock: Clock = now):
        self._db = database
        self._clock = clock

    async def post(self, discord_user_id: int, text: str) -> None:
        await self._db.execute("INSERT INTO notices (discord_user_id, text, created_at) VALUES (?, ?, ?)",
                               (discord_user_id, text, to_seconds(self._clock())))

    async def post_within(self, connection: Transaction, discord_user_id: int, text: str) -> None:
        """`post`, as one step of a transaction the caller holds."""
        await connection.execute("INSERT INTO notices (discord_user_id, text, created_at) VALUES (?, ?, ?)",
                                 (discord_user_id, text, to_seconds(self._clock())))

    async def waiting(self, discord_user_id: int) -> list[Notice]:
        """The member's notices not shown yet, oldest first."""
        rows = await self._db.fetch_all(
            "SELECT id, discord_user_id, text FROM notices WHERE discord_user_id = ? ORDER BY id",
            (discord_user_id,),
        )
        return [Notice(row["id"], row["discord_user_id"], row["text"]) for row in rows]

    async def claim(self, notice: Notice) -> bool:
        """Take a notice off the board before showing it; True only for the one caller that took it (two
        commands at once must not both show it). A notice that could not be shown is posted again."""
        return await self._db.execute("DELETE FROM notices WHERE id = ?", (notice.id,)) > 0
