"""The buttons of the linking feature. All are DynamicItems: their state is in the custom_id, so a press
still works after the bot restarts. Each checks that the person pressing is the member it belongs to."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from .interactions import PrefixedButton

if TYPE_CHECKING:
    from .link import LinkCog

LINK_COG = "Link"
REF = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
DynamicButton = discord.ui.DynamicItem[discord.ui.Button]


def _cog(interaction: discord.Interaction) -> LinkCog:
    return interaction.client.get_cog(LINK_COG)  # type: ignore[return-value]


class _OwnerOnly(PrefixedButton):
    """The argument is the id of the only member who may press it."""

    @property
    def owner_id(self) -> int:
        return int(self.argument)


class GrantedButton(PrefixedButton, DynamicButton, template=rf"link:granted:(?P<argument>{REF})"):
    prefix, label, style = "link:granted", "I've granted access", discord.ButtonStyle.success

    async def handle(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).check_grant_now(interaction, self.argument)


class CancelLinkButton(PrefixedButton, DynamicButton, template=rf"link:cancel:(?P<argument>{REF})"):
    prefix, label = "link:cancel", "Cancel"

    async def handle(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).cancel_link(interaction, self.argument)


class RelinkButton(_OwnerOnly, DynamicButton, template=r"link:again:(?P<argument>\d+)"):
    prefix, label, style = "link:again", "Link a new grant", discord.ButtonStyle.primary

    async def handle(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).relink_confirmed(interaction)


class KeepLinkButton(_OwnerOnly, DynamicButton, template=r"link:keep:(?P<argument>\d+)"):
    prefix, label = "link:keep", "Keep my current link"

    async def handle(self, interaction: discord.Interaction) -> None:
        await interaction.response.edit_message(content="Nothing changed: your current link stays.", embed=None,
                                                view=None)


class UnlinkButton(_OwnerOnly, DynamicButton, template=r"unlink:yes:(?P<argument>\d+)"):
    prefix, label, style = "unlink:yes", "Unlink", discord.ButtonStyle.danger

    async def handle(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).unlink_confirmed(interaction)


class KeepUnlinkButton(_OwnerOnly, DynamicButton, template=r"unlink:no:(?P<argument>\d+)"):
    prefix, label = "unlink:no", "Keep it"

    async def handle(self, interaction: discord.Interaction) -> None:
        await interaction.response.edit_message(content="Nothing changed: your account stays linked.", embed=None,
                                                view=None)


PERSISTENT_ITEMS = (GrantedButton, CancelLinkButton, RelinkButton, KeepLinkButton, UnlinkButton, KeepUnlinkButton)


def _view(*items: discord.ui.Item) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    return view


def dm_buttons(ref_id: str, grant_url: str) -> discord.ui.View:
    return _view(discord.ui.Button(label="Open Taubot", style=discord.ButtonStyle.link, url=grant_url),
                 GrantedButton(ref_id), CancelLinkButton(ref_id))


def relink_buttons(owner_id: int) -> discord.ui.View:
    return _view(RelinkButton(owner_id), KeepLinkButton(owner_id))


def unlink_buttons(owner_id: int) -> discord.ui.View:
    return _view(UnlinkButton(owner_id), KeepUnlinkButton(owner_id))
