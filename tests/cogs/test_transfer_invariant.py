"""The autouse transfer invariant (tests/cogs/conftest.py) is not vacuous: it sees every way of paying and
every fault, and it would catch a retry, a bad amount or a self-transfer."""

from dataclasses import replace

import pytest

from storage import Payment, PaymentStatus
from storage.clock import now
from tests.cogs.conftest import check_transfer_invariant
from tests.cogs.pay.helpers import PAST_THE_LANDING_WINDOW


@pytest.mark.taubot_timeout(3.0)  # one payment waits for it; short enough to wait for, long for a loaded machine
async def test_it_sees_pay_the_pay_menu_and_every_fault(discord, sandbox, people, transfer_log, clock):
    alice, bob = people.member("alice", balance=100_00), people.member("bob", balance=50_00)
    await people.link(alice)

    async def pay(amount, fault=None):
        reply = await discord.run_command("pay user", by=alice.user, amount=amount, to=bob.user)
        if fault is not None:
            fault()
        await discord.press(reply.last, "Confirm", by=alice.user)
        # An unknown outcome holds the account until Taubot can no longer apply the transfer: let that pass.
        clock.ahead += PAST_THE_LANDING_WINDOW
        return reply.last.embed.title

    assert await pay("1") == "Payment sent"
    opened = await discord.run_user_command("Pay", by=alice.user, target=bob.user)
    submitted = await discord.submit_modal(opened, {"Amount": "2"}, by=alice.user)
    await discord.press(submitted.last, "Confirm", by=alice.user)
    assert submitted.last.embed.title == "Payment sent"
    route = sandbox.route("transfer")
    assert await pay("3", lambda: sandbox.drop_next(route)) == "Payment outcome unknown"
    held = []  # Taubot holds it past the bot's timeout (a delay raced the bot's read of the log afterwards)
    assert await pay("4", lambda: held.append(sandbox.hold(route))) == "Payment outcome unknown"
    held[0]()
    assert await pay("5", lambda: sandbox.fail_next(route, 500)) == "Payment outcome unknown"
    sandbox.clear_requests()  # the invariant keeps what was cleared

    assert [row.amount for row in transfer_log.sent_rows] == [1_00, 2_00, 3_00, 4_00, 5_00]
    assert [amount for _, _, amount, _ in transfer_log.posts(sandbox)] == [1_00, 2_00, 3_00, 4_00, 5_00]
    assert {row.status for row in transfer_log.sent_rows} == {PaymentStatus.PENDING}


def _row(payment_id: int, amount: int = 1_00) -> Payment:
    at = now()
    return Payment(payment_id, f"{payment_id:032x}", 1, "from", "to", "To", None, amount, PaymentStatus.PENDING, "",
                   None, None, at, at, posted_at=at)


def _post(amount=1_00, from_account="from", to_account="to"):
    return from_account, to_account, amount, {"from_account": from_account, "to_account": to_account, "amount": amount}


@pytest.mark.parametrize(("posts", "rows", "problem"), [
    ([_post(), _post()], [_row(1)], "2 transfer POSTs for 1 journal rows"),  # a retry
    ([_post()], [], "1 transfer POSTs for 0 journal rows"),                  # sent without a journal row
    ([_post(True)], [_row(1, 1)], "amount"),
    ([_post(0)], [_row(1, 0)], "amount"),
    ([_post(-5)], [_row(1, -5)], "amount"),
    ([_post(to_account="from")], [_row(1)], "from"),
    ([_post(), _post()], [_row(1), _row(1)], "sent more than once"),
    ([_post()], [replace(_row(1), status=PaymentStatus.PAID)], "was paid when it was sent"),
    ([_post()], [replace(_row(1), posted_at=None)], "sent without its sender's claim"),
    ([_post(2_00)], [_row(1)], "differ from the journal"),  # sent something other than what was journaled
])
def test_it_catches(posts, rows, problem):
    with pytest.raises(AssertionError, match=problem):
        check_transfer_invariant(posts, rows)
