"""Every member runs /balance at the same moment: what one contender (the bot or the naive cog) does with it."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from .contender import DISCORD_WINDOW_SECONDS, Contender, missed_window, showed_balance, take_errors
from .sandbox_process import SandboxProcess
from .stats import percentile


@dataclass(frozen=True)
class BurstFigures:
    commands: int
    seconds: float            # from the first interaction sent to the last handler finished
    answered: int             # members who saw their balance
    missed_window: int        # interactions Discord would have failed: no first response within 3 s
    answered_after_window: int  # balances shown after 3 s (behind a "thinking…" sent in time)
    answer_times: list[float]   # dispatch → the member sees the balance
    first_times: list[float]    # dispatch → the first response (the balance, or "thinking…")
    cpu_seconds: float          # this process: harness + contender
    taubot_cpu_seconds: float   # the sandbox process
    discord_requests: int
    taubot_requests: int        # counted by the sandbox
    errors: int                 # ERROR log records, and requests Discord would reject

    @property
    def per_second(self) -> float:
        return self.commands / self.seconds

    def answer(self, fraction: float) -> float:
        return percentile(self.answer_times, fraction) if self.answer_times else float("inf")

    def first(self, fraction: float) -> float:
        return percentile(self.first_times, fraction) if self.first_times else float("inf")


async def burst(contender: Contender, sandbox: SandboxProcess, everyone: list[Contender]) -> BurstFigures:
    take_errors(everyone)
    discord_before, taubot_mark = contender.discord_requests(), await sandbox.requests_logged()
    cpu_before, taubot_cpu_before = time.process_time(), sandbox.cpu_seconds()
    started = time.perf_counter()
    outcomes = await asyncio.gather(*(contender.balance(user) for user in contender.users))
    seconds = time.perf_counter() - started
    cpu, taubot_cpu = time.process_time() - cpu_before, sandbox.cpu_seconds() - taubot_cpu_before
    answers = [o.seconds_to_answer for o in outcomes if showed_balance(o) and o.seconds_to_answer is not None]
    return BurstFigures(
        commands=len(outcomes), seconds=seconds, answered=len(answers),
        missed_window=sum(missed_window(o) for o in outcomes),
        answered_after_window=sum(t > DISCORD_WINDOW_SECONDS for t in answers),
        answer_times=answers,
        first_times=[o.seconds_to_first_response for o in outcomes if o.seconds_to_first_response is not None],
        cpu_seconds=cpu, taubot_cpu_seconds=taubot_cpu,
        discord_requests=contender.discord_requests() - discord_before,
        taubot_requests=len(await sandbox.requests_since(taubot_mark)),
        errors=take_errors(everyone),
    )
