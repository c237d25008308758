"""Finishing links whose owner granted access without pressing anything: gentle polling of Taubot.

Each round checks the links whose turn has come, oldest first, within a budget of Taubot requests; a link
not finished waits its turn again, less often as it ages.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ..interaction_log import counting_taubot_requests

if TYPE_CHECKING:
    from storage import PendingLink

    from .flow import LinkFlow

log = logging.getLogger("taubot_bot.link")

POLL_TICK_SECONDS = 2.0
# The global budget: Taubot requests (retries included) the poller may make per tick. One check makes one to
# four requests, so a round may overshoot by one check; the overshoot is taken off the next round.
TAUBOT_REQUESTS_PER_TICK = 5
POLL_INTERVAL = timedelta(seconds=10)
POLL_INTERVAL_MAX = timedelta(seconds=60)
POLLS_BEFORE_BACKOFF = 6  # about the first minute at the base interval, then slower
POLL_ROUND_GRACE_SECONDS = 10.0  # at shutdown, how long a poll round already under way may take to finish


def next_poll_time(poll_count: int, at: datetime, every: timedelta = POLL_INTERVAL) -> datetime:
    """Every `every` (10 s) for the first six looks, then 25 % slower each time, at most once a minute."""
    slower = max(0, poll_count + 1 - POLLS_BEFORE_BACKOFF)
    interval = min(every * (1.25**slower), POLL_INTERVAL_MAX)
    return at + interval


class LinkPolling:
    def __init__(self, flow: LinkFlow):
        self.flow = flow
        self._request_debt = 0  # requests the last rounds made beyond their budget
        self._every = timedelta(seconds=flow.bot.timings.link_poll_interval)

    async def poll_due(self, at: datetime) -> int:
        """Check the links due at `at` within this round's request budget; return how many were checked (by
        this process: one another process is checking is left to it)."""
        pending_links = self.flow.bot.storage.pending_links
        allowance = TAUBOT_REQUESTS_PER_TICK - self._request_debt
        checked = 0
        with counting_taubot_requests() as stats:
            due = await pending_links.due_for_poll(at, limit=allowance) if allowance > 0 else []
            for link in due:
                if stats.taubot_requests >= allowance:
                    break
                checked += await self._poll(link, at)
        self._request_debt = max(0, stats.taubot_requests - allowance)
        return checked

    async def _poll(self, link: PendingLink, at: datetime) -> bool:
        """Check one link; False if another process is checking it."""
        try:
            result = await self.flow.poll(link.ref_id, next_poll_time(link.poll_count, at, self._every))
        except Exception as error:
            # One broken link must not stall the others: it waits its turn again, backing off. The type
            # only, no traceback: an exception's text could quote what it choked on.
            log.warning("Checking the pending link of user %s failed (%s); trying again later",
                        link.discord_user_id, type(error).__name__)
            return True
        log.debug("Pending link of user %s (look %d): %s", link.discord_user_id, link.poll_count + 1,
                  "another process is checking it" if result is None else result.state.value)
        return result is not None
