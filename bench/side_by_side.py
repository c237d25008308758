"""The bot beside the naive cog, in the same process, against the same sandbox process, interleaved: each run
is paired /balance rounds, then a burst of every member on a fast Taubot, then one on a slow Taubot (the
contenders take turns going first). With `--database` the bot runs twice side by side, on SQLite and on
PostgreSQL, serving the same members. Every figure is printed as bot | naive | ratio, spread over the runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot import freeze_start_up_objects

from .burst import BurstFigures, burst
from .contender import Contender
from .sandbox_process import SandboxProcess
from .sequential import paired_rounds
from .stats import Report, Target, percentile


@dataclass(frozen=True)
class SlowTaubot:
    """Pacing like the real server under load (it measured 110–330 requests/s, 3–6 ms CPU per request)."""

    latency_ms: float = 25.0
    requests_per_second: float = 150.0

    def describe(self) -> str:
        return f"{self.latency_ms:g} ms per request, at most {self.requests_per_second:g} requests/s"


@dataclass(frozen=True)
class RunFigures:
    """One run's figures, by contender name."""

    sequential: dict[str, list[float]]  # /balance one at a time: dispatch → the member sees the balance
    fast: dict[str, BurstFigures]
    slow: dict[str, BurstFigures]


async def measure_runs(bots: list[Contender], naive: Contender, sandbox: SandboxProcess, *, runs: int, rounds: int,
                       slow: SlowTaubot) -> list[RunFigures]:
    """`bots`: the bot on each database measured, in the order of the report's `databases`."""
    everyone = [*bots, naive]
    for contender in everyone:  # warm-up: connections opened, every member's first use recorded
        await burst(contender, sandbox, everyone)
    # As `python bot.py run` does once started: what set-up made (here also the harness's record of every
    # member's link flow) is left out of later collections, so no contender's full collections walk it.
    freeze_start_up_objects()
    measured = []
    for run in range(runs):
        # Each run another contender bursts first on the fast Taubot, and the order is reversed on the slow one.
        order = everyone[run % len(everyone):] + everyone[:run % len(everyone)]
        sequential = await paired_rounds(everyone, rounds)
        fast = {contender.name: await burst(contender, sandbox, everyone) for contender in order}
        await sandbox.pace(latency_ms=slow.latency_ms, requests_per_second=slow.requests_per_second)
        try:
            slowed = {contender.name: await burst(contender, sandbox, everyone) for contender in order[::-1]}
        finally:
            await sandbox.pace()
        measured.append(RunFigures(sequential, fast, slowed))
        print(f"   (run {run + 1} of {runs} done)", flush=True)
    return measured


@dataclass(frozen=True)
class Series:
    """Picks one figure out of every run: for each bot (in the report's database order) and the naive cog."""

    runs: list[RunFigures]
    bots: list[str]
    naive: str

    def of(self, figure: Callable[[RunFigures, str], float]) -> tuple[list[list[float]], list[float]]:
        """(for each bot: its figure in every run), the naive cog's figure in every run."""
        return ([[figure(run, bot) for run in self.runs] for bot in self.bots],
                [figure(run, self.naive) for run in self.runs])

    def of_bursts(self, slow: bool, figure: Callable[[BurstFigures], float]) -> tuple[list[list[float]], list[float]]:
        return self.of(lambda run, who: figure((run.slow if slow else run.fast)[who]))


def report_runs(report: Report, runs: list[RunFigures], bots: list[str], naive: str, *, members: int, rounds: int,
                slow: SlowTaubot) -> None:
    """`bots`: the bot contenders' names, in the order of the report's `databases`."""
    series = Series(runs, bots, naive)
    report.section(f"/balance one at a time: {rounds} paired rounds per run, {len(runs)} runs "
                   "(time until the member sees the balance)")
    report.versus("balance_p50_ms", "/balance p50, one at a time",
                  *series.of(lambda run, who: percentile(run.sequential[who], 0.5) * 1e3), "{:.2f} ms",
                  Target("≤ 1.15", lambda x: x <= 1.15))
    report.versus("balance_p99_ms", "/balance p99, one at a time",
                  *series.of(lambda run, who: percentile(run.sequential[who], 0.99) * 1e3), "{:.2f} ms")
    report.section(f"{members} members run /balance at once (full-speed sandbox)")
    _burst_figures(report, "burst", "", series)
    report.line("(CPU: this process, which also runs the fake Discord and discord.py's parsing for every contender)")
    report.section(f"{members} members run /balance at once against a slow Taubot ({slow.describe()})")
    _burst_figures(report, "slow", "slow Taubot: ", series)
    report.line("(times to the answer count the members who got one: the naive cog's failed ones are left out)")
    report.pair("slow_missed_window", "slow Taubot: missed Discord's 3 s window (interaction failed)",
                *series.of(lambda run, who: run.slow[who].missed_window), "{:.0f}", Target("0", lambda x: x == 0))
    report.pair("slow_answered_after_3s", "slow Taubot: balance shown after 3 s, behind a \"thinking…\" in time",
                *series.of(lambda run, who: run.slow[who].answered_after_window), "{:.0f}")


def _burst_figures(report: Report, name: str, label: str, series: Series) -> None:
    fast = not label

    def both(figure: Callable[[BurstFigures], float]) -> tuple[list[list[float]], list[float]]:
        return series.of_bursts(not fast, figure)

    report.versus(f"{name}_per_s", f"{label}commands per second", *both(lambda b: b.per_second), "{:.0f}",
                  Target("≥ 1.0", lambda x: x >= 1.0) if fast else None)
    report.versus(f"{name}_answer_p50_ms", f"{label}time to the answer p50", *both(lambda b: b.answer(0.5) * 1e3),
                  "{:.0f} ms")
    report.versus(f"{name}_answer_p99_ms", f"{label}time to the answer p99", *both(lambda b: b.answer(0.99) * 1e3),
                  "{:.0f} ms", Target("≤ 1.0", lambda x: x <= 1.0) if fast else None)
    report.versus(f"{name}_first_p50_ms", f"{label}time to the first response p50",
                  *both(lambda b: b.first(0.5) * 1e3), "{:.0f} ms")
    report.versus(f"{name}_first_p99_ms", f"{label}time to the first response p99",
                  *both(lambda b: b.first(0.99) * 1e3), "{:.0f} ms")
    report.versus(f"{name}_cpu_ms", f"{label}CPU per command", *both(lambda b: b.cpu_seconds / b.commands * 1e3),
                  "{:.2f} ms")
    report.versus(f"{name}_discord_requests", f"{label}Discord requests per command",
                  *both(lambda b: b.discord_requests / b.commands), "{:.2f}")
    report.versus(f"{name}_taubot_requests", f"{label}Taubot requests per command (counted by the sandbox)",
                  *both(lambda b: b.taubot_requests / b.commands), "{:.2f}")
    if fast:
        report.versus(f"{name}_taubot_cpu_ms", "Taubot (sandbox process) CPU per command",
                      *both(lambda b: b.taubot_cpu_seconds / b.commands * 1e3), "{:.2f} ms")
    report.pair(f"{name}_errors", f"{label}errors (logged, or rejected by Discord)", *both(lambda b: b.errors),
                "{:.0f}", Target("0", lambda x: x == 0))
    report.pair(f"{name}_answered", f"{label}members who saw their balance", *both(lambda b: b.answered), "{:.0f}")
