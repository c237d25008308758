"""/history's CSV file: the rows as a spreadsheet opens them, every cell as text.

A spreadsheet runs a cell as a formula (or a DDE command) when its text starts with = + - @, also after a tab,
a carriage return or a line feed, and some fold the full-width and small forms (＝ ＋ － ＠ ﹦ ﹢ ﹣ ﹫) to those.
Account names and ids come from Taubot, and the currency symbol from the host's settings: any of them could
start that way, so every text cell that does gets a leading apostrophe, which spreadsheets show as text and
hide. Amounts are written without a sign (the direction column says which way), so no number is touched.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable

from taubot import format_decimal

from ..ui import account_name_in_file
from .rows import HistoryRow

HEADER = ["time_utc", "direction", "amount", "currency", "counterparty", "counterparty_account_id", "memo"]
FORMULA_STARTS = frozenset("=+-@")


def as_csv(rows: Iterable[HistoryRow], symbol: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for row in rows:
        name = account_name_in_file(row.counterparty.account_name) if row.counterparty else ""
        cells = [row.transaction.timestamp.isoformat(), row.direction, format_decimal(row.amount), symbol, name,
                 row.counterparty_id, row.memo or ""]
        writer.writerow([spreadsheet_safe(cell) for cell in cells])
    return out.getvalue()


def spreadsheet_safe(text: str) -> str:
    """`text`, with an apostrophe in front when a spreadsheet would read it as a formula."""
    first = text.lstrip(" \t\r\n")[:1]
    starts_formula = first in FORMULA_STARTS or unicodedata.normalize("NFKC", first) in FORMULA_STARTS
    return "'" + text if starts_formula or text[:1] in ("\t", "\r", "\n") else text
