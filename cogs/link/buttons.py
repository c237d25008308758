"""The buttons of the linking feature: in the link DM, and under the relink and unlink questions.

All are persistent (see cogs/buttons.py). The DM's buttons are checked against the pending link's owner when
pressed; the others carry the member they belong to.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

import discord

from ..buttons import PersistentButton, cog_of

REF = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
DIGITS = r"\d+"
ACCOUNT = r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"  # a Taubot account id


class LinkButtonHandler:
    """What the link buttons ask of the link cog (LinkCog implements it)."""

    async def check_grant_now(self, interaction: discord.Interaction, ref_id: str) -> None:
        raise NotImplementedError

    async def cancel_link(self, interaction: discord.Interaction, ref_id: str) -> None:
        raise NotImplementedError

    async def relink_confirmed(self, interaction: discord.Interaction, account_id: str | None) -> None:
        raise NotImplementedError

    async def unlink_confirmed(self, interaction: discord.Interaction, account_id: str | None) -> None:
        raise NotImplementedError


class _LinkDMButton(PersistentButton):
    fields: ClassVar[dict[str, str]] = {"ref_id": REF}

    @property
    def ref_id(self) -> str:
        return self.values["ref_id"]


class GrantedButton(_LinkDMButton):
    prefix, label, style = "link:granted", "I've granted access", discord.ButtonStyle.success

    async def handle(self, interaction: discord.Interaction) -> None:
        await cog_of(interaction, LinkButtonHandler).check_grant_now(interaction, self.ref_id)


class CancelLinkButton(_LinkDMButton):
    prefix, label = "link:cancel", "Cancel"

    async def handle(self, interaction: discord.Interaction) -> None:
        await cog_of(interaction, LinkButtonHandler).cancel_link(interaction, self.ref_id)


class _OwnerOnly(PersistentButton):
    fields: ClassVar[dict[str, str]] = {"owner_id": DIGITS}
    owner_field = "owner_id"


class _OwnersAccount(PersistentButton):
    """A button about one of the member's linked accounts other than their personal one."""

    fields: ClassVar[dict[str, str]] = {"owner_id": DIGITS, "account_id": ACCOUNT}
    owner_field = "owner_id"


class RelinkButton(_OwnerOnly):
    prefix, label, style = "link:again", "Link a new grant", discord.ButtonStyle.primary

    async def handle(self, interaction: discord.Interaction) -> None:
        await cog_of(interaction, LinkButtonHandler).relink_confirmed(interaction, None)


class RelinkAccountButton(_OwnersAccount):
    prefix, label, style = "link:again-for", "Link a new grant", discord.ButtonStyle.primary

    async def handle(self, interaction: discord.Interaction) -> None:
        await cog_of(interaction, LinkButtonHandler).relink_confirmed(interaction, self.values["account_id"])


class UnlinkButton(_OwnerOnly):
    prefix, label, style = "unlink:yes", "Unlink", discord.ButtonStyle.danger

    async def handle(self, interaction: discord.Interaction) -> None:
        await cog_of(interaction, LinkButtonHandler).unlink_confirmed(interaction, None)


class UnlinkAccountButton(_OwnersAccount):
    prefix, label, style = "unlink:yes-for", "Unlink", discord.ButtonStyle.danger

    async def handle(self, interaction: discord.Interaction) -> None:
        await cog_of(interaction, LinkButtonHandler).unlink_confirmed(interaction, self.values["account_id"])


class KeepButton(_OwnerOnly):
    """'Keep my current link' under the relink question, 'Keep it' under the unlink question."""

    prefix = ("link:keep", "unlink:no")
    WORDS: ClassVar[dict[str, tuple[str, str]]] = {  # prefix → (label, answer)
        "link:keep": ("Keep my current link", "Nothing changed: your current link stays."),
        "unlink:no": ("Keep it", "Nothing changed: your account stays linked."),
    }

    def button_label(self) -> str:
        return self.WORDS[self.prefix_used][0]

    async def handle(self, interaction: discord.Interaction) -> None:
        await interaction.response.edit_message(content=self.WORDS[self.prefix_used][1], embed=None, view=None)


PERSISTENT_ITEMS = (GrantedButton, CancelLinkButton, RelinkButton, RelinkAccountButton, UnlinkButton,
                    UnlinkAccountButton, KeepButton)


def _view(*items: discord.ui.Item) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    return view


def dm_buttons(ref_id: str, grant_url: str) -> discord.ui.View:
    return _view(discord.ui.Button(label="Open Taubot", style=discord.ButtonStyle.link, url=grant_url),
                 GrantedButton(ref_id=ref_id), CancelLinkButton(ref_id=ref_id))


def relink_buttons(owner_id: int, account_id: str | None = None) -> discord.ui.View:
    """Under "you're already linked" (and the expiry reminder): for the personal account, or `account_id`."""
    relink = RelinkButton(owner_id=owner_id) if account_id is None else \
        RelinkAccountButton(owner_id=owner_id, account_id=account_id)
    return _view(relink, KeepButton(owner_id=owner_id, prefix="link:keep"))


def unlink_buttons(owner_id: int, account_id: str | None = None) -> discord.ui.View:
    """Under the unlink question: every link of the member, or only the one to `account_id`."""
    unlink = UnlinkButton(owner_id=owner_id) if account_id is None else \
        UnlinkAccountButton(owner_id=owner_id, account_id=account_id)
    return _view(unlink, KeepButton(owner_id=owner_id, prefix="unlink:no"))


def grant_ref_of(custom_ids: Iterable[str | None]) -> str | None:
    """The ref_id a link DM carries, given its buttons' custom_ids (None if it has no 'I've granted access').

    For the harness's readers (tests, the demo, the benchmarks), so nothing else parses these ids."""
    for custom_id in custom_ids:
        fields = GrantedButton.parse(custom_id)
        if fields is not None:
            return fields["ref_id"]
    return None
