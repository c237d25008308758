"""TAUBOT_API_V21.md "Transfers", "Spending limit" and the binding probe: every row, on the v2.1 sandbox."""

import pytest

from sandbox import TRANSFER_FUNDS, VIEW_BALANCE
from tests.sandbox.conftest import bearer


@pytest.fixture
def accounts(sandbox21):
    alice = sandbox21.create_account("Alice", owner_id=1001, balance=100_00)
    bob = sandbox21.create_account("Bob", owner_id=1002, balance=10_00)
    return alice, bob


async def pay(raw21, key, to_id, amount, **extra):
    return await raw21.request("POST", "/api/transactions/create", key=bearer(key),
                               json={"to_account_id": to_id, "amount": amount, **extra})


def balances(sandbox21, *accounts):
    return tuple(sandbox21.balance_of(account.account_id) for account in accounts)


def code(answer):
    return answer.status, answer.json()["detail"]["error_code"]


async def test_a_transfer_moves_money_from_the_bound_account_whatever_from_says(raw21, sandbox21, accounts):
    alice, bob = accounts
    key = await raw21.link(1001)
    answer = await pay(raw21, key, bob.account_id, 25_00, from_account=bob.account_id)
    assert (answer.status, answer.json()) == (200, {"detail": "Successfully performed transaction"})
    assert balances(sandbox21, alice, bob) == (75_00, 35_00)
    assert sandbox21.spent_by(key) == 25_00
    (entry,) = sandbox21.transactions_of(alice.account_id)
    assert (entry.actor_id, entry.from_account, entry.amount) == (sandbox21.economy.keys[key].key_id,
                                                                  alice.account_id, 25_00)


async def test_refusals_by_code_in_their_order(raw21, sandbox21, accounts):
    alice, bob = accounts
    key = await raw21.link(1001, spending_limit=1)
    assert code(await pay(raw21, key, alice.account_id, 10**18)) == (403, 1000)  # same account before funds
    assert code(await pay(raw21, key, bob.account_id, 10**18)) == (403, 1001)    # funds before the limit
    assert code(await pay(raw21, key, bob.account_id, 2)) == (403, 1002)
    assert balances(sandbox21, alice, bob) == (100_00, 10_00)
    assert sandbox21.spent_by(key) == 0 and sandbox21.transactions_of(alice.account_id) == []


async def test_the_limit_is_cumulative_reaching_it_exactly_is_allowed_and_failures_do_not_count(
        raw21, sandbox21, accounts):
    _, bob = accounts
    key = await raw21.link(1001, spending_limit=30_00)
    assert (await pay(raw21, key, bob.account_id, 10_00)).status == 200
    assert code(await pay(raw21, key, bob.account_id, 500_00)) == (403, 1001)  # refused: not counted
    assert (await pay(raw21, key, bob.account_id, 20_00)).status == 200        # exactly the limit
    assert code(await pay(raw21, key, bob.account_id, 1)) == (403, 1002)
    assert sandbox21.spent_by(key) == 30_00


@pytest.mark.parametrize("limit", [0, None])
async def test_zero_or_no_limit_is_unlimited(raw21, sandbox21, accounts, limit):
    _, bob = accounts
    key = await raw21.link(1001, spending_limit=limit)
    assert (await pay(raw21, key, bob.account_id, 100_00)).status == 200


async def test_a_negative_limit_blocks_everything_even_zero(raw21, sandbox21, accounts):
    _, bob = accounts
    key = await raw21.link(1001, spending_limit=-1)
    for amount in (1, 0):
        assert code(await pay(raw21, key, bob.account_id, amount)) == (403, 1002)


async def test_without_transfer_funds_or_to_another_economy_a_json_500_and_nothing_moves(raw21, sandbox21, accounts):
    alice, bob = accounts
    elsewhere = sandbox21.create_account("Elsewhere", other_economy=True)
    view_only = await raw21.link(1001, permissions=(VIEW_BALANCE,))
    full = await raw21.link(1001)
    for key, target in ((view_only, bob), (full, elsewhere)):
        answer = await pay(raw21, key, target.account_id, 1_00)
        assert (answer.status, answer.json()) == (500, {"detail": "Could not perform transaction, please contact "
                                                                  "a developer"})
        assert sandbox21.spent_by(key) == 0
    assert balances(sandbox21, alice, bob, elsewhere) == (100_00, 10_00, 0)


async def test_unknown_and_malformed_recipients(raw21, sandbox21, accounts):
    key = await raw21.link(1001)
    assert (await pay(raw21, key, "3fa85f64-5717-4562-b3fc-2c963f66afa6", 1)).status == 404
    assert (await pay(raw21, key, "not-a-uuid", 1)).status == 400


@pytest.mark.parametrize("amount", [1.9, "12.50", None, "٢٥٠", [1]])
async def test_amounts_that_are_not_whole_numbers_are_422(raw21, sandbox21, accounts, amount):
    _, bob = accounts
    key = await raw21.link(1001)
    answer = await pay(raw21, key, bob.account_id, amount)
    assert answer.status == 422 and answer.json()["detail"][0]["loc"] == ["body", "amount"]


async def test_lax_amounts_negative_and_zero(raw21, sandbox21, accounts):
    alice, bob = accounts
    key = await raw21.link(1001)
    for amount in ("250", True, 2.0, 0):
        assert (await pay(raw21, key, bob.account_id, amount)).status == 200
    assert [t.amount for t in sandbox21.transactions_of(alice.account_id)] == [250, 1, 2, 0]  # 0 is logged too
    assert (await pay(raw21, key, bob.account_id, -5)).status == 400
    assert balances(sandbox21, alice, bob) == (100_00 - 253, 10_00 + 253)


async def test_v2s_body_and_the_master_key_are_refused(raw21, sandbox21, accounts):
    alice, bob = accounts
    key = await raw21.link(1001)
    v2_body = await raw21.request("POST", "/api/transactions/create", key=bearer(key), json={
        "from_account": alice.account_id, "to_account": bob.account_id, "amount": 1})
    assert v2_body.status == 422
    assert (await pay(raw21, sandbox21.master_key, bob.account_id, 1)).status == 401
    not_json = await raw21.request("POST", "/api/transactions/create", data="amount=1")  # checked before the key
    assert (not_json.status, not_json.json()["detail"][0]["type"]) == (422, "json_invalid")


async def test_the_binding_probe_tells_bound_from_not_and_changes_nothing(raw21, sandbox21, accounts):
    alice, bob = accounts
    key = await raw21.link(1001, permissions=(VIEW_BALANCE,))  # no TRANSFER_FUNDS needed
    assert code(await pay(raw21, key, alice.account_id, 10**18)) == (403, 1000)  # bound to Alice's account
    assert code(await pay(raw21, key, bob.account_id, 10**18)) == (403, 1001)    # not Bob's
    assert sandbox21.spent_by(key) == 0 and sandbox21.economy.log == []
    assert balances(sandbox21, alice, bob) == (100_00, 10_00)


async def test_amount_zero_is_no_probe_it_is_a_real_transfer(raw21, sandbox21, accounts):
    _, bob = accounts
    key = await raw21.link(1001, permissions=(VIEW_BALANCE, TRANSFER_FUNDS))
    assert (await pay(raw21, key, bob.account_id, 0)).status == 200
    assert len(sandbox21.transactions_of(bob.account_id)) == 1
