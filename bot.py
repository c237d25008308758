"""The Taubot Discord bot: the Bot subclass and the command line that runs, syncs and checks it.

    python bot.py              run the bot (same as `python bot.py run`)
    python bot.py sync         register the slash commands with Discord (globally, or --guild ID)
    python bot.py sync --dry-run   print the command payloads as JSON, offline, no credentials needed
    python bot.py gen-key      print a fresh KEY_ENCRYPTION_KEY
    python bot.py demo         the whole product locally, with a console standing in for Discord
    python bot.py check        check configuration, database, Taubot and Discord, one line each
    python bot.py backup PATH  copy the database consistently, even while the bot runs
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
import uuid
from collections.abc import Coroutine, Mapping, Sequence
from pathlib import Path
from typing import Any

import aiohttp
import discord
from discord.ext import commands

from cogs.interactions import TaubotCommandTree, count_taubot_request, tell_cut_off
from config import (
    ConfigError,
    Settings,
    database_path_of,
    generate_encryption_key,
    load_settings,
    read_environment,
)
from hosting.check import run_checks
from logging_setup import setup_logging
from storage import DatabaseError, Storage, backup_database
from taubot import TaubotClient

log = logging.getLogger("taubot_bot")

# Every feature cog, loaded in this order. A new cog is one line here.
EXTENSIONS: tuple[str, ...] = ("cogs.link", "cogs.balance", "cogs.pay", "cogs.history")

DEFAULT_ENV_FILE = Path(__file__).resolve().with_name(".env")
# How long members' in-flight commands get to finish at shutdown. A payment that needs longer (Taubot slow on
# each of its requests) is cut off: its journal row stays pending and is settled from Taubot's log at the next
# start. deploy/taubot-bot.service's TimeoutStopSec covers this plus the steps after it.
SHUTDOWN_GRACE_SECONDS = 15.0
CUT_OFF_WAIT_SECONDS = 2.0  # for interactions cancelled after the grace period to unwind, before telling members
USER_AGENT = "taubot-discord/0.1 (self-hosted Discord frontend; aiohttp)"
# Settings that let the command tree be built (for `sync --dry-run`) without any real credentials.
OFFLINE_SETTINGS = Settings(
    discord_token="", taubot_master_key="", taubot_app_id=uuid.UUID(int=0), key_encryption_key=b"\0" * 32
)


class TaubotBot(commands.AutoShardedBot):
    """The bot. `setup_hook` opens storage and the one HTTP session, then loads the feature cogs.

    `background_tasks=False` builds a bot that serves commands but runs no pollers or reconcilers (used by
    `sync` and by tests that want full control of time).
    """

    def __init__(self, settings: Settings, *, background_tasks: bool = True):
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            # Slash commands need no privileged intents; guilds keeps the server cache for mentions.
            intents=discord.Intents(guilds=True),
            allowed_mentions=discord.AllowedMentions.none(),
            shard_count=settings.shard_count,
            shard_ids=list(settings.shard_ids) if settings.shard_ids else None,
            tree_cls=TaubotCommandTree,
        )
        self.settings = settings
        self.background_tasks = background_tasks
        self.storage: Storage | None = None
        self.http_session: aiohttp.ClientSession | None = None
        self.taubot: TaubotClient | None = None
        self.stopping = False  # set at shutdown: new interactions are turned away politely
        self.in_flight: dict[asyncio.Task, discord.Interaction] = {}  # interactions being handled right now
        self.shutdown_grace_seconds = SHUTDOWN_GRACE_SECONDS

    async def open_storage(self) -> Storage:
        if self.storage is None:
            self.storage = await Storage.open(self.settings.database_path, self.settings.key_encryption_key)
        return self.storage

    async def setup_hook(self) -> None:
        await self.open_storage()
        self.http_session = aiohttp.ClientSession(headers={"User-Agent": USER_AGENT})
        self.taubot = TaubotClient(
            self.http_session,
            base_url=self.settings.taubot_api_url,
            master_key=self.settings.taubot_master_key,
            application_id=self.settings.taubot_app_id,
            timeout=aiohttp.ClientTimeout(
                total=self.settings.taubot_timeout_seconds, connect=self.settings.taubot_connect_timeout_seconds
            ),
            user_agent=USER_AGENT,
            on_request=count_taubot_request,
        )
        await self.load_feature_cogs()

    async def load_feature_cogs(self) -> None:
        """Load every cog in EXTENSIONS; each registers its own commands and persistent views."""
        for extension in EXTENSIONS:
            await self.load_extension(extension)

    async def close(self) -> None:
        # Finish what members already started, then undo setup_hook in reverse: cogs stop their background
        # work (unloaded by super().close()), the gateway closes, then the Taubot session and the database.
        self.stopping = True
        await self._finish_in_flight()
        await super().close()
        if self.http_session is not None:
            await self.http_session.close()
            self.http_session = None
        if self.storage is not None:
            await self.storage.close()
            self.storage = None


    async def _finish_in_flight(self) -> None:
        running = {task: interaction for task, interaction in self.in_flight.items()
                   if task is not asyncio.current_task() and not task.done()}
        if not running:
            return
        log.info("Waiting up to %.0f s for %d interaction(s) to finish", self.shutdown_grace_seconds, len(running))
        _, unfinished = await asyncio.wait(running, timeout=self.shutdown_grace_seconds)
        if not unfinished:
            return
        for task in unfinished:
            # A payment cut off here stays 'pending' in the journal and is reconciled at the next start.
            task.cancel()
        await asyncio.wait(unfinished, timeout=CUT_OFF_WAIT_SECONDS)  # let them unwind (journal, locks) first
        log.warning("Stopped %d interaction(s) that did not finish in time", len(unfinished))
        # Discord's connection is still open here: each member hears why their command stopped halfway.
        await asyncio.wait([asyncio.create_task(tell_cut_off(running[task])) for task in unfinished],
                           timeout=CUT_OFF_WAIT_SECONDS)


# ----------------------------------------------------------------------------------------------- commands


async def export_command_payloads(settings: Settings = OFFLINE_SETTINGS) -> list[dict]:
    """The JSON Discord would receive on `sync`, built from the real cogs without touching the network."""
    bot = TaubotBot(settings, background_tasks=False)
    async with bot:
        await bot.load_feature_cogs()
        return [command.to_dict(bot.tree) for command in bot.tree.get_commands()]


async def sync_commands(settings: Settings, guild_id: int | None) -> int:
    bot = TaubotBot(settings, background_tasks=False)
    async with bot:
        await bot.login(settings.discord_token)
        guild = discord.Object(id=guild_id) if guild_id else None
        if guild is not None:
            bot.tree.copy_global_to(guild=guild)
        synced = await bot.tree.sync(guild=guild)
    where = f"server {guild_id} (available at once)" if guild_id else "all servers (may take up to an hour)"
    print(f"Registered {len(synced)} commands for {where}: {', '.join('/' + c.name for c in synced)}")
    return 0


async def run_bot(settings: Settings) -> int:
    """Run until the gateway closes or SIGTERM/SIGINT arrives; then shut down cleanly."""
    bot = TaubotBot(settings)
    async with bot:
        await bot.open_storage()  # a wrong KEY_ENCRYPTION_KEY stops the bot here, before touching Discord
        await serve_until_signal(bot, bot.start(settings.discord_token))
    log.info("Stopped cleanly")
    return 0


async def serve_until_signal(bot: TaubotBot, serving: Coroutine[Any, Any, None],
                             signals: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGINT)) -> None:
    """Await `serving` (the gateway connection) until it ends or a signal asks the bot to stop.

    discord.py handles neither SIGTERM (how systemd and Heroku stop a process) nor a clean SIGINT, so both
    end here in `bot.close()`, which lets in-flight interactions finish first.
    """
    stop_requested = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in signals:
        loop.add_signal_handler(signal_number, stop_requested.set)
    running = asyncio.create_task(serving, name="discord-gateway")
    stopping = asyncio.create_task(stop_requested.wait(), name="stop-signal")
    try:
        await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not stopping.done():
            running.result()  # re-raises a login or connection failure
            return
        log.info("Shutdown requested; finishing in-flight work and closing connections")
        await bot.close()
        try:
            await asyncio.wait_for(running, timeout=10)
        except (TimeoutError, asyncio.CancelledError):
            pass
        except Exception:  # the connection was torn down under it on purpose
            log.debug("The gateway task ended with an error during shutdown", exc_info=True)
    finally:
        stopping.cancel()
        for signal_number in signals:
            loop.remove_signal_handler(signal_number)


def check_everything(environ: Mapping[str, str]) -> int:
    """`python bot.py check`: each line is printed the moment its check ends, so a hang shows where it is."""
    checks = asyncio.run(run_checks(environ, report=lambda check: print(check.line(), flush=True)))
    problems = sum(not check.ok for check in checks)
    print("All checks passed." if not problems else f"{problems} problem(s) found.")
    return 0 if not problems else 1


def back_up(environ: Mapping[str, str], destination: Path) -> int:
    source = database_path_of(environ)
    try:
        version = asyncio.run(backup_database(source, destination))
    except DatabaseError as error:
        print(f"Backup failed: {error}", file=sys.stderr)
        return 1
    except OSError as error:  # the backup's folder cannot be created or written
        print(f"Backup failed: cannot create {destination}: {error.strerror or error}.", file=sys.stderr)
        return 1
    print(f"Backed up {source} to {destination} (schema {version}, integrity ok).")
    return 0


# ---------------------------------------------------------------------------------------------------- CLI


def _guild_argument(text: str) -> int | str:
    if text == "dev":
        return text
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a server ID (a number)")
    return int(text)


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python bot.py", description="The Taubot Discord bot.")
    parser.add_argument("--env-file", default=DEFAULT_ENV_FILE, type=Path,
                        help="settings file to read (default: .env next to bot.py)")
    commands_parser = parser.add_subparsers(dest="command", metavar="command")
    commands_parser.add_parser("run", help="run the bot (the default)")
    sync = commands_parser.add_parser("sync", help="register the slash commands with Discord")
    sync.add_argument(
        "--guild", nargs="?", const="dev", type=_guild_argument, metavar="ID",
        help="register in one server only, instantly (without ID: DEV_GUILD_ID)",
    )
    sync.add_argument("--dry-run", action="store_true", help="print the command payloads as JSON and exit")
    commands_parser.add_parser("gen-key", help="print a fresh KEY_ENCRYPTION_KEY")
    commands_parser.add_parser("demo", help="try the bot locally: no configuration, no Discord, no Taubot needed")
    commands_parser.add_parser("check", help="check the configuration, database, Taubot and Discord; change nothing")
    backup = commands_parser.add_parser("backup", help="copy the database safely, even while the bot runs")
    backup.add_argument("path", type=Path, help="the new backup file (must not exist yet)")
    arguments = parser.parse_args(argv)
    arguments.command = arguments.command or "run"
    return arguments


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    if arguments.command == "gen-key":
        print(generate_encryption_key())
        return 0
    if arguments.command == "sync" and arguments.dry_run:
        print(json.dumps(asyncio.run(export_command_payloads()), indent=2, ensure_ascii=False))
        return 0
    if arguments.command == "demo":
        from demo.console import run_demo  # only the demo needs the sandbox and the harness

        return asyncio.run(run_demo())
    if arguments.command == "check":
        return check_everything(read_environment(arguments.env_file))
    if arguments.command == "backup":
        return back_up(read_environment(arguments.env_file), arguments.path)

    try:
        settings = load_settings(read_environment(arguments.env_file))
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    setup_logging(settings.log_level, settings.secret_values())

    try:
        if arguments.command == "sync":
            guild_id = settings.dev_guild_id if arguments.guild == "dev" else arguments.guild
            if arguments.guild == "dev" and guild_id is None:
                print("`sync --guild` without an ID needs DEV_GUILD_ID to be set.", file=sys.stderr)
                return 2
            return asyncio.run(sync_commands(settings, guild_id))
        return asyncio.run(run_bot(settings))
    except DatabaseError as error:
        print(f"The bot cannot start: {error}", file=sys.stderr)
        return 2
    except discord.LoginFailure:
        print("The bot cannot start: Discord rejected DISCORD_TOKEN. Copy a fresh token from "
              "https://discord.com/developers/applications (Bot → Reset Token) into .env.", file=sys.stderr)
        return 2
    except discord.PrivilegedIntentsRequired:
        print("The bot cannot start: Discord refused the requested gateway intents.", file=sys.stderr)
        return 2
    except (aiohttp.ClientConnectionError, discord.GatewayNotFound) as error:
        print(f"The bot cannot reach Discord ({type(error).__name__}). Check the network and try again.",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
