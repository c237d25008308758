"""`accounts`: what the local Taubot holds (every account, its owner and balance) and who the members are."""

from __future__ import annotations

from collections import Counter
from typing import Any

from taubot import format_amount

from .members import Members
from .words import listed


def describe_accounts(accounts: list[dict[str, Any]], members: Members, me: int) -> str:
    """`accounts` as the sandbox lists them in its credentials (name, owner id, type, balance in cents)."""
    rows = [(a["account_name"], _kind(a, members), format_amount(a["balance"])) for a in accounts]
    name_width = max((len(name) for name, _, _ in rows), default=0)
    kind_width = max((len(kind) for _, kind, _ in rows), default=0)
    money_width = max((len(amount) for _, _, amount in rows), default=0)
    lines = ["Accounts in the local Taubot (what Taubot holds, whatever the bot may see):"]
    lines += [f"  {name.ljust(name_width)}  {kind.ljust(kind_width)}  {amount.rjust(money_width)}"
              for name, kind, amount in rows]
    lines.append(f"Members: {_members_line(accounts, members, me)}. Switch with: as NAME")
    shared = [name for name, count in Counter(a["account_name"] for a in accounts).items() if count > 1]
    if shared:
        names = listed([f"“{name}”" for name in shared])
        lines.append(f"More than one account is called {names}: Taubot can't look such a name up, so paying it "
                     "by name fails, as it would on the real Taubot.")
    return "\n".join(lines)


def _kind(account: dict[str, Any], members: Members) -> str:
    owner = account["owner_id"]
    if account["account_type"] == "USER" and owner is not None:
        return f"personal account of @{members.name_of(owner)}"
    kind = account["account_type"].lower()
    return f"{kind}, owned by @{members.name_of(owner)}" if owner is not None else kind


def _members_line(accounts: list[dict[str, Any]], members: Members, me: int) -> str:
    with_account = {a["owner_id"] for a in accounts if a["account_type"] == "USER"}
    described = []
    for name, user in members.people.items():
        notes = (["you"] if user.id == me else []) + [f"Discord ID {user.id}"]
        if user.id not in with_account:
            notes.append("no Taubot account")
        described.append(f"@{name} ({', '.join(notes)})")
    return listed(described)
