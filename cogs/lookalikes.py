"""Names shown so that one account cannot pass for another: characters that are invisible, or letters from
another script hiding in a word, are written out as "<U+200B>".

Taubot lets anyone name an account, so "Treas\u200bury" (a zero-width space inside) or "Тreasury" (a Cyrillic
Т) could read as "Treasury" on a payment confirmation. The rule:

- Invisible and formatting characters are always written out: Unicode's format, control, private-use,
  unassigned and separator characters, spaces other than the plain one, the fillers and selectors that draw
  nothing, and plain spaces at either end of the name. An emoji sequence's joiner and variation selector
  (after a symbol) stay, so emoji still show as emoji.
- In one word, letters from two of the scripts that look alike (Latin and its full-width and mathematical
  forms, Cyrillic, Greek, Armenian, Cherokee, Coptic) are a mix no real name needs: the letters that are not
  of the word's main script are written out (Latin is the main one in a tie, as the script imitated).

A name in one script, with its accents ("Café", "Ελληνικά", "Москва", "東京タワー"), reads as it is.
"""

from __future__ import annotations

import unicodedata
from collections import Counter

HIDDEN_CATEGORIES = frozenset({"Cf", "Cc", "Co", "Cn", "Cs", "Zl", "Zp"})
# Characters that draw nothing although Unicode files them as letters, marks or symbols.
BLANK_CHARACTERS = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180f\u3164\uffa0\u2800")
ZERO_WIDTH_JOINER = "\u200d"
LOOKALIKE_SCRIPTS = frozenset({"LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE", "COPTIC"})
LATIN_FORMS = "LATIN FORMS"  # full-width, mathematical, script… letters that fold to plain Latin ones


def revealed(name: str) -> str:
    return "".join(revealed_pieces(name))


def reads_as_is(name: str) -> bool:
    """Nothing in the name to write out: printable ASCII (one script, nothing invisible) with no space at either
    end. Most names."""
    return name.isascii() and name.isprintable() and name.strip(" ") == name


def revealed_pieces(name: str) -> list[str]:
    """The name as the pieces a member should see, one per character: itself, or its "<U+XXXX>"."""
    if reads_as_is(name):
        return list(name)
    foreign = _foreign_letters(name)
    last = len(name) - 1
    return [_written_out(char) if index in foreign or _is_hidden(name, index, at_edge=index in (0, last))
            else char for index, char in enumerate(name)]


def _written_out(char: str) -> str:
    return f"<U+{ord(char):04X}>"


def _is_hidden(name: str, index: int, *, at_edge: bool) -> bool:
    char = name[index]
    category = unicodedata.category(char)
    if char == " ":
        return at_edge
    if char == ZERO_WIDTH_JOINER or _is_variation_selector(char):
        return not _joins_symbols(name, index)
    return category in HIDDEN_CATEGORIES or category == "Zs" or char in BLANK_CHARACTERS


def _is_variation_selector(char: str) -> bool:
    return "\ufe00" <= char <= "\ufe0f" or "\U000e0100" <= char <= "\U000e01ef"


def _joins_symbols(name: str, index: int) -> bool:
    """An emoji's joiner (between two symbols) or variation selector (after one)."""
    before = name[index - 1] if index > 0 else ""
    after = name[index + 1] if index + 1 < len(name) else ""
    follows_symbol = bool(before) and (unicodedata.category(before) == "So" or _is_variation_selector(before))
    if name[index] != ZERO_WIDTH_JOINER:
        return follows_symbol
    return follows_symbol and bool(after) and unicodedata.category(after) == "So"


def _foreign_letters(name: str) -> set[int]:
    """Positions of letters that are not of their word's main script, in words that mix look-alike scripts."""
    foreign: set[int] = set()
    word: list[tuple[int, str]] = []
    for index, char in enumerate([*name, " "]):
        category = unicodedata.category(char)
        if category[0] in "LM":
            if category[0] == "L" and (script := _lookalike_script(char)) is not None:
                word.append((index, script))
            continue
        foreign |= _minority(word)
        word = []
    return foreign


def _minority(word: list[tuple[int, str]]) -> set[int]:
    counts = Counter(script for _, script in word)
    if len(counts) < 2:
        return set()
    main = max(counts, key=lambda script: (counts[script], script == "LATIN"))
    return {index for index, script in word if script != main}


def _lookalike_script(letter: str) -> str | None:
    """The look-alike script of `letter`, or None for scripts nothing Latin-like imitates (CJK, Arabic…)."""
    folded = unicodedata.normalize("NFKC", letter)
    if folded != letter and folded.isascii() and folded.isalpha():
        return LATIN_FORMS
    script = unicodedata.name(letter, "").split(" ", 1)[0]
    return script if script in LOOKALIKE_SCRIPTS else None
