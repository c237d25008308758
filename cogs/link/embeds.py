"""What the linking feature shows, each a plain function of its data."""

from __future__ import annotations

from datetime import datetime

import discord

from storage import LinkedAccount, PendingLink
from taubot import Dialect

from ..limits import FittedEmbed
from ..messages import LIMIT_EXAMPLE_CENTS, LIMIT_ZERO_WORDS, NEGATIVE_LIMIT_WORDS, NOT_LINKED
from ..ui import INFO, WARNING, account_name, format_money, timestamp

BALANCE_VISIBLE_WORDS = {
    True: "Yes (as of the last check)",
    False: "No: run /link-account again and tick VIEW BALANCE",
    None: "Not checked yet: run /balance",
}


def instructions(expires_at: datetime, *, current_account: str | None, dialect: Dialect,
                 symbol: str) -> discord.Embed:
    """The link DM: how to grant access on this Taubot's page, whose account picker and spending limit differ
    between its versions."""
    if dialect.grant_picks_one_account:
        account_step = "2. Pick your **personal account** (not another account you may act for)."
    else:
        account_step = "2. On your **personal account**, tick **VIEW BALANCE** and **TRANSFER FUNDS**."
    embed = FittedEmbed(title="Link your Taubot account", colour=INFO, description=(
        "1. Press **Open Taubot** and log in with Discord.\n"
        f"{account_step}\n"
        f"3. Set a **spending limit**: the total this bot may ever spend for you, {_limit_meaning(dialect, symbol)}\n"
        "4. Submit. I'll notice within a few seconds, or press **I've granted access**."
    ))
    embed.add_field(name="Expires", value=timestamp(expires_at, "R"))
    if current_account:
        embed.add_field(name="Current link",
                        value=f"{account_name(current_account)} keeps working until this one is done.")
    embed.set_footer(text="Open this link yourself and don't share it: whoever completes it decides which account "
                          "is linked.")
    return embed


def _limit_meaning(dialect: Dialect, symbol: str) -> str:
    """What the limit means on this Taubot: 0 blocks everything on v2 and allows everything on v2.1."""
    example = f"in cents: {LIMIT_EXAMPLE_CENTS} allows {format_money(LIMIT_EXAMPLE_CENTS, symbol)}."
    negative = f" {NEGATIVE_LIMIT_WORDS}" if dialect.negative_limit_blocks else ""
    return f"{example} {LIMIT_ZERO_WORDS[dialect.limit_zero_means_unlimited]}{negative}"


def _expiry_words(expires_at: datetime, now: datetime) -> str:
    when = f"{timestamp(expires_at, 'D')} ({timestamp(expires_at, 'R')})"
    if expires_at <= now:
        return f"Expired {when}: run /link-account to link again."
    return f"{when}. Run /link-account before then to keep using the bot; I'll remind you a week before."


def expiry_reminder(account_name_: str, expires_at: datetime, now: datetime) -> discord.Embed:
    """The one DM a member gets about a key that expires within a week (or already has)."""
    name = account_name(account_name_)
    if expires_at <= now:
        return FittedEmbed(title="Your Taubot link has expired", colour=WARNING, description=(
            f"Your link to **{name}** expired {timestamp(expires_at, 'R')} ({timestamp(expires_at, 'f')}), so I "
            "can no longer see your balance or pay for you. Press **Link a new grant** to link again."))
    return FittedEmbed(title="Your Taubot link expires soon", colour=WARNING, description=(
        f"Your link to **{name}** expires {timestamp(expires_at, 'R')} ({timestamp(expires_at, 'f')}): Taubot "
        "ends every link after a while. Press **Link a new grant** to link again now; your current link keeps "
        "working until the new one is done."))


def link_dm_update(text: str, colour: int, *, title: str = "Taubot link") -> discord.Embed:
    """What replaces the link DM's instructions once the link ends."""
    return FittedEmbed(title=title, description=text, colour=colour)


def already_linked(current: LinkedAccount) -> discord.Embed:
    return FittedEmbed(title="You're already linked", colour=WARNING, description=(
        f"Your Discord account is linked to **{account_name(current.account_name)}**. Link a new grant (for "
        "example to change what I may do or your spending limit)? Your current link keeps working until the new "
        "one is confirmed."
    ))


def unlink_question(current: LinkedAccount) -> discord.Embed:
    return FittedEmbed(title="Unlink your Taubot account?", colour=WARNING, description=(
        f"I'll delete my copy of the grant key for **{account_name(current.account_name)}**, so I can no longer "
        "see your balance or pay for you. This does not revoke the grant on Taubot's side: Taubot's API offers "
        "bots no way to do that."
    ))


def link_status(linked: LinkedAccount | None, pending: PendingLink | None, *, now: datetime) -> discord.Embed:
    """/link-status: the link (never the key) with its expiry where keys expire, and, if one is under way and
    not expired, the pending link."""
    if linked is None:
        embed = FittedEmbed(title="Not linked", colour=INFO, description=NOT_LINKED)
    else:
        embed = FittedEmbed(title="Linked", colour=INFO)
        embed.add_field(name="Account", value=account_name(linked.account_name))
        embed.add_field(name="Type", value=linked.account_type.title())
        embed.add_field(name="Since", value=timestamp(linked.linked_at, "D"))
        embed.add_field(name="Balance visible", value=BALANCE_VISIBLE_WORDS[linked.balance_visible], inline=False)
        if linked.last_used_at is not None:
            embed.add_field(name="Last used", value=timestamp(linked.last_used_at, "R"))
        if linked.key_expires_at is not None:
            embed.add_field(name="Expires", value=_expiry_words(linked.key_expires_at, now), inline=False)
    if pending is not None:
        # A link Discord would not let the bot DM was shown in a private answer, which vanishes on reload.
        where = "Check your DMs." if pending.dm_message_id is not None else \
            "It was in my answer to /link-account; if that's gone, run /link-account for a new one."
        embed.add_field(name="Link in progress",
                        value=f"Waiting for your grant on Taubot; the link expires "
                              f"{timestamp(pending.expires_at, 'R')}. {where}", inline=False)
    return embed
