"""One bot process of the fleet test: the real bot (background work on) on the fleet's database and sandbox,
logged in to a fake Discord of its own, serving the interactions the test sends it.

    python -m tests.fleet.bot_process CONFIG.json

Every process knows the same members and the same DM channels (ids the test chose), so a DM one process sent
can be edited or pressed on another once the test told it about that message ("know").
Stdin, one JSON command a line: {"op": "link" | "press" | "pay" | "know" | "errors", "ask": N, ...}; it
stops when stdin closes. Stdout, one JSON line
each: {"ready": instance_id}, every message the bot sends or edits in a DM ({"dm": …}), and the answer to each
command ({"answer": N, "text": …}).
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import sys
import uuid
from pathlib import Path
from typing import Any, ClassVar

import discord

from bot import TaubotBot, Timings
from config import Settings
from harness import FakeDiscord, SentMessage
from logging_setup import setup_logging


def keep_log(settings: Settings) -> None:
    """The bot's own loggers at DEBUG, everything else at INFO, to stderr (the test's shardX-Y.log), redacted as
    in production and with milliseconds: a failed run is traced from these files."""
    handler = setup_logging("INFO", settings.secret_values())
    handler.setFormatter(logging.Formatter("%(asctime)s.%(msecs)03d %(levelname)s %(name)s: %(message)s",
                                           "%H:%M:%S"))
    for name in ("taubot_bot", "taubot"):
        logging.getLogger(name).setLevel(logging.DEBUG)


def say(**line: Any) -> None:
    print(json.dumps(line), flush=True)


def message_json(message: SentMessage) -> dict[str, Any]:
    return {"id": message.id, "channel_id": message.channel_id, "dm_user_id": message.dm_user_id,
            "data": message.data}


class FleetDiscord(FakeDiscord):
    """A fake Discord that knows, before the bot logs in (and its pollers start), the fleet's members, their DM
    channels and the DMs other processes sent them: a link completed at once after a restart edits its DM."""

    config: ClassVar[dict[str, Any]] = {}

    async def login(self, bot: discord.Client) -> None:
        for user_id, name, dm_channel_id in self.config["members"]:
            self.user(name, user_id=user_id)
            self.api.dm_channels[dm_channel_id] = user_id
        for shown in self.config.get("messages", []):
            self.api.messages[shown["id"]] = as_message(shown)
        self.api.on_message = lambda message: say(dm=message_json(message)) if message.dm_user_id else None
        await super().login(bot)


def as_message(shown: dict[str, Any]) -> SentMessage:
    return SentMessage(shown["id"], shown["channel_id"], shown["data"], dm_user_id=shown["dm_user_id"])


class Process:
    def __init__(self, discord: FakeDiscord, members: dict[int, Any]):
        self.discord = discord
        self.members = members

    def know(self, shown: dict[str, Any]) -> SentMessage:
        """A DM another process sent (or edited), as this fake Discord's own message, to edit or press."""
        message = self.discord.api.messages.get(shown["id"])
        if message is None:
            message = self.discord.api.messages[shown["id"]] = as_message(shown)
        return message

    async def serve(self, command: dict[str, Any]) -> str | None:
        op, user = command["op"], self.members.get(command.get("user", 0))
        if op == "errors":  # what it logged at ERROR, and what it did that Discord would reject
            errors = self.discord.error_guard.describe() if self.discord.error_guard.records else ""
            return errors + "\n".join(self.discord.api.problems)
        if op == "know":
            self.know(command["message"])
            return None
        if op == "link":
            return (await self.discord.run_command("link-account", by=user)).last.text
        if op == "press":
            message = self.know(command["message"])
            message.data = command["message"]["data"]  # pressed as the member's client shows it
            return (await self.discord.press(message, command["button"], by=user)).last.text
        if op == "pay":
            reply = await self.discord.run_command("pay user", by=user, amount=command["amount"],
                                                   to=self.members[command["to"]])
            if reply.last.buttons:
                reply = await self.discord.press(reply.last, "Confirm", by=user)
            return reply.last.text
        raise ValueError(f"unknown command {op!r}")


async def main(config: dict[str, Any]) -> None:
    database = config["database"]
    settings = Settings(
        discord_token="harness-token", taubot_master_key=config["master_key"],
        taubot_app_id=uuid.UUID(config["application_id"]),
        key_encryption_key=base64.urlsafe_b64decode(config["encryption_key"]), taubot_api_url=config["api_url"],
        database_path=Path(database) if not database.startswith("postgresql") else Path("unused.sqlite3"),
        database_url=database if database.startswith("postgresql") else None,
        taubot_timeout_seconds=config["timeout"], taubot_connect_timeout_seconds=config["timeout"] / 2,
        shard_count=config["shard_count"], shard_ids=(config["shard_id"],))
    keep_log(settings)
    bot = TaubotBot(settings, background_tasks=True, timings=Timings(**config["timings"]))
    FleetDiscord.config = config
    discord = await FleetDiscord.start(bot, process=config["shard_id"] + 3 * config["incarnation"])
    process = Process(discord, {user_id: discord.api.users[user_id] for user_id, _, _ in config["members"]})
    say(ready=bot.instance_id)

    async def answer(command: dict[str, Any]) -> None:
        try:
            text = await process.serve(command)
        except Exception as error:  # the test fails on it, with what happened
            say(answer=command.get("ask"), error=repr(error))
            return
        if command.get("ask") is not None:
            say(answer=command["ask"], text=text)

    reader = asyncio.StreamReader()
    await asyncio.get_running_loop().connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    running = set()
    while line := await reader.readline():
        task = asyncio.create_task(answer(json.loads(line)))
        running.add(task)
        task.add_done_callback(running.discard)
    await discord.stop()  # stdin closed: the test is done with it


if __name__ == "__main__":
    asyncio.run(main(json.loads(Path(sys.argv[1]).read_text())))
