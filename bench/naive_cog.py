"""The anchor: the simplest /balance a server owner might write in an afternoon, run in the same harness against
the same sandbox process as the bot.

Keys in a dict, one aiohttp GET, one reply. No database, no encryption, no defer, no logging, no error
handling: everything the real bot does beyond this is what the benchmark prices.
"""

from __future__ import annotations

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

# The request each dialect needs for "my balance": (path, Authorization header).
MY_ACCOUNT = {
    "v2": lambda key, account_id: ("/users/me", key),
    "v2.1": lambda key, account_id: (f"/accounts/{account_id}", f"Bearer {key}"),
}


class NaiveBalanceCog(commands.Cog):
    def __init__(self, api_url: str, dialect: str, keys: dict[int, tuple[str, str]]):
        self.api_url, self.request_for = api_url, MY_ACCOUNT[dialect]
        self.keys = keys  # Discord user id → (grant key, account id)
        self.session = aiohttp.ClientSession()

    async def cog_unload(self) -> None:
        await self.session.close()

    @app_commands.command(name="balance", description="Show your Taubot balance")
    async def balance(self, interaction: discord.Interaction) -> None:
        key, account_id = self.keys[interaction.user.id]
        path, authorization = self.request_for(key, account_id)
        async with self.session.get(self.api_url + path, headers={"Authorization": authorization}) as response:
            account = await response.json()
        await interaction.response.send_message(f"Balance: {account['balance'] / 100:.2f}", ephemeral=True)


class NaiveBot(commands.Bot):
    def __init__(self, api_url: str, dialect: str, keys: dict[int, tuple[str, str]]):
        super().__init__(command_prefix=commands.when_mentioned, intents=discord.Intents(guilds=True))
        self.cog = NaiveBalanceCog(api_url, dialect, keys)

    async def setup_hook(self) -> None:
        await self.add_cog(self.cog)
