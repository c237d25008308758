"""The demo: an embedded Taubot sandbox, a temporary database, the real bot, and a console for Discord.

Typed commands become the same Discord-shaped interactions the tests use (see harness/), so what the console
shows is exactly what the bot would send to Discord.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import shlex
import sys
import tempfile
import uuid
from pathlib import Path
from typing import TextIO

from bot import TaubotBot
from config import Settings, generate_encryption_key
from harness import FakeDiscord, FakeUser, HarnessError, InteractionOutcome, SentMessage
from sandbox import ALICE, BOB, CAROL, DAVE, TRANSFER_FUNDS, VIEW_BALANCE, Sandbox
from taubot import format_amount

from .render import render

MEMBERS = {"alice": ALICE, "bob": BOB, "carol": CAROL, "dave": DAVE}
DEMO_SPENDING_LIMIT = 1_000_00
HELP = """Type what a member would do in Discord:
  /link-account                 link your Taubot account (the link arrives by DM)
  /balance [account:NAME]       your balance, or an account's (e.g. /balance account:Treasury)
  /pay AMOUNT @MEMBER           pay a member, e.g. /pay 5 @bob
  /pay AMOUNT account:NAME      pay an account, e.g. /pay 2.50 account:Treasury
  /history [limit:N] [export:yes]
  /link-status   /unlink-account
  press LABEL                   press a button on the latest message that has it, e.g. press Confirm
  grant                         do the Taubot grant page's part for you (VIEW BALANCE, TRANSFER FUNDS,
                                spending limit 1,000t); or open the DM's link in a browser on this machine
  as NAME                       act as another member: alice, bob, carol or dave (dave has no account)
  dms                           show your DMs again
  help   quit"""


class InputError(Exception):
    """A line the console cannot turn into a command; the message says what to type instead."""


class DemoConsole:
    def __init__(self, discord: FakeDiscord, sandbox: Sandbox, out: TextIO):
        self.discord, self.sandbox, self.out = discord, sandbox, out
        self.members = {name: discord.user(name, user_id=user_id) for name, user_id in MEMBERS.items()}
        self.me: FakeUser = self.members["alice"]
        self._shown: dict[int, int] = {}  # message id → how many edits were already printed
        self._interaction_users: dict[int, int] = {}  # interaction id → who ran it (owns its ephemeral replies)
        self.waiting_for_input = False  # at the prompt: only then may the watcher print (and prompt again)

    def say(self, text: str, end: str = "\n") -> None:
        print(text, file=self.out, end=end, flush=True)

    def prompt(self) -> None:
        self.say(f"\n{self.me.username}> ", end="")

    def name_of(self, user_id: int) -> str:
        user = self.discord.api.users.get(user_id)
        return user.username if user else str(user_id)

    # -- showing what changed ---------------------------------------------------------------------------

    def show_changes(self) -> bool:
        """Print every message that is new or was edited since the last look (DMs edited by the poller too);
        True if anything was printed."""
        printed = False
        for message in list(self.discord.api.messages.values()):
            version = len(message.versions)
            if message.deleted or self._shown.get(message.id) == version:
                continue
            self._shown[message.id] = version
            if message.loading:
                continue
            self.say(render(message, self.name_of, where=self._where(message)))
            printed = True
        return printed

    def show_changes_unprompted(self) -> None:
        """What the bot did on its own, between commands: printed over the waiting prompt, so show it again."""
        if self.show_changes():
            self.prompt()

    def _where(self, message: SentMessage) -> str:
        if message.dm_user_id is not None:
            return f"DM to {self.name_of(message.dm_user_id)}"
        return f"#{self.discord.guild.channel_name}"

    # -- commands ---------------------------------------------------------------------------------------

    async def handle(self, line: str) -> bool:
        """Do what one typed line says; False when the person wants to quit."""
        line = line.strip()
        if not line:
            return True
        word, _, rest = line.partition(" ")
        try:
            if word in ("quit", "exit"):
                return False
            if word == "help":
                self.say(HELP)
            elif word == "as":
                self._switch(rest.strip().lower())
            elif word == "grant":
                self._grant()
            elif word == "press":
                await self._press(rest.strip())
            elif word == "dms":
                for message in self.discord.dms(self.me):
                    self.say(render(message, self.name_of, where=self._where(message)))
            elif word.startswith("/"):
                await self._command(word[1:], rest)
            else:
                self.say("Not a command. Type help to see what you can do.")
        except HarnessError as error:
            self.say(f"(Discord would not let you do that: {error})")
        except InputError as error:
            self.say(f"({error})")
        except Exception as error:  # a demo must survive any typo; the bot's own errors never get here
            self.say(f"(The demo could not do that: {type(error).__name__}: {error}. Type help for examples.)")
        self.show_changes()
        return True

    def _switch(self, name: str) -> None:
        if name not in self.members:
            self.say(f"Members are {', '.join(self.members)}.")
            return
        self.me = self.members[name]
        self.say(f"You are now {name} (Discord ID {self.me.id}).")

    def _grant(self) -> None:
        links = [m for m in self.discord.dms(self.me) if any((b.custom_id or "").startswith("link:granted:")
                                                               for b in m.buttons)]
        if not links:
            self.say("You have no link waiting. Run /link-account first.")
            return
        ref = next(b.custom_id for b in links[-1].buttons if (b.custom_id or "").startswith("link:granted:"))
        self.sandbox.grant(ref.removeprefix("link:granted:"), self.me.id, permissions=(VIEW_BALANCE, TRANSFER_FUNDS),
                           spending_limit=DEMO_SPENDING_LIMIT)
        self.say(f"(On Taubot's page, {self.me.username} ticked VIEW BALANCE and TRANSFER FUNDS and set a spending "
                 f"limit of {format_amount(DEMO_SPENDING_LIMIT)}. Now press “I've granted access”, or wait a few "
                 "seconds for the bot to notice.)")

    def _only_for(self, message: SentMessage) -> int | None:
        """The one member who can see `message` (a DM's recipient, an ephemeral reply's caller), or None."""
        if message.dm_user_id is not None:
            return message.dm_user_id
        if message.ephemeral:
            return self._interaction_users.get(message.data.get("interaction_id"))
        return None

    async def _press(self, label: str) -> None:
        hidden_from_me: int | None = None
        for message in reversed(list(self.discord.api.messages.values())):
            if message.deleted or not any(b.label == label for b in message.buttons):
                continue
            owner = self._only_for(message)
            if owner not in (None, self.me.id):
                hidden_from_me = hidden_from_me or owner
                continue
            self._print_outcome(await self.discord.press(message, label, by=self.me))
            return
        if hidden_from_me is not None:
            self.say(f"Only {self.name_of(hidden_from_me)} can see the message with “{label}”; in Discord, "
                     f"{self.me.username} wouldn't even see it. Switch with: as {self.name_of(hidden_from_me)}")
            return
        self.say(f"No message shows a “{label}” button.")

    async def _command(self, name: str, rest: str) -> None:
        options = self._options(name, rest)
        self._print_outcome(await self.discord.run_command(name, by=self.me, **options))

    def _options(self, command: str, rest: str) -> dict:
        """'5 @bob' → amount=5, user=bob; 'account:Lemonade Stand' → account='Lemonade Stand'."""
        options: dict = {}
        loose: list[str] = []
        current: str | None = None
        for token in _split(rest):
            key, colon, value = token.partition(":")
            if colon and key.isidentifier():
                current = key
                options[key] = value
            elif token.startswith("@"):
                options["user"] = self.members.get(token[1:].lower()) or self._unknown(token)
                current = None
            elif current is not None:
                options[current] += " " + token
            else:
                loose.append(token)
        if loose:
            options["amount" if command == "pay" else "account"] = " ".join(loose)
        for flag in ("export",):
            if flag in options:
                options[flag] = str(options[flag]).lower() in ("yes", "true", "1")
        if "limit" in options:
            if not options["limit"].strip().isdigit():
                raise InputError(f"limit takes a whole number, like limit:10; {options['limit']!r} is not one.")
            options["limit"] = int(options["limit"])
        return options

    def _unknown(self, token: str) -> FakeUser:
        raise HarnessError(f"{token} is not a member here; members are {', '.join(self.members)}")

    def _print_outcome(self, outcome: InteractionOutcome) -> None:
        self._interaction_users[outcome.interaction_id] = self.me.id
        if outcome.modal is not None:
            self.say(f"(The bot opened a form: {outcome.modal.title})")
        if not outcome.responded:
            self.say("(Discord shows: “This interaction failed”.)")


def _split(rest: str) -> list[str]:
    """Words, with "double quotes" grouping; an apostrophe is a letter (account:Bob's is a name, as in Discord)."""
    lexer = shlex.shlex(rest, posix=True)
    lexer.whitespace_split, lexer.quotes, lexer.escape = True, '"', ""
    try:
        return list(lexer)
    except ValueError:
        raise InputError('That line has a " without its closing ". Close the quote, or leave the quotes out: '
                         "account:Lemonade Stand works as it is.") from None


class _NoVoiceWarnings(logging.Filter):
    """discord.py warns at start that voice libraries are missing; the bot never uses voice."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "voice will NOT be supported" not in record.getMessage()


async def run_demo(stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("discord.client").addFilter(_NoVoiceWarnings())
    sandbox = Sandbox(seed="demo")
    await sandbox.start()
    with tempfile.TemporaryDirectory(prefix="taubot-demo-") as folder:
        settings = Settings(
            discord_token="demo",  # noqa: S106 (no secret: the demo never talks to Discord)
            taubot_master_key=sandbox.master_key,
            taubot_app_id=uuid.UUID(sandbox.application_id),
            key_encryption_key=base64.urlsafe_b64decode(generate_encryption_key()),
            taubot_api_url=sandbox.api_url, database_path=Path(folder) / "demo.sqlite3",
        )
        discord = await FakeDiscord.start(TaubotBot(settings))
        console = DemoConsole(discord, sandbox, out)
        console.say(f"Taubot demo: a local Taubot sandbox at {sandbox.api_url}, a temporary database, and this "
                    "console standing in for Discord.\nMembers: alice (you), bob, carol and dave. Open the grant "
                    "link from a DM in a browser on this machine and type the member's Discord ID "
                    f"(alice is {ALICE}), or type grant.\n")
        console.say(HELP)
        watcher = asyncio.create_task(_watch(console))
        try:
            while True:
                console.prompt()
                console.waiting_for_input = True
                line = await asyncio.to_thread(stdin.readline)
                console.waiting_for_input = False
                if not line or not await console.handle(line):
                    break
        finally:
            watcher.cancel()
            await discord.stop()
            await sandbox.stop()
    return 0


async def _watch(console: DemoConsole) -> None:
    """Show what the bot does on its own (a link finished by the poller, a payment DM) as it happens."""
    while True:
        await asyncio.sleep(1)
        if console.waiting_for_input:  # a command's own output is printed by the command
            console.show_changes_unprompted()
