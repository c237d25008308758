"""One check's result, as the line `check` prints for it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str  # what was found, or what is wrong and how to fix it
    warning: bool = False  # ok for now, but needs the self-hoster's attention soon
    not_yet: bool = False  # not ok, but nothing is wrong: settings that come later (the Taubot credentials)

    def line(self) -> str:
        status = "NOT YET" if self.not_yet else "PROBLEM" if not self.ok else "WARNING" if self.warning else "ok     "
        return f"{status}  {self.name:<13} {self.detail}"

    @property
    def problem(self) -> bool:
        return not self.ok and not self.not_yet
