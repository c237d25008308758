"""`grant`: the member's part on Taubot's grant page, done for them against the local Taubot.

The link is the one the bot DM'd them (its `ref`), exactly what opening it in a browser would use; what the
console says is what that page would have shown this member."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from harness import FakeUser, SentMessage
from sandbox import TRANSFER_FUNDS, VIEW_BALANCE, Sandbox
from taubot import dialect_named, format_amount

from .errors import InputError

DEMO_SPENDING_LIMIT = 1_000_00


def grant_latest_link(sandbox: Sandbox, me: FakeUser, dms: list[SentMessage]) -> str:
    """Submit the grant page for `me`'s newest link; what happened there, in one line."""
    link = _newest_link(dms)
    if link is None:
        raise InputError("You have no link waiting. Run /link-account first.")
    message, ref = link
    personal = _personal_account(sandbox.credentials()["accounts"], me.id)
    if not sandbox.grant(ref, me.id, permissions=(VIEW_BALANCE, TRANSFER_FUNDS), spending_limit=DEMO_SPENDING_LIMIT):
        return ("(Taubot's page says this link is not valid: Taubot no longer knows it, for instance after a "
                "restart. Run /link-account again.)")
    then = _next_step(message)
    if personal is None:
        return (f"(On Taubot's page, {me.username} sees that they have no Taubot account, so there is nothing "
                f"to tick; they submit the page anyway, granting nothing. {then})")
    chose = ("picked their personal account" if dialect_named(sandbox.dialect).grant_picks_one_account
             else "ticked VIEW BALANCE and TRANSFER FUNDS on their personal account")
    return (f"(On Taubot's page, {me.username} {chose} “{personal['account_name']}” and set a spending limit of "
            f"{format_amount(DEMO_SPENDING_LIMIT)}. {then})")


def _newest_link(dms: list[SentMessage]) -> tuple[SentMessage, str] | None:
    for message in reversed(dms):
        for button in message.buttons:
            query = parse_qs(urlsplit(button.url).query) if button.url else {}
            ref = query.get("ref") or query.get("ref_id")  # v2's name, v2.1's
            if ref and not button.disabled:
                return message, ref[0]
    return None


def _personal_account(accounts: list[dict[str, Any]], user_id: int) -> dict[str, Any] | None:
    return next((a for a in accounts if a["owner_id"] == user_id and a["account_type"] == "USER"), None)


def _next_step(message: SentMessage) -> str:
    """Press the DM's own button that tells the bot (“I've granted access”), or wait for the bot to notice."""
    label = next((b.label for b in message.buttons if b.url is None and not b.disabled and b.label), None)
    press = f"Now press “{label}”, or wait" if label else "Now wait"
    return f"{press} a few seconds for the bot to notice."
