"""The buttons of the linking feature. All are DynamicItems: their state is in the custom_id, so a press
still works after the bot restarts. Each checks that the person pressing is the member it belongs to."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

if TYPE_CHECKING:
    from .link import LinkCog

LINK_COG = "Link"
REF = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def _cog(interaction: discord.Interaction) -> LinkCog:
    return interaction.client.get_cog(LINK_COG)  # type: ignore[return-value]


class _OwnerOnly:
    """Mixin for a button only one member may press: the one whose id is in its custom_id."""

    owner_id: int

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message("These buttons belong to someone else.", ephemeral=True)
        return False


class GrantedButton(discord.ui.DynamicItem[discord.ui.Button], template=rf"link:granted:(?P<ref>{REF})"):
    def __init__(self, ref_id: str):
        super().__init__(discord.ui.Button(label="I've granted access", style=discord.ButtonStyle.success,
                                           custom_id=f"link:granted:{ref_id}"))
        self.ref_id = ref_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: Any, match: re.Match[str]):
        return cls(match["ref"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).check_grant_now(interaction, self.ref_id)


class CancelLinkButton(discord.ui.DynamicItem[discord.ui.Button], template=rf"link:cancel:(?P<ref>{REF})"):
    def __init__(self, ref_id: str):
        super().__init__(discord.ui.Button(label="Cancel", style=discord.ButtonStyle.secondary,
                                           custom_id=f"link:cancel:{ref_id}"))
        self.ref_id = ref_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: Any, match: re.Match[str]):
        return cls(match["ref"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).cancel_link(interaction, self.ref_id)


class RelinkButton(_OwnerOnly, discord.ui.DynamicItem[discord.ui.Button], template=r"link:again:(?P<user>\d+)"):
    def __init__(self, owner_id: int):
        super().__init__(discord.ui.Button(label="Link a new grant", style=discord.ButtonStyle.primary,
                                           custom_id=f"link:again:{owner_id}"))
        self.owner_id = owner_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: Any, match: re.Match[str]):
        return cls(int(match["user"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).relink_confirmed(interaction)


class KeepLinkButton(_OwnerOnly, discord.ui.DynamicItem[discord.ui.Button], template=r"link:keep:(?P<user>\d+)"):
    def __init__(self, owner_id: int):
        super().__init__(discord.ui.Button(label="Keep my current link", style=discord.ButtonStyle.secondary,
                                           custom_id=f"link:keep:{owner_id}"))
        self.owner_id = owner_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: Any, match: re.Match[str]):
        return cls(int(match["user"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.edit_message(content="Nothing changed: your current link stays.", embed=None,
                                                view=None)


class UnlinkButton(_OwnerOnly, discord.ui.DynamicItem[discord.ui.Button], template=r"unlink:yes:(?P<user>\d+)"):
    def __init__(self, owner_id: int):
        super().__init__(discord.ui.Button(label="Unlink", style=discord.ButtonStyle.danger,
                                           custom_id=f"unlink:yes:{owner_id}"))
        self.owner_id = owner_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: Any, match: re.Match[str]):
        return cls(int(match["user"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).unlink_confirmed(interaction)


class KeepUnlinkButton(_OwnerOnly, discord.ui.DynamicItem[discord.ui.Button], template=r"unlink:no:(?P<user>\d+)"):
    def __init__(self, owner_id: int):
        super().__init__(discord.ui.Button(label="Keep it", style=discord.ButtonStyle.secondary,
                                           custom_id=f"unlink:no:{owner_id}"))
        self.owner_id = owner_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: Any, match: re.Match[str]):
        return cls(int(match["user"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.edit_message(content="Nothing changed: your account stays linked.", embed=None,
                                                view=None)


PERSISTENT_ITEMS = (GrantedButton, CancelLinkButton, RelinkButton, KeepLinkButton, UnlinkButton, KeepUnlinkButton)


def dm_buttons(ref_id: str, grant_url: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label="Open Taubot", style=discord.ButtonStyle.link, url=grant_url))
    view.add_item(GrantedButton(ref_id))
    view.add_item(CancelLinkButton(ref_id))
    return view


def relink_buttons(owner_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(RelinkButton(owner_id))
    view.add_item(KeepLinkButton(owner_id))
    return view


def unlink_buttons(owner_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(UnlinkButton(owner_id))
    view.add_item(KeepUnlinkButton(owner_id))
    return view
