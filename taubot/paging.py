"""Reading a transaction log page by page where the server caps a page (v2.1: 100 entries, `before=` in whole
Unix seconds), so callers can ask for "up to N entries older than T" on either dialect.

`before` is sent rounded up to the next whole second and entries at or after T are dropped here: rounding down
would skip entries in the same second. Log entries carry float timestamps (microseconds), so two entries of
one account never share one in practice; the paging relies on that.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from datetime import datetime

from .models import Transaction

# Entries in the second of `before` that the server still returns and this module drops: asked for on top.
_SAME_SECOND_ALLOWANCE = 10

FetchPage = Callable[[int, int | None], Awaitable[list[Transaction]]]  # (limit, before in whole seconds)


async def read_log(fetch: FetchPage, *, page_size: int, limit: int | None,
                   before: datetime | None) -> list[Transaction]:
    """Up to `limit` entries (None: all) strictly older than `before` (None: from the newest), newest first."""
    collected: list[Transaction] = []
    cursor = before
    while limit is None or len(collected) < limit:
        wanted = page_size if limit is None else min(page_size, limit - len(collected) + (
            0 if cursor is None else _SAME_SECOND_ALLOWANCE))
        page = await fetch(wanted, None if cursor is None else math.ceil(cursor.timestamp()))
        collected += older_than(page, cursor)
        if len(page) < wanted:
            break  # the log has nothing older
        oldest = page[-1].timestamp
        if cursor is not None and oldest >= cursor:
            break  # a whole page within one second: nothing further can be reached
        cursor = oldest
    return collected if limit is None else collected[:limit]


def older_than(entries: list[Transaction], before: datetime | None) -> list[Transaction]:
    return entries if before is None else [entry for entry in entries if entry.timestamp < before]
