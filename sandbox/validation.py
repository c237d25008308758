"""FastAPI's request validation as Taubot v2.1 shows it: every problem with the query or the body collected
into one 422 whose `detail` is a list of {type, loc, msg, input}, and pydantic's lax integers."""

from __future__ import annotations

import re
from typing import Any

from .economy import Outcome

_MISSING = object()
_INTEGER_TEXT = re.compile(r"\s*[+-]?[0-9]+\s*")  # ASCII digits only: "٢٥٠" is refused


class Fields:
    def __init__(self):
        self.errors: list[dict[str, Any]] = []

    def text(self, source: dict, name: str, where: str, *, default: Any = _MISSING) -> Any:
        value = source.get(name, _MISSING)
        if value is _MISSING:
            return self._missing(name, where, default)
        if not isinstance(value, str):
            return self._error("string_type", where, name, "Input should be a valid string", value)
        return value

    def integer(self, source: dict, name: str, where: str, *, default: Any = _MISSING) -> Any:
        """pydantic's lax int: 250, "250", true and 2.0 pass; 1.9, "12.50", null and other digits do not."""
        value = source.get(name, _MISSING)
        if value is _MISSING:
            return self._missing(name, where, default)
        if isinstance(value, bool | int):
            return int(value)
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and _INTEGER_TEXT.fullmatch(value):
            return int(value)
        kind = "int_from_float" if isinstance(value, float) else (
            "int_parsing" if isinstance(value, str) else "int_type")
        return self._error(kind, where, name, "Input should be a valid integer", value)

    def check(self) -> None:
        if self.errors:
            raise Outcome(422, self.errors)

    def _missing(self, name: str, where: str, default: Any) -> Any:
        if default is not _MISSING:
            return default
        return self._error("missing", where, name, "Field required", None)

    def _error(self, kind: str, where: str, name: str, message: str, value: Any) -> None:
        self.errors.append({"type": kind, "loc": [where, name], "msg": message, "input": value})
        return None


def refuse_body(kind: str, message: str) -> Outcome:
    """A body that could not be read at all (not JSON, or not an object)."""
    return Outcome(422, [{"type": kind, "loc": ["body"], "msg": message, "input": None}])
