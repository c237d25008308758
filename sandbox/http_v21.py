"""Taubot v2.1 over HTTP (TAUBOT_API_V21.md): FastAPI's shapes. JSON bodies everywhere (errors as
{"detail": string | object | list}) except unhandled crashes (text/plain), 307 for a trailing slash, 405 with
Allow for a wrong method, 404 for unknown routes with or without a key, and a grant page reached through
`ref_id`/`app_id` that picks one account."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote, urlencode

from aiohttp import web

from . import grant_page
from .economy import Outcome
from .economy_v21 import V21Economy, permissions_in
from .validation import Fields, refuse_body

REASONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
           422: "Unprocessable Entity", 429: "Too Many Requests"}
ROUTES = {
    "register_reference": "POST /api/references/register",
    "retrieve_key": "GET /api/references/",
    "grant_page": "GET /api/oauth/grant",
    "application": "GET /api/applications/me",
    "user_account": "GET /api/accounts?user_id=*",
    "account_by_name": "GET /api/accounts?name=*",
    "account_by_id": "GET /api/accounts/",
    "transactions": "GET /api/transactions",
    "transfer": "POST /api/transactions/create",
}
Handler = Callable[..., Awaitable[web.StreamResponse]]


def render(outcome: Outcome) -> web.Response:
    if outcome.crash or (outcome.status >= 500 and outcome.detail is None):
        return web.Response(status=outcome.status, text="Internal Server Error")
    detail = outcome.detail if outcome.detail is not None else REASONS.get(outcome.status, "Error")
    return web.json_response({"detail": detail}, status=outcome.status)


class V21Api:
    routes = ROUTES
    retrieve_path = "/api/references/{}"

    @staticmethod
    def authorization(key: str) -> str:
        return f"Bearer {key}"

    def __init__(self, economy: V21Economy, *, offer_application_endpoint: bool = True):
        del offer_application_endpoint  # v2.1 always offers /applications/me
        self.economy = economy
        self.table: list[tuple[tuple[str, ...], dict[str, Handler]]] = [
            (("api", "references", "register"), {"POST": self._register, "PATCH": self._register_update}),
            (("api", "references", "{}"), {"GET": self._retrieve}),
            (("api", "applications", "{}"), {"GET": self._application}),
            (("api", "accounts"), {"GET": self._account_by_query}),
            (("api", "accounts", "{}"), {"GET": self._account_by_id}),
            (("api", "transactions", "create"), {"POST": self._transfer}),
            (("api", "transactions"), {"GET": self._log}),
            (("api", "oauth", "grant"), {"GET": self._grant_link}),
            (("api", "oauth", "login"), {"GET": self._login}),
            (("api", "oauth", "protected", "grant"), {"GET": self._choose_account}),
            (("api", "oauth", "submit"), {"POST": self._submit}),
            (("api", "oauth", "authorized"), {"GET": self._authorized}),
        ]

    @staticmethod
    def grant_query(ref_id: str, application_id: str) -> str:
        return urlencode({"ref_id": ref_id, "app_id": application_id})

    @staticmethod
    def error_response(status: int, *, headers: dict[str, str] | None = None) -> web.Response:
        if status < 300:
            return web.json_response({"detail": "Created" if status == 201 else "OK"}, status=status)
        response = render(Outcome(status))
        response.headers.update(headers or {})
        return response

    # -- routing --------------------------------------------------------------------------------------

    async def handle(self, request: web.Request, raw_path: str) -> web.StreamResponse:
        try:
            return await self._route(request, raw_path)
        except Outcome as outcome:
            return render(outcome)

    async def _route(self, request: web.Request, raw_path: str) -> web.StreamResponse:
        segments = [unquote(part) for part in raw_path.split("/")[1:]]
        allowed: set[str] = set()
        for pattern, methods in self.table:
            params = _match(pattern, segments)
            if params is None:
                continue
            if request.method in methods:
                return await methods[request.method](request, *params)
            allowed |= set(methods)
        if allowed:
            return web.json_response({"detail": "Method Not Allowed"}, status=405,
                                     headers={"Allow": ", ".join(sorted(allowed))})
        if raw_path.endswith("/") and any(_match(p, segments[:-1]) is not None for p, _ in self.table):
            query = f"?{request.query_string}" if request.query_string else ""
            return redirect(307, raw_path.rstrip("/") + query)
        raise Outcome(404)

    def _key(self, request: web.Request, *kinds: str):
        return self.economy.authenticate(request.headers.get("Authorization"), *kinds)

    # -- references -----------------------------------------------------------------------------------

    async def _register(self, request: web.Request) -> web.StreamResponse:
        key = self._key(request, "master", "grant")
        fields = Fields()
        bitmask = fields.integer(dict(request.query), "permissions", "query")
        fields.check()
        if key.kind != "master":
            raise Outcome(403, "New references must be created using the original master key")
        if bitmask <= 0:
            raise Outcome(400, "Must provide permissions")
        if not permissions_in(bitmask):
            raise Outcome(400, "Minimum permissions bitmask malformed or invalid")
        ref_id = self.economy.create_reference(key.application_id, permissions_in(bitmask))
        return web.json_response({"uuid": ref_id}, status=201)

    async def _register_update(self, request: web.Request) -> web.StreamResponse:
        key = self._key(request, "master", "grant")
        fields = Fields()
        bitmask = fields.integer(dict(request.query), "permissions", "query", default=None)
        fields.check()
        if key.kind != "grant":
            raise Outcome(403, "Update references must be created using the original grant key")
        if bitmask and bitmask > 0 and not permissions_in(bitmask):
            raise Outcome(400, "Permissions bitmask malformed or invalid")
        wanted = permissions_in(bitmask) if bitmask and bitmask > 0 else set()
        return web.json_response({"uuid": self.economy.create_reference(key.application_id, wanted, replaces=key)})

    async def _retrieve(self, request: web.Request, ref_id: str) -> web.StreamResponse:
        key = self._key(request, "master", "grant")
        if ref_id.lower() == "register":
            raise Outcome(405, "Method Not Allowed")
        try:
            ref_id = str(uuid.UUID(ref_id))
        except ValueError:
            raise Outcome(400, "Reference UUID malformed or invalid") from None
        return web.json_response({"key": self.economy.retrieve_key(ref_id, by=key)})

    # -- reading --------------------------------------------------------------------------------------

    async def _application(self, request: web.Request, application_id: str) -> web.StreamResponse:
        key = self._key(request, "master", "grant")
        if application_id.lower() == "me":
            return web.json_response(self.economy.application_json(key.application_id))
        try:
            application_id = str(uuid.UUID(application_id))
        except ValueError:
            raise Outcome(400, "Application UUID malformed or invalid") from None
        if application_id not in self.economy.applications:
            raise Outcome(404, "Application not found")
        return web.json_response(self.economy.application_json(application_id))

    async def _account_by_query(self, request: web.Request) -> web.StreamResponse:
        key = self._key(request, "master", "grant")
        user_id, name = request.query.get("user_id"), request.query.get("name")
        if (user_id is None) == (name is None):
            raise Outcome(400, "Must provide only one of the following parameters: user_id, name")
        economy_id = self.economy.economy_of(key)
        if user_id:
            try:
                account = self.economy.personal_account(int(user_id), economy_id)
            except ValueError:
                raise Outcome(400, "Non-integer user ID") from None
            if account is None:
                raise Outcome(404, "Account not found")
        elif not name:
            raise Outcome(500, crash=True)  # an empty value falls through to an assertion
        else:
            account = self.economy.find_by_name(name, economy_id)
        return web.json_response(self.economy.account_json(account, key))

    async def _account_by_id(self, request: web.Request, account_id: str) -> web.StreamResponse:
        key = self._key(request, "master", "grant")
        try:
            account = self.economy.accounts.get(str(uuid.UUID(account_id)))
        except ValueError:
            raise Outcome(400, "Account UUID malformed or invalid") from None
        if account is None:
            raise Outcome(404, "Account not found")
        return web.json_response(self.economy.account_json(account, key))

    async def _log(self, request: web.Request) -> web.StreamResponse:
        key = self._key(request, "grant")
        fields, query = Fields(), dict(request.query)
        window = {name: fields.integer(query, name, "query", default=default)
                  for name, default in (("limit", 25), ("sort", 0), ("before", None), ("after", None))}
        fields.check()
        return web.json_response(self.economy.own_log(key, **window))

    # -- paying ---------------------------------------------------------------------------------------

    async def _transfer(self, request: web.Request) -> web.StreamResponse:
        body = await _json_object(request)  # an unreadable body is refused before the key is even looked at
        key = self._key(request, "grant")
        fields = Fields()
        to_account = fields.text(body, "to_account_id", "body")
        amount = fields.integer(body, "amount", "body")
        fields.check()
        self.economy.transfer(key, None, to_account, amount)
        return web.json_response({"detail": "Successfully performed transaction"})

    # -- the grant pages (no key: a person's browser) -------------------------------------------------

    async def _grant_link(self, request: web.Request) -> web.StreamResponse:
        ref_id, application_id = self._reference_fields(request.query)
        # The real server sends the person to Discord's login here; the sandbox's stand-in asks for an id.
        return redirect(307, f"/api/oauth/login?{self.grant_query(ref_id, application_id)}")

    async def _login(self, request: web.Request) -> web.StreamResponse:
        ref_id, application_id = self._reference_fields(request.query)
        name = self.economy.applications[application_id].name
        return _html(grant_page.ask_for_user({"ref_id": ref_id, "app_id": application_id}, name,
                                             action="protected/grant"))

    async def _choose_account(self, request: web.Request) -> web.StreamResponse:
        ref_id, application_id = self._reference_fields(request.query)
        user = request.query.get("user_id", "")
        if not (user.isascii() and user.isdigit()):
            raise Outcome(401, "Unauthorized access, please login again")
        reference = self.economy.pending(ref_id, application_id)
        accounts = ([self.economy.accounts[reference.replaces.account_id]] if reference.replaces is not None
                    else self.economy.accounts_of(int(user)))
        if not accounts:
            return web.json_response({"detail": "No authenticable accounts found. Please try again."})
        fields = {"ref_id": ref_id, "app_id": application_id, "user_id": user}
        return _html(grant_page.choose_account(fields, self.economy.applications[application_id].name, accounts))

    async def _submit(self, request: web.Request) -> web.StreamResponse:
        form = dict(await request.post())
        reference = self.economy.pending(str(form.get("ref_id", "")), str(form.get("app_id", "")))
        user = str(form.get("user_id", ""))
        if reference is None or not (user.isascii() and user.isdigit()):
            raise Outcome(401, "Unauthorized application")
        account_id, limit = _grant_form(form)
        account = self.economy.accounts.get(account_id)
        if account is None:
            raise Outcome(400, "Something went wrong, please try logging in again")
        own = account.owner_id == int(user) if reference.replaces is None else (
            account.account_id == reference.replaces.account_id)
        if not own:
            raise Outcome(401, "You do not have the permissions required by the application for this account")
        self.economy.submit_grant(reference.ref_id, int(user), spending_limit=limit,
                                  permissions={account.account_id: set(reference.permissions)})
        return redirect(303, "/api/oauth/authorized")

    async def _authorized(self, request: web.Request) -> web.StreamResponse:
        return _html(grant_page.granted())

    def _reference_fields(self, query) -> tuple[str, str]:
        fields = Fields()
        ref_id, application_id = (fields.text(dict(query), name, "query") for name in ("ref_id", "app_id"))
        fields.check()
        try:
            ref_id, application_id = str(uuid.UUID(ref_id)), str(uuid.UUID(application_id))
        except ValueError:
            raise Outcome(400, "Reference or application UUID malformed or invalid") from None
        if application_id not in self.economy.applications:
            raise Outcome(404, "Application not found")
        if self.economy.pending(ref_id, application_id) is None:
            raise Outcome(404, "Unregistered reference, please contact the application")
        return ref_id, application_id


def _match(pattern: tuple[str, ...], segments: list[str]) -> list[str] | None:
    """The path parameters if `segments` fit `pattern` ('{}' is one non-empty segment), else None."""
    if len(pattern) != len(segments):
        return None
    params = []
    for expected, actual in zip(pattern, segments, strict=True):
        if expected == "{}":
            if not actual:
                return None
            params.append(actual)
        elif expected != actual:
            return None
    return params


def _grant_form(form: dict[str, Any]) -> tuple[str, int | None]:
    """The picked account and the limit: empty or "no limit" ticked is None (no limit)."""
    account = str(form.get("account", ""))
    try:
        account_id = str(uuid.UUID(account))
    except ValueError:
        raise Outcome(500, crash=True) from None  # the real server converts it unchecked
    raw_limit = str(form.get("spending_limit", "")).strip()
    if form.get("no_limit") or not raw_limit:
        return account_id, None
    fields = Fields()
    limit = fields.integer({"spending_limit": raw_limit}, "spending_limit", "body")
    fields.check()
    return account_id, limit


async def _json_object(request: web.Request) -> dict:
    try:
        body = json.loads(await request.text())
    except ValueError:
        raise refuse_body("json_invalid", "JSON decode error") from None
    if not isinstance(body, dict):
        raise refuse_body("model_attributes_type", "Input should be a valid dictionary or object")
    return body


def _html(page: str, *, status: int = 200) -> web.Response:
    return web.Response(text=page, content_type="text/html", status=status)


def redirect(status: int, location: str) -> web.Response:
    return web.Response(status=status, headers={"Location": location})
