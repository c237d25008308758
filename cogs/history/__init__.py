"""/history: the caller's recent transactions as paged embeds, optionally as a CSV file.

cog.py holds the command and the pages, rows.py how one transaction reads (and the CSV), buttons.py the
Previous/Next buttons.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .buttons import PageButton
from .cog import HistoryCog

if TYPE_CHECKING:
    from bot import TaubotBot


async def setup(bot: TaubotBot) -> None:
    await bot.add_cog(HistoryCog(bot))
    bot.add_dynamic_items(PageButton)
