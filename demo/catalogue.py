"""What the bot offers, read from its real command tree: slash commands with their options, and the user
commands of the Apps menu. Help, usage lines and "did you mean" all come from here, so a command added to
the bot shows up in the demo without editing it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands

from .errors import InputError
from .words import Word, closest, listed

# Discord's application command option types.
SUB_COMMAND, SUB_COMMAND_GROUP, STRING, INTEGER, BOOLEAN, USER, NUMBER = 1, 2, 3, 4, 5, 6, 10
# Commands worth showing as examples in the help, kept only while the bot has the command.
EXAMPLES = ("/balance account:Café #1?", "/pay user 5 @bob", "/pay account 2.50 Treasury",
            "/history limit:5 export:yes")


@dataclass(frozen=True)
class OptionSpec:
    name: str
    kind: int
    description: str
    required: bool
    limits: dict[str, Any]  # min_length, max_length, min_value, max_value, choices: as Discord sends them

    @classmethod
    def from_schema(cls, schema: dict[str, Any]) -> OptionSpec:
        limits = {key: schema[key] for key in ("min_length", "max_length", "min_value", "max_value", "choices")
                  if schema.get(key) is not None}
        return cls(schema["name"], schema["type"], schema.get("description", ""), bool(schema.get("required")),
                   limits)

    @property
    def usage(self) -> str:
        return self.name if self.required else f"[{self.name}]"


@dataclass(frozen=True)
class SlashCommand:
    path: str  # "pay", or "group sub" for a subcommand
    description: str
    options: tuple[OptionSpec, ...]

    @property
    def usage(self) -> str:
        return " ".join([f"/{self.path}", *(option.usage for option in self.options)])

    def option(self, name: str) -> OptionSpec | None:
        return next((option for option in self.options if option.name.casefold() == name.casefold()), None)

    def explained(self) -> str:
        lines = [f"{self.usage} — {self.description}"]
        width = max((len(option.name) for option in self.options), default=0)
        for option in self.options:
            required = " (required)" if option.required else ""
            lines.append(f"  {option.name.ljust(width)}  {option.description}{required}")
        if self.options:
            lines.append("Options go in any order, by name (name:value) or alone where it is clear; names need no "
                         "quotes.")
        return "\n".join(lines)


class Catalogue:
    def __init__(self, tree: app_commands.CommandTree):
        self.slash: dict[str, SlashCommand] = {}
        for command in tree.get_commands(type=discord.AppCommandType.chat_input):
            for found in _flatten(command.to_dict(tree), prefix=""):
                self.slash[found.path] = found
        self.user_commands = [command.name for command in tree.get_commands(type=discord.AppCommandType.user)]

    @property
    def option_names(self) -> frozenset[str]:
        return frozenset(option.name.casefold() for command in self.slash.values() for option in command.options)

    @property
    def roots(self) -> list[str]:
        return list(dict.fromkeys(path.split()[0] for path in self.slash))

    def find_slash(self, words: list[Word]) -> tuple[SlashCommand, list[Word]]:
        """The command the first word(s) name (any case) and the words left for its options."""
        path: list[str] = []
        for index, word in enumerate(words):
            path.append(word.text.casefold())
            typed = " ".join(path)
            if typed in self.slash:
                return self.slash[typed], words[index + 1:]
            below = [p for p in self.slash if p.startswith(typed + " ")]
            if not below:
                break
        raise InputError(self._no_such_command(path))

    def explain(self, words: list[Word]) -> str:
        """What a command's options mean; for a command with subcommands (/pay), each of them."""
        typed = " ".join(word.text.casefold() for word in words)
        below = [command for path, command in self.slash.items() if path.startswith(typed + " ")]
        if below and typed not in self.slash:
            return "\n\n".join(command.explained() for command in below)
        return self.find_slash(words)[0].explained()

    def slash_taking_a_member(self, name: str) -> SlashCommand | None:
        """/pay user for the Apps-menu command Pay: the slash command of that name that takes a member."""
        return next((command for path, command in self.slash.items() if path.split()[0] == name.casefold()
                     and any(option.kind == USER for option in command.options)), None)

    def _no_such_command(self, path: list[str]) -> str:
        typed = " ".join(path)
        if len(path) > 1:
            parent = " ".join(path[:-1])
            subs = [p.split()[-1] for p in self.slash if p.startswith(parent + " ")]
            return f"/{parent} has no “{path[-1]}”; it has {listed(subs, last='or')}."
        below = [p for p in self.slash if p.startswith(typed + " ")]
        if below:
            return f"/{typed} needs one of: {listed(['/' + p for p in below], last='or')}."
        guess = closest(typed, list(self.slash))
        hint = f" Did you mean /{guess}?" if guess else ""
        return f"There is no /{typed}.{hint} The commands are {self.command_list()}."

    def find_user_command(self, name: str) -> str | None:
        return next((command for command in self.user_commands if command.casefold() == name.casefold()), None)

    def command_list(self) -> str:
        return listed([f"/{root}" for root in self.roots])

    def examples(self) -> list[str]:
        return [example for example in EXAMPLES if example.split()[0][1:] in self.slash]

    def help_rows(self) -> list[tuple[str, str]]:
        rows = [(command.usage, command.description) for command in self.slash.values()]
        rows += [(f"{name.casefold()} @MEMBER", f"Apps → {name}: right-click a member and choose {name} "
                                                 "(the bot asks the rest in a form)")
                 for name in self.user_commands]
        return rows


def _flatten(schema: dict[str, Any], prefix: str) -> list[SlashCommand]:
    """A command, or each of its subcommands (groups included) as its own 'root sub' command."""
    path = f"{prefix} {schema['name']}".strip()
    options = schema.get("options") or []
    subs = [option for option in options if option["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)]
    if subs:
        return [found for sub in subs for found in _flatten(sub, path)]
    return [SlashCommand(path, schema.get("description", ""),
                         tuple(OptionSpec.from_schema(option) for option in options))]
