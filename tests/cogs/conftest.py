"""People for the feature tests: Discord members of the test server with matching Taubot accounts."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from harness import FakeDiscord, FakeUser, SentMessage
from sandbox import TRANSFER_FUNDS, VIEW_BALANCE, Sandbox


@dataclass
class Person:
    user: FakeUser
    account_id: str | None  # their personal Taubot account, if they have one

    @property
    def id(self) -> int:
        return self.user.id


class People:
    def __init__(self, discord: FakeDiscord, sandbox: Sandbox):
        self.discord, self.sandbox = discord, sandbox

    def member(self, name: str, *, balance: int | None = 100_00) -> Person:
        """A server member; with a personal Taubot account holding `balance` unless balance is None."""
        user = self.discord.user(name)
        account = None
        if balance is not None:
            account = self.sandbox.create_account(name.title(), owner_id=user.id, balance=balance).account_id
        return Person(user, account)

    async def link(self, person: Person, *, permissions=(VIEW_BALANCE, TRANSFER_FUNDS),
                   spending_limit: int | None = 1_000_00) -> SentMessage:
        """The whole link flow as the member does it: /link-account, grant on Taubot, 'I've granted access'."""
        await self.discord.run_command("link-account", by=person.user)
        dm = self.discord.last_dm(person.user)
        assert self.sandbox.grant(ref_of(dm), person.id, permissions=permissions, spending_limit=spending_limit)
        pressed = await self.discord.press(dm, "I've granted access", by=person.user)
        assert pressed.text.startswith("Linked to"), pressed.text
        return dm


def ref_of(dm: SentMessage) -> str:
    """The ref_id a link DM carries (in its button's custom_id)."""
    for button in dm.buttons:
        if button.custom_id and button.custom_id.startswith("link:granted:"):
            return button.custom_id.removeprefix("link:granted:")
    raise AssertionError(f"no link button in {dm!r}")


@pytest.fixture
def people(discord, sandbox) -> People:
    return People(discord, sandbox)
