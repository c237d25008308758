"""Where a link attempt stands, and what its member reads about it."""

from __future__ import annotations

import enum
from dataclasses import dataclass

import discord

from taubot import Account

from .. import messages
from ..ui import account_label, account_name


class LinkState(enum.Enum):
    """Where a link stands after an attempt to finish or end it."""

    LINKED = "linked"
    WAITING = "waiting"                   # not granted yet: Taubot has no key for this ref yet
    TAUBOT_TROUBLE = "taubot_trouble"     # could not ask Taubot; the link stays pending
    CREDENTIALS_REJECTED = "credentials_rejected"  # Taubot refused the master key; the link stays pending
    BEING_CHECKED = "being_checked"       # another bot process is finishing it right now; it stays pending
    EXPIRED = "expired"
    ALREADY_FINISHED = "already_finished"
    REFERENCE_UNKNOWN = "reference_unknown"  # Taubot forgot the ref (restarted; on v2.1 also expired or evicted)
    WRONG_GRANTER = "wrong_granter"       # v2: granted by another Discord account
    WRONG_ACCOUNT = "wrong_account"       # v2.1: bound to an account other than the one the link is for
    GRANT_MISSES_ACCOUNT = "grant_misses_account"  # v2: the grant does not let the bot see the account linked
    NO_ACCOUNT = "no_account"
    KEY_UNUSABLE = "key_unusable"
    CANCELLED = "cancelled"
    UNLINKED = "unlinked"                 # the member ran /unlink-account while this link was pending

    @property
    def is_final(self) -> bool:
        return self not in (LinkState.WAITING, LinkState.TAUBOT_TROUBLE, LinkState.CREDENTIALS_REJECTED,
                            LinkState.BEING_CHECKED)


@dataclass(frozen=True)
class LinkResult:
    state: LinkState
    account: Account | None = None
    one_account_grant: bool = False  # the grant page picks one account (Taubot v2.1): says so while waiting
    for_account: str | None = None   # the name of the account the link is for (None: the personal account)

    def message(self) -> str:
        """What the member reads, in the DM (final states) or as the answer to a button press."""
        if self.state is LinkState.LINKED and self.account is not None:
            linked_to = f"Linked to {account_label(self.account, mention_owner=False)}"
            if self.account.balance is None:  # the grant lacks VIEW BALANCE: /balance would only fail
                return messages.linked_without_view_balance(linked_to)
            if self.for_account is not None:
                return f"{linked_to}. Try /balance account:{account_name(self.account.account_name, markdown=False)}."
            return f"{linked_to}. Try /balance."
        state = "waiting_one_account" if self.state is LinkState.WAITING and self.one_account_grant \
            else self.state.value
        named = None if self.for_account is None else messages.link_state_for_account(
            state, account_name(self.for_account))
        return named or messages.LINK_STATE_TEXT[state]


@dataclass(frozen=True)
class LinkShownHere:
    """The link DM's contents, for the member's private answer when Discord would not let the bot DM them
    (DMs closed, or no server shared with the bot). Only that member ever sees it, like the DM."""

    content: str
    embed: discord.Embed
    view: discord.ui.View
