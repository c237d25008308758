"""The harness's fake Discord served over loopback HTTP, for commands that open their own HTTP session and run in
their own process (`python bot.py check`, `python bot.py sync`): the same model of Discord as the cog tests,
reached through discord.py's real aiohttp session instead of one swapped in."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from harness import FakeDiscordAPI, FakeUser
from harness.payloads import SnowflakeFactory
from tests.cli.test_check_and_backup import local_server

REPO = Path(__file__).resolve().parents[2]
# The id in the first part of tests' DISCORD_TOKEN (base64 of these digits).
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
TOKEN_APPLICATION_ID = 123456789012345678
# Runs bot.py as `python bot.py …` does, with discord.py's REST base (first argument) pointed elsewhere.
_BOT_PY_WITH_DISCORD_AT = """
import os, runpy, sys
import discord.http
discord.http.Route.BASE = sys.argv[1]
sys.argv = sys.argv[2:]
sys.path.insert(0, os.path.dirname(sys.argv[0]))
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def fake_discord_api(application_id: int = TOKEN_APPLICATION_ID) -> FakeDiscordAPI:
    bot_user = FakeUser(application_id, "taubot", bot=True)
    return FakeDiscordAPI(bot_user=bot_user, application_id=application_id, new_id=SnowflakeFactory())


@contextlib.asynccontextmanager
async def discord_over_http(api: FakeDiscordAPI) -> AsyncIterator[str]:
    """Serve `api` on 127.0.0.1; yields the REST base URL to give discord.py (…/api/v10)."""
    async def answer(request: web.Request) -> web.Response:
        token = request.headers.get("Authorization", "").removeprefix("Bot ")
        if token in api.rejected_tokens:
            return web.json_response({"message": "401: Unauthorized", "code": 0}, status=401)
        body = await request.read()
        response = await api.handle(request.method, str(request.url),
                                    {"data": body or None, "params": dict(request.query)})
        # Exactly as Discord sends it: discord.py parses a body as JSON only for "application/json" alone.
        return web.Response(status=response.status, body=(await response.text()).encode(),
                            headers={"Content-Type": response.headers["Content-Type"]})

    async with local_server(answer) as url:
        yield f"{url}/api/v10"


async def bot_py(*arguments: str, discord_at: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    """`python bot.py --env-file /dev/null ARGUMENTS` in an environment holding only `env`, talking to Discord at
    `discord_at`: (exit status, stdout, stderr)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _BOT_PY_WITH_DISCORD_AT, discord_at, str(REPO / "bot.py"), "--env-file", os.devnull,
        *arguments, env={"PATH": os.environ.get("PATH", ""), **env}, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()
