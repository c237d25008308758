"""TAUBOT_API.md "Wire rules": how the real server treats keys, bodies and routes, reproduced."""

import pytest

CRASH = "500 Internal Server Error\n\nServer got itself in trouble"


async def test_the_raw_key_is_accepted(raw, sandbox):
    sandbox.create_account("Alice", owner_id=1001)
    answer = await raw.request("GET", "/api/users/1001", key=sandbox.master_key)
    assert answer.status == 200
    assert answer.json()["account_name"] == "Alice"


# (A trailing space also gives 500 on the real server, but HTTP parsers, aiohttp's included, strip it before
# the sandbox can see it; the bot strips whitespace from its settings, so it never sends one.)
@pytest.mark.parametrize("make_key", [
    lambda key: f"Bearer {key}",
    lambda key: "not a jwt",
    lambda key: "aaaa.bbbb.cccc",  # JWT-shaped but the payload is not JSON
])
async def test_a_malformed_key_is_a_500_not_a_401(raw, sandbox, make_key):
    answer = await raw.request("GET", "/api/users/1001", key=make_key(sandbox.master_key))
    assert answer.status == 500
    assert answer.text == CRASH
    assert answer.headers["Connection"] == "close"


async def test_an_unknown_or_disabled_key_is_a_401(raw, sandbox):
    sandbox.create_account("Alice", owner_id=1001)
    unknown = "eyJhbGciOiJIUzI1NiJ9.eyJ1bmtub3duIjp0cnVlfQ.c2lnbmF0dXJl"
    answer = await raw.request("GET", "/api/users/1001", key=unknown)
    assert (answer.status, answer.text) == (401, "401: Unauthorized")
    key = await raw.link(1001)
    sandbox.revoke_key(key)
    assert (await raw.request("GET", "/api/users/me", key=key)).status == 401


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/users/1001"), ("GET", "/api/accounts/by-name/Treasury"), ("POST", "/api/transactions/"),
    ("POST", "/api/oauth-references"), ("GET", "/api/nowhere"),
])
async def test_without_a_key_everything_outside_oauth_is_a_401(raw, method, path):
    assert (await raw.request(method, path)).status == 401


async def test_the_grant_page_needs_no_key(raw, sandbox):
    answer = await raw.request("GET", "/api/oauth/grant", params={"ref": "x", "aid": sandbox.application_id})
    assert answer.status == 200


async def test_bodies_must_be_json_with_exactly_the_expected_keys(raw, sandbox):
    master = sandbox.master_key
    form = await raw.request("POST", "/api/oauth-references", key=master, data={"ref_id": "abc"})
    assert (form.status, form.text) == (500, CRASH)  # the docs' own example sends a form: the server crashes
    extra = await raw.request("POST", "/api/oauth-references", key=master,
                              json={"ref_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "extra": 1})
    missing = await raw.request("POST", "/api/oauth-references", key=master, json={})
    assert (extra.status, missing.status) == (400, 400)
    assert extra.text == "400: Bad Request"


async def test_successful_posts_answer_text_not_json(raw, sandbox):
    answer = await raw.request("POST", "/api/oauth-references", key=sandbox.master_key,
                               json={"ref_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6"})
    assert (answer.status, answer.text) == (201, "201: Created")


async def test_unknown_routes_wrong_methods_and_missing_slashes_are_404_with_a_key(raw, sandbox):
    master = sandbox.master_key
    assert (await raw.request("GET", "/api/nowhere", key=master)).status == 404
    assert (await raw.request("DELETE", "/api/users/1001", key=master)).status == 404
    assert (await raw.request("GET", "/api/oauth-references", key=master)).status == 404
    key = await raw.link(1001) if sandbox.create_account("Alice", owner_id=1001) else None
    no_slash = await raw.request("POST", "/api/transactions", key=key,
                                 json={"from_account": "a", "to_account": "b", "amount": 1})
    assert (no_slash.status, no_slash.text) == (404, "404: Not Found")
