"""The sandbox's own tooling: the request log, injected faults, and `python -m sandbox`."""

import asyncio
import json
import os
import shlex
import signal
import stat
import sys
import uuid
from html.parser import HTMLParser
from urllib.parse import urljoin

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
        elif tag == "input" and "name" in attributes:
            self.fields.append((attributes["name"], attributes.get("value", "")))


def read_form(html: str) -> FormReader:
    reader = FormReader()
    reader.feed(html)
    return reader


async def test_the_link_python_m_sandbox_prints_works_in_a_browser_and_its_key_can_be_retrieved(tmp_path):
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sandbox", "--port", "0", stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"}, cwd=os.getcwd())
    try:
        printed = []
        while not printed or not printed[-1].lstrip().startswith("curl "):
            printed.append((await asyncio.wait_for(process.stdout.readline(), timeout=20)).decode().rstrip("\n"))
        assert "  1004 (Dave): no account" in printed
        link = next(line.strip() for line in printed if "/oauth/grant?" in line)
        curl, option, header, retrieve_url = shlex.split(printed[-1])
        assert (curl, option) == ("curl", "-H") and header.startswith("Authorization: ")
        async with aiohttp.ClientSession() as browser:  # no Authorization: a person's browser
            async with browser.get(link) as page:
                assert page.status == 200
                first = read_form(await page.text())
            assert first.method == "GET"
            typed = [(name, "1001" if name == "user_id" else value) for name, value in first.fields]
            async with browser.get(urljoin(link, first.action), params=typed) as page:
                assert page.status == 200
                choose = read_form(await page.text())
            assert choose.method == "POST"
            form = [(name, value) for name, value in choose.fields if name != "spending_limit"]
            form += [*choose.checkboxes, ("spending_limit", "2500")]  # tick everything, allow 25t
            async with browser.post(urljoin(link, choose.action), data=form) as page:
                assert page.status == 200, await page.text()
                assert "Access granted" in await page.text()
        async with aiohttp.ClientSession() as script:  # the printed curl line
            name, _, value = header.partition(": ")
            async with script.get(retrieve_url, headers={name: value}) as answer:
                assert answer.status == 200
                grant_key = (await answer.json())["key"]
            me = retrieve_url.split("/retrieve-key/")[0] + "/users/me"
            async with script.get(me, headers={"Authorization": grant_key}) as answer:
                assert answer.status == 200
                account = await answer.json()
        assert (account["owner_id"], account["account_name"], account["balance"]) == ("1001", "Alice", 250_00)
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=20)
    assert process.returncode == 0
