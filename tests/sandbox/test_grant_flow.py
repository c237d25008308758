"""TAUBOT_API.md "The grant flow" (v2): references, retrieval and its quirks, the grant page."""

import re
import uuid
from html import unescape

from sandbox import TRANSFER_FUNDS, VIEW_BALANCE


async def register(raw, sandbox, ref=None):
    ref = ref or str(uuid.uuid4())
    answer = await raw.request("POST", "/api/oauth-references", key=sandbox.master_key, json={"ref_id": ref})
    assert answer.status == 201
    return ref


async def retrieve(raw, sandbox, ref, *, key="master"):
    return await raw.request("GET", f"/api/retrieve-key/{ref}", key=sandbox.master_key if key == "master" else key)


async def test_registering_needs_the_master_key(raw, sandbox):
    sandbox.create_account("Alice", owner_id=1001)
    grant_key = await raw.link(1001)
    answer = await raw.request("POST", "/api/oauth-references", key=grant_key, json={"ref_id": str(uuid.uuid4())})
    assert answer.status == 401
    bad_uuid = await raw.request("POST", "/api/oauth-references", key=sandbox.master_key, json={"ref_id": "nope"})
    assert bad_uuid.status == 400


async def test_retrieval_before_the_grant_crashes_then_works_and_repeats(raw, sandbox):
    sandbox.create_account("Alice", owner_id=1001)
    ref = await register(raw, sandbox)
    early = await retrieve(raw, sandbox, ref)
    assert (early.status, early.text.splitlines()[0]) == (500, "500 Internal Server Error")
    sandbox.grant(ref, 1001)
    first, second = await retrieve(raw, sandbox, ref), await retrieve(raw, sandbox, ref)
    assert first.status == second.status == 200
    assert first.json()["key"] == second.json()["key"]
    assert re.fullmatch(r"eyJ[\w-]+\.[\w-]+\.[\w-]+", first.json()["key"])


async def test_retrieval_errors(raw, sandbox):
    assert (await retrieve(raw, sandbox, str(uuid.uuid4()))).status == 404  # never registered
    assert (await retrieve(raw, sandbox, "not-a-uuid")).status == 400
    ref = await register(raw, sandbox)
    assert (await raw.request("GET", f"/api/retrieve-key/{ref}")).status == 401  # the docs' example: no key


async def test_registering_again_wipes_a_pending_grant(raw, sandbox):
    sandbox.create_account("Alice", owner_id=1001)
    ref = await register(raw, sandbox)
    sandbox.grant(ref, 1001)
    await register(raw, sandbox, ref)
    assert (await retrieve(raw, sandbox, ref)).status == 500


async def test_registering_a_retrieved_ref_again_breaks_it_for_good(raw, sandbox):
    sandbox.create_account("Alice", owner_id=1001)
    ref = await register(raw, sandbox)
    sandbox.grant(ref, 1001)
    assert (await retrieve(raw, sandbox, ref)).status == 200
    await register(raw, sandbox, ref)
    sandbox.grant(ref, 1001)
    assert (await retrieve(raw, sandbox, ref)).status == 500


async def test_a_restart_forgets_references_but_not_keys(raw, sandbox):
    sandbox.create_account("Alice", owner_id=1001)
    key = await raw.link(1001)
    pending = await register(raw, sandbox)
    sandbox.restart()
    assert (await retrieve(raw, sandbox, pending)).status == 404
    assert (await raw.request("GET", "/api/users/me", key=key)).status == 200


async def test_an_empty_grant_gives_a_dead_key_first_then_a_working_one(raw, sandbox):
    ref = await register(raw, sandbox)
    sandbox.grant(ref, 1004)  # a member with no account: nothing to tick
    dead = (await retrieve(raw, sandbox, ref)).json()["key"]
    working = (await retrieve(raw, sandbox, ref)).json()["key"]
    assert dead != working
    assert (await raw.request("GET", "/api/users/me", key=dead)).status == 401
    assert (await raw.request("GET", "/api/users/me", key=working)).status == 404  # no personal account
    assert (await retrieve(raw, sandbox, ref)).json()["key"] == working


async def test_the_last_submission_before_retrieval_wins(raw, sandbox):
    alice = sandbox.create_account("Alice", owner_id=1001)
    ref = await register(raw, sandbox)
    sandbox.grant(ref, 1001, permissions=(VIEW_BALANCE,), spending_limit=1)
    sandbox.grant(ref, 1001, permissions=(VIEW_BALANCE, TRANSFER_FUNDS), spending_limit=99)
    key = (await retrieve(raw, sandbox, ref)).json()["key"]
    granted = sandbox.economy.keys[key]
    assert granted.permissions == {alice.account_id: {VIEW_BALANCE, TRANSFER_FUNDS}}
    assert granted.spending_limit == 99


async def test_the_grant_page_uses_ref_not_ref_id(raw, sandbox):
    ref = await register(raw, sandbox)
    good = await raw.request("GET", "/api/oauth/grant", params={"ref": ref, "aid": sandbox.application_id})
    wrong = await raw.request("GET", "/api/oauth/grant", params={"ref_id": ref, "aid": sandbox.application_id})
    assert good.status == 200 and "Discord user ID" in good.text
    assert (wrong.status, wrong.text) == (400, "400: Bad Request")


async def test_the_grant_link_answers_303_for_a_known_application_and_400_for_an_unknown_one(raw, sandbox):
    any_ref = str(uuid.uuid4())  # the reference is not checked here
    known = await raw.request("GET", "/api/oauth/grant", params={"ref": any_ref, "aid": sandbox.application_id},
                              follow=False)
    unknown = await raw.request("GET", "/api/oauth/grant", params={"ref": any_ref, "aid": str(uuid.uuid4())},
                                follow=False)
    assert known.status == 303 and known.headers["Location"].startswith("/api/oauth/login?")
    assert unknown.status == 400
    assert sandbox.economy.references == {}  # no side effect


async def test_the_grant_page_works_like_a_browser_would_use_it(raw, sandbox):
    alice = sandbox.create_account("Alice", owner_id=1001, balance=50_00)
    shop = sandbox.create_account("<script>alert(1)</script>", owner_id=1001, account_type="CORPORATION")
    sandbox.create_account("Bob", owner_id=1002)
    ref = await register(raw, sandbox)

    step_two = await raw.request("GET", "/api/oauth/grant",
                                 params={"ref": ref, "aid": sandbox.application_id, "user_id": "1001"})
    page = step_two.text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Bob" not in page  # only the member's own accounts
    assert re.search(r"name=.spending_limit. value=.0.", page)
    assert "A limit of 0 blocks every payment." in page
    choices = re.findall(r"name='perm' value='([^']+)'", page)
    assert sorted(choices) == sorted(f"{account}:{perm}" for account in (alice.account_id, shop.account_id)
                                     for perm in ("VIEW_BALANCE", "TRANSFER_FUNDS"))

    form = [("ref", ref), ("aid", sandbox.application_id), ("user_id", "1001"),
            ("perm", f"{alice.account_id}:VIEW_BALANCE"), ("perm", f"{alice.account_id}:TRANSFER_FUNDS"),
            ("spending_limit", "2500")]
    submitted = await raw.request("POST", "/api/oauth/grant", data=form)
    assert submitted.status == 200 and "Access granted" in unescape(submitted.text)
    key = (await retrieve(raw, sandbox, ref)).json()["key"]
    assert sandbox.economy.keys[key].permissions == {alice.account_id: {VIEW_BALANCE, TRANSFER_FUNDS}}
    assert sandbox.economy.keys[key].spending_limit == 2500


async def test_scripted_grants(raw, sandbox):
    sandbox.create_account("Alice", owner_id=1001)
    ref = await register(raw, sandbox)
    body = {"ref_id": ref, "user_id": 1001, "permissions": ["VIEW_BALANCE"], "spending_limit": 5000}
    assert (await raw.request("POST", "/sandbox/grant", json=body)).status == 201
    assert (await raw.request("POST", "/sandbox/grant", json={**body, "ref_id": str(uuid.uuid4())})).status == 404
    assert (await raw.request("POST", "/sandbox/grant", json={**body, "permissions": ["FLY"]})).status == 400
    assert (await raw.request("POST", "/sandbox/grant", json={"ref_id": ref})).status == 400


async def test_accounts_can_be_opened_by_script(raw, sandbox):
    body = {"account_name": "Bench 1", "owner_id": 5001, "account_type": "USER", "balance": 1_000_00}
    answer = await raw.request("POST", "/sandbox/accounts", json=body)
    assert answer.status == 201
    created = answer.json()
    assert (created["owner_id"], created["balance"]) == ("5001", 1_000_00)
    assert sandbox.economy.personal_account(5001).account_id == created["account_id"]
    assert (await raw.request("POST", "/sandbox/accounts", json={**body, "account_type": "BANK"})).status == 400
    assert (await raw.request("POST", "/sandbox/accounts", json={**body, "balance": "lots"})).status == 400
