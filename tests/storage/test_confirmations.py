"""/pay confirmations kept where every process reads them: two Storage objects on one database (a SQLite file, a
PostgreSQL schema) stand for two processes; the clock is moved, never waited for."""

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

from storage import Confirmation, ConfirmationState

SHOWN_AT = datetime(2026, 1, 1, tzinfo=UTC)


def shown(intent_id: str = "intent-1") -> Confirmation:
    return Confirmation(intent_id=intent_id, payer_user_id=2**62 + 5, from_account_id="acc-a", from_name=None,
                        to_account_id="acc-b", to_account_name="Bob · O'Hara", to_account_type="USER",
                        to_owner_id=2**62 + 6, recipient_user_id=None, amount=12_50, balance_before=100_00,
                        memo="rent ?", request_id=None, expires_at=SHOWN_AT + timedelta(minutes=2))


async def test_another_process_reads_exactly_what_was_shown(two_processes):
    here, there = two_processes
    await here.confirmations.show(shown())
    assert await there.confirmations.get("intent-1") == shown()
    assert await there.confirmations.get("intent-2") is None


async def test_of_many_presses_at_once_in_two_processes_exactly_one_confirms(two_processes):
    here, there = two_processes
    await here.confirmations.show(shown())
    presses = [store.confirmations.claim("intent-1", state) for store in (here, there) for _ in range(10)
               for state in (ConfirmationState.CONFIRMED, ConfirmationState.CANCELLED)]
    assert sum(await asyncio.gather(*presses)) == 1
    assert (await here.confirmations.get("intent-1")).status in (ConfirmationState.CONFIRMED,
                                                                 ConfirmationState.CANCELLED)


async def test_a_press_after_the_expiry_claims_nothing_and_the_expiry_claims_it_once(two_processes, clock):
    here, there = two_processes
    await here.confirmations.show(shown())
    clock.at = SHOWN_AT + timedelta(minutes=2)
    assert not await there.confirmations.claim("intent-1", ConfirmationState.CONFIRMED)
    assert await here.confirmations.claim("intent-1", ConfirmationState.EXPIRED)
    assert not await there.confirmations.claim("intent-1", ConfirmationState.EXPIRED)
    assert (await there.confirmations.get("intent-1")).status is ConfirmationState.EXPIRED


async def test_a_confirm_that_could_not_start_leaves_it_open_for_the_next_press(two_processes):
    here, there = two_processes
    await here.confirmations.show(shown())
    assert await here.confirmations.claim("intent-1", ConfirmationState.CONFIRMED)
    await here.confirmations.reopen("intent-1")
    assert await there.confirmations.claim("intent-1", ConfirmationState.CONFIRMED)


async def test_old_confirmations_are_forgotten_a_day_after_their_expiry(two_processes, clock):
    here, there = two_processes
    await here.confirmations.show(shown("old"))
    clock.at = SHOWN_AT + timedelta(days=1, minutes=2)
    await here.confirmations.show(dataclasses.replace(shown("new"), expires_at=clock.at + timedelta(minutes=2)))
    clock.at += timedelta(seconds=1)
    assert await there.confirmations.forget_old() == 1
    assert await there.confirmations.get("old") is None
    assert await there.confirmations.get("new") is not None

