"""`Sandbox(state=FILE)`: what comes back after a restart, what is forgotten as the real servers forget it, and
a state file that cannot be used."""

import json
import os
import stat

import aiohttp
import pytest

from sandbox import DIALECTS, Sandbox
from sandbox.state import StateError
from tests.sandbox.conftest import RawTaubot

DAY = 24 * 60 * 60


async def restarted(sandbox: Sandbox, path) -> Sandbox:
    await sandbox.stop()
    again = Sandbox(state=path)
    await again.start()
    return again


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_identity_accounts_keys_and_log_come_back(tmp_path, dialect):
    path = tmp_path / "sandbox.json"
    sandbox = Sandbox(seed="shared", dialect=dialect, state=path)
    await sandbox.start()
    alice = sandbox.create_account("Alice", owner_id=1001, balance=100_00)
    treasury = sandbox.account("Treasury")
    async with aiohttp.ClientSession() as session:
        raw = RawTaubot(session, sandbox)
        key = await raw.link(1001, spending_limit=20_00)
        header = sandbox.server.api.authorization(key)
        moved = await raw.request("POST", transfer_path(sandbox), key=header,
                                  json=transfer_body(sandbox, alice.account_id, treasury.account_id, 15_00))
        assert moved.status == 200
        _, retrieve_unused, master = await raw.register()
        before = (sandbox.application_id, sandbox.master_key, sandbox.economy.economy_id,
                  [t.as_json() for t in sandbox.economy.log], sandbox.economy.keys[key].expires_at)

        sandbox = await restarted(sandbox, path)
        raw.sandbox = sandbox
        assert sandbox.restored and sandbox.dialect == dialect
        assert before == (sandbox.application_id, sandbox.master_key, sandbox.economy.economy_id,
                          [t.as_json() for t in sandbox.economy.log], sandbox.economy.keys[key].expires_at)
        seen = await raw.request("GET", f"/api/accounts/{alice.account_id}", key=header)
        assert (seen.status, seen.json()["balance"]) == (200, 85_00)
        # What the key spent comes back too: 15t of its 20t, so 6t more is over the limit.
        over = await raw.request("POST", transfer_path(sandbox), key=header,
                                 json=transfer_body(sandbox, alice.account_id, treasury.account_id, 6_00))
        assert over.status in (401, 403) and sandbox.balance_of(alice.account_id) == 85_00
        # A reference registered before the restart is forgotten, as a real Taubot forgets it.
        assert (await raw.request("GET", retrieve_unused, key=master)).status == 404
        newer = await raw.link(1001)
    await sandbox.stop()
    assert int(sandbox.economy.keys[newer].key_id) > int(sandbox.economy.keys[key].key_id)  # never an id twice


def transfer_path(sandbox):
    return "/api/transactions/" if sandbox.dialect == "v2" else "/api/transactions/create"


def transfer_body(sandbox, from_id, to_id, amount):
    if sandbox.dialect == "v2":
        return {"from_account": from_id, "to_account": to_id, "amount": amount}
    return {"to_account_id": to_id, "amount": amount}


async def test_v21_keys_keep_their_expiry_and_an_expired_master_key_is_renewed(tmp_path):
    path = tmp_path / "sandbox.json"
    sandbox = Sandbox(seed="demo", dialect="v2.1", state=path)
    expired = sandbox.issue_grant_key(1001, lifetime_seconds=-60)
    lasting = sandbox.issue_grant_key(1002, lifetime_seconds=30 * DAY)
    old_master = sandbox.master_key
    sandbox.economy.keys[old_master].expires_at = sandbox.economy.now() - 1  # kept past its 60 days
    await sandbox.start()

    again = await restarted(sandbox, path)
    try:
        assert again.master_key_renewed and again.master_key != old_master
        assert again.economy.key_kind(f"Bearer {old_master}") == "invalid"
        assert again.economy.key_kind(f"Bearer {again.master_key}") == "master"
        assert again.economy.key_kind(f"Bearer {expired}") == "invalid"
        assert again.economy.key_kind(f"Bearer {lasting}") == "grant"
        assert again.economy.keys[lasting].expires_at == sandbox.economy.keys[lasting].expires_at
    finally:
        await again.stop()
    assert not Sandbox(state=path).master_key_renewed  # the new one was kept


async def test_the_file_is_the_owners_only_and_written_whole(tmp_path):
    path = tmp_path / "sandbox.json"
    sandbox = Sandbox(seed="demo", state=path)
    await sandbox.start()
    try:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        async with aiohttp.ClientSession() as session:  # a request that changes the economy is saved at once
            opened = await session.post(f"{sandbox.base_url}/sandbox/accounts", json={
                "account_name": "Erin", "owner_id": 1005, "account_type": "USER", "balance": 7_00})
            assert opened.status == 201
        assert any(account["account_name"] == "Erin" for account in json.loads(path.read_text())["accounts"])
    finally:
        await sandbox.stop()
    assert os.listdir(tmp_path) == ["sandbox.json"]  # no temporary file left beside it


async def test_a_state_it_cannot_write_any_more_is_one_line_and_the_sandbox_serves_on(tmp_path, capsys):
    path = tmp_path / "sandbox.json"
    sandbox = Sandbox(seed="demo", state=path)
    await sandbox.start()
    try:
        path.unlink()
        (path / "in-the-way").mkdir(parents=True)  # a folder where the file was: it cannot be replaced
        async with aiohttp.ClientSession() as session:
            for name in ("Erin", "Frank"):
                opened = await session.post(f"{sandbox.base_url}/sandbox/accounts", json={
                    "account_name": name, "owner_id": 1005, "account_type": "USER", "balance": 7_00})
                assert opened.status == 201
    finally:
        sandbox.state_file = None  # the test's own mess: nothing to save at stop
        await sandbox.stop()
    error = capsys.readouterr().err
    assert error.startswith(f"python -m sandbox: cannot write {path} (") and error.count("\n") == 1  # said once
    assert error.endswith("): give --state a file in a folder this user may write to.\n")
    assert sorted(os.listdir(tmp_path)) == ["sandbox.json"]  # no temporary file left behind


async def test_an_empty_file_starts_afresh(tmp_path):
    path = tmp_path / "sandbox.json"
    path.write_text("")
    sandbox = Sandbox(seed="demo", state=path, dialect="v2.1")
    assert not sandbox.restored and sandbox.dialect == "v2.1"


@pytest.mark.parametrize(("content", "expected"), [
    ("{not json", "is not a sandbox state file (not JSON): give --state a new file, or delete this one."),
    ("[]", "is not a sandbox state file: give --state a new file, or delete this one."),
    ('{"format": 99}', "was written by another version of the sandbox (format 99, this one reads 1)"),
    ('{"format": 1, "dialect": "v2"}', "(its 'economy' entry is missing or wrong)"),
])
def test_a_file_that_is_not_a_state_is_refused_in_one_line(tmp_path, content, expected):
    path = tmp_path / "sandbox.json"
    path.write_text(content)
    with pytest.raises(StateError) as refused:
        Sandbox(state=path)
    assert expected in str(refused.value) and "\n" not in str(refused.value)
    assert path.read_text() == content  # never overwritten


async def test_the_kept_dialect_is_not_swapped(tmp_path):
    path = tmp_path / "sandbox.json"
    sandbox = Sandbox(dialect="v2", state=path)
    await sandbox.start()
    await sandbox.stop()
    assert Sandbox(state=path, dialect="v2").dialect == "v2"
    with pytest.raises(StateError) as refused:
        Sandbox(state=path, dialect="v2.1")
    assert str(refused.value) == (f"{path} holds a Taubot v2 sandbox, whose keys mean nothing to v2.1: leave out "
                                  "--dialect to go on with v2, or give --state another file for v2.1.")
