"""TAUBOT_API_V21.md "Linking (references)": server-made references in one cache of 64 kept an hour, 403 until
granted, the key retrieved once, a grant page that picks one account, anyone may submit, key replacement."""

import re
import uuid

import aiohttp
from multidict import MultiDict
from yarl import URL

from tests.sandbox.conftest import bearer
from tests.sandbox.test_handle_and_cli import read_form


async def register(raw21, sandbox21, query: str = "permissions=10", **options):
    return await raw21.request("POST", f"/api/references/register?{query}", key=bearer(sandbox21.master_key),
                               **options)


async def retrieve(raw21, sandbox21, ref, key=None):
    return await raw21.request("GET", f"/api/references/{ref}", key=bearer(key or sandbox21.master_key))


async def test_the_server_makes_the_reference_and_ignores_one_sent_to_it(raw21, sandbox21):
    mine = str(uuid.uuid4())
    answer = await register(raw21, sandbox21, json={"ref_id": mine})
    assert answer.status == 201
    ref = answer.json()["uuid"]
    assert str(uuid.UUID(ref)) == ref != mine
    assert sandbox21.economy.references[ref].permissions == {"VIEW_BALANCE", "TRANSFER_FUNDS"}


async def test_the_bitmask_goes_in_the_query(raw21, sandbox21):
    in_body = await raw21.request("POST", "/api/references/register", key=bearer(sandbox21.master_key),
                                  json={"permissions": 10})
    as_form = await raw21.request("POST", "/api/references/register", key=bearer(sandbox21.master_key),
                                  data={"permissions": "10"})
    assert in_body.status == as_form.status == 422
    assert in_body.json()["detail"][0]["loc"] == ["query", "permissions"]
    assert (await register(raw21, sandbox21, "permissions=ten")).status == 422


async def test_bits_offered_zero_negative_and_only_unoffered(raw21, sandbox21):
    for query, status in (("permissions=0", 400), ("permissions=-8", 400), ("permissions=1", 400),
                          ("permissions=2", 201), ("permissions=3", 201), ("permissions=8", 201)):
        assert (await register(raw21, sandbox21, query)).status == status, query
    dropped = (await register(raw21, sandbox21, "permissions=11")).json()["uuid"]  # bit 1 is not offered
    assert sandbox21.economy.references[dropped].permissions == {"VIEW_BALANCE", "TRANSFER_FUNDS"}


async def test_only_the_master_key_registers(raw21, sandbox21):
    sandbox21.create_account("Alice", owner_id=1001)
    grant = await raw21.link(1001)
    answer = await raw21.request("POST", "/api/references/register?permissions=10", key=bearer(grant))
    assert (answer.status, answer.json()["detail"]) == (
        403, "New references must be created using the original master key")
    # The kind is checked before the bitmask: permissions=0 tells a master key (400) from a grant key (403).
    zero = "/api/references/register?permissions=0"
    assert (await raw21.request("POST", zero, key=bearer(grant))).status == 403
    assert (await raw21.request("POST", zero, key=bearer(sandbox21.master_key))).status == 400
    assert (await raw21.request("POST", zero)).status == 401


async def test_403_until_granted_then_the_key_once_then_404(raw21, sandbox21):
    sandbox21.create_account("Alice", owner_id=1001)
    ref = (await register(raw21, sandbox21)).json()["uuid"]
    early = await retrieve(raw21, sandbox21, ref)
    assert (early.status, early.json()) == (403, {"detail": "User has not yet authenticated using reference"})
    assert sandbox21.grant(ref, 1001)
    first = await retrieve(raw21, sandbox21, ref)
    assert first.status == 200 and re.fullmatch(r"eyJ[\w-]+\.[\w-]+\.[\w-]+", first.json()["key"])
    again = await retrieve(raw21, sandbox21, ref)
    assert (again.status, again.json()) == (404, {"detail": "Reference not registered"})
    assert not sandbox21.grant(ref, 1001)  # nothing left to grant


async def test_unknown_malformed_and_another_applications_references(raw21, sandbox21):
    assert (await retrieve(raw21, sandbox21, uuid.uuid4())).status == 404
    assert (await retrieve(raw21, sandbox21, "not-a-uuid")).status == 400
    other_app = sandbox21.economy.create_application("Another bot")
    theirs = sandbox21.economy.create_reference(other_app.application_id, {"VIEW_BALANCE"})
    assert (await retrieve(raw21, sandbox21, theirs)).status == 404


async def test_64_pending_references_for_everyone_and_the_oldest_goes_even_if_granted(raw21, sandbox21):
    sandbox21.create_account("Alice", owner_id=1001)
    oldest = (await register(raw21, sandbox21)).json()["uuid"]
    assert sandbox21.grant(oldest, 1001)
    other_app = sandbox21.economy.create_application("Another bot")
    for _ in range(62):
        sandbox21.economy.create_reference(other_app.application_id, {"VIEW_BALANCE"})
    second = (await register(raw21, sandbox21)).json()["uuid"]
    assert oldest in sandbox21.economy.references
    assert len(sandbox21.economy.references) == 64
    await register(raw21, sandbox21)  # the 65th evicts the oldest, granted or not
    assert (await retrieve(raw21, sandbox21, oldest)).status == 404
    assert (await retrieve(raw21, sandbox21, second)).status == 403


async def test_references_live_an_hour_on_taubots_clock_and_not_past_a_restart(raw21, sandbox21):
    sandbox21.create_account("Alice", owner_id=1001)
    ref = (await register(raw21, sandbox21)).json()["uuid"]
    sandbox21.grant(ref, 1001)
    sandbox21.clock_offset_seconds = 3599
    assert ref in sandbox21.economy.references
    sandbox21.clock_offset_seconds = 3601
    assert (await retrieve(raw21, sandbox21, ref)).status == 404
    sandbox21.clock_offset_seconds = 0
    pending = (await register(raw21, sandbox21)).json()["uuid"]
    sandbox21.restart()
    assert (await retrieve(raw21, sandbox21, pending)).status == 404


async def test_the_grant_link_checks_the_reference_up_front(raw21, sandbox21):
    ref = (await register(raw21, sandbox21)).json()["uuid"]
    app = sandbox21.application_id

    async def link(**params):
        return await raw21.request("GET", "/api/oauth/grant", params=params, follow=False)

    good = await link(ref_id=ref, app_id=app)
    assert (good.status, good.headers["Location"]) == (307, f"/api/oauth/login?ref_id={ref}&app_id={app}")
    assert (await link(ref=ref, aid=app)).status == 422  # v2's names
    assert (await link(ref_id=str(uuid.uuid4()), app_id=app)).status == 404
    assert (await link(ref_id=ref, app_id=str(uuid.uuid4()))).status == 404
    assert (await link(ref_id="nope", app_id=app)).status == 400


async def test_the_grant_page_picks_one_account_and_a_limit_like_a_browser(raw21, sandbox21):
    alice = sandbox21.create_account("Alice", owner_id=1001, balance=50_00)
    sandbox21.create_account("<b>Shop</b>", owner_id=1001, account_type="CORPORATION")
    sandbox21.create_account("Bob", owner_id=1002)
    ref = (await register(raw21, sandbox21)).json()["uuid"]
    async with aiohttp.ClientSession() as browser:  # no key: a person
        async with browser.get(sandbox21.grant_url(ref)) as page:
            login = read_form(await page.text())
            login_url = str(page.url)
        typed = [(name, "1001" if name == "user_id" else value) for name, value in login.fields]
        async with browser.get(URL(login_url).join(URL(login.action)),
                               params=typed) as page:
            html = await page.text()
            choose_url = str(page.url)
        assert "&lt;b&gt;Shop&lt;/b&gt;" in html and "Bob" not in html and "VIEW" not in html
        assert len(re.findall(r"type='radio' name='account'", html)) == 2
        assert "0 or an empty limit means no limit; a negative limit blocks every payment." in html
        form = read_form(html)
        data = MultiDict([*((n, v) for n, v in form.fields if n != "spending_limit"), ("account", alice.account_id),
                          ("spending_limit", "2500")])
        async with browser.post(URL(choose_url).join(URL(form.action)),
                                data=data) as page:
            assert page.status == 200 and "Access granted" in await page.text()
    key = (await retrieve(raw21, sandbox21, ref)).json()["key"]
    granted = sandbox21.economy.keys[key]
    assert (granted.account_id, granted.spending_limit, granted.user_id) == (alice.account_id, 2500, 1001)
    assert granted.permissions == {alice.account_id: {"VIEW_BALANCE", "TRANSFER_FUNDS"}}


async def submit(raw21, sandbox21, ref, user_id, account_id, **form):
    fields = {"ref_id": ref, "app_id": sandbox21.application_id, "user_id": str(user_id), "account": account_id,
              **form}
    return await raw21.request("POST", "/api/oauth/submit", data=fields, follow=False)


async def test_limit_fields_empty_no_limit_negative_and_garbage(raw21, sandbox21):
    alice = sandbox21.create_account("Alice", owner_id=1001)
    for form, expected in (({"spending_limit": ""}, None), ({"spending_limit": "500", "no_limit": "on"}, None),
                           ({"spending_limit": "0"}, 0), ({"spending_limit": "-1"}, -1)):
        ref = (await register(raw21, sandbox21)).json()["uuid"]
        assert (await submit(raw21, sandbox21, ref, 1001, alice.account_id, **form)).status == 303
        key = (await retrieve(raw21, sandbox21, ref)).json()["key"]
        assert sandbox21.economy.keys[key].spending_limit == expected, form
    ref = (await register(raw21, sandbox21)).json()["uuid"]
    assert (await submit(raw21, sandbox21, ref, 1001, alice.account_id, spending_limit="lots")).status == 422


async def test_anyone_may_submit_and_the_last_submission_wins(raw21, sandbox21):
    alice = sandbox21.create_account("Alice", owner_id=1001)
    mallory = sandbox21.create_account("Mallory", owner_id=1666)
    ref = (await register(raw21, sandbox21)).json()["uuid"]
    assert (await submit(raw21, sandbox21, ref, 1001, alice.account_id, spending_limit="5")).status == 303
    assert (await submit(raw21, sandbox21, ref, 1666, mallory.account_id)).status == 303
    key = (await retrieve(raw21, sandbox21, ref)).json()["key"]
    assert (sandbox21.economy.keys[key].account_id, sandbox21.economy.keys[key].user_id) == (
        mallory.account_id, 1666)
    # But nobody can pick an account they may not act for.
    ref = (await register(raw21, sandbox21)).json()["uuid"]
    assert (await submit(raw21, sandbox21, ref, 1666, alice.account_id)).status == 401


async def test_a_member_without_an_account_has_nothing_to_pick(raw21, sandbox21):
    ref = (await register(raw21, sandbox21)).json()["uuid"]
    page = await raw21.request("GET", "/api/oauth/protected/grant",
                               params={"ref_id": ref, "app_id": sandbox21.application_id, "user_id": "1004"})
    assert page.json() == {"detail": "No authenticable accounts found. Please try again."}
    assert not sandbox21.grant(ref, 1004)


async def test_accounts_of_other_economies_are_offered_too(raw21, sandbox21):
    elsewhere = sandbox21.create_account("Elsewhere", owner_id=1001, other_economy=True)
    ref = (await register(raw21, sandbox21)).json()["uuid"]
    page = await raw21.request("GET", "/api/oauth/protected/grant",
                               params={"ref_id": ref, "app_id": sandbox21.application_id, "user_id": "1001"})
    assert elsewhere.account_id in page.text


async def test_replacing_a_key_through_an_update_reference(raw21, sandbox21):
    alice = sandbox21.create_account("Alice", owner_id=1001, balance=10_00)
    old = await raw21.link(1001, spending_limit=1)
    update = await raw21.request("PATCH", "/api/references/register?permissions=10", key=bearer(old))
    assert update.status == 200
    ref = update.json()["uuid"]
    assert (await raw21.request("PATCH", "/api/references/register", key=bearer(sandbox21.master_key))).status == 403
    assert (await submit(raw21, sandbox21, ref, 1001, alice.account_id, spending_limit="500")).status == 303
    assert (await retrieve(raw21, sandbox21, ref)).status == 403  # the master key cannot retrieve it
    new = (await retrieve(raw21, sandbox21, ref, key=old)).json()["key"]
    assert sandbox21.economy.keys[new].spending_limit == 500 and old not in sandbox21.economy.keys
    assert (await raw21.request("GET", "/api/transactions", key=bearer(old))).status == 401
    bare = await raw21.request("PATCH", "/api/references/register", key=bearer(new))
    assert not sandbox21.economy.references[bare.json()["uuid"]].permissions  # no ?permissions=: none at all
