"""python -m bench.per_command bot|naive --sandbox FILE [--commands N] [--profile FILE]: N /balance one after
another in the harness, nothing else, for instruction counts and profiles of one command's work.

Instruction counts are deterministic where wall-clock times are not (other processes share the machine). The
N commands run inside the one call of `operator.call` the program makes, so callgrind can count them alone:

    python -m sandbox --port 0 --credentials /tmp/sandbox.json &     # Taubot in a process of its own
    valgrind --tool=callgrind --collect-atstart=no --toggle-collect=_operator_call \\
        python -m bench.per_command bot --sandbox /tmp/sandbox.json --commands 500
    (the "Collected" total divided by 500 is one /balance, the harness's share included)

`--profile FILE` writes a cProfile (CPU time) of the N commands alone, for `pstats`.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import operator
import os
import tempfile
import time
from contextlib import AsyncExitStack
from pathlib import Path

from bot import freeze_start_up_objects

from .bot_under_test import BotUnderTest, new_encryption_key
from .contender import Contender, showed_balance
from .naive_under_test import NaiveUnderTest
from .sandbox_process import SandboxProcess

MEMBERS = 10
WARMUP = 50


async def start(contender: str, sandbox_credentials: Path, scratch: Path, stack: AsyncExitStack) -> Contender:
    """Members linked through the bot (the naive cog gets their keys), each contender's first uses done."""
    sandbox = await SandboxProcess.attach(sandbox_credentials)
    stack.push_async_exit(sandbox)  # an attached sandbox: only its session closes
    bench = await BotUnderTest(sandbox, scratch / "bot.sqlite3", new_encryption_key()).start()
    stack.push_async_callback(bench.stop)
    # Names unique on a shared sandbox, and free of markdown (escaping would vary the work per run).
    members = await bench.add_members(MEMBERS, prefix=f"m{os.getpid()}-")
    if contender == "bot":
        chosen = Contender("bot", bench.discord, [m.user for m in members])
    else:
        naive = await NaiveUnderTest.start(sandbox, await bench.linked_rows(members))
        stack.push_async_callback(naive.stop)
        chosen = Contender("naive", naive.discord, naive.users)
    await balances(chosen, WARMUP)
    freeze_start_up_objects()  # as `run` does once started
    return chosen


async def balances(contender: Contender, count: int) -> None:
    for n in range(count):
        outcome = await contender.balance(contender.users[n % len(contender.users)])
        if not showed_balance(outcome):
            raise RuntimeError(f"{contender.name}: /balance showed no balance: {outcome.messages}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.per_command", description=__doc__.split("\n\n")[0])
    parser.add_argument("contender", choices=["bot", "naive"])
    parser.add_argument("--sandbox", required=True, type=Path, metavar="FILE",
                        help="the credentials file of a running sandbox (python -m sandbox --credentials FILE)")
    parser.add_argument("--commands", type=int, default=500, help="how many /balance to measure after the warm-up")
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the measured commands to FILE")
    arguments = parser.parse_args()
    loop = asyncio.new_event_loop()
    with tempfile.TemporaryDirectory() as scratch:
        stack = AsyncExitStack()
        try:
            contender = loop.run_until_complete(start(arguments.contender, arguments.sandbox, Path(scratch), stack))
            # CPU time, not wall-clock: other processes share the machine.
            profile = cProfile.Profile(time.process_time) if arguments.profile else None
            if profile is not None:
                profile.enable()
            # The one call callgrind's --toggle-collect=_operator_call counts.
            operator.call(loop.run_until_complete, balances(contender, arguments.commands))
            if profile is not None:
                profile.disable()
                profile.dump_stats(arguments.profile)
        finally:
            loop.run_until_complete(stack.aclose())
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()


if __name__ == "__main__":
    main()
