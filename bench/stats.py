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

    def figure(self, name: str, value: float | int | str, fmt: str = "{:.3f}") -> None:
        self.headline[name] = value if isinstance(value, str) else fmt.format(value)

    def last_line(self) -> str:
        return " ".join(f"{name}={value}" for name, value in self.headline.items())
