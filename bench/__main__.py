"""python -m bench [--dialect v2|v2.1] [--database URL] [--runs N] [--burst N] [--rounds N] [--users N]: the bot
beside the naive cog, then payments, request counts, storage at scale and true memory; a side-by-side table, the
targets, and one last line of headline `name=value` figures.

The sandbox runs in a process of its own; the bot and the naive cog run here, taking turns, driven through the
harness exactly as the tests drive the bot. With `--database postgresql://…` the bot runs twice here, on SQLite
and on PostgreSQL, serving the same members in the same rounds: the table gets a column for each, and the
PostgreSQL figures' headline names end in `_postgresql`. The full run takes a few minutes on a 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import time
from contextlib import AsyncExitStack
from pathlib import Path

from sandbox import DIALECTS
from storage import without_password

from .bot_under_test import BotUnderTest, new_encryption_key
from .contender import Contender
from .memory import memory_figures
from .naive_under_test import NaiveUnderTest
from .payments import PAY_ROUNDS, pay_latency
from .postgres_scratch import scratch_space
from .request_counts import request_counts
from .sandbox_process import SandboxProcess
from .side_by_side import SlowTaubot, measure_runs, report_runs
from .stats import Report
from .storage_scale import storage_figures


def machine() -> str:
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")), "")
    meminfo = Path("/proc/meminfo").read_text().split() if Path("/proc/meminfo").exists() else []
    memory = f", {int(meminfo[1]) / 2**20:.0f} GiB" if len(meminfo) > 1 else ""
    return (f"{model or platform.machine()}, {os.cpu_count()} CPUs{memory}, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


async def run(arguments: argparse.Namespace) -> Report:
    databases = ("SQLite", "PostgreSQL") if arguments.database else ("SQLite",)
    report, slow = Report(databases), SlowTaubot(arguments.slow_latency_ms, arguments.slow_requests_per_second)
    print(f"Machine: {machine()}\nTaubot dialect: {arguments.dialect}", flush=True)
    if arguments.database:
        print(f"Databases: SQLite, and PostgreSQL at {without_password(arguments.database)} (a scratch schema, "
              "dropped after the run): the bot on each, side by side in this process", flush=True)
    else:
        print("Database: SQLite (add --database postgresql://USER@HOST:5432/DATABASE to measure the bot on "
              "PostgreSQL beside it, in the same run)", flush=True)
    async with scratch_space(arguments.database) as (scratch, database_url):
        workdir, encryption_key = Path(scratch), new_encryption_key()
        async with SandboxProcess(workdir, arguments.dialect) as sandbox:
            linked = await side_by_side(arguments, report, slow, sandbox, workdir, encryption_key, database_url)
            databases_at_scale = await storage_figures(workdir, encryption_key, sandbox, linked, arguments.users,
                                                       report)
            await memory_figures(workdir, databases_at_scale, encryption_key, sandbox.credentials_path, linked,
                                 report)
        await request_counts(workdir, encryption_key, report)
    report.print_summary(arguments.runs)
    return report


async def side_by_side(arguments: argparse.Namespace, report: Report, slow: SlowTaubot, sandbox: SandboxProcess,
                       workdir: Path, encryption_key: bytes, database_url: str | None) -> list[tuple[int, str, str]]:
    """The bot (on each database) beside the naive cog, then payments; returns the members' (Discord user id,
    grant key, account id) as the bot on SQLite holds them, for the storage and memory figures."""
    async with AsyncExitStack() as running:
        on_sqlite = await BotUnderTest(sandbox, workdir / "bot.sqlite3", encryption_key).start()
        running.push_async_callback(on_sqlite.stop)
        members = await on_sqlite.add_members(arguments.burst, prefix="member")
        linked = await on_sqlite.linked_rows(members)
        bots = [(on_sqlite, members)]
        if database_url is not None:
            # Its own database, the process's one logging set-up, and the same members, linked to it as well.
            on_postgres = await BotUnderTest(sandbox, workdir / "bot-postgresql.sqlite3", encryption_key,
                                             database_url=database_url, shared_logging=on_sqlite.logging).start()
            running.push_async_callback(on_postgres.stop)
            bots.append((on_postgres, await on_postgres.add_same_members(members)))
        contenders = [Contender(f"bot on {database}", bench.discord, [m.user for m in bench_members])
                      for database, (bench, bench_members) in zip(report.databases, bots, strict=True)]
        naive = await NaiveUnderTest.start(sandbox, linked)
        try:
            runs = await measure_runs(contenders, Contender("naive", naive.discord, naive.users), sandbox,
                                      runs=arguments.runs, rounds=arguments.rounds, slow=slow)
        finally:
            await naive.stop()
        report_runs(report, runs, [c.name for c in contenders], "naive", members=arguments.burst,
                    rounds=arguments.rounds, slow=slow)
        together = " on both databases together (one handler, as one process has)" if len(bots) > 1 else ""
        report.line(f"(the bot logged {on_sqlite.log_lines()} lines meanwhile{together}, one per interaction: "
                    "LOG_LEVEL=INFO as `python bot.py run` sets it up, to a file; the naive cog logs nothing of its "
                    "own)")
        for database, (bench, bench_members) in zip(report.databases, bots, strict=True):
            await pay_latency(bench, bench_members[:20], report, max(1, arguments.rounds * PAY_ROUNDS // 200),
                              database)
    return linked


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench",
                                     description="The bot's benchmarks, beside the naive cog in the same run.")
    parser.add_argument("--dialect", choices=DIALECTS, default="v2", help="the Taubot the sandbox speaks")
    parser.add_argument("--database", metavar="URL", help="also run the bot on PostgreSQL (postgresql://…, in a "
                        "scratch schema dropped after the run), beside the bot on SQLite and the naive cog, serving "
                        "the same members; storage and memory at scale stay SQLite's")
    parser.add_argument("--runs", type=int, default=3, help="repeats of the side-by-side figures (spread)")
    parser.add_argument("--burst", type=int, default=500, help="members running /balance at once")
    parser.add_argument("--rounds", type=int, default=200, help="paired /balance rounds per run")
    parser.add_argument("--users", type=int, default=1_000_000, help="the most linked members for storage and memory")
    parser.add_argument("--slow-latency-ms", type=float, default=SlowTaubot.latency_ms,
                        help="the slow Taubot's added latency per request")
    parser.add_argument("--slow-requests-per-second", type=float, default=SlowTaubot.requests_per_second,
                        help="the slow Taubot's request rate cap")
    arguments = parser.parse_args()
    started = time.perf_counter()
    report = asyncio.run(run(arguments))
    print(f"\n(benchmarks took {time.perf_counter() - started:.0f} s)")
    print(report.last_line())


if __name__ == "__main__":
    main()
