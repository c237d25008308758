"""One check's result, as the line `check` prints for it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str  # what was found, or what is wrong and how to fix it
    warning: bool = False  # ok for now, but needs the self-hoster's attention soon

    def line(self) -> str:
        status = "PROBLEM" if not self.ok else "WARNING" if self.warning else "ok     "
        return f"{status}  {self.name:<13} {self.detail}"
