"""The demo server's members, found by whatever a person types for them: @bob, bob, Bob, <@1002> or 1002."""

from __future__ import annotations

import re

from harness import FakeDiscord, FakeUser

from .errors import InputError
from .words import closest, listed

_MENTION = re.compile(r"<@!?(\d+)>")


class Members:
    def __init__(self, discord: FakeDiscord, ids: dict[str, int]):
        self.discord = discord
        self.people = {name: discord.user(name, user_id=user_id) for name, user_id in ids.items()}
        self.bot = discord.api.bot_user  # can be named too: paying it shows the bot's own refusal

    @property
    def names(self) -> list[str]:
        return list(self.people)

    def name_of(self, user_id: int) -> str:
        user = self.discord.api.users.get(user_id)
        return user.username if user else str(user_id)

    def find(self, text: str) -> FakeUser | None:
        """The member `text` names, or None."""
        mention = _MENTION.fullmatch(text.strip())
        key = mention[1] if mention else text.strip().removeprefix("@").casefold()
        everyone = [*self.people.values(), self.bot]
        return next((user for user in everyone if key in (user.username.casefold(), str(user.id))), None)

    def get(self, text: str) -> FakeUser:
        """The member `text` names; an InputError naming the members (and the likely one) otherwise."""
        user = self.find(text)
        if user is not None:
            return user
        typed = text.strip().removeprefix("@")
        guess = closest(typed, self.names)
        hint = f"Did you mean @{guess}? " if guess else ""
        raise InputError(f"There is no member called “{typed}” here. {hint}The members are "
                         f"{listed(['@' + name for name in self.names])}.")

    def person(self, text: str) -> FakeUser:
        """A member one can act as (not the bot)."""
        user = self.get(text)
        if user.bot:
            raise InputError(f"You can't act as @{user.username}: it's the bot. Try as {self.names[1]}.")
        return user
