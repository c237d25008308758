"""Which journal row a log entry belongs to: the pure rule, on hand-made logs and journals (no server)."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from cogs.pay.attribution import EMPTY_LOG, Finding, attribute, identity, newer_than, stretch_of
from storage import Payment, PaymentStatus
from taubot import Transaction

ALICE, BOB, CAROL = "a" * 32, "b" * 32, "c" * 32
KEY, OTHER_KEY = "17", "23"
# Taubot's clock, whatever it is: only the order of entries matters, never how they compare with ours.
TAUBOT_NOW = datetime(2031, 5, 5, tzinfo=UTC)


def entry(seconds: float, actor: str = KEY, source: str = ALICE, target: str = BOB, amount: int = 1_00) -> Transaction:
    return Transaction(actor, TAUBOT_NOW + timedelta(seconds=seconds), source, target, amount)


def row(payment_id: int, *, mark: str | None, status=PaymentStatus.PENDING, key_id: str | None = KEY,
        amount: int = 1_00, log_entry: str | None = None) -> Payment:
    ours = datetime(2026, 1, 1, tzinfo=UTC)
    return Payment(payment_id, f"{payment_id:032x}", 1, ALICE, BOB, "Bob", None, amount, status, "", None, None,
                   ours, ours, "instance", key_id, mark, log_entry, ours)


def newest_first(*entries: Transaction) -> list[Transaction]:
    return sorted(entries, key=lambda e: e.timestamp, reverse=True)


def test_the_rows_own_entry_above_its_mark_is_found_among_others_of_the_same_amount():
    before = entry(0)
    log = newest_first(before, entry(1, actor=OTHER_KEY, source=BOB, target=ALICE),  # Bob pays Alice 1t
                       entry(2),                                                    # Alice's payment
                       entry(3, actor=OTHER_KEY, source=CAROL, target=ALICE))       # Carol pays Alice 1t
    payment = row(5, mark=identity(before))
    above = newer_than(log, payment.log_mark)
    found = attribute(payment, [payment], above, set(), closed=True)
    assert (found.finding, found.entry) == (Finding.FOUND, identity(entry(2)))


def test_an_identical_entry_below_the_mark_is_never_this_payments():
    earlier = entry(0)  # an identical payment before: its entry is the mark itself
    payment = row(5, mark=identity(earlier))
    above = newer_than(newest_first(earlier), payment.log_mark)
    assert attribute(payment, [payment], above, set(), closed=True).finding is Finding.ABSENT
    assert attribute(payment, [payment], above, set(), closed=False).finding is Finding.UNCLEAR


def test_an_entry_claimed_by_another_row_is_not_found_twice():
    paid = entry(1)
    payment = row(5, mark=EMPTY_LOG)
    assert attribute(payment, [payment], [paid], {identity(paid)}, closed=True).finding is Finding.ABSENT


def test_a_mark_not_in_the_entries_read_means_they_do_not_reach_it():
    assert newer_than(newest_first(entry(5), entry(4)), identity(entry(1))) is None
    assert newer_than([], EMPTY_LOG) == []


def test_rows_without_a_mark_share_their_stretch_and_are_only_found_when_entries_outnumber_rivals():
    marked = row(1, mark=identity(entry(0)), status=PaymentStatus.PAID, log_entry=identity(entry(1)))
    first, second = row(2, mark=None), row(3, mark=None)
    rows = [marked, first, second]
    assert stretch_of(first, rows) == (marked.log_mark, None)
    one = newest_first(entry(1), entry(2))  # the marked row's (claimed) entry, and one more
    claimed = {identity(entry(1))}
    # Two identical rows, one entry: which one moved cannot be told.
    assert attribute(first, rows, one, claimed, closed=True).finding is Finding.UNCLEAR
    two = newest_first(entry(1), entry(2), entry(3))
    assert attribute(first, rows, two, claimed, closed=True).finding is Finding.FOUND
    none = newest_first(entry(1))
    assert attribute(first, rows, none, claimed, closed=True).finding is Finding.ABSENT


def test_the_next_marked_row_bounds_the_stretch_and_is_no_rival():
    first = row(1, mark=identity(entry(0)), status=PaymentStatus.UNKNOWN)
    later = row(2, mark=identity(entry(1)))  # sent after the first could still land: its mark is the first's entry
    assert stretch_of(first, [first, later]) == (first.log_mark, later.log_mark)
    assert attribute(first, [first, later], [entry(1)], set(), closed=True).finding is Finding.FOUND


def test_a_row_whose_key_is_not_known_is_never_decided():
    payment = row(1, mark=EMPTY_LOG, key_id=None)
    assert attribute(payment, [payment], [entry(1)], set(), closed=True).finding is Finding.UNCLEAR


def test_entries_of_another_key_or_transfer_are_not_the_rows():
    payment = row(1, mark=EMPTY_LOG)
    strangers = [entry(1, actor=OTHER_KEY), entry(2, amount=2_00), entry(3, target=CAROL)]
    assert attribute(payment, [payment], strangers, set(), closed=True).finding is Finding.ABSENT
    assert attribute(replace(payment, key_id=OTHER_KEY), [payment], strangers, set(),
                     closed=True).finding is Finding.FOUND
