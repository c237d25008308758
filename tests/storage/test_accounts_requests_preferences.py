"""Storage for several linked accounts per member, memos, money requests and members' choices, on a real SQLite
file: the migration keeps existing links, and every change of a request is one compare-and-set."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from storage import (
    Outcome,
    PaymentStatus,
    RequestLimitReached,
    RequestNotOpen,
    RequestState,
    Storage,
    discover_migrations,
    open_database,
)
from storage.crypto import GrantKeyCipher

KEY = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyIjoiYWxpY2UifQ.c2lnbmF0dXJlLWZvci1hbGljZQ"
IN_A_WEEK = datetime.now(UTC) + timedelta(days=7)


async def link(storage, user_id, account_id, *, name="Alice", kind="USER", key=KEY):
    return await storage.grant_keys.put(user_id, key, account_id=account_id, account_name=name, account_type=kind)


async def test_a_member_holds_one_link_per_account_and_the_personal_one_is_the_default(storage):
    await link(storage, 1, "company", name="Acme", kind="CORPORATION", key="eyJ.company.key")
    assert (await storage.grant_keys.get(1)).account_id == "company"  # the only one: the default
    await link(storage, 1, "personal")
    await link(storage, 1, "charity", name="Soup", kind="CHARITY", key="eyJ.charity.key")
    assert (await storage.grant_keys.get(1)).account_id == "personal"
    assert [x.account_id for x in await storage.grant_keys.all_of(1)] == ["personal", "company", "charity"]
    assert (await storage.grant_keys.get_for(1, "charity")).grant_key == "eyJ.charity.key"
    assert await storage.grant_keys.get_for(2, "charity") is None
    assert await storage.grant_keys.count() == 1

    assert await storage.grant_keys.delete(1, "company")
    assert [x.account_id for x in await storage.grant_keys.all_of(1)] == ["personal", "charity"]
    assert await storage.grant_keys.delete(1)
    assert await storage.grant_keys.all_of(1) == []


async def test_without_a_personal_account_the_default_is_the_first_linked_then_the_lowest_id(storage):
    """get() picks the default among the member's rows itself: the same one all_of() puts first."""
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    for account_id, minutes in (("b-later", 5), ("z-first", 0), ("a-first", 0)):
        await storage.grant_keys.put(1, KEY, account_id=account_id, account_name=account_id, account_type="CHARITY",
                                     linked_at=moment + timedelta(minutes=minutes))
    assert [x.account_id for x in await storage.grant_keys.all_of(1)] == ["a-first", "z-first", "b-later"]
    assert (await storage.grant_keys.get(1)).account_id == "a-first"
    await link(storage, 1, "personal")  # linked last, and still the default
    assert (await storage.grant_keys.get(1)).account_id == "personal"


async def test_a_new_personal_account_replaces_the_old_personal_link_but_not_the_others(storage):
    await link(storage, 1, "old-personal")
    await link(storage, 1, "company", kind="CORPORATION")
    await link(storage, 1, "new-personal")
    assert [x.account_id for x in await storage.grant_keys.all_of(1)] == ["new-personal", "company"]


async def test_what_a_payment_showed_about_transfers_is_kept_until_a_new_key(storage):
    linked = await link(storage, 1, "personal")
    await storage.grant_keys.record_transfers(linked, allowed=False)
    assert (await storage.grant_keys.get(1)).transfers_allowed is False
    await link(storage, 1, "personal", key="eyJ.new.key")
    assert (await storage.grant_keys.get(1)).transfers_allowed is None
    await storage.grant_keys.record_transfers(linked, allowed=True)  # the old key's payment: not this key's
    assert (await storage.grant_keys.get(1)).transfers_allowed is None


async def test_the_migration_keeps_every_existing_link(new_database_location, key):
    path = new_database_location
    database = await open_database(path, discover_migrations()[:3])  # the schema before several links
    await database.execute(
        "INSERT INTO linked_accounts (discord_user_id, encrypted_grant_key, account_id, account_name, account_type, "
        "balance_visible, linked_at, key_expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (5, GrantKeyCipher(key).encrypt_for_user(5, KEY), "acc-5", "Eve", "USER", 1, 1_700_000_000.0,
         1_800_000_000.0))
    await database.close()
    migrated = await Storage.open(path, key)
    try:
        found = await migrated.grant_keys.get(5)
        assert (found.grant_key, found.account_id, found.balance_visible) == (KEY, "acc-5", True)
        assert found.key_expires_at == datetime.fromtimestamp(1_800_000_000.0, UTC)
    finally:
        await migrated.close()


async def new_request(storage, *, requester=1, payer=2, amount=500, most_active=10):
    return await storage.requests.create(requester_user_id=requester, payer_user_id=payer, to_account_id="acc-1",
                                         to_account_name="Alice", amount=amount, memo="lunch", expires_at=IN_A_WEEK,
                                         most_active=most_active)


async def pay(storage, request, *, intent=None):
    return await storage.payments.begin(intent_id=intent or uuid.uuid4().hex, payer_user_id=request.payer_user_id,
                                        from_account_id="acc-2", to_account_id=request.to_account_id,
                                        to_account_name=request.to_account_name, amount=request.amount,
                                        memo=request.memo, request_id=request.id)


async def test_a_request_is_claimed_by_one_payment_and_follows_its_outcome(storage):
    request = await new_request(storage)
    payment = await pay(storage, request)
    assert payment.memo == "lunch" and payment.request_id == request.id
    assert (await storage.requests.get(request.id)).status is RequestState.PAYING
    with pytest.raises(RequestNotOpen):
        await pay(storage, request)  # a second payment of it, from any process: nothing may be sent
    assert not await storage.requests.decline(request.id, 2)  # being paid: too late to decline

    await storage.payments.finish(payment.id, Outcome(PaymentStatus.FAILED, "refused"))
    assert (await storage.requests.get(request.id)).status is RequestState.OPEN  # nothing moved: open again
    second = await pay(storage, request)
    await storage.payments.finish(second.id, Outcome(PaymentStatus.UNKNOWN, "unclear"))
    assert (await storage.requests.get(request.id)).status is RequestState.PAYING  # open outcome: held
    await storage.payments.finish(second.id, Outcome(PaymentStatus.PAID, "paid"),
                                  open_statuses=(PaymentStatus.UNKNOWN,))
    paid = await storage.requests.get(request.id)
    assert (paid.status, paid.payment_id) == (RequestState.PAID, second.id)
    assert not await storage.requests.cancel(request.id, 1)


async def test_declining_and_cancelling_are_for_the_right_member_and_only_while_open(storage):
    request = await new_request(storage)
    assert not await storage.requests.decline(request.id, 1)  # the requester cannot decline it
    assert not await storage.requests.cancel(request.id, 2)   # nor the payer cancel it
    assert await storage.requests.decline(request.id, 2)
    assert not await storage.requests.decline(request.id, 2)
    assert (await storage.requests.get(request.id)).status is RequestState.DECLINED
    with pytest.raises(RequestNotOpen):
        await pay(storage, request)


async def test_at_most_so_many_active_requests_per_requester_and_expired_ones_do_not_count(database_location, key):
    moment = [datetime.now(UTC)]
    storage = await Storage.open(database_location, key, clock=lambda: moment[0])
    try:
        first = await new_request(storage, most_active=2)
        await new_request(storage, payer=3, most_active=2)
        with pytest.raises(RequestLimitReached):
            await new_request(storage, payer=4, most_active=2)
        assert await storage.requests.cancel(first.id, 1)
        await new_request(storage, payer=4, most_active=2)
        incoming, outgoing = await storage.requests.active_for(1)
        assert incoming == [] and len(outgoing) == 2
        moment[0] += timedelta(days=8)  # past every expiry
        assert (await storage.requests.get(first.id)).state(moment[0]) is RequestState.CANCELLED
        assert (await storage.requests.active_for(1))[1] == []
        expired = await new_request(storage, most_active=2)
        assert expired.state(moment[0] + timedelta(days=8)) is RequestState.EXPIRED
    finally:
        await storage.close()


async def test_memos_are_found_by_the_log_entry_their_payment_claimed(storage):
    payment = await storage.payments.begin(intent_id=uuid.uuid4().hex, payer_user_id=1, from_account_id="a",
                                           to_account_id="b", to_account_name="Bob", amount=100, memo="rent")
    await storage.payments.finish(payment.id, Outcome(PaymentStatus.PAID, "paid", log_entry="entry-1"))
    assert await storage.payments.memos_of(["entry-1", "entry-2"]) == {"entry-1": "rent"}
    assert await storage.payments.memos_of([]) == {}


async def test_members_choices_paid_you_dms_and_mutes(storage):
    assert await storage.preferences.paid_you_dms(1)
    await storage.preferences.set_paid_you_dms(1, False)
    assert not await storage.preferences.paid_you_dms(1)
    await storage.preferences.set_paid_you_dms(1, True)
    assert await storage.preferences.paid_you_dms(1)

    assert await storage.preferences.mute(1, 2)
    assert not await storage.preferences.mute(1, 2)
    assert await storage.preferences.has_muted(1, 2) and not await storage.preferences.has_muted(2, 1)
    assert await storage.preferences.unmute(1, 2)
    assert not await storage.preferences.has_muted(1, 2)
