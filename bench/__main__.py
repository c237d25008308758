"""python -m bench [--users N] [--burst N] [--rounds N]: every benchmark, then one line of headline `name=value`
figures.

The sandbox runs in a process of its own; the bot runs here, driven through the harness exactly as the tests
drive it. Takes about a minute on a 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import tempfile
import time
from pathlib import Path

from .bot_under_test import BotUnderTest, new_encryption_key
from .commands import BALANCE_ROUNDS, balance_burst, balance_latency, pay_latency
from .memory import memory_figures
from .sandbox_process import SandboxProcess
from .stats import Report
from .storage_scale import storage_figures


async def run(stored_users: int, burst: int, rounds: int) -> Report:
    report = Report()
    print(f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"{platform.system()} {platform.release()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="taubot-bench-") as scratch:
        workdir = Path(scratch)
        encryption_key = new_encryption_key()
        async with SandboxProcess(workdir) as sandbox:
            bench = await BotUnderTest(sandbox, workdir / "bot.sqlite3", encryption_key).start()
            try:
                members = await bench.add_members(burst, prefix="member")
                unloaded_first_response = await balance_latency(bench, members[:20], report, rounds)
                await pay_latency(bench, members[:20], report, max(1, rounds // 5))
                await balance_burst(bench, members, report, unloaded_first_response)
            finally:
                await bench.stop()
            big_database = await storage_figures(workdir, encryption_key, stored_users, report)
            await memory_figures(workdir, big_database, encryption_key, sandbox.credentials_path, stored_users,
                                 report)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench",
                                     description="The bot's benchmarks, each beside a baseline.")
    parser.add_argument("--users", type=int, default=100_000, help="linked members for storage and memory")
    parser.add_argument("--burst", type=int, default=500, help="members running /balance at once")
    parser.add_argument("--rounds", type=int, default=BALANCE_ROUNDS,
                        help="timed /balance commands (a fifth as many payments)")
    arguments = parser.parse_args()
    started = time.perf_counter()
    report = asyncio.run(run(arguments.users, arguments.burst, arguments.rounds))
    print(f"\n(benchmarks took {time.perf_counter() - started:.0f} s)")
    print(report.last_line())


if __name__ == "__main__":
    main()
