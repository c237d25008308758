"""The buttons of money requests: Pay, Decline and Mute on the payer's DM, and Pay, Decline and Cancel under
/requests list.

All are persistent (see cogs/buttons.py) and carry the member they belong to and the request's id, so a DM from
before a restart still works. Under /requests list, where several requests share one message, the labels carry
the request's number ("Pay #12").
"""

from __future__ import annotations

from typing import ClassVar

import discord

from ..buttons import PersistentButton, cog_of
from ..messages import NOT_YOUR_REQUEST, NOT_YOUR_REQUEST_TO_PAY

DIGITS = r"\d+"


class RequestButtonHandler:
    """What the request buttons ask of the requests cog (RequestsCog implements it)."""

    async def pay_request(self, interaction: discord.Interaction, request_id: int) -> None:
        raise NotImplementedError

    async def decline_request(self, interaction: discord.Interaction, request_id: int) -> None:
        raise NotImplementedError

    async def cancel_request(self, interaction: discord.Interaction, request_id: int) -> None:
        raise NotImplementedError

    async def mute_requester(self, interaction: discord.Interaction, requester_id: int) -> None:
        raise NotImplementedError


class _RequestButton(PersistentButton):
    """A button about one request, for one member: the payer (Pay, Decline) or the requester (Cancel)."""

    fields: ClassVar[dict[str, str]] = {"member_id": DIGITS, "request_id": DIGITS}
    owner_field = "member_id"

    @property
    def request_id(self) -> int:
        return int(self.values["request_id"])

    def button_label(self) -> str:
        # The second prefix is the one used in /requests list, where the number tells the requests apart.
        listed = self.prefix_used != self.prefixes()[0]
        return f"{self.label} #{self.values['request_id']}" if listed else self.label


class PayRequestButton(_RequestButton):
    prefix, label, style = ("request:pay", "request:pay-listed"), "Pay", discord.ButtonStyle.success
    not_yours = NOT_YOUR_REQUEST_TO_PAY

    async def handle(self, interaction: discord.Interaction) -> None:
        await cog_of(interaction, RequestButtonHandler).pay_request(interaction, self.request_id)


class DeclineRequestButton(_RequestButton):
    prefix, label, style = ("request:decline", "request:decline-listed"), "Decline", discord.ButtonStyle.danger
    not_yours = NOT_YOUR_REQUEST_TO_PAY

    async def handle(self, interaction: discord.Interaction) -> None:
        await cog_of(interaction, RequestButtonHandler).decline_request(interaction, self.request_id)


class CancelRequestButton(_RequestButton):
    prefix, label = ("request:cancel", "request:cancel-listed"), "Cancel"
    not_yours = NOT_YOUR_REQUEST

    async def handle(self, interaction: discord.Interaction) -> None:
        await cog_of(interaction, RequestButtonHandler).cancel_request(interaction, self.request_id)


class MuteRequesterButton(PersistentButton):
    """On the payer's DM: no more requests from this requester (/requests unmute undoes it)."""

    prefix, label = "request:mute", "Mute requests from them"
    fields: ClassVar[dict[str, str]] = {"member_id": DIGITS, "requester_id": DIGITS}
    owner_field = "member_id"

    async def handle(self, interaction: discord.Interaction) -> None:
        await cog_of(interaction, RequestButtonHandler).mute_requester(interaction,
                                                                       int(self.values["requester_id"]))


PERSISTENT_ITEMS = (PayRequestButton, DeclineRequestButton, CancelRequestButton, MuteRequesterButton)
# Under /requests list: Discord allows 25 buttons on a message (5 rows of 5). Pay and Decline for this many
# requests to the member (two full rows), Cancel for every request they made (at most MOST_OPEN of them).
LISTED_WITH_BUTTONS = 5


def request_dm_buttons(payer_id: int, request_id: int, requester_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(PayRequestButton(member_id=payer_id, request_id=request_id))
    view.add_item(DeclineRequestButton(member_id=payer_id, request_id=request_id))
    view.add_item(MuteRequesterButton(member_id=payer_id, requester_id=requester_id))
    return view


def request_list_buttons(member_id: int, to_pay: list[int], to_cancel: list[int]) -> discord.ui.View:
    """Pay and Decline for the first requests `to_pay` (ids), then Cancel for each of `to_cancel`."""
    view = discord.ui.View(timeout=None)
    for request_id in to_pay[:LISTED_WITH_BUTTONS]:
        view.add_item(PayRequestButton(member_id=member_id, request_id=request_id, prefix="request:pay-listed"))
        view.add_item(DeclineRequestButton(member_id=member_id, request_id=request_id,
                                           prefix="request:decline-listed"))
    for request_id in to_cancel:
        view.add_item(CancelRequestButton(member_id=member_id, request_id=request_id,
                                          prefix="request:cancel-listed"))
    return view
