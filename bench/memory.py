"""Peak memory (RSS) of a bot process serving members, with 100,000 linked members in its database, against
the same process and the same work on an empty database (the baseline).

Each measurement is a fresh process (`python -m bench.memory …`), so nothing from the benchmark runner is
counted: it logs the bot in to the harness, links a few members for real, runs /balance for them and
/link-status for a thousand stored members, then reports its peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
from pathlib import Path

from .bot_under_test import BotUnderTest
from .linked_users import fill, synthetic_user_id
from .sandbox_process import PROJECT_ROOT, SandboxProcess
from .stats import Report, verdict

REAL_MEMBERS = 20
BALANCE_COMMANDS = 200
STATUS_COMMANDS = 1_000
TARGET_MIB = 150


async def probe(database: Path, encryption_key: bytes, credentials: Path, stored_members: int) -> dict:
    sandbox = await SandboxProcess.attach(credentials)
    bench = BotUnderTest(sandbox, database, encryption_key)
    try:
        await bench.start()
        members = await bench.add_members(REAL_MEMBERS, prefix=f"memory-{database.stem}-")
        for n in range(BALANCE_COMMANDS):
            await bench.discord.run_command("balance", by=members[n % len(members)].user)
        linked = 0
        for n in range(STATUS_COMMANDS):
            # Members spread over the whole table, so its pages are read as a busy bot would read them.
            index = n * max(1, stored_members // STATUS_COMMANDS)
            user = bench.discord.user(f"stored{n}", user_id=synthetic_user_id(index))
            outcome = await bench.discord.run_command("link-status", by=user)
            linked += outcome.embed.title == "Linked"
        await bench.stop()
    finally:
        await sandbox.__aexit__(None, None, None)
    return {"peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "rss_at_end_kib": _rss_now_kib(),
            "linked_seen": linked}


def _rss_now_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def measure(database: Path, encryption_key: bytes, credentials: Path, stored_members: int) -> dict:
    """Run one probe in a fresh interpreter and return what it reported."""
    finished = subprocess.run(
        [sys.executable, "-m", "bench.memory", "--database", str(database), "--key", encryption_key.hex(),
         "--credentials", str(credentials), "--stored-members", str(stored_members)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    if finished.returncode != 0:
        raise RuntimeError(f"the memory probe failed:\n{finished.stderr[-2000:]}")
    return json.loads(finished.stdout.strip().splitlines()[-1])


async def memory_figures(workdir: Path, big_database: Path, encryption_key: bytes, credentials: Path,
                         users: int, report: Report) -> None:
    empty = workdir / "memory-baseline.sqlite3"
    await fill(empty, encryption_key, 0)
    baseline = await asyncio.to_thread(measure, empty, encryption_key, credentials, 0)
    loaded = await asyncio.to_thread(measure, big_database, encryption_key, credentials, users)
    mib, base_mib = loaded["peak_rss_kib"] / 1024, baseline["peak_rss_kib"] / 1024
    report.section("Peak memory (RSS) of the bot process")
    report.line(f"{users:,} linked members: {mib:.1f} MiB   target < {TARGET_MIB} MiB: {verdict(mib < TARGET_MIB)}")
    report.line(f"empty database (baseline): {base_mib:.1f} MiB   ratio {mib / base_mib:.2f}")
    report.line(f"resident at the end of the work: {loaded['rss_at_end_kib'] / 1024:.1f} MiB with {users:,} linked, "
                f"{baseline['rss_at_end_kib'] / 1024:.1f} MiB with none (SQLite's page cache is bounded; no member "
                f"is held in memory)")
    report.line(f"same work in both: {REAL_MEMBERS} members linked, {BALANCE_COMMANDS} /balance, "
                f"{STATUS_COMMANDS} /link-status ({loaded['linked_seen']} of them stored members)")
    report.figure("peak_rss_mib", mib, "{:.1f}")
    report.figure("peak_rss_ratio_vs_empty", mib / base_mib, "{:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.memory")
    parser.add_argument("--database", type=Path, required=True)
    parser.add_argument("--key", required=True, help="KEY_ENCRYPTION_KEY as hex (benchmark databases only)")
    parser.add_argument("--credentials", type=Path, required=True)
    parser.add_argument("--stored-members", type=int, required=True)
    arguments = parser.parse_args()
    result = asyncio.run(probe(arguments.database, bytes.fromhex(arguments.key), arguments.credentials,
                               arguments.stored_members))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
