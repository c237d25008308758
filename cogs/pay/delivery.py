"""Getting a payment's receipt to the payer whatever Discord does, and never leaving "Sending payment…" up.

The receipt replaces the confirmation through the Confirm press; failing that it comes as a private followup;
failing that the confirmation is edited through the /pay interaction that showed it (its token outlives a
Confirm press Discord lost); failing that by DM; and last as a notice on the payer's next command. While
Taubot is slow, a watchdog replaces "Sending payment…" with what is known so far, within the confirmation
window.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import discord

from ..in_flight import note_answered
from ..notices import tell

log = logging.getLogger("taubot_bot.pay")


class ReceiptDelivery:
    def __init__(self, client: discord.Client):
        self.client = client

    async def deliver(self, payer_id: int, receipt: discord.Embed, notice: str, *,
                      pressed: discord.Interaction | None, shown_by: discord.Interaction | None,
                      buttons: discord.ui.View | None = None) -> None:
        """Put `receipt` in front of the payer by the first way that works; `notice` is its text form. `buttons`
        (Share) go with it where it is shown in the channel of the payment, not on a DM (which is no place to
        share from)."""
        for how, attempt in self._ways(payer_id, receipt, pressed, shown_by, buttons):
            try:
                await attempt()
            except Exception as error:
                log.warning("Could not give user %s their receipt by %s: %r", payer_id, how, error)
                continue
            if pressed is not None:
                note_answered(pressed)
            return
        await tell(self.client, payer_id, notice)

    def _ways(self, payer_id: int, receipt: discord.Embed, pressed: discord.Interaction | None,
              shown_by: discord.Interaction | None, buttons: discord.ui.View | None
              ) -> list[tuple[str, Callable[[], Awaitable[object]]]]:
        ways: list[tuple[str, Callable[[], Awaitable[object]]]] = []
        followup_view = buttons if buttons is not None else discord.utils.MISSING  # a followup takes no None
        if pressed is not None and pressed.response.is_done():  # else Discord lost the acknowledgement
            ways.append(("editing the confirmation", lambda: pressed.edit_original_response(embed=receipt,
                                                                                            view=buttons)))
            ways.append(("a followup", lambda: pressed.followup.send(embed=receipt, ephemeral=True,
                                                                     view=followup_view)))
        if shown_by is not None:
            ways.append(("editing the confirmation through /pay", lambda: shown_by.edit_original_response(
                embed=receipt, view=buttons)))
        ways.append(("DM", lambda: self._dm(payer_id, receipt)))
        return ways

    async def _dm(self, payer_id: int, receipt: discord.Embed) -> None:
        channel = await self.client.create_dm(discord.Object(id=payer_id))
        await channel.send(embed=receipt)

    async def watch(self, done: asyncio.Event, after: float, progress: discord.Embed, *,
                    pressed: discord.Interaction, shown_by: discord.Interaction | None) -> None:
        """If the receipt is not out `after` seconds from now, show `progress` on the confirmation instead of
        "Sending payment…" (the receipt replaces it when it comes)."""
        try:
            await asyncio.wait_for(done.wait(), timeout=after)
            return
        except TimeoutError:
            pass
        for interaction in (shown_by, pressed):
            if interaction is None or done.is_set():
                continue
            try:
                await interaction.edit_original_response(embed=progress, view=None)
                return
            except discord.HTTPException as error:
                log.info("The payment watchdog could not update a confirmation: %s", error.status)
