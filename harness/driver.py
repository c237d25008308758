"""Drive the real bot the way Discord does: log it in offline, feed it INTERACTION_CREATE payloads, and read
back what members would see.

    discord = await FakeDiscord.start(bot)
    alice, bob = discord.user("alice"), discord.user("bob")
    reply = await discord.run_command("pay", by=alice, amount="12.50", user=bob)
    receipt = await discord.press(reply.last, "Confirm", by=alice)

Payloads go through discord.py's own gateway parser (`parsers["INTERACTION_CREATE"]`), so the real
CommandTree, Views, DynamicItems and Modals handle them. Every request the bot makes to Discord lands in
`FakeDiscordAPI`, where failures can be injected.
"""

from __future__ import annotations

import asyncio
import contextvars
import copy
import itertools
import logging
import time
from collections.abc import Callable
from typing import Any

import discord
from discord import app_commands

from .fake_api import FakeDiscordAPI, HarnessError, Hold, InteractionState
from .messages import InteractionOutcome, ModalView, SentMessage
from .payloads import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    CONTEXT_BOT_DM,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    USER_COMMAND,
    FakeGuild,
    FakeUser,
    Place,
    SnowflakeFactory,
    interaction_payload,
    resolved_users,
)
from .places import bot_dm_place, private_channel_place, server_place, why_not_offered

# Application command option types, as Discord numbers them.
SUB_COMMAND, SUB_COMMAND_GROUP, STRING, INTEGER, BOOLEAN, USER, NUMBER = 1, 2, 3, 4, 5, 6, 10
SEND_MESSAGES = 1 << 11

class ErrorLogGuard(logging.Handler):
    """Collects ERROR records from every logger: discord.py only *logs* exceptions raised in callbacks."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def take(self) -> list[logging.LogRecord]:
        taken, self.records = self.records, []
        return taken

    def describe(self) -> str:
        return "\n".join(f"[{r.name}] {r.getMessage()}\n{r.exc_text or ''}" for r in self.records)

class FakeDiscord:
    def __init__(self, api: FakeDiscordAPI, guild: FakeGuild, new_id: SnowflakeFactory):
        self.api = api
        self.guild = guild
        self.new_id = new_id
        self.bot: discord.Client | None = None
        self.error_guard = ErrorLogGuard()
        self._command_ids: dict[str, int] = {}
        # Each command's schema as Discord registered it, made once per command object (a reloaded cog's commands
        # are new objects): building it on every run_command cost the bot, whose commands have options, more
        # harness work per command than the benchmark's naive cog.
        self._schemas: dict[app_commands.Command | app_commands.Group, dict[str, Any]] = {}
        self._other_servers: dict[int, FakeGuild] = {}  # by channel id
        self._private_channels: dict[int, list[FakeUser]] = {}
        api.members_of_bot_servers = guild.member_ids  # the bot can DM only members it shares a server with

    # -- lifecycle ------------------------------------------------------------------------------------

    @classmethod
    async def start(cls, bot: discord.Client, *, bot_name: str = "taubot", process: int = 0) -> FakeDiscord:
        """Log `bot` in against a fresh fake Discord (runs its real setup_hook). `process`: see SnowflakeFactory."""
        new_id = SnowflakeFactory(process)
        bot_user = FakeUser(new_id(), bot_name, bot=True)
        api = FakeDiscordAPI(bot_user=bot_user, application_id=bot_user.id, new_id=new_id)
        owner = FakeUser(new_id(), "server-owner")
        api.users[owner.id] = owner
        guild = FakeGuild(id=new_id(), name="Test Server", owner_id=owner.id, channel_id=new_id(),
                          member_ids={bot_user.id, owner.id})
        fake = cls(api, guild, new_id)
        logging.getLogger().addHandler(fake.error_guard)
        await fake.login(bot)
        return fake

    async def another_process(self, bot: discord.Client) -> FakeDiscord:
        """Log `bot` in as another process of the same application (another shard, another host): the same
        Discord (members, messages, DMs, interaction tokens), a bot of its own. Presses and commands sent through
        the FakeDiscord returned go to `bot`; what either bot sends lands in the one shared Discord."""
        other = type(self)(self.api, self.guild, self.new_id)
        other._command_ids = self._command_ids
        other._other_servers = self._other_servers
        other._private_channels = self._private_channels
        logging.getLogger().addHandler(other.error_guard)
        await other.login(bot)
        return other

    def prepare_login(self, client: discord.Client) -> discord.Client:
        """Make `client.login(token)` log in against this fake Discord instead of the network."""
        api = self.api

        async def static_login(token: str) -> dict[str, Any]:
            # What HTTPClient.static_login does, minus the network: install the session, return @me.
            if token in api.rejected_tokens:
                raise discord.LoginFailure("Improper token has been passed.")
            client.http._HTTPClient__session = api  # type: ignore[attr-defined]
            client.http._global_over = asyncio.Event()
            client.http._global_over.set()
            client.http.token = token
            return api.bot_user.payload()

        client.http.static_login = static_login  # type: ignore[method-assign]
        return client

    async def login(self, bot: discord.Client) -> None:
        """Log a bot in (a first start or a restart): same fake Discord, same messages, new process."""
        await self.prepare_login(bot).login("harness-token")
        self.bot = bot
        members = [self.api.users[user_id] for user_id in sorted(self.guild.member_ids)]
        bot._connection.parsers["GUILD_CREATE"](self.guild.create_event(members))  # type: ignore[attr-defined]
        await self.settle()

    async def restart(self, make_bot: Callable[[], discord.Client]) -> discord.Client:
        """Stop the running bot and log a freshly built one in, as after a process restart."""
        if self.bot is not None:
            await self.bot.close()
        bot = make_bot()
        await self.login(bot)
        return bot

    async def stop(self) -> None:
        if self.bot is not None:
            await self.bot.close()
            self.bot = None
        logging.getLogger().removeHandler(self.error_guard)

    async def settle(self) -> None:
        """Let already-scheduled callbacks run (e.g. a task a command started)."""
        for _ in range(3):
            await asyncio.sleep(0)

    # -- people and places ----------------------------------------------------------------------------

    def user(self, name: str, *, in_server: bool = True, bot: bool = False, user_id: int | None = None) -> FakeUser:
        user = FakeUser(user_id or self.new_id(), name, bot=bot)
        self.api.users[user.id] = user
        if in_server:
            self.guild.member_ids.add(user.id)
        return user

    def close_dms(self, user: FakeUser) -> None:
        """The member has 'Direct messages from server members' turned off: DMs fail with 403/50007."""
        user.dms_open = False

    def open_dms(self, user: FakeUser) -> None:
        user.dms_open = True

    def dms(self, user: FakeUser) -> list[SentMessage]:
        """Every DM the bot sent `user`, oldest first (deleted ones left out)."""
        return [m for m in self.api.messages.values() if m.dm_user_id == user.id and not m.deleted]

    def last_dm(self, user: FakeUser) -> SentMessage:
        dms = self.dms(user)
        assert dms, f"the bot sent {user.username} no DM"
        return dms[-1]

    def forbid_posting(self) -> None:
        """The server's moderators take Send Messages from the bot in its channel: the interactions there say so
        in app_permissions, and a message the bot posts anyway is refused (403, Missing Permissions)."""
        self.guild.app_permissions = str(int(self.guild.app_permissions) & ~SEND_MESSAGES)
        self.api.channels_bot_may_not_post.add(self.guild.channel_id)

    def posts(self, channel_id: int | None = None) -> list[SentMessage]:
        """The messages the bot posted with its own account (not answers to interactions, not DMs) in the bot's
        server's channel, or in `channel_id`, oldest first (deleted ones left out)."""
        wanted = self.guild.channel_id if channel_id is None else channel_id
        return [m for m in self.api.messages.values()
                if m.channel_id == wanted and m.dm_user_id is None and "interaction_id" not in m.data
                and not m.deleted]

    def install_for(self, user: FakeUser) -> None:
        """`user` adds the bot to their own Discord account (user install): its commands follow them into
        servers without the bot, and into private channels."""
        user.installed_app = True

    def other_server(self, name: str, members: list[FakeUser]) -> FakeGuild:
        """A server the bot was never added to; its members can use the bot there only through a user install.
        The bot cannot post in its channel."""
        guild = FakeGuild(id=self.new_id(), name=name, owner_id=members[0].id, channel_id=self.new_id(),
                          member_ids={member.id for member in members})
        self._other_servers[guild.channel_id] = guild
        self.api.channels_without_bot.add(guild.channel_id)
        return guild

    def private_channel(self, *people: FakeUser) -> int:
        """A DM between two people, or a group DM: the bot is not in it and cannot post there. Returns its id,
        for `where=` (the first person is the one acting, unless `by` says otherwise)."""
        channel_id = self.new_id()
        self._private_channels[channel_id] = list(people)
        self.api.channels_without_bot.add(channel_id)
        return channel_id

    def _dm_place(self, user: FakeUser) -> Place:
        channel_id = next((cid for cid, uid in self.api.dm_channels.items() if uid == user.id), None)
        if channel_id is None:
            channel_id = self.new_id()
            self.api.dm_channels[channel_id] = user.id
        return bot_dm_place(channel_id, user, shares_a_server=user.id in self.guild.member_ids)

    def _place(self, user: FakeUser, in_dm: bool, where: FakeGuild | int | None = None) -> Place:
        """Where `user` acts: the bot's server (default), the DM with the bot (in_dm), or `where`: a server
        from other_server() or a private channel's id from private_channel()."""
        if in_dm:
            return self._dm_place(user)
        if isinstance(where, int):
            people = self._private_channels[where]
            if user not in people:
                raise HarnessError(f"{user.username} is not in that private channel")
            return private_channel_place(where, user, [p for p in people if p is not user])
        guild = where or self.guild
        if user.id not in guild.member_ids:
            raise HarnessError(f"{user.username} is not in {guild.name}; use in_dm=True")
        return server_place(guild, user, bot_is_member=guild is self.guild)

    def _place_of_channel(self, channel_id: int, user: FakeUser) -> Place:
        """The place whose channel a message the bot sent through an interaction is in."""
        if channel_id in self._private_channels:
            return self._place(user, in_dm=False, where=channel_id)
        return self._place(user, in_dm=False, where=self._other_servers.get(channel_id))

    # -- failures -------------------------------------------------------------------------------------

    def fail_next(self, route: str, *, status: int, code: int = 0, message: str = "", times: int = 1,
                  retry_after: float | None = None, user: FakeUser | None = None) -> None:
        """Make the next `times` requests to `route` fail, e.g. ('interaction_callback', 404, 10062)."""
        self.api.fail_next(route, status=status, code=code, message=message, times=times,
                           retry_after=retry_after, user=user)

    def delay_next(self, route: str, seconds: float, *, times: int = 1, user: FakeUser | None = None) -> None:
        """Make Discord answer the next `times` requests to `route` late, e.g. ('create_dm', 5.0, user=bob)."""
        self.api.delay_next(route, seconds, times=times, user_id=user.id if user else None)

    def hold_next(self, route: str, *, user: FakeUser | None = None, before: bool = False) -> Hold:
        """Keep the next request to `route` (e.g. 'send_message', user=alice) waiting until `.release()`: by default
        Discord does it at once (her DM arrives) and only its answer waits; `before=True`, nothing happens until
        then (the bot stopped just before sending it). `.arrived` is set when the request reaches the hold."""
        return self.api.hold_next(route, user_id=user.id if user else None, before=before)

    def logged_errors(self) -> list[logging.LogRecord]:
        """ERROR records so far, removed from the guard (for tests that expect an error to be logged)."""
        return self.error_guard.take()

    def assert_no_errors_logged(self) -> None:
        if self.error_guard.records:
            description = self.error_guard.describe()
            self.error_guard.take()
            raise AssertionError(f"errors were logged during the test:\n{description}")
        if self.api.problems:
            problems, self.api.problems = self.api.problems, []
            raise AssertionError("the bot did things Discord would reject:\n" + "\n".join(problems))

    # -- interactions ---------------------------------------------------------------------------------

    async def run_command(self, name: str, *, by: FakeUser, in_dm: bool = False,
                          where: FakeGuild | int | None = None, **options: Any) -> InteractionOutcome:
        """A member types `/name option:value …` and presses enter. `name` may be 'group sub'. `where`: see
        `_place`."""
        place = self._place(by, in_dm, where)
        command = self._chat_command(name, place)
        data = self._command_data(name, command, options, place, focused=None)
        return await self._dispatch(APPLICATION_COMMAND, by, place, data, kind=f"/{name}")

    async def autocomplete(self, name: str, *, by: FakeUser, focused: str, in_dm: bool = False,
                           where: FakeGuild | int | None = None, **options: Any) -> list[dict[str, Any]]:
        """A member is typing into option `focused`; return the choices the bot offered."""
        place = self._place(by, in_dm, where)
        command = self._chat_command(name, place)
        data = self._command_data(name, command, options, place, focused=focused)
        outcome = await self._dispatch(AUTOCOMPLETE, by, place, data, kind=f"autocomplete /{name}")
        if outcome.choices is None:
            raise AssertionError(f"the bot did not answer autocomplete for /{name} {focused}")
        return outcome.choices

    async def run_user_command(self, name: str, *, by: FakeUser, target: FakeUser, in_dm: bool = False,
                               where: FakeGuild | int | None = None) -> InteractionOutcome:
        """A member right-clicks `target` → Apps → `name`."""
        place = self._place(by, in_dm, where)
        command = self._tree.get_command(name, type=discord.AppCommandType.user)
        if command is None:
            raise HarnessError(f"there is no user command {name!r}")
        refusal = why_not_offered(command.to_dict(self._tree), place)
        if refusal is not None:
            raise HarnessError(refusal)
        data = {"id": str(self._command_id(name)), "name": name, "type": USER_COMMAND,
                "target_id": str(target.id), "resolved": resolved_users([target], place.guild)}
        return await self._dispatch(APPLICATION_COMMAND, by, place, data, kind=f"user command {name}")

    async def press(self, message: SentMessage, button: str, *, by: FakeUser, as_shown_in: int | None = None
                    ) -> InteractionOutcome:
        """A member clicks the button labelled (or with custom_id) `button` on `message`.

        `as_shown_in=N` clicks it on version N of the message (see `message.versions`): what a member
        whose client has not received the bot's later edit can still do.
        """
        if message.deleted:
            raise HarnessError("that message was deleted; nobody can click its buttons")
        shown = message if as_shown_in is None else SentMessage(message.id, message.channel_id,
                                                                 message.versions[as_shown_in],
                                                                 dm_user_id=message.dm_user_id)
        candidates = [b for b in shown.buttons if button in (b.label, b.custom_id)]
        if not candidates:
            raise HarnessError(f"no button {button!r} on the message; buttons are {[b.label for b in shown.buttons]}")
        target = candidates[0]
        if target.disabled:
            raise HarnessError(f"the {button!r} button is disabled; Discord would not let anyone click it")
        if target.url is not None:
            raise HarnessError(f"{button!r} is a link button: it opens {target.url} and sends no interaction")
        data = {"custom_id": target.custom_id, "component_type": 2}
        return await self._component(message, data, by, kind=f"button {button!r}", shown=shown)

    async def press_custom_id(self, message: SentMessage, custom_id: str, *, by: FakeUser) -> InteractionOutcome:
        """A press of a button `custom_id` that the bot never put on `message`, as if the message carried it: what
        the bot must refuse however it came about (a modified client, a bug elsewhere)."""
        crafted = copy.deepcopy(message.data)
        crafted["components"] = [*(crafted.get("components") or []), {"type": 1, "components": [
            {"type": 2, "style": 2, "label": "Crafted", "custom_id": custom_id}]}]
        shown = SentMessage(message.id, message.channel_id, crafted, dm_user_id=message.dm_user_id)
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._component(message, data, by, kind=f"crafted button {custom_id!r}", shown=shown)

    async def choose(self, message: SentMessage, custom_id: str, values: list[str], *, by: FakeUser
                     ) -> InteractionOutcome:
        """A member picks `values` in the select menu `custom_id` on `message`."""
        data = {"custom_id": custom_id, "component_type": 3, "values": values}
        return await self._component(message, data, by, kind=f"select {custom_id!r}")

    async def submit_modal(self, opened_by: InteractionOutcome, values: dict[str, str], *, by: FakeUser
                           ) -> InteractionOutcome:
        """A member fills the modal that `opened_by` showed (fields by label or custom_id) and submits."""
        modal = opened_by.modal
        if modal is None:
            raise HarnessError("that interaction did not open a modal")
        state = self.api.interactions[opened_by.token]
        components = _modal_submission(modal, values)
        data = {"custom_id": modal.custom_id, "components": components}
        place = self._place_of_state(state, by)
        message = self.api.message_payload(state.source_message) if state.source_message else None
        return await self._dispatch(MODAL_SUBMIT, by, place, data, kind=f"modal {modal.title!r}",
                                    message=message, source_message=state.source_message)

    async def _component(self, message: SentMessage, data: dict[str, Any], by: FakeUser, *, kind: str,
                         shown: SentMessage | None = None) -> InteractionOutcome:
        if message.dm_user_id is not None:
            if message.dm_user_id != by.id:
                raise HarnessError("only the recipient of a DM can click its buttons")
            place = self._dm_place(by)
        else:
            place = self._place_of_channel(message.channel_id, by)
        return await self._dispatch(MESSAGE_COMPONENT, by, place, data, kind=kind,
                                    message=self.api.message_payload(shown or message), source_message=message)

    def _place_of_state(self, state: InteractionState, user: FakeUser) -> Place:
        return self._dm_place(user) if state.dm_user_id is not None else self._place_of_channel(state.channel_id,
                                                                                                 user)

    async def _dispatch(self, interaction_type: int, user: FakeUser, place: Place, data: dict[str, Any], *,
                        kind: str, message: dict[str, Any] | None = None,
                        source_message: SentMessage | None = None) -> InteractionOutcome:
        if self.bot is None:
            raise HarnessError("the bot is not running")
        interaction_id = self.new_id()
        token = f"interaction-token-{interaction_id}"
        outcome = InteractionOutcome(interaction_id=interaction_id, token=token, kind=kind,
                                     dispatched_at=time.perf_counter())
        self.api.interactions[token] = InteractionState(
            outcome=outcome, interaction_type=interaction_type, channel_id=place.channel_id,
            dispatched_at=time.monotonic(), source_message=source_message,
            dm_user_id=user.id if place.context == CONTEXT_BOT_DM else None,
        )
        payload = interaction_payload(interaction_id=interaction_id, token=token,
                                      application_id=self.api.application_id, kind=interaction_type, user=user,
                                      place=place, data=data, message=message)
        await self._feed(payload)
        return outcome

    async def _feed(self, payload: dict[str, Any]) -> None:
        """Hand the payload to discord.py's gateway parser and wait for exactly the tasks it started. The parser
        runs in a context of its own, as in discord.py's gateway task: what the test's own code left in context
        variables (a storage read's note of the member's notices, say) never reaches the bot's handling."""
        parse = self.bot._connection.parsers["INTERACTION_CREATE"]
        started = _tasks_created_by(lambda: contextvars.Context().run(parse, payload))
        results = await asyncio.gather(*started, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
                raise result

    # -- command schema -------------------------------------------------------------------------------

    @property
    def _tree(self) -> app_commands.CommandTree:
        return self.bot.tree  # type: ignore[union-attr]

    def _command_id(self, name: str) -> int:
        return self._command_ids.setdefault(name, self.new_id())

    def _chat_command(self, name: str, place: Place) -> dict[str, Any]:
        root_name = name.split()[0]
        command = self._tree.get_command(root_name)
        if command is None:
            raise HarnessError(f"there is no slash command /{root_name}")
        schema = self._schemas.get(command)
        if schema is None:
            schema = self._schemas[command] = command.to_dict(self._tree)
        refusal = why_not_offered(schema, place)
        if refusal is not None:
            raise HarnessError("/" + refusal)
        return schema

    def _command_data(self, name: str, schema: dict[str, Any], options: dict[str, Any], place: Place, *,
                      focused: str | None) -> dict[str, Any]:
        path = name.split()
        level_options = schema.get("options", [])
        resolved_people: list[FakeUser] = []
        chain: list[dict[str, Any]] = []
        for part in path[1:]:
            sub = next((o for o in level_options if o["name"] == part and o["type"] in (1, 2)), None)
            if sub is None:
                raise HarnessError(f"/{path[0]} has no subcommand {part!r}")
            chain.append({"type": sub["type"], "name": part, "options": []})
            level_options = sub.get("options", [])
        subcommands = [o["name"] for o in level_options if o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)]
        if subcommands:
            raise HarnessError(f"/{name} needs a subcommand ({', '.join(subcommands)}); Discord's client can't "
                               "send it alone")
        leaf_options = _option_values(level_options, options, resolved_people, focused=focused)
        if chain:
            for outer, inner in itertools.pairwise(chain):
                outer["options"] = [inner]
            chain[-1]["options"] = leaf_options
            top_options = [chain[0]]
        else:
            top_options = leaf_options
        data: dict[str, Any] = {"id": str(self._command_id(path[0])), "name": path[0], "type": 1,
                                "options": top_options}
        if resolved_people:
            data["resolved"] = resolved_users(resolved_people, place.guild)
        return data

def _tasks_created_by(call: Callable[[], object]) -> list[asyncio.Task]:
    """The tasks `call` (synchronous) creates. A task factory records them as they are made; comparing
    `asyncio.all_tasks()` before and after would cost time in proportion to every task alive, which makes a
    burst of hundreds of interactions quadratic."""
    loop = asyncio.get_running_loop()
    previous = loop.get_task_factory()
    created: list[asyncio.Task] = []

    def recording_factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task:
        task = previous(loop, coro, **kwargs) if previous else asyncio.Task(coro, loop=loop, **kwargs)
        created.append(task)
        return task

    loop.set_task_factory(recording_factory)
    try:
        call()
    finally:
        loop.set_task_factory(previous)
    return created


def _option_values(schema_options: list[dict[str, Any]], given: dict[str, Any], people: list[FakeUser], *,
                   focused: str | None) -> list[dict[str, Any]]:
    """The option list Discord would send, refusing what Discord's client would not let a member send."""
    known = {option["name"]: option for option in schema_options}
    unknown = set(given) - set(known)
    if unknown:
        raise HarnessError(f"unknown options {sorted(unknown)}; the command has {sorted(known)}")
    values: list[dict[str, Any]] = []
    for name, option in known.items():
        if name not in given:
            if option.get("required") and name != focused:
                raise HarnessError(f"option {name!r} is required; Discord would not send the command without it")
            continue
        value = given[name]
        entry: dict[str, Any] = {"name": name, "type": option["type"]}
        if name == focused:
            entry.update(value=str(value), focused=True)  # while typing, Discord sends the raw text
        else:
            entry["value"] = _typed_value(option, value, people)
        values.append(entry)
    return values

def _typed_value(option: dict[str, Any], value: Any, people: list[FakeUser]) -> Any:
    kind, name = option["type"], option["name"]
    if kind == USER:
        if not isinstance(value, FakeUser):
            raise HarnessError(f"option {name!r} takes a user made with discord.user(...)")
        people.append(value)
        return str(value.id)
    if kind == STRING:
        value = str(value)
        if not option.get("min_length", 0) <= len(value) <= option.get("max_length", 6000):
            raise HarnessError(f"option {name!r}: Discord limits its length to "
                               f"{option.get('min_length', 0)}–{option.get('max_length', 6000)}")
    elif kind == INTEGER:
        value = int(value)
    elif kind == NUMBER:
        value = float(value)
    elif kind == BOOLEAN:
        value = bool(value)
    else:
        raise HarnessError(f"option type {kind} is not modelled by the harness")
    if kind in (INTEGER, NUMBER):
        low, high = option.get("min_value"), option.get("max_value")
        if (low is not None and value < low) or (high is not None and value > high):
            raise HarnessError(f"option {name!r}: Discord only accepts values from {low} to {high}")
    choices = option.get("choices")
    if choices and value not in [choice["value"] for choice in choices]:
        raise HarnessError(f"option {name!r} only accepts {[c['value'] for c in choices]}")
    return value

def _modal_submission(modal: ModalView, values: dict[str, str]) -> list[dict[str, Any]]:
    """The components Discord sends back on submit, mirroring the layout the bot sent."""
    by_key = dict(values)
    used: set[str] = set()

    def submitted(text_input: dict[str, Any], label: str | None) -> dict[str, Any]:
        key = label if label in by_key else text_input["custom_id"]
        if key in by_key:
            used.add(key)
            value = by_key[key]
        elif text_input.get("required", True):
            raise HarnessError(f"the modal field {label or text_input['custom_id']!r} is required")
        else:
            value = ""
        low, high = text_input.get("min_length", 0), text_input.get("max_length", 4000)
        if value and not low <= len(value) <= high:
            raise HarnessError(f"the modal field {label!r} takes {low}–{high} characters")
        return {"type": 4, "custom_id": text_input["custom_id"], "value": value}

    components = []
    for row in modal.layout:
        if row.get("type") == 18:
            components.append({"type": 18, "component": submitted(row["component"], row.get("label"))})
        else:
            components.append({"type": 1, "components": [submitted(item, item.get("label"))
                                                        for item in row.get("components", [])]})
    leftover = set(by_key) - used
    if leftover:
        raise HarnessError(f"the modal has no fields {sorted(leftover)}; it has {modal.labels}")
    return components
