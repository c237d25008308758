"""Small helpers for turning timings into the figures the benchmarks print."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (fraction in 0..1) of a non-empty sample."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def verdict(met: bool) -> str:
    return "meets target" if met else "MISSES target"


class Report:
    """Collects the printed lines and the headline `name=value` pairs for the last line."""

    def __init__(self) -> None:
        self.headline: dict[str, str] = {}

    def section(self, title: str) -> None:
        print(f"\n== {title}", flush=True)

    def line(self, text: str) -> None:
        print(f"   {text}", flush=True)

    def compare(self, label: str, samples: Sequence[float], baseline_label: str, baseline: Sequence[float]
                ) -> tuple[float, float]:
        """Print p50/p99 of a measurement and of its baseline, and their ratios; return (p50, p99) ratios."""
        p50, p99 = percentile(samples, 0.5), percentile(samples, 0.99)
        base50, base99 = percentile(baseline, 0.5), percentile(baseline, 0.99)
        self.line(f"{label}: p50 {ms(p50)}  p99 {ms(p99)}")
        self.line(f"{baseline_label}: p50 {ms(base50)}  p99 {ms(base99)}")
        self.line(f"ratio p50 {p50 / base50:.2f}  p99 {p99 / base99:.2f}")
        return p50 / base50, p99 / base99

    def figure(self, name: str, value: float | int | str, fmt: str = "{:.3f}") -> None:
        self.headline[name] = value if isinstance(value, str) else fmt.format(value)

    def last_line(self) -> str:
        return " ".join(f"{name}={value}" for name, value in self.headline.items())
