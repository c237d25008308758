"""`python bot.py check` and `python bot.py backup`: what a self-hoster runs on their VPS."""

import asyncio
import base64
import contextlib
import hashlib
import os
import sqlite3
import stat
import sys
from pathlib import Path

import discord as discord_py
import pytest
from aiohttp import web

from check import run_checks
from sandbox import Sandbox
from storage import DatabaseError, Storage, backup_database
from storage.database import discover_migrations
from tests.conftest import ON_V21

SCHEMA = len(discover_migrations())  # the schema version this bot's migrations bring a database to

REPO = Path(__file__).resolve().parents[2]


def environment(settings, **overrides) -> dict[str, str]:
    env = {
        "DISCORD_TOKEN": "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB",
        "TAUBOT_MASTER_KEY": settings.taubot_master_key,
        "TAUBOT_APP_ID": str(settings.taubot_app_id),
        "KEY_ENCRYPTION_KEY": base64.urlsafe_b64encode(settings.key_encryption_key).decode(),
        "TAUBOT_API_URL": settings.taubot_api_url,
        "DATABASE_PATH": str(settings.database_path),
        "TAUBOT_TIMEOUT_SECONDS": "2",
    }
    env.update(overrides)
    return env


def lines(checks) -> dict[str, tuple[bool, str]]:
    return {check.name: (check.ok, check.detail) for check in checks}


async def test_everything_right(settings, sandbox, fake_discord_client, discord):
    checks = await run_checks(environment(settings), make_discord_client=fake_discord_client)
    found = lines(checks)
    taubot = ["dialect", "taubot", "master key", "application"] if sandbox.dialect == "v2.1" else [
        "dialect", "taubot", "application"]  # v2's keys never expire
    assert [c.name for c in checks] == ["configuration", "database", *taubot, "discord", "invite",
                                        "user install"]
    assert all(ok for ok, _ in found.values()), found
    assert not any(check.warning for check in checks)
    assert found["dialect"][1] == f"Taubot {sandbox.dialect} (detected)"
    assert found["taubot"][1] == f"{settings.taubot_api_url} reachable, master key accepted"
    if sandbox.dialect == "v2.1":
        assert found["master key"][1].endswith("(in 59 days)")
        assert found["application"][1] == ("“Sandbox Discord bot” in the Sandbox Dollars economy (TAUBOT_APP_ID "
                                           "matches the master key)")
    else:  # no /applications/me: the grant page, asked without a key, knows the application
        assert found["application"][1] == ("Taubot's grant page accepts TAUBOT_APP_ID (Taubot v2 cannot say whether "
                                           "the master key is that application's)")
    assert f"schema {SCHEMA}, encryption key matches, 0 linked member(s)" in found["database"][1]
    application_id = discord.api.application_id
    assert found["discord"][1] == f"logged in as taubot (application {application_id})"
    assert found["invite"][1] == (
        f"add the bot to a server: https://discord.com/oauth2/authorize?client_id={application_id}"
        "&scope=bot+applications.commands&permissions=51200&integration_type=0")  # send, embed links, attach files
    assert found["user install"][1] == (
        "members add it to their own Discord account; needs User Install (Developer Portal → Installation): "
        f"https://discord.com/oauth2/authorize?client_id={application_id}&scope=applications.commands"
        "&integration_type=1")
    assert checks[0].line().startswith("ok       configuration")


async def test_the_application_is_named_when_taubot_offers_it(settings, sandbox, tmp_path, fake_discord_client):
    offered = Sandbox(seed="empty", offer_application_endpoint=True, dialect=sandbox.dialect)
    await offered.start()
    try:
        env = environment(settings, TAUBOT_API_URL=offered.api_url, TAUBOT_MASTER_KEY=offered.master_key,
                          TAUBOT_APP_ID=offered.application_id)
        found = lines(await run_checks(env, make_discord_client=fake_discord_client))
        assert found["application"] == (True, "“Sandbox Discord bot” in the Sandbox Dollars economy (TAUBOT_APP_ID "
                                              "matches the master key)")
        wrong_id = lines(await run_checks({**env, "TAUBOT_APP_ID": str(settings.taubot_app_id)},
                                          make_discord_client=fake_discord_client))
        assert wrong_id["application"][0] is False
        assert "Grant links would fail" in wrong_id["application"][1]
    finally:
        await offered.stop()


@pytest.mark.parametrize(("master_key", "expected"), [
    ("eyJhbGciOiJIUzI1NiJ9.eyJ1bmtub3duIjp0cnVlfQ.c2lnbmF0dXJlLXVua25vd24", "Taubot rejected TAUBOT_MASTER_KEY"),
    ("not-a-jwt-at-all", "Taubot could not read TAUBOT_MASTER_KEY (it answers 500 to a malformed key)"),
])
async def test_a_bad_master_key(settings, sandbox, fake_discord_client, master_key, expected):
    sandbox.fail_next("GET /sandbox/about", 404)  # a real Taubot: see test_check_against_the_sandbox.py
    found = lines(await run_checks(environment(settings, TAUBOT_MASTER_KEY=master_key),
                                   make_discord_client=fake_discord_client))
    assert found["taubot"][0] is False
    if sandbox.dialect == "v2.1":  # one 401 for every key failure
        expected = "Taubot rejected TAUBOT_MASTER_KEY (unknown, disabled or expired)"
    assert found["taubot"][1].startswith(expected)
    assert master_key not in found["taubot"][1]


async def test_a_grant_key_where_the_master_key_belongs(settings, sandbox, fake_discord_client):
    sandbox.create_account("Alice", owner_id=1001)
    ref = sandbox.new_reference()
    sandbox.grant(ref, 1001)
    grant_key = sandbox.economy.retrieve_key(ref)
    found = lines(await run_checks(environment(settings, TAUBOT_MASTER_KEY=grant_key),
                                   make_discord_client=fake_discord_client))
    assert found["taubot"][1].startswith("Taubot accepted this key as a member's grant key")


async def test_taubot_unreachable(settings, fake_discord_client):
    found = lines(await run_checks(environment(settings, TAUBOT_API_URL="http://127.0.0.1:9/api"),
                                   make_discord_client=fake_discord_client))
    assert found["taubot"] == (False, "cannot reach http://127.0.0.1:9/api. Check TAUBOT_API_URL and that this "
                                      "machine can connect to it.")


async def test_a_wrong_encryption_key_and_a_rejected_token(settings, discord, fake_discord_client, tmp_path):
    other_database = tmp_path / "made-with-another-key.sqlite3"
    await (await Storage.open(other_database, b"\1" * 32)).close()
    token = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.rejectedrejectedrejectedrejected00"
    discord.api.rejected_tokens.add(token)
    found = lines(await run_checks(environment(settings, DISCORD_TOKEN=token, DATABASE_PATH=str(other_database)),
                                   make_discord_client=fake_discord_client))
    assert found["database"][0] is False
    assert found["database"][1].startswith("KEY_ENCRYPTION_KEY does not match")
    assert found["discord"] == (False, "Discord rejected DISCORD_TOKEN. Reset the token in the Developer Portal "
                                       "(your application → Bot) and paste the new one.")


async def test_bad_configuration_stops_the_checks_there():
    checks = await run_checks({})
    assert [c.name for c in checks] == ["configuration"]
    assert checks[0].line().startswith("PROBLEM  configuration 4 problem(s):")


async def test_check_command_exit_status(tmp_path):
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(REPO / "bot.py"), "--env-file", os.devnull, "check",
        env={"PATH": os.environ.get("PATH", "")}, cwd=tmp_path, stdout=asyncio.subprocess.PIPE)
    stdout, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 1
    assert stdout.decode().splitlines()[-1] == "1 problem(s) found."


async def test_check_creates_no_database(settings, fake_discord_client, tmp_path):
    missing = tmp_path / "not-yet" / "deeper" / "bot.sqlite3"
    found = lines(await run_checks(environment(settings, DATABASE_PATH=str(missing)),
                                   make_discord_client=fake_discord_client))
    assert found["database"] == (True, f"no database yet at {missing}: it will be created at first start")
    assert not (tmp_path / "not-yet").exists()


async def test_check_leaves_an_older_database_unmigrated_and_says_so(settings, fake_discord_client, tmp_path):
    (tmp_path / "old").mkdir()
    older = tmp_path / "old" / "older.sqlite3"
    with contextlib.closing(sqlite3.connect(older)) as connection:  # a valid SQLite file at schema 0
        connection.execute("CREATE TABLE leftover (x)")
        connection.commit()
    before = hashlib.sha256(older.read_bytes()).hexdigest()
    found = lines(await run_checks(environment(settings, DATABASE_PATH=str(older)),
                                   make_discord_client=fake_discord_client))
    assert found["database"] == (True, f"{older} (schema 0, encryption key matches, 0 linked member(s); {SCHEMA} "
                                       "migration(s) will be applied at the next start (tried on a copy: ok))")
    assert hashlib.sha256(older.read_bytes()).hexdigest() == before
    assert [path.name for path in older.parent.iterdir()] == ["older.sqlite3"]


async def test_check_names_a_database_path_that_is_not_sqlite(settings, fake_discord_client, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database, just words\n" * 5)
    found = lines(await run_checks(environment(settings, DATABASE_PATH=str(notes)),
                                   make_discord_client=fake_discord_client))
    assert found["database"][0] is False
    assert found["database"][1].startswith(f"DATABASE_PATH ({notes}) is a file that is not a SQLite database")
    assert notes.read_text().startswith("not a database")


@contextlib.asynccontextmanager
async def local_server(handler):
    """A tiny HTTP server on 127.0.0.1 answering every request with `handler`; yields its base URL."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(("status", "expected"), [
    (404, "TAUBOT_API_URL does not look like the Taubot API: it answered HTTP 404 (text/html) to a request without "
          "a key, where Taubot v2 answers 400 text/plain and v2.1 answers 422 application/json. Set it to the API "
          "base, e.g. https://taubot.qzz.io/api"),
    (200, "TAUBOT_API_URL does not look like the Taubot API: it answered HTTP 200"),
    (502, "answers HTTP 502: Taubot may be down or restarting."),
])
async def test_a_url_that_is_not_the_taubot_api_never_gets_the_master_key(settings, fake_discord_client, status,
                                                                          expected):
    keys_seen = []

    async def not_taubot(request: web.Request) -> web.Response:  # like `python -m http.server`, or a proxy
        keys_seen.append(request.headers.get("Authorization"))
        return web.Response(status=status, text="<html>Error</html>", content_type="text/html")

    async with local_server(not_taubot) as url:
        found = lines(await run_checks(environment(settings, TAUBOT_API_URL=f"{url}/api"),
                                       make_discord_client=fake_discord_client))
    assert found["taubot"][0] is False
    assert expected in found["taubot"][1]
    assert "application" not in found
    assert keys_seen == [None]


@pytest.fixture
def discord_at(monkeypatch):
    """Point discord.py's REST base at a local server, for answers the harness cannot give at login."""
    def point(url: str) -> None:
        monkeypatch.setattr(discord_py.http.Route, "BASE", f"{url}/api/v10")
    return point


def real_discord_client() -> discord_py.Client:
    return discord_py.Client(intents=discord_py.Intents.none())


@pytest.mark.parametrize(("status", "text", "expected"), [
    (403, "<html>blocked</html>", "unexpected answer from Discord (HTTP 403)."),
    (200, "<html>captive portal</html>", "unexpected answer from Discord ("),
])
async def test_an_unexpected_answer_from_discord_is_one_problem_line(settings, discord_at, status, text, expected):
    async def discord_that_misbehaves(request: web.Request) -> web.Response:
        return web.Response(status=status, text=text, content_type="text/html")

    async with local_server(discord_that_misbehaves) as url:
        discord_at(url)
        found = lines(await run_checks(environment(settings), make_discord_client=real_discord_client))
    assert found["discord"][0] is False
    assert found["discord"][1].startswith(expected)


async def test_a_discord_that_never_answers_is_bounded_and_hides_no_earlier_line(settings, discord_at):
    asked, release = asyncio.Event(), asyncio.Event()
    reported = []

    async def discord_that_hangs(request: web.Request) -> web.Response:
        asked.set()
        await release.wait()
        return web.Response(status=504)

    async with local_server(discord_that_hangs) as url:
        discord_at(url)
        checking = asyncio.create_task(run_checks(environment(settings), make_discord_client=real_discord_client,
                                                  report=reported.append, discord_login_within=0.5))
        await asyncio.wait_for(asked.wait(), timeout=10)
        # While Discord keeps the check waiting, every earlier line is already out.
        assert [check.name for check in reported][:3] == ["configuration", "database", "dialect"]
        assert reported[-1].name == "application"
        checks = await asyncio.wait_for(checking, timeout=10)
        release.set()
    assert reported == checks
    login, server_invite, user_install = checks[-3:]
    assert login.detail.startswith("Discord gave no usable answer within 0.5 s.")
    assert "(application ID read from DISCORD_TOKEN): https://discord.com/oauth2/authorize?client_id=" \
           "123456789012345678&" in server_invite.detail  # the links still come, from the token
    assert user_install.detail.endswith("client_id=123456789012345678&scope=applications.commands&integration_type=1")


# -- backup ------------------------------------------------------------------------------------------------


async def test_backup_while_the_bot_writes(settings, tmp_path):
    live = await Storage.open(settings.database_path, settings.key_encryption_key)
    try:
        await live.grant_keys.put(1, "eyJ.key.one", account_id="a", account_name="Alice", account_type="USER")

        async def keep_writing():
            for user_id in range(2, 300):
                await live.grant_keys.put(user_id, f"eyJ.key.{user_id}", account_id="a", account_name="A",
                                          account_type="USER")

        writer = asyncio.create_task(keep_writing())
        version = await backup_database(settings.database_path, tmp_path / "backups" / "copy.sqlite3")
        await writer
    finally:
        await live.close()
    assert version == SCHEMA
    copy_path = tmp_path / "backups" / "copy.sqlite3"
    assert stat.S_IMODE(os.stat(copy_path).st_mode) == 0o600
    copy = await Storage.open(copy_path, settings.key_encryption_key)
    try:
        assert (await copy.grant_keys.get(1)).grant_key == "eyJ.key.one"
        assert 1 <= await copy.grant_keys.count() <= 299
    finally:
        await copy.close()


async def test_backup_refuses_to_overwrite_or_to_copy_nothing(settings, tmp_path):
    with pytest.raises(DatabaseError, match="there is no database at"):
        await backup_database(tmp_path / "missing.sqlite3", tmp_path / "copy.sqlite3")
    await (await Storage.open(settings.database_path, settings.key_encryption_key)).close()
    existing = tmp_path / "existing.sqlite3"
    existing.write_text("precious")
    with pytest.raises(DatabaseError, match="already exists"):
        await backup_database(settings.database_path, existing)
    assert existing.read_text() == "precious"


async def test_backup_command(settings, tmp_path):
    await (await Storage.open(settings.database_path, settings.key_encryption_key)).close()
    target = tmp_path / "nightly.sqlite3"
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(REPO / "bot.py"), "--env-file", os.devnull, "backup", str(target),
        env={"PATH": os.environ.get("PATH", ""), "DATABASE_PATH": str(settings.database_path)}, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, stderr.decode()
    assert stdout.decode().strip() == (f"Backed up {settings.database_path} to {target} (schema {SCHEMA}, "
                                       "integrity ok).")
    assert target.is_file()


async def run_bot_py(*arguments: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(REPO / "bot.py"), "--env-file", os.devnull, *arguments,
        env={"PATH": os.environ.get("PATH", ""), **env}, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    return process.returncode, stdout.decode(), stderr.decode()


async def test_backup_resolves_a_relative_database_path_like_run_does(settings, tmp_path):
    # run/check resolve a relative DATABASE_PATH against the project folder; backup must find the same file
    # whatever directory it is started from (cron jobs start elsewhere).
    await (await Storage.open(settings.database_path, settings.key_encryption_key)).close()
    relative = os.path.relpath(settings.database_path, REPO)  # noqa: ASYNC240 (string arithmetic, no I/O)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    status, stdout, stderr = await run_bot_py("backup", "copy.sqlite3", env={"DATABASE_PATH": f"  {relative}\t"},
                                              cwd=elsewhere)
    assert status == 0, stderr
    assert stdout.endswith(f" to copy.sqlite3 (schema {SCHEMA}, integrity ok).\n")
    assert (elsewhere / "copy.sqlite3").is_file()


async def test_backup_of_a_file_that_is_not_sqlite_is_one_line(tmp_path):
    not_a_database = tmp_path / "notes.txt"
    not_a_database.write_text("shopping list: eggs, flour, and a database that isn't one\n" * 10)
    with pytest.raises(DatabaseError, match=r"\(.*notes\.txt\) is a file that is not a SQLite database"):
        await backup_database(not_a_database, tmp_path / "copy.sqlite3")
    assert not (tmp_path / "copy.sqlite3").exists()
    status, _, stderr = await run_bot_py("backup", str(tmp_path / "copy.sqlite3"),
                                         env={"DATABASE_PATH": str(not_a_database)}, cwd=tmp_path)
    assert status == 1
    assert "Traceback" not in stderr
    assert stderr.startswith(f"Backup failed: DATABASE_PATH ({not_a_database}) is a file that is not a SQLite")
    assert len(stderr.strip().splitlines()) == 1
    assert not (tmp_path / "copy.sqlite3").exists()
    assert not_a_database.read_text().startswith("shopping list")


# -- which Taubot, and its keys --------------------------------------------------------------------------------


async def test_a_pinned_dialect_the_server_does_not_speak_is_one_problem(settings, sandbox, fake_discord_client):
    other = "v2" if sandbox.dialect == "v2.1" else "v2.1"
    checks = await run_checks(environment(settings, TAUBOT_API_DIALECT=other), make_discord_client=fake_discord_client)
    found = lines(checks)
    assert found["dialect"] == (False, f"TAUBOT_API_DIALECT pins {other}, but {settings.taubot_api_url} speaks "
                                       f"Taubot {sandbox.dialect}. Set TAUBOT_API_DIALECT=auto (or {sandbox.dialect}).")
    assert "taubot" not in found  # the master key is not sent in a dialect the server does not speak
    pinned = lines(await run_checks(environment(settings, TAUBOT_API_DIALECT=sandbox.dialect),
                                    make_discord_client=fake_discord_client))
    assert pinned["dialect"] == (True, f"Taubot {sandbox.dialect} (pinned by TAUBOT_API_DIALECT; the server agrees)")


@ON_V21
@pytest.mark.parametrize(("lifetime_days", "ok", "warning", "start"), [
    (-1, False, False, "TAUBOT_MASTER_KEY expired on "),
    (10, True, True, "TAUBOT_MASTER_KEY expires on "),
    (20, True, False, "expires on "),
])
async def test_the_master_keys_expiry_on_v21(settings, sandbox, fake_discord_client, lifetime_days, ok, warning,
                                             start):
    key = sandbox.issue_master_key(lifetime_seconds=lifetime_days * 86400)
    checks = await run_checks(environment(settings, TAUBOT_MASTER_KEY=key), make_discord_client=fake_discord_client)
    check = next(c for c in checks if c.name in ("master key", "taubot") and c.detail.startswith(start))
    assert (check.ok, check.warning) == (ok, warning)
    if not ok:
        assert check.name == "taubot"  # Taubot refused it, and its own claims say why
        assert check.detail.endswith("UTC. Ask the Taubot operator for a new master key.")
        assert key not in check.line()
    if warning:
        assert check.line().startswith("WARNING  master key    TAUBOT_MASTER_KEY expires on ")
        assert "(in 9 day(s)): ask the Taubot operator for a new one now" in check.detail


@ON_V21
async def test_a_link_timeout_longer_than_taubot_keeps_links_is_a_warning_on_v21(settings, fake_discord_client):
    checks = await run_checks(environment(settings, LINK_TIMEOUT_MINUTES="120"),
                              make_discord_client=fake_discord_client)
    (links,) = [check for check in checks if check.name == "links"]
    assert links.ok and links.warning
    assert links.detail.startswith("LINK_TIMEOUT_MINUTES is 120, but Taubot v2.1 forgets a link after 60 minutes")
