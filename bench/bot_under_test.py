"""The real bot, logged in to the harness's fake Discord, talking to the sandbox process over loopback.

Members are linked the way a person does it: /link-account, the grant on Taubot's side, then "I've granted
access". Logging is set up as `python bot.py run` sets it up, to a file beside the database (production_logging.py).
How many Taubot requests it made is counted by the sandbox (request_counts.py).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from bot import TaubotBot
from cogs.link.buttons import grant_ref_of
from config import Settings
from harness import FakeDiscord, FakeUser

from .production_logging import ProductionLogging
from .sandbox_process import SandboxProcess

STARTING_BALANCE = 1_000_000_00
LINK_BATCH = 25


@dataclass
class Member:
    user: FakeUser
    account_id: str


class BotUnderTest:
    def __init__(self, sandbox: SandboxProcess, database_path: Path, encryption_key: bytes,
                 database_url: str | None = None, shared_logging: ProductionLogging | None = None):
        """database_url: PostgreSQL instead of the SQLite file at database_path (python -m bench --database).
        shared_logging: another bot's logging set-up in this process, which this one writes through too (see
        production_logging.py); by default it sets up its own."""
        credentials = sandbox.credentials
        self.sandbox = sandbox
        self.settings = Settings(
            discord_token="bench-token",
            taubot_master_key=credentials["master_key"],
            taubot_app_id=uuid.UUID(credentials["application_id"]),
            key_encryption_key=encryption_key,
            taubot_api_url=credentials["api_url"],
            taubot_api_dialect=sandbox.dialect,
            database_path=database_path,
            database_url=database_url,
        )
        self._shared_logging = shared_logging
        self.logging: ProductionLogging | None = None
        self.bot: TaubotBot | None = None
        self.discord: FakeDiscord | None = None

    async def start(self) -> BotUnderTest:
        if self._shared_logging is None:  # what cli.connect does for `run`, with a file for stderr
            self.logging = ProductionLogging(self.settings.database_path.with_suffix(".log"),
                                             self.settings.log_level, self.settings.secret_values())
        else:
            self.logging = self._shared_logging
            self.logging.redact_also(self.settings.secret_values())

        # No background poller: links are finished by the button, so its timing never mixes in.
        self.bot = TaubotBot(self.settings, background_tasks=False)
        self.discord = await FakeDiscord.start(self.bot)
        return self

    async def stop(self) -> None:
        try:
            if self.discord is not None:
                self.discord.assert_no_errors_logged()
                await self.discord.stop()
        finally:
            if self.logging is not None and self._shared_logging is None:
                self.logging.close()

    def log_lines(self) -> int:
        """Lines logged so far through this bot's logging set-up (by every bot sharing it)."""
        return self.logging.lines() if self.logging is not None else 0

    async def add_members(self, count: int, prefix: str) -> list[Member]:
        """`count` members, each with a funded personal account, linked through the real flow."""
        return await _in_batches(count, lambda n: self._new_member(f"{prefix}{n}"))

    async def add_same_members(self, members: list[Member]) -> list[Member]:
        """Another bot's `members` (the same Discord users, the same Taubot accounts) linked to this one
        through the same flow: each grants this bot a key of its own, as a member of two servers would."""
        def link(n: int) -> Awaitable[Member]:
            user = self.discord.user(members[n].user.username, user_id=members[n].user.id)
            return self._link(user, members[n].account_id)

        return await _in_batches(len(members), link)

    async def _new_member(self, name: str) -> Member:
        user = self.discord.user(name)
        return await self._link(user, await self.sandbox.open_account(name, owner_id=user.id,
                                                                      balance=STARTING_BALANCE))

    async def _link(self, user: FakeUser, account_id: str) -> Member:
        await self.discord.run_command("link-account", by=user)
        dm = self.discord.last_dm(user)
        ref_id = grant_ref_of(b.custom_id for b in dm.buttons)
        if ref_id is None:
            raise RuntimeError(f"linking {user.username} failed: the DM has no link")
        await self.sandbox.grant(ref_id, user.id)
        pressed = await self.discord.press(dm, "I've granted access", by=user)
        if not pressed.text.startswith("Linked to"):
            raise RuntimeError(f"linking {user.username} failed: {pressed.text}")
        return Member(user, account_id)

    async def grant_key_of(self, member: Member) -> str:
        linked = await self.bot.storage.grant_keys.get(member.user.id)
        return linked.grant_key

    async def linked_rows(self, members: list[Member]) -> list[tuple[int, str, str]]:
        """(Discord user id, grant key, account id) of each member: what the naive cog keeps in its dict."""
        return [(m.user.id, await self.grant_key_of(m), m.account_id) for m in members]


async def _in_batches(count: int, link: Callable[[int], Awaitable[Member]]) -> list[Member]:
    """Members 0 … count-1, linked LINK_BATCH at a time, in order."""
    members: list[Member] = []
    for start in range(0, count, LINK_BATCH):
        members.extend(await asyncio.gather(*(link(n) for n in range(start, min(count, start + LINK_BATCH)))))
    return members


def new_encryption_key() -> bytes:
    return os.urandom(32)
