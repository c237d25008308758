"""The real bot, logged in to the harness's fake Discord, talking to the sandbox process over loopback.

Members are linked the way a person does it: /link-account, the grant on Taubot's side, then "I've granted
access". Logging is set up exactly as `python bot.py run` sets it up (LOG_LEVEL=INFO: the redacting record
factory, the real formatter and handler), writing to a file beside the database instead of stderr, so every
command pays for its log line as in production. How many Taubot requests it made is counted by the sandbox
(request_counts.py).
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot import TaubotBot
from cogs.link.buttons import grant_ref_of
from config import Settings
from harness import FakeDiscord, FakeUser
from logging_setup import setup_logging

from .sandbox_process import SandboxProcess

STARTING_BALANCE = 1_000_000_00
LINK_BATCH = 25


@dataclass
class Member:
    user: FakeUser
    account_id: str


class BotUnderTest:
    def __init__(self, sandbox: SandboxProcess, database_path: Path, encryption_key: bytes,
                 database_url: str | None = None):
        """database_url: PostgreSQL instead of the SQLite file at database_path (python -m bench --database)."""
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
        self.log_path = database_path.with_suffix(".log")
        self._log_file: TextIO | None = None
        self._log_handler: logging.Handler | None = None
        self.bot: TaubotBot | None = None
        self.discord: FakeDiscord | None = None

    async def start(self) -> BotUnderTest:
        # What cli.connect does for `run`, with a file for stderr.
        self._log_file = self.log_path.open("a", encoding="utf-8")
        self._log_handler = setup_logging(self.settings.log_level, self.settings.secret_values(),
                                          stream=self._log_file)

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
            if self._log_handler is not None:
                logging.getLogger().removeHandler(self._log_handler)
            if self._log_file is not None:
                self._log_file.close()

    def log_lines(self) -> int:
        """Lines the bot has logged so far (its per-interaction lines and anything else at INFO or above)."""
        with self.log_path.open(encoding="utf-8") as written:
            return sum(1 for _ in written)

    async def add_members(self, count: int, prefix: str) -> list[Member]:
        """`count` members, each with a funded personal account, linked through the real flow."""
        members: list[Member] = []
        for start in range(0, count, LINK_BATCH):
            batch = await asyncio.gather(*(self._linked_member(f"{prefix}{n}")
                                           for n in range(start, min(count, start + LINK_BATCH))))
            members.extend(batch)
        return members

    async def _linked_member(self, name: str) -> Member:
        user = self.discord.user(name)
        account_id = await self.sandbox.open_account(name, owner_id=user.id, balance=STARTING_BALANCE)
        await self.discord.run_command("link-account", by=user)
        dm = self.discord.last_dm(user)
        ref_id = grant_ref_of(b.custom_id for b in dm.buttons)
        if ref_id is None:
            raise RuntimeError(f"linking {name} failed: the DM has no link")
        await self.sandbox.grant(ref_id, user.id)
        pressed = await self.discord.press(dm, "I've granted access", by=user)
        if not pressed.text.startswith("Linked to"):
            raise RuntimeError(f"linking {name} failed: {pressed.text}")
        return Member(user, account_id)

    async def grant_key_of(self, member: Member) -> str:
        linked = await self.bot.storage.grant_keys.get(member.user.id)
        return linked.grant_key

    async def linked_rows(self, members: list[Member]) -> list[tuple[int, str, str]]:
        """(Discord user id, grant key, account id) of each member: what the naive cog keeps in its dict."""
        return [(m.user.id, await self.grant_key_of(m), m.account_id) for m in members]


def new_encryption_key() -> bytes:
    return os.urandom(32)
