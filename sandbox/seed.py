"""The demo economy: enough variety to try every path of the bot by hand."""

from __future__ import annotations

from .economy import Economy

# Discord user ids of the demo members (any ids work; these are easy to type on the grant page).
ALICE, BOB, CAROL, DAVE = 1001, 1002, 1003, 1004
DEMO_MEMBERS = {ALICE: "Alice", BOB: "Bob", CAROL: "Carol", DAVE: "Dave"}


def seed_demo_economy(economy: Economy) -> None:
    """Three members with personal accounts (DAVE has none), plus the shared accounts below."""
    economy.create_account("Alice", owner_id=ALICE, account_type="USER", balance=250_00)
    economy.create_account("Bob", owner_id=BOB, account_type="USER", balance=80_00)
    economy.create_account("Carol", owner_id=CAROL, account_type="USER", balance=12_345_67)
    # Bob's business shares its name with another: looking "Lemonade Stand" up by name fails (500).
    economy.create_account("Lemonade Stand", owner_id=BOB, account_type="CORPORATION", balance=20_00)
    seed_shared_accounts(economy)


def seed_shared_accounts(economy: Economy) -> None:
    """Accounts that belong to no member, with the names that trip clients up."""
    economy.create_account("Treasury", owner_id=None, account_type="GOVERNMENT", balance=1_000_000_00)
    # Names that only work when percent-encoded as one path segment.
    economy.create_account("Café #1?", owner_id=None, account_type="CORPORATION", balance=500_00)
    economy.create_account("a/b", owner_id=None, account_type="CHARITY", balance=10_00)
    economy.create_account("..", owner_id=None, account_type="CORPORATION", balance=1_00)
    economy.create_account("Lemonade Stand", owner_id=None, account_type="CORPORATION", balance=30_00)
