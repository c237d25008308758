"""Two bot processes on one database (a real subprocess beside the test's own bot), 200 members paying from
both at once, and one process killed (SIGKILL) in the middle: every journal row ends true, no transfer is
sent twice, and no process decides a payment the other is still sending."""

import asyncio
import base64
import dataclasses
import json
import sys
import time
from collections import Counter
from pathlib import Path

from bot import TaubotBot
from tests.cogs.pay.helpers import (
    PAST_THE_LANDING_WINDOW,
    assert_journal_tells_the_truth,
    until,
)

REPO = Path(__file__).resolve().parents[3]
MEMBERS = 200
KILL_AFTER_RECEIPTS = 40
# Heartbeats and settling fast enough that the dead process's rows settle within seconds, and loose enough that
# a loaded machine (the whole suite beside it, 225 payments at once) neither takes a live process for dead nor
# a slow answer for a lost one: these only shorten the waits after the kill, no check depends on them. Taubot's
# timeout is production's (a 2 s one refused every payment of a loaded process as "held up too long" between
# its journal row and its POST); the test moves the clock past the landing window instead of waiting it out.
TIMINGS = {"heartbeat_interval": 0.1, "instance_stale_after": 2.0, "settle_interval": 0.1}


class OtherProcess:
    """The subprocess: its JSON lines as they come, and SIGKILL."""

    def __init__(self, process: asyncio.subprocess.Process, log: Path):
        self.process = process
        self.log = log
        self.lines: list[dict] = []

    @classmethod
    async def start(cls, config_path: Path) -> "OtherProcess":
        log = config_path.with_suffix(".log")  # a file, not a pipe nobody reads: its logging must never block it
        with log.open("wb") as stderr:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "tests.cogs.pay.payer_process", str(config_path), cwd=REPO,
                stdout=asyncio.subprocess.PIPE, stderr=stderr)
        return cls(process, log)

    async def read_until(self, condition) -> None:
        try:
            async with asyncio.timeout(60):
                while not condition():
                    line = await self.process.stdout.readline()
                    if not line:
                        raise AssertionError(f"the other process ended: {self.log.read_text()[-2000:]}")
                    self.lines.append(json.loads(line))
        except TimeoutError:
            raise AssertionError(f"the other process went quiet after {self.lines[-3:]}: "
                                 f"{self.log.read_text()[-3000:]}") from None

    def count(self, field: str) -> int:
        return sum(1 for line in self.lines if field in line)

    async def kill(self) -> float:
        """SIGKILL; then the lines it wrote before dying, which the test has not read yet."""
        self.process.kill()
        killed_at = time.time()
        async for line in self.process.stdout:
            self.lines.append(json.loads(line))
        await self.process.wait()
        return killed_at


def config_for(settings, sandbox, members, payments) -> dict:
    return {"api_url": sandbox.api_url, "application_id": sandbox.application_id,
            "master_key": sandbox.master_key,
            "encryption_key": base64.urlsafe_b64encode(settings.key_encryption_key).decode(),
            "database_path": str(settings.database_path), "database_url": settings.database_url,
            "timeout": settings.taubot_timeout_seconds,
            "timings": TIMINGS, "members": [[m.id, m.user.username] for m in members],
            "payments": payments, "concurrency": 25}


async def link_directly(storage, sandbox, members) -> None:
    """Grant keys made by the sandbox and stored as the link flow stores them (the flow itself is tested
    elsewhere; 200 of it would only slow this test down)."""
    await storage.grant_keys.put_many([
        (m.id, sandbox.issue_grant_key(m.id, spending_limit=1_000_000_00), m.account_id, m.user.username.title(),
         "USER") for m in members])


async def test_two_processes_with_a_crash_keep_every_row_true(discord, sandbox, people, settings, timings, clock,
                                                               transfer_log, tmp_path):
    here = await discord.restart(lambda: TaubotBot(settings, background_tasks=True,
                                                   timings=dataclasses.replace(timings, **TIMINGS)))
    members = [people.member(f"m{n}", balance=1_000_00) for n in range(MEMBERS)]
    await link_directly(here.storage, sandbox, members)
    sandbox.delay(sandbox.route("transfer"), 0.1)  # transfers are in flight when the other process dies
    there_plan = [[member.id, members[(n + step) % MEMBERS].id, "1"] for step in (1, 3)
                  for n, member in enumerate(members)]
    config_path = tmp_path / "other.json"
    config_path.write_text(json.dumps(config_for(settings, sandbox, members, there_plan)))

    there = await OtherProcess.start(config_path)
    await there.read_until(lambda: there.count("ready"))
    there_instance = there.lines[0]["ready"]
    paying_here = asyncio.gather(*(pay_here(discord, member, members[(n + 7) % MEMBERS])
                                   for n, member in enumerate(members)))
    # Killed right after it reported a transfer going out (Taubot holds each for 0.1 s): mid-payment.
    await there.read_until(lambda: there.count("receipt") >= KILL_AFTER_RECEIPTS and "sending" in there.lines[-1])
    killed_at = await there.kill()
    sending = [line for line in there.lines if "sending" in line]
    transfer_log.elsewhere.extend([await here.storage.payments.get(line["sending"]) for line in sending])
    assert {line["status"] for line in sending} == {"pending"}
    receipts_here = await paying_here

    # Taubot has answered everything it received (the dead process's transfers too): none can land any more.
    await until(lambda: all(record.status for record in sandbox.requests_to("transfer")))
    clock.ahead = PAST_THE_LANDING_WINDOW
    await until_nothing_open(here.storage)
    rows = await assert_journal_tells_the_truth(here.storage, sandbox)
    assert not any(receipt.startswith("Payment outcome unknown") for receipt in receipts_here)

    ours = [row for row in rows if row.instance_id == here.instance_id]
    theirs = [row for row in rows if row.instance_id == there_instance]
    assert len(ours) + len(theirs) == len(rows)
    assert {line["sending"] for line in sending} <= {row.id for row in theirs}
    assert {row.settled_by for row in ours} == {here.instance_id}  # nobody decided a live process's payment
    settled_for_the_dead = [row for row in theirs if row.settled_by != there_instance]
    assert settled_for_the_dead, "the kill left no payment in flight"
    assert all(row.settled_by == here.instance_id and row.updated_at.timestamp() >= killed_at
               for row in settled_for_the_dead)
    expected = Counter(row.payer_user_id for row in settled_for_the_dead)  # each payer told once per payment
    for _ in range(200):
        if Counter(restarted_dms(discord, members)) == expected:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)  # more settling rounds tell nobody again
    assert Counter(restarted_dms(discord, members)) == expected


async def pay_here(discord, payer, payee) -> str:
    reply = await discord.run_command("pay user", by=payer.user, amount="2", to=payee.user)
    if reply.last.buttons:
        await discord.press(reply.last, "Confirm", by=payer.user)
    return reply.last.text


async def until_nothing_open(storage) -> None:
    for _ in range(400):
        if not await storage.payments.open_rows():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"still open after 20 s: {await storage.payments.open_rows()}")


def restarted_dms(discord, members):
    for member in members:
        for dm in discord.dms(member.user):
            if dm.content.startswith("I restarted while sending your payment"):
                yield member.id
