"""TAUBOT_API_V21.md "Telling the two apart", "Wire basics" and "Keys", reproduced by the v2.1 sandbox."""

import base64
import json
import time

import pytest

from tests.sandbox.conftest import bearer

GENERIC_401 = {"detail": "Invalid, expired or disabled key"}


def claims_of(key: str) -> dict:
    payload = key.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


async def test_the_dialect_probe_is_422_json_on_v21_and_400_text_on_v2(raw, raw21):
    v21 = await raw21.request("GET", "/api/oauth/grant")
    assert (v21.status, v21.headers["Content-Type"]) == (422, "application/json; charset=utf-8")
    assert [(problem["type"], problem["loc"]) for problem in v21.json()["detail"]] == [
        ("missing", ["query", "ref_id"]), ("missing", ["query", "app_id"])]
    v2 = await raw.request("GET", "/api/oauth/grant")
    assert (v2.status, v2.headers["Content-Type"], v2.text) == (400, "text/plain; charset=utf-8", "400: Bad Request")


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
async def test_bearer_is_the_only_way_in_and_its_scheme_is_case_insensitive(raw21, sandbox21, scheme):
    answer = await raw21.request("GET", "/api/applications/me", key=f"{scheme} {sandbox21.master_key}")
    assert answer.status == 200


async def test_every_key_failure_is_the_same_401(raw21, sandbox21):
    sandbox21.create_account("Alice", owner_id=1001)
    revoked, expired = await raw21.link(1001), sandbox21.issue_grant_key(1001, lifetime_seconds=-1)
    sandbox21.revoke_key(revoked)
    unknown = "eyJhbGciOiJSUzUxMiJ9.eyJzdWIiOiI5OTkiLCJpc3MiOiJUQiJ9.c2lnbmF0dXJl"
    headers = [None, sandbox21.master_key, "garbage", bearer("garbage"), bearer("a.b.c"), bearer(unknown),
               bearer(revoked), bearer(expired)]
    for header in headers:
        answer = await raw21.request("GET", "/api/accounts?user_id=1001", key=header)
        assert (answer.status, answer.json()) == (401, GENERIC_401), header
    grant_only = await raw21.request("GET", "/api/transactions", key=bearer(sandbox21.master_key))
    assert (grant_only.status, grant_only.json()) == (401, GENERIC_401)  # a master key on a grant-only endpoint


async def test_a_grant_key_bound_to_no_account_gets_its_own_401(raw21, sandbox21):
    gone = sandbox21.create_account("Gone", owner_id=1001)
    key = await raw21.link(1001)
    del sandbox21.economy.accounts[gone.account_id]
    answer = await raw21.request("GET", "/api/transactions", key=bearer(key))
    assert (answer.status, answer.json()) == (401, {"detail": "Grant keys must be linked to an account"})


async def test_keys_are_jwts_with_sub_iss_and_a_real_expiry(raw21, sandbox21):
    sandbox21.create_account("Alice", owner_id=1001)
    grant = await raw21.link(1001)
    now = time.time()
    for key, days in ((grant, 90), (sandbox21.master_key, 60)):
        claims = claims_of(key)
        assert set(claims) == {"sub", "iss", "exp"} and claims["iss"] == "TB"
        assert claims["sub"] == sandbox21.economy.keys[key].key_id
        assert abs(claims["exp"] - (now + days * 86400)) < 60
    sandbox21.clock_offset_seconds = 91 * 86400  # Taubot's clock reaches the grant key's expiry
    assert (await raw21.request("GET", "/api/transactions", key=bearer(grant))).status == 401


async def test_a_test_can_mint_an_expired_key(raw21, sandbox21):
    sandbox21.create_account("Alice", owner_id=1001)
    expired = sandbox21.issue_grant_key(1001, lifetime_seconds=-60)
    assert claims_of(expired)["exp"] < time.time()
    assert (await raw21.request("GET", "/api/accounts?user_id=1001", key=bearer(expired))).status == 401
    master = sandbox21.issue_master_key(lifetime_seconds=-1)
    assert (await raw21.request("GET", "/api/applications/me", key=bearer(master))).status == 401


async def test_errors_are_json_details_of_three_shapes(raw21, sandbox21):
    sandbox21.create_account("Alice", owner_id=1001, balance=1)
    key = bearer(await raw21.link(1001))
    as_string = await raw21.request("GET", "/api/accounts?user_id=4242", key=key)
    as_object = await raw21.request("GET", "/api/transactions?limit=0", key=key)
    as_list = await raw21.request("POST", "/api/transactions/create", key=key, json={"amount": 1})
    assert (as_string.status, as_string.json()) == (404, {"detail": "Account not found"})
    assert (as_object.status, as_object.json()["detail"]["error_code"]) == (400, 2001)
    assert as_list.status == 422
    assert as_list.json()["detail"][0] | {"input": None} == {"type": "missing", "loc": ["body", "to_account_id"],
                                                               "msg": "Field required", "input": None}


async def test_unhandled_crashes_are_plain_text_and_the_transfers_own_500_is_json(raw21, sandbox21):
    sandbox21.create_account("Lemonade Stand", account_type="CORPORATION")
    sandbox21.create_account("Lemonade Stand", account_type="CORPORATION")
    alice = sandbox21.create_account("Alice", owner_id=1001, balance=10_00)
    crash = await raw21.request("GET", "/api/accounts?name=Lemonade%20Stand", key=bearer(sandbox21.master_key))
    assert (crash.status, crash.headers["Content-Type"], crash.text) == (
        500, "text/plain; charset=utf-8", "Internal Server Error")
    view_only = await raw21.link(1001, permissions=("VIEW_BALANCE",))
    refused = await raw21.request("POST", "/api/transactions/create", key=bearer(view_only),
                                  json={"to_account_id": sandbox21.account("Treasury").account_id, "amount": 1})
    assert (refused.status, refused.headers["Content-Type"]) == (500, "application/json; charset=utf-8")
    assert refused.json() == {"detail": "Could not perform transaction, please contact a developer"}
    assert sandbox21.balance_of(alice.account_id) == 10_00


async def test_a_trailing_slash_is_redirected_and_v2s_transfer_path_lands_on_a_get_route(raw21, sandbox21):
    master = bearer(sandbox21.master_key)
    slashed = await raw21.request("GET", "/api/applications/me/", key=master, follow=False)
    assert (slashed.status, slashed.headers["Location"]) == (307, "/api/applications/me")
    v2_transfer = await raw21.request("POST", "/api/transactions/", key=master, json={}, follow=False)
    assert (v2_transfer.status, v2_transfer.headers["Location"]) == (307, "/api/transactions")
    followed = await raw21.request("POST", "/api/transactions", key=master, json={})
    assert (followed.status, followed.headers["Allow"]) == (405, "GET")


async def test_unknown_routes_are_404_with_or_without_a_key_and_wrong_methods_405(raw21, sandbox21):
    for key in (None, bearer(sandbox21.master_key)):
        for path in ("/api/nowhere", "/api/users/me", "/api/retrieve-key/x", "/api/oauth-references"):
            answer = await raw21.request("GET", path, key=key)
            assert (answer.status, answer.json()) == (404, {"detail": "Not Found"}), path
    wrong = await raw21.request("DELETE", "/api/accounts", key=bearer(sandbox21.master_key))
    assert (wrong.status, wrong.headers["Allow"], wrong.json()) == (405, "GET", {"detail": "Method Not Allowed"})
    register_get = await raw21.request("GET", "/api/references/register", key=bearer(sandbox21.master_key))
    assert register_get.status == 405


async def test_applications_me_names_the_master_keys_application(raw21, sandbox21):
    answer = await raw21.request("GET", "/api/applications/me", key=bearer(sandbox21.master_key))
    assert answer.json() == {"application_id": sandbox21.application_id, "application_name": "Sandbox Discord bot",
                             "economy_name": "Sandbox Dollars", "economy_id": sandbox21.economy.economy_id,
                             "owner_id": "1"}
    by_id = await raw21.request("GET", f"/api/applications/{sandbox21.application_id}",
                                key=bearer(sandbox21.master_key))
    assert by_id.json()["application_id"] == sandbox21.application_id
    assert (await raw21.request("GET", "/api/applications/nope", key=bearer(sandbox21.master_key))).status == 400
