"""What each typed line does: a slash command, a user command from the Apps menu, a button press, a form
field, or one of the console's own words (grant, as, accounts, dms, show, help, quit).

Commands become the same Discord-shaped interactions the tests use (see harness/), so what the console shows
is exactly what the bot would send to Discord. Every answer to a person is one plain sentence: no message
names a Python exception or the harness.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from harness import FakeDiscord, HarnessError, InteractionOutcome, SentMessage
from sandbox import Sandbox

from .accounts import describe_accounts
from .attachments import SHOW_ROWS, SavedFiles, preview
from .buttons import ButtonFinder
from .catalogue import Catalogue
from .errors import InputError
from .forms import CLOSE_WORD, Form
from .grant import DEMO_SPENDING_LIMIT, grant_latest_link
from .help import general_help, unknown_input
from .members import Members
from .options import read_options
from .render import render
from .terminal import Terminal
from .words import listed, split_words

log = logging.getLogger("taubot_bot.demo")


class DemoConsole:
    def __init__(self, discord: FakeDiscord, sandbox: Sandbox, terminal: Terminal, *, files_folder: Path,
                 members: dict[str, int]):
        self.discord, self.sandbox, self.terminal = discord, sandbox, terminal
        self.members = Members(discord, members)
        self.me = next(iter(self.members.people.values()))
        self.catalogue = Catalogue(discord.bot.tree)
        self.files = SavedFiles(files_folder)
        self.form: Form | None = None  # a form the bot opened, being filled in line by line
        self._shown: dict[int, int] = {}  # message id → how many of its versions were printed
        self._interaction_users: dict[int, int] = {}  # interaction id → who ran it (owns its private replies)
        self._words: dict[str, Callable[[str], Awaitable[None]]] = {
            "help": self._help, "as": self._switch, "grant": self._grant, "press": self._press,
            "dms": self._dms, "accounts": self._accounts, "show": self._show,
        }

    def say(self, text: str) -> None:
        self.terminal.say(text)

    def prompt_text(self) -> str:
        return self.form.prompt() if self.form else f"{self.me.username}> "

    # -- one typed line -----------------------------------------------------------------------------------

    async def handle(self, line: str) -> bool:
        """Do what one typed line says; False when the person wants to quit."""
        try:
            if self.form is not None:
                await self._fill_form(line)
            elif not await self._do(line.strip()):
                return False
        except InputError as error:
            self.say(f"({error})")
        except HarnessError:
            log.debug("The fake Discord refused a console action", exc_info=True)
            self.say(f"(Discord wouldn't let {self.me.username} do that. Type help to see what you can do.)")
        except Exception:  # a demo must survive anything; the bot's own failures are answered by the bot
            log.debug("The demo console failed", exc_info=True)
            self.say("(Something went wrong in the demo console itself, not in the bot. Type help to see what "
                     "you can do.)")
        self.show_changes()
        return True

    async def _do(self, line: str) -> bool:
        if not line:
            return True
        word, _, rest = line.partition(" ")
        folded = word.casefold()
        if folded in ("quit", "exit"):
            return False
        if line.startswith("/"):
            await self._slash(line[1:])
        elif folded in self._words:
            await self._words[folded](rest.strip())
        elif (user_command := self._user_command_in(line)) is not None:
            await self._user_command(*user_command)
        else:
            raise InputError(unknown_input(word, self.catalogue, list(self._words)))
        return True

    # -- what a member does in Discord --------------------------------------------------------------------

    async def _slash(self, typed: str) -> None:
        words = split_words(typed)
        if not words:
            raise InputError(f"Type a command after the /: {self.catalogue.command_list()}. help explains each.")
        command, rest = self.catalogue.find_slash(words)
        options = read_options(command, rest, self.members, other_names=self.catalogue.option_names)
        self._print_outcome(await self.discord.run_command(command.path, by=self.me, **options))

    def _user_command_in(self, line: str) -> tuple[str, str] | None:
        """('Pay', '@bob') for 'pay @bob': the Apps-menu command a line starts with, and the rest."""
        for name in sorted(self.catalogue.user_commands, key=len, reverse=True):
            if line.casefold() == name.casefold() or line.casefold().startswith(name.casefold() + " "):
                return name, line[len(name):].strip()
        return None

    async def _user_command(self, name: str, target: str) -> None:
        words = split_words(target)
        if len(words) != 1:
            slash = self.catalogue.slash_taking_a_member(name)
            in_one_line = f", or /{slash.path} in one line" if slash is not None else ""
            raise InputError(f"{name.casefold()} takes just a member, like {name.casefold()} @bob (right-click "
                             f"them → Apps → {name}); the bot then asks the rest{in_one_line}.")
        member = self.members.get(words[0].text)
        self._print_outcome(await self.discord.run_user_command(name, by=self.me, target=member))

    async def _press(self, label: str) -> None:
        finder = ButtonFinder(self.discord.api.messages.values(), self._only_for, self.me.id, self.members.name_of)
        message, button = finder.find(label)
        self._print_outcome(await self.discord.press(message, button.label, by=self.me))

    async def _fill_form(self, line: str) -> None:
        form = self.form
        if line.strip().casefold() == CLOSE_WORD:
            self.form = None
            self.say("(You closed the form; nothing was sent to the bot.)")
            return
        form.answer(line)
        if form.complete:
            self.form = None
            self._print_outcome(await self.discord.submit_modal(form.opened_by, form.values, by=self.me))

    def _print_outcome(self, outcome: InteractionOutcome) -> None:
        self._interaction_users[outcome.interaction_id] = self.me.id
        if not outcome.responded:
            self.say("(Discord shows: “This interaction failed”.)")
        if outcome.modal is not None:
            self.form = Form(outcome, outcome.modal)
            self.say(self.form.intro)

    def _only_for(self, message: SentMessage) -> int | None:
        """The one member who can see `message` (a DM's recipient, a private reply's caller), or None."""
        if message.dm_user_id is not None:
            return message.dm_user_id
        if message.ephemeral:
            return self._interaction_users.get(message.data.get("interaction_id"))
        return None

    # -- the console's own words --------------------------------------------------------------------------

    async def _help(self, topic: str) -> None:
        if topic:
            words = split_words(topic.removeprefix("/"))
            self.say(self.catalogue.explain(words))
            return
        self.say(general_help(self.catalogue, self.members.names, DEMO_SPENDING_LIMIT))

    async def _switch(self, name: str) -> None:
        if not name:
            raise InputError(f"as needs a member's name, like as bob. The members are {listed(self.members.names)}.")
        self.me = self.members.person(name)
        self.say(f"You are now {self.me.username} (Discord ID {self.me.id}).")

    async def _grant(self, _rest: str) -> None:
        self.say(grant_latest_link(self.sandbox, self.me, self.discord.dms(self.me)))

    async def _dms(self, _rest: str) -> None:
        for message in self.discord.dms(self.me):
            self._print_message(message)

    async def _accounts(self, _rest: str) -> None:
        self.say(describe_accounts(self.sandbox.credentials()["accounts"], self.members, self.me.id))

    async def _show(self, name: str) -> None:
        path = self.files.find(name)
        if path is None:
            raise InputError("The bot hasn't attached such a file yet; /history export:yes attaches your history "
                             "as a CSV file.")
        self.say(f"{path}:\n" + "\n".join(preview(path, rows=SHOW_ROWS)))

    # -- showing what the bot sent ------------------------------------------------------------------------

    def show_changes(self) -> bool:
        """Print every message that is new or was edited since the last look (DMs edited by the poller too);
        True if anything was printed."""
        printed = False
        for message in list(self.discord.api.messages.values()):
            version = len(message.versions)
            if message.deleted or self._shown.get(message.id) == version:
                continue
            self._shown[message.id] = version
            if not message.loading:
                self._print_message(message)
                printed = True
        return printed

    def show_changes_unprompted(self) -> None:
        """What the bot did on its own, between commands: printed below the waiting prompt, then the prompt
        again."""
        if self.show_changes():
            self.terminal.prompt_again()

    def _print_message(self, message: SentMessage) -> None:
        lines = [render(message, self.members.name_of, where=self._where(message))]
        for _file, path in self.files.save(message):
            kind = path.suffix.lstrip(".") or path.name
            lines.append(f"   saved as {path} (deleted when the demo ends; show {kind} prints it all)")
            lines += preview(path)
        self.say("\n".join(lines))

    def _where(self, message: SentMessage) -> str:
        if message.dm_user_id is not None:
            return f"DM to {self.members.name_of(message.dm_user_id)}"
        return f"#{self.discord.guild.channel_name}"
