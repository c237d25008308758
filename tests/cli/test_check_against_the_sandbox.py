"""`python bot.py check` against `python -m sandbox` on this machine: with the credentials it printed every line
is ok, and a master key rejected there was changed by the sandbox, which check says instead of sending the
developer to a Taubot operator."""

import asyncio
import base64
import json
import sys

import discord as discord_py
import pytest

from check import run_checks
from sandbox import Sandbox
from tests.cli.discord_over_http import REPO, TOKEN, bot_py, discord_over_http, fake_discord_api
from tests.cli.test_check_and_backup import environment, lines

COPY = "copy the TAUBOT_MASTER_KEY and TAUBOT_APP_ID it printed into your settings file"

@pytest.fixture
def taubot_line(settings, discord):
    """check's taubot line for settings copied from `printed_by` (a sandbox), with TAUBOT_API_URL=url."""
    async def run(printed_by: Sandbox, *, url: str) -> tuple[bool, str]:
        env = environment(settings, TAUBOT_API_URL=url, TAUBOT_MASTER_KEY=printed_by.master_key,
                          TAUBOT_APP_ID=printed_by.application_id)
        login = lambda: discord.prepare_login(discord_py.Client(intents=discord_py.Intents.none()))  # noqa: E731
        return lines(await run_checks(env, make_discord_client=login))["taubot"]
    return run


async def test_a_sandbox_restarted_without_state(taubot_line, sandbox):
    dialect = sandbox.dialect
    before = Sandbox(dialect=dialect)
    await before.start()
    url, port = before.api_url, before.port
    await before.stop()
    after = Sandbox(dialect=dialect)  # the developer starts it again, without --state: a new application and key
    await after.start(port=port)
    try:
        found = await taubot_line(before, url=url)
    finally:
        await after.stop()
    assert found == (False, f"the sandbox at {url} was restarted without --state, so its master key changed: "
                            f"{COPY}, and start it with --state FILE to keep them from now on.")


async def test_a_sandbox_kept_in_another_state_file(taubot_line, tmp_path, sandbox):
    dialect = sandbox.dialect
    running = Sandbox(dialect=dialect, state=tmp_path / "other.json")
    await running.start()
    try:
        url = running.api_url.replace("127.0.0.1", "localhost")
        found = await taubot_line(Sandbox(dialect=dialect), url=url)
    finally:
        await running.stop()
    assert found == (False, f"the sandbox at {url} keeps its state in a file, but not with this master key (it "
                            f"was started with another --state file, or the key expired): {COPY}.")


async def test_a_real_taubot_still_sends_the_developer_to_its_operator(taubot_line, sandbox):
    running = Sandbox(dialect=sandbox.dialect)
    running.fail_next("GET /sandbox/about", 404)  # like any server that is not the sandbox
    await running.start()
    try:
        found = await taubot_line(Sandbox(dialect=sandbox.dialect), url=running.api_url)
    finally:
        await running.stop()
    assert found == (False, "Taubot rejected TAUBOT_MASTER_KEY (unknown, disabled or expired). Ask the Taubot "
                            "operator for a valid master key.")


async def test_check_against_python_m_sandbox_on_v21_passes_everything(tmp_path):
    """The self-hoster's first run: `python -m sandbox --dialect v2.1` in one terminal, `python bot.py check` in
    another, with the credentials the sandbox printed."""
    credentials = tmp_path / "sandbox.json"
    sandbox = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sandbox", "--dialect", "v2.1", "--port", "0", "--credentials", str(credentials),
        cwd=REPO, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        for _ in range(200):
            if credentials.exists() and credentials.read_text().strip():
                break
            await asyncio.sleep(0.05)
        given = json.loads(credentials.read_text())
        env = {"TAUBOT_API_URL": given["api_url"], "TAUBOT_MASTER_KEY": given["master_key"],
               "TAUBOT_APP_ID": given["application_id"], "DISCORD_TOKEN": TOKEN,
               "KEY_ENCRYPTION_KEY": base64.urlsafe_b64encode(b"\1" * 32).decode(),
               "DATABASE_PATH": str(tmp_path / "bot.sqlite3")}
        async with discord_over_http(fake_discord_api()) as discord_at:
            status, stdout, _ = await bot_py("check", discord_at=discord_at, env=env, cwd=tmp_path)
    finally:
        sandbox.terminate()
        await sandbox.wait()
    printed = stdout.splitlines()
    assert printed[2] == "ok       dialect       Taubot v2.1 (detected)"
    assert [line for line in printed if line.startswith(("PROBLEM", "WARNING", "NOT YET"))] == []
    assert (printed[-1], status) == ("All checks passed.", 0)
