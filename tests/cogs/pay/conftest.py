"""Fixtures shared by the /pay tests (alice_and_bob, shared by every cog test, is in tests/cogs/conftest.py)."""

import pytest

from tests.cogs.pay.helpers import link_directly


@pytest.fixture
async def directly_linked(discord, sandbox, people):
    """Alice (100t) and Bob (50t), their keys stored as the link flow stores them: for tests about what a payment
    shows, where the flow itself (tested in tests/cogs/link) would only cost time."""
    alice, bob = people.member("alice", balance=100_00), people.member("bob", balance=50_00)
    await link_directly(discord, sandbox, alice)
    await link_directly(discord, sandbox, bob)
    return alice, bob
