"""The payment confirmation's buttons, a paid receipt's Share buttons, and the amount form of the 'Pay' user
command.

Every button is persistent (see cogs/buttons.py). Confirm and Cancel carry the payer and the intent id, so a
press on a confirmation from before a restart still gets an answer (and, the intent being gone, sends nothing);
Share carries the payer and the journal row, from which the copy is made whenever it is pressed.

The form's id names its recipient and its fields have fixed ids, so a form submitted to another process (another
shard, or this one after a restart), which does not hold it in memory, is read from the submission itself
(`form_submitted`) and answered the same way."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import ClassVar

import discord

from ..buttons import GuardedModal, PersistentButton, cog_of
from ..limits import MODAL_TITLE, clip
from ..memos import MEMO_MAX
from ..messages import NOT_YOUR_PAYMENT, SHARE_NOT_YOURS
from .asking import PaymentAsk


class PaymentButtonHandler:
    """What the confirmation's buttons and the amount form ask of the pay cog (PayCog implements it)."""

    async def confirm(self, interaction: discord.Interaction, intent_id: str) -> None:
        raise NotImplementedError

    async def cancel(self, interaction: discord.Interaction, intent_id: str) -> None:
        raise NotImplementedError

    async def prepare(self, interaction: discord.Interaction, ask: PaymentAsk) -> None:
        raise NotImplementedError

    async def share(self, interaction: discord.Interaction, payment_id: int, *, with_memo: bool) -> None:
        raise NotImplementedError


class _PaymentButton(PersistentButton):
    fields: ClassVar[dict[str, str]] = {"payer_id": r"\d+", "intent_id": r"[0-9a-f]{32}"}
    owner_field = "payer_id"
    not_yours = NOT_YOUR_PAYMENT

    @property
    def intent_id(self) -> str:
        return self.values["intent_id"]


class ConfirmPaymentButton(_PaymentButton):
    prefix, label, style = "pay:confirm", "Confirm", discord.ButtonStyle.success

    async def handle(self, interaction: discord.Interaction) -> None:
        await cog_of(interaction, PaymentButtonHandler).confirm(interaction, self.intent_id)


class CancelPaymentButton(_PaymentButton):
    prefix, label = "pay:cancel", "Cancel"

    async def handle(self, interaction: discord.Interaction) -> None:
        await cog_of(interaction, PaymentButtonHandler).cancel(interaction, self.intent_id)


class ShareReceiptButton(PersistentButton):
    """On a paid receipt: post a public copy here, without the memo (Share) or with it (Share with memo)."""

    prefix = ("pay:share", "pay:share-memo")
    fields: ClassVar[dict[str, str]] = {"payer_id": r"\d+", "payment_id": r"\d+"}
    owner_field = "payer_id"
    not_yours = SHARE_NOT_YOURS

    @property
    def with_memo(self) -> bool:
        return self.prefix_used == "pay:share-memo"

    def button_label(self) -> str:
        return "Share with memo" if self.with_memo else "Share"

    async def handle(self, interaction: discord.Interaction) -> None:
        await cog_of(interaction, PaymentButtonHandler).share(interaction, int(self.values["payment_id"]),
                                                              with_memo=self.with_memo)


PERSISTENT_ITEMS = (ConfirmPaymentButton, CancelPaymentButton, ShareReceiptButton)


def confirmation_buttons(payer_id: int, intent_id: str, *, disabled: bool = False) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ConfirmPaymentButton(payer_id=payer_id, intent_id=intent_id, disabled=disabled))
    view.add_item(CancelPaymentButton(payer_id=payer_id, intent_id=intent_id, disabled=disabled))
    return view


def share_buttons(payer_id: int, payment_id: int, *, has_memo: bool) -> discord.ui.View:
    """Share, and Share with memo when there is one: the memo stays private unless the payer picks it."""
    view = discord.ui.View(timeout=None)
    view.add_item(ShareReceiptButton(payer_id=payer_id, payment_id=payment_id))
    if has_memo:
        view.add_item(ShareReceiptButton(payer_id=payer_id, payment_id=payment_id, prefix="pay:share-memo"))
    return view


class AmountModal(GuardedModal):
    """Opened by the 'Pay' user command: asks how much (and an optional memo), then continues exactly like /pay."""

    log_name = "pay-amount"
    amount: discord.ui.TextInput = discord.ui.TextInput(label="Amount", placeholder="12.50", min_length=1,
                                                        max_length=32, custom_id="amount")
    memo: discord.ui.TextInput = discord.ui.TextInput(label="Memo", placeholder="What it's for", required=False,
                                                      max_length=MEMO_MAX, custom_id="memo")

    def __init__(self, recipient: discord.User | discord.Member):
        super().__init__(title=clip(f"Pay {recipient.display_name}", MODAL_TITLE), timeout=FORM_HELD_FOR,
                         custom_id=f"{FORM_PREFIX}{recipient.id}:{uuid.uuid4().hex}")
        self.recipient = recipient

    async def handle(self, interaction: discord.Interaction) -> None:
        await cog_of(interaction, PaymentButtonHandler).prepare(
            interaction, PaymentAsk(self.amount.value, user=self.recipient, memo_text=self.memo.value))


FORM_PREFIX = "pay:form:"
_FORM_ID = re.compile(re.escape(FORM_PREFIX) + r"(\d+):[0-9a-f]{32}")
# How long the process that opened a form answers it from memory (discord.py then forgets it); later, or on
# another process, `form_submitted` reads it.
FORM_HELD_FOR = 15 * 60.0


@dataclass(frozen=True)
class FormSubmitted:
    form_id: str
    recipient_id: int
    amount_text: str
    memo_text: str


def form_submitted(interaction: discord.Interaction) -> FormSubmitted | None:
    """The Pay form this interaction submits, read from the submission alone; None for anything else."""
    if interaction.type is not discord.InteractionType.modal_submit or not isinstance(interaction.data, dict):
        return None
    form_id = str(interaction.data.get("custom_id", ""))
    match = _FORM_ID.fullmatch(form_id)
    if match is None:
        return None
    rows: list[dict] = interaction.data.get("components", [])  # type: ignore[assignment]  # a modal's rows
    values = {field.get("custom_id"): str(field.get("value") or "")
              for row in rows for field in row.get("components", [])}
    return FormSubmitted(form_id, int(match[1]), values.get("amount", ""), values.get("memo", ""))

