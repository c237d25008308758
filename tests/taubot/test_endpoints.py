"""One test per client method, on both dialects: what reaches Taubot (path, key, body) and what comes back."""

import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from sandbox import TRANSFER_FUNDS, VIEW_BALANCE, Sandbox
from taubot import (
    V2,
    Account,
    AccountType,
    GrantPending,
    NotFound,
    ProtocolError,
    ReferenceUnknown,
    ServerError,
    Unauthorized,
    Unsupported,
    read_claims,
)
from tests.taubot.conftest import ON_V2, ON_V21, grant_key, make_client

# What each dialect puts on the wire for the same operation.
WIRE = {
    "v2": {"register": ("POST", "/api/oauth-references"), "grant_query": ("ref", "aid"),
           "user": "/api/users/1001", "by_name": "/api/accounts/by-name/", "transfer": "/api/transactions/",
           "pending_status": 500},
    "v2.1": {"register": ("POST", "/api/references/register"), "grant_query": ("ref_id", "app_id"),
             "user": "/api/accounts", "by_name": "/api/accounts", "transfer": "/api/transactions/create",
             "pending_status": 403},
}


def last(sandbox):
    return sandbox.requests[-1]


async def test_create_reference_uses_the_master_key(client, sandbox):
    ref = await client.create_reference()
    request = last(sandbox)
    assert (request.method, request.path) == WIRE[sandbox.dialect]["register"]
    assert (request.key_kind, request.status) == ("master", 201)
    if client.dialect.references_made_by_server:
        assert request.query == {"permissions": "10"} and request.body is None  # VIEW_BALANCE | TRANSFER_FUNDS
        assert str(ref) in sandbox.economy.references
    else:
        assert request.body == {"ref_id": str(ref)}
    assert isinstance(ref, uuid.UUID)


@ON_V2
async def test_register_reference_with_a_ref_made_here_on_v2(client, sandbox):
    ref = uuid.uuid4()
    await client.register_reference(ref)
    assert last(sandbox).body == {"ref_id": str(ref)}


@ON_V21
async def test_register_reference_is_unsupported_on_v21_without_a_request(client, sandbox):
    with pytest.raises(Unsupported, match="create_reference"):
        await client.register_reference(uuid.uuid4())
    assert sandbox.requests == []


async def test_the_grant_url_names_the_reference_and_application_and_opens_the_page(client, sandbox, session):
    ref = await client.create_reference()
    url = client.grant_url(ref)
    parts = urlsplit(url)
    ref_name, app_name = WIRE[sandbox.dialect]["grant_query"]
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{sandbox.api_url}/oauth/grant"
    assert parse_qs(parts.query) == {ref_name: [str(ref)], app_name: [sandbox.application_id]}
    async with session.get(url) as page:  # through the login stand-in, as a browser follows it
        assert page.status == 200 and "Discord user ID" in await page.text()


async def test_retrieve_key_pending_then_granted_then_unknown(client, sandbox):
    sandbox.create_account("Alice", owner_id=1001)
    ref = await client.create_reference()
    with pytest.raises(GrantPending) as pending:
        await client.retrieve_key(ref)
    assert pending.value.status == WIRE[sandbox.dialect]["pending_status"]
    assert isinstance(pending.value, ServerError)
    sandbox.grant(ref, 1001)
    key = await client.retrieve_key(ref)
    assert last(sandbox).key_kind == "master"
    if client.dialect.retrieve_is_once:
        with pytest.raises(ReferenceUnknown):
            await client.retrieve_key(ref)
    else:
        assert await client.retrieve_key(ref) == key
    with pytest.raises(ReferenceUnknown) as unknown:
        await client.retrieve_key(uuid.uuid4())
    assert isinstance(unknown.value, NotFound) and unknown.value.status == 404


async def test_a_reference_forgotten_by_a_restart_is_unknown(client, sandbox):
    ref = await client.create_reference()
    sandbox.restart()
    with pytest.raises(ReferenceUnknown):
        await client.retrieve_key(ref)


async def test_get_application(client, sandbox):
    application = await client.get_application()
    if not client.dialect.has_application_endpoint:
        assert application is None  # the real v2 answers 404
        return
    assert (application.application_id, application.application_name, application.economy_name) == (
        sandbox.application_id, "Sandbox Discord bot", "Sandbox Dollars")
    assert application.owner_id == 1


async def test_get_application_where_v2_offers_it(session):
    offered = Sandbox(seed="empty", offer_application_endpoint=True)
    await offered.start()
    try:
        application = await make_client(session, offered).get_application()
        assert (application.application_id, application.owner_id) == (offered.application_id, 1)
    finally:
        await offered.stop()


async def test_the_grant_page_tells_a_wrong_application_id_without_a_key_on_v2(client, sandbox, session):
    if not client.dialect.grant_page_checks_application:  # v2.1 checks the reference first: 404 either way
        with pytest.raises(Unsupported):
            await client.grant_page_knows_application()
        assert sandbox.requests == []
        return
    assert await client.grant_page_knows_application() is True
    wrong = make_client(session, sandbox, application_id="123e4567-e89b-12d3-a456-426614174000")
    assert await wrong.grant_page_knows_application() is False
    assert [(r.path, r.query["aid"], r.key_kind, r.status) for r in sandbox.requests if r.query.get("ref")] == [
        ("/api/oauth/grant", sandbox.application_id, "none", 303),
        ("/api/oauth/grant", "123e4567-e89b-12d3-a456-426614174000", "none", 400)]
    assert not sandbox.economy.references  # nothing registered, nothing pending


async def test_verify_master_key_accepts_the_master_key_and_refuses_a_grant_key(client, sandbox, session, alice):
    await client.verify_master_key()
    _, grant = alice
    misplaced = make_client(session, sandbox, master_key=grant)
    with pytest.raises(ProtocolError, match="grant key, not an application's master key"):
        await misplaced.verify_master_key()
    unknown = make_client(session, sandbox, master_key="eyJhbGciOiJSUzUxMiJ9.eyJzdWIiOiI5OSIsImlzcyI6IlRCIn0.c2ln")
    with pytest.raises(Unauthorized):
        await unknown.verify_master_key()


async def test_verify_master_key_registers_nothing(client, sandbox):
    await client.verify_master_key()
    assert not sandbox.economy.references  # v2.1's probe is refused before a reference is made


@ON_V2
async def test_verify_master_key_when_the_application_owner_has_an_account_on_v2(client, sandbox):
    sandbox.create_account("Owner", owner_id=1)  # /users/me now answers 200 to the master key, as to a grant key
    await client.verify_master_key()
    assert [(r.path, r.status) for r in sandbox.requests] == [
        ("/api/users/me", 200), ("/api/accounts/00000000-0000-0000-0000-000000000000", 401)]


async def test_user_accounts_with_either_key(client, sandbox, alice):
    account, key = alice
    as_app = await client.get_user_account_as_app(1001)
    assert last(sandbox).key_kind == "master"
    assert as_app == Account(account.account_id, 1001, "Alice", AccountType.USER, None)
    found = await client.get_user_account(key, 1001)
    assert (last(sandbox).path, last(sandbox).key_kind) == (WIRE[sandbox.dialect]["user"], "grant")
    assert found.balance == 100_00
    with pytest.raises(NotFound):
        await client.get_user_account(key, 4242)


async def test_get_my_account_where_there_is_a_who_am_i(client, sandbox, alice):
    account, key = alice
    sandbox.clear_requests()
    if not client.dialect.has_who_am_i:
        with pytest.raises(Unsupported):
            await client.get_my_account(key)
        assert sandbox.requests == []
        return
    assert (await client.get_my_account(key)).account_id == account.account_id
    assert (last(sandbox).path, last(sandbox).key_kind) == ("/api/users/me", "grant")


async def test_key_is_bound_to_its_members_account_only(client, sandbox, alice):
    account, key = alice
    bob = sandbox.create_account("Bob", owner_id=1002, balance=5_00)
    assert await client.key_is_bound_to(key, account.account_id) is True
    assert await client.key_is_bound_to(key, account.account_id.upper()) is True
    assert await client.key_is_bound_to(key, bob.account_id) is False
    assert sandbox.balance_of(account.account_id) == 100_00 and sandbox.balance_of(bob.account_id) == 5_00
    assert sandbox.spent_by(key) == 0 and sandbox.transactions_of(account.account_id) == []
    with pytest.raises(NotFound):
        await client.key_is_bound_to(key, "not-an-account")


async def test_a_link_submitted_by_someone_else_is_not_bound_to_the_linking_member(client, sandbox):
    alice = sandbox.create_account("Alice", owner_id=1001, balance=10_00)
    sandbox.create_account("Mallory", owner_id=1666, balance=10_00)
    key = await grant_key(sandbox, client, 1666)  # Mallory opened Alice's link and submitted it
    assert await client.key_is_bound_to(key, alice.account_id) is False


async def test_a_key_without_transfer_funds_can_still_be_checked(client, sandbox):
    alice = sandbox.create_account("Alice", owner_id=1001)
    view_only = await grant_key(sandbox, client, 1001, permissions=(VIEW_BALANCE,))
    assert await client.key_is_bound_to(view_only, alice.account_id) is True


@ON_V21
async def test_the_binding_probe_on_v21_is_a_refused_transfer_of_10_to_the_18(client, sandbox, alice):
    account, key = alice
    sandbox.clear_requests()
    await client.key_is_bound_to(key, account.account_id)
    (probe,) = sandbox.requests
    assert (probe.method, probe.path, probe.status) == ("POST", "/api/transactions/create", 403)
    assert probe.body == {"to_account_id": account.account_id, "amount": 10**18}


@pytest.mark.parametrize("name", ["a/b", "..", "Café #1?", "Treasury", "a+b", "x#y"])
async def test_names_reach_the_by_name_look_up_exactly(client, sandbox, alice, name):
    _, key = alice
    for extra in ("a+b", "x#y"):
        sandbox.create_account(extra, account_type="CORPORATION")
    sandbox.clear_requests()
    found = await client.get_account_by_name(key, name)
    assert found.account_name == name
    assert found.owner_id is None  # "None" on the wire
    (request,) = sandbox.requests
    assert request.path.startswith(WIRE[sandbox.dialect]["by_name"]) and request.key_kind == "grant"
    if client.dialect.name == "v2.1":
        assert request.query == {"name": name}


async def test_duplicate_empty_unknown_and_foreign_names(client, sandbox, alice):
    _, key = alice
    sandbox.create_account("Lemonade Stand", owner_id=1003)
    sandbox.create_account("Elsewhere", other_economy=True)
    with pytest.raises(ServerError):
        await client.get_account_by_name(key, "Lemonade Stand")
    for missing in ("Nobody", "treasury", "Elsewhere"):  # exact, case-sensitive, this economy only
        with pytest.raises(NotFound):
            await client.get_account_by_name(key, missing)
    sandbox.clear_requests()
    with pytest.raises(NotFound):
        await client.get_account_by_name(key, "")
    assert sandbox.requests == []


async def test_account_by_id_and_its_balance_visibility(client, sandbox, alice):
    account, key = alice
    treasury = sandbox.account("Treasury")
    assert (await client.get_account(key, account.account_id)).balance == 100_00
    other = await client.get_account(key, treasury.account_id)
    assert other.account_type == AccountType.GOVERNMENT
    # v2.1: VIEW_BALANCE on its own account shows every balance of the economy; v2: only granted accounts.
    assert other.balance == (treasury.balance if client.dialect.view_balance_sees_economy else None)
    sandbox.clear_requests()
    with pytest.raises(NotFound):
        await client.get_account(key, "not-a-uuid")
    assert sandbox.requests == []


@pytest.mark.parametrize("spelling", [str.upper, lambda text: text.replace("-", ""),
                                      lambda text: "{" + text + "}", lambda text: f"urn:uuid:{text}"])
async def test_an_account_id_spelled_otherwise_is_read_by_its_canonical_form(client, sandbox, alice, spelling):
    """Ids already canonical are sent as they are (no parse on every /balance); any other spelling of a UUID
    still reads the same account, sent canonical."""
    account, key = alice
    sandbox.clear_requests()
    assert (await client.get_account(key, spelling(account.account_id))).account_id == account.account_id
    assert (await client.get_account(key, account.account_id)).account_id == account.account_id
    assert [request.path.rsplit("/", 1)[-1] for request in sandbox.requests] == [account.account_id] * 2


async def test_transactions_newest_first_with_the_keys_id_as_actor(client, sandbox, alice):
    account, key = alice
    bob = sandbox.create_account("Bob", owner_id=1002)
    for amount in (1, 2, 3):
        await client.create_transaction(key, from_account=account.account_id, to_account=bob.account_id,
                                        amount=amount)
    entries = await client.get_transactions(key, account.account_id, limit=2)
    assert last(sandbox).query["limit"] == "2"
    assert [entry.amount for entry in entries] == [3, 2]
    assert entries[0].timestamp.tzinfo is UTC
    assert abs((datetime.now(UTC) - entries[0].timestamp).total_seconds()) < 60
    assert entries[0].actor_id == read_claims(key).key_id == sandbox.economy.keys[key].key_id
    assert len(await client.get_transactions(key, account.account_id)) == 3
    view_less = await grant_key(sandbox, client, 1001, permissions=(TRANSFER_FUNDS,))
    with pytest.raises(Unauthorized):
        await client.get_transactions(view_less, account.account_id)


async def test_transactions_older_than_a_moment(client, sandbox, alice):
    account, key = alice
    bob = sandbox.create_account("Bob", owner_id=1002)
    for amount in range(1, 8):
        sandbox.economy.transfer(sandbox.economy.keys[key], account.account_id, bob.account_id, amount)
    newest = await client.get_transactions(key, account.account_id, limit=3)
    older = await client.get_transactions(key, account.account_id, limit=3, before=newest[-1].timestamp)
    rest = await client.get_transactions(key, account.account_id, before=older[-1].timestamp)
    assert [e.amount for e in newest + older + rest] == [7, 6, 5, 4, 3, 2, 1]
    assert await client.get_transactions(key, account.account_id, before=datetime(2000, 1, 1, tzinfo=UTC)) == []


@ON_V21
async def test_a_long_log_is_read_in_pages_of_100_on_v21(client, sandbox, alice):
    account, key = alice
    bob = sandbox.create_account("Bob", owner_id=1002)
    record = sandbox.economy.keys[key]
    for amount in range(1, 251):
        sandbox.economy.transfer(record, account.account_id, bob.account_id, 1)
        sandbox.economy.log[-1].amount = amount  # numbered, to check nothing is lost or repeated
        sandbox.economy.log[-1].timestamp = 1_700_000_000 + amount * 0.4  # two or three entries per second
    sandbox.clear_requests()
    entries = await client.get_transactions(key, account.account_id)
    assert [e.amount for e in entries] == list(range(250, 0, -1))
    assert [r.query.get("limit") for r in sandbox.requests] == ["100", "100", "100"]
    middle = await client.get_transactions(key, account.account_id, limit=150,
                                           before=datetime.fromtimestamp(1_700_000_000 + 200 * 0.4, UTC))
    assert [e.amount for e in middle] == list(range(199, 49, -1))


@pytest.mark.parametrize("limit", [0, -1, 1.5, True, "3"])
async def test_transaction_limits_are_checked_before_any_request(client, sandbox, alice, limit):
    account, key = alice
    sandbox.clear_requests()
    with pytest.raises(ValueError, match="positive integer"):
        await client.get_transactions(key, account.account_id, limit=limit)
    with pytest.raises(ValueError, match="aware datetime"):
        await client.get_transactions(key, account.account_id, before=datetime.now())
    assert sandbox.requests == []


async def test_create_transaction_sends_what_the_dialect_expects(client, sandbox, alice):
    account, key = alice
    bob = sandbox.create_account("Bob", owner_id=1002)
    await client.create_transaction(key, from_account=account.account_id, to_account=bob.account_id, amount=250)
    request = last(sandbox)
    assert (request.method, request.path, request.key_kind) == ("POST", WIRE[sandbox.dialect]["transfer"], "grant")
    if client.dialect is V2:
        assert request.body == {"from_account": account.account_id, "to_account": bob.account_id, "amount": 250}
    else:
        assert request.body == {"to_account_id": bob.account_id, "amount": 250}  # v2.1 pays from the bound account
    assert sandbox.balance_of(bob.account_id) == 250


@ON_V2
async def test_a_200_without_transfer_funds_looks_like_success_on_v2(client, sandbox, alice):
    """The client cannot tell: callers must verify (dialect.ok_proves_transfer is False)."""
    account, _ = alice
    bob = sandbox.create_account("Bob", owner_id=1002)
    view_only = await grant_key(sandbox, client, 1001, permissions=(VIEW_BALANCE,), spending_limit=100)
    await client.create_transaction(view_only, from_account=account.account_id, to_account=bob.account_id,
                                    amount=5)
    assert sandbox.balance_of(bob.account_id) == 0
    assert not client.dialect.ok_proves_transfer


async def test_errors_carry_status_and_text_never_a_key(client, sandbox, alice):
    account, key = alice
    sandbox.revoke_key(key)
    with pytest.raises(Unauthorized) as caught:
        await client.get_account(key, account.account_id)
    error = caught.value
    assert error.status == 401 and error.server_text in ("401: Unauthorized", "Invalid, expired or disabled key")
    for text in (str(error), repr(error), repr(client), error.server_text):
        assert key not in text and sandbox.master_key not in text


async def test_the_client_leaves_its_callers_session_open(sandbox):
    async with aiohttp.ClientSession() as session:
        client = make_client(session, sandbox)
        await client.create_reference()
        del client
        assert not session.closed


async def test_the_user_agent_given_to_the_client_reaches_taubot_on_every_request(sandbox):
    async with aiohttp.ClientSession(headers={"User-Agent": "the-session's-own/1.0"}) as session:
        client = make_client(session, sandbox, user_agent="my-frontend/2.0 (test)", dialect="auto")
        sandbox.create_account("Alice", owner_id=1001, balance=10_00)
        key = await grant_key(sandbox, client, 1001)
        await client.get_user_account(key, 1001)
    assert len(sandbox.requests) == 4  # the dialect probe, register, retrieve, read
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


async def test_a_key_expiring_is_read_from_its_claims(client, sandbox, alice):
    _, key = alice
    claims = read_claims(key)
    if not client.dialect.keys_expire:
        assert claims.expires_at is None
        return
    assert timedelta(days=89) < claims.expires_at - datetime.now(UTC) <= timedelta(days=90)
