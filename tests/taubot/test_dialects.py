"""Detection (one harmless request, or a pinned setting), and what happens when the server changes dialect
under a running client: reads carry on in the new dialect, a transfer is never sent again."""

import asyncio
import logging

import pytest

from sandbox import Sandbox
from taubot import (
    V2,
    V21,
    DialectChanged,
    DialectUnknown,
    NotFound,
    ServerError,
    TaubotClient,
    Unauthorized,
    Unavailable,
    probe_dialect,
)
from tests.cogs.pay.helpers import until
from tests.taubot.conftest import make_client

APP_ID = "123e4567-e89b-12d3-a456-426614174000"


@pytest.fixture
async def v2():
    async with Sandbox(seed="shared", dialect="v2") as server:
        yield server


@pytest.fixture
async def v21():
    async with Sandbox(seed="shared", dialect="v2.1") as server:
        yield server


def answering(server, status: int, content_type: str) -> str:
    """Make the probe get an answer of neither dialect (as from a web server or a proxy); the API base URL."""
    server.fail_next("GET /api/oauth/grant", status, body="<html>x</html>", headers={"Content-Type": content_type})
    return server.api_url


def probes(server) -> list:
    return server.requests_to("GET /api/oauth/grant")


# -- detection --------------------------------------------------------------------------------------------


async def test_probe_dialect_asks_once_without_a_key(session, v2, v21):
    assert await probe_dialect(session, v2.api_url) is V2
    assert await probe_dialect(session, v21.api_url) is V21
    for server in (v2, v21):
        (probe,) = server.requests
        assert (probe.method, probe.target, probe.authorization, probe.key_kind) == (
            "GET", "/api/oauth/grant", None, "none")


@pytest.mark.parametrize(("status", "content_type", "shown"), [
    (404, "text/html", "HTTP 404 (text/html)"),             # a web server, not the Taubot API
    (200, "application/json", "HTTP 200 (application/json)"),
    (401, "application/json", "HTTP 401 (application/json)"),
    (400, "application/json", "HTTP 400 (application/json)"),  # v2's status, not its shape: no guessing
    (502, "text/html", "HTTP 502 (text/html)"),             # a proxy in front of a Taubot that is down
])
async def test_anything_else_is_unknown_and_says_what_came_back(session, v2, status, content_type, shown):
    with pytest.raises(DialectUnknown) as unknown:
        await probe_dialect(session, answering(v2, status, content_type))
    assert shown in str(unknown.value)
    assert "v2 answers 400 text/plain and v2.1 answers 422 application/json" in str(unknown.value)
    assert (unknown.value.status, unknown.value.content_type) == (status, content_type)


async def test_nothing_answering_is_unavailable(session):
    with pytest.raises(Unavailable):
        await probe_dialect(session, "http://127.0.0.1:9/api")


async def test_auto_detects_before_the_first_request_and_only_once(session, v21):
    client = make_client(session, v21, dialect="auto")
    with pytest.raises(RuntimeError, match="detect"):
        client.dialect  # noqa: B018
    v21.create_account("Alice", owner_id=1001)
    await client.get_user_account_as_app(1001)
    await client.get_user_account_as_app(1001)
    assert client.dialect is V21
    assert [r.path for r in v21.requests] == ["/api/oauth/grant", "/api/accounts", "/api/accounts"]


async def test_a_pinned_dialect_is_never_probed(session, v21):
    client = make_client(session, v21, dialect="v2.1")
    assert client.dialect is V21 and await client.detect() is V21
    await client.create_reference()
    assert probes(v21) == []


async def test_an_unknown_server_stops_the_first_call(session, v2):
    client = TaubotClient(session, base_url=answering(v2, 404, "text/html"), master_key="k",
                          application_id=APP_ID, dialect="auto")
    with pytest.raises(DialectUnknown):
        await client.create_reference()
    assert [r.path for r in v2.requests] == ["/api/oauth/grant"]  # the key was never sent


# -- the server changes dialect under a running client ------------------------------------------------


async def upgraded_client(session, v2, v21, caplog) -> TaubotClient:
    """A client that detected v2 and then finds v2.1 at the same URL (the operator upgraded Taubot)."""
    caplog.set_level(logging.INFO, logger="taubot.dialect")
    client = make_client(session, v2, dialect="auto")
    assert await client.detect() is V2
    client.base_url = v21.api_url
    return client


async def test_a_read_in_the_old_dialect_is_detected_again_and_carries_on(session, v2, v21, caplog):
    alice = v21.create_account("Alice", owner_id=1001, balance=7_00)
    key = v21.issue_grant_key(1001)
    client = await upgraded_client(session, v2, v21, caplog)
    assert (await client.get_account(key, alice.account_id)).balance == 7_00
    assert [(r.path, r.status) for r in v21.requests] == [
        (f"/api/accounts/{alice.account_id}", 401),  # the raw key, v2's way: v2.1's JSON 401
        ("/api/oauth/grant", 422),                     # detected again
        (f"/api/accounts/{alice.account_id}", 200)]    # and asked again, the v2.1 way
    assert client.dialect is V21
    assert "Taubot now speaks v2.1 (was v2; noticed on account_by_id): the bot switched dialect" in caplog.text
    assert key not in caplog.text


async def test_a_transfer_answered_in_the_other_dialect_is_never_sent_again(session, v2, v21, caplog):
    alice = v21.create_account("Alice", owner_id=1001, balance=7_00)
    bob = v21.create_account("Bob", owner_id=1002)
    key = v21.issue_grant_key(1001)
    client = await upgraded_client(session, v2, v21, caplog)
    with pytest.raises(DialectChanged) as changed:
        await client.create_transaction(key, from_account=alice.account_id, to_account=bob.account_id, amount=1)
    assert isinstance(changed.value, ServerError)  # for a transfer: the outcome is unknown
    assert "whether it took effect is unknown" in str(changed.value)
    assert [(r.method, r.path) for r in v21.requests if r.method == "POST"] == [("POST", "/api/transactions/")]
    assert v21.balance_of(bob.account_id) == 0
    await client.create_transaction(key, from_account=alice.account_id, to_account=bob.account_id, amount=1)
    assert v21.balance_of(bob.account_id) == 1  # the next payment speaks v2.1


async def test_a_downgrade_is_followed_too(session, v2, v21, caplog):
    caplog.set_level(logging.INFO, logger="taubot.dialect")
    alice = v2.create_account("Alice", owner_id=1001, balance=3_00)
    key = v2.issue_grant_key(1001)
    client = make_client(session, v21, dialect="auto")
    await client.detect()
    client.base_url = v2.api_url
    assert (await client.get_account(key, alice.account_id)).balance == 3_00
    assert [r.status for r in v2.requests] == [500, 400, 200]  # Bearer crashes v2; the probe; the v2 way
    assert client.dialect is V2


async def test_concurrent_requests_detect_again_once(session, v2, v21, caplog):
    alice = v21.create_account("Alice", owner_id=1001, balance=7_00)
    key = v21.issue_grant_key(1001)
    client = await upgraded_client(session, v2, v21, caplog)
    release = v21.hold("GET /api/accounts/", times=2)  # both first answers arrive together, released at once
    reading = asyncio.gather(*(client.get_account(key, alice.account_id) for _ in range(2)))
    await until(lambda: sum(r.path.startswith("/api/accounts/") and r.status == 0 for r in v21.requests) == 2)
    release()
    found = await reading
    assert [account.balance for account in found] == [7_00, 7_00]
    assert len(probes(v21)) == 1


async def test_a_pinned_dialect_is_kept_and_the_log_says_why(session, v21, caplog):
    caplog.set_level(logging.INFO, logger="taubot.dialect")
    alice = v21.create_account("Alice", owner_id=1001)
    client = make_client(session, v21, dialect="v2")
    with pytest.raises(Unauthorized):
        await client.get_account(v21.issue_grant_key(1001), alice.account_id)
    assert probes(v21) == []
    assert "TAUBOT_API_DIALECT pins v2" in caplog.text


async def detected_on_v2(session, v2, caplog) -> tuple[TaubotClient, str]:
    """A client that detected v2, and a grant key of Alice's."""
    caplog.set_level(logging.INFO, logger="taubot.dialect")
    v2.create_account("Alice", owner_id=1001)
    client = make_client(session, v2, dialect="auto")
    await client.detect()
    v2.clear_requests()
    return client, v2.issue_grant_key(1001)


async def test_a_false_alarm_keeps_the_dialect_and_is_not_probed_again_at_once(session, v2, caplog):
    client, key = await detected_on_v2(session, v2, caplog)
    json_404 = {"Content-Type": "application/json"}
    v2.fail_next(v2.route("user_account"), 404, body='{"detail": "Not Found"}', headers=json_404, times=2)
    for _ in range(2):
        with pytest.raises(NotFound):
            await client.get_user_account(key, 1001)
    assert client.dialect is V2
    assert len(probes(v2)) == 1
    assert "but still speaks v2" in caplog.text


async def test_a_failed_detection_keeps_the_dialect(session, v2, caplog):
    client, key = await detected_on_v2(session, v2, caplog)
    v2.fail_next(v2.route("user_account"), 401, body='{"detail": "?"}', headers={"Content-Type": "application/json"})
    v2.fail_next("GET /api/oauth/grant", 503, times=5)  # more than the probe retries
    with pytest.raises(Unauthorized):
        await client.get_user_account(key, 1001)
    assert client.dialect is V2
    assert "detecting the dialect again failed" in caplog.text
