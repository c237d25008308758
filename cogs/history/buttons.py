"""Previous/Next under a /history page: persistent buttons carrying the owner, the view and the page."""

from __future__ import annotations

from typing import ClassVar

import discord

from ..buttons import PersistentButton, cog_of
from ..messages import NOT_YOUR_HISTORY


class PageTurner:
    """What the page buttons ask of the history cog (HistoryCog implements it)."""

    async def turn_page(self, interaction: discord.Interaction, session_id: str, page: int) -> None:
        raise NotImplementedError


class PageButton(PersistentButton):
    """Previous/Next; the label is part of the custom_id, which keeps the two buttons apart."""

    prefix = "history:page"
    fields: ClassVar[dict[str, str]] = {"owner_id": r"\d+", "session_id": r"[0-9a-f]{32}", "page": r"-?\d+",
                                        "label": r"\w+"}
    owner_field = "owner_id"
    not_yours = NOT_YOUR_HISTORY

    def button_label(self) -> str:
        return self.values["label"]

    async def handle(self, interaction: discord.Interaction) -> None:
        await cog_of(interaction, PageTurner).turn_page(interaction, self.values["session_id"],
                                                        int(self.values["page"]))


def pager(owner_id: int, session_id: str, page: int, page_count: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    if page_count > 1:
        view.add_item(PageButton(owner_id=owner_id, session_id=session_id, page=page - 1, label="Previous",
                                 disabled=page == 0))
        view.add_item(PageButton(owner_id=owner_id, session_id=session_id, page=page + 1, label="Next",
                                 disabled=page + 1 >= page_count))
    return view
