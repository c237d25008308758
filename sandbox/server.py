"""The sandbox's HTTP side: Taubot's routes with the real server's statuses, text bodies and quirks.

Routing is done by hand on the raw path so that the order of checks matches the real server: requests
outside /api/oauth/ need an Authorization header (401 without, 500 for a malformed one) before any route is
looked at, and a path segment like `a%2Fb` or `%2E%2E` is one segment, decoded only after matching.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from . import grant_page
from .economy import PERMISSIONS, ApiKey, Economy, Outcome

TEXT = {200: "200: OK", 201: "201: Created", 400: "400: Bad Request", 401: "401: Unauthorized",
        404: "404: Not Found", 405: "405: Method Not Allowed"}
CRASH = "500 Internal Server Error\n\nServer got itself in trouble"


def text_response(status: int) -> web.Response:
    if status >= 500:
        return web.Response(status=status, text=CRASH, headers={"Connection": "close"})
    return web.Response(status=status, text=TEXT.get(status, f"{status}: Error"))


@dataclass
class RequestRecord:
    method: str
    path: str          # raw, percent-encoding preserved
    query: dict[str, str]
    key_kind: str      # "master", "grant", "none" or "invalid"
    body: Any
    status: int = 0
    key: str | None = field(default=None, repr=False)  # for tests that check which key was used
    user_agent: str | None = None


@dataclass
class FaultRule:
    method: str | None
    path_prefix: str
    action: str  # "status", "drop" or "delay"
    times: int | None  # None: until cleared
    status: int = 503
    body: str | None = None
    headers: dict[str, str] | None = None
    seconds: float = 0.0

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and path.startswith(self.path_prefix)


def parse_route(route: str) -> tuple[str | None, str]:
    """'GET /api/users/' → ('GET', '/api/users/'); '/api/users/' → (None, '/api/users/')."""
    method, _, path = route.partition(" ")
    return (method.upper(), path) if path else (None, method)


class TaubotSandboxServer:
    def __init__(self, economy: Economy, application_id: str, *, offer_application_endpoint: bool = False):
        self.economy = economy
        self.application_id = application_id
        self.offer_application_endpoint = offer_application_endpoint
        self.requests: list[RequestRecord] = []
        self.faults: list[FaultRule] = []
        self.app = web.Application(middlewares=[self._record, self._inject_faults])
        self.app.router.add_route("*", "/{tail:.*}", self._dispatch)

    # -- middlewares ----------------------------------------------------------------------------------

    @web.middleware
    async def _record(self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]):
        header = request.headers.get("Authorization")
        record = RequestRecord(request.method, request.raw_path.split("?")[0], dict(request.query),
                               self._key_kind(header), await _body_for_log(request), key=header,
                               user_agent=request.headers.get("User-Agent"))
        self.requests.append(record)
        response = await handler(request)
        record.status = response.status
        return response

    @web.middleware
    async def _inject_faults(self, request: web.Request, handler):
        path = request.raw_path.split("?")[0]
        for rule in list(self.faults):
            if not rule.matches(request.method, path):
                continue
            if rule.times is not None:
                rule.times -= 1
                if rule.times <= 0:
                    self.faults.remove(rule)
            if rule.action == "delay":
                await asyncio.sleep(rule.seconds)
                continue
            if rule.action == "drop":
                request.transport.abort()  # the client sees the connection close with no response
                raise asyncio.CancelledError
            response = web.Response(status=rule.status, text=rule.body if rule.body is not None else
                                    (CRASH if rule.status >= 500 else TEXT.get(rule.status, "")),
                                    headers=rule.headers)
            return response
        return await handler(request)

    def _key_kind(self, header: str | None) -> str:
        if header is None:
            return "none"
        key = self.economy.keys.get(header)
        return key.kind if key is not None and key.enabled else "invalid"

    # -- dispatch -------------------------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        raw_path = request.raw_path.split("?")[0]
        if raw_path.startswith("/sandbox/"):
            return await self._sandbox_control(request, raw_path)
        if raw_path.startswith("/api/oauth/"):
            return await self._grant_page(request, raw_path)
        try:
            key = self.economy.key_for(request.headers.get("Authorization"))
            if key is None:
                raise Outcome(401)
            return await self._api(request, raw_path, key)
        except Outcome as outcome:
            return text_response(outcome.status)

    async def _api(self, request: web.Request, raw_path: str, key: ApiKey) -> web.StreamResponse:
        segments = [unquote(part) for part in raw_path.split("/")[1:]]
        method = request.method
        match segments:
            case ["api", "oauth-references"] if method == "POST":
                return await self._register_reference(request, key)
            case ["api", "retrieve-key", ref_id] if method == "GET":
                return self._retrieve_key(key, ref_id)
            case ["api", "applications", "me"] if method == "GET":
                if key.kind != "master" or not self.offer_application_endpoint:
                    raise Outcome(404)
                return web.json_response(self.economy.applications[key.application_id].as_json())
            case ["api", "users", user] if method == "GET":
                return self._user_account(key, user)
            case ["api", "accounts", "by-name", name] if method == "GET":
                account = self.economy.find_by_name(name)
                return web.json_response(self.economy.account_json(account, key))
            case ["api", "accounts", account_id] if method == "GET":
                if key.kind != "grant":
                    raise Outcome(401)
                account = self.economy.accounts.get(account_id)
                if account is None:
                    raise Outcome(404)
                return web.json_response(self.economy.account_json(account, key))
            case ["api", "accounts", account_id, "transactions"] if method == "GET":
                if key.kind != "grant":
                    raise Outcome(401)
                return web.json_response(self.economy.transactions(key, account_id, _limit(request)))
            case ["api", "transactions", ""] if method == "POST":
                return await self._create_transaction(request, key)
        raise Outcome(404)

    async def _register_reference(self, request: web.Request, key: ApiKey) -> web.StreamResponse:
        if key.kind != "master":
            raise Outcome(401)
        body = await _json_body(request, {"ref_id"})
        try:
            ref_id = str(uuid.UUID(str(body["ref_id"])))
        except ValueError:
            raise Outcome(400) from None
        self.economy.register_reference(key.application_id, ref_id)
        return text_response(201)

    def _retrieve_key(self, key: ApiKey, ref_id: str) -> web.StreamResponse:
        if key.kind != "master":
            raise Outcome(401)
        try:
            ref_id = str(uuid.UUID(ref_id))
        except ValueError:
            raise Outcome(400) from None
        return web.json_response({"key": self.economy.retrieve_key(ref_id)})

    def _user_account(self, key: ApiKey, user: str) -> web.StreamResponse:
        if user == "me":
            if key.kind != "grant":
                raise Outcome(404)
            user_id = key.user_id
        elif user.isascii() and user.isdigit():
            user_id = int(user)
        else:
            raise Outcome(404)
        account = self.economy.personal_account(user_id)
        if account is None:
            raise Outcome(404)
        return web.json_response(self.economy.account_json(account, key))

    async def _create_transaction(self, request: web.Request, key: ApiKey) -> web.StreamResponse:
        if key.kind != "grant":
            raise Outcome(401)
        body = await _json_body(request, {"from_account", "to_account", "amount"})
        from_id, to_id, amount = body["from_account"], body["to_account"], body["amount"]
        for account_id in (from_id, to_id):
            try:
                uuid.UUID(str(account_id))
            except ValueError:
                raise Outcome(500) from None
        if isinstance(amount, bool):
            amount = int(amount)  # `true` counts as 1
        elif isinstance(amount, float):
            amount = int(amount)  # truncated
        elif not isinstance(amount, int):
            raise Outcome(500)  # e.g. "12.50": the server crashes converting it
        self.economy.transfer(key, str(from_id), str(to_id), amount)
        return text_response(200)

    # -- the grant page ---------------------------------------------------------------------------------

    async def _grant_page(self, request: web.Request, raw_path: str) -> web.StreamResponse:
        if raw_path.rstrip("/") != "/api/oauth/grant" or request.method not in ("GET", "POST"):
            raise web.HTTPNotFound(text=TEXT[404])
        values = dict(request.query) if request.method == "GET" else {**request.query, **(await request.post())}
        ref_id, application_id = values.get("ref"), values.get("aid")
        if not ref_id or not application_id:
            return text_response(400)  # including the docs' `ref_id=` spelling
        application = self.economy.applications.get(application_id)
        if application is None:
            return text_response(400)
        user = str(values.get("user_id", ""))
        if not (user.isascii() and user.isdigit()):
            return _html(grant_page.ask_for_user(ref_id, application_id, application.name))
        user_id = int(user)
        if request.method == "GET":
            return _html(grant_page.choose_permissions(ref_id, application_id, application.name, user_id,
                                                       self.economy.accounts_of(user_id)))
        form = await request.post()
        permissions: dict[str, set[str]] = {}
        for choice in form.getall("perm", []):
            account_id, _, permission = str(choice).partition(":")
            account = self.economy.accounts.get(account_id)
            if account is not None and account.owner_id == user_id and permission in PERMISSIONS:
                permissions.setdefault(account_id, set()).add(permission)
        limit = str(form.get("spending_limit", "0")).strip()
        spending_limit = int(limit) if limit.isascii() and limit.isdigit() else 0
        if not self.economy.submit_grant(ref_id, user_id, permissions=permissions, spending_limit=spending_limit):
            return _html(grant_page.unknown_reference(), status=404)
        return _html(grant_page.granted())

    async def _sandbox_control(self, request: web.Request, raw_path: str) -> web.StreamResponse:
        """What scripts and benchmarks need from outside the process, as JSON requests (no key needed):
        `POST /sandbox/grant` (the grant page's submit) and `POST /sandbox/accounts` (open an account)."""
        if request.method != "POST" or raw_path not in ("/sandbox/grant", "/sandbox/accounts"):
            return text_response(404)
        try:
            if raw_path == "/sandbox/accounts":
                return web.json_response(self._open_account(await _json_body(
                    request, {"account_name", "owner_id", "account_type", "balance"})), status=201)
            body = await _json_body(request, {"ref_id", "user_id", "permissions", "spending_limit"},
                                    optional={"accounts"})
            submitted = grant_from_request(self.economy, body)
        except Outcome as outcome:
            return text_response(outcome.status)
        return text_response(201 if submitted else 404)

    def _open_account(self, body: dict[str, Any]) -> dict:
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
    """Apply a scripted grant; accounts default to the member's personal account (none: an empty grant)."""
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
    granted = {str(account_id): set(permissions) for account_id in accounts}
    return economy.submit_grant(ref_id, user_id, permissions=granted, spending_limit=limit)


async def _json_body(request: web.Request, required: set[str], *, optional: set[str] = frozenset()) -> dict:
    try:
        body = json.loads(await request.text())
    except ValueError:
        raise Outcome(500) from None  # e.g. a form-encoded body: the real server crashes decoding it
    if not isinstance(body, dict) or not required <= set(body) <= required | optional:
        raise Outcome(400)
    return body


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


def _limit(request: web.Request) -> int:
    raw = request.query.get("limit")
    if raw is None:
        return -1
    try:
        return int(raw)
    except ValueError:
        raise Outcome(500) from None  # `abc` or `1.5` crash the real server


def _html(page: str, *, status: int = 200) -> web.Response:
    return web.Response(text=page, content_type="text/html", status=status)
