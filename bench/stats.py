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
    """Collects printed sections, the side-by-side table, the targets and the headline `name=value` pairs."""

    headline: dict[str, str] = field(default_factory=dict)
    table: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)

    def section(self, title: str) -> None:
        print(f"\n== {title}", flush=True)

    def line(self, text: str) -> None:
        print(f"   {text}", flush=True)

    def figure(self, name: str, value: float | int | str, fmt: str = "{:.3f}") -> None:
        """A headline `name=value`; any unit after the number in `fmt` is left out."""
        number_only = fmt[: fmt.index("}") + 1]
        self.headline[name] = value if isinstance(value, str) else number_only.format(value)

    def versus(self, name: str, label: str, bot: Sequence[float], naive: Sequence[float], fmt: str,
               target: Target | None = None) -> None:
        """One figure per run for the bot and for the naive cog: print both, their ratio (bot ÷ naive, per
        run), the target on the ratio, and keep the row for the table and the headline."""
        ratios = [b / n if n else math.inf for b, n in zip(bot, naive, strict=True)]
        judged = f"   target {target.text}: {target.verdict(ratios)}" if target else ""
        self.line(f"{label}: bot {spread(bot, fmt)} | naive {spread(naive, fmt)} | "
                  f"ratio {spread(ratios, '{:.2f}')}{judged}")
        self.table.append(f"| {label} | {spread(bot, fmt)} | {spread(naive, fmt)} | {spread(ratios, '{:.2f}')} |")
        if target:
            self.targets.append(f"{label}, ratio {target.text}: {target.verdict(ratios)}")
        self.figure(f"{name}_bot", statistics.median(bot), fmt)
        self.figure(f"{name}_naive", statistics.median(naive), fmt)
        self.figure(f"{name}_ratio", statistics.median(ratios), "{:.2f}")

    def pair(self, name: str, label: str, bot: Sequence[float], naive: Sequence[float], fmt: str,
             target: Target | None = None) -> None:
        """Like `versus`, for counts where a ratio means nothing (e.g. errors, 0 of 500); the target is on
        the bot's own figure."""
        judged = f"   target {target.text}: {self.judge(label, bot, target)}" if target else ""
        self.line(f"{label}: bot {spread(bot, fmt)} | naive {spread(naive, fmt)}{judged}")
        self.table.append(f"| {label} | {spread(bot, fmt)} | {spread(naive, fmt)} | |")
        self.figure(f"{name}_bot", statistics.median(bot), fmt)
        self.figure(f"{name}_naive", statistics.median(naive), fmt)

    def judge(self, label: str, values: Sequence[float], target: Target) -> str:
        """Record a target on a figure of the bot's own; return the verdict for the line that prints it."""
        verdict = target.verdict(values)
        self.targets.append(f"{label} {target.text}: {verdict}")
        return verdict

    def print_summary(self, runs: int) -> None:
        self.section(f"Side by side: median of {runs} runs [lowest–highest run]; ratio = bot ÷ naive, per run")
        print("| figure | bot | naive cog | ratio |")
        print("| --- | --- | --- | --- |")
        for row in self.table:
            print(row)
        self.section("Targets (judged on the median; how many runs met each)")
        for target in self.targets:
            self.line(target)

    def last_line(self) -> str:
        return " ".join(f"{name}={value}" for name, value in self.headline.items())
