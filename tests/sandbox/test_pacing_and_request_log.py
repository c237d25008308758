"""A sandbox paced like a loaded real server (latency and a request rate cap), set in-process or over its
control endpoint, and the request log a benchmark in another process reads (route names, never keys)."""

import asyncio
import time

import aiohttp
import pytest

from sandbox import DIALECTS, Sandbox
from tests.sandbox.conftest import RawTaubot

from .test_handle_and_cli import master_header, read_user


@pytest.fixture(params=DIALECTS)
async def any_raw(request):
    async with Sandbox(seed="shared", dialect=request.param) as server, aiohttp.ClientSession() as session:
        server.create_account("Alice", owner_id=1001)
        yield RawTaubot(session, server)


async def timed_reads(raw: RawTaubot, count: int) -> list[float]:
    """Send `count` reads at once; return when each answer arrived, in seconds from the start."""
    started = time.perf_counter()

    async def one() -> float:
        answer = await read_user(raw, raw.sandbox, 1001, master_header(raw.sandbox))
        assert answer.status == 200
        return time.perf_counter() - started

    return sorted(await asyncio.gather(*(one() for _ in range(count))))


async def test_a_rate_cap_queues_a_burst_and_latency_delays_every_answer(any_raw):
    any_raw.sandbox.pace(latency_seconds=0.01, requests_per_second=400)
    arrivals = await timed_reads(any_raw, 8)
    # One worker at 400/s: the k-th answer cannot come before k × 2.5 ms plus the latency.
    for k, arrived in enumerate(arrivals, start=1):
        assert arrived >= k / 400 + 0.01
    any_raw.sandbox.pace()  # off again
    assert not any_raw.sandbox.server.pacer.settings.active


async def test_pacing_and_the_request_log_over_the_control_endpoints(any_raw):
    sandbox = any_raw.sandbox
    paced = await any_raw.request("POST", "/sandbox/pace", json={"latency_ms": 20, "requests_per_second": 1000})
    assert paced.status == 200
    assert sandbox.server.pacer.settings.latency_seconds == 0.02
    started = time.perf_counter()
    await read_user(any_raw, sandbox, 1001, master_header(sandbox))
    assert time.perf_counter() - started >= 0.02
    await any_raw.request("GET", "/api/accounts/3fa85f64-5717-4562-b3fc-2c963f66afa6", key="garbage")

    log = (await any_raw.request("GET", "/sandbox/requests?since=1")).json()
    # The control requests are counted in `total` (so `since` stays an index) but never listed.
    assert log["total"] == 4
    # Each request's path without its query (an id or a reference, never a key: keys travel in headers).
    assert [entry.pop("path") for entry in log["requests"]] == [
        "/api/users/1001" if sandbox.dialect == "v2" else "/api/accounts",
        "/api/accounts/3fa85f64-5717-4562-b3fc-2c963f66afa6"]
    assert log["requests"] == [
        {"method": "GET", "route": "user_account", "status": 200, "key_kind": "master"},
        {"method": "GET", "route": "account_by_id", "status": 500 if sandbox.dialect == "v2" else 401,
         "key_kind": "invalid"},
    ]
    assert sandbox.master_key not in str(log)


@pytest.mark.parametrize("body", [{"latency_ms": -1, "requests_per_second": None},
                                  {"latency_ms": 0, "requests_per_second": 0},
                                  {"latency_ms": "fast", "requests_per_second": None},
                                  {"latency_ms": 0}])
async def test_nonsense_pacing_is_refused(any_raw, body):
    assert (await any_raw.request("POST", "/sandbox/pace", json=body)).status == 400
    assert not any_raw.sandbox.server.pacer.settings.active


async def test_a_control_request_is_never_paced(any_raw):
    any_raw.sandbox.pace(latency_seconds=5.0)
    answer = await asyncio.wait_for(any_raw.request("GET", "/sandbox/requests"), timeout=2)
    assert answer.status == 200
