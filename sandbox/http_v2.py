"""Taubot v2 over HTTP (TAUBOT_API.md): raw keys, text/plain errors, JSON only for successful reads, and a
grant page reached through `ref`/`aid`."""

from __future__ import annotations

import json
import uuid
from urllib.parse import unquote, urlencode

from aiohttp import web

from . import grant_page
from .economy import PERMISSIONS, ApiKey, Outcome
from .economy_v2 import V2Economy

TEXT = {200: "200: OK", 201: "201: Created", 400: "400: Bad Request", 401: "401: Unauthorized",
        404: "404: Not Found", 405: "405: Method Not Allowed"}
CRASH = "500 Internal Server Error\n\nServer got itself in trouble"

# Named routes for faults and checks, so a test can say "the transfer" whichever dialect it runs on.
ROUTES = {
    "register_reference": "POST /api/oauth-references",
    "retrieve_key": "GET /api/retrieve-key/",
    "grant_page": "GET /api/oauth/grant",
    "application": "GET /api/applications/me",
    "my_account": "GET /api/users/me",
    "user_account": "GET /api/users/",
    "account_by_name": "GET /api/accounts/by-name/",
    "account_by_id": "GET /api/accounts/",
    "transactions": "GET /api/accounts/*/transactions",
    "transfer": "POST /api/transactions/",
}


def text_response(status: int, headers: dict[str, str] | None = None) -> web.Response:
    if status >= 500:
        return web.Response(status=status, text=CRASH, headers={"Connection": "close", **(headers or {})})
    return web.Response(status=status, text=TEXT.get(status, f"{status}: Error"), headers=headers)


class V2Api:
    routes = ROUTES
    retrieve_path = "/api/retrieve-key/{}"

    @staticmethod
    def authorization(key: str) -> str:
        return key

    def __init__(self, economy: V2Economy, *, offer_application_endpoint: bool = False):
        self.economy = economy
        self.offer_application_endpoint = offer_application_endpoint

    @staticmethod
    def grant_query(ref_id: str, application_id: str) -> str:
        # The query name is `ref` (the docs' prose says `ref_id`, which gives 400).
        return urlencode({"ref": ref_id, "aid": application_id})

    @staticmethod
    def error_response(status: int, *, headers: dict[str, str] | None = None) -> web.Response:
        return text_response(status, headers)

    async def handle(self, request: web.Request, raw_path: str) -> web.StreamResponse:
        if raw_path.startswith("/api/oauth/"):
            return await self._grant_page(request, raw_path)
        try:
            key = self.economy.authenticate(request.headers.get("Authorization"))
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
                return web.json_response(self.economy.application_json(key.application_id))
            case ["api", "users", user] if method == "GET":
                return self._user_account(key, user)
            case ["api", "accounts", "by-name", name] if method == "GET":
                account = self.economy.find_by_name(name, self.economy.economy_of(key))
                return web.json_response(self.economy.account_json(account, key))
            case ["api", "accounts", account_id] if method == "GET":
                return self._account_by_id(key, account_id)
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
        body = await json_body(request, {"ref_id"})
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
            # A master key is answered too: with its application owner's personal account, if they have one.
            user_id = key.user_id if key.kind == "grant" else self.economy.applications[key.application_id].owner_id
        elif user.isascii() and user.isdigit():
            user_id = int(user)
        else:
            raise Outcome(404)
        account = self.economy.personal_account(user_id)
        if account is None:
            raise Outcome(404)
        return web.json_response(self.economy.account_json(account, key))

    def _account_by_id(self, key: ApiKey, account_id: str) -> web.StreamResponse:
        if key.kind != "grant":
            raise Outcome(401)
        account = self.economy.accounts.get(account_id)
        if account is None:
            raise Outcome(404)
        return web.json_response(self.economy.account_json(account, key))

    async def _create_transaction(self, request: web.Request, key: ApiKey) -> web.StreamResponse:
        body = await json_body(request, {"from_account", "to_account", "amount"})
        from_id, to_id, amount = body["from_account"], body["to_account"], body["amount"]
        for account_id in (from_id, to_id):
            try:
                uuid.UUID(str(account_id))
            except ValueError:
                raise Outcome(500) from None
        if isinstance(amount, bool | float):
            amount = int(amount)  # `true` counts as 1; floats are truncated
        elif not isinstance(amount, int):
            raise Outcome(500)  # e.g. "12.50": the server crashes converting it
        self.economy.transfer(key, str(from_id), str(to_id), amount)
        return text_response(200)

    # -- the grant page ---------------------------------------------------------------------------------

    async def _grant_page(self, request: web.Request, raw_path: str) -> web.StreamResponse:
        login = raw_path == "/api/oauth/login"
        if not (login or raw_path.rstrip("/") == "/api/oauth/grant") or request.method not in ("GET", "POST"):
            return text_response(404)
        values = dict(request.query) if request.method == "GET" else {**request.query, **(await request.post())}
        ref_id, application_id = values.get("ref"), values.get("aid")
        if not ref_id or not application_id:
            return text_response(400)  # including the docs' `ref_id=` spelling
        application = self.economy.applications.get(application_id)
        if application is None:
            return text_response(400)
        user = str(values.get("user_id", ""))
        if login:
            return _html(grant_page.ask_for_user({"ref": ref_id, "aid": application_id}, application.name,
                                                 action="grant"))
        if not (user.isascii() and user.isdigit()):
            # The real server sends the person to Discord's login here; the sandbox's stand-in asks for an id.
            return web.Response(status=303, headers={"Location": f"/api/oauth/login?"
                                                                 f"{self.grant_query(ref_id, application_id)}"})
        if request.method == "GET":
            return _html(grant_page.choose_permissions(ref_id, application_id, application.name, int(user),
                                                       self.economy.accounts_of(int(user))))
        return self._submit(ref_id, int(user), await request.post())

    def _submit(self, ref_id: str, user_id: int, form) -> web.StreamResponse:
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


async def json_body(request: web.Request, required: set[str], *, optional: set[str] = frozenset()) -> dict:
    """A v2 body: JSON with exactly the expected keys (else 400), or a crash (500) when it is not JSON."""
    try:
        body = json.loads(await request.text())
    except ValueError:
        raise Outcome(500) from None  # e.g. a form-encoded body: the real server crashes decoding it
    if not isinstance(body, dict) or not required <= set(body) <= required | optional:
        raise Outcome(400)
    return body


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
