"""One test per endpoint: what the client sends (and with which key) and what it returns."""

import uuid
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from sandbox import TRANSFER_FUNDS, VIEW_BALANCE, Sandbox
from taubot import (
    Account,
    AccountType,
    GrantPending,
    NotFound,
    ProtocolError,
    ReferenceUnknown,
    Rejected,
    ServerError,
    TaubotClient,
    Unauthorized,
)
from tests.taubot.conftest import grant_key, make_client


def last(sandbox):
    return sandbox.requests[-1]


async def test_register_reference_uses_the_master_key(client, sandbox):
    ref = uuid.uuid4()
    await client.register_reference(ref)
    request = last(sandbox)
    assert (request.method, request.path, request.key_kind, request.body) == (
        "POST", "/api/oauth-references", "master", {"ref_id": str(ref)})


async def test_the_grant_url_uses_ref_and_aid_and_opens_the_page(client, sandbox, session):
    ref = uuid.uuid4()
    url = client.grant_url(ref)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{sandbox.api_url}/oauth/grant"
    assert parse_qs(parts.query) == {"ref": [str(ref)], "aid": [sandbox.application_id]}
    async with session.get(url) as page:
        assert page.status == 200


async def test_retrieve_key_pending_then_granted_then_unknown(client, sandbox):
    sandbox.create_account("Alice", owner_id=1001)
    ref = uuid.uuid4()
    await client.register_reference(ref)
    with pytest.raises(GrantPending) as pending:
        await client.retrieve_key(ref)
    assert pending.value.status == 500
    assert isinstance(pending.value, ServerError)
    sandbox.grant(ref, 1001)
    key = await client.retrieve_key(ref)
    assert await client.retrieve_key(ref) == key  # repeatable
    assert last(sandbox).key_kind == "master"
    with pytest.raises(ReferenceUnknown) as unknown:
        await client.retrieve_key(uuid.uuid4())
    assert isinstance(unknown.value, NotFound) and unknown.value.status == 404


async def test_get_application_is_optional(client, sandbox, session):
    assert await client.get_application() is None
    offered = Sandbox(seed="empty", offer_application_endpoint=True)
    await offered.start()
    try:
        application = await make_client(session, offered).get_application()
        assert (application.application_id, application.application_name, application.economy_name) == (
            offered.application_id, "Sandbox Discord bot", "Sandbox Dollars")
        assert application.owner_id == 1
    finally:
        await offered.stop()


async def test_verify_master_key(client, sandbox, session, alice):
    await client.verify_master_key()
    assert [(r.path, r.status) for r in sandbox.requests[-2:]] == [
        ("/api/users/me", 404), ("/api/accounts/00000000-0000-0000-0000-000000000000", 401)]
    _, grant = alice
    misconfigured = TaubotClient(session, base_url=sandbox.api_url, master_key=grant,
                                 application_id=sandbox.application_id)
    with pytest.raises(ProtocolError, match="grant key, not an application's master key"):
        await misconfigured.verify_master_key()


async def test_user_accounts_with_either_key(client, sandbox, alice):
    account, key = alice
    as_app = await client.get_user_account_as_app(1001)
    assert last(sandbox).key_kind == "master"
    assert as_app == Account(account.account_id, 1001, "Alice", AccountType.USER, None)
    mine = await client.get_my_account(key)
    assert (last(sandbox).path, last(sandbox).key_kind) == ("/api/users/me", "grant")
    assert mine.balance == 100_00
    assert await client.get_user_account(key, 1001) == mine
    with pytest.raises(NotFound):
        await client.get_user_account(key, 4242)


@pytest.mark.parametrize(("name", "raw_path"), [
    ("a/b", "/api/accounts/by-name/a%2Fb"),
    ("..", "/api/accounts/by-name/%2E%2E"),
    ("Café #1?", "/api/accounts/by-name/Caf%C3%A9%20%231%3F"),
    ("Treasury", "/api/accounts/by-name/Treasury"),
])
async def test_names_reach_the_by_name_endpoint_and_nothing_else(client, sandbox, alice, name, raw_path):
    _, key = alice
    sandbox.clear_requests()
    found = await client.get_account_by_name(key, name)
    assert found.account_name == name
    assert found.owner_id is None  # "None" on the wire
    assert [(r.path, r.key_kind) for r in sandbox.requests] == [(raw_path, "grant")]


async def test_duplicate_names_and_unknown_names(client, sandbox, alice):
    _, key = alice
    sandbox.create_account("Lemonade Stand", owner_id=1003)
    with pytest.raises(ServerError):
        await client.get_account_by_name(key, "Lemonade Stand")
    with pytest.raises(NotFound):
        await client.get_account_by_name(key, "Nobody")


async def test_account_by_id_and_its_balance_visibility(client, sandbox, alice):
    account, key = alice
    treasury = sandbox.account("Treasury")
    assert (await client.get_account(key, account.account_id)).balance == 100_00
    hidden = await client.get_account(key, treasury.account_id)
    assert (hidden.account_type, hidden.balance) == (AccountType.GOVERNMENT, None)
    with pytest.raises(NotFound):
        await client.get_account(key, "not-a-uuid")


async def test_transactions(client, sandbox, alice):
    account, key = alice
    bob = sandbox.create_account("Bob", owner_id=1002)
    for amount in (1, 2, 3):
        await client.create_transaction(key, from_account=account.account_id, to_account=bob.account_id,
                                        amount=amount)
    entries = await client.get_transactions(key, account.account_id, limit=2)
    assert last(sandbox).query == {"limit": "2"}
    assert [entry.amount for entry in entries] == [3, 2]
    assert entries[0].timestamp.tzinfo is UTC
    assert abs((datetime.now(UTC) - entries[0].timestamp).total_seconds()) < 60
    assert entries[0].actor_id == sandbox.economy.keys[key].key_id
    assert len(await client.get_transactions(key, account.account_id)) == 3
    view_less = await grant_key(sandbox, client, 1001, permissions=(TRANSFER_FUNDS,))
    with pytest.raises(Unauthorized):
        await client.get_transactions(view_less, account.account_id)
    with pytest.raises(Unauthorized):  # no permission on an account the key does not know, as on Taubot
        await client.get_transactions(key, str(uuid.uuid4()))


@pytest.mark.parametrize("limit", [0, -1, 1.5, True, "3"])
async def test_transaction_limits_are_checked_before_any_request(client, sandbox, alice, limit):
    account, key = alice
    sandbox.clear_requests()
    with pytest.raises(ValueError, match="positive integer"):
        await client.get_transactions(key, account.account_id, limit=limit)
    assert sandbox.requests == []


async def test_create_transaction_sends_exactly_the_three_keys(client, sandbox, alice):
    account, key = alice
    bob = sandbox.create_account("Bob", owner_id=1002)
    await client.create_transaction(key, from_account=account.account_id, to_account=bob.account_id, amount=250)
    request = last(sandbox)
    assert (request.method, request.path, request.key_kind) == ("POST", "/api/transactions/", "grant")
    assert request.body == {"from_account": account.account_id, "to_account": bob.account_id, "amount": 250}
    assert sandbox.balance_of(bob.account_id) == 250


async def test_create_transaction_errors_map_to_types(client, sandbox, alice):
    account, key = alice
    bob = sandbox.create_account("Bob", owner_id=1002)
    with pytest.raises(Rejected) as rejected:
        await client.create_transaction(key, from_account=account.account_id, to_account=bob.account_id,
                                        amount=999_00)
    assert (rejected.value.status, rejected.value.server_text) == (400, "400: Bad Request")
    with pytest.raises(NotFound):
        await client.create_transaction(key, from_account=account.account_id,
                                        to_account=str(uuid.uuid4()), amount=1)
    limited = await grant_key(sandbox, client, 1001, spending_limit=0)
    with pytest.raises(Unauthorized):
        await client.create_transaction(limited, from_account=account.account_id, to_account=bob.account_id,
                                        amount=1)


async def test_a_200_without_transfer_funds_looks_like_success_to_the_client(client, sandbox, alice):
    """The client cannot tell: callers must verify (the pay cog re-reads the balance)."""
    account, _ = alice
    bob = sandbox.create_account("Bob", owner_id=1002)
    view_only = await grant_key(sandbox, client, 1001, permissions=(VIEW_BALANCE,), spending_limit=100)
    await client.create_transaction(view_only, from_account=account.account_id, to_account=bob.account_id,
                                    amount=5)
    assert sandbox.balance_of(bob.account_id) == 0


async def test_errors_carry_status_and_text_never_a_key(client, sandbox, alice):
    _, key = alice
    sandbox.revoke_key(key)
    with pytest.raises(Unauthorized) as caught:
        await client.get_my_account(key)
    error = caught.value
    assert (error.status, error.server_text) == (401, "401: Unauthorized")
    for text in (str(error), repr(error), repr(client)):
        assert key not in text and sandbox.master_key not in text


async def test_the_client_leaves_its_callers_session_open(sandbox):
    async with aiohttp.ClientSession() as session:
        client = make_client(session, sandbox)
        await client.register_reference(uuid.uuid4())
        del client
        assert not session.closed


async def test_the_user_agent_given_to_the_client_reaches_taubot_on_every_request(sandbox):
    async with aiohttp.ClientSession(headers={"User-Agent": "the-session's-own/1.0"}) as session:
        client = make_client(session, sandbox, user_agent="my-frontend/2.0 (test)")
        sandbox.create_account("Alice", owner_id=1001, balance=10_00)
        key = await grant_key(sandbox, client, 1001)
        await client.get_my_account(key)
    assert len(sandbox.requests) == 3
    assert {r.user_agent for r in sandbox.requests} == {"my-frontend/2.0 (test)"}


async def test_the_bots_user_agent_reaches_taubot(discord, sandbox, people):
    import bot

    alice = people.member("alice")
    await people.link(alice)
    await discord.run_command("balance", by=alice.user)
    api_requests = [r for r in sandbox.requests if r.path.startswith("/api/")]
    assert api_requests
    assert {r.user_agent for r in api_requests} == {bot.USER_AGENT}
    assert "github.com/" not in bot.USER_AGENT  # no placeholder URL pretending to be a homepage
