"""The demo: an embedded Taubot sandbox, a temporary database, the real bot, and a console for Discord.

`run_demo` is what `python bot.py demo` runs; `open_demo` builds the same session for tests, which then feed
it lines with `read_lines`. What each line does is in dispatch.py.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TextIO

from bot import TaubotBot
from config import Settings, generate_encryption_key
from harness import FakeDiscord
from sandbox import ALICE, BOB, CAROL, DAVE, Sandbox

from .dispatch import DemoConsole
from .grant import DEMO_SPENDING_LIMIT
from .help import general_help
from .terminal import Terminal
from .words import listed

MEMBERS = {"alice": ALICE, "bob": BOB, "carol": CAROL, "dave": DAVE}
WATCH_INTERVAL_SECONDS = 1.0


class _NoVoiceWarnings(logging.Filter):
    """discord.py warns at start that voice libraries are missing; the bot never uses voice."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "voice will NOT be supported" not in record.getMessage()


@asynccontextmanager
async def open_demo(terminal: Terminal, *, dialect: str = "v2") -> AsyncIterator[DemoConsole]:
    """The sandbox (speaking `dialect`), a temporary folder (database and attached files), the real bot, and the
    console."""
    sandbox = Sandbox(seed="demo", dialect=dialect)
    await sandbox.start()
    try:
        with tempfile.TemporaryDirectory(prefix="taubot-demo-") as folder:
            settings = Settings(
                discord_token="demo",  # noqa: S106 (no secret: the demo never talks to Discord)
                taubot_master_key=sandbox.master_key,
                taubot_app_id=uuid.UUID(sandbox.application_id),
                key_encryption_key=base64.urlsafe_b64decode(generate_encryption_key()),
                taubot_api_url=sandbox.api_url, database_path=Path(folder) / "demo.sqlite3",
            )
            discord = await FakeDiscord.start(TaubotBot(settings))
            try:
                yield DemoConsole(discord, sandbox, terminal, files_folder=Path(folder), members=MEMBERS)
            finally:
                await discord.stop()
    finally:
        await sandbox.stop()


async def read_lines(console: DemoConsole, stdin: TextIO) -> None:
    """Prompt, read a line, do it; until quit or the end of the input. What the bot does meanwhile on its own
    is shown as it happens."""
    waiting = asyncio.Event()  # set while the prompt waits: only then may the watcher print
    watcher = asyncio.create_task(_watch(console, waiting))
    try:
        while True:
            console.terminal.prompt(console.prompt_text())
            waiting.set()
            line = await asyncio.to_thread(stdin.readline)
            waiting.clear()
            if not line:
                console.terminal.end()
                return
            console.terminal.typed(line)
            if not await console.handle(line):
                return
    finally:
        watcher.cancel()


async def _watch(console: DemoConsole, waiting: asyncio.Event) -> None:
    """Show what the bot does on its own (a link finished by the poller, a payment DM) as it happens."""
    while True:
        await asyncio.sleep(WATCH_INTERVAL_SECONDS)
        if waiting.is_set():  # a command's own output is printed by the command
            console.show_changes_unprompted()


def welcome(console: DemoConsole) -> str:
    me, others = console.me, [name for name in console.members.names if name != console.me.username]
    return (f"Taubot demo: a local Taubot {console.sandbox.dialect} sandbox at {console.sandbox.api_url}, a temporary "
            "database, and this "
            f"console standing in for Discord.\nMembers: {me.username} (you), {listed(others)}. Open the grant link "
            "from a DM in a browser on this machine and type the member's Discord ID "
            f"({me.username} is {me.id}), or type grant.\n\n"
            + general_help(console.catalogue, console.members.names, DEMO_SPENDING_LIMIT))


async def run_demo(stdin: TextIO = sys.stdin, out: TextIO = sys.stdout, *, dialect: str = "v2") -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("discord.client").addFilter(_NoVoiceWarnings())
    terminal = Terminal(out, echo_input=not stdin.isatty())
    async with open_demo(terminal, dialect=dialect) as console:
        terminal.say(welcome(console))
        await read_lines(console, stdin)
    return 0
