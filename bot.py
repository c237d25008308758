"""The Taubot Discord bot: the Bot subclass, which opens storage and the HTTP session once, loads the feature
cogs, tracks interactions in flight and shuts down cleanly.

The command line (`python bot.py run|sync|check|backup|gen-key|demo`) is cli.py; running this file runs it.
"""

from __future__ import annotations

import supported_python  # noqa: F401  first: an old Python gets one line before any import below fails on it

# isort: split
import asyncio
import contextlib
import dataclasses
import gc
import logging
import os
import socket
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
import discord
from discord.ext import commands

from cogs import EXTENSIONS
from cogs.guarded import TaubotCommandTree
from cogs.in_flight import InFlight
from cogs.interaction_log import count_taubot_request
from cogs.messages import LINK_UNREADABLE
from cogs.seen_accounts import SeenAccounts
from config import Settings
from storage import DatabaseGone, FleetClock, Storage
from taubot import Dialect, TaubotClient

log = logging.getLogger("taubot_bot")

USER_AGENT = "taubot-discord/0.1 (self-hosted Discord frontend; aiohttp)"


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Timings:
    """How long the bot waits, for members and for itself, and what time it thinks it is. Production uses
    the defaults; tests pass shorter ones (and a clock they can move) to the constructor."""

    # Answer a read directly when it takes less, defer ("thinking…") when it takes longer.
    defer_after: float = 1.0
    # How long a /pay confirmation waits for Confirm before it expires, unsent.
    confirmation_timeout: float = 120.0
    # How long members' in-flight commands get to finish at shutdown. A payment that needs longer (Taubot slow
    # on each of its requests) is cut off: its journal row stays pending and is settled from Taubot's log at the
    # next start. deploy/taubot-bot.service's TimeoutStopSec covers this plus the steps after it.
    shutdown_grace: float = 15.0
    # "Now" for link expiry and polling, and for the payment journal, locks and heartbeats.
    clock: Callable[[], datetime] = utc_now
    # A process says it is alive this often; one silent for `instance_stale_after` is taken for gone, and the
    # payments it was sending may be settled by another process (once Taubot can no longer apply them).
    heartbeat_interval: float = 10.0
    instance_stale_after: float = 60.0
    # After TAUBOT_TIMEOUT_SECONDS, how long more a transfer Taubot received may take to be applied or dropped.
    settle_margin: float = 60.0
    # How often open payments are looked up in Taubot's log, and for how long an unknown one is.
    settle_interval: float = 30.0
    settle_for: float = 7 * 24 * 3600.0
    # After Confirm, how long "Sending payment…" may stand before it is replaced by what is known so far.
    receipt_watchdog: float = 30.0
    # Leases on work one process of the fleet does at a time (storage/leases.py). A pending link's: at least
    # this, and always longer than one key retrieval can take (cogs/link/flow.py), so a holder that was merely
    # slow never retrieves a key a second process retrieves too. One open payment's look-up in Taubot's log:
    # a process that dies mid-look leaves its row to the others after this long.
    link_lease: float = 120.0
    settle_lease: float = 300.0
    # How often the expiry reminders are looked for.
    reminder_interval: float = 15 * 60.0
    # Pending links: the first look at a new one, the first minute's looks at one not granted yet (slower after
    # that), and how often the poller looks for links whose turn has come.
    link_first_poll: float = 10.0
    link_poll_interval: float = 10.0
    link_poll_tick: float = 2.0


def freeze_start_up_objects() -> None:
    """Leave what start-up made (imported modules, settings, connections) out of every later garbage collection.

    A full collection walks every tracked object; a running bot has ~100k of them from its imports alone, and
    each such walk pauses every member's command for tens of milliseconds. Frozen objects are still freed
    when unreferenced; only cycles among them would stay, and start-up leaves none worth collecting.
    """
    gc.collect()
    gc.freeze()


class TaubotBot(commands.AutoShardedBot):
    """The bot. `setup_hook` opens storage and the one HTTP session, then loads the feature cogs.

    `background_tasks=False` builds a bot that serves commands but runs no pollers or reconcilers (used by
    `sync` and by tests that want full control of time).
    """

    def __init__(self, settings: Settings, *, background_tasks: bool = True, timings: Timings | None = None):
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            # Slash commands need no privileged intents; guilds keeps the server cache for mentions.
            intents=discord.Intents(guilds=True),
            allowed_mentions=discord.AllowedMentions.none(),
            shard_count=settings.shard_count,
            # None (discord.py's own default, which its option type leaves out): every shard in this process.
            shard_ids=list(settings.shard_ids) if settings.shard_ids else None,  # type: ignore[arg-type]
            tree_cls=TaubotCommandTree,
        )
        self.settings = settings
        self.background_tasks = background_tasks
        self.timings = timings or Timings()
        self.in_flight = InFlight()
        self.seen_accounts = SeenAccounts()  # what members saw in /history and /balance, for suggestions
        # This process, as the payment journal and the other processes on the database know it.
        self.instance_id = uuid.uuid4().hex
        self.fleet_clock: FleetClock | None = None  # production's clock, once storage is open
        self._heartbeat: asyncio.Task | None = None
        # Open from setup_hook (storage: open_storage) until close(); the cogs only run in between, so they
        # read these as never None. Outside that window they are None.
        self.storage: Storage = None  # type: ignore[assignment]  # see the comment above
        self.http_session: aiohttp.ClientSession | None = None
        self.taubot: TaubotClient = None  # type: ignore[assignment]  # see the comment above

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        super().dispatch(event_name, *args, **kwargs)
        # Submitted forms get an event of their own, for the one listener that needs them (cogs/pay/cog.py):
        # listening to every interaction would start a task per command only to look and return.
        if event_name == "interaction" and args[0].type is discord.InteractionType.modal_submit:
            super().dispatch("form_submitted", *args)

    async def open_storage(self) -> Storage:
        if self.storage is None:
            if self.timings.clock is utc_now:  # production's: follow the database's clock (storage/fleet_clock.py)
                self.fleet_clock = FleetClock(utc_now)
                self.timings = dataclasses.replace(self.timings, clock=self.fleet_clock)
            self.storage = await Storage.open(self.settings.database, self.settings.key_encryption_key,
                                              clock=self.timings.clock, unreadable_link_notice=LINK_UNREADABLE)
            await self._align_clock()
        return self.storage

    async def _align_clock(self) -> None:
        if self.fleet_clock is not None:
            await self.fleet_clock.align(self.storage.database)

    def open_taubot_client(self) -> TaubotClient:
        """The HTTP session and the Taubot client, made once; no request is sent."""
        if self.taubot is None:
            self.http_session = aiohttp.ClientSession(headers={"User-Agent": USER_AGENT})
            self.taubot = TaubotClient(
                self.http_session,
                base_url=self.settings.taubot_api_url,
                master_key=self.settings.taubot_master_key,
                application_id=self.settings.taubot_app_id,
                dialect=self.settings.taubot_api_dialect,
                timeout=aiohttp.ClientTimeout(
                    total=self.settings.taubot_timeout_seconds,
                    connect=self.settings.taubot_connect_timeout_seconds,
                ),
                user_agent=USER_AGENT,
                on_request=count_taubot_request,
            )
        return self.taubot

    async def detect_taubot_dialect(self) -> Dialect:
        """Which dialect Taubot speaks (TAUBOT_API_DIALECT, or asked with one harmless request when it is auto).
        Raises DialectUnknown or Unavailable: the bot must not start on a guess."""
        return await self.open_taubot_client().detect()

    async def setup_hook(self) -> None:
        # No Taubot request here: `sync` logs in too, and needs nothing from Taubot. `run` detects the dialect
        # before connecting to Discord; otherwise (tests, the demo) the client detects it before its first request.
        await self.open_storage()
        await self.storage.instances.register(self.instance_id, f"{socket.gethostname()} pid {os.getpid()}")
        self._heartbeat = asyncio.create_task(self._beat(), name="heartbeat")
        self.open_taubot_client()
        await self.load_feature_cogs()

    async def load_feature_cogs(self) -> None:
        """Load every cog in EXTENSIONS; each registers its own commands and persistent views."""
        for extension in EXTENSIONS:
            await self.load_extension(extension)

    async def _beat(self) -> None:
        """Tell the other processes on the database this one is alive (see storage/instances.py)."""
        while True:
            await asyncio.sleep(self.timings.heartbeat_interval)
            try:
                await self.storage.instances.beat(self.instance_id)
            except DatabaseGone:
                return  # storage said so once, CRITICAL; nothing can be recorded any more
            except Exception as error:  # the next beat may succeed; missing several makes this process "gone"
                log.warning("Heartbeat not recorded: %r", error)
            try:  # apart from the beat: a clock not measured this time must not make this process look gone
                await self._align_clock()
            except Exception as error:  # the last offset stands until the next beat measures it
                log.warning("The database server's clock could not be read: %r", error)

    async def close(self) -> None:
        # Finish what members already started, then undo setup_hook in reverse: cogs stop their background
        # work (unloaded by super().close()), the gateway closes, then the Taubot session and the database.
        await self.in_flight.drain(self.timings.shutdown_grace)
        await super().close()
        if self.http_session is not None:
            await self.http_session.close()
            self.http_session = None
        if self.storage is not None:
            await self._sign_off()
            await self.storage.close()
            self.storage = None  # type: ignore[assignment]  # closed: see __init__

    async def _sign_off(self) -> None:
        """Nothing of this process is in flight any more: its open payments may be settled at once."""
        if self._heartbeat is None:
            return
        self._heartbeat.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._heartbeat
        self._heartbeat = None
        try:
            await self.storage.instances.stop(self.instance_id)
        except Exception as error:
            log.warning("Could not record this process's clean stop: %r", error)


class CommandsOnlyBot(TaubotBot):
    """The bot's commands without what they act with: no database, no Taubot session, no background work. What
    `sync` logs in with (and `sync --dry-run` reads), so registering the commands needs DISCORD_TOKEN alone: the
    Taubot credentials come later, from a person. It never connects to the gateway, so no command runs on it."""

    def __init__(self, settings: Settings):
        super().__init__(settings, background_tasks=False)

    async def setup_hook(self) -> None:
        await self.load_feature_cogs()


if __name__ == "__main__":
    from cli import main  # the command line imports the bot, never the other way round

    sys.exit(main())
