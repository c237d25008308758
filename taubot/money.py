"""Money: Taubot counts in integer cents (100 is 1t, 101 is 1.01t). Parsing what a member typed and
formatting cents for display happen here and nowhere else; no floats anywhere."""

from __future__ import annotations

import re

MAX_AMOUNT_CENTS = 100_000_000_000  # 1,000,000,000.00: far above any real payment, far below overflow trouble
_MAX_WHOLE_DIGITS = len(str(MAX_AMOUNT_CENTS // 100))
_PLAIN = re.compile(r"(?P<whole>\d*)(?:\.(?P<fraction>\d*))?")
# One character class before the 'e' keeps matching linear (a digit is checked for separately): a member
# can paste thousands of characters.
_EXPONENT = re.compile(r"(?P<mantissa>[\d.,]+)e[+-]?\d+")
_GROUPED = re.compile(r"(?P<whole>\d{1,3}(?:,\d{3})+)(?:\.(?P<fraction>\d*))?")


class AmountError(ValueError):
    """An amount a member typed that cannot be paid; str() is a sentence saying what is wrong."""


def parse_amount(text: str, *, symbol: str = "t") -> int:
    """'12', '12.5', '12.50', '1,234.56', '12.50t' → cents. Raises AmountError for anything else."""
    cleaned = text.strip()
    if symbol and cleaned.casefold().endswith(symbol.casefold()):
        cleaned = cleaned[: -len(symbol)].rstrip()
    if not cleaned:
        raise AmountError("Enter an amount, like 12.50.")
    if any(ch.isdigit() and not ch.isascii() for ch in cleaned):
        raise AmountError("Write the amount with the digits 0–9.")
    if cleaned.startswith("-"):
        raise AmountError("The amount must be positive.")
    lowered = cleaned.casefold()
    if any(word in lowered for word in ("nan", "inf")):
        raise AmountError("That isn't a number. Write an amount like 12.50.")
    exponent = _EXPONENT.fullmatch(lowered)
    if exponent is not None and any(ch.isdigit() for ch in exponent["mantissa"]):
        raise AmountError("Write the amount in plain digits, without an exponent (like 1500, not 1.5e3).")
    match = _GROUPED.fullmatch(cleaned) or _PLAIN.fullmatch(cleaned)
    if match is None or not any(ch.isdigit() for ch in cleaned):
        raise AmountError(f"“{text.strip()[:40]}” isn't an amount. Write it like 12.50 or 1,234.56.")
    whole, fraction = match["whole"].replace(",", "").lstrip("0"), match["fraction"] or ""
    if len(fraction) > 2:
        raise AmountError("Amounts have at most two decimal places (cents).")
    # Checked before int(): Python refuses to convert more than ~4300 digits with a plain ValueError.
    if len(whole) > _MAX_WHOLE_DIGITS:
        raise _too_large(symbol)
    cents = int(whole or "0") * 100 + int(fraction.ljust(2, "0"))
    if cents <= 0:
        raise AmountError("The amount must be more than zero.")
    if cents > MAX_AMOUNT_CENTS:
        raise _too_large(symbol)
    return cents


def _too_large(symbol: str) -> AmountError:
    limit = format_amount(MAX_AMOUNT_CENTS, symbol=symbol)
    return AmountError(f"That amount is too large: the most one payment can be is {limit}.")


def format_amount(cents: int, *, symbol: str = "t") -> str:
    """100 → '1t', 101 → '1.01t', 150 → '1.50t', 123456 → '1,234.56t', -250 → '-2.50t'."""
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise TypeError("amounts are integer cents")
    sign = "-" if cents < 0 else ""
    whole, fraction = divmod(abs(cents), 100)
    text = f"{whole:,}" if fraction == 0 else f"{whole:,}.{fraction:02d}"
    return f"{sign}{text}{symbol}"


def format_decimal(cents: int) -> str:
    """Plain machine-readable form for files: 123456 → '1234.56', -5 → '-0.05'."""
    sign = "-" if cents < 0 else ""
    whole, fraction = divmod(abs(cents), 100)
    return f"{sign}{whole}.{fraction:02d}"
