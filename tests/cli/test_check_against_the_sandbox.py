"""`python bot.py check` against `python -m sandbox` on this machine: a master key rejected there was changed by
the sandbox, and check says so instead of sending the developer to a Taubot operator."""

import discord as discord_py
import pytest

from check import run_checks
from sandbox import Sandbox
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
