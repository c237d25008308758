"""Turning timings into printed figures: percentiles, the spread of a figure over runs, the bot beside the naive
cog, and the headline `name=value` line."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (fraction in 0..1) of a non-empty sample."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def spread(values: Sequence[float], fmt: str) -> str:
    """'1.23 [1.10–1.40]': the median of the runs, then the lowest and highest run."""
    if len(values) == 1:
        return fmt.format(values[0])
    return f"{fmt.format(statistics.median(values))} [{fmt.format(min(values))}–{fmt.format(max(values))}]"


@dataclass(frozen=True)
class Target:
    """A figure's target: `met(value)` for one run; judged on the median, with how many runs met it."""

    text: str
    met: Callable[[float], bool]

    def verdict(self, values: Sequence[float]) -> str:
        runs = sum(self.met(value) for value in values)
        word = "met" if self.met(statistics.median(values)) else "MISSED"
        return f"{word} ({runs}/{len(values)} runs)"


@dataclass
class Report:
    """Collects printed sections, the side-by-side table, the targets and the headline `name=value` pairs.

    `databases`: the bot's columns, one per database it runs on in this invocation (`--database` adds
    PostgreSQL beside SQLite). The first one's headline names are the plain ones (`…_bot`, `…_ratio`); the
    others' end in the database's name (`…_bot_postgresql`, `…_ratio_postgresql`), so a run on SQLite alone
    prints exactly the names it always did."""

    databases: tuple[str, ...] = ("SQLite",)
    headline: dict[str, str] = field(default_factory=dict)
    table: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)

    def suffix(self, database: str) -> str:
        """What ends the headline names of the bot's figures on `database`."""
        return "" if database == self.databases[0] else f"_{database.lower()}"

    def on(self, database: str) -> str:
        """' on PostgreSQL' when several databases are measured side by side, else nothing (titles, targets)."""
        return f" on {database}" if len(self.databases) > 1 else ""

    def _tagged(self, word: str, values: Sequence[str]) -> str:
        """'bot 1.2', or 'bot SQLite 1.2 | bot PostgreSQL 1.5' with several databases."""
        several = len(self.databases) > 1
        return " | ".join(f"{word}{f' {database}' if several else ''} {value}"
                          for database, value in zip(self.databases, values, strict=True))

    def section(self, title: str) -> None:
        print(f"\n== {title}", flush=True)

    def line(self, text: str) -> None:
        print(f"   {text}", flush=True)

    def figure(self, name: str, value: float | int | str, fmt: str = "{:.3f}") -> None:
        """A headline `name=value`; any unit after the number in `fmt` is left out."""
        number_only = fmt[: fmt.index("}") + 1]
        self.headline[name] = value if isinstance(value, str) else number_only.format(value)

    def versus(self, name: str, label: str, bots: Sequence[Sequence[float]], naive: Sequence[float], fmt: str,
               target: Target | None = None) -> None:
        """One figure per run for the bot on each database (`bots`, in the order of `databases`) and for the
        naive cog: print them, each bot's ratio (bot ÷ naive, per run), the target on the ratio, and keep the
        row for the table and the headline."""
        ratios = [[b / n if n else math.inf for b, n in zip(bot, naive, strict=True)] for bot in bots]
        verdicts = [target.verdict(series) for series in ratios] if target else []
        judged = f"   target {target.text}: {self._verdicts(verdicts)}" if target else ""
        self.line(f"{label}: {self._tagged('bot', [spread(bot, fmt) for bot in bots])} | naive {spread(naive, fmt)} | "
                  f"{self._tagged('ratio', [spread(series, '{:.2f}') for series in ratios])}{judged}")
        self.table.append(f"| {label} | {' | '.join(spread(bot, fmt) for bot in bots)} | {spread(naive, fmt)} | "
                          f"{' | '.join(spread(series, '{:.2f}') for series in ratios)} |")
        for database, verdict in zip(self.databases, verdicts, strict=False):
            self.targets.append(f"{label}, ratio {target.text}{self.on(database)}: {verdict}")
        for index, (database, bot, series) in enumerate(zip(self.databases, bots, ratios, strict=True)):
            self.figure(f"{name}_bot{self.suffix(database)}", statistics.median(bot), fmt)
            if index == 0:  # the naive cog's figure once, where a run on SQLite alone has always had it
                self.figure(f"{name}_naive", statistics.median(naive), fmt)
            self.figure(f"{name}_ratio{self.suffix(database)}", statistics.median(series), "{:.2f}")

    def pair(self, name: str, label: str, bots: Sequence[Sequence[float]], naive: Sequence[float], fmt: str,
             target: Target | None = None) -> None:
        """Like `versus`, for counts where a ratio means nothing (e.g. errors, 0 of 500); the target is on
        each bot's own figure."""
        verdicts = [self.judge(f"{label}{self.on(database)}", bot, target)
                    for database, bot in zip(self.databases, bots, strict=True)] if target else []
        judged = f"   target {target.text}: {self._verdicts(verdicts)}" if target else ""
        self.line(f"{label}: {self._tagged('bot', [spread(bot, fmt) for bot in bots])} | "
                  f"naive {spread(naive, fmt)}{judged}")
        self.table.append(f"| {label} | {' | '.join(spread(bot, fmt) for bot in bots)} | {spread(naive, fmt)} | "
                          f"{'| ' * (len(bots) - 1)}|")
        for index, (database, bot) in enumerate(zip(self.databases, bots, strict=True)):
            self.figure(f"{name}_bot{self.suffix(database)}", statistics.median(bot), fmt)
            if index == 0:
                self.figure(f"{name}_naive", statistics.median(naive), fmt)

    def _verdicts(self, verdicts: Sequence[str]) -> str:
        """'met (3/3 runs)', or 'SQLite met (3/3 runs), PostgreSQL MISSED (0/3 runs)' with several databases."""
        if len(verdicts) == 1:
            return verdicts[0]
        return ", ".join(f"{database} {verdict}" for database, verdict in zip(self.databases, verdicts, strict=True))

    def judge(self, label: str, values: Sequence[float], target: Target) -> str:
        """Record a target on a figure of the bot's own; return the verdict for the line that prints it."""
        verdict = target.verdict(values)
        self.targets.append(f"{label} {target.text}: {verdict}")
        return verdict

    def print_summary(self, runs: int) -> None:
        self.section(f"Side by side: median of {runs} runs [lowest–highest run]; ratio = bot ÷ naive, per run")
        if len(self.databases) == 1:
            print("| figure | bot | naive cog | ratio |")
        else:
            print(f"| figure | {' | '.join(f'bot ({d})' for d in self.databases)} | naive cog | "
                  f"{' | '.join(f'ratio {d}' for d in self.databases)} |")
        print(f"|{' --- |' * (2 + 2 * len(self.databases))}")
        for row in self.table:
            print(row)
        self.section("Targets (judged on the median; how many runs met each)")
        for target in self.targets:
            self.line(target)

    def last_line(self) -> str:
        return " ".join(f"{name}={value}" for name, value in self.headline.items())
