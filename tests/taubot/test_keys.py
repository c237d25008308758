"""Key claims read without a signature check: the key id (the log's actor_id) and the expiry."""

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from taubot import KeyUnreadable, TaubotError, read_claims


def jwt(claims) -> str:
    def part(data) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    return f"{part({'alg': 'RS512'})}.{part(claims)}.c2lnbmF0dXJl"


def test_v2_claims_name_the_key_id_and_no_expiry():
    claims = read_claims(jwt({"iss": "TB", "kid": "17"}))
    assert (claims.key_id, claims.issuer, claims.expires_at) == ("17", "TB", None)
    assert not claims.expired()


def test_v21_claims_name_the_key_id_in_sub_and_an_expiry():
    in_a_day = datetime.now(UTC) + timedelta(days=1)
    claims = read_claims(jwt({"sub": "42", "iss": "TB", "exp": int(in_a_day.timestamp())}))
    assert claims.key_id == "42"
    assert abs((claims.expires_at - in_a_day).total_seconds()) < 1
    assert not claims.expired() and claims.expired(in_a_day + timedelta(seconds=1))
    assert read_claims(jwt({"sub": 7, "iss": "TB", "exp": 1.5})).key_id == "7"


async def test_the_sandboxes_keys_name_the_actor_of_their_transfers(client, sandbox, alice):
    account, key = alice
    bob = sandbox.create_account("Bob", owner_id=1002)
    await client.create_transaction(key, from_account=account.account_id, to_account=bob.account_id, amount=1)
    (entry,) = await client.get_transactions(key, account.account_id)
    claims = read_claims(key)
    assert entry.actor_id == claims.key_id
    assert (claims.expires_at is not None) == client.dialect.keys_expire
    master = read_claims(sandbox.master_key)
    if client.dialect.keys_expire:  # master keys live 60 days on v2.1
        assert timedelta(days=59) < master.expires_at - datetime.now(UTC) <= timedelta(days=60)


@pytest.mark.parametrize("garbage", [
    "", "not a jwt", "a.b", "a.b.c.d", "a..c", "a.!!!.c", "a.bm90IGpzb24.c",  # not JSON
    "a." + base64.urlsafe_b64encode(b"[1, 2]").decode() + ".c",              # not an object
    "a." + base64.urlsafe_b64encode(b"\xff\xfe").decode() + ".c",            # not UTF-8
    "a." + base64.urlsafe_b64encode(b"[" * 100_000).decode() + ".c",         # nested beyond recursion
    jwt({"iss": "TB"}), jwt({"sub": ""}), jwt({"sub": True}), jwt({"kid": None}),
    jwt({"sub": "1", "exp": "soon"}), jwt({"sub": "1", "exp": float("inf")}), jwt({"sub": "1", "exp": 10**20}),
    None, 12345, b"a.b.c",
])
def test_garbage_is_one_clear_error_that_never_shows_the_key(garbage):
    with pytest.raises(KeyUnreadable) as caught:
        read_claims(garbage)
    assert isinstance(caught.value, TaubotError) and isinstance(caught.value, ValueError)
    if isinstance(garbage, str) and len(garbage) > 8:
        assert garbage not in str(caught.value)
