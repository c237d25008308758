"""The bot on a shared PostgreSQL keeps time by the database server's clock (storage/fleet_clock.py), measured at
start and again at every heartbeat; with a clock a test moves, it keeps the test's."""

import dataclasses
from datetime import timedelta

from bot import TaubotBot, Timings
from harness import FakeDiscord
from storage import FleetClock
from tests.cogs.pay.helpers import until
from tests.databases import ON_POSTGRESQL


@ON_POSTGRESQL
async def test_the_bot_follows_the_databases_clock_and_measures_it_again_at_each_heartbeat(settings,
                                                                                            database_location):
    settings = dataclasses.replace(settings, database_url=str(database_location))
    bot = TaubotBot(settings, background_tasks=False, timings=Timings(heartbeat_interval=0.05))
    discord = await FakeDiscord.start(bot)
    try:
        assert isinstance(bot.timings.clock, FleetClock) and bot.timings.clock is bot.fleet_clock
        server_now = await bot.storage.database.server_time()
        assert abs(bot.timings.clock() - server_now) < timedelta(seconds=1)
        bot.fleet_clock.offset = timedelta(hours=1)  # as if this host's clock had just been set an hour back
        await until(lambda: abs(bot.fleet_clock.offset) < timedelta(seconds=1))
    finally:
        await discord.stop()


async def test_a_clock_the_test_moves_is_kept(make_bot, clock):
    bot = make_bot()
    discord = await FakeDiscord.start(bot)
    try:
        assert bot.timings.clock is clock and bot.fleet_clock is None
    finally:
        await discord.stop()
