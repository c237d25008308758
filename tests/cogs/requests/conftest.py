"""Fixtures shared by the money request tests."""

import pytest

from tests.cogs.pay.helpers import link_directly


@pytest.fixture
async def alice_and_bob(discord, sandbox, people):
    """Alice (100t), who asks for money, and Bob (50t), who is asked; both linked with VIEW BALANCE, TRANSFER
    FUNDS and a generous spending limit."""
    alice, bob = people.member("alice", balance=100_00), people.member("bob", balance=50_00)
    await link_directly(discord, sandbox, alice)
    await link_directly(discord, sandbox, bob)
    sandbox.clear_requests()
    return alice, bob
