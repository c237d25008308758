"""Small text helpers for the console: splitting a typed line into words, naming lists, suggesting fixes."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from .errors import InputError

# Typographic quotes a keyboard or a copied README may produce, read like their plain forms.
_QUOTES = {"“": '"', "”": '"', "‘": "'", "’": "'"}


@dataclass(frozen=True)
class Word:
    text: str
    quoted: bool = False  # written in "double quotes": never an option name or a @mention


def plain(text: str) -> str:
    """The text with typographic quotes made plain, as a person means them when matching names."""
    for fancy, simple in _QUOTES.items():
        text = text.replace(fancy, simple)
    return text


def split_words(text: str) -> list[Word]:
    """Words separated by spaces; "double quotes" group words, also after a colon (account:"Lemonade Stand").
    `#`, `?` and apostrophes are letters."""
    words: list[Word] = []
    current: list[str] = []
    quoted_at: int | None = None  # where the open quote is in `current`
    starts_quoted = False
    for char in plain(text).strip() + " ":
        if char == '"':
            starts_quoted = starts_quoted or not current
            quoted_at = None if quoted_at is not None else len(current)
        elif char.isspace() and quoted_at is None:
            if current or starts_quoted:
                words.append(Word("".join(current), quoted=starts_quoted))
            current, starts_quoted = [], False
        else:
            current.append(char)
    if quoted_at is not None:
        raise InputError('That line has a " without its closing ". Close the quote, or leave the quotes out: '
                         "account:Lemonade Stand works as it is.")
    return words


def closest(word: str, choices: list[str]) -> str | None:
    """The choice a typo most likely meant (case ignored), or None when nothing is close."""
    by_folded = {choice.casefold(): choice for choice in choices}
    found = difflib.get_close_matches(word.casefold(), list(by_folded), n=1, cutoff=0.6)
    return by_folded[found[0]] if found else None


def listed(items: list[str], *, last: str = "and") -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"
