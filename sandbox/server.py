"""The sandbox's HTTP server: what both dialects share (the request log, injected faults, the /sandbox/
control endpoints) around one dialect's API handler (http_v2.py or http_v21.py)."""

from __future__ import annotations

import asyncio
import fnmatch
import json
import sys
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .economy import PERMISSIONS, Economy, Outcome
from .http_v2 import V2Api, json_body
from .http_v21 import V21Api
from .pacing import Pacer, PacingSettings
from .state import StateError, StateFile


@dataclass
class RequestRecord:
    method: str
    path: str          # raw, percent-encoding preserved
    query: dict[str, str]
    key_kind: str      # "master", "grant", "none" or "invalid"
    body: Any
    status: int = 0
    key: str | None = field(default=None, repr=False)  # the key presented (without v2.1's "Bearer ")
    user_agent: str | None = None
    authorization: str | None = field(default=None, repr=False)  # the header exactly as sent
    target: str = ""   # the raw path with its query string, as routes match it


@dataclass
class FaultRule:
    method: str | None
    pattern: str  # a path prefix, or a glob (with '*') matched against the path, with or without its query
    action: str  # "status", "drop", "delay" or "hold"
    times: int | None  # None: until cleared
    status: int = 503
    body: str | None = None
    headers: dict[str, str] | None = None
    seconds: float = 0.0
    released: asyncio.Event | None = None  # "hold": requests wait until it is set
    let_through: int = 0  # "hold": how many requests pass before it holds the rest

    def matches(self, method: str, target: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        path = target.split("?")[0]
        if "*" in self.pattern:
            return any(fnmatch.fnmatchcase(candidate, self.pattern) for candidate in (path, target))
        return path.startswith(self.pattern)

    @property
    def specificity(self) -> tuple[bool, int]:
        """Globs before prefixes, longer before shorter: the order in which to name a request's route."""
        return "*" in self.pattern, len(self.pattern)


def route_name(routes: dict[str, str], method: str, target: str) -> str:
    """The name (see Sandbox.route) of the route a request went to, or "other"."""
    rules = [(FaultRule(*parse_route(route), "status", None), name) for name, route in routes.items()]
    for rule, name in sorted(rules, key=lambda pair: pair[0].specificity, reverse=True):
        if rule.matches(method, target):
            return name
    return "other"


def parse_route(route: str) -> tuple[str | None, str]:
    """'GET /api/users/' → ('GET', '/api/users/'); '/api/users/' → (None, '/api/users/')."""
    method, _, path = route.partition(" ")
    return (method.upper(), path) if path else (None, method)


class TaubotSandboxServer:
    def __init__(self, economy: Economy, application_id: str, *, offer_application_endpoint: bool = False,
                 state: StateFile | None = None):
        self.economy = economy
        self.application_id = application_id
        self.state = state
        self._state_problem: str | None = None  # the last failure to save, said once
        api_class = V21Api if economy.dialect == "v2.1" else V2Api
        self.api = api_class(economy, offer_application_endpoint=offer_application_endpoint)
        self.requests: list[RequestRecord] = []
        self.faults: list[FaultRule] = []
        self.pacer = Pacer()
        self.app = web.Application(middlewares=[self._keep_state, self._record, self._pace, self._inject_faults])
        self.app.router.add_route("*", "/{tail:.*}", self._dispatch)

    # -- middlewares ----------------------------------------------------------------------------------

    @web.middleware
    async def _keep_state(self, request: web.Request, handler):
        """With --state, whatever a request changed (a key retrieved, money moved…) is on disk before the
        answer leaves; the file is rewritten only when the state differs from what it already says."""
        try:
            return await handler(request)
        finally:
            if self.state is not None:
                try:
                    self.state.save(self.economy, self.application_id)
                    self._state_problem = None
                except StateError as error:  # e.g. the disk filled up: say so once, and keep serving
                    if str(error) != self._state_problem:
                        print(f"python -m sandbox: {error}", file=sys.stderr, flush=True)
                    self._state_problem = str(error)

    @web.middleware
    async def _record(self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]):
        header = request.headers.get("Authorization")
        record = RequestRecord(request.method, request.raw_path.split("?")[0], dict(request.query),
                               self.economy.key_kind(header), await _body_for_log(request),
                               key=None if header is None else self.economy.presented_key(header),
                               user_agent=request.headers.get("User-Agent"), authorization=header,
                               target=request.raw_path)
        self.requests.append(record)
        response = await handler(request)
        record.status = response.status
        return response

    @web.middleware
    async def _pace(self, request: web.Request, handler):
        if not request.raw_path.startswith("/sandbox/"):  # the control endpoints are not Taubot's
            await self.pacer.wait_turn()
        return await handler(request)

    @web.middleware
    async def _inject_faults(self, request: web.Request, handler):
        for rule in list(self.faults):
            if not rule.matches(request.method, request.raw_path):
                continue
            if rule.times is not None:
                rule.times -= 1
                if rule.times <= 0:
                    self.faults.remove(rule)
            if rule.action == "delay":
                await asyncio.sleep(rule.seconds)
                continue
            if rule.action == "hold":
                if rule.let_through > 0:
                    rule.let_through -= 1
                elif rule.released is not None:
                    await rule.released.wait()
                continue
            if rule.action == "drop":
                request.transport.abort()  # the client sees the connection close with no response
                raise asyncio.CancelledError
            if rule.body is not None:
                return web.Response(status=rule.status, text=rule.body, headers=rule.headers)
            return self.api.error_response(rule.status, headers=rule.headers)
        return await handler(request)

    # -- dispatch -------------------------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        raw_path = request.raw_path.split("?")[0]
        if raw_path.startswith("/sandbox/"):
            return await self._sandbox_control(request, raw_path)
        return await self.api.handle(request, raw_path)

    async def _sandbox_control(self, request: web.Request, raw_path: str) -> web.StreamResponse:
        """What scripts and benchmarks need from outside the process, as JSON requests (no key needed):
        `POST /sandbox/grant` (the grant page's submit), `POST /sandbox/accounts` (open an account),
        `POST /sandbox/pace` (latency and a rate cap, see pacing.py), `GET /sandbox/requests?since=N`
        (the request log from entry N on: method, route name, path, status, key kind; never a key),
        `GET /sandbox/log` (every transfer Taubot applied, as its log records it: who to whom, how much, the key
        that made it) and `GET /sandbox/about` (that this is the sandbox, not a real Taubot: `check` explains a
        changed key)."""
        control = {("POST", "/sandbox/grant"): self._scripted_grant, ("POST", "/sandbox/accounts"): self._open_account,
                   ("POST", "/sandbox/pace"): self._set_pace, ("GET", "/sandbox/requests"): self._request_log,
                   ("GET", "/sandbox/log"): self._transfer_log,
                   ("GET", "/sandbox/about"): self._about}
        action = control.get((request.method, raw_path))
        if action is None:
            return self.api.error_response(404)
        try:
            return await action(request)
        except Outcome as outcome:
            return self.api.error_response(outcome.status)

    async def _scripted_grant(self, request: web.Request) -> web.StreamResponse:
        body = await json_body(request, {"ref_id", "user_id", "permissions", "spending_limit"}, optional={"accounts"})
        return self.api.error_response(201 if grant_from_request(self.economy, body) else 404)

    async def _open_account(self, request: web.Request) -> web.StreamResponse:
        body = await json_body(request, {"account_name", "owner_id", "account_type", "balance"})
        return web.json_response(self._new_account(body), status=201)

    async def _set_pace(self, request: web.Request) -> web.StreamResponse:
        body = await json_body(request, {"latency_ms", "requests_per_second"})
        latency, rate = body["latency_ms"], body["requests_per_second"]
        if not _number(latency) or not (rate is None or _number(rate)):
            raise Outcome(400)
        try:
            self.pacer.reset(PacingSettings(latency / 1000, rate))
        except ValueError:
            raise Outcome(400) from None
        return web.json_response({"latency_ms": latency, "requests_per_second": rate})

    async def _about(self, request: web.Request) -> web.StreamResponse:
        return web.json_response({"taubot_sandbox": True, "dialect": self.economy.dialect,
                                  "application_id": self.application_id, "keeps_state": self.state is not None})

    async def _request_log(self, request: web.Request) -> web.StreamResponse:
        since = request.query.get("since", "0")
        if not since.isdigit():
            raise Outcome(400)
        entries = [{"method": r.method, "route": route_name(self.api.routes, r.method, r.target), "path": r.path,
                    "status": r.status, "key_kind": r.key_kind}
                   for r in self.requests[int(since):] if not r.path.startswith("/sandbox/")]
        return web.json_response({"total": len(self.requests), "requests": entries})

    async def _transfer_log(self, request: web.Request) -> web.StreamResponse:
        return web.json_response({"transfers": [entry.as_json() for entry in self.economy.log]})

    def _new_account(self, body: dict[str, Any]) -> dict:
        owner, balance, kind = body["owner_id"], body["balance"], body["account_type"]
        if not (owner is None or _whole(owner)) or not _whole(balance) or not isinstance(body["account_name"], str):
            raise Outcome(400)
        try:
            account = self.economy.create_account(body["account_name"], owner_id=owner, account_type=kind,
                                                  balance=balance)
        except ValueError:
            raise Outcome(400) from None
        return account.as_json(balance_visible=True)


def grant_from_request(economy: Economy, body: dict[str, Any]) -> bool:
    """Apply a scripted grant; accounts default to the member's personal account (none: an empty grant on v2,
    nothing to pick on v2.1). On v2.1 exactly one account may be given."""
    try:
        ref_id = str(uuid.UUID(str(body["ref_id"])))
        user_id = int(body["user_id"])
    except (ValueError, TypeError):
        raise Outcome(400) from None
    permissions = body["permissions"]
    limit = body["spending_limit"]
    if not isinstance(permissions, list) or any(p not in PERMISSIONS for p in permissions):
        raise Outcome(400)
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)):
        raise Outcome(400)
    accounts = body.get("accounts")
    if accounts is None:
        personal = economy.personal_account(user_id)
        accounts = [personal.account_id] if personal else []
    if economy.dialect == "v2.1" and len(accounts) > 1:
        raise Outcome(400)  # v2.1's page picks one account
    granted = {str(account_id): set(permissions) for account_id in accounts}
    return economy.submit_grant(ref_id, user_id, permissions=granted, spending_limit=limit)


async def _body_for_log(request: web.Request) -> Any:
    if not request.body_exists:
        return None
    text = await request.text()
    try:
        return json.loads(text)
    except ValueError:
        return text


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
