"""The same refusal raises the same class on both dialects; where v2.1 can tell more, a subclass says so
and v2 raises its parent. Nothing is retried and nothing moves."""

from datetime import UTC, datetime

import pytest

from sandbox import TRANSFER_FUNDS, VIEW_BALANCE
from taubot import (
    InsufficientFunds,
    InvalidTransaction,
    KeyExpired,
    MissingPermission,
    NotFound,
    Rejected,
    SameAccount,
    ServerError,
    SpendingLimitReached,
    TransferRefused,
    Unauthorized,
)
from tests.taubot.conftest import ON_V2, ON_V21, grant_key


@pytest.fixture
def bob(sandbox):
    return sandbox.create_account("Bob", owner_id=1002, balance=10_00)


async def pay(client, key, source, target, amount):
    await client.create_transaction(key, from_account=source.account_id, to_account=target.account_id,
                                    amount=amount)


async def test_insufficient_funds(client, sandbox, alice, bob):
    account, key = alice
    with pytest.raises(Rejected) as refused:
        await pay(client, key, account, bob, 999_00)
    # v2's 400 may also mean "other economy", so it stays the parent there.
    assert isinstance(refused.value, InsufficientFunds) == (sandbox.dialect == "v2.1")
    assert sandbox.balance_of(account.account_id) == 100_00
    assert len(sandbox.requests_to("transfer")) == 1


async def test_over_the_spending_limit(client, sandbox, bob):
    alice = sandbox.create_account("Alice", owner_id=1001, balance=100_00)
    key = await grant_key(sandbox, client, 1001, spending_limit=10_00)
    await pay(client, key, alice, bob, 10_00)  # reaching the limit exactly is allowed
    with pytest.raises(Unauthorized) as refused:
        await pay(client, key, alice, bob, 1)
    assert isinstance(refused.value, SpendingLimitReached) == (sandbox.dialect == "v2.1")
    if isinstance(refused.value, SpendingLimitReached):
        assert refused.value.error_code == 1002


async def test_a_spending_limit_of_zero(client, sandbox, alice, bob):
    account, _ = alice
    zero = await grant_key(sandbox, client, 1001, spending_limit=0)
    if client.dialect.limit_zero_means_unlimited:
        await pay(client, zero, account, bob, 99_00)
        assert sandbox.balance_of(bob.account_id) == 109_00
    else:
        with pytest.raises(Unauthorized):
            await pay(client, zero, account, bob, 1)


@ON_V21
async def test_a_negative_limit_blocks_everything_on_v21(client, sandbox, alice, bob):
    account, _ = alice
    blocked = await grant_key(sandbox, client, 1001, spending_limit=-1)
    with pytest.raises(SpendingLimitReached):
        await pay(client, blocked, account, bob, 1)


async def test_failed_transfers_and_the_allowance(client, sandbox, alice, bob):
    account, key = alice
    with pytest.raises(Rejected):
        await pay(client, key, account, bob, 500_00)
    assert sandbox.spent_by(key) == (500_00 if client.dialect.failed_transfers_use_allowance else 0)


async def test_a_key_that_may_not_transfer(client, sandbox, alice, bob):
    account, _ = alice
    view_only = await grant_key(sandbox, client, 1001, permissions=(VIEW_BALANCE,))
    if client.dialect.ok_proves_transfer:
        with pytest.raises(TransferRefused) as refused:
            await pay(client, view_only, account, bob, 1_00)
        assert (refused.value.status, isinstance(refused.value, Rejected)) == (500, True)
    else:
        await pay(client, view_only, account, bob, 1_00)  # v2: 200, and only a re-read shows nothing moved
    assert sandbox.balance_of(bob.account_id) == 10_00
    assert len(sandbox.requests_to("transfer")) == 1


async def test_a_recipient_in_another_economy(client, sandbox, alice):
    account, key = alice
    elsewhere = sandbox.create_account("Elsewhere", other_economy=True)
    with pytest.raises(Rejected) as refused:
        await pay(client, key, account, elsewhere, 1_00)
    assert isinstance(refused.value, TransferRefused) == (sandbox.dialect == "v2.1")
    assert sandbox.balance_of(elsewhere.account_id) == 0


async def test_an_unknown_recipient(client, sandbox, alice):
    account, key = alice
    with pytest.raises(NotFound):
        await client.create_transaction(key, from_account=account.account_id,
                                        to_account="3fa85f64-5717-4562-b3fc-2c963f66afa6", amount=1)


async def test_a_self_transfer_is_refused_locally_as_same_account(client, sandbox, alice):
    account, key = alice
    sandbox.clear_requests()
    with pytest.raises(SameAccount) as refused:
        await pay(client, key, account, account, 1)
    assert isinstance(refused.value, InvalidTransaction) and refused.value.status is None
    assert sandbox.requests == []


@ON_V21
async def test_a_transfer_to_the_keys_own_account_is_same_account_on_v21(client, sandbox, alice, bob):
    account, key = alice
    # The caller names another source, but v2.1 pays from the key's bound account: which is the target.
    with pytest.raises(SameAccount) as refused:
        await pay(client, key, bob, account, 1)
    assert (refused.value.status, refused.value.error_code) == (403, 1000)


async def test_a_log_the_key_may_not_see(client, sandbox, alice):
    account, _ = alice
    view_less = await grant_key(sandbox, client, 1001, permissions=(TRANSFER_FUNDS,))
    with pytest.raises(Unauthorized) as refused:
        await client.get_transactions(view_less, account.account_id)
    assert isinstance(refused.value, MissingPermission) == (sandbox.dialect == "v2.1")


@ON_V21
async def test_an_expired_key_says_when_it_expired_on_v21(client, sandbox, alice):
    account, _ = alice
    expired = sandbox.issue_grant_key(1001, lifetime_seconds=-3600)
    with pytest.raises(KeyExpired) as refused:
        await client.get_account(expired, account.account_id)
    assert refused.value.status == 401 and isinstance(refused.value, Unauthorized)
    assert abs((datetime.now(UTC) - refused.value.expired_at).total_seconds() - 3600) < 60
    assert str(refused.value) == (f"Taubot account_by_id failed: the key expired on "
                                  f"{refused.value.expired_at:%Y-%m-%d %H:%M} UTC (HTTP 401)")
    assert expired not in str(refused.value)


@ON_V21
async def test_an_expired_master_key_says_so_on_v21(session, sandbox):
    from tests.taubot.conftest import make_client

    client = make_client(session, sandbox, master_key=sandbox.issue_master_key(lifetime_seconds=-1))
    with pytest.raises(KeyExpired):
        await client.verify_master_key()


async def test_a_revoked_key_is_plainly_unauthorized(client, sandbox, alice):
    account, key = alice
    sandbox.revoke_key(key)
    with pytest.raises(Unauthorized) as refused:
        await client.get_account(key, account.account_id)
    assert type(refused.value) is Unauthorized


@ON_V2
async def test_v2s_ambiguous_answers_stay_the_generic_parents_on_v2(client, sandbox, alice, bob):
    account, key = alice
    elsewhere = sandbox.create_account("Elsewhere", other_economy=True)
    for target, amount in ((bob, 999_00), (elsewhere, 1)):
        with pytest.raises(Rejected) as refused:
            await pay(client, key, account, target, amount)
        assert type(refused.value) is Rejected


@ON_V21
async def test_a_text_500_on_a_transfer_is_an_unknown_outcome_on_v21(client, sandbox, alice, bob):
    """v2.1's own refusal is JSON; a plain-text 500 is a crash somewhere, after which nobody knows."""
    account, key = alice
    sandbox.fail_next(sandbox.route("transfer"), 500)
    with pytest.raises(ServerError) as crashed:
        await pay(client, key, account, bob, 1)
    assert not isinstance(crashed.value, TransferRefused)
