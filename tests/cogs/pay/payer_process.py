"""Another bot process for the two-processes test: the real bot on the test's database and sandbox, driven
through the harness. It pays what it is told and reports on stdout, one JSON line each, every transfer it is
about to send (with the journal row as it stood) and every receipt, until it is killed.

    python -m tests.cogs.pay.payer_process CONFIG.json
"""

from __future__ import annotations

import asyncio
import base64
import json
import sys
import uuid
from pathlib import Path

from bot import TaubotBot, Timings
from cogs.pay.sender import PaymentSender
from config import Settings
from harness import FakeDiscord
from storage import Payment


def report(**line) -> None:
    print(json.dumps(line), flush=True)


def watch_transfers() -> None:
    """Report each journal row right before its POST, as the in-process invariant records it."""
    real_post = PaymentSender._post

    async def reporting_post(sender: PaymentSender, payment: Payment, grant_key: str) -> None:
        row = await sender.journal.get(payment.id)
        report(sending=payment.id, status=row.status.value if row else None, instance=sender.instance_id)
        await real_post(sender, payment, grant_key)

    PaymentSender._post = reporting_post  # type: ignore[method-assign]


async def main(config: dict) -> None:
    settings = Settings(
        discord_token="harness-token", taubot_master_key=config["master_key"],
        taubot_app_id=uuid.UUID(config["application_id"]),
        key_encryption_key=base64.urlsafe_b64decode(config["encryption_key"]), taubot_api_url=config["api_url"],
        database_path=Path(config["database_path"]), database_url=config["database_url"],
        taubot_timeout_seconds=config["timeout"],
        taubot_connect_timeout_seconds=config["timeout"])
    bot = TaubotBot(settings, background_tasks=True, timings=Timings(**config["timings"]))
    discord = await FakeDiscord.start(bot)
    watch_transfers()
    users = {user_id: discord.user(name, user_id=user_id) for user_id, name in config["members"]}
    report(ready=bot.instance_id)
    at_once = asyncio.Semaphore(config["concurrency"])

    async def pay(payer: int, payee: int, amount: str) -> None:
        async with at_once:
            reply = await discord.run_command("pay user", by=users[payer], amount=amount, to=users[payee])
            if reply.last.buttons:
                await discord.press(reply.last, "Confirm", by=users[payer])
            report(payer=payer, receipt=reply.last.text)

    await asyncio.gather(*(pay(*payment) for payment in config["payments"]))
    report(done=True)
    await asyncio.Event().wait()  # like a real bot: runs until it is stopped (here: killed)


if __name__ == "__main__":
    asyncio.run(main(json.loads(Path(sys.argv[1]).read_text())))
