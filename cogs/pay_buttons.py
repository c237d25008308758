"""The payment confirmation's buttons and the amount modal of the 'Pay' user command.

Confirm and Cancel are DynamicItems carrying the payer and the intent id, so a press on a confirmation from
before a restart still gets an answer (and, the intent being gone, sends nothing)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from .interactions import PrefixedButton, handle_modal

if TYPE_CHECKING:
    from .pay import PayCog

PAY_COG = "Pay"
PAYER_AND_INTENT = r"(?P<argument>\d+:[0-9a-f]{32})"
DynamicButton = discord.ui.DynamicItem[discord.ui.Button]


def _cog(interaction: discord.Interaction) -> PayCog:
    return interaction.client.get_cog(PAY_COG)  # type: ignore[return-value]


class _PaymentButton(PrefixedButton):
    """The argument is `<payer id>:<intent id>`; only the payer may press."""

    not_yours = "Only the payer can confirm or cancel this payment."

    @property
    def owner_id(self) -> int:
        return int(self.argument.split(":")[0])

    @property
    def intent_id(self) -> str:
        return self.argument.split(":")[1]


class ConfirmPaymentButton(_PaymentButton, DynamicButton, template=rf"pay:confirm:{PAYER_AND_INTENT}"):
    prefix, label, style = "pay:confirm", "Confirm", discord.ButtonStyle.success

    async def handle(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).confirm(interaction, self.intent_id)


class CancelPaymentButton(_PaymentButton, DynamicButton, template=rf"pay:cancel:{PAYER_AND_INTENT}"):
    prefix, label = "pay:cancel", "Cancel"

    async def handle(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).cancel(interaction, self.intent_id)


PERSISTENT_ITEMS = (ConfirmPaymentButton, CancelPaymentButton)


def confirmation_buttons(payer_id: int, intent_id: str, *, disabled: bool = False) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ConfirmPaymentButton(f"{payer_id}:{intent_id}", disabled=disabled))
    view.add_item(CancelPaymentButton(f"{payer_id}:{intent_id}", disabled=disabled))
    return view


class AmountModal(discord.ui.Modal):
    """Opened by the 'Pay' user command: asks how much, then continues exactly like /pay."""

    amount = discord.ui.TextInput(label="Amount", placeholder="12.50", min_length=1, max_length=32)

    def __init__(self, recipient: discord.User | discord.Member):
        super().__init__(title=f"Pay {recipient.display_name}"[:45])
        self.recipient = recipient

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await handle_modal(interaction, "pay-amount", lambda: _cog(interaction).prepare(
            interaction, self.amount.value, user=self.recipient, account=None))
