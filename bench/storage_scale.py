"""Key lookup + decrypt at 100,000 linked members, against the same lookup at 1,000 (the baseline)."""

from __future__ import annotations

import random
import time
from pathlib import Path

from storage import Storage

from .linked_users import fill, size_on_disk, synthetic_user_id
from .stats import Report, percentile, verdict

LOOKUPS = 3_000
SMALL = 1_000


async def _lookup_times(path: Path, encryption_key: bytes, users: int) -> list[float]:
    storage = await Storage.open(path, encryption_key)
    try:
        picks = [synthetic_user_id(random.randrange(users)) for _ in range(LOOKUPS)]
        times = []
        for user_id in picks:
            started = time.perf_counter()
            linked = await storage.grant_keys.get(user_id)
            times.append(time.perf_counter() - started)
            if linked is None or not linked.grant_key:
                raise RuntimeError(f"user {user_id} is not linked")
        return times
    finally:
        await storage.close()


async def storage_figures(workdir: Path, encryption_key: bytes, users: int, report: Report) -> Path:
    """Build the big database (kept for the memory benchmark) and measure lookups on it; returns its path."""
    empty, small, big = workdir / "empty.sqlite3", workdir / "small.sqlite3", workdir / "big.sqlite3"
    await fill(empty, encryption_key, 0)
    await fill(small, encryption_key, SMALL)
    started = time.perf_counter()
    await fill(big, encryption_key, users)
    fill_seconds = time.perf_counter() - started

    small_times = await _lookup_times(small, encryption_key, SMALL)
    big_times = await _lookup_times(big, encryption_key, users)
    p50, p99 = percentile(big_times, 0.5), percentile(big_times, 0.99)
    base50, base99 = percentile(small_times, 0.5), percentile(small_times, 0.99)
    per_user = (size_on_disk(big) - size_on_disk(empty)) / users

    report.section(f"Storage: grant key lookup + decrypt ({LOOKUPS} random members)")
    report.line(f"{users:,} linked: p50 {p50 * 1e6:.0f} µs  p99 {p99 * 1e6:.0f} µs   target p99 < 1 ms: "
                f"{verdict(p99 < 0.001)}")
    report.line(f"{SMALL:,} linked (baseline): p50 {base50 * 1e6:.0f} µs  p99 {base99 * 1e6:.0f} µs   "
                f"ratio p99 {p99 / base99:.2f}")
    report.line(f"database size: {size_on_disk(big) / 2**20:.1f} MiB, {per_user:.0f} bytes per linked member "
                f"(filled in {fill_seconds:.1f} s)")
    report.figure("key_lookup_p99_us", p99 * 1e6, "{:.0f}")
    report.figure("key_lookup_p99_ratio_vs_1k", p99 / base99, "{:.2f}")
    report.figure("db_bytes_per_user", per_user, "{:.0f}")
    return big
