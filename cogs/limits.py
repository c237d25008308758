"""Discord's limits on what a message may carry, and the one way the bot keeps within them: shortening the
text visibly, with "…", instead of sending something Discord refuses whole.

Taubot's names are not bounded by anything the bot controls (one server's database does not enforce its own
64-character column), so every embed the cogs build is a `FittedEmbed`, which fits itself to the limits at the
moment discord.py turns it into JSON; labels, titles and choices go through `clip`. Account names are already
shortened where they are shown (ui.account_name), so this is the net under everything else.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

import discord

# Discord's limits, in characters (https://discord.com/developers/docs/resources/message#embed-object-embed-limits
# and the component, modal and autocomplete references).
TITLE = 256
DESCRIPTION = 4096
FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
AUTHOR = 256
EMBED_TOTAL = 6000  # title, description, field names and values, footer and author together
CONTENT = 2000
BUTTON_LABEL = 80
MODAL_TITLE = 45
TEXT_INPUT_LABEL = 45
SELECT_OPTION_LABEL = 100
CHOICE_NAME = 100
CHOICE_VALUE = 100
CHOICES = 25

ELLIPSIS = "…"


def clip(text: str, limit: int) -> str:
    """`text` if it fits in `limit` characters, else as much of it as fits before a "…"."""
    if len(text) <= limit:
        return text
    return _cut(text, limit - len(ELLIPSIS)) + ELLIPSIS if limit >= len(ELLIPSIS) else ""


def clip_pieces(pieces: Iterable[str], limit: int) -> str:
    """The pieces joined, keeping only whole pieces when they do not all fit (so an escape such as "<U+200B>"
    is never cut in half), then "…"."""
    pieces = list(pieces)
    if sum(map(len, pieces)) <= limit:
        return "".join(pieces)
    kept, room = [], limit - len(ELLIPSIS)
    for piece in pieces:
        if len(piece) > room:
            break
        kept.append(piece)
        room -= len(piece)
    return _cut("".join(kept), len("".join(kept))) + ELLIPSIS


def _cut(text: str, length: int) -> str:
    """The first `length` characters, never ending between a letter and its accent, nor on a lone backslash
    (markdown's escape, which would swallow the "…")."""
    end = max(0, length)
    while 0 < end < len(text) and unicodedata.category(text[end]).startswith("M"):
        end -= 1
    cut = text[:end].rstrip()
    return cut[:-1] if cut.endswith("\\") and not cut.endswith("\\\\") else cut


class FittedEmbed(discord.Embed):
    """An embed that always fits Discord's limits when sent: built and filled like any discord.Embed."""

    def to_dict(self) -> Any:
        return fit_embed(dict(super().to_dict()))  # EmbedData is a TypedDict; fit_embed edits plain JSON


def fit_embed(data: dict[str, Any]) -> dict[str, Any]:
    """An embed's JSON with every text within its own limit and all of them within the total, shortening the
    longest texts first (the description, then field values) so short ones such as a balance stay whole."""
    return data if _within_limits(data) else _fitted(data)


def _within_limits(data: dict[str, Any]) -> bool:
    """Whether `_fitted` would change nothing: nearly every embed, checked at a fraction of its cost."""
    fields = data.get("fields", ())
    if len(fields) > FIELDS:
        return False
    places = [(data, "title", TITLE), (data, "description", DESCRIPTION), (data.get("footer"), "text", FOOTER),
              (data.get("author"), "name", AUTHOR)]
    places += [(field, key, limit) for field in fields for key, limit in (("name", FIELD_NAME), ("value", FIELD_VALUE))]
    total = 0
    for holder, key, limit in places:
        text = holder.get(key) if holder else None
        if isinstance(text, str):
            if len(text) > limit:
                return False
            total += len(text)
    return total <= EMBED_TOTAL


def _fitted(data: dict[str, Any]) -> dict[str, Any]:
    texts = _embed_texts(data)
    for get, put, limit in texts:
        put(clip(get(), limit))
    overflow = sum(len(get()) for get, _, _ in texts) - EMBED_TOTAL
    while overflow > 0:
        get, put, _ = max(texts, key=lambda text: len(text[0]()))
        current = get()
        put(clip(current, max(len(ELLIPSIS), len(current) - overflow)))
        overflow -= len(current) - len(get())
    return data


Text = tuple[Callable[[], str], Callable[[str], None], int]


def _embed_texts(data: dict[str, Any]) -> list[Text]:
    """(read, write, limit) for every text of the embed JSON `data` that counts towards Discord's limits."""
    if len(data.get("fields", ())) > FIELDS:
        data["fields"] = data["fields"][:FIELDS]
    texts = [_entry(data, "title", TITLE), _entry(data, "description", DESCRIPTION),
             _entry(data.get("footer"), "text", FOOTER), _entry(data.get("author"), "name", AUTHOR)]
    for field in data.get("fields", ()):
        texts += [_entry(field, "name", FIELD_NAME), _entry(field, "value", FIELD_VALUE)]
    return [text for text in texts if text is not None]


def _entry(holder: dict[str, Any] | None, key: str, limit: int) -> Text | None:
    if not holder or not isinstance(holder.get(key), str):
        return None
    return (lambda: holder[key]), (lambda text: holder.__setitem__(key, text)), limit
