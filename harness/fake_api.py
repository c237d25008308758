"""A stand-in for Discord's HTTP API, installed as discord.py's aiohttp session.

Both of discord.py's HTTP paths (HTTPClient.request for DMs and message edits, the webhook adapter for
interaction callbacks and followups) call `session.request(...)` and read `status`, `headers`, `reason` and
`text()`. This class answers those calls from an in-memory model of Discord (messages, DM channels,
interactions), so discord.py's own JSON encoding, rate-limit handling and status→exception mapping all run.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from multidict import CIMultiDict, CIMultiDictProxy

from .limits import INVALID_FORM_BODY, choice_problems, message_problems, modal_problems
from .messages import (
    EPHEMERAL_FLAG,
    LABEL,
    LOADING_FLAG,
    TEXT_INPUT,
    InteractionOutcome,
    ModalView,
    SentFile,
    SentMessage,
)
from .payloads import FakeUser, SnowflakeFactory, dm_channel_payload, iso_now

API_PREFIX = "/api/v10"
# Discord error codes the bot must handle.
UNKNOWN_INTERACTION = 10062
CANNOT_DM_USER = 50007
MISSING_ACCESS = 50001
MISSING_PERMISSIONS = 50013
UNKNOWN_MESSAGE = 10008
INTERACTION_ALREADY_ACKNOWLEDGED = 40060


class HarnessError(AssertionError):
    """The bot did something Discord would not accept, or the test asked for something impossible."""


@dataclass
class Delay:
    """An injected slow answer (Discord lagging) for the next `times` requests to a route."""

    route: str
    seconds: float
    times: int
    user_id: int | None = None


@dataclass
class Hold:
    """A request kept waiting until the test releases it: after Discord did it (a DM arrives, but the bot that
    sent it has not heard back, as if it stalled or died right then), or `before` Discord does anything (the bot
    stopped just before the request went out)."""

    route: str
    user_id: int | None = None
    before: bool = False
    times: int = 1
    arrived: asyncio.Event = field(default_factory=asyncio.Event)  # the request reached the hold
    released: asyncio.Event = field(default_factory=asyncio.Event)

    def release(self) -> None:
        self.times = 0  # not taken any more, if it was never reached
        self.released.set()


@dataclass
class Fault:
    """An injected failure for the next `times` requests to a route."""

    route: str
    status: int
    code: int
    message: str
    times: int
    retry_after: float | None = None
    user_id: int | None = None


@dataclass
class RecordedRequest:
    method: str
    route: str
    path: str
    params: dict[str, str]
    body: Any
    status: int
    files: list[SentFile] = field(default_factory=list)


@dataclass
class InteractionState:
    outcome: InteractionOutcome
    interaction_type: int
    channel_id: int
    dispatched_at: float
    source_message: SentMessage | None = None  # the message a component was on
    dm_user_id: int | None = None


class FakeResponse:
    """Just enough of aiohttp.ClientResponse for discord.py's request loops."""

    def __init__(self, method: str, url: str, status: int, body: Any, headers: dict[str, str] | None = None):
        self.method = method
        self.url = url
        self.status = status
        self.reason = _REASONS.get(status, "Unknown")
        merged = {"Content-Type": "application/json"} if not isinstance(body, str) else {"Content-Type": "text/plain"}
        merged.update(headers or {})
        self.headers = CIMultiDictProxy(CIMultiDict(merged))
        self._text = body if isinstance(body, str) else json.dumps(body)

    async def text(self, encoding: str = "utf-8") -> str:
        return self._text

    async def json(self, **_: Any) -> Any:
        return json.loads(self._text)

    async def read(self) -> bytes:
        return self._text.encode()

    def release(self) -> None:
        pass

    async def __aenter__(self) -> FakeResponse:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        pass


_REASONS = {200: "OK", 204: "No Content", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
            404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
            503: "Service Unavailable"}


class _Routes:
    """Method + path pattern → route name; the names are what tests use to inject failures."""

    def __init__(self) -> None:
        self._table: list[tuple[str, re.Pattern[str], str]] = []

    def add(self, method: str, pattern: str, name: str) -> None:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern)
        self._table.append((method, re.compile(f"^{regex}$"), name))

    def match(self, method: str, path: str) -> tuple[str, dict[str, str]] | None:
        for route_method, regex, name in self._table:
            if route_method == method and (found := regex.match(path)):
                return name, found.groupdict()
        return None


# The routes that create or edit a message, whose body Discord checks against its limits.
MESSAGE_ROUTES = frozenset({"edit_original", "followup", "edit_followup", "send_message", "edit_message"})

ROUTES = _Routes()
ROUTES.add("GET", "/users/@me", "get_me")
ROUTES.add("GET", "/oauth2/applications/@me", "application_info")
ROUTES.add("POST", "/interactions/{interaction_id}/{token}/callback", "interaction_callback")
ROUTES.add("GET", "/webhooks/{application_id}/{token}/messages/@original", "get_original")
ROUTES.add("PATCH", "/webhooks/{application_id}/{token}/messages/@original", "edit_original")
ROUTES.add("DELETE", "/webhooks/{application_id}/{token}/messages/@original", "delete_original")
ROUTES.add("POST", "/webhooks/{application_id}/{token}", "followup")
ROUTES.add("GET", "/webhooks/{application_id}/{token}/messages/{message_id}", "get_followup")
ROUTES.add("PATCH", "/webhooks/{application_id}/{token}/messages/{message_id}", "edit_followup")
ROUTES.add("DELETE", "/webhooks/{application_id}/{token}/messages/{message_id}", "delete_followup")
ROUTES.add("POST", "/users/@me/channels", "create_dm")
ROUTES.add("POST", "/channels/{channel_id}/messages", "send_message")
ROUTES.add("GET", "/channels/{channel_id}/messages/{message_id}", "get_message")
ROUTES.add("PATCH", "/channels/{channel_id}/messages/{message_id}", "edit_message")
ROUTES.add("DELETE", "/channels/{channel_id}/messages/{message_id}", "delete_message")
ROUTES.add("GET", "/users/{user_id}", "get_user")
ROUTES.add("PUT", "/applications/{application_id}/commands", "sync_global_commands")
ROUTES.add("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", "sync_guild_commands")
ROUTES.add("GET", "/applications/{application_id}/commands", "get_global_commands")


class FakeDiscordAPI:
    """Discord's REST API in memory. Installed in place of discord.py's aiohttp session."""

    # How long Discord waits for the first response to an interaction before the token stops working.
    RESPONSE_DEADLINE_SECONDS = 3.0

    def __init__(self, *, bot_user: FakeUser, application_id: int, new_id: SnowflakeFactory):
        self.bot_user = bot_user
        self.application_id = application_id
        self.new_id = new_id
        self.users: dict[int, FakeUser] = {bot_user.id: bot_user}
        self.messages: dict[int, SentMessage] = {}
        self.dm_channels: dict[int, int] = {}  # channel id → user id
        self.interactions: dict[str, InteractionState] = {}
        self.requests: list[RecordedRequest] = []
        self.faults: list[Fault] = []
        self.delays: list[Delay] = []
        self.holds: list[Hold] = []
        self._every_hold: list[Hold] = []  # used up or not
        self.problems: list[str] = []  # things the bot did that Discord would reject outright
        self.registered_commands: dict[int | None, list[dict[str, Any]]] = {}
        self.closed = False
        self.rejected_tokens: set[str] = set()  # tokens Discord answers with 401 at login
        self.response_deadline = self.RESPONSE_DEADLINE_SECONDS
        self.on_request: Callable[[RecordedRequest], None] | None = None
        self.on_message: Callable[[SentMessage], None] | None = None  # told of every message sent or edited
        self.members_of_bot_servers: set[int] = set()  # whom the bot can DM (set by the driver)
        self.channels_without_bot: set[int] = set()  # other servers' channels, private channels
        self.channels_bot_may_not_post: set[int] = set()  # the bot is there, without Send Messages

    # -- aiohttp.ClientSession surface ----------------------------------------------------------------

    def request(self, method: str, url: str, **kwargs: Any) -> FakeResponse:
        return _PendingResponse(self, method, url, kwargs)  # type: ignore[return-value]

    def get(self, url: str, **kwargs: Any) -> FakeResponse:
        return self.request("GET", url, **kwargs)

    async def close(self) -> None:
        self.closed = True
        for hold in self._every_hold:  # nothing stays held by a Discord that is gone
            hold.release()

    async def ws_connect(self, *args: Any, **kwargs: Any) -> Any:
        raise HarnessError("the harness has no gateway; the bot must not connect a websocket in tests")

    # -- failure injection ----------------------------------------------------------------------------

    def fail_next(self, route: str, *, status: int, code: int = 0, message: str = "", times: int = 1,
                  retry_after: float | None = None, user: FakeUser | None = None) -> None:
        if route not in {name for _, _, name in ROUTES._table}:
            raise HarnessError(f"unknown route {route!r}")
        self.faults.append(Fault(route, status, code, message or _REASONS.get(status, "Error"), times,
                                 retry_after, user.id if user else None))

    def delay_next(self, route: str, seconds: float, *, times: int = 1, user_id: int | None = None) -> None:
        """Answer the next `times` requests to `route` (for `user_id` only, if given) `seconds` late."""
        if route not in {name for _, _, name in ROUTES._table}:
            raise HarnessError(f"unknown route {route!r}")
        self.delays.append(Delay(route, seconds, times, user_id))

    def hold_next(self, route: str, *, user_id: int | None = None, before: bool = False) -> Hold:
        """Keep the next request to `route` (for `user_id` only, if given) waiting until the returned hold's
        release(): after Discord did what it asks, or `before`. No timer to race."""
        if route not in {name for _, _, name in ROUTES._table}:
            raise HarnessError(f"unknown route {route!r}")
        hold = Hold(route, user_id, before)
        self.holds.append(hold)
        self._every_hold.append(hold)
        return hold

    def _take_rule(self, route: str, user_id: int | None, faults: list | None = None):
        """The first rule (a Fault; a Delay or a Hold from `self.delays` or `self.holds`) for this route and user,
        used up once."""
        faults = self.faults if faults is None else faults
        for fault in faults:
            if fault.route == route and fault.times > 0 and fault.user_id in (None, user_id):
                fault.times -= 1
                if fault.times == 0:
                    faults.remove(fault)
                return fault
        return None

    # -- dispatch -------------------------------------------------------------------------------------

    async def handle(self, method: str, url: str, kwargs: dict[str, Any]) -> FakeResponse:
        await asyncio.sleep(0)  # a real request always yields to the loop
        parts = urlsplit(url)
        path = parts.path.removeprefix(API_PREFIX)
        params = {key: str(value) for key, value in (kwargs.get("params") or {}).items()}
        body, files = _decode_body(kwargs.get("data"))
        matched = ROUTES.match(method, path)
        if matched is None:
            self.problems.append(f"the bot called {method} {path}, which the harness does not model")
            return self._record(method, "unknown", path, params, body, files, 404,
                                {"message": "404: Not Found", "code": 0})
        route, arguments = matched
        target_user = self._user_of_request(route, arguments, body)
        hold = self._take_rule(route, target_user, self.holds)
        if hold is not None and hold.before:
            await self._held(hold)
        delay = self._take_rule(route, target_user, self.delays)
        if delay is not None:
            await asyncio.sleep(delay.seconds)
        refused = self._over_limits(route, body)
        if refused:
            self.problems.append(f"Discord refused {method} {path} (Invalid Form Body): " + "; ".join(refused))
            return self._record(method, route, path, params, body, files, 400, {
                "message": "Invalid Form Body", "code": INVALID_FORM_BODY, "errors": {"_errors": refused}})
        fault = self._take_rule(route, target_user)
        if fault is not None:
            error: dict[str, Any] = {"message": fault.message, "code": fault.code}
            headers = {}
            if fault.status == 429:
                error["retry_after"] = fault.retry_after if fault.retry_after is not None else 0.01
                error["global"] = False
                headers = {"Via": "1.1 google", "Retry-After": str(error["retry_after"])}
            return self._record(method, route, path, params, body, files, fault.status, error, headers)
        handler = getattr(self, f"_on_{route}")
        status, response_body = handler(arguments, body, files, params)
        if hold is not None and not hold.before:
            await self._held(hold)
        return self._record(method, route, path, params, body, files, status, response_body)

    @staticmethod
    async def _held(hold: Hold) -> None:
        hold.arrived.set()
        await hold.released.wait()

    @staticmethod
    def _over_limits(route: str, body: Any) -> list[str]:
        """What Discord would refuse in this request for breaking one of its length limits (limits.py)."""
        if route in MESSAGE_ROUTES:
            return message_problems(body)
        if route != "interaction_callback" or not isinstance(body, dict):
            return []
        data = body.get("data") or {}
        if body.get("type") == 8:
            return choice_problems(data.get("choices") or [])
        return modal_problems(data) if body.get("type") == 9 else message_problems(data)

    def _record(self, method: str, route: str, path: str, params: dict[str, str], body: Any,
                files: list[SentFile], status: int, response_body: Any,
                headers: dict[str, str] | None = None) -> FakeResponse:
        recorded = RecordedRequest(method, route, path, params, body, status, files)
        self.requests.append(recorded)
        if self.on_request is not None:
            self.on_request(recorded)
        return FakeResponse(method, path, status, "" if status == 204 else response_body, headers)

    def _user_of_request(self, route: str, arguments: dict[str, str], body: Any) -> int | None:
        if route == "create_dm" and isinstance(body, dict):
            return int(body.get("recipient_id", 0))
        if route in ("send_message", "edit_message") and int(arguments["channel_id"]) in self.dm_channels:
            return self.dm_channels[int(arguments["channel_id"])]
        return None

    # -- route handlers: each returns (status, JSON body) ---------------------------------------------

    def _on_get_me(self, *_: Any) -> tuple[int, Any]:
        return 200, self.bot_user.payload()

    def _on_application_info(self, *_: Any) -> tuple[int, Any]:
        return 200, {
            "id": str(self.application_id), "name": self.bot_user.username, "icon": None,
            "description": "", "rpc_origins": [], "bot_public": True, "bot_require_code_grant": False,
            "owner": self.users[self.bot_user.id].payload(), "verify_key": "0" * 64, "flags": 0,
            "summary": "", "team": None, "bot": self.bot_user.payload(),
        }

    def _on_interaction_callback(self, arguments, body, files, params) -> tuple[int, Any]:
        state = self.interactions.get(arguments["token"])
        if state is None or str(state.outcome.interaction_id) != arguments["interaction_id"]:
            return 404, {"message": "Unknown interaction", "code": UNKNOWN_INTERACTION}
        outcome = state.outcome
        if outcome.responded:
            return 400, {"message": "Interaction has already been acknowledged.",
                         "code": INTERACTION_ALREADY_ACKNOWLEDGED}
        if time.monotonic() - state.dispatched_at > self.response_deadline:
            outcome.responded_late = True
            return 404, {"message": "Unknown interaction", "code": UNKNOWN_INTERACTION}
        response_type, data = body["type"], body.get("data") or {}
        outcome.response_type = response_type
        outcome.first_response_at = time.perf_counter()
        if response_type not in (5, 6):  # 5 and 6 only acknowledge: the member sees no answer yet
            outcome.answered_at = outcome.first_response_at
        summary: dict[str, Any] = {"id": str(outcome.interaction_id), "type": state.interaction_type}
        if response_type in (4, 5):  # a new message (5: the "thinking…" placeholder)
            flags = int(data.get("flags") or 0) | (LOADING_FLAG if response_type == 5 else 0)
            message = self._new_message(state.channel_id, {**data, "flags": flags}, files, state.dm_user_id,
                                        interaction=state)
            outcome.message = message
            summary.update(response_message_id=str(message.id), response_message_loading=response_type == 5,
                           response_message_ephemeral=message.ephemeral)
            return 200, {"interaction": summary, "resource": {"type": response_type,
                                                              "message": self.message_payload(message)}}
        if response_type in (6, 7):  # acknowledge a component; 7 also edits the message it was on
            message = state.source_message
            if message is None:
                raise HarnessError("an update response needs a component or modal interaction on a message")
            if response_type == 7:
                message.apply_edit(data, files)
                self._observe(message)
            outcome.message = message
            summary.update(response_message_id=str(message.id), response_message_loading=False,
                           response_message_ephemeral=message.ephemeral)
            resource = {"type": response_type, "message": self.message_payload(message)}
            return 200, {"interaction": summary, "resource": resource} if response_type == 7 else {
                "interaction": summary}
        if response_type == 8:
            outcome.choices = data.get("choices", [])
            return 200, {"interaction": summary}
        if response_type == 9:
            outcome.modal = _modal_view(data)
            return 200, {"interaction": summary}
        raise HarnessError(f"interaction response type {response_type} is not modelled")

    def _interaction_for(self, arguments: dict[str, str]) -> InteractionState | None:
        if int(arguments["application_id"]) != self.application_id:
            return None
        return self.interactions.get(arguments["token"])

    def _webhook_message(self, arguments: dict[str, str]) -> tuple[InteractionState | None, SentMessage | None]:
        state = self._interaction_for(arguments)
        if state is None:
            return None, None
        message_id = arguments.get("message_id")
        if message_id is None:  # @original
            return state, state.outcome.message
        message = self.messages.get(int(message_id))
        return state, message

    def _on_get_original(self, arguments, *_: Any) -> tuple[int, Any]:
        return self._on_get_followup(arguments)

    def _on_get_followup(self, arguments, *_: Any) -> tuple[int, Any]:
        _, message = self._webhook_message(arguments)
        if message is None or message.deleted:
            return 404, {"message": "Unknown Message", "code": UNKNOWN_MESSAGE}
        return 200, self.message_payload(message)

    def _on_edit_original(self, arguments, body, files, params) -> tuple[int, Any]:
        return self._on_edit_followup(arguments, body, files, params)

    def _on_edit_followup(self, arguments, body, files, params) -> tuple[int, Any]:
        state, message = self._webhook_message(arguments)
        if state is None:
            return 404, {"message": "Unknown Webhook", "code": 10015}
        if message is None or message.deleted:
            return 404, {"message": "Unknown Message", "code": UNKNOWN_MESSAGE}
        message.apply_edit(body or {}, files)
        self._observe(message)
        _note_answer(state.outcome)
        return 200, self.message_payload(message)

    def _on_delete_original(self, arguments, *_: Any) -> tuple[int, Any]:
        return self._on_delete_followup(arguments)

    def _on_delete_followup(self, arguments, *_: Any) -> tuple[int, Any]:
        _, message = self._webhook_message(arguments)
        if message is None or message.deleted:
            return 404, {"message": "Unknown Message", "code": UNKNOWN_MESSAGE}
        message.deleted = True
        return 204, ""

    def _on_followup(self, arguments, body, files, params) -> tuple[int, Any]:
        state = self._interaction_for(arguments)
        if state is None:
            return 404, {"message": "Unknown Webhook", "code": 10015}
        if not state.outcome.responded:
            self.problems.append("the bot sent a followup before responding to the interaction")
            return 404, {"message": "Unknown Webhook", "code": 10015}
        _note_answer(state.outcome)
        original = state.outcome.message
        if original is not None and original.loading and not state.outcome.followups:
            # After a "thinking…" defer, Discord turns the first followup into the original response.
            original.apply_edit({key: value for key, value in (body or {}).items() if key != "flags"}, files)
            self._observe(original)
            return 200, self.message_payload(original)
        message = self._new_message(state.channel_id, body or {}, files, state.dm_user_id, interaction=state)
        state.outcome.followups.append(message)
        return 200, self.message_payload(message)

    def _on_create_dm(self, arguments, body, *_: Any) -> tuple[int, Any]:
        user = self.users.get(int(body["recipient_id"]))
        if user is None:
            return 400, {"message": "Invalid Recipient(s)", "code": 50033}
        channel_id = next((cid for cid, uid in self.dm_channels.items() if uid == user.id), None)
        if channel_id is None:
            channel_id = self.new_id()
            self.dm_channels[channel_id] = user.id
        return 200, dm_channel_payload(channel_id, user)

    def _on_send_message(self, arguments, body, files, params) -> tuple[int, Any]:
        channel_id = int(arguments["channel_id"])
        if channel_id in self.channels_without_bot:
            return 403, {"message": "Missing Access", "code": MISSING_ACCESS}
        if channel_id in self.channels_bot_may_not_post:
            return 403, {"message": "Missing Permissions", "code": MISSING_PERMISSIONS}
        user_id = self.dm_channels.get(channel_id)
        # A bot can DM only people it shares a server with (a user install does not change that here), and not
        # those who closed their DMs.
        if user_id is not None and (not self.users[user_id].dms_open or user_id not in self.members_of_bot_servers):
            return 403, {"message": "Cannot send messages to this user", "code": CANNOT_DM_USER}
        message = self._new_message(channel_id, body or {}, files, user_id)
        return 200, self.message_payload(message)

    def _on_get_message(self, arguments, *_: Any) -> tuple[int, Any]:
        message = self.messages.get(int(arguments["message_id"]))
        if message is None or message.deleted or message.channel_id != int(arguments["channel_id"]):
            return 404, {"message": "Unknown Message", "code": UNKNOWN_MESSAGE}
        return 200, self.message_payload(message)

    def _on_edit_message(self, arguments, body, files, params) -> tuple[int, Any]:
        message = self.messages.get(int(arguments["message_id"]))
        if message is None or message.deleted or message.channel_id != int(arguments["channel_id"]):
            return 404, {"message": "Unknown Message", "code": UNKNOWN_MESSAGE}
        message.apply_edit(body or {}, files)
        self._observe(message)
        return 200, self.message_payload(message)

    def _on_delete_message(self, arguments, *_: Any) -> tuple[int, Any]:
        message = self.messages.get(int(arguments["message_id"]))
        if message is None or message.deleted:
            return 404, {"message": "Unknown Message", "code": UNKNOWN_MESSAGE}
        message.deleted = True
        return 204, ""

    def _on_get_user(self, arguments, *_: Any) -> tuple[int, Any]:
        user = self.users.get(int(arguments["user_id"]))
        if user is None:
            return 404, {"message": "Unknown User", "code": 10013}
        return 200, user.payload()

    def _on_sync_global_commands(self, arguments, body, *_: Any) -> tuple[int, Any]:
        return self._store_commands(None, body)

    def _on_sync_guild_commands(self, arguments, body, *_: Any) -> tuple[int, Any]:
        return self._store_commands(int(arguments["guild_id"]), body)

    def _on_get_global_commands(self, *_: Any) -> tuple[int, Any]:
        return 200, self.registered_commands.get(None, [])

    def _store_commands(self, guild_id: int | None, body: list[dict[str, Any]]) -> tuple[int, Any]:
        # Discord answers every command with a description ("" for context menus, which send none).
        stored = [{"description": "", **command, "id": str(self.new_id()), "application_id": str(self.application_id),
                   "version": str(self.new_id()), "default_member_permissions": None,
                   **({"guild_id": str(guild_id)} if guild_id else {})} for command in body]
        self.registered_commands[guild_id] = stored
        return 200, stored

    # -- messages -------------------------------------------------------------------------------------

    def _new_message(self, channel_id: int, data: dict[str, Any], files: list[SentFile], dm_user_id: int | None,
                     *, interaction: InteractionState | None = None) -> SentMessage:
        message_id = self.new_id()
        stored = {key: data[key] for key in ("content", "embeds", "components", "flags", "attachments",
                                             "allowed_mentions") if key in data}
        stored.setdefault("flags", 0)
        message = SentMessage(id=message_id, channel_id=channel_id, data=stored, files=list(files),
                              dm_user_id=dm_user_id)
        if interaction is not None:
            message.data["interaction_id"] = interaction.outcome.interaction_id
        self.messages[message_id] = message
        self._observe(message)
        return message

    def _observe(self, message: SentMessage) -> None:
        if self.on_message is not None:
            self.on_message(message)

    def message_payload(self, message: SentMessage) -> dict[str, Any]:
        """The message as Discord returns it (and includes it in component interactions)."""
        data = message.data
        attachments = [
            {"id": str(index + 1), "filename": file.filename, "size": len(file.content),
             "url": f"https://cdn.discordapp.com/attachments/{message.channel_id}/{message.id}/{file.filename}",
             "proxy_url": f"https://media.discordapp.net/attachments/{message.channel_id}/{file.filename}",
             "content_type": file.content_type}
            for index, file in enumerate(message.files)
        ]
        payload: dict[str, Any] = {
            "id": str(message.id), "channel_id": str(message.channel_id), "type": 0,
            "author": self.bot_user.payload(), "content": data.get("content") or "",
            "timestamp": iso_now(), "edited_timestamp": iso_now() if message.versions else None,
            "tts": False, "mention_everyone": False, "mentions": [], "mention_roles": [],
            "attachments": attachments, "embeds": data.get("embeds") or [],
            "components": data.get("components") or [], "pinned": False, "flags": message.flags,
        }
        if "interaction_id" in data:
            payload["type"] = 20
            payload["webhook_id"] = str(self.application_id)
            payload["application_id"] = str(self.application_id)
        return payload


class _PendingResponse:
    """`session.request(...)` is used as `async with`; the request runs on enter."""

    def __init__(self, api: FakeDiscordAPI, method: str, url: str, kwargs: dict[str, Any]):
        self._api, self._method, self._url, self._kwargs = api, method, url, kwargs

    async def __aenter__(self) -> FakeResponse:
        return await self._api.handle(self._method, self._url, self._kwargs)

    async def __aexit__(self, *exc_info: Any) -> None:
        pass

    def __await__(self):
        return self._api.handle(self._method, self._url, self._kwargs).__await__()


def _note_answer(outcome: InteractionOutcome) -> None:
    """The first followup or edit after a defer is when the member sees an answer."""
    if outcome.answered_at is None:
        outcome.answered_at = time.perf_counter()


def _decode_body(data: Any) -> tuple[Any, list[SentFile]]:
    """JSON bodies as parsed JSON; multipart bodies as (payload_json, files)."""
    if data is None:
        return None, []
    if isinstance(data, str | bytes):
        return json.loads(data), []
    if isinstance(data, aiohttp.FormData):
        payload: Any = None
        files: list[SentFile] = []
        # FormData keeps its parts as (options, headers, value); reading them avoids re-parsing multipart bytes.
        for options, headers, value in data._fields:
            if options.get("name") == "payload_json":
                payload = json.loads(value)
                continue
            content = value.read() if hasattr(value, "read") else bytes(value)
            if hasattr(value, "seek"):
                value.seek(0)
            files.append(SentFile(options.get("filename", options["name"]), content,
                                  headers.get("Content-Type")))
        return payload, files
    raise HarnessError(f"unexpected request body type {type(data).__name__}")


def _modal_view(data: dict[str, Any]) -> ModalView:
    inputs: list[dict[str, Any]] = []
    for row in data.get("components", []):
        if row.get("type") == LABEL:
            inner = dict(row["component"])
            inner.setdefault("label", row.get("label"))
            inputs.append(inner)
        for item in row.get("components", []):
            if item.get("type") == TEXT_INPUT:
                inputs.append(item)
    return ModalView(data["custom_id"], data.get("title", ""), inputs, data.get("components", []))


__all__ = ["EPHEMERAL_FLAG", "FakeDiscordAPI", "FakeResponse", "HarnessError", "InteractionState"]
