"""Helpers shared by the feature cogs: amounts, account labels, Discord timestamps, and the one place where
Taubot and Discord failures become a sentence a member can act on."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

import discord

from taubot import (
    AccountType,
    NotFound,
    ProtocolError,
    RateLimited,
    Rejected,
    ServerError,
    TaubotError,
    Unauthorized,
    Unavailable,
    format_amount,
)

if TYPE_CHECKING:
    from bot import TaubotBot
    from storage import LinkedAccount
    from taubot import Account

log = logging.getLogger("taubot_bot.cogs")

T = TypeVar("T")
# Discord drops an interaction not answered within 3 s; deferring after 1 s leaves room for a slow link to
# Discord itself.
DEFER_AFTER_SECONDS = 1.0
BUSY_INTERACTIONS = 16  # interactions in flight beyond which every answer is deferred at once

# Embed colours: neutral information, success, a problem the member can fix, a refusal.
INFO, SUCCESS, WARNING, ERROR = 0x5865F2, 0x57F287, 0xFEE75C, 0xED4245

NOT_LINKED = "You haven't linked a Taubot account yet. Run /link-account to link one."
RELINK_FOR_VIEW_BALANCE = "Run /link-account again and tick VIEW BALANCE on your account."
TAUBOT_UNREACHABLE = "I couldn't reach Taubot just now. Nothing was changed; try again in a minute."
SOMETHING_WENT_WRONG = "Something went wrong on my side. Nothing was changed; please try again."

ACCOUNT_TYPE_NAMES = {
    AccountType.USER: "personal account",
    AccountType.GOVERNMENT: "government account",
    AccountType.CORPORATION: "corporation",
    AccountType.CHARITY: "charity",
}


# The `outcome=` word of each interaction's log line (see interactions.py), so refusals can be counted apart
# from successes. Kept small on purpose; a cog sets one with `set_outcome` or `refuse`.
OUTCOMES = frozenset({
    "ok",                  # did what was asked
    "not_linked",          # the member has no linked Taubot account
    "refused",             # not done as asked: bad input, paying yourself, a link that doesn't allow it, Taubot said no
    "not_found",           # Taubot has no such account
    "insufficient_funds",  # a payment the balance does not cover, refused before sending
    "taubot_error",        # Taubot unreachable or failing
    "cancelled",           # the member cancelled
    "expired",             # Discord dropped the interaction before the bot answered
    "error",               # an unexpected failure, logged with its traceback
    "stopping",            # turned away because the bot is shutting down
    "cut_off",             # stopped by a shutdown before it finished; the member was told
})


def set_outcome(interaction: discord.Interaction, outcome: str) -> None:
    """Record how this interaction ended, for its log line."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}; add it to OUTCOMES (and document it) first")
    stats = interaction.extras.get("stats")
    if stats is not None:
        stats.outcome = outcome


def outcome_of(error: TaubotError) -> str:
    """The outcome word for a Taubot error answered with describe_lookup_failure/describe_unavailable."""
    if isinstance(error, NotFound):
        return "not_found"
    if isinstance(error, Unauthorized | Rejected):
        return "refused"
    return "taubot_error"


async def refuse(interaction: discord.Interaction, content: str, *, outcome: str = "refused") -> None:
    """Answer privately with why the request was not done, and log it as `outcome`."""
    set_outcome(interaction, outcome)
    await reply(interaction, content)


def money(bot: TaubotBot, cents: int) -> str:
    return format_amount(cents, symbol=bot.settings.currency_symbol)


def timestamp(moment: datetime, style: str = "f") -> str:
    """A Discord timestamp: each member sees it in their own time zone (style R: 'in 5 minutes')."""
    return discord.utils.format_dt(moment, style)  # type: ignore[arg-type]


def account_label(account: Account, *, mention_owner: bool = True) -> str:
    """'<@123> (Alice)' for a member's personal account, 'Treasury (government account)' otherwise."""
    name = discord.utils.escape_markdown(account.account_name)
    if account.account_type is AccountType.USER and account.owner_id is not None and mention_owner:
        return f"<@{account.owner_id}> ({name})"
    return f"{name} ({ACCOUNT_TYPE_NAMES.get(account.account_type, 'account')})"


def describe_lookup_failure(error: TaubotError, *, what: str = "such account", name: str | None = None) -> str:
    """One sentence for a failed read: of the account called `name`, or of `what`."""
    if isinstance(error, NotFound):
        if name is not None:
            return f"Taubot has no account called “{name}”. Check the spelling: names are case-sensitive."
        return f"Taubot has no {what}."
    if isinstance(error, Unauthorized):
        return ("Taubot refused your link (it may have been revoked). Run /link-account to link again.")
    if name is not None and isinstance(error, ServerError) and error.status == 500:
        # The real server crashes (500) when two accounts share the name being looked up.
        return (f"Taubot failed to look up “{name}”. It does this when several accounts share that name; "
                "if that's not it, try again in a minute.")
    return describe_unavailable(error)


def describe_unavailable(error: TaubotError) -> str:
    if isinstance(error, Unavailable):
        return TAUBOT_UNREACHABLE
    if isinstance(error, RateLimited):
        return "Taubot is busy right now. Nothing was changed; try again in a minute."
    if isinstance(error, ServerError | ProtocolError):
        return "Taubot had a problem answering. Nothing was changed; try again in a minute."
    if isinstance(error, Rejected):
        return "Taubot rejected the request. Nothing was changed."
    return SOMETHING_WENT_WRONG


async def linked_account_or_explain(bot: TaubotBot, interaction: discord.Interaction) -> LinkedAccount | None:
    """The caller's link, or None after telling them (ephemerally) how to link. Expects a deferred response."""
    linked = await bot.storage.grant_keys.get(interaction.user.id)
    if linked is None:
        await refuse(interaction, NOT_LINKED, outcome="not_linked")
    return linked


async def reply(interaction: discord.Interaction, content: str | None = None, *, embed: discord.Embed | None = None,
                view: discord.ui.View | None = None, file: discord.File | None = None) -> None:
    """Answer privately, whether or not the interaction was deferred."""
    kwargs: dict = {"content": content, "embed": embed, "ephemeral": True}
    if view is not None:
        kwargs["view"] = view
    if file is not None:
        kwargs["file"] = file
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)
    note_answered(interaction)


def note_answered(interaction: discord.Interaction) -> None:
    """The member has their answer: whatever the handler still does (a DM to someone else, bookkeeping) must
    not replace it, even if a shutdown cuts that work off."""
    interaction.extras["answered"] = True


def was_answered(interaction: discord.Interaction) -> bool:
    return bool(interaction.extras.get("answered"))


async def defer_if_slow(interaction: discord.Interaction, work: Awaitable[T], *,
                        after: float = DEFER_AFTER_SECONDS) -> T:
    """Await `work`, deferring the (ephemeral) response only if it takes longer than `after` seconds.

    Most Taubot reads take milliseconds, and answering them directly saves a whole round trip to Discord
    (and one request against its rate limits); a slow one still gets its "thinking…" within the window.
    When the bot is busy, it defers at once: queued work would otherwise eat into the window unseen.
    """
    task = asyncio.ensure_future(work)
    try:
        if len(getattr(interaction.client, "in_flight", ())) > BUSY_INTERACTIONS:
            await interaction.response.defer(ephemeral=True, thinking=True)
        else:
            try:
                await asyncio.wait_for(asyncio.shield(task), timeout=after)
            except TimeoutError:
                await interaction.response.defer(ephemeral=True, thinking=True)
    except BaseException:
        # Cancelled, or the defer failed (e.g. the interaction expired): nobody will read the work's answer,
        # so it must not go on making Taubot requests behind the interaction's back.
        task.cancel()
        raise
    return await task


def simple_embed(title: str, description: str, colour: int = INFO) -> discord.Embed:
    return discord.Embed(title=title, description=description, colour=colour)
