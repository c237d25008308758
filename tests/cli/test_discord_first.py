"""The README's order: the Discord application, the invite, `sync`, and only then the Taubot credentials (which
come from a person, later). `sync` and `check` used to refuse until all four settings were set, and `check`
printed no invite link at all while Discord could not be reached. Run as `python bot.py …` in a process of its
own, against the harness's Discord served on loopback."""

import json
import os
import subprocess
import sys

import pytest

from check import run_checks
from config import generate_encryption_key
from tests.cli.discord_over_http import (
    REPO,
    TOKEN,
    TOKEN_APPLICATION_ID,
    bot_py,
    discord_over_http,
    fake_discord_api,
)

SERVER_INVITE = (f"https://discord.com/oauth2/authorize?client_id={TOKEN_APPLICATION_ID}"
                 "&scope=bot+applications.commands&permissions=51200&integration_type=0")
USER_INSTALL = (f"https://discord.com/oauth2/authorize?client_id={TOKEN_APPLICATION_ID}&scope=applications.commands"
                "&integration_type=1")
STILL_TO_COME = [
    "           - TAUBOT_MASTER_KEY is missing. Ask the Taubot operator for your application's master key.",
    "           - TAUBOT_APP_ID is missing. It is the application ID that came with your Taubot master key.",
    "           - KEY_ENCRYPTION_KEY is missing. Generate one with: python bot.py gen-key",
]
NOWHERE = "http://127.0.0.1:9/api/v10"  # nothing listens there: Discord cannot be reached


def readme_example(after: str) -> list[str]:
    """The lines of the first code block in the README after `after`, unindented."""
    readme = (REPO / "README.md").read_text()
    block = readme[readme.index(after):].split("```\n", 2)[1]
    return [line.removeprefix("   ") for line in block.rstrip().splitlines()]


def dry_run_names() -> list[str]:
    result = subprocess.run([sys.executable, str(REPO / "bot.py"), "--env-file", os.devnull, "sync", "--dry-run"],
                            env={"PATH": os.environ.get("PATH", "")}, capture_output=True, text=True, timeout=60)
    return [payload["name"] for payload in json.loads(result.stdout)]


@pytest.mark.parametrize("where", ["everywhere", "one server"])
async def test_sync_needs_only_the_discord_token(tmp_path, where):
    api = fake_discord_api()
    database = tmp_path / "data" / "bot.sqlite3"
    env = {"DISCORD_TOKEN": TOKEN, "DATABASE_PATH": str(database), "TAUBOT_API_URL": "http://127.0.0.1:9/api"}
    arguments = ["sync"] if where == "everywhere" else ["sync", "--guild", "987654321098765432"]
    async with discord_over_http(api) as discord_at:
        status, stdout, stderr = await bot_py(*arguments, discord_at=discord_at, env=env, cwd=tmp_path)
    assert status == 0, stderr
    assert "Traceback" not in stderr
    names = dry_run_names()
    server = None if where == "everywhere" else 987654321098765432
    assert [command["name"] for command in api.registered_commands[server]] == names  # what --dry-run shows
    where_text = "all servers (may take up to an hour)" if server is None else \
        "server 987654321098765432 (available at once)"
    assert stdout == f"Registered {len(names)} commands for {where_text}: {', '.join('/' + n for n in names)}\n"
    assert not database.parent.exists()  # no database opened, no Taubot asked (nothing listens at its URL)
    assert api.problems == []


async def test_check_with_only_the_discord_token_says_what_is_still_to_come(tmp_path, sandbox):
    api = fake_discord_api()
    env = {"DISCORD_TOKEN": TOKEN, "TAUBOT_API_URL": sandbox.api_url}
    async with discord_over_http(api) as discord_at:
        status, stdout, stderr = await bot_py("check", discord_at=discord_at, env=env, cwd=tmp_path)
    assert "Traceback" not in stderr
    assert stdout.splitlines() == [
        "NOT YET  configuration enough for Discord (check, the invite links, sync); to run the bot, still to come:",
        *STILL_TO_COME,
        f"ok       dialect       Taubot {sandbox.dialect} (detected)",  # TAUBOT_API_URL is checked already
        f"ok       discord       logged in as taubot (application {TOKEN_APPLICATION_ID})",
        f"ok       invite        add the bot to a server: {SERVER_INVITE}",
        "ok       user install  members add it to their own Discord account; needs User Install (Developer Portal → "
        f"Installation): {USER_INSTALL}",
        "Discord is ready: add the bot with the links above and run `python bot.py sync`. The bot can run once the "
        "settings marked NOT YET are set.",
    ]
    assert status == 1  # honest: the bot cannot run yet
    assert [(r.path, r.key_kind) for r in sandbox.requests] == [("/api/oauth/grant", "none")]
    assert not (tmp_path / "data").exists()
    if sandbox.dialect == "v2":  # what the README shows, but for the bot's name
        assert readme_example("2. **The invite.**") == stdout.replace("as taubot (", "as Taubot#0420 (").splitlines()


async def test_check_prints_the_invite_links_when_discord_cannot_be_reached(tmp_path):
    status, stdout, _ = await bot_py("check", discord_at=NOWHERE, env={
        "DISCORD_TOKEN": TOKEN, "TAUBOT_API_URL": "http://127.0.0.1:9/api"}, cwd=tmp_path)
    assert stdout.splitlines()[-5:] == [
        "PROBLEM  taubot        cannot reach http://127.0.0.1:9/api. Check TAUBOT_API_URL and that this machine can "
        "connect to it.",
        "PROBLEM  discord       cannot reach Discord (ClientConnectorError). Check the network.",
        f"ok       invite        add the bot to a server (application ID read from DISCORD_TOKEN): {SERVER_INVITE}",
        "ok       user install  members add it to their own Discord account (application ID read from DISCORD_TOKEN); "
        f"needs User Install (Developer Portal → Installation): {USER_INSTALL}",
        "2 problem(s) found.",
    ]
    assert status == 1


async def test_a_token_discord_rejects_gets_no_invite_links(tmp_path):
    api = fake_discord_api()
    api.rejected_tokens.add(TOKEN)
    async with discord_over_http(api) as discord_at:
        status, stdout, _ = await bot_py("check", discord_at=discord_at, env={
            "DISCORD_TOKEN": TOKEN, "TAUBOT_API_URL": "http://127.0.0.1:9/api"}, cwd=tmp_path)
    assert stdout.splitlines()[-2:] == [
        "PROBLEM  discord       Discord rejected DISCORD_TOKEN. Reset the token in the Developer Portal (your "
        "application → Bot) and paste the new one.",
        "2 problem(s) found.",  # and Taubot cannot be reached
    ]  # no invite links: a fresh token comes first
    assert status == 1


async def test_with_the_encryption_key_too_the_database_is_checked_already(sandbox, fake_discord_client, tmp_path):
    database = tmp_path / "new" / "bot.sqlite3"  # not the `discord` fixture's bot's, made with another key
    checks = await run_checks({"DISCORD_TOKEN": TOKEN, "KEY_ENCRYPTION_KEY": generate_encryption_key(),
                               "TAUBOT_API_URL": sandbox.api_url, "DATABASE_PATH": str(database)},
                              make_discord_client=fake_discord_client)
    assert [(check.name, check.line()[:7]) for check in checks] == [
        ("configuration", "NOT YET"), ("database", "ok     "), ("dialect", "ok     "), ("discord", "ok     "),
        ("invite", "ok     "), ("user install", "ok     ")]
    assert checks[0].detail.splitlines()[1:] == STILL_TO_COME[:2]


async def test_a_malformed_setting_is_a_problem_even_before_the_taubot_credentials():
    checks = await run_checks({"DISCORD_TOKEN": TOKEN, "TAUBOT_APP_ID": "from the operator"})
    (configuration,) = checks  # nothing else can run on settings that are wrong
    assert configuration.line().splitlines() == [
        "PROBLEM  configuration 3 problem(s):",
        STILL_TO_COME[0],
        "           - TAUBOT_APP_ID is not a UUID (got 'from the operator'). It looks like "
        "123e4567-e89b-12d3-a456-426614174000.",
        STILL_TO_COME[2],
    ]
