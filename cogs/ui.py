"""How the feature cogs show things: colours, amounts, account names and labels, Discord timestamps, and the
private reply (direct or after a defer, or refused with its outcome word; when to defer: deferral.py)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import discord

from taubot import AccountType, format_amount

from . import member_names
from .in_flight import note_answered
from .interaction_log import set_outcome
from .limits import CONTENT, clip, clip_pieces
from .lookalikes import reads_as_is, revealed_pieces
from .messages import NOT_LINKED

if TYPE_CHECKING:
    from discord.utils import TimestampStyle

    from storage import GrantKeyStore, LinkedAccount
    from taubot import Account

# Taubot's default personal account names: "<@!123> 's account" (v2), "<@!123>'s account" (v2.1).
DEFAULT_PERSONAL_NAME = re.compile(r"<@!?(\d{1,20})> ?'s account")

# Taubot's own names are at most 64 characters; longer ones (a server that does not enforce that) are shortened
# to this many where they are shown, so a title or a line of history keeps its other words.
SHOWN_NAME_LENGTH = 100

# Embed colours: neutral information, success, a problem the member can fix, a refusal.
INFO, SUCCESS, WARNING, ERROR = 0x5865F2, 0x57F287, 0xFEE75C, 0xED4245

ACCOUNT_TYPE_NAMES = {
    AccountType.USER: "personal account",
    AccountType.GOVERNMENT: "government account",
    AccountType.CORPORATION: "corporation",
    AccountType.CHARITY: "charity",
}


def format_money(cents: int, symbol: str) -> str:
    """'12.50t': an amount as members read it (`symbol` is CURRENCY_SYMBOL)."""
    return format_amount(cents, symbol=symbol)


def timestamp(moment: datetime, style: TimestampStyle = "f") -> str:
    """A Discord timestamp: each member sees it in their own time zone (style R: 'in 5 minutes')."""
    return discord.utils.format_dt(moment, style)


def personal_account_owner(name: str) -> int | None:
    """The member whose default personal account this name is (Taubot names one "<@!123> 's account" on v2 and
    "<@!123>'s account" on v2.1), or None for any other name."""
    found = DEFAULT_PERSONAL_NAME.fullmatch(name)
    return int(found[1]) if found else None


def owners_named_in(names: Iterable[str]) -> list[int]:
    """The members whose default personal account names are among `names` (to look their names up first)."""
    return [owner for owner in map(personal_account_owner, names) if owner is not None]


def account_name(name: str, *, markdown: bool = True) -> str:
    """An account name as members read it: a default personal name as "Alice's account" (the member's name,
    where mention markup would show raw in titles, field names and files), any other name literally (Taubot
    allows names like '*Treasury*' or 'a_b_c'), with invisible and look-alike characters written out
    (lookalikes.py) and shortened visibly past SHOWN_NAME_LENGTH. `markdown=False` for plain text such as an
    autocomplete choice.

    Names come from member_names (every member who used the bot, and those looked up for the screen)."""
    in_file = account_name_in_file(name)
    if len(in_file) <= SHOWN_NAME_LENGTH and reads_as_is(in_file):
        shown = in_file  # most names: nothing to write out or shorten, so not gone through piece by piece
    else:
        shown = clip_pieces(revealed_pieces(in_file), SHOWN_NAME_LENGTH)
    return escape_markdown(shown) if markdown else shown


# What discord.py's escape_markdown changes: these characters, and a "-" that starts a line (a list item).
_MARKDOWN_CHARACTERS = frozenset("_\\~|*`>[#")


def escape_markdown(text: str) -> str:
    """discord.utils.escape_markdown(text), without running its regex (a third of a /balance embed's cost) over
    text that has nothing it would change."""
    if _MARKDOWN_CHARACTERS.isdisjoint(text) and "\n" not in text and not text.lstrip().startswith("-"):
        return text
    return discord.utils.escape_markdown(text)


def account_name_in_file(name: str) -> str:
    """Taubot's name, with only a default personal name turned into "Alice's account": for files, which keep
    the name whole and exact."""
    owner = personal_account_owner(name)
    if owner is None:
        return name
    return f"{member_names.name_of(owner) or f'member {owner}'}'s account"


def account_label(account: Account, *, mention_owner: bool = True) -> str:
    """'<@123> (Alice)' for a member's personal account with a name of its own, "Alice's account" for one with
    Taubot's default name (it already says whose), 'Treasury (government account)' otherwise."""
    name = account_name(account.account_name)
    if personal_account_owner(account.account_name) is not None:
        return name
    if account.account_type is AccountType.USER and account.owner_id is not None and mention_owner:
        return f"<@{account.owner_id}> ({name})"
    return f"{name} ({ACCOUNT_TYPE_NAMES.get(account.account_type, 'account')})"


async def reply(interaction: discord.Interaction, content: str | None = None, *, embed: discord.Embed | None = None,
                view: discord.ui.View | None = None, file: discord.File | None = None) -> None:
    """Answer privately, whether or not the interaction was deferred."""
    kwargs: dict[str, Any] = {"content": clip(content, CONTENT) if content else content, "embed": embed,
                              "ephemeral": True}
    if view is not None:
        kwargs["view"] = view
    if file is not None:
        kwargs["file"] = file
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)
    note_answered(interaction)


async def refuse(interaction: discord.Interaction, content: str, *, outcome: str = "refused") -> None:
    """Answer privately with why the request was not done, and log it as `outcome`."""
    set_outcome(interaction, outcome)
    await reply(interaction, content)


async def linked_account_or_explain(grant_keys: GrantKeyStore, interaction: discord.Interaction
                                    ) -> LinkedAccount | None:
    """The caller's link, or None after telling them (ephemerally) how to link. Expects a deferred response."""
    linked = await grant_keys.get(interaction.user.id)
    if linked is None:
        await refuse(interaction, NOT_LINKED, outcome="not_linked")
    return linked
