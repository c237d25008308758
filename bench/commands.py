"""Command-path benchmarks: /balance and /pay end to end through the harness, and a burst of /balance.

Each figure is divided by a baseline measured in the same run with the same key over the same loopback:
the raw TaubotClient requests the command cannot avoid making.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from .bot_under_test import BotUnderTest, Member
from .stats import Report, ms, percentile, verdict

BALANCE_ROUNDS = 300
PAY_ROUNDS = 60
WARMUP_ROUNDS = 20


async def _timed(action: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await action()
    return time.perf_counter() - started


async def balance_latency(bench: BotUnderTest, members: list[Member], report: Report,
                          rounds: int = BALANCE_ROUNDS) -> float:
    """/balance end to end ÷ one raw read of the same account; returns the unloaded first-response p50."""
    discord, taubot = bench.discord, bench.bot.taubot
    keys = {m.user.id: await bench.grant_key_of(m) for m in members}
    command_times, raw_times, first_responses = [], [], []
    for round_number in range(WARMUP_ROUNDS + rounds):
        member = members[round_number % len(members)]
        # Interleaved, so drift in the machine's load hits both series alike.
        outcome = None

        async def run_balance(member: Member = member) -> None:
            nonlocal outcome
            outcome = await discord.run_command("balance", by=member.user)

        command_time = await _timed(run_balance)
        raw_time = await _timed(lambda member=member: taubot.get_my_account(keys[member.user.id]))
        if "Balance:" not in outcome.text:
            raise RuntimeError(f"/balance did not show a balance: {outcome.text}")
        if round_number >= WARMUP_ROUNDS:
            command_times.append(command_time)
            raw_times.append(raw_time)
            first_responses.append(outcome.seconds_to_first_response)
    requests = [n for what, _, n in bench.log.take() if what == "command=/balance"]

    per_command = sum(requests) / len(requests)
    report.section(f"/balance end to end ({rounds} commands, {len(members)} members)")
    ratio50, ratio99 = report.compare("command", command_times,
                                      "raw read (TaubotClient.get_my_account, same key)", raw_times)
    report.line(f"target p50 ratio ≤ 2.0: {verdict(ratio50 <= 2.0)}")
    report.line(f"Taubot requests per /balance: {per_command:.2f} (min {min(requests)}, max {max(requests)})"
                f"   target exactly 1: {verdict(min(requests) == max(requests) == 1)}")
    report.figure("balance_p50_ratio", ratio50, "{:.2f}")
    report.figure("balance_p99_ratio", ratio99, "{:.2f}")
    report.figure("balance_p50_ms", percentile(command_times, 0.5) * 1000, "{:.2f}")
    report.figure("requests_per_balance", per_command, "{:.2f}")
    return percentile(first_responses, 0.5)


async def pay_latency(bench: BotUnderTest, members: list[Member], report: Report, rounds: int = PAY_ROUNDS) -> None:
    """Confirm → receipt ÷ the raw requests a verified payment needs (fresh balance, transfer, re-read)."""
    discord, taubot = bench.discord, bench.bot.taubot
    confirm_times, raw_times, per_payment = [], [], []
    for round_number in range(WARMUP_ROUNDS + rounds):
        payer, payee = members[round_number % len(members)], members[(round_number + 1) % len(members)]
        bench.log.take()
        confirmation = await discord.run_command("pay", by=payer.user, amount="1.25", user=payee.user)
        receipt = None

        async def confirm(payer: Member = payer, message=confirmation.last) -> None:
            nonlocal receipt
            receipt = await discord.press(message, "Confirm", by=payer.user)

        confirm_time = await _timed(confirm)
        if not receipt.text.startswith("Payment sent"):
            raise RuntimeError(f"the payment was not made: {receipt.text}")
        requests = sum(n for what, _, n in bench.log.take() if what in ("command=/pay", "button=pay:confirm"))

        key = await bench.grant_key_of(payer)

        async def raw_payment(payer: Member = payer, payee: Member = payee, key: str = key) -> None:
            # What Confirm cannot do without: a fresh balance, the transfer, and the read that verifies it.
            await taubot.get_account(key, payer.account_id)
            await taubot.create_transaction(key, from_account=payer.account_id, to_account=payee.account_id,
                                            amount=125)
            await taubot.get_account(key, payer.account_id)

        raw_time = await _timed(raw_payment)
        if round_number >= WARMUP_ROUNDS:
            confirm_times.append(confirm_time)
            raw_times.append(raw_time)
            per_payment.append(requests)

    mean_requests = sum(per_payment) / len(per_payment)
    report.section(f"/pay confirm → receipt ({rounds} payments)")
    ratio50, _ = report.compare("confirm→receipt", confirm_times,
                                "raw balance read + transfer + re-read", raw_times)
    report.line(f"Taubot requests per payment (/pay + Confirm): {mean_requests:.2f}   target ≤ 3: "
                f"{verdict(mean_requests <= 3)}")
    report.line("  /pay: the recipient and your balance (shown before → after); Confirm: a fresh balance, the "
                "transfer, the re-read that proves it moved")
    report.figure("pay_p50_ratio", ratio50, "{:.2f}")
    report.figure("pay_confirm_p50_ms", percentile(confirm_times, 0.5) * 1000, "{:.2f}")
    report.figure("requests_per_payment", mean_requests, "{:.2f}")


async def balance_burst(bench: BotUnderTest, members: list[Member], report: Report,
                        unloaded_first_response: float) -> None:
    """Every member runs /balance at the same moment."""
    discord, taubot = bench.discord, bench.bot.taubot
    keys = [await bench.grant_key_of(m) for m in members]
    bench.log.take()

    # Baseline: the same burst of a command that needs no Taubot request (one database read, direct answer):
    # what the harness, discord.py and the bot's framing cost on their own.
    floor = await asyncio.gather(*(discord.run_command("link-status", by=m.user) for m in members))
    floor_first = [o.seconds_to_first_response for o in floor]

    started = time.perf_counter()
    outcomes = await asyncio.gather(*(discord.run_command("balance", by=m.user) for m in members))
    burst_seconds = time.perf_counter() - started
    outcomes_logged = [outcome for what, outcome, _ in bench.log.take() if what == "command=/balance"]
    shown = sum("Balance:" in o.text for o in outcomes)
    first = [o.seconds_to_first_response for o in outcomes]

    started = time.perf_counter()
    await asyncio.gather(*(taubot.get_my_account(key) for key in keys))
    raw_seconds = time.perf_counter() - started

    ok = outcomes_logged.count("ok") == len(members) == shown
    p99 = percentile(first, 0.99)
    report.section(f"{len(members)} members run /balance at once")
    report.line(f"succeeded: {shown}/{len(members)} showed a balance "
                f"({outcomes_logged.count('ok')} logged ok)   {'all succeed' if ok else 'FAILURES'}")
    report.line(f"time to first response p50 {ms(percentile(first, 0.5))}  p99 {ms(p99)}   target p99 < 100 ms: "
                f"{verdict(p99 < 0.1)}")
    report.line(f"  baseline: {len(members)} × /link-status at once (no Taubot request): p50 "
                f"{ms(percentile(floor_first, 0.5))}  p99 {ms(percentile(floor_first, 0.99))}   "
                f"ratio p99 {p99 / percentile(floor_first, 0.99):.2f}")
    report.line(f"  an idle bot answers /balance first in {ms(unloaded_first_response)} (p50)")
    report.line(f"commands per second: {len(members) / burst_seconds:.0f} (all {len(members)} answered in "
                f"{burst_seconds:.2f} s)")
    report.line(f"  baseline: {len(members)} raw reads at once: {len(members) / raw_seconds:.0f} per second "
                f"(ratio {raw_seconds / burst_seconds:.2f})")
    report.figure("burst_all_ok", str(ok).lower())
    report.figure("burst_first_response_p99_ms", p99 * 1000, "{:.1f}")
    report.figure("burst_commands_per_s", len(members) / burst_seconds, "{:.0f}")
