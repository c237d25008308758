import discord as discord_py
import pytest


@pytest.fixture
def fake_discord_client(discord):
    """Discord clients that log in against the harness's fake Discord instead of the network."""
    return lambda: discord.prepare_login(discord_py.Client(intents=discord_py.Intents.none()))
