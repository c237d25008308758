"""Discord's limits on what a message may carry, and the one way the bot keeps within them: shortening the
text visibly, with "…", instead of sending something Discord refuses whole.

Taubot's names are not bounded by anything the bot controls (one server's database does not enforce its own
64-character column), so every embed the cogs build is a `FittedEmbed`, which fits itself to the limits at the
moment discord.py turns it into JSON; labels, titles and choices go through `clip`. Account names are already
shortened where they are shown (ui.account_name), so this is the net under everything else.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC
from types import MappingProxyType
from typing import Any, Self

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


# discord.Embed's raw parts, named as its JSON names them ("_footer" → "footer").
_RAW_PARTS = tuple((slot, slot[1:]) for slot in discord.Embed.__slots__ if slot.startswith("_"))
# What a FittedEmbed's footer, image, thumbnail, video and provider hold until set: they read the same to discord.py
# as unset parts (its properties and checks read them with an empty default), and are never sent. The author is
# not preset: len(embed) reads its name unguarded.
_NOT_SET: Mapping[str, Any] = MappingProxyType({})


class FittedEmbed(discord.Embed):
    """An embed that always fits Discord's limits when sent: built and filled like any discord.Embed.

    Its JSON is made as discord.Embed.to_dict makes it, without that method's `hasattr` on every part: reading a
    part nobody set raises an AttributeError inside it, seven of them for a usual embed. So the parts are preset
    (`__new__`, which from_dict calls too) to what reads the same as unset, and left out of the JSON."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Self:
        embed = super().__new__(cls)
        parts: Any = embed  # discord.py types these parts as set; here they are preset
        parts._timestamp = parts._colour = None  # what the timestamp and colour setters store for "none"
        parts._footer = parts._image = parts._thumbnail = parts._video = parts._provider = _NOT_SET
        return embed

    def to_dict(self) -> Any:
        parts: Any = self  # discord.py types these parts as set; here they may hold _NOT_SET
        try:
            timestamp, colour, flags = parts._timestamp, parts._colour, parts._flags
            footer, image, thumbnail, video, provider = (parts._footer, parts._image, parts._thumbnail,
                                                         parts._video, parts._provider)
        except AttributeError:  # a part removed since (remove_footer, set_image(url=None)…)
            return fit_embed(self._json_part_by_part())
        data: dict[str, Any] = {}
        if footer is not _NOT_SET:
            data["footer"] = footer
        if image is not _NOT_SET:
            data["image"] = image
        if thumbnail is not _NOT_SET:
            data["thumbnail"] = thumbnail
        if video is not _NOT_SET:
            data["video"] = video
        if provider is not _NOT_SET:
            data["provider"] = provider
        author, fields = getattr(self, "_author", _NOT_SET), getattr(self, "_fields", _NOT_SET)
        if author is not _NOT_SET:
            data["author"] = author
        if fields is not _NOT_SET:
            data["fields"] = fields
        data["flags"] = flags
        return fit_embed(self._with_plain_parts(data, colour, timestamp))

    def _json_part_by_part(self) -> dict[str, Any]:
        data = {key: part for slot, key in _RAW_PARTS if (part := getattr(self, slot, _NOT_SET)) is not _NOT_SET}
        return self._with_plain_parts(data, data.pop("colour", None), data.pop("timestamp", None))

    def _with_plain_parts(self, data: dict[str, Any], colour: Any, timestamp: Any) -> dict[str, Any]:
        """The rest of the JSON exactly as discord.Embed.to_dict makes it (tests/cogs/test_embed_json.py compares)."""
        if colour:
            data["color"] = colour.value
        if timestamp:
            data["timestamp"] = (timestamp.astimezone(tz=UTC) if timestamp.tzinfo
                                 else timestamp.replace(tzinfo=UTC)).isoformat()
        if self.type:
            data["type"] = self.type
        if self.description:
            data["description"] = self.description
        if self.url:
            data["url"] = self.url
        if self.title:
            data["title"] = self.title
        return data


def fit_embed(data: dict[str, Any]) -> dict[str, Any]:
    """An embed's JSON with every text within its own limit and all of them within the total, shortening the
    longest texts first (the description, then field values) so short ones such as a balance stay whole."""
    return data if _within_limits(data) else _fitted(data)


def _within_limits(data: dict[str, Any]) -> bool:
    """Whether `_fitted` would change nothing: nearly every embed, checked at a fraction of its cost."""
    fields = data.get("fields", ())
    if len(fields) > FIELDS:
        return False
    footer, author = data.get("footer"), data.get("author")
    total = 0
    for text, limit in ((data.get("title"), TITLE), (data.get("description"), DESCRIPTION),
                        (footer.get("text") if footer else None, FOOTER),
                        (author.get("name") if author else None, AUTHOR)):
        if isinstance(text, str):
            if len(text) > limit:
                return False
            total += len(text)
    for field in fields:
        name, value = field.get("name"), field.get("value")
        if isinstance(name, str):
            if len(name) > FIELD_NAME:
                return False
            total += len(name)
        if isinstance(value, str):
            if len(value) > FIELD_VALUE:
                return False
            total += len(value)
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
