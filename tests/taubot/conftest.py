"""A TaubotClient on a real aiohttp session, talking over loopback HTTP to the sandbox speaking each dialect
in turn: every test here runs on v2 and on v2.1 unless its name says it is about one dialect."""

from __future__ import annotations

import aiohttp
import pytest

from sandbox import DIALECTS, Sandbox
from taubot import TaubotClient
from tests.conftest import ON_V2, ON_V21  # re-exported: a test about one dialect's own behaviour

__all__ = ["ON_V2", "ON_V21", "grant_key", "make_client"]


def make_client(session: aiohttp.ClientSession, sandbox, **options) -> TaubotClient:
    options.setdefault("timeout", aiohttp.ClientTimeout(total=10, connect=5))
    options.setdefault("backoff_base", 0.01)
    options.setdefault("dialect", sandbox.dialect)
    options.setdefault("master_key", sandbox.master_key)
    options.setdefault("application_id", sandbox.application_id)
    return TaubotClient(session, base_url=sandbox.api_url, **options)


@pytest.fixture(params=DIALECTS)
async def sandbox(request):
    """The shared accounts (Treasury, awkward names) on an ephemeral loopback port, in one dialect."""
    server = Sandbox(seed="shared", dialect=request.param)
    await server.start(host="127.0.0.1", port=0)
    yield server
    await server.stop()


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as opened:
        yield opened


@pytest.fixture
async def client(session, sandbox) -> TaubotClient:
    """A client that detected the dialect itself (the one probe is cleared from the request log)."""
    detecting = make_client(session, sandbox, dialect="auto")
    assert (await detecting.detect()).name == sandbox.dialect
    sandbox.clear_requests()
    return detecting


@pytest.fixture
async def alice(sandbox, client):
    """Alice's account (100t) and a grant key for it with VIEW_BALANCE and TRANSFER_FUNDS, limit 1,000t."""
    account = sandbox.create_account("Alice", owner_id=1001, balance=100_00)
    key = await grant_key(sandbox, client, 1001, spending_limit=1_000_00)
    return account, key


async def grant_key(sandbox, client, user_id: int, **grant) -> str:
    """A key through the real flow: the client makes a reference, the member grants, the client retrieves."""
    ref = await client.create_reference()
    assert sandbox.grant(ref, user_id, **grant)
    return await client.retrieve_key(ref)

