"""Fixtures shared by the /pay tests."""

import pytest

from tests.cogs.pay.helpers import link_directly


@pytest.fixture
async def alice_and_bob(discord, sandbox, people):
    """Alice (100t) and Bob (50t), both linked with VIEW BALANCE, TRANSFER FUNDS and a 1,000t limit."""
    alice, bob = people.member("alice", balance=100_00), people.member("bob", balance=50_00)
    await people.link(alice)
    await people.link(bob)
    sandbox.clear_requests()
    return alice, bob


@pytest.fixture
async def directly_linked(discord, sandbox, people):
    """Alice (100t) and Bob (50t), their keys stored as the link flow stores them: for tests about what a payment
    shows, where the flow itself (tested in tests/cogs/link) would only cost time."""
    alice, bob = people.member("alice", balance=100_00), people.member("bob", balance=50_00)
    await link_directly(discord, sandbox, alice)
    await link_directly(discord, sandbox, bob)
    return alice, bob
