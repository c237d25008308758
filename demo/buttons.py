"""`press LABEL`: which button on screen a person means (any case, typographic or plain apostrophes; a part of
a label is enough when only one label has it), and why not when it can't be pressed."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from harness import ButtonView, SentMessage

from .errors import InputError
from .words import closest, listed, plain

Owner = Callable[[SentMessage], int | None]  # who alone can see a message (None: everyone)


class ButtonFinder:
    def __init__(self, messages: Iterable[SentMessage], owner_of: Owner, me: int, name_of: Callable[[int], str]):
        shown = [m for m in reversed(list(messages)) if not m.deleted]  # newest first
        self.mine = [m for m in shown if owner_of(m) in (None, me)]
        self.others = [(m, owner_of(m)) for m in shown if owner_of(m) not in (None, me)]
        self.me, self.name_of = me, name_of

    def find(self, typed: str) -> tuple[SentMessage, ButtonView]:
        """The newest pressable button `typed` names; InputError says what to type instead."""
        wanted = _folded(plain(typed).strip().strip('"'))
        if not wanted:
            raise InputError(f"press needs a button's name, like press Confirm. {self.pressable_now()}")
        matches = (self._matching(lambda label: label == wanted)
                   or self._unique(lambda label: label.startswith(wanted))
                   or self._unique(lambda label: wanted in label))
        usable = [(m, b) for m, b in matches if not b.disabled and b.url is None]
        if usable:
            return usable[0]
        if matches:
            raise self._unusable(matches[0][1])
        raise self._missing(typed.strip(), wanted)

    def pressable_now(self) -> str:
        labels = self.labels()
        if not labels:
            return "No message on screen has a button right now."
        return f"Buttons you can press now: {listed([f'“{label}”' for label in labels])}."

    def labels(self) -> list[str]:
        return list(dict.fromkeys(b.label for m in self.mine for b in m.buttons
                                  if b.label and not b.disabled and b.url is None))

    def _matching(self, accept: Callable[[str], bool]) -> list[tuple[SentMessage, ButtonView]]:
        return [(m, b) for m in self.mine for b in m.buttons if b.label and accept(_folded(b.label))]

    def _unique(self, accept: Callable[[str], bool]) -> list[tuple[SentMessage, ButtonView]]:
        """The buttons of the one label `accept` picks out (none when it fits several labels)."""
        matches = self._matching(accept)
        return matches if len({_folded(b.label or "") for _, b in matches}) == 1 else []

    def _unusable(self, button: ButtonView) -> InputError:
        if button.url is not None:
            return InputError(f"“{button.label}” is a link, not a button the bot hears: open {button.url} in a "
                              "browser on this machine.")
        return InputError(f"“{button.label}” is greyed out, so Discord won't let you press it.")

    def _missing(self, typed: str, wanted: str) -> InputError:
        for message, owner in self.others:
            label = next((b.label for b in message.buttons if b.label and _folded(b.label) == wanted), None)
            if owner is not None and label is not None:
                them, me = self.name_of(owner), self.name_of(self.me)
                return InputError(f"Only {them} can see the message with “{label}”; in Discord, {me} wouldn't "
                                  f"even see it. Switch with: as {them}")
        guess = closest(wanted, self.labels())
        hint = f" Did you mean “{guess}”?" if guess else ""
        return InputError(f"No message on screen has a button labelled “{typed}”.{hint} {self.pressable_now()}")


def _folded(label: str) -> str:
    return plain(label).casefold()
