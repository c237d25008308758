"""What both dialects' wire modules share: the description of one request and of one answer.

A wire module (wire_v2.py, wire_v21.py) turns each operation into a `Call` and each non-success `Answer` into
an error; transport.py sends Calls; the client never builds a URL itself.
"""

from __future__ import annotations

import enum
import json
import re
from typing import Any, NamedTuple
from urllib.parse import quote


class KeyKind(enum.Enum):
    MASTER = "master"  # the application's own key
    GRANT = "grant"    # a member's grant key
    NONE = "none"      # no key at all (the dialect probe)


# NamedTuples, not frozen dataclasses: as immutable, and made several times cheaper (one of each per request).
class Call(NamedTuple):
    """One request to make: which endpoint, with which kind of key, and whether repeating it is harmless."""

    endpoint: str
    method: str
    segments: tuple[str, ...]
    key: KeyKind
    json: Any = None
    query: dict[str, str] | None = None
    trailing_slash: bool = False
    repeatable: bool | None = None  # None: a GET may be repeated, anything else may not

    @property
    def idempotent(self) -> bool:
        return self.method == "GET" if self.repeatable is None else self.repeatable

    def path(self) -> str:
        """The path below the API base, each segment percent-encoded on its own ('a/b' stays one segment)."""
        segments = self.segments
        if not all(map(_is_left_as_is, segments)):  # nearly always true: ids and plain names
            segments = tuple(map(_segment, segments))
        return "/" + "/".join(segments) + ("/" if self.trailing_slash else "")

    def target(self) -> str:
        """path() and the query string, every character of each value percent-encoded by us: in a query, a
        raw '+' means a space and a raw '#' cuts the value."""
        if not self.query:
            return self.path()
        pairs = "&".join(f"{quote(name, safe='')}={quote(value, safe='')}" for name, value in self.query.items())
        return f"{self.path()}?{pairs}"


# Characters quote() never changes, without ".": a segment made only of these (a name, an account id) is as is.
_is_left_as_is = re.compile(r"[A-Za-z0-9_~-]+").fullmatch


def _segment(part: str) -> str:
    if _is_left_as_is(part):
        return part
    encoded = quote(part, safe="")
    # "." and ".." would be collapsed by URL normalisation and reach another endpoint; escape the dots too.
    return encoded.replace(".", "%2E") if set(part) == {"."} else encoded


class Answer(NamedTuple):
    """What came back, whatever it is."""

    status: int
    content_type: str  # lower-case media type without parameters, e.g. "application/json"; "" if none
    text: str
    retry_after: float | None = None

    @property
    def is_json(self) -> bool:
        return self.content_type == "application/json"

    def json_body(self) -> Any:
        """The parsed body when the Content-Type says JSON and it parses; None otherwise."""
        if not self.is_json:
            return None
        try:
            return json.loads(self.text)
        except ValueError:
            return None

    def short_text(self) -> str:
        return self.text.strip()[:200]
