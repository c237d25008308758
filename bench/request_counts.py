"""How many Taubot requests a /balance and a payment make, counted where they arrive: the sandbox's request
log, on each dialect, each against a sandbox process of its own."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sandbox import DIALECTS

from .bot_under_test import BotUnderTest, Member
from .sandbox_process import SandboxProcess
from .stats import Report, Target

MEMBERS = 3
BALANCES = 20
PAYMENTS = 5
EXACTLY_ONE = Target("exactly 1", lambda x: x == 1)


async def request_counts(workdir: Path, encryption_key: bytes, report: Report) -> None:
    report.section("Taubot requests, counted by the sandbox from what it received")
    for dialect in DIALECTS:
        try:
            balance, payment = await _count_on(dialect, workdir, encryption_key)
        except Exception as error:  # e.g. a dialect the cogs do not speak yet: said, not hidden
            first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
            report.line(f"Taubot {dialect}: could not be measured: {first_line}")
            report.figure(f"requests_per_balance_{dialect}", "n/a")
            report.figure(f"requests_per_payment_{dialect}", "n/a")
            continue
        per_balance, per_payment = balance.total() / BALANCES, payment.total() / PAYMENTS
        verdict = report.judge(f"Taubot {dialect}: requests per /balance", [per_balance], EXACTLY_ONE)
        report.line(f"Taubot {dialect}: per /balance {per_balance:.2f} ({_routes(balance, BALANCES)})   "
                    f"target exactly 1: {verdict}")
        report.line(f"Taubot {dialect}: per payment (/pay + Confirm) {per_payment:.2f} ({_routes(payment, PAYMENTS)})")
        report.figure(f"requests_per_balance_{dialect}", per_balance, "{:.2f}")
        report.figure(f"requests_per_payment_{dialect}", per_payment, "{:.2f}")


def _routes(counted: Counter, commands: int) -> str:
    return ", ".join(f"{route} {n / commands:.2f}" for route, n in counted.most_common())


async def _count_on(dialect: str, workdir: Path, encryption_key: bytes) -> tuple[Counter, Counter]:
    async with SandboxProcess(workdir, dialect) as sandbox:
        bench = await BotUnderTest(sandbox, workdir / f"counts-{dialect}.sqlite3", encryption_key).start()
        try:
            members = await bench.add_members(MEMBERS, prefix=f"counts-{dialect}-")
            mark = await sandbox.requests_logged()
            for n in range(BALANCES):
                outcome = await bench.discord.run_command("balance", by=members[n % MEMBERS].user)
                if "Balance" not in outcome.text:
                    raise RuntimeError(f"/balance showed no balance: {outcome.text}")
            balance = Counter(r["route"] for r in await sandbox.requests_since(mark))
            mark = await sandbox.requests_logged()
            for n in range(PAYMENTS):
                await _pay(bench, members[n % MEMBERS], members[(n + 1) % MEMBERS])
            payment = Counter(r["route"] for r in await sandbox.requests_since(mark))
        finally:
            await bench.stop()
    return balance, payment


async def _pay(bench: BotUnderTest, payer: Member, payee: Member) -> None:
    confirmation = await bench.discord.run_command("pay user", by=payer.user, amount="1.25", to=payee.user)
    receipt = await bench.discord.press(confirmation.last, "Confirm", by=payer.user)
    if not receipt.text.startswith("Payment sent"):
        raise RuntimeError(f"the payment was not made: {receipt.text}")
