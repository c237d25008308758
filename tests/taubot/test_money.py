"""Parsing what members type and formatting cents: taubot/money.py, including property tests."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taubot import MAX_AMOUNT_CENTS, AmountError, format_amount, format_decimal, parse_amount


@pytest.mark.parametrize(("text", "cents"), [
    ("12", 1200), ("12.5", 1250), ("12.50", 1250), ("0.01", 1), (".5", 50), ("1,234.56", 123456),
    ("1,000,000", 100_000_000), ("12.50t", 1250), ("12.50 t", 1250), ("  7  ", 700), ("12.50T", 1250),
    ("1000000000", MAX_AMOUNT_CENTS),
])
def test_accepted_amounts(text, cents):
    assert parse_amount(text) == cents


def test_another_currency_symbol():
    assert parse_amount("3.20 cr", symbol="cr") == 320
    with pytest.raises(AmountError):
        parse_amount("3.20t", symbol="cr")


@pytest.mark.parametrize(("text", "message"), [
    ("0", "The amount must be more than zero."),
    ("0.00", "The amount must be more than zero."),
    ("-5", "The amount must be positive."),
    ("1.234", "Amounts have at most two decimal places (cents)."),
    ("12.500", "Amounts have at most two decimal places (cents)."),
    ("1e3", "Write the amount in plain digits, without an exponent (like 1500, not 1.5e3)."),
    ("1.5E+3", "Write the amount in plain digits, without an exponent (like 1500, not 1.5e3)."),
    ("nan", "That isn't a number. Write an amount like 12.50."),
    ("inf", "That isn't a number. Write an amount like 12.50."),
    ("١٢", "Write the amount with the digits 0–9."),
    ("１２", "Write the amount with the digits 0–9."),
    ("", "Enter an amount, like 12.50."),
    ("   ", "Enter an amount, like 12.50."),
    ("t", "Enter an amount, like 12.50."),
    ("1000000000.01", "That amount is too large: the most one payment can be is 1,000,000,000t."),
    ("1,23", "“1,23” isn't an amount. Write it like 12.50 or 1,234.56."),
    ("12,50", "“12,50” isn't an amount. Write it like 12.50 or 1,234.56."),
    ("1.2.3", "“1.2.3” isn't an amount. Write it like 12.50 or 1,234.56."),
    ("+5", "“+5” isn't an amount. Write it like 12.50 or 1,234.56."),
    ("five", "“five” isn't an amount. Write it like 12.50 or 1,234.56."),
    (".", "“.” isn't an amount. Write it like 12.50 or 1,234.56."),
])
def test_refused_amounts_say_what_is_wrong(text, message):
    with pytest.raises(AmountError) as caught:
        parse_amount(text)
    assert str(caught.value) == message


@pytest.mark.parametrize(("cents", "text"), [
    (100, "1t"), (101, "1.01t"), (150, "1.50t"), (1, "0.01t"), (0, "0t"), (123456, "1,234.56t"),
    (-250, "-2.50t"), (-5, "-0.05t"), (100_000_000_00, "100,000,000t"),
])
def test_formatting(cents, text):
    assert format_amount(cents) == text


def test_formatting_refuses_anything_but_integer_cents():
    for bad in (1.5, True, "100"):
        with pytest.raises(TypeError):
            format_amount(bad)


def test_decimal_form_for_files():
    assert [format_decimal(c) for c in (123456, 5, -5, 0)] == ["1234.56", "0.05", "-0.05", "0.00"]


@given(st.integers(min_value=1, max_value=MAX_AMOUNT_CENTS), st.sampled_from(["t", "", "₮", "cr"]))
def test_formatting_then_parsing_gives_the_same_cents(cents, symbol):
    assert parse_amount(format_amount(cents, symbol=symbol), symbol=symbol) == cents
    assert parse_amount(format_decimal(cents)) == cents


number_like = st.from_regex(r"\A[-+ ]?[0-9,.]{0,14}(e[0-9]{1,3})?[t ]?\Z", fullmatch=True)


@given(st.one_of(st.text(max_size=30), number_like))
def test_parsing_never_returns_a_non_positive_amount(text):
    try:
        cents = parse_amount(text)
    except AmountError as error:
        assert str(error)  # always a sentence for the member
    else:
        assert isinstance(cents, int) and 0 < cents <= MAX_AMOUNT_CENTS


@pytest.mark.parametrize("text", ["9" * 5000, "9" * 5000 + ".50", "1" + ",000" * 2000, "9" * 11, "0" * 5000 + "1" * 11])
def test_amounts_with_too_many_digits_are_too_large_not_a_crash(text):
    with pytest.raises(AmountError, match="That amount is too large"):
        parse_amount(text)


def test_leading_zeros_do_not_count_as_digits():
    assert parse_amount("0" * 5000 + "12.50") == 1250


long_numbers = st.builds(lambda zeros, digits, tail: "0" * zeros + digits + tail,
                         st.integers(0, 6000), st.from_regex(r"\A[0-9]{1,6000}\Z", fullmatch=True),
                         st.sampled_from(["", ".5", ".50", "t", ".123", "e5"]))
grouped_numbers = st.builds(lambda head, groups: head + ",000" * groups, st.sampled_from(["1", "12", "999"]),
                            st.integers(0, 3000))


@given(st.one_of(st.text(), st.text(alphabet="0123456789.,-+e t", max_size=6000), long_numbers, grouped_numbers))
def test_any_text_is_either_a_positive_amount_or_an_amount_error(text):
    try:
        cents = parse_amount(text)
    except AmountError as error:
        assert str(error)
    else:  # any other exception fails the test
        assert isinstance(cents, int) and 0 < cents <= MAX_AMOUNT_CENTS
