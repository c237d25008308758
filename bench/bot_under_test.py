"""The real bot, logged in to the harness's fake Discord, talking to the sandbox process over loopback.

Members are linked the way a person does it: /link-account, the grant on Taubot's side, then "I've granted
access". How each interaction ended is read from the bot's own per-interaction log line (the one operators
see); how many Taubot requests it made is counted by the sandbox (request_counts.py).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from bot import TaubotBot
from cogs.link.buttons import grant_ref_of
from config import Settings
from harness import FakeDiscord, FakeUser

from .sandbox_process import SandboxProcess

INTERACTION_LOGGER = "taubot_bot.interactions"
LOG_LINE = re.compile(r"^(?P<what>\S+) user=(?P<user>\d+) outcome=(?P<outcome>\S+) .* taubot_requests=(?P<n>\d+)$")
STARTING_BALANCE = 1_000_000_00
LINK_BATCH = 25


@dataclass
class Member:
    user: FakeUser
    account_id: str


class InteractionLog(logging.Handler):
    """Keeps the bot's one-line-per-interaction records: what, outcome, Taubot requests."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.entries: list[tuple[str, str, int]] = []

    def emit(self, record: logging.LogRecord) -> None:
        matched = LOG_LINE.match(record.getMessage())
        if matched:
            self.entries.append((matched["what"], matched["outcome"], int(matched["n"])))

    def take(self) -> list[tuple[str, str, int]]:
        taken, self.entries = self.entries, []
        return taken


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
        self.log = InteractionLog()
        self.bot: TaubotBot | None = None
        self.discord: FakeDiscord | None = None

    async def start(self) -> BotUnderTest:
        logger = logging.getLogger(INTERACTION_LOGGER)
        logger.setLevel(logging.INFO)
        logger.addHandler(self.log)

        # No background poller: links are finished by the button, so its timing never mixes in.
        self.bot = TaubotBot(self.settings, background_tasks=False)
        self.discord = await FakeDiscord.start(self.bot)
        return self

    async def stop(self) -> None:
        logging.getLogger(INTERACTION_LOGGER).removeHandler(self.log)
        if self.discord is not None:
            self.discord.assert_no_errors_logged()
            await self.discord.stop()

    async def add_members(self, count: int, prefix: str) -> list[Member]:
        """`count` members, each with a funded personal account, linked through the real flow."""
        members: list[Member] = []
        for start in range(0, count, LINK_BATCH):
            batch = await asyncio.gather(*(self._linked_member(f"{prefix}{n}")
                                           for n in range(start, min(count, start + LINK_BATCH))))
            members.extend(batch)
        self.log.take()
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

    def outcomes_logged(self, what: str) -> list[str]:
        """How each `what` (e.g. "command=/balance") logged since the last call ended: "ok", "expired"…"""
        return [outcome for logged, outcome, _ in self.log.take() if logged == what]


def new_encryption_key() -> bytes:
    return os.urandom(32)
