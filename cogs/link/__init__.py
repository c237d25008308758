"""Linking a member's Taubot account: /link-account, /unlink-account, /link-status and the link DM.

cog.py holds the commands and buttons' answers, flow.py the grant flow, polling.py the background checks,
buttons.py the persistent buttons, embeds.py what the feature shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .buttons import PERSISTENT_ITEMS
from .cog import LinkCog

if TYPE_CHECKING:
    from bot import TaubotBot


async def setup(bot: TaubotBot) -> None:
    await bot.add_cog(LinkCog(bot))
    bot.add_dynamic_items(*PERSISTENT_ITEMS)
