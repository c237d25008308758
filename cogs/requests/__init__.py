"""Money requests: /request asks a member for money, /requests lists, mutes and unmutes; the payer answers with
Pay (the normal payment confirmation, through the pay feature) or Decline.

cog.py holds the commands and the buttons' answers, asking.py the refusals before anything is stored,
buttons.py the persistent buttons, embeds.py everything a request shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .buttons import PERSISTENT_ITEMS
from .cog import RequestsCog

if TYPE_CHECKING:
    from bot import TaubotBot


async def setup(bot: TaubotBot) -> None:
    await bot.add_cog(RequestsCog(bot))
    bot.add_dynamic_items(*PERSISTENT_ITEMS)
