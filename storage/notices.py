"""Notes for a member that could not reach them when they were written (closed DMs, a lost receipt): each is
shown once, on the member's next command (see cogs/notices.py)."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from .backend import Database, Transaction
from .clock import Clock, now, to_seconds


@dataclass(frozen=True)
class Notice:
    id: int
    discord_user_id: int
    text: str


# What the latest read of a member's links in this task (one interaction's) saw of their notices, read in the same
# statement: (member id, whether any waited). Lets the notices check after a command skip a second read, which
# every command would otherwise queue on the database thread, when nothing was waiting at the command's start.
_SEEN_WITH_LINKS: ContextVar[tuple[int, bool] | None] = ContextVar("notices_seen_with_links", default=None)

# A column for the read of a member's links: 1 if notices wait for them (in that read's snapshot), else 0.
NOTICES_WAITING_COLUMN = ("EXISTS (SELECT 1 FROM notices "
                          "WHERE notices.discord_user_id = linked_accounts.discord_user_id) AS notices_waiting")


def note_seen_with_links(discord_user_id: int, any_waiting: bool) -> None:
    _SEEN_WITH_LINKS.set((discord_user_id, bool(any_waiting)))


class NoticeBoard:
    def __init__(self, database: Database, clock: Clock = now):
        self._db = database
        self._clock = clock

    async def post(self, discord_user_id: int, text: str) -> None:
        _SEEN_WITH_LINKS.set(None)  # this task's own notice is shown after its command, as before
        await self._db.execute("INSERT INTO notices (discord_user_id, text, created_at) VALUES (?, ?, ?)",
                               (discord_user_id, text, to_seconds(self._clock())))

    async def post_within(self, connection: Transaction, discord_user_id: int, text: str) -> None:
        """`post`, as one step of a transaction the caller holds."""
        _SEEN_WITH_LINKS.set(None)
        await connection.execute("INSERT INTO notices (discord_user_id, text, created_at) VALUES (?, ?, ?)",
                                 (discord_user_id, text, to_seconds(self._clock())))

    async def waiting(self, discord_user_id: int) -> list[Notice]:
        """The member's notices not shown yet, oldest first."""
        rows = await self._db.fetch_all(
            "SELECT id, discord_user_id, text FROM notices WHERE discord_user_id = ? ORDER BY id",
            (discord_user_id,),
        )
        return [Notice(row["id"], row["discord_user_id"], row["text"]) for row in rows]

    async def to_show(self, discord_user_id: int) -> list[Notice]:
        """`waiting`, for the check after a member's command: none, without reading, when this command already
        read the member's links and saw none waiting then (a notice posted since, by another process or task,
        is shown on their next command, as one posted just after this check would be)."""
        if _SEEN_WITH_LINKS.get() == (discord_user_id, False):
            return []
        return await self.waiting(discord_user_id)

    async def claim(self, notice: Notice) -> bool:
        """Take a notice off the board before showing it; True only for the one caller that took it (two
        commands at once must not both show it). A notice that could not be shown is posted again."""
        return await self._db.execute("DELETE FROM notices WHERE id = ?", (notice.id,)) > 0
