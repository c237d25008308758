"""The sandbox's own tooling: the request log, injected faults, and `python -m sandbox`."""

import asyncio
import json
import os
import signal
import stat
import sys
import uuid

import aiohttp


async def test_the_request_log(raw, sandbox):
    sandbox.create_account("Alice", owner_id=1001)
    await raw.request("GET", "/api/users/1001", key=sandbox.master_key)
    await raw.request("GET", "/api/accounts/by-name/a%2Fb", key="garbage")
    await raw.request("POST", "/api/oauth-references", json={"ref_id": "x"})
    first, second, third = sandbox.requests
    assert (first.method, first.path, first.key_kind, first.status) == ("GET", "/api/users/1001", "master", 200)
    assert (second.path, second.key_kind, second.status) == ("/api/accounts/by-name/a%2Fb", "invalid", 500)
    assert (third.key_kind, third.body, third.status) == ("none", {"ref_id": "x"}, 401)
    sandbox.clear_requests()
    assert sandbox.requests == []


async def test_faults(raw, sandbox):
    master = sandbox.master_key
    sandbox.fail_next("GET /api/users/", 503, times=2)
    statuses = [(await raw.request("GET", "/api/users/1", key=master)).status for _ in range(3)]
    assert statuses == [503, 503, 404]
    sandbox.fail_next("/api/users/", 429, headers={"Retry-After": "3"})
    limited = await raw.request("GET", "/api/users/1", key=master)
    assert (limited.status, limited.headers["Retry-After"]) == (429, "3")
    sandbox.fail_next("GET /api/users/", 200, body="garbage")
    assert (await raw.request("GET", "/api/users/1", key=master)).text == "garbage"
    sandbox.fail_next("POST /api/users/", 503)  # another method: not matched
    assert (await raw.request("GET", "/api/users/1", key=master)).status == 404
    sandbox.clear_faults()


async def test_delays_and_dropped_connections(raw, sandbox):
    sandbox.delay("GET /api/users/", 0.3, times=1)
    started = asyncio.get_running_loop().time()
    await raw.request("GET", "/api/users/1", key=sandbox.master_key)
    assert asyncio.get_running_loop().time() - started >= 0.3
    sandbox.drop_next("GET /api/users/", times=2)  # aiohttp itself retries an idempotent request once
    async with aiohttp.ClientSession() as fresh:
        try:
            async with fresh.get(f"{sandbox.api_url}/users/1", headers={"Authorization": sandbox.master_key}):
                raise AssertionError("the connection should have been dropped")
        except aiohttp.ServerDisconnectedError:
            pass


async def test_python_m_sandbox(tmp_path):
    credentials = tmp_path / "credentials.json"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sandbox", "--port", "0", "--credentials", str(credentials),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"}, cwd=os.getcwd())
    try:
        first_line = (await asyncio.wait_for(process.stdout.readline(), timeout=20)).decode()
        assert first_line.startswith("Taubot sandbox running at http://127.0.0.1:")
        api_url = first_line.split()[-1]
        written = json.loads(credentials.read_text())
        assert written["api_url"] == api_url
        assert stat.S_IMODE(os.stat(credentials).st_mode) == 0o600
        assert {"account_id", "account_name", "owner_id", "account_type", "balance"} <= set(written["accounts"][0])
        assert any(a["owner_id"] is None for a in written["accounts"])
        ref = str(uuid.uuid4())
        async with aiohttp.ClientSession(headers={"Authorization": written["master_key"]}) as session:
            async with session.post(f"{api_url}/oauth-references", json={"ref_id": ref}) as answer:
                assert answer.status == 201
            grant_page = f"{api_url}/oauth/grant?ref={ref}&aid={written['application_id']}"
            async with session.get(grant_page) as answer:
                assert answer.status == 200
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=20)
    assert process.returncode == 0
