"""A TaubotClient on a real aiohttp session, talking to the sandbox over loopback HTTP."""

from __future__ import annotations

import uuid

import aiohttp
import pytest

from taubot import TaubotClient


def make_client(session: aiohttp.ClientSession, sandbox, **options) -> TaubotClient:
    options.setdefault("timeout", aiohttp.ClientTimeout(total=1, connect=0.5))
    options.setdefault("backoff_base", 0.01)
    return TaubotClient(session, base_url=sandbox.api_url, master_key=sandbox.master_key,
                        application_id=sandbox.application_id, **options)


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as opened:
        yield opened


@pytest.fixture
def client(session, sandbox) -> TaubotClient:
    return make_client(session, sandbox)


@pytest.fixture
async def alice(sandbox, client):
    """Alice's account (100t) and a grant key for it with VIEW_BALANCE and TRANSFER_FUNDS, limit 1,000t."""
    account = sandbox.create_account("Alice", owner_id=1001, balance=100_00)
    key = await grant_key(sandbox, client, 1001, spending_limit=1_000_00)
    return account, key


async def grant_key(sandbox, client, user_id: int, **grant) -> str:
    ref = uuid.uuid4()
    await client.register_reference(ref)
    sandbox.grant(ref, user_id, **grant)
    return await client.retrieve_key(ref)
