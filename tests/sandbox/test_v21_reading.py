"""TAUBOT_API_V21.md "Accounts and balances" and "Transaction log", on the v2.1 sandbox."""

import pytest

from sandbox import TRANSFER_FUNDS, VIEW_BALANCE
from tests.sandbox.conftest import bearer


@pytest.fixture
def alice(sandbox21):
    return sandbox21.create_account("Alice", owner_id=1001, balance=42_00)


async def get(raw21, path, key):
    return await raw21.request("GET", path, key=bearer(key))


async def test_own_account_by_user_id_with_either_key(raw21, sandbox21, alice):
    key = await raw21.link(1001)
    mine = await get(raw21, "/api/accounts?user_id=1001", key)
    assert mine.json() == {"account_id": alice.account_id, "owner_id": "1001", "account_name": "Alice",
                           "account_type": "USER", "balance": 42_00}
    as_master = await get(raw21, "/api/accounts?user_id=1001", sandbox21.master_key)
    assert as_master.json()["balance"] is None  # master keys never see balances
    assert (await get(raw21, "/api/accounts?user_id=1002", key)).status == 404
    assert (await get(raw21, "/api/accounts?user_id=abc", key)).status == 400


async def test_exactly_one_of_user_id_and_name(raw21, sandbox21, alice):
    master = sandbox21.master_key
    for query in ("", "?user_id=1001&name=Alice"):
        answer = await get(raw21, f"/api/accounts{query}", master)
        assert answer.status == 400 and "only one" in answer.json()["detail"]
    for empty in ("?name=", "?user_id="):
        assert (await get(raw21, f"/api/accounts{empty}", master)).text == "Internal Server Error"


@pytest.mark.parametrize(("name", "query", "found"), [
    ("a b", "name=a+b", True),            # '+' means a space
    ("a+b", "name=a%2Bb", True),
    ("x#y", "name=x%23y", True),          # '#' must be encoded: raw, it would cut the name
    ("c/d", "name=c/d", True),            # a raw '/' works
    ("c/d", "name=c%2Fd", True),
    ("Café #1?", "name=Caf%C3%A9%20%231%3F", True),
    ("Treasury", "name=treasury", False),  # exact and case-sensitive
])
async def test_names_in_the_query(raw21, sandbox21, name, query, found):
    for created in ("a b", "a+b", "x#y", "c/d"):
        sandbox21.create_account(created, account_type="CORPORATION")
    answer = await get(raw21, f"/api/accounts?{query}", sandbox21.master_key)
    assert (answer.status, answer.json().get("account_name")) == ((200, name) if found else (404, None))


async def test_names_only_in_the_applications_economy_and_duplicates_crash(raw21, sandbox21):
    sandbox21.create_account("Elsewhere", other_economy=True)
    assert (await get(raw21, "/api/accounts?name=Elsewhere", sandbox21.master_key)).status == 404
    sandbox21.create_account("Lemonade Stand", account_type="CORPORATION")
    sandbox21.create_account("Lemonade Stand", account_type="CORPORATION")
    assert (await get(raw21, "/api/accounts?name=Lemonade%20Stand", sandbox21.master_key)).status == 500


async def test_accounts_by_id(raw21, sandbox21, alice):
    key = await raw21.link(1001)
    elsewhere = sandbox21.create_account("Elsewhere", other_economy=True, balance=5)
    assert (await get(raw21, f"/api/accounts/{alice.account_id}", sandbox21.master_key)).status == 200
    assert (await get(raw21, "/api/accounts/not-a-uuid", key)).status == 400  # v2 answered 404
    assert (await get(raw21, "/api/accounts/3fa85f64-5717-4562-b3fc-2c963f66afa6", key)).status == 404
    other = await get(raw21, f"/api/accounts/{elsewhere.account_id}", key)
    assert (other.status, other.json()["balance"]) == (200, None)  # returned, but not its balance


async def test_view_balance_on_its_own_account_sees_the_whole_economy(raw21, sandbox21, alice):
    treasury = sandbox21.account("Treasury")
    seeing = await raw21.link(1001)
    blind = await raw21.link(1001, permissions=(TRANSFER_FUNDS,))
    assert (await get(raw21, f"/api/accounts/{treasury.account_id}", seeing)).json()["balance"] == treasury.balance
    assert (await get(raw21, f"/api/accounts/{alice.account_id}", blind)).json()["balance"] is None


async def make_log(raw21, sandbox21, alice):
    bob = sandbox21.create_account("Bob", owner_id=1002, balance=100)
    key = await raw21.link(1001)
    bobs_key = await raw21.link(1002)
    record = sandbox21.economy.keys[key]
    for amount in (1, 2, 3):
        sandbox21.economy.transfer(record, alice.account_id, bob.account_id, amount)
    sandbox21.economy.transfer(sandbox21.economy.keys[bobs_key], bob.account_id, alice.account_id, 4)
    for entry, stamp in zip(sandbox21.economy.log, (1000.25, 2000.5, 3000.75, 4000.0), strict=True):
        entry.timestamp = stamp
    return key, bobs_key


async def test_the_log_is_the_keys_own_account_newest_first_with_every_keys_transfers(raw21, sandbox21, alice):
    key, bobs_key = await make_log(raw21, sandbox21, alice)
    entries = (await get(raw21, "/api/transactions", key)).json()
    assert [e["amount"] for e in entries] == [4, 3, 2, 1]
    assert entries[0]["actor_id"] == sandbox21.economy.keys[bobs_key].key_id  # made by Bob's key
    assert entries[1]["actor_id"] == sandbox21.economy.keys[key].key_id
    v2_path = await get(raw21, f"/api/accounts/{alice.account_id}/transactions", key)
    assert v2_path.status == 404


@pytest.mark.parametrize(("query", "amounts"), [
    ("limit=2", [4, 3]), ("sort=1", [1, 2, 3, 4]), ("sort=1&limit=1", [1]), ("before=3000", [2, 1]),
    ("after=2001", [4, 3]), ("before=0", [4, 3, 2, 1]), ("before=4000&after=1001", [3, 2]),
    ("limit=100", [4, 3, 2, 1]),
])
async def test_the_log_window(raw21, sandbox21, alice, query, amounts):
    key, _ = await make_log(raw21, sandbox21, alice)
    assert [e["amount"] for e in (await get(raw21, f"/api/transactions?{query}", key)).json()] == amounts


@pytest.mark.parametrize(("query", "status", "error"), [
    ("limit=0", 400, 2001), ("limit=101", 400, 2002), ("sort=2", 400, 2000), ("sort=2&limit=0", 400, 2000),
    ("limit=abc", 422, None), ("limit=1.5", 422, None), ("before=soon", 422, None),
])
async def test_log_parameters_refused(raw21, sandbox21, alice, query, status, error):
    key = await raw21.link(1001)
    answer = await get(raw21, f"/api/transactions?{query}", key)
    assert answer.status == status
    if error is not None:
        assert answer.json()["detail"]["error_code"] == error


async def test_the_log_needs_view_balance_and_a_grant_key(raw21, sandbox21, alice):
    blind = await raw21.link(1001, permissions=(TRANSFER_FUNDS,))
    answer = await get(raw21, "/api/transactions", blind)
    assert answer.status == 403 and isinstance(answer.json()["detail"], str)
    assert (await get(raw21, "/api/transactions", sandbox21.master_key)).status == 401
    assert (await get(raw21, "/api/transactions", await raw21.link(1001, permissions=(VIEW_BALANCE,)))).json() == []
