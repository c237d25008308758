"""Transport: reads are retried (boundedly), transfers never; timeouts, 429 and garbage bodies."""

import asyncio
import json
import socket
import uuid

import aiohttp
import pytest

from taubot import (
    InvalidTransaction,
    ProtocolError,
    RateLimited,
    ServerError,
    Unavailable,
)
from tests.cogs.pay.helpers import until
from tests.taubot.conftest import make_client

KEY_SHAPED = "eyJhbGciOiJIUzI1NiJ9.eyJ0eXAiOiJncmFudCJ9.c2lnbmF0dXJl"


def count(sandbox, route_name):
    return len(sandbox.requests_to(route_name))


async def read_alice(client, key):
    """A read both dialects answer the same way: Alice's personal account."""
    return await client.get_user_account(key, 1001)


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_reads_are_retried_on_gateway_errors(client, sandbox, alice, status):
    _, key = alice
    sandbox.clear_requests()
    sandbox.fail_next(sandbox.route("user_account"), status, times=2)
    assert (await read_alice(client, key)).account_name == "Alice"
    assert [r.status for r in sandbox.requests] == [status, status, 200]


async def test_retries_are_bounded(client, sandbox, alice):
    _, key = alice
    sandbox.clear_requests()
    sandbox.fail_next(sandbox.route("user_account"), 503, times=10)
    with pytest.raises(ServerError) as caught:
        await read_alice(client, key)
    assert caught.value.status == 503
    assert count(sandbox, "user_account") == 3


async def test_a_plain_500_is_not_retried(client, sandbox, alice):
    _, key = alice
    sandbox.clear_requests()
    sandbox.fail_next(sandbox.route("user_account"), 500, times=5)
    with pytest.raises(ServerError):
        await read_alice(client, key)
    assert count(sandbox, "user_account") == 1


async def test_reads_survive_dropped_connections(client, sandbox, alice):
    _, key = alice
    sandbox.clear_requests()
    sandbox.drop_next(sandbox.route("user_account"), times=3)
    assert (await read_alice(client, key)).account_name == "Alice"
    sandbox.drop_next(sandbox.route("user_account"), times=100)
    sandbox.clear_requests()
    with pytest.raises(Unavailable):
        await read_alice(client, key)
    # Three attempts by the client; aiohttp may resend an idempotent request once per attempt on its own.
    assert 3 <= count(sandbox, "user_account") <= 6
    sandbox.clear_faults()


async def test_429_retry_after_is_honoured_for_reads(client, sandbox, alice):
    _, key = alice
    sandbox.clear_requests()
    sandbox.fail_next(sandbox.route("user_account"), 429, headers={"Retry-After": "0.2"})
    started = asyncio.get_running_loop().time()
    assert (await read_alice(client, key)).account_name == "Alice"
    assert asyncio.get_running_loop().time() - started >= 0.2
    assert [r.status for r in sandbox.requests] == [429, 200]


async def test_a_long_retry_after_is_reported_not_waited(client, sandbox, alice):
    _, key = alice
    sandbox.fail_next(sandbox.route("user_account"), 429, headers={"Retry-After": "120"})
    with pytest.raises(RateLimited) as caught:
        await read_alice(client, key)
    assert caught.value.retry_after == 120


@pytest.mark.parametrize(("fault", "error"), [("503", ServerError), ("500", ServerError), ("429", RateLimited),
                                              ("drop", Unavailable), ("slow", Unavailable)])
async def test_a_transfer_is_never_retried(session, sandbox, alice, fault, error):
    account, key = alice
    # "slow": Taubot holds the transfer (no timer to race on a loaded machine); the client's own timeout ends it.
    client = make_client(session, sandbox, timeout=aiohttp.ClientTimeout(total=1.0))
    treasury = sandbox.account("Treasury")
    sandbox.clear_requests()
    route = sandbox.route("transfer")
    release = sandbox.hold(route) if fault == "slow" else None
    if fault == "drop":
        sandbox.drop_next(route, times=5)
    elif fault != "slow":
        sandbox.fail_next(route, int(fault), times=5, headers={"Retry-After": "0"} if fault == "429" else None)
    try:
        with pytest.raises(error):
            await client.create_transaction(key, from_account=account.account_id, to_account=treasury.account_id,
                                            amount=1)
    finally:
        if release is not None:
            release()
    assert count(sandbox, "transfer") == 1


async def test_a_timeout_is_unavailable_and_not_retried(session, sandbox, alice):
    _, key = alice
    client = make_client(session, sandbox, timeout=aiohttp.ClientTimeout(total=1.0))
    sandbox.clear_requests()
    release = sandbox.hold(sandbox.route("user_account"))  # held, not delayed: nothing to race under load
    try:
        with pytest.raises(Unavailable, match="did not answer in time"):
            await read_alice(client, key)
    finally:
        release()
    assert count(sandbox, "user_account") == 1


async def test_nothing_listening_is_unavailable(session, sandbox):
    client = make_client(session, sandbox)
    client.base_url = "http://127.0.0.1:9/api"
    with pytest.raises(Unavailable, match="could not be reached"):
        await client.get_application()


@pytest.mark.parametrize("body", [
    "not json at all",
    "[]",
    json.dumps({"account_id": "a"}),
    json.dumps({"account_id": "a", "owner_id": "1001", "account_name": "A", "account_type": "BANK", "balance": 1}),
    json.dumps({"account_id": "a", "owner_id": "1001", "account_name": "A", "account_type": "USER",
                "balance": "12.50"}),
    json.dumps({"account_id": "a", "owner_id": "someone", "account_name": "A", "account_type": "USER",
                "balance": 1}),
    json.dumps({"account_id": 7, "owner_id": "1001", "account_name": "A", "account_type": "USER", "balance": 1}),
])
async def test_a_garbage_account_body_is_a_protocol_error(client, sandbox, alice, body):
    _, key = alice
    sandbox.fail_next(sandbox.route("user_account"), 200, body=body)
    with pytest.raises(ProtocolError):
        await read_alice(client, key)


@pytest.mark.parametrize("body", [
    "{}",
    json.dumps([{"actor_id": "x", "timestamp": "yesterday", "from_account": "a", "to_account": "b", "amount": 1}]),
    json.dumps([{"actor_id": "x", "timestamp": 1.0, "from_account": "a", "to_account": "b", "amount": 1.5}]),
    json.dumps([{"actor_id": "x", "timestamp": 1e300, "from_account": "a", "to_account": "b", "amount": 1}]),
    json.dumps([None]),
    json.dumps([{"timestamp": 1.0, "from_account": "a", "to_account": "b", "amount": 1}]),
    json.dumps([{"actor_id": None, "timestamp": 1.0, "from_account": "a", "to_account": "b", "amount": 1}]),
    json.dumps([{"actor_id": "", "timestamp": 1.0, "from_account": "a", "to_account": "b", "amount": 1}]),
    json.dumps([{"actor_id": True, "timestamp": 1.0, "from_account": "a", "to_account": "b", "amount": 1}]),
])
async def test_a_garbage_transaction_list_is_a_protocol_error(client, sandbox, alice, body):
    account, key = alice
    sandbox.fail_next(sandbox.route("transactions"), 200, body=body)
    with pytest.raises(ProtocolError):
        await client.get_transactions(key, account.account_id)


async def test_a_garbage_key_body_is_a_protocol_error(client, sandbox):
    sandbox.fail_next(sandbox.route("retrieve_key"), 200, body=json.dumps({"nokey": 1}))
    with pytest.raises(ProtocolError):
        await client.retrieve_key(uuid.uuid4())


@pytest.mark.parametrize("amount", [0, -5, 1.5, True, "100", None])
async def test_bad_amounts_are_refused_before_any_request(client, sandbox, alice, amount):
    account, key = alice
    treasury = sandbox.account("Treasury")
    sandbox.clear_requests()
    with pytest.raises(InvalidTransaction):
        await client.create_transaction(key, from_account=account.account_id, to_account=treasury.account_id,
                                        amount=amount)
    assert sandbox.requests == []


async def test_a_self_transfer_is_refused_before_any_request(client, sandbox, alice):
    account, key = alice
    sandbox.clear_requests()
    with pytest.raises(InvalidTransaction, match="to itself"):
        await client.create_transaction(key, from_account=account.account_id, to_account=account.account_id,
                                        amount=1)
    assert sandbox.requests == []


async def test_requests_are_counted_and_reported(session, sandbox, alice):
    _, key = alice
    seen = []
    client = make_client(session, sandbox, on_request=lambda method, endpoint: seen.append((method, endpoint)))
    await read_alice(client, key)
    await client.get_account_by_name(key, "Treasury")
    assert seen == [("GET", "user_account"), ("GET", "account_by_name")]
    assert client.requests_made == 2


async def test_the_user_agent_and_the_key_header_of_each_dialect(session, sandbox, alice):
    _, key = alice
    client = make_client(session, sandbox, user_agent="taubot-discord/test")
    await read_alice(client, key)
    record = sandbox.requests[-1]
    # v2 takes the raw key (a "Bearer " makes it answer 500); v2.1 takes Bearer only (the raw key is a 401).
    assert record.authorization == (key if sandbox.dialect == "v2" else f"Bearer {key}")
    assert (record.key, record.key_kind) == (key, "grant")
    assert record.user_agent == "taubot-discord/test"


@pytest.mark.parametrize("side", ["from_account", "to_account"])
@pytest.mark.parametrize("bad_id", ["not-a-uuid", "", "../users/me", 12345, "12.50", None])
async def test_malformed_account_ids_are_refused_before_any_request(client, sandbox, alice, side, bad_id):
    account, key = alice
    ids = {"from_account": account.account_id, "to_account": sandbox.account("Treasury").account_id, side: bad_id}
    sandbox.clear_requests()
    with pytest.raises(InvalidTransaction, match=f"{side} is not a Taubot account id"):
        await client.create_transaction(key, amount=1, **ids)
    assert sandbox.requests == []


@pytest.mark.parametrize("spelling", [str.upper, lambda text: text.replace("-", ""),
                                      lambda text: "{" + text + "}", lambda text: f"urn:uuid:{text}"])
async def test_a_self_transfer_spelled_differently_is_still_refused_before_any_request(client, sandbox, alice,
                                                                                      spelling):
    account, key = alice
    sandbox.clear_requests()
    with pytest.raises(InvalidTransaction, match="to itself"):
        await client.create_transaction(key, from_account=account.account_id,
                                        to_account=spelling(account.account_id), amount=1)
    assert sandbox.requests == []
    assert sandbox.spent_by(key) == 0


async def test_account_ids_are_sent_in_canonical_form(client, sandbox, alice):
    account, key = alice
    treasury = sandbox.account("Treasury")
    sandbox.clear_requests()
    await client.create_transaction(key, from_account=account.account_id.upper(),
                                    to_account=treasury.account_id.replace("-", ""), amount=5)
    (request,) = sandbox.requests
    assert {**request.body, "from_account": account.account_id} in (
        {"from_account": account.account_id, "to_account": treasury.account_id, "amount": 5},  # v2
        {"from_account": account.account_id, "to_account_id": treasury.account_id, "amount": 5})  # v2.1


# -- connect timeouts: nothing reached Taubot, so a read may try again ---------------------------------


@pytest.fixture
async def one_connection_session():
    """A session with a single connection: while it is busy, a new request waits for it and its connect
    timeout runs (how aiohttp counts waiting for a pooled connection)."""
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as opened:
        yield opened


async def test_a_connect_timeout_on_a_read_is_retried(one_connection_session, sandbox, alice):
    _, key = alice
    client = make_client(one_connection_session, sandbox, timeout=aiohttp.ClientTimeout(total=3, connect=0.1))
    slow = make_client(one_connection_session, sandbox, timeout=aiohttp.ClientTimeout(total=30))
    # Taubot holds a read on the only connection until the first attempt has timed out waiting for it (a 0.2 s
    # delay and a 0.05 s sleep raced the attempt on a loaded machine).
    release = sandbox.hold(sandbox.route("account_by_name"), times=1)
    holding = asyncio.create_task(slow.get_account_by_name(key, "Treasury"))
    await until(lambda: count(sandbox, "account_by_name") == 1)
    reading = asyncio.create_task(read_alice(client, key))
    await until(lambda: client.requests_made >= 2)  # the first attempt timed out waiting for a connection
    release()
    assert (await reading).account_name == "Alice"
    assert count(sandbox, "user_account") == 1  # and never reached Taubot
    await holding


async def test_a_connect_timeout_on_a_transfer_is_not_retried(one_connection_session, sandbox, alice):
    account, key = alice
    treasury = sandbox.account("Treasury")
    client = make_client(one_connection_session, sandbox, timeout=aiohttp.ClientTimeout(total=3, connect=0.1))
    slow = make_client(one_connection_session, sandbox, timeout=aiohttp.ClientTimeout(total=30))
    release = sandbox.hold(sandbox.route("account_by_name"), times=1)  # the only connection, for the whole wait
    holding = asyncio.create_task(slow.get_account_by_name(key, "Treasury"))
    await until(lambda: count(sandbox, "account_by_name") == 1)
    try:
        with pytest.raises(Unavailable, match="connection timed out"):
            await client.create_transaction(key, from_account=account.account_id, to_account=treasury.account_id,
                                            amount=1)
    finally:
        release()
    assert client.requests_made == 1
    await holding
    assert count(sandbox, "transfer") == 0


@pytest.fixture
def unresponsive_port():
    """A port whose listen backlog is full: connecting hangs until the client's connect timeout."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    yield port
    for opened in (*fillers, server):
        opened.close()


async def test_connect_timeouts_are_retried_boundedly_for_reads_and_never_for_transfers(session, sandbox,
                                                                                       unresponsive_port):
    client = make_client(session, sandbox, timeout=aiohttp.ClientTimeout(total=3, connect=0.05))
    client.base_url = f"http://127.0.0.1:{unresponsive_port}/api"
    started = asyncio.get_running_loop().time()
    with pytest.raises(Unavailable, match="connection timed out"):
        await client.get_account(KEY_SHAPED, str(uuid.uuid4()))
    assert client.requests_made == 3
    assert asyncio.get_running_loop().time() - started < 3  # three connect timeouts, not one total timeout
    with pytest.raises(Unavailable, match="connection timed out"):
        await client.create_transaction(KEY_SHAPED, from_account=str(uuid.uuid4()), to_account=str(uuid.uuid4()),
                                        amount=1)
    assert client.requests_made == 4
