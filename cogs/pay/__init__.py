"""Paying a member or an account: /pay and the 'Pay' user command.

cog.py holds the commands and the confirmation's answers, sender.py sends one payment and finds out what
happened (log_search.py reads Taubot's log for it), buttons.py the persistent buttons and the amount form,
receipts.py everything a payment shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .buttons import PERSISTENT_ITEMS
from .cog import PayCog

if TYPE_CHECKING:
    from bot import TaubotBot


async def setup(bot: TaubotBot) -> None:
    await bot.add_cog(PayCog(bot))
    bot.add_dynamic_items(*PERSISTENT_ITEMS)
