"""What one feature asks of another, as interfaces the features implement: so neither imports the other.

A button or command finds the implementing cog with `cogs.buttons.cog_of(interaction, Interface)`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import discord

    from storage import MoneyRequest


class RequestPayments:
    """What the requests feature asks of the pay feature (PayCog implements it)."""

    async def offer_request_payment(self, interaction: discord.Interaction, request: MoneyRequest) -> None:
        """Show the payer the normal payment confirmation for `request` (their own key, their own Confirm); the
        request is claimed only when its payment is journaled, at Confirm."""
        raise NotImplementedError


class RequestOutcomes:
    """What the pay feature tells the requests feature (RequestsCog implements it)."""

    async def request_payment_settled(self, request_id: int) -> None:
        """A payment of request `request_id` got its verdict (at Confirm, or later from Taubot's log): the
        request already follows it in storage; tell whoever needs telling. Never raises."""
        raise NotImplementedError
