"""The payment confirmation's buttons and the amount modal of the 'Pay' user command.

Confirm and Cancel are DynamicItems carrying the payer and the intent id, so a press on a confirmation from
before a restart still gets an answer (and, the intent being gone, sends nothing)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

if TYPE_CHECKING:
    from .pay import PayCog

PAY_COG = "Pay"
INTENT = r"[0-9a-f]{32}"


def _cog(interaction: discord.Interaction) -> PayCog:
    return interaction.client.get_cog(PAY_COG)  # type: ignore[return-value]


class _PayerOnly:
    payer_id: int

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.payer_id:
            return True
        await interaction.response.send_message("Only the payer can confirm or cancel this payment.",
                                                ephemeral=True)
        return False


class ConfirmPaymentButton(_PayerOnly, discord.ui.DynamicItem[discord.ui.Button],
                           template=rf"pay:confirm:(?P<payer>\d+):(?P<intent>{INTENT})"):
    def __init__(self, payer_id: int, intent_id: str):
        super().__init__(discord.ui.Button(label="Confirm", style=discord.ButtonStyle.success,
                                           custom_id=f"pay:confirm:{payer_id}:{intent_id}"))
        self.payer_id, self.intent_id = payer_id, intent_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: Any, match: re.Match[str]):
        return cls(int(match["payer"]), match["intent"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).confirm(interaction, self.intent_id)


class CancelPaymentButton(_PayerOnly, discord.ui.DynamicItem[discord.ui.Button],
                          template=rf"pay:cancel:(?P<payer>\d+):(?P<intent>{INTENT})"):
    def __init__(self, payer_id: int, intent_id: str):
        super().__init__(discord.ui.Button(label="Cancel", style=discord.ButtonStyle.secondary,
                                           custom_id=f"pay:cancel:{payer_id}:{intent_id}"))
        self.payer_id, self.intent_id = payer_id, intent_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: Any, match: re.Match[str]):
        return cls(int(match["payer"]), match["intent"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).cancel(interaction, self.intent_id)


PERSISTENT_ITEMS = (ConfirmPaymentButton, CancelPaymentButton)


def confirmation_buttons(payer_id: int, intent_id: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ConfirmPaymentButton(payer_id, intent_id))
    view.add_item(CancelPaymentButton(payer_id, intent_id))
    return view


class AmountModal(discord.ui.Modal):
    """Opened by the 'Pay' user command: asks how much, then continues exactly like /pay."""

    amount = discord.ui.TextInput(label="Amount", placeholder="12.50", min_length=1, max_length=32)

    def __init__(self, recipient: discord.User | discord.Member):
        super().__init__(title=f"Pay {recipient.display_name}"[:45])
        self.recipient = recipient

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).prepare(interaction, self.amount.value, user=self.recipient, account=None)
