"""Raw HTTP against the sandbox: these tests check the server itself, so they do not use TaubotClient."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

import aiohttp
import pytest
from yarl import URL

from sandbox import TRANSFER_FUNDS, VIEW_BALANCE


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
                      params=None) -> Answer:
        headers = {} if key is None else {"Authorization": key}
        url = URL(self.sandbox.base_url + path, encoded=True)
        async with self.session.request(method, url, headers=headers, json=json, data=data, params=params) as r:
            return Answer(r.status, await r.text(), dict(r.headers))

    async def link(self, user_id: int, *, permissions=(VIEW_BALANCE, TRANSFER_FUNDS), spending_limit=10_000,
                   accounts=None) -> str:
        """A grant key for `user_id`, through the real flow: register, grant, retrieve."""
        ref = str(uuid.uuid4())
        master = self.sandbox.master_key
        assert (await self.request("POST", "/api/oauth-references", key=master, json={"ref_id": ref})).status == 201
        assert self.sandbox.grant(ref, user_id, permissions=permissions, spending_limit=spending_limit,
                                  accounts=accounts)
        answer = await self.request("GET", f"/api/retrieve-key/{ref}", key=master)
        assert answer.status == 200, answer.text
        return answer.json()["key"]


@pytest.fixture
async def raw(sandbox):
    async with aiohttp.ClientSession() as session:
        yield RawTaubot(session, sandbox)
