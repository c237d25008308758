"""The accounts each member has come across through the bot, and the suggestions built from them while the
member types an account name (/balance account:, /pay account to:).

What /history showed a member and the accounts they looked up with /balance are kept here, in memory and
bounded (a restart forgets them); the accounts they paid come from the payment journal. Together that is what
the bot already knows: a suggestion never costs a Taubot request.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from discord import app_commands

from .limits import CHOICE_NAME, CHOICE_VALUE, CHOICES, clip
from .ui import account_name

PER_MEMBER = 50  # names kept per member, the most recently seen
MEMBERS = 10_000  # members remembered; the least recently active go first


class SeenAccounts:
    def __init__(self) -> None:
        self._by_member: OrderedDict[int, OrderedDict[str, None]] = OrderedDict()

    def note(self, user_id: int, names: Iterable[str]) -> None:
        """`user_id` has just seen the accounts called `names` (most recent first, as /history lists them)."""
        seen = self._by_member.setdefault(user_id, OrderedDict())
        self._by_member.move_to_end(user_id)
        for name in reversed(list(names)):
            seen[name] = None
            seen.move_to_end(name, last=False)
        while len(seen) > PER_MEMBER:
            seen.popitem()
        while len(self._by_member) > MEMBERS:
            self._by_member.popitem(last=False)

    def of(self, user_id: int) -> list[str]:
        """The names `user_id` has seen, most recent first."""
        return list(self._by_member.get(user_id, ()))


def suggestions(names: Iterable[str], typed: str) -> list[app_commands.Choice[str]]:
    """Choices for the names that contain what the member typed so far, as members read them ("Bob's account"
    for a default personal name) with Taubot's own name as the value sent back."""
    wanted = typed.strip().casefold()
    choices = []
    for name in dict.fromkeys(names):
        shown = account_name(name, markdown=False)
        # A longer name can't be a choice's value (nor typed into the option): it is left out.
        if len(name) <= CHOICE_VALUE and (wanted in shown.casefold() or wanted in name.casefold()):
            choices.append(app_commands.Choice(name=clip(shown, CHOICE_NAME), value=name))
    return choices[:CHOICES]
