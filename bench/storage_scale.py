"""Grant key lookup + decrypt as the bot does it, at 1,000, 100,000 and 1,000,000 linked members: on an idle
loop, and timed around every lookup the bot's own /balance commands make while every burst member runs
/balance at once. Each database is the synthetic members plus the burst's real ones (their real keys)."""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from storage import GrantKeyStore, LinkedAccount, Storage

from .bot_under_test import BotUnderTest
from .burst import BurstFigures, burst
from .contender import Contender
from .linked_users import fill, size_on_disk, synthetic_user_id
from .sandbox_process import SandboxProcess
from .stats import Report, Target, percentile

IDLE_LOOKUPS = 3_000
SCALES = (1_000, 100_000, 1_000_000)
IDLE_TARGET = Target("p99 < 1 ms", lambda seconds: seconds < 0.001)
BURST_TARGET = Target("p99 < 5 ms", lambda seconds: seconds < 0.005)


@dataclass(frozen=True)
class ScaleFigures:
    linked: int
    idle: list[float]
    during_burst: list[float]
    burst: BurstFigures
    bytes_per_member: float
    fill_seconds: float


def scales_up_to(users: int) -> list[int]:
    return sorted({scale for scale in SCALES if scale < users} | {users})


async def storage_figures(workdir: Path, encryption_key: bytes, sandbox: SandboxProcess,
                          burst_members: list[tuple[int, str, str]], users: int, report: Report) -> dict[int, Path]:
    """Measure every scale up to `users`; return the databases by scale (the memory benchmark reuses them)."""
    empty = workdir / "linked-0.sqlite3"
    await fill(empty, encryption_key, 0)
    databases, figures = {0: empty}, []
    for scale in scales_up_to(users):
        databases[scale] = workdir / f"linked-{scale}.sqlite3"
        figures.append(await _measure_scale(databases[scale], empty, encryption_key, sandbox, burst_members, scale))
    _report(report, figures, len(burst_members))
    return databases


async def _measure_scale(path: Path, empty: Path, encryption_key: bytes, sandbox: SandboxProcess,
                         burst_members: list[tuple[int, str, str]], scale: int) -> ScaleFigures:
    started = time.perf_counter()
    await fill(path, encryption_key, scale, extra=burst_members)
    fill_seconds = time.perf_counter() - started
    bench = await BotUnderTest(sandbox, path, encryption_key).start()
    try:
        idle = await _idle_lookups(bench.bot.storage, scale)
        users = [bench.discord.user(f"scale-member{n}", user_id=row[0]) for n, row in enumerate(burst_members)]
        contender = Contender("bot", bench.discord, users)
        await burst(contender, sandbox, [contender])  # warm-up: every member's first use is recorded
        lookups: list[float] = []
        with _timing_lookups(bench.bot.storage.grant_keys, lookups):
            measured = await burst(contender, sandbox, [contender])
    finally:
        await bench.stop()
    per_member = (size_on_disk(path) - size_on_disk(empty)) / (scale + len(burst_members))
    return ScaleFigures(scale, idle, lookups, measured, per_member, fill_seconds)


async def _idle_lookups(storage: Storage, linked: int) -> list[float]:
    times = []
    for user_id in [synthetic_user_id(random.randrange(linked)) for _ in range(IDLE_LOOKUPS)]:
        started = time.perf_counter()
        found = await storage.grant_keys.get(user_id)
        times.append(time.perf_counter() - started)
        if found is None or not found.grant_key:
            raise RuntimeError(f"user {user_id} is not linked")
    return times


@contextlib.contextmanager
def _timing_lookups(store: GrantKeyStore, times: list[float]) -> Iterator[None]:
    """Time every `GrantKeyStore.get` the bot makes inside the block, from the call to the decrypted key."""
    original = store.get

    async def timed_get(discord_user_id: int) -> LinkedAccount | None:
        started = time.perf_counter()
        try:
            return await original(discord_user_id)
        finally:
            times.append(time.perf_counter() - started)

    store.get = timed_get  # type: ignore[method-assign]  # instrumentation, in the benchmark only
    try:
        yield
    finally:
        del store.get  # the class's own method again


def _report(report: Report, figures: list[ScaleFigures], burst_size: int) -> None:
    report.section(f"Grant key lookup + decrypt: {IDLE_LOOKUPS} random members on an idle loop, and every lookup "
                   f"the bot makes while {burst_size} members run /balance at once")
    for scale in figures:
        idle50, idle99 = percentile(scale.idle, 0.5), percentile(scale.idle, 0.99)
        busy50, busy99 = percentile(scale.during_burst, 0.5), percentile(scale.during_burst, 0.99)
        largest = scale is figures[-1]
        report.line(f"{scale.linked:>9,} linked: idle p50 {idle50 * 1e6:.0f} µs p99 {idle99 * 1e6:.0f} µs | "
                    f"during the burst p50 {busy50 * 1e3:.2f} ms p99 {busy99 * 1e3:.2f} ms "
                    f"({len(scale.during_burst)} lookups; burst {scale.burst.per_second:.0f} commands/s)")
        if largest:
            label = f"key lookup + decrypt at {scale.linked:,} linked"
            report.line(f"   targets: idle {IDLE_TARGET.text}: {report.judge(label + ', idle', [idle99], IDLE_TARGET)}"
                        f"; during the burst {BURST_TARGET.text}: "
                        f"{report.judge(label + ', during the burst', [busy99], BURST_TARGET)}")
            report.figure("key_lookup_idle_p99_us", idle99 * 1e6, "{:.0f}")
            report.figure("key_lookup_burst_p99_ms", busy99 * 1e3, "{:.2f}")
            report.figure("db_bytes_per_member", scale.bytes_per_member, "{:.0f}")
        report.line(f"   database: {scale.bytes_per_member:.0f} bytes per linked member "
                    f"(filled in {scale.fill_seconds:.1f} s)")
