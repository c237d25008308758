"""The sender's claim on a journal row right before its POST, and settling that respects it (SQLite and
PostgreSQL): a row is either settled before its claim, and then never claimed, or a landing window after it."""

from datetime import timedelta

import pytest

from storage import Outcome, PaymentLock, PaymentStatus, Storage

LANDING = timedelta(seconds=70)  # Taubot's timeout plus the settle margin


@pytest.fixture
async def storage(database_location, key, clock):
    opened = await Storage.open(database_location, key, clock=clock)
    yield opened
    await opened.close()


LOCK = PaymentLock("acme", "intent-1", "process-a")


async def journaled(storage, clock):
    """A row as the sender writes it: its lock's lease extended to the landing window plus 10 s to claim it."""
    assert await storage.locks.take(LOCK, timedelta(seconds=30))
    return await storage.payments.begin(
        lock=LOCK, lease_until=clock.at + LANDING + timedelta(seconds=10), intent_id=LOCK.intent_id,
        payer_user_id=1, from_account_id="acme", to_account_id="bob", to_account_name="Bob", amount=5_00,
        instance_id="process-a")


async def claim(storage, payment, instance_id="process-a") -> bool:
    return await storage.payments.claim_for_sending(payment.id, instance_id=instance_id, landing_window=LANDING)


async def settle_as_failed(storage, payment) -> bool:
    return await storage.payments.finish(payment.id, Outcome(PaymentStatus.FAILED, "it did not go through"),
                                         settled_by="process-b", landed_after=LANDING)


async def test_a_row_is_claimed_once_by_its_own_process_and_stamped_with_the_claim(storage, clock):
    payment = await journaled(storage, clock)
    assert payment.posted_at is None and payment.sent_at == payment.created_at
    assert not await claim(storage, payment, instance_id="process-b")
    clock.at += timedelta(seconds=2)
    assert await claim(storage, payment)
    assert (await storage.payments.get(payment.id)).posted_at == clock.at
    assert not await claim(storage, payment)


async def test_a_claim_after_another_process_read_the_log_wins_over_that_reading(storage, clock):
    payment = await journaled(storage, clock)
    # Process B read the row (unclaimed) and then the log, which showed nothing; the sender claims meanwhile.
    assert await claim(storage, payment)
    assert not await settle_as_failed(storage, payment)
    clock.at += LANDING - timedelta(seconds=1)
    assert not await settle_as_failed(storage, payment)
    clock.at += timedelta(seconds=1)  # now nothing it sent can land any more
    assert await settle_as_failed(storage, payment)


async def test_a_row_settled_before_its_claim_is_never_claimed(storage, clock):
    payment = await journaled(storage, clock)
    assert await settle_as_failed(storage, payment)
    assert not await claim(storage, payment)
    assert (await storage.payments.get(payment.id)).posted_at is None


async def test_no_claim_once_the_lock_no_longer_covers_a_landing_window(storage, clock):
    payment = await journaled(storage, clock)
    clock.at += timedelta(seconds=10, microseconds=1)  # the lease ends less than LANDING from now
    assert not await claim(storage, payment)
    clock.at = payment.created_at  # nor while another payment holds the account
    await storage.locks.release(LOCK)
    assert await storage.locks.take(PaymentLock("acme", "intent-2", "process-a"), LANDING * 2)
    assert not await claim(storage, payment)
    assert (await storage.payments.get(payment.id)).posted_at is None
