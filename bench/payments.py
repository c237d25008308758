"""/pay Confirm → receipt end to end through the harness, beside the raw TaubotClient requests a verified
payment cannot do without, made with the same key over the same loopback in alternate rounds. How many
requests a payment makes is counted by the sandbox (request_counts.py)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from .bot_under_test import BotUnderTest, Member
from .stats import Report, ms, percentile

PAY_ROUNDS = 60
WARMUP_ROUNDS = 20


async def _timed(action: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await action()
    return time.perf_counter() - started


async def pay_latency(bench: BotUnderTest, members: list[Member], report: Report, rounds: int = PAY_ROUNDS,
                      database: str = "SQLite") -> None:
    """Confirm → receipt ÷ the raw requests a log-verified payment needs (a fresh balance and the log's newest
    entry at once, the transfer, then the log read back and the balance at once). `database`: which of the
    report's databases `bench` runs on."""
    discord, taubot = bench.discord, bench.bot.taubot
    confirm_times, raw_times = [], []
    for round_number in range(WARMUP_ROUNDS + rounds):
        payer, payee = members[round_number % len(members)], members[(round_number + 1) % len(members)]
        confirmation = await discord.run_command("pay user", by=payer.user, amount="1.25", to=payee.user)
        receipt = None

        async def confirm(payer: Member = payer, message=confirmation.last) -> None:
            nonlocal receipt
            receipt = await discord.press(message, "Confirm", by=payer.user)

        confirm_time = await _timed(confirm)
        if not receipt.text.startswith("Payment sent"):
            raise RuntimeError(f"the payment was not made: {receipt.text}")

        key = await bench.grant_key_of(payer)

        async def raw_payment(payer: Member = payer, payee: Member = payee, key: str = key) -> None:
            # What Confirm cannot do without: a fresh balance (a refused v2 transfer still costs allowance) and
            # the log's mark, the transfer, then the log that proves it and the balance the receipt shows.
            await asyncio.gather(taubot.get_account(key, payer.account_id),
                                 taubot.get_transactions(key, payer.account_id, limit=1))
            await taubot.create_transaction(key, from_account=payer.account_id, to_account=payee.account_id,
                                            amount=125)
            await asyncio.gather(taubot.get_transactions(key, payer.account_id, limit=20),
                                 taubot.get_account(key, payer.account_id))

        raw_time = await _timed(raw_payment)
        if round_number >= WARMUP_ROUNDS:
            confirm_times.append(confirm_time)
            raw_times.append(raw_time)

    report.section(f"/pay confirm → receipt{report.on(database)} ({rounds} payments)")
    base50, base99 = percentile(raw_times, 0.5), percentile(raw_times, 0.99)
    p50, p99 = percentile(confirm_times, 0.5), percentile(confirm_times, 0.99)
    report.line(f"confirm → receipt: p50 {ms(p50)}  p99 {ms(p99)}")
    report.line(f"raw balance ‖ log mark, transfer, log ‖ balance: p50 {ms(base50)}  p99 {ms(base99)}")
    report.line(f"ratio p50 {p50 / base50:.2f}  p99 {p99 / base99:.2f}")
    report.figure(f"pay_p50_ratio{report.suffix(database)}", p50 / base50, "{:.2f}")
    report.figure(f"pay_confirm_p50_ms{report.suffix(database)}", p50 * 1000, "{:.2f}")
