"""Fixtures shared by the whole suite: a real sandbox over loopback HTTP, a real SQLite file, the real bot
logged in to the fake Discord. Nothing here leaves 127.0.0.1.

Every test that uses the sandbox runs once per Taubot dialect (ids `v2` and `v2.1`), with the bot detecting
which one it talks to, as in production. A test about one dialect's own behaviour says which in its name
(`..._on_v2`, `..._on_v21`) and is marked ON_V2 or ON_V21 so it runs on that dialect only.
"""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from bot import TaubotBot, Timings
from cogs.link.buttons import grant_ref_of
from config import Settings, generate_encryption_key
from harness import FakeDiscord, FakeUser, SentMessage
from sandbox import DIALECTS, TRANSFER_FUNDS, VIEW_BALANCE, Sandbox
from sandbox.server import RequestRecord
from tests.databases import (
    BACKENDS,
    drop_test_schemas,
    fresh_schema,
    migrated_schema,
    postgres_unreachable_reason,
    postgres_was_used,
    test_database_url,
)

# For a test about one dialect's own behaviour (its name says which): the sandbox speaks only that one.
ON_V2 = pytest.mark.parametrize("sandbox", ["v2"], indirect=True)
ON_V21 = pytest.mark.parametrize("sandbox", ["v2.1"], indirect=True)
# What v2.1's linking sends to the transfer endpoint to learn which account a key is bound to: Taubot always
# refuses it, and it is no payment.
BINDING_PROBE_AMOUNT = 10**18


@pytest.fixture(params=DIALECTS)
async def sandbox(request):
    """A Taubot sandbox with the shared accounts (Treasury, awkward names), on an ephemeral loopback port,
    speaking one dialect. Tests add the members they need."""
    server = Sandbox(seed="shared", dialect=request.param)
    await server.start(host="127.0.0.1", port=0)
    yield server
    await server.stop()


@pytest.fixture(params=BACKENDS)
async def database_location(request, tmp_path):
    """Where the test's database is: a new SQLite file, or a new PostgreSQL schema (see tests/databases.py)."""
    async for location in _location(request.param, tmp_path, migrated_schema):
        yield location


@pytest.fixture(params=BACKENDS)
async def new_database_location(request, tmp_path):
    """As `database_location`, but empty: no tables yet, for tests of the migrations themselves."""
    async for location in _location(request.param, tmp_path, fresh_schema):
        yield location


async def _location(backend, tmp_path, schema):
    if backend == "sqlite":
        yield tmp_path / "bot.sqlite3"
        return
    async with schema() as url:
        yield url


@pytest.fixture
def bot_database() -> str | None:
    """The DATABASE_URL of the bot under test: None, its SQLite file, except in tests/cogs (tests/cogs/conftest.py),
    which run on both backends."""
    return None


_BACKEND_FIXTURES = ("database_location", "new_database_location", "bot_database")


def _backend(item: pytest.Item) -> str | None:
    params = getattr(getattr(item, "callspec", None), "params", {})
    return next((params[name] for name in _BACKEND_FIXTURES if name in params), None)


def _uses_postgres(item: pytest.Item) -> bool:
    return _backend(item) == "postgresql"


def _worth_running(item: pytest.Item) -> bool:
    """The cog suite runs on PostgreSQL with one Taubot dialect: what the backend changes is the same for both,
    and the suite's time is counted (README, "Running the tests")."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    return not (params.get("bot_database") == "postgresql" and params.get("sandbox") == "v2.1")


_POSTGRES_UNREACHABLE = pytest.StashKey[str | None]()


def _postgres_unreachable(config: pytest.Config) -> str | None:
    """Why the test PostgreSQL cannot be reached (None: it can), asked once per process."""
    if _POSTGRES_UNREACHABLE not in config.stash:
        config.stash[_POSTGRES_UNREACHABLE] = postgres_unreachable_reason()
    return config.stash[_POSTGRES_UNREACHABLE]


def pytest_sessionstart(session):
    """Under CI, a PostgreSQL that cannot be reached stops the run (on pytest-xdist's controller, before any
    worker starts): its tests must run there, not be skipped."""
    if os.environ.get("CI") and not hasattr(session.config, "workerinput") and (
            reason := _postgres_unreachable(session.config)) is not None:
        pytest.exit(f"CI is set and the test PostgreSQL cannot be reached ({reason}); the PostgreSQL tests must run "
                    "there. Start PostgreSQL on 127.0.0.1:5432 or set TEST_DATABASE_URL.", returncode=1)


def pytest_collection_modifyitems(config, items):
    """Without a reachable PostgreSQL, leave its runs out; pytest_terminal_summary says so, once."""
    items[:] = [item for item in items if _worth_running(item)]
    on_postgres = [item for item in items if _uses_postgres(item)]
    if on_postgres and _postgres_unreachable(config) is not None:
        items[:] = [item for item in items if not _uses_postgres(item)]
        config.hook.pytest_deselected(items=on_postgres)


def pytest_sessionfinish(session):
    if postgres_was_used():
        drop_test_schemas()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if (reason := _postgres_unreachable(config)) is not None:
        terminalreporter.write_line(
            f"The PostgreSQL tests were skipped: no PostgreSQL at {reason}. To run them, start PostgreSQL (trust "
            f"auth on 127.0.0.1:5432, database test) or set TEST_DATABASE_URL (now {test_database_url()}).")


def transfer_requests(sandbox: Sandbox) -> list[RequestRecord]:
    """The transfers Taubot received, in either dialect, without v2.1's binding probes."""
    return [record for record in sandbox.requests_to("transfer")
            if not (isinstance(record.body, dict) and record.body.get("amount") == BINDING_PROBE_AMOUNT)]


# Most specific first: on v2 "user_account" (GET /api/users/) also matches /users/me, and "account_by_id"
# (GET /api/accounts/) the look-up by name and the log.
_ROUTE_NAMES = ("my_account", "user_account", "account_by_name", "transactions", "account_by_id", "transfer",
                "register_reference", "retrieve_key", "application", "grant_page")


def call_name(sandbox: Sandbox, record: RequestRecord) -> str:
    """What one request to Taubot was, by its route's name (see Sandbox.route), in either dialect: the dialect
    probe is "detect_dialect", v2.1's binding probe "binding_probe"."""
    if record.method == "GET" and record.path == "/api/oauth/grant" and not record.query:
        return "detect_dialect"
    for name in _ROUTE_NAMES:
        if name in sandbox.server.api.routes and record in sandbox.requests_to(name):
            if name == "transfer" and record.body.get("amount") == BINDING_PROBE_AMOUNT:
                return "binding_probe"
            return name
    return f"{record.method} {record.path}"


def calls(sandbox: Sandbox) -> list[str]:
    """Every request Taubot received since the last clear_requests(), by name (see call_name), in order."""
    return [call_name(sandbox, record) for record in sandbox.requests]


def transfer_sent(sandbox: Sandbox, record: RequestRecord) -> tuple[str, str, object]:
    """(from, to, amount) of a transfer request; on v2.1 the money comes from the key's own account."""
    body = record.body
    if "to_account_id" in body:
        key = sandbox.economy.keys.get(record.key or "")
        return (key.account_id if key else None), body["to_account_id"], body["amount"]
    return body["from_account"], body["to_account"], body["amount"]


@pytest.fixture
def settings(request, sandbox, tmp_path, bot_database) -> Settings:
    """The bot's settings; `@pytest.mark.taubot_timeout(1.0)` shortens the Taubot timeout for a test about it."""
    mark = request.node.get_closest_marker("taubot_timeout")
    return Settings(
        discord_token="harness-token",
        taubot_master_key=sandbox.master_key,
        taubot_app_id=uuid.UUID(sandbox.application_id),
        key_encryption_key=base64.urlsafe_b64decode(generate_encryption_key()),
        taubot_api_url=sandbox.api_url,
        database_path=tmp_path / "bot.sqlite3",
        database_url=bot_database,
        # Production's: a loaded machine (CI's two cores under xdist) has stalled a read, a key retrieval or a
        # payment's claim past a 1 s timeout. A test about a timeout marks a short one and holds the request.
        taubot_timeout_seconds=mark.args[0] if mark else 10.0,
        taubot_connect_timeout_seconds=5.0,
    )


class MovableClock:
    """The bot's clock in tests: real time, plus however far the test moved it on (`ahead`)."""

    def __init__(self) -> None:
        self.ahead = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.ahead


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def timings(request, clock) -> Timings:
    """Production's timings with the test's clock; `@pytest.mark.timings(defer_after=0.05)` shortens some."""
    mark = request.node.get_closest_marker("timings")
    return Timings(clock=clock, **(mark.kwargs if mark else {}))


@pytest.fixture
def make_bot(settings, timings) -> Callable[[], TaubotBot]:
    """Builds the real bot; background tasks stay off so each test decides when polling happens."""
    return lambda: TaubotBot(settings, background_tasks=False, timings=timings)


@pytest.fixture
async def discord(make_bot):
    """The real bot, logged in to a fresh fake Discord. Fails the test if anything logged an ERROR."""
    fake = await FakeDiscord.start(make_bot())
    yield fake
    try:
        fake.assert_no_errors_logged()
    finally:
        await fake.stop()


@dataclass
class Person:
    user: FakeUser
    account_id: str | None  # their personal Taubot account, if they have one

    @property
    def id(self) -> int:
        return self.user.id


class People:
    def __init__(self, discord: FakeDiscord, sandbox: Sandbox):
        self.discord, self.sandbox = discord, sandbox

    def member(self, name: str, *, balance: int | None = 100_00) -> Person:
        """A server member; with a personal Taubot account holding `balance` unless balance is None."""
        user = self.discord.user(name)
        account = None
        if balance is not None:
            account = self.sandbox.create_account(name.title(), owner_id=user.id, balance=balance).account_id
        return Person(user, account)

    async def link(self, person: Person, *, permissions=(VIEW_BALANCE, TRANSFER_FUNDS),
                   spending_limit: int | None = 1_000_00) -> SentMessage:
        """The whole link flow as the member does it: /link-account, grant on Taubot, 'I've granted access'."""
        asked = await self.discord.run_command("link-account", by=person.user)
        assert self.discord.dms(person.user), f"/link-account sent no DM: {asked!r}"
        dm = self.discord.last_dm(person.user)
        assert self.sandbox.grant(ref_of(dm), person.id, permissions=permissions, spending_limit=spending_limit)
        pressed = await self.discord.press(dm, "I've granted access", by=person.user)
        assert pressed.text.startswith("Linked to"), pressed.text
        return dm


def ref_of(dm: SentMessage) -> str:
    """The ref_id a link DM carries (in its button's custom_id)."""
    ref_id = grant_ref_of(button.custom_id for button in dm.buttons)
    if ref_id is None:
        raise AssertionError(f"no link button in {dm!r}")
    return ref_id


@pytest.fixture
def people(discord, sandbox) -> People:
    return People(discord, sandbox)


def link_status_of(embed, account: str) -> dict[str, str]:
    """What /link-status says about the linked account shown as `account` ("Alice", "Acme"…): its field's lines
    ("Balance visible: Yes…") as {"Balance visible": "Yes…"}, with "Type" from the field's name."""
    for name, value in embed.fields:
        shown, _, kind = name.rpartition(" · ")
        if shown == account:
            return {"Type": kind, **dict(line.split(": ", 1) for line in value.split("\n"))}
    raise AssertionError(f"/link-status shows no account {account!r}; its fields are {[n for n, _ in embed.fields]}")
