"""The benchmarks still run end to end (at a tiny size) and print every headline figure. Figures are not
judged here: timing belongs to `python -m bench`, not to pass/fail tests."""

import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
HEADLINE = (
    "balance_p50_ratio", "balance_p99_ratio", "balance_p50_ms", "requests_per_balance", "pay_p50_ratio",
    "pay_confirm_p50_ms", "requests_per_payment", "burst_all_ok", "burst_first_response_p99_ms",
    "burst_commands_per_s", "key_lookup_p99_us", "key_lookup_p99_ratio_vs_1k", "db_bytes_per_user",
    "peak_rss_mib", "peak_rss_ratio_vs_empty",
)


def test_python_m_bench_prints_every_figure():
    finished = subprocess.run(
        [sys.executable, "-m", "bench", "--users", "1500", "--burst", "25", "--rounds", "10"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=180, check=False,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    figures = dict(pair.split("=", 1) for pair in finished.stdout.strip().splitlines()[-1].split())
    assert tuple(figures) == HEADLINE
    assert figures["burst_all_ok"] == "true"
    assert figures["requests_per_balance"] == "1.00"
    for section in ("/balance end to end", "/pay confirm → receipt", "25 members run /balance at once",
                    "Storage: grant key lookup", "Peak memory"):
        assert section in finished.stdout
