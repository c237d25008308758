"""Fixtures shared by the whole suite: a real sandbox over loopback HTTP, a real SQLite file, the real bot
logged in to the fake Discord. Nothing here leaves 127.0.0.1."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable

import pytest

from bot import TaubotBot
from config import Settings, generate_encryption_key
from harness import FakeDiscord
from sandbox import Sandbox


@pytest.fixture
async def sandbox():
    """A Taubot sandbox with the shared accounts (Treasury, awkward names), on an ephemeral loopback port.
    Tests add the members they need."""
    server = Sandbox(seed="shared")
    await server.start(host="127.0.0.1", port=0)
    yield server
    await server.stop()


@pytest.fixture
def settings(sandbox, tmp_path) -> Settings:
    return Settings(
        discord_token="harness-token",
        taubot_master_key=sandbox.master_key,
        taubot_app_id=uuid.UUID(sandbox.application_id),
        key_encryption_key=base64.urlsafe_b64decode(generate_encryption_key()),
        taubot_api_url=sandbox.api_url,
        database_path=tmp_path / "bot.sqlite3",
        taubot_timeout_seconds=1.0,
        taubot_connect_timeout_seconds=0.5,
    )


@pytest.fixture
def make_bot(settings) -> Callable[[], TaubotBot]:
    """Builds the real bot; background tasks stay off so each test decides when polling happens."""
    return lambda: TaubotBot(settings, background_tasks=False)


@pytest.fixture
async def discord(make_bot):
    """The real bot, logged in to a fresh fake Discord. Fails the test if anything logged an ERROR."""
    fake = await FakeDiscord.start(make_bot())
    yield fake
    try:
        fake.assert_no_errors_logged()
    finally:
        await fake.stop()
