"""TAUBOT_API.md "Reading" (v2): accounts by user, by name and by id, transaction logs, the application, and
the corrections at the end of the file."""

import time
import uuid

import pytest

from sandbox import TRANSFER_FUNDS, VIEW_BALANCE, Sandbox
from taubot import read_claims


@pytest.fixture
def alice(sandbox):
    return sandbox.create_account("Alice", owner_id=1001, balance=42_00)


async def test_users_by_id_and_me(raw, sandbox, alice):
    key = await raw.link(1001)
    with_grant = await raw.request("GET", "/api/users/1001", key=key)
    assert with_grant.json() == {"account_id": alice.account_id, "owner_id": "1001", "account_name": "Alice",
                                 "account_type": "USER", "balance": 42_00}
    assert (await raw.request("GET", "/api/users/me", key=key)).json()["account_id"] == alice.account_id
    with_master = await raw.request("GET", "/api/users/1001", key=sandbox.master_key)
    assert with_master.json()["balance"] is None  # the master key never sees balances
    assert (await raw.request("GET", "/api/users/me", key=sandbox.master_key)).status == 404  # owner: no account
    assert (await raw.request("GET", "/api/users/1002", key=key)).status == 404  # no personal account


async def test_users_me_with_the_master_key_is_the_application_owners_account(raw, sandbox):
    owner = sandbox.create_account("Owner", owner_id=1)  # the application's owner
    answer = await raw.request("GET", "/api/users/me", key=sandbox.master_key)
    assert (answer.status, answer.json()["account_id"], answer.json()["balance"]) == (200, owner.account_id, None)


async def test_balance_is_null_without_view_balance(raw, sandbox, alice):
    key = await raw.link(1001, permissions=(TRANSFER_FUNDS,))
    assert (await raw.request("GET", "/api/users/me", key=key)).json()["balance"] is None


@pytest.mark.parametrize(("name", "raw_path"), [
    ("a/b", "/api/accounts/by-name/a%2Fb"),
    ("..", "/api/accounts/by-name/%2E%2E"),
    ("Café #1?", "/api/accounts/by-name/Caf%C3%A9%20%231%3F"),
])
async def test_names_are_one_percent_encoded_segment(raw, sandbox, name, raw_path):
    answer = await raw.request("GET", raw_path, key=sandbox.master_key)
    assert answer.status == 200
    assert answer.json()["account_name"] == name
    assert answer.json()["owner_id"] == "None"  # unowned accounts: the string "None"


async def test_by_name_finds_only_the_keys_own_economy(raw, sandbox):
    sandbox.create_account("Elsewhere", other_economy=True)
    assert (await raw.request("GET", "/api/accounts/by-name/Elsewhere", key=sandbox.master_key)).status == 404


async def test_by_name_is_exact_and_case_sensitive_and_duplicates_crash(raw, sandbox):
    assert (await raw.request("GET", "/api/accounts/by-name/treasury", key=sandbox.master_key)).status == 404
    sandbox.create_account("Lemonade Stand", owner_id=1003, account_type="CORPORATION")
    duplicate = await raw.request("GET", "/api/accounts/by-name/Lemonade%20Stand", key=sandbox.master_key)
    assert duplicate.status == 500


async def test_accounts_by_id_need_a_grant_key(raw, sandbox, alice):
    key = await raw.link(1001)
    treasury = sandbox.account("Treasury")
    assert (await raw.request("GET", f"/api/accounts/{treasury.account_id}", key=sandbox.master_key)).status == 401
    found = await raw.request("GET", f"/api/accounts/{treasury.account_id}", key=key)
    assert found.json()["account_name"] == "Treasury"
    assert found.json()["balance"] is None  # not granted on that account
    assert (await raw.request("GET", "/api/accounts/not-a-uuid", key=key)).status == 404


async def test_an_account_of_another_economy_is_still_returned(raw, sandbox, alice):
    elsewhere = sandbox.create_account("Elsewhere", other_economy=True)
    key = await raw.link(1001)
    assert (await raw.request("GET", f"/api/accounts/{elsewhere.account_id}", key=key)).status == 200


async def test_transaction_logs(raw, sandbox, alice):
    bob = sandbox.create_account("Bob", owner_id=1002)
    key = await raw.link(1001)
    for amount in (1, 2, 3):
        sandbox.economy.transfer(sandbox.economy.keys[key], alice.account_id, bob.account_id, amount)
    path = f"/api/accounts/{alice.account_id}/transactions"
    everything = (await raw.request("GET", path, key=key)).json()
    assert [entry["amount"] for entry in everything] == [3, 2, 1]  # newest first
    entry = everything[0]
    assert entry["actor_id"] == sandbox.economy.keys[key].key_id  # the API key's id, not a Discord id
    assert entry["actor_id"] == read_claims(key).key_id          # which the key's own claims carry (kid)
    assert isinstance(entry["timestamp"], float)
    assert (entry["from_account"], entry["to_account"]) == (alice.account_id, bob.account_id)
    assert len((await raw.request("GET", path, key=key, params={"limit": "2"})).json()) == 2
    assert len((await raw.request("GET", path, key=key, params={"limit": "-1"})).json()) == 3
    for bad in ("abc", "1.5"):
        assert (await raw.request("GET", path, key=key, params={"limit": bad})).status == 500
    view_less = await raw.link(1001, permissions=(TRANSFER_FUNDS,))
    assert (await raw.request("GET", path, key=view_less)).status == 401
    assert (await raw.request("GET", f"/api/accounts/{bob.account_id}/transactions", key=key)).status == 401
    for unknown in (str(uuid.uuid4()), "not-an-id"):  # an account that does not exist: 404
        assert (await raw.request("GET", f"/api/accounts/{unknown}/transactions", key=key)).status == 404


async def test_v2_key_claims_are_iss_and_kid_without_expiry(raw, sandbox, alice):
    import base64
    import json

    key = await raw.link(1001)
    payload = key.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims == {"iss": "TB", "kid": sandbox.economy.keys[key].key_id}



async def test_log_timestamps_follow_taubots_own_clock(raw, sandbox, alice):
    """Taubot stamps entries with its own clock; clock_offset_seconds sets how far that is from ours."""
    bob = sandbox.create_account("Bob", owner_id=1002)
    key = await raw.link(1001)
    path = f"/api/accounts/{alice.account_id}/transactions"
    sandbox.economy.transfer(sandbox.economy.keys[key], alice.account_id, bob.account_id, 1)
    sandbox.clock_offset_seconds = -60  # a minute behind
    before = time.time()
    sandbox.economy.transfer(sandbox.economy.keys[key], alice.account_id, bob.account_id, 2)
    after = time.time()
    behind, on_time = (await raw.request("GET", path, key=key)).json()
    assert before - 60 <= behind["timestamp"] <= after - 60
    assert behind["timestamp"] < on_time["timestamp"]  # stamped earlier though made later, as with real drift


async def test_the_application_endpoint_is_missing_unless_offered(raw, sandbox):
    assert (await raw.request("GET", "/api/applications/me", key=sandbox.master_key)).status == 404
    offered = Sandbox(seed="empty", offer_application_endpoint=True)
    await offered.start()
    try:
        from tests.sandbox.conftest import RawTaubot
        answer = await RawTaubot(raw.session, offered).request("GET", "/api/applications/me", key=offered.master_key)
        assert answer.json() == {"id": offered.application_id, "application_name": "Sandbox Discord bot",
                                 "economy_name": "Sandbox Dollars", "economy_id": offered.economy.economy_id,
                                 "owner_id": "1"}
    finally:
        await offered.stop()


async def test_view_balance_is_per_account(raw, sandbox, alice):
    shop = sandbox.create_account("Shop", owner_id=1001, account_type="CORPORATION", balance=7)
    key = await raw.link(1001, accounts=[alice.account_id])
    assert (await raw.request("GET", f"/api/accounts/{shop.account_id}", key=key)).json()["balance"] is None
    both = await raw.link(1001, accounts=[alice.account_id, shop.account_id], permissions=(VIEW_BALANCE,))
    assert (await raw.request("GET", f"/api/accounts/{shop.account_id}", key=both)).json()["balance"] == 7
