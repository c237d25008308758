"""Which of a member's linked accounts a command acts for: `from:` on /pay, `account:` on /balance and /history.

A member may link several Taubot accounts (their personal one, a company, a department…). A command that names
none uses the default link (the personal account); one that names an account must name one the member linked,
by the name Taubot has or as suggested (the suggestion's value is the account's id, so a name shared by two
accounts cannot pick the wrong one).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from . import messages
from .limits import CHOICE_NAME, CHOICES, clip
from .ui import account_name, refuse

if TYPE_CHECKING:
    from storage import GrantKeyStore, LinkedAccount


def is_named(link: LinkedAccount, named: str) -> bool:
    """Whether `named` (an option's value) names this link's account: its id, or its name as Taubot has it or as
    the bot shows it ("Alice's account" for a default personal name)."""
    wanted = named.strip()
    return wanted in (link.account_id, link.account_name, account_name(link.account_name, markdown=False))


async def chosen_link(grant_keys: GrantKeyStore, user_id: int, named: str | None
                      ) -> LinkedAccount | list[LinkedAccount] | None:
    """The link `named` picks (the default one when None); else the member's links (none: an empty list) to
    say which they may name."""
    if named is None:
        return await grant_keys.get(user_id)
    links = await grant_keys.all_of(user_id)
    return next((link for link in links if is_named(link, named)), links)


async def chosen_link_or_explain(grant_keys: GrantKeyStore, interaction: discord.Interaction, named: str | None
                                 ) -> LinkedAccount | None:
    """The link the member picked, or None after telling them why there is none (privately)."""
    found = await chosen_link(grant_keys, interaction.user.id, named)
    if found is None or found == []:
        await refuse(interaction, messages.NOT_LINKED, outcome="not_linked")
        return None
    if isinstance(found, list):
        await refuse(interaction, messages.not_a_linked_account(
            account_name(named or ""), [account_name(link.account_name) for link in found]), outcome="not_linked")
        return None
    return found


async def linked_account_choices(grant_keys: GrantKeyStore, user_id: int, typed: str, *,
                                 personal: bool = True) -> list[app_commands.Choice[str]]:
    """The member's linked accounts whose shown name contains what they typed, the default first (`personal`
    False: without their personal account, where leaving the option empty already means it)."""
    wanted = typed.strip().casefold()
    choices = []
    for link in await grant_keys.all_of(user_id):
        if link.is_personal and not personal:
            continue
        shown = account_name(link.account_name, markdown=False)
        if wanted in shown.casefold() or wanted in link.account_name.casefold():
            choices.append(app_commands.Choice(name=clip(shown, CHOICE_NAME), value=link.account_id))
    return choices[:CHOICES]
