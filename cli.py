"""The command line of the Taubot Discord bot (run as `python bot.py …`).

    python bot.py              run the bot (same as `python bot.py run`)
    python bot.py sync         register the slash commands with Discord (globally, or --guild ID); DISCORD_TOKEN only
    python bot.py sync --dry-run   print the command payloads as JSON, offline, no credentials needed
    python bot.py gen-key      print a fresh KEY_ENCRYPTION_KEY
    python bot.py demo [--dialect v2|v2.1]   the whole product locally, with a console standing in for Discord
    python bot.py check        check configuration, database, Taubot and Discord, one line each
    python bot.py backup PATH  copy the database consistently, even while the bot runs
"""

from __future__ import annotations

import supported_python  # noqa: F401  first: an old Python gets one line before any import below fails on it

# isort: split
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

from bot import CommandsOnlyBot, TaubotBot, freeze_start_up_objects
from check import master_key_expiry, run_checks, verdict
from config import (
    ConfigError,
    Settings,
    database_of,
    generate_encryption_key,
    load_discord_settings,
    load_settings,
    read_environment_or_exit,
)
from logging_setup import setup_logging
from storage import (
    DatabaseError,
    backup_database,
    copy_sqlite_to_postgres,
    is_postgres_url,
    pg_dump_command,
    without_password,
)
from taubot import DIALECTS, DialectUnknown, Unavailable

log = logging.getLogger("taubot_bot")

# Settings that let the command tree be built (for `sync --dry-run`) without any real credentials.
OFFLINE_SETTINGS = Settings(
    discord_token="", taubot_master_key="", taubot_app_id=uuid.UUID(int=0), key_encryption_key=b"\0" * 32
)
GATEWAY_CLOSE_SECONDS = 10.0
DIALECT_NAMES = tuple(DIALECTS)  # after close(), how long the gateway task may take to end


# ----------------------------------------------------------------------------------------------- commands


async def export_command_payloads(settings: Settings = OFFLINE_SETTINGS) -> list[dict]:
    """The JSON Discord would receive on `sync`, built from the real cogs without touching the network."""
    bot = CommandsOnlyBot(settings)
    async with bot:
        await bot.load_feature_cogs()
        return [command.to_dict(bot.tree) for command in bot.tree.get_commands()]


async def sync_commands(settings: Settings, guild_id: int | None) -> int:
    bot = CommandsOnlyBot(settings)  # settings may lack the Taubot credentials: nothing here needs them
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
        refused = await know_taubot(bot)  # so does a Taubot whose dialect is unknown
        if refused is not None:
            return refused
        freeze_start_up_objects()
        await serve_until_signal(bot, bot.start(settings.discord_token))
    log.info("Stopped cleanly")
    return 0


async def know_taubot(bot: TaubotBot) -> int | None:
    """Find out which dialect Taubot speaks before connecting to Discord, and log it with what follows from it;
    the exit status when the bot must not start: it never starts on a guess."""
    settings = bot.settings
    try:
        dialect = await bot.detect_taubot_dialect()
    except DialectUnknown as error:
        print(f"The bot cannot start: {error}. Check TAUBOT_API_URL (it ends in /api), or set TAUBOT_API_DIALECT "
              "to v2 or v2.1 if the Taubot operator told you the version.", file=sys.stderr)
        return 1 if (error.status or 0) >= 500 else 2  # a 5xx may pass (systemd restarts); anything else won't
    except Unavailable:
        print(f"The bot cannot start: Taubot at {settings.taubot_api_url} did not answer, so its version is "
              "unknown. Check TAUBOT_API_URL and the network; the bot tries again when restarted.", file=sys.stderr)
        return 1
    if settings.taubot_api_dialect != "auto":
        log.info("Taubot at %s speaks %s (pinned by TAUBOT_API_DIALECT)", settings.taubot_api_url, dialect)
    if dialect.max_link_minutes is not None and settings.link_timeout_minutes > dialect.max_link_minutes:
        log.info("Links expire after %d minutes (Taubot %s forgets a link after that), not LINK_TIMEOUT_MINUTES=%d",
                 dialect.max_link_minutes, dialect, settings.link_timeout_minutes)
    expiry = master_key_expiry(settings.taubot_master_key)
    if expiry is not None and not expiry.ok:
        log.error("%s", expiry.detail)
    elif expiry is not None and expiry.warning:
        log.warning("%s", expiry.detail)
    return None


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
        await _gateway_ended(running)
    finally:
        stopping.cancel()
        for signal_number in signals:
            loop.remove_signal_handler(signal_number)


async def _gateway_ended(running: asyncio.Task) -> None:
    try:
        await asyncio.wait_for(running, timeout=GATEWAY_CLOSE_SECONDS)
    except (TimeoutError, asyncio.CancelledError):
        pass
    except Exception:  # the connection was torn down under it on purpose
        log.debug("The gateway task ended with an error during shutdown", exc_info=True)


def check_everything(environ: Mapping[str, str]) -> int:
    """`python bot.py check`: each line is printed the moment its check ends, so a hang shows where it is."""
    checks = asyncio.run(run_checks(environ, report=lambda check: print(check.line(), flush=True)))
    last_line, status = verdict(checks)
    print(last_line)
    return status


def back_up(environ: Mapping[str, str], destination: Path) -> int:
    try:
        source = database_of(environ)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    if isinstance(source, str):  # PostgreSQL: pg_dump is the tool, and the honest answer is to name it
        print("The bot does not back up a PostgreSQL database itself; pg_dump does, consistently while the bot "
              f"runs. Nothing was copied. Run (the password from PGPASSWORD or ~/.pgpass):\n"
              f"  {pg_dump_command(source, destination)}\nRestore into an empty database with pg_restore.")
        return 1
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


def migrate_to(environ: Mapping[str, str], url: str) -> int:
    """`python bot.py migrate-to URL`: copy the SQLite database (DATABASE_PATH) into the empty PostgreSQL one."""
    if not is_postgres_url(url):
        print("migrate-to takes a PostgreSQL URL: postgresql://USER:PASSWORD@HOST:5432/DATABASE.", file=sys.stderr)
        return 2
    try:
        source = database_of({name: value for name, value in environ.items() if name != "DATABASE_URL"})
        counts = asyncio.run(copy_sqlite_to_postgres(Path(source), url))
    except (ConfigError, DatabaseError) as error:
        print(f"migrate-to failed: {error}", file=sys.stderr)
        return 1
    shown = without_password(url)
    print(f"Copied {source} into {shown}: " + ", ".join(f"{table} {count}" for table, count in counts.items())
          + " rows; the counts match.")
    print(f"Next: set DATABASE_URL={shown} in .env (with its password), on every host that runs the bot; "
          f"DATABASE_PATH is then not used. Keep {source} as a backup, then start the bot.")
    return 0


def run_demo(dialect: str) -> int:
    from demo.console import run_demo as demo  # only the demo needs the sandbox and the harness

    return asyncio.run(demo(dialect=dialect))


# ---------------------------------------------------------------------------------------------------- CLI


def _guild_argument(text: str) -> int | str:
    if text == "dev":
        return text
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a server ID (a number)")
    return int(text)


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python bot.py", description="The Taubot Discord bot.")
    parser.add_argument("--env-file", type=Path,
                        help="settings file to read, which must exist (default: .env next to bot.py, if any)")
    commands_parser = parser.add_subparsers(dest="command", metavar="command")
    commands_parser.add_parser("run", help="run the bot (the default)")
    sync = commands_parser.add_parser("sync", help="register the slash commands with Discord (DISCORD_TOKEN only)")
    sync.add_argument(
        "--guild", nargs="?", const="dev", type=_guild_argument, metavar="ID",
        help="register in one server only, instantly (without ID: DEV_GUILD_ID)",
    )
    sync.add_argument("--dry-run", action="store_true", help="print the command payloads as JSON and exit")
    commands_parser.add_parser("gen-key", help="print a fresh KEY_ENCRYPTION_KEY")
    demo = commands_parser.add_parser("demo",
                                      help="try the bot locally: no configuration, no Discord, no Taubot needed")
    demo.add_argument("--dialect", choices=DIALECT_NAMES, default="v2",
                      help="the Taubot version the local sandbox speaks (default v2)")
    commands_parser.add_parser("check", help="check the configuration, database, Taubot and Discord, and print the "
                                             "invite links; change nothing")
    backup = commands_parser.add_parser("backup", help="copy the database safely, even while the bot runs")
    backup.add_argument("path", type=Path, help="the new backup file (must not exist yet)")
    migrate = commands_parser.add_parser("migrate-to", help="copy the SQLite database into an empty PostgreSQL "
                                                            "database (stop the bot first)")
    migrate.add_argument("url", help="the PostgreSQL database: postgresql://USER:PASSWORD@HOST:5432/DATABASE")
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
        return run_demo(arguments.dialect)
    if arguments.command == "check":
        return check_everything(read_environment_or_exit(arguments.env_file))
    if arguments.command == "backup":
        return back_up(read_environment_or_exit(arguments.env_file), arguments.path)
    if arguments.command == "migrate-to":
        return migrate_to(read_environment_or_exit(arguments.env_file), arguments.url)
    return connect(arguments)


def connect(arguments: argparse.Namespace) -> int:
    """`run` and `sync`: the commands that talk to Discord. `run` needs the whole configuration, `sync` only what
    Discord needs (DISCORD_TOKEN): Discord is set up before the Taubot credentials arrive."""
    load = load_discord_settings if arguments.command == "sync" else load_settings
    try:
        settings = load(read_environment_or_exit(arguments.env_file))
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    setup_logging(settings.log_level, settings.secret_values())
    try:
        if arguments.command == "sync":
            return sync(settings, arguments.guild)
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


def sync(settings: Settings, guild: int | str | None) -> int:
    guild_id = settings.dev_guild_id if guild == "dev" else guild
    if guild == "dev" and guild_id is None:
        print("`sync --guild` without an ID needs DEV_GUILD_ID to be set.", file=sys.stderr)
        return 2
    return asyncio.run(sync_commands(settings, guild_id if isinstance(guild_id, int) else None))


if __name__ == "__main__":
    sys.exit(main())
