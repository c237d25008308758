"""The sandbox's own tooling on both dialects: the request log, injected faults, named routes, minted keys,
and `python -m sandbox [--dialect v2.1]`."""

import asyncio
import json
import os
import shlex
import signal
import stat
import sys
import time
from html.parser import HTMLParser

import aiohttp
import pytest
from yarl import URL

from sandbox import DIALECTS, Sandbox
from tests.sandbox.conftest import RawTaubot


@pytest.fixture(params=DIALECTS)
async def any_sandbox(request):
    async with Sandbox(seed="shared", dialect=request.param) as server:
        yield server


@pytest.fixture
async def any_raw(any_sandbox):
    async with aiohttp.ClientSession() as session:
        yield RawTaubot(session, any_sandbox)


def master_header(sandbox) -> str:
    return sandbox.retrieval_request("x")[0]


async def read_user(raw, sandbox, user_id, key):
    path = f"/api/users/{user_id}" if sandbox.dialect == "v2" else f"/api/accounts?user_id={user_id}"
    return await raw.request("GET", path, key=key)


async def test_the_request_log(any_raw, any_sandbox):
    sandbox = any_sandbox
    sandbox.create_account("Alice", owner_id=1001)
    await read_user(any_raw, sandbox, 1001, master_header(sandbox))
    await any_raw.request("GET", "/api/accounts/3fa85f64-5717-4562-b3fc-2c963f66afa6", key="garbage")
    await any_raw.request("POST", sandbox.route("register_reference").split()[1], json={"ref_id": "x"})
    first, second, third = sandbox.requests
    assert (first.method, first.key_kind, first.key, first.status) == ("GET", "master", sandbox.master_key, 200)
    assert first.authorization == master_header(sandbox)
    assert (second.key_kind, second.status) == ("invalid", 500 if sandbox.dialect == "v2" else 401)
    assert (third.key_kind, third.body, third.status) == ("none", {"ref_id": "x"}, 401)
    assert sandbox.requests_to("user_account") == [first]
    sandbox.clear_requests()
    assert sandbox.requests == []


async def test_faults_on_named_routes_answer_in_the_dialects_shape(any_raw, any_sandbox):
    sandbox, master = any_sandbox, master_header(any_sandbox)
    sandbox.create_account("Alice", owner_id=1001)
    sandbox.fail_next(sandbox.route("user_account"), 503, times=2)
    statuses = [(await read_user(any_raw, sandbox, 1001, master)).status for _ in range(3)]
    assert statuses == [503, 503, 200]
    sandbox.fail_next(sandbox.route("user_account"), 429, headers={"Retry-After": "3"})
    limited = await read_user(any_raw, sandbox, 1001, master)
    assert (limited.status, limited.headers["Retry-After"]) == (429, "3")
    sandbox.fail_next(sandbox.route("user_account"), 200, body="garbage")
    assert (await read_user(any_raw, sandbox, 1001, master)).text == "garbage"
    sandbox.fail_next(sandbox.route("user_account"), 404)
    default = await read_user(any_raw, sandbox, 1001, master)
    assert default.text == ("404: Not Found" if sandbox.dialect == "v2" else '{"detail": "Not Found"}')
    sandbox.fail_next(sandbox.route("user_account"), 500)
    crash = await read_user(any_raw, sandbox, 1001, master)
    assert crash.text.startswith("500 Internal" if sandbox.dialect == "v2" else "Internal Server Error")
    sandbox.fail_next("POST " + sandbox.route("user_account").split()[1], 503)  # another method: not matched
    assert (await read_user(any_raw, sandbox, 1001, master)).status == 200
    sandbox.clear_faults()


async def test_delays_and_dropped_connections(any_raw, any_sandbox):
    sandbox = any_sandbox
    sandbox.delay(sandbox.route("user_account"), 0.3, times=1)
    started = asyncio.get_running_loop().time()
    await read_user(any_raw, sandbox, 1, master_header(sandbox))
    assert asyncio.get_running_loop().time() - started >= 0.3
    sandbox.drop_next(sandbox.route("user_account"), times=2)  # aiohttp itself retries an idempotent request once
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await read_user(any_raw, sandbox, 1, master_header(sandbox))


async def test_a_hold_keeps_the_requests_it_holds_waiting_until_released(any_raw, any_sandbox):
    sandbox, master = any_sandbox, master_header(any_sandbox)
    sandbox.create_account("Alice", owner_id=1001)
    release = sandbox.hold(sandbox.route("user_account"), after=1, times=1)  # the second request only
    assert (await read_user(any_raw, sandbox, 1001, master)).status == 200
    held = asyncio.create_task(read_user(any_raw, sandbox, 1001, master))
    for _ in range(1000):  # until Taubot has received it (and keeps it waiting)
        if len(sandbox.requests) == 2:
            break
        await asyncio.sleep(0.01)
    assert (await read_user(any_raw, sandbox, 1001, master)).status == 200  # the third is answered meanwhile
    assert not held.done() and sandbox.requests[1].status == 0
    release()
    assert (await held).status == 200


async def test_scripted_grants_clock_offset_and_minted_keys(any_raw, any_sandbox):
    sandbox = any_sandbox
    alice = sandbox.create_account("Alice", owner_id=1001, balance=10)
    bob = sandbox.create_account("Bob", owner_id=1002)
    ref = sandbox.new_reference()
    assert sandbox.grant(ref, 1001, spending_limit=5)
    key = sandbox.retrieve_key(ref)
    sandbox.clock_offset_seconds = -60
    sandbox.economy.transfer(sandbox.economy.keys[key], alice.account_id, bob.account_id, 1)
    (entry,) = sandbox.transactions_of(alice.account_id)
    assert abs(entry.timestamp - (time.time() - 60)) < 5
    minted = sandbox.issue_grant_key(1002, spending_limit=None)
    assert (sandbox.economy.keys[minted].user_id, sandbox.economy.keys[minted].spending_limit) == (1002, None)
    assert (await read_user(any_raw, sandbox, 1002, sandbox.server.api.authorization(minted))).status == 200
    with pytest.raises(KeyError, match="no 'nowhere' route"):
        sandbox.route("nowhere")


async def test_only_v21_keys_expire():
    with pytest.raises(ValueError, match="never expire"):
        Sandbox(seed="demo").issue_grant_key(1001, lifetime_seconds=60)
    with pytest.raises(ValueError, match="unknown dialect"):
        Sandbox(dialect="v3")


async def start_sandbox(*arguments: str):
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sandbox", "--port", "0", *arguments, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"}, cwd=os.getcwd())


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_python_m_sandbox(tmp_path, dialect):
    credentials = tmp_path / "credentials.json"
    process = await start_sandbox("--credentials", str(credentials), "--dialect", dialect)
    try:
        first_line = (await asyncio.wait_for(process.stdout.readline(), timeout=20)).decode()
        assert first_line.startswith("Taubot sandbox running at http://127.0.0.1:")
        api_url = first_line.split()[-1]
        written = json.loads(credentials.read_text())
        assert written["api_url"] == api_url
        assert stat.S_IMODE(os.stat(credentials).st_mode) == 0o600
        assert {"account_id", "account_name", "owner_id", "account_type", "balance"} <= set(written["accounts"][0])
        assert any(a["owner_id"] is None for a in written["accounts"])
        assert written["dialect"] == dialect
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{api_url}/oauth/grant") as probe:  # what the bot detects the dialect with
                assert probe.status == (400 if dialect == "v2" else 422)
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=20)
    assert process.returncode == 0


class FormReader(HTMLParser):
    """The first form on a page, read the way a browser would submit it (ticked boxes only as chosen)."""

    def __init__(self):
        super().__init__()
        self.method, self.action, self.fields, self.checkboxes = None, None, [], []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and self.method is None:
            self.method, self.action = attributes.get("method", "get").upper(), attributes.get("action", "")
        elif tag == "input" and attributes.get("type") == "checkbox":
            self.checkboxes.append((attributes["name"], attributes["value"]))
        elif tag == "input" and attributes.get("type") == "radio":
            if "checked" in attributes:  # the choice already made, as a browser would send it
                self.fields.append((attributes["name"], attributes["value"]))
        elif tag == "input" and "name" in attributes:
            self.fields.append((attributes["name"], attributes.get("value", "")))


def read_form(html: str) -> FormReader:
    reader = FormReader()
    reader.feed(html)
    return reader


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_the_link_python_m_sandbox_prints_works_in_a_browser_and_its_key_can_be_retrieved(dialect):
    process = await start_sandbox("--dialect", dialect)
    try:
        printed = []
        while not printed or not printed[-1].lstrip().startswith("curl "):
            printed.append((await asyncio.wait_for(process.stdout.readline(), timeout=20)).decode().rstrip("\n"))
        assert "  1004 (Dave): no account" in printed
        link = next(line.strip() for line in printed if "/oauth/grant?" in line)
        curl, option, header, retrieve_url = shlex.split(printed[-1])
        assert (curl, option) == ("curl", "-H") and header.startswith("Authorization: ")
        await grant_in_a_browser(link, user_id="1001")
        async with aiohttp.ClientSession() as script:  # the printed curl line
            name, _, value = header.partition(": ")
            async with script.get(retrieve_url, headers={name: value}) as answer:
                assert answer.status == 200
                grant_key = (await answer.json())["key"]
            api_url = retrieve_url.split("/api/")[0] + "/api"
            alice = f"{api_url}/users/me" if dialect == "v2" else f"{api_url}/accounts?user_id=1001"
            scheme = "" if dialect == "v2" else "Bearer "
            async with script.get(alice, headers={"Authorization": scheme + grant_key}) as answer:
                assert answer.status == 200
                account = await answer.json()
        assert (account["owner_id"], account["account_name"], account["balance"]) == ("1001", "Alice", 250_00)
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=20)
    assert process.returncode == 0


async def grant_in_a_browser(link: str, *, user_id: str) -> None:
    """Follow the grant link as a person would: log in (the stand-in), choose, allow 25t, submit."""
    async with aiohttp.ClientSession() as browser:  # no Authorization: a person's browser
        async with browser.get(link) as page:
            assert page.status == 200
            first, here = read_form(await page.text()), page.url
        assert first.method == "GET"
        typed = [(name, user_id if name == "user_id" else value) for name, value in first.fields]
        async with browser.get(here.join(URL(first.action)), params=typed) as page:
            assert page.status == 200
            choose, here = read_form(await page.text()), page.url
        assert choose.method == "POST"
        form = [(name, value) for name, value in choose.fields if name != "spending_limit"]
        form += [*choose.checkboxes, ("spending_limit", "2500")]  # tick everything there is to tick
        async with browser.post(here.join(URL(choose.action)), data=form) as page:
            assert page.status == 200, await page.text()
            assert "Access granted" in await page.text()
