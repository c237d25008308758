"""What members chose about the bot's messages to them: whether they get "X paid you" DMs, and whose money
requests they do not want."""

from __future__ import annotations

from .backend import Database
from .clock import Clock, now, to_seconds


class MemberPreferences:
    def __init__(self, database: Database, clock: Clock = now):
        self._db = database
        self._clock = clock

    async def paid_you_dms(self, discord_user_id: int) -> bool:
        """Whether the member gets a DM when someone pays them through the bot (yes unless they turned it off)."""
        row = await self._db.fetch_point(
            "SELECT paid_you_dms FROM member_preferences WHERE discord_user_id = ?", (discord_user_id,))
        return row is None or bool(row["paid_you_dms"])

    async def set_paid_you_dms(self, discord_user_id: int, on: bool) -> None:
        await self._db.execute(
            "INSERT INTO member_preferences (discord_user_id, paid_you_dms) VALUES (?, ?) "
            "ON CONFLICT (discord_user_id) DO UPDATE SET paid_you_dms = excluded.paid_you_dms",
            (discord_user_id, int(on)))

    async def mute(self, discord_user_id: int, muted_user_id: int) -> bool:
        """The member no longer takes requests from `muted_user_id`; False if they were muted already."""
        return await self._db.execute(
            "INSERT INTO request_mutes (discord_user_id, muted_user_id, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (discord_user_id, muted_user_id) DO NOTHING",
            (discord_user_id, muted_user_id, to_seconds(self._clock()))) > 0

    async def unmute(self, discord_user_id: int, muted_user_id: int) -> bool:
        """False if they were not muted."""
        return await self._db.execute(
            "DELETE FROM request_mutes WHERE discord_user_id = ? AND muted_user_id = ?",
            (discord_user_id, muted_user_id)) > 0

    async def has_muted(self, discord_user_id: int, requester_user_id: int) -> bool:
        row = await self._db.fetch_point(
            "SELECT 1 AS muted FROM request_mutes WHERE discord_user_id = ? AND muted_user_id = ?",
            (discord_user_id, requester_user_id))
        return row is not None
