"""Raw HTTP against the sandbox: these tests check the server itself, so they do not use TaubotClient."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

import aiohttp
import pytest
from yarl import URL

from sandbox import TRANSFER_FUNDS, VIEW_BALANCE, Sandbox


@dataclass
class Answer:
    status: int
    text: str
    headers: dict

    def json(self):
        return json.loads(self.text)


class RawTaubot:
    """Plain requests to the sandbox with whatever Authorization header a test wants."""

    def __init__(self, session: aiohttp.ClientSession, sandbox):
        self.session, self.sandbox = session, sandbox

    async def request(self, method: str, path: str, *, key: str | None = None, json=None, data=None,
                      params=None, follow: bool = True) -> Answer:
        """`key` is sent as the whole Authorization header (v2.1 tests pass bearer(key))."""
        headers = {} if key is None else {"Authorization": key}
        url = URL(self.sandbox.base_url + path, encoded=True)
        async with self.session.request(method, url, headers=headers, json=json, data=data, params=params,
                                        allow_redirects=follow) as r:
            return Answer(r.status, await r.text(), dict(r.headers))

    async def link(self, user_id: int, *, permissions=(VIEW_BALANCE, TRANSFER_FUNDS), spending_limit=10_000,
                   accounts=None) -> str:
        """A grant key for `user_id`, through the real flow of the sandbox's dialect: register, grant, retrieve."""
        ref, retrieve, master = await self.register()
        assert self.sandbox.grant(ref, user_id, permissions=permissions, spending_limit=spending_limit,
                                  accounts=accounts)
        answer = await self.request("GET", retrieve, key=master)
        assert answer.status == 200, answer.text
        return answer.json()["key"]

    async def register(self, permissions: int = 10) -> tuple[str, str, str]:
        """A pending reference as the application registers it: (ref, its retrieval path, the master header)."""
        if self.sandbox.dialect == "v2.1":
            master = bearer(self.sandbox.master_key)
            answer = await self.request("POST", f"/api/references/register?permissions={permissions}", key=master)
            assert answer.status == 201, answer.text
            ref = answer.json()["uuid"]
            return ref, f"/api/references/{ref}", master
        ref, master = str(uuid.uuid4()), self.sandbox.master_key
        assert (await self.request("POST", "/api/oauth-references", key=master, json={"ref_id": ref})).status == 201
        return ref, f"/api/retrieve-key/{ref}", master


def bearer(key: str) -> str:
    return f"Bearer {key}"


@pytest.fixture
async def sandbox():
    """A sandbox speaking v2, with the shared accounts (v2.1's are sandbox21 and raw21 here)."""
    async with Sandbox(seed="shared") as server:
        yield server


@pytest.fixture
async def sandbox21():
    """A sandbox speaking v2.1, with the shared accounts."""
    async with Sandbox(seed="shared", dialect="v2.1") as server:
        yield server


@pytest.fixture
async def raw21(sandbox21):
    async with aiohttp.ClientSession() as session:
        yield RawTaubot(session, sandbox21)


@pytest.fixture
async def raw(sandbox):
    async with aiohttp.ClientSession() as session:
        yield RawTaubot(session, sandbox)
