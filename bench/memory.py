"""The bot's true peak memory: each probe is a fresh interpreter that does the work and then reads its own
peak (VmHWM in /proc/self/status: this process's high-water mark since exec, unlike getrusage's ru_maxrss,
which a child inherits from its parent across fork and exec).

The bot probe opens a database with N linked members, links 20 more the real way, and runs 200 /balance and
1,000 /link-status spread over the whole table. The naive probe holds N keys in its dict (where the naive cog
keeps them) plus the same 20 real members, and runs the same 200 /balance.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from .bot_under_test import BotUnderTest
from .linked_users import jwt_shaped_key, synthetic_user_id
from .naive_under_test import NaiveUnderTest
from .sandbox_process import PROJECT_ROOT, SandboxProcess
from .stats import Report, Target

REAL_MEMBERS = 20
BALANCE_COMMANDS = 200
STATUS_COMMANDS = 1_000
TARGET = Target("< 100 MiB", lambda mib: mib < 100)


def memory_kib(field: str) -> int:
    """A field of /proc/self/status in KiB: VmHWM (peak resident) or VmRSS (resident now)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


async def probe_bot(database: Path, encryption_key: bytes, credentials: Path, stored_members: int) -> dict:
    sandbox = await SandboxProcess.attach(credentials)
    bench = BotUnderTest(sandbox, database, encryption_key)
    try:
        await bench.start()
        members = await bench.add_members(REAL_MEMBERS, prefix=f"memory-{database.stem}-")
        for n in range(BALANCE_COMMANDS):
            await bench.discord.run_command("balance", by=members[n % len(members)].user)
        for n in range(STATUS_COMMANDS):
            # Members spread over the whole table, so its pages are read as a busy bot would read them.
            index = n * max(1, stored_members // STATUS_COMMANDS)
            user = bench.discord.user(f"stored{n}", user_id=synthetic_user_id(index))
            await bench.discord.run_command("link-status", by=user)
        await bench.stop()
    finally:
        await sandbox.__aexit__(None, None, None)
    return {"peak_kib": memory_kib("VmHWM"), "resident_kib": memory_kib("VmRSS")}


async def probe_naive(real: list[tuple[int, str, str]], credentials: Path, stored_members: int) -> dict:
    stored = [(synthetic_user_id(n), jwt_shaped_key(), "") for n in range(stored_members)]
    sandbox = await SandboxProcess.attach(credentials)
    try:
        naive = await NaiveUnderTest.start(sandbox, stored + real, members=[user_id for user_id, _, _ in real])
        del stored  # the dict inside the cog holds the keys now
        for n in range(BALANCE_COMMANDS):
            await naive.discord.run_command("balance", by=naive.users[n % len(naive.users)])
        await naive.stop()
    finally:
        await sandbox.__aexit__(None, None, None)
    return {"peak_kib": memory_kib("VmHWM"), "resident_kib": memory_kib("VmRSS")}


def measure(*arguments: str) -> dict:
    """Run one probe in a fresh interpreter and return what it reported."""
    finished = subprocess.run([sys.executable, "-m", "bench.memory", *arguments], cwd=PROJECT_ROOT,
                              capture_output=True, text=True, timeout=600, check=False)
    if finished.returncode != 0:
        raise RuntimeError(f"the memory probe failed:\n{finished.stderr[-2000:]}")
    return json.loads(finished.stdout.strip().splitlines()[-1])


async def memory_figures(workdir: Path, databases: dict[int, Path], encryption_key: bytes, credentials: Path,
                         real_members: list[tuple[int, str, str]], report: Report) -> None:
    members_file = workdir / "memory-members.json"
    descriptor = os.open(members_file, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)  # sandbox keys, still keys
    with os.fdopen(descriptor, "w") as file:
        json.dump(real_members[:REAL_MEMBERS], file)
    report.section("True peak memory (VmHWM, read inside each probe process)")
    report.line(f"same work in each: {REAL_MEMBERS} real members, {BALANCE_COMMANDS} /balance "
                f"(the bot also links them and runs {STATUS_COMMANDS} /link-status over the stored members)")
    for linked, database in sorted(databases.items()):
        # Side by side: each probe reads its own process's peak, so running them together changes no figure.
        bot, naive = await asyncio.gather(
            asyncio.to_thread(measure, "bot", "--database", str(database), "--key", encryption_key.hex(),
                              "--credentials", str(credentials), "--stored-members", str(linked)),
            asyncio.to_thread(measure, "naive", "--members", str(members_file), "--credentials", str(credentials),
                              "--stored-members", str(linked)))
        bot_mib, naive_mib = bot["peak_kib"] / 1024, naive["peak_kib"] / 1024
        report.line(f"{linked:>9,} linked: bot peak {bot_mib:.1f} MiB (resident at the end "
                    f"{bot['resident_kib'] / 1024:.1f}) | naive peak {naive_mib:.1f} MiB | "
                    f"ratio {bot_mib / naive_mib:.2f}")
        report.figure(f"peak_mib_{linked}_bot", bot_mib, "{:.1f}")
        report.figure(f"peak_mib_{linked}_naive", naive_mib, "{:.1f}")
    largest = max(databases)
    verdict = report.judge(f"bot's true peak memory at {largest:,} linked", [bot_mib], TARGET)
    report.line(f"target at {largest:,} linked {TARGET.text}: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.memory")
    parser.add_argument("who", choices=("bot", "naive"))
    parser.add_argument("--database", type=Path, help="the bot's database")
    parser.add_argument("--key", help="KEY_ENCRYPTION_KEY as hex (benchmark databases only)")
    parser.add_argument("--members", type=Path, help="the naive cog's real members: JSON [[id, key, account]]")
    parser.add_argument("--credentials", type=Path, required=True)
    parser.add_argument("--stored-members", type=int, required=True)
    arguments = parser.parse_args()
    if arguments.who == "bot":
        probe = probe_bot(arguments.database, bytes.fromhex(arguments.key), arguments.credentials,
                          arguments.stored_members)
    else:
        real = [(user_id, key, account_id) for user_id, key, account_id in json.loads(arguments.members.read_text())]
        probe = probe_naive(real, arguments.credentials, arguments.stored_members)
    print(json.dumps(asyncio.run(probe)))


if __name__ == "__main__":
    main()
