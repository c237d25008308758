"""Fixtures shared by the /pay tests."""

import pytest


@pytest.fixture
async def alice_and_bob(discord, sandbox, people):
    """Alice (100t) and Bob (50t), both linked with VIEW BALANCE, TRANSFER FUNDS and a 1,000t limit."""
    alice, bob = people.member("alice", balance=100_00), people.member("bob", balance=50_00)
    await people.link(alice)
    await people.link(bob)
    sandbox.clear_requests()
    return alice, bob
