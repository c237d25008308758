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
TRANSFERS_WORDS = {
    True: "Yes (your last payment from it went through)",
    False: "No: Taubot moved nothing at your last payment; run /link-account again and tick TRANSFER FUNDS",
    None: "Not known until your first payment from it",
}


def instructions(expires_at: datetime, *, current_account: str | None, dialect: Dialect, symbol: str,
                 for_account: str | None = None) -> discord.Embed:
    """The link DM: how to grant access on this Taubot's page, whose account picker and spending limit differ
    between its versions. `for_account`: the name of the account to link (None: the member's personal account)."""
    account_step = _account_step(dialect, for_account)
    title = "Link your Taubot account" if for_account is None else f"Link {account_name(for_account)}"
    embed = FittedEmbed(title=title, colour=INFO, description=(
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


def _account_step(dialect: Dialect, for_account: str | None) -> str:
    """Which account to grant: one to pick (v2.1), or permissions to tick per account (v2, where the same grant
    may cover the member's other accounts too)."""
    if for_account is None:
        if dialect.grant_picks_one_account:
            return "2. Pick your **personal account** (not another account you may act for)."
        return "2. On your **personal account**, tick **VIEW BALANCE** and **TRANSFER FUNDS**."
    if dialect.grant_picks_one_account:
        return f"2. Pick **{account_name(for_account)}** (the account you asked to link)."
    return (f"2. On **{account_name(for_account)}**, tick **VIEW BALANCE** and **TRANSFER FUNDS** (tick them on "
            "your other accounts too, and /link-account links those without a new grant).")


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


def unlink_question(links: list[LinkedAccount]) -> discord.Embed:
    """Before forgetting `links` (one, or every link of the member)."""
    names = ", ".join(f"**{account_name(link.account_name)}**" for link in links)
    keys = "the grant key" if len(links) == 1 else "the grant keys"
    return FittedEmbed(title="Unlink your Taubot account?", colour=WARNING, description=(
        f"I'll delete my copy of {keys} for {names}, so I can no longer see "
        f"{'its balance' if len(links) == 1 else 'their balances'} or pay for you. This does not revoke the grant on "
        "Taubot's side: Taubot's API offers bots no way to do that."
    ))


SHOWN_LINKS = 20  # fields for links in /link-status; Discord allows 25 fields, and one more may show a pending link


def link_status(links: list[LinkedAccount], pending: PendingLink | None, *, now: datetime,
                spent: dict[str, str]) -> discord.Embed:
    """/link-status: every linked account (never a key) with what its link allows, what it spent through the bot
    (`spent`, by account id) and its expiry where keys expire; and, if one is under way and not expired, the
    pending link."""
    if not links:
        embed = FittedEmbed(title="Not linked", colour=INFO, description=NOT_LINKED)
    else:
        embed = FittedEmbed(title="Linked" if len(links) == 1 else f"Linked: {len(links)} accounts", colour=INFO,
                            description=_linked_intro(links))
        for link in links[:SHOWN_LINKS]:
            embed.add_field(name=_title_of(link), value=_what_it_allows(link, now, spent.get(link.account_id)),
                            inline=False)
    if pending is not None:
        # A link Discord would not let the bot DM was shown in a private answer, which vanishes on reload.
        where = "Check your DMs." if pending.dm_channel_id is not None else \
            "It was in my answer to /link-account; if that's gone, run /link-account for a new one."
        what = "" if pending.account_name is None else f" for {account_name(pending.account_name)}"
        embed.add_field(name="Link in progress",
                        value=f"Waiting for your grant{what} on Taubot; the link expires "
                              f"{timestamp(pending.expires_at, 'R')}. {where}", inline=False)
    return embed


def _linked_intro(links: list[LinkedAccount]) -> str:
    more = f" ({len(links) - SHOWN_LINKS} more not shown)" if len(links) > SHOWN_LINKS else ""
    if len(links) == 1:
        return "Commands act for this account."
    return (f"Commands act for your personal account unless you name another with from: (/pay) or account: "
            f"(/balance, /history).{more}")


def _title_of(link: LinkedAccount) -> str:
    return f"{account_name(link.account_name)} · {link.account_type.title()}"


def _what_it_allows(link: LinkedAccount, now: datetime, spent: str | None) -> str:
    lines = [f"Linked: {timestamp(link.linked_at, 'D')}"]
    if link.last_used_at is not None:
        lines.append(f"Last used: {timestamp(link.last_used_at, 'R')}")
    lines += [f"Balance visible: {BALANCE_VISIBLE_WORDS[link.balance_visible]}",
             f"Transfers: {TRANSFERS_WORDS[link.transfers_allowed]}"]
    if spent is not None:
        lines.append(f"Spent through me: {spent}")
    if link.key_expires_at is not None:
        lines.append(f"Expires: {_expiry_words(link.key_expires_at, now)}")
    return "\n".join(lines)
