"""The accounts on the other side of a member's transactions: looked up once each, a few at a time, and
remembered for a while by the whole bot.

One /history limit:100 can name a hundred accounts. Looked up afresh every time, twenty members (or one
member twenty times) would make thousands of Taubot requests with the application's master key behind them,
which Taubot may throttle for everyone. So an account looked up for one command serves every command for
`KEEP_FOR`, and a look-up already under way for one command is awaited by the others instead of repeated.
Only what /history shows is kept (name, type, owner), never a balance: another member's key may not see it.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from taubot import Account, TaubotClient, TaubotError

CAPACITY = 5_000  # accounts remembered; the least recently used go first
KEEP_FOR = timedelta(minutes=10)  # a renamed account shows its new name after at most this long
LOOKUP_CONCURRENCY = 8  # look-ups in flight at once, per command


class KnownAccounts:
    def __init__(self, clock: Callable[[], datetime]):
        self._clock = clock
        self._accounts: OrderedDict[str, tuple[datetime, Account]] = OrderedDict()
        self._under_way: dict[str, asyncio.Future[Account | None]] = {}

    async def look_up(self, taubot: TaubotClient, grant_key: str, account_ids: Iterable[str]) -> dict[str, Account]:
        """The accounts of `account_ids` that Taubot knows, asking it only for those not known already. One that
        cannot be read now (not found, Taubot failing) is left out, and asked again next time."""
        wanted = list(dict.fromkeys(account_ids))
        gate = asyncio.Semaphore(LOOKUP_CONCURRENCY)
        found = await asyncio.gather(*(self._one(taubot, grant_key, account_id, gate) for account_id in wanted))
        return {account.account_id: account for account in found if account is not None}

    async def _one(self, taubot: TaubotClient, grant_key: str, account_id: str, gate: asyncio.Semaphore
                   ) -> Account | None:
        known = self._remembered(account_id)
        if known is not None:
            return known
        under_way = self._under_way.get(account_id)
        if under_way is None:
            under_way = self._under_way[account_id] = asyncio.ensure_future(self._ask(taubot, grant_key, account_id,
                                                                                      gate))
        # Shielded: one command that is cut off must not cancel the look-up others are waiting for.
        return await asyncio.shield(under_way)

    async def _ask(self, taubot: TaubotClient, grant_key: str, account_id: str, gate: asyncio.Semaphore
                   ) -> Account | None:
        try:
            async with gate:
                account = await taubot.get_account(grant_key, account_id)
        except TaubotError:
            return None
        finally:
            self._under_way.pop(account_id, None)
        shown = dataclasses.replace(account, balance=None)
        self._remember(shown)
        return shown

    def _remembered(self, account_id: str) -> Account | None:
        entry = self._accounts.get(account_id)
        if entry is None:
            return None
        if self._clock() - entry[0] >= KEEP_FOR:
            del self._accounts[account_id]
            return None
        self._accounts.move_to_end(account_id)
        return entry[1]

    def _remember(self, account: Account) -> None:
        self._accounts[account.account_id] = (self._clock(), account)
        self._accounts.move_to_end(account.account_id)
        while len(self._accounts) > CAPACITY:
            self._accounts.popitem(last=False)
