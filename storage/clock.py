"""Time as the stores keep it: Unix seconds in the database, aware UTC datetimes in the code."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)


def to_seconds(moment: datetime) -> float:
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; pass an aware (UTC) datetime")
    return moment.timestamp()


def from_seconds(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def from_optional_seconds(seconds: float | None) -> datetime | None:
    return None if seconds is None else from_seconds(seconds)


Clock = Callable[[], datetime]  # "now" as a store sees it: `now` in production, a movable clock in tests
