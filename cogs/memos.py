"""Memos: the note a payer puts on a payment or a requester on a request ("like on real bank transfers").

Taubot keeps no memo, so a memo lives in the bot's journal (and a request's row). A memo is the member's own
text shown to other members, so it is checked when typed (length, control characters, mentions: each refused
with a sentence) and shown like an account name: invisible and look-alike characters written out, markdown
escaped, and no mention can ping anyone (the bot's allowed_mentions are none as well).
"""

from __future__ import annotations

import re
import unicodedata

import discord

from . import messages
from .lookalikes import revealed

MEMO_MAX = 200
# What a member may type into the option: more than MEMO_MAX, so that a long memo gets the bot's own sentence
# saying how long memos may be (Discord's client would stop them without saying what the limit is for).
MEMO_OPTION_MAX = 1000
MENTION = re.compile(r"<(?:@[!&]?|#)\d+>|</[^>\s]+:\d+>|@(?:everyone|here)\b", re.IGNORECASE)


class MemoRefused(ValueError):
    """The memo cannot be used; str() is the sentence that says why."""


def checked_memo(text: str | None) -> str | None:
    """The memo to store (None for none: an empty one is none), or MemoRefused."""
    if text is None or not text.strip():
        return None
    memo = text.strip()
    if len(memo) > MEMO_MAX:
        raise MemoRefused(messages.memo_too_long(len(memo), MEMO_MAX))
    if any(unicodedata.category(char) == "Cc" for char in memo):
        raise MemoRefused(messages.MEMO_CONTROL_CHARACTERS)
    if MENTION.search(memo):
        raise MemoRefused(messages.MEMO_MENTIONS)
    return memo


def shown_memo(memo: str) -> str:
    """A stored memo as members read it, in quotes: nothing in it formats, hides or pings."""
    safe = discord.utils.escape_mentions(discord.utils.escape_markdown(revealed(memo)))
    return f"“{safe}”"
