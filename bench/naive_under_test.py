"""The naive cog logged in to a fake Discord of its own, in the benchmark's process and event loop, holding the
same members' keys as the bot and talking to the same sandbox process."""

from __future__ import annotations

from harness import FakeDiscord, FakeUser

from .naive_cog import NaiveBot
from .sandbox_process import SandboxProcess


class NaiveUnderTest:
    def __init__(self, discord: FakeDiscord, users: list[FakeUser]):
        self.discord = discord
        self.users = users

    @classmethod
    async def start(cls, sandbox: SandboxProcess, linked: list[tuple[int, str, str]],
                    members: list[int] | None = None) -> NaiveUnderTest:
        """`linked`: (Discord user id, grant key, account id) for each member, the same ones the bot holds;
        `members`: the ids of those who will run commands (default: all of them)."""
        keys = {user_id: (key, account_id) for user_id, key, account_id in linked}
        discord = await FakeDiscord.start(NaiveBot(sandbox.api_url, sandbox.dialect, keys))
        ids = [user_id for user_id, _, _ in linked] if members is None else members
        return cls(discord, [discord.user(f"naive-member{n}", user_id=user_id) for n, user_id in enumerate(ids)])

    async def stop(self) -> None:
        await self.discord.stop()
