"""TAUBOT_API.md "Paying" (v2): every row of the outcome table, every dangerous behaviour, and the corrections."""

import pytest

from sandbox import VIEW_BALANCE


@pytest.fixture
def accounts(sandbox):
    alice = sandbox.create_account("Alice", owner_id=1001, balance=100_00)
    bob = sandbox.create_account("Bob", owner_id=1002, balance=10_00)
    return alice, bob


async def pay(raw, key, from_id, to_id, amount):
    return await raw.request("POST", "/api/transactions/", key=key,
                             json={"from_account": from_id, "to_account": to_id, "amount": amount})


def balances(sandbox, *accounts):
    return tuple(sandbox.balance_of(account.account_id) for account in accounts)


async def test_a_transfer_moves_money_and_answers_text(raw, sandbox, accounts):
    alice, bob = accounts
    key = await raw.link(1001)
    answer = await pay(raw, key, alice.account_id, bob.account_id, 25_00)
    assert (answer.status, answer.text) == (200, "200: OK")
    assert balances(sandbox, alice, bob) == (75_00, 35_00)
    assert sandbox.spent_by(key) == 25_00


async def test_without_transfer_funds_ok_and_nothing_moves_and_no_allowance_is_used(raw, sandbox, accounts):
    alice, bob = accounts
    key = await raw.link(1001, permissions=(VIEW_BALANCE,))
    assert (await pay(raw, key, alice.account_id, bob.account_id, 5_00)).status == 200
    assert balances(sandbox, alice, bob) == (100_00, 10_00)
    assert sandbox.spent_by(key) == 0


async def test_from_an_account_not_granted_ok_and_nothing_moves(raw, sandbox, accounts):
    alice, bob = accounts
    key = await raw.link(1001)
    assert (await pay(raw, key, bob.account_id, alice.account_id, 5_00)).status == 200
    assert balances(sandbox, alice, bob) == (100_00, 10_00)
    assert sandbox.spent_by(key) == 0


async def test_refusals(raw, sandbox, accounts):
    alice, bob = accounts
    elsewhere = sandbox.create_account("Elsewhere", other_economy=True)
    key = await raw.link(1001, spending_limit=1_000_00)
    assert (await pay(raw, key, alice.account_id, bob.account_id, 500_00)).status == 400  # not enough funds
    assert (await pay(raw, key, alice.account_id, elsewhere.account_id, 1)).status == 400  # other economy
    unknown = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    assert (await pay(raw, key, alice.account_id, unknown, 1)).status == 404
    assert (await pay(raw, key, alice.account_id, "not-a-uuid", 1)).status == 500
    assert (await pay(raw, key, alice.account_id, bob.account_id, "12.50")).status == 500
    assert balances(sandbox, alice, bob) == (100_00, 10_00)


async def test_the_spending_limit_is_cumulative_and_refused_transfers_count(raw, sandbox, accounts):
    alice, bob = accounts
    key = await raw.link(1001, spending_limit=30_00)
    assert (await pay(raw, key, alice.account_id, bob.account_id, 10_00)).status == 200
    sandbox.set_balance(alice.account_id, 0)
    assert (await pay(raw, key, alice.account_id, bob.account_id, 15_00)).status == 400  # insufficient…
    sandbox.set_balance(alice.account_id, 100_00)
    assert sandbox.spent_by(key) == 25_00                                                 # …but counted
    assert (await pay(raw, key, alice.account_id, bob.account_id, 10_00)).status == 401  # 35 > 30
    assert (await pay(raw, key, alice.account_id, bob.account_id, 5_00)).status == 200


async def test_a_zero_limit_refuses_everything_and_a_null_limit_is_a_404(raw, sandbox, accounts):
    alice, bob = accounts
    zero = await raw.link(1001, spending_limit=0)
    assert (await pay(raw, zero, alice.account_id, bob.account_id, 1)).status == 401
    unset = await raw.link(1001, spending_limit=None)
    assert (await pay(raw, unset, alice.account_id, bob.account_id, 1)).status == 404


async def test_a_revoked_key_is_refused(raw, sandbox, accounts):
    alice, bob = accounts
    key = await raw.link(1001)
    sandbox.revoke_key(key)
    assert (await pay(raw, key, alice.account_id, bob.account_id, 1)).status == 401


async def test_negative_amounts_move_money_backwards(raw, sandbox, accounts):
    alice, bob = accounts
    key = await raw.link(1001)
    assert (await pay(raw, key, alice.account_id, bob.account_id, -5_00)).status == 200
    assert balances(sandbox, alice, bob) == (105_00, 5_00)  # Bob was robbed by a "payment" to him


async def test_zero_is_accepted_and_logged_floats_truncate_true_is_one(raw, sandbox, accounts):
    alice, bob = accounts
    key = await raw.link(1001)
    for amount in (0, 2.9, True):
        assert (await pay(raw, key, alice.account_id, bob.account_id, amount)).status == 200
    assert [t.amount for t in sandbox.transactions_of(alice.account_id)] == [0, 2, 1]
    assert balances(sandbox, alice, bob) == (100_00 - 3, 10_00 + 3)


async def test_a_self_transfer_moves_nothing_logs_nothing_but_uses_the_limit(raw, sandbox, accounts):
    alice, _ = accounts
    key = await raw.link(1001, spending_limit=10_00)
    assert (await pay(raw, key, alice.account_id, alice.account_id, 10_00)).status == 200
    assert sandbox.balance_of(alice.account_id) == 100_00
    assert sandbox.transactions_of(alice.account_id) == []
    assert sandbox.spent_by(key) == 10_00
    assert (await pay(raw, key, alice.account_id, alice.account_id, 1)).status == 401


async def test_transfers_need_a_grant_key_and_the_exact_body(raw, sandbox, accounts):
    alice, bob = accounts
    key = await raw.link(1001)
    assert (await pay(raw, sandbox.master_key, alice.account_id, bob.account_id, 1)).status == 404
    extra = await raw.request("POST", "/api/transactions/", key=key, json={
        "from_account": alice.account_id, "to_account": bob.account_id, "amount": 1, "note": "hi"})
    assert extra.status == 400
