"""A slash command's options from what a person types after it, in any order:

    /pay user amount:5 to:@bob      /pay user @bob 5      /pay account 5 to:Treasury      /balance account:Café #1?

A named option's value runs to the next option name or @member, so names with spaces, `#`, `?` or
apostrophes need no quotes. Words without a name go to the options that can take them, in the command's
order; a member's name goes to the member option. Everything Discord's own client would refuse (a missing
required option, a number out of range) is explained here, in a member's words, before anything is sent.
"""

from __future__ import annotations

import re
from typing import Any

from harness import FakeUser

from .catalogue import BOOLEAN, INTEGER, NUMBER, STRING, USER, OptionSpec, SlashCommand
from .errors import InputError
from .members import Members
from .words import Word, closest, listed

YES, NO = ("yes", "y", "true", "on", "1"), ("no", "n", "false", "off", "0")
_OPTION_NAME = re.compile(r"[A-Za-z][\w-]*")
_WHOLE_NUMBER = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)")
_MENTION = re.compile(r"@\S+|<@!?\d+>")


def read_options(command: SlashCommand, words: list[Word], members: Members, *,
                 other_names: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The options to send with `command`, as the harness takes them; InputError says what to fix.
    `other_names`: option names of other commands, so `name:` with one of them is read as a misplaced option."""
    reading = _Reading(command, members, other_names)
    for word in words:
        reading.take(word)
    return reading.finish()


class _Reading:
    def __init__(self, command: SlashCommand, members: Members, other_names: frozenset[str]):
        self.command, self.members, self.other_names = command, members, other_names
        self.named: dict[str, list[str]] = {}  # option name → the words typed for it
        self.people: dict[str, FakeUser] = {}  # member options already filled
        self.loose: list[Word] = []
        self.current: OptionSpec | None = None  # the named option the next words continue

    # -- one word at a time ---------------------------------------------------------------------------

    def take(self, word: Word) -> None:
        if not word.quoted and self._take_named(word):
            return
        if not word.quoted and _MENTION.fullmatch(word.text) and self._take_member(word.text):
            return
        current = self.current
        if current is not None and (current.kind == STRING or not self.named[current.name]):
            self.named[current.name].append(word.text)
            return
        self.current = None
        self.loose.append(word)

    def _take_named(self, word: Word) -> bool:
        key, colon, value = word.text.partition(":")
        if not colon or not _OPTION_NAME.fullmatch(key):
            return False
        option = self.command.option(key)
        if option is None:
            self._refuse_unknown_name(key)
            return False  # not an option name: plain text, like the "http" of a URL
        if option.name in self.named or option.name in self.people:
            raise InputError(f"{option.name} is given twice; keep one, e.g. {option.name}:{value or '…'}")
        self.named[option.name] = [value] if value else []
        self.current = option
        return True

    def _refuse_unknown_name(self, key: str) -> None:
        """Refuse `key:` when it is meant as an option (a typo of one, or another command's); else it is text."""
        names = [option.name for option in self.command.options]
        guess = closest(key, names)
        if not names and (guess or key.casefold() in self.other_names):
            raise InputError(f"/{self.command.path} takes no options; type just /{self.command.path}.")
        if guess is not None:
            raise InputError(f"/{self.command.path} has no option “{key}”. Did you mean {guess}:? "
                             f"{self._what_it_takes()}")
        if key.casefold() in self.other_names:
            raise InputError(f"/{self.command.path} has no option “{key}”. {self._what_it_takes()}")

    def _take_member(self, text: str) -> bool:
        """@bob: the member option (the one being named, else the first still empty); False when it is text."""
        current = self.current
        if current is not None and current.kind == STRING and self.members.find(text) is None:
            return False  # part of a name, like account:@home
        if current is not None and current.kind == USER and not self.named[current.name]:
            self.named[current.name].append(text)
            return True
        self.current = None
        empty = self._empty_member_option()
        if empty is None:
            self._refuse_member(text)
        self.people[empty.name] = self.members.get(text)
        return True

    def _empty_member_option(self) -> OptionSpec | None:
        return next((option for option in self.command.options if option.kind == USER
                     and option.name not in self.named and option.name not in self.people), None)

    def _refuse_member(self, text: str) -> None:
        if any(option.kind == USER for option in self.command.options):
            raise InputError(f"/{self.command.path} takes one member, so “{text}” has no place. "
                             f"{self._what_it_takes()}")
        raise InputError(f"/{self.command.path} doesn't take a member, so “{text}” has no place. "
                         f"{self._what_it_takes()}")

    # -- at the end of the line -----------------------------------------------------------------------

    def finish(self) -> dict[str, Any]:
        self._place_loose_words()
        values: dict[str, Any] = dict(self.people)
        for name, words in self.named.items():
            values[name] = self._value(self.command.option(name), " ".join(words).strip())
        missing = [option for option in self.command.options if option.required and option.name not in values]
        if missing:
            option = missing[0]
            raise InputError(f"/{self.command.path} needs {option.name} ({option.description}). "
                             f"Type it like: {self.command.usage}")
        return values

    def _place_loose_words(self) -> None:
        index = 0
        while index < len(self.loose):
            word = self.loose[index]
            member_option = self._empty_member_option()
            if member_option is not None and not word.quoted and self.members.find(word.text):
                self.named[member_option.name] = [word.text]
                index += 1
                continue
            option = self._yes_option_named(word)
            if option is not None:  # "/history export": a yes/no option named on its own means yes
                self.named[option.name] = ["yes"]
                index += 1
                continue
            option = next((option for option in self._empty_options() if _fits(option, word.text)), None)
            if option is None:
                self._refuse_loose(word)
            # The last option that takes text takes the rest of the line (names need no quotes), unless a required
            # option still waits after it (/pay user 5 bob); optional ones after it (memo:, from:) go by name.
            takes_rest = option.kind == STRING and not any(later.required for later in self._empty_after(option))
            end = len(self.loose) if takes_rest else index + 1
            self.named[option.name] = [w.text for w in self.loose[index:end]]
            index = end

    def _empty_options(self) -> list[OptionSpec]:
        return [option for option in self.command.options if option.kind != USER
                and option.name not in self.named and option.name not in self.people]

    def _empty_after(self, option: OptionSpec) -> list[OptionSpec]:
        """The options after `option` still waiting for a value that text can give (members included)."""
        empty = [later for later in self.command.options if later.name not in self.named and later.name not in
                 self.people and later.kind in (STRING, USER)]
        return empty[empty.index(option) + 1:]

    def _yes_option_named(self, word: Word) -> OptionSpec | None:
        return next((option for option in self._empty_options()
                     if option.kind == BOOLEAN and option.name.casefold() == word.text.casefold()), None)

    def _refuse_loose(self, word: Word) -> None:
        if not self.command.options:
            raise InputError(f"/{self.command.path} takes no options; type just /{self.command.path}.")
        raise InputError(f"“{word.text}” doesn't fit anywhere in /{self.command.path}. {self._what_it_takes()}")

    def _what_it_takes(self) -> str:
        parts = [f"{option.name} — {option.description}" for option in self.command.options]
        return f"It takes: {'; '.join(parts)}." if parts else "It takes no options."

    # -- typed values ---------------------------------------------------------------------------------

    def _value(self, option: OptionSpec, text: str) -> Any:
        if not text:
            example = _example(option)
            fix = f"like {option.name}:{example}" if example else f"or leave {option.name} out"
            raise InputError(f"{option.name}: has nothing after it. Write the value right after the colon, {fix}.")
        if option.kind == USER:
            return self.members.get(text)
        if option.kind == STRING:
            return _string(option, text)
        if option.kind in (INTEGER, NUMBER):
            return _number(option, text)
        if option.kind == BOOLEAN:
            return _yes_or_no(option, text)
        raise InputError(f"The demo can't fill in {option.name} yet; leave it out.")


def _fits(option: OptionSpec, text: str) -> bool:
    if option.kind == INTEGER:
        return bool(_WHOLE_NUMBER.fullmatch(text))
    if option.kind == NUMBER:
        return bool(_NUMBER.fullmatch(text))
    if option.kind == BOOLEAN:
        return text.casefold() in YES + NO
    return option.kind == STRING


def _string(option: OptionSpec, text: str) -> str:
    low, high = option.limits.get("min_length", 0), option.limits.get("max_length", 6000)
    if not low <= len(text) <= high:
        raise InputError(f"{option.name} takes {low}–{high} characters; “{text[:40]}” has {len(text)}.")
    return _choice(option, text)


def _number(option: OptionSpec, text: str) -> int | float:
    whole = option.kind == INTEGER
    if not (_WHOLE_NUMBER if whole else _NUMBER).fullmatch(text):
        kind = "a whole number" if whole else "a number"
        raise InputError(f"{option.name} takes {kind}, like {option.name}:10; “{text}” is not one.")
    value = int(text) if whole else float(text)
    low, high = option.limits.get("min_value"), option.limits.get("max_value")
    if (low is not None and value < low) or (high is not None and value > high):
        raise InputError(f"{option.name} goes from {_bound(low, 'any')} to {_bound(high, 'any')}; {text} is outside "
                         "that, so Discord wouldn't send it.")
    return _choice(option, value)


def _yes_or_no(option: OptionSpec, text: str) -> bool:
    folded = text.casefold()
    if folded not in YES + NO:
        raise InputError(f"{option.name} takes yes or no; “{text}” is neither.")
    return folded in YES


def _choice(option: OptionSpec, value: Any) -> Any:
    choices = option.limits.get("choices")
    if not choices:
        return value
    for choice in choices:
        if str(value).casefold() in (str(choice["value"]).casefold(), str(choice["name"]).casefold()):
            return choice["value"]
    raise InputError(f"{option.name} is one of {listed([str(c['name']) for c in choices], last='or')}.")


def _example(option: OptionSpec) -> str | None:
    given = re.search(r"e\.g\. (\S+)", option.description)  # "How much, e.g. 12.50"
    return {USER: "@bob", INTEGER: "10", NUMBER: "10", BOOLEAN: "yes"}.get(option.kind, given[1] if given else None)


def _bound(value: Any, fallback: str) -> str:
    return fallback if value is None else str(value)

