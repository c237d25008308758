"""`--state FILE`: the sandbox's identity and economy, kept in a JSON file across restarts.

Kept: the dialect, the economy's id and name, the applications with their master keys, the accounts and their
balances, every key (members' grant keys too, with what they have spent and, on v2.1, when they expire), the key
numbering (a log entry's actor id must never name two keys) and the transaction log.

Not kept: pending grant references, which both real servers hold in memory only, so that a restart forgets them
there too (a member halfway through linking starts again, as against the real Taubot); and what only tests set
(the request log, injected faults, the clock offset).
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

from .economy import AccountRecord, ApiKey, Application, Economy, LoggedTransaction
from .economy_v2 import V2Economy
from .economy_v21 import V21Economy

ECONOMIES: dict[str, type[Economy]] = {"v2": V2Economy, "v2.1": V21Economy}
FORMAT = 1  # raised when the file's shape changes, so an old sandbox refuses a newer file instead of guessing


class StateError(Exception):
    """The state file cannot be used; str() is one line naming the file and what to do."""


def _state_but_the_log(economy: Economy, application_id: str) -> dict[str, Any]:
    """Everything kept across restarts but the log (appended when written), as JSON-ready data."""
    return {
        "format": FORMAT,
        "dialect": economy.dialect,
        "application_id": application_id,
        "economy": {"economy_id": economy.economy_id, "economy_name": economy.economy_name,
                    "next_key_id": economy.next_key_id},
        "applications": [dataclasses.asdict(a) for a in economy.applications.values()],
        "accounts": [dataclasses.asdict(a) for a in economy.accounts.values()],
        "keys": [{**dataclasses.asdict(k), "permissions": {account: sorted(allowed) for account, allowed
                                                           in k.permissions.items()}}
                 for k in economy.keys.values()],
    }


def restore_economy(path: Path, state: dict[str, Any], dialect: str | None) -> tuple[Economy, str]:
    """The economy and the sandbox's application id kept in `state` (read from `path`). `dialect`, when given,
    must be the one the state was made with: a key minted by one dialect means nothing to the other."""
    try:
        if state["format"] != FORMAT:
            raise StateError(f"{path} was written by another version of the sandbox (format {state['format']}, "
                             f"this one reads {FORMAT}): give --state a new file, or delete this one.")
        kept = state["dialect"]
        if dialect is not None and dialect != kept:
            raise StateError(f"{path} holds a Taubot {kept} sandbox, whose keys mean nothing to {dialect}: leave "
                             f"out --dialect to go on with {kept}, or give --state another file for {dialect}.")
        economy = ECONOMIES[kept](economy_name=state["economy"]["economy_name"])
        economy.economy_id = state["economy"]["economy_id"]
        economy.next_key_id = int(state["economy"]["next_key_id"])
        _fill(economy, state)
        application_id = economy.applications[state["application_id"]].application_id
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        what = f"its {error} entry is missing or wrong" if isinstance(error, KeyError) else "an entry is malformed"
        raise StateError(f"{path} is not a sandbox state file this sandbox can read ({what}): give --state a new "
                         "file, or delete this one.") from None
    return economy, application_id


def _fill(economy: Economy, state: dict[str, Any]) -> None:
    for application in state["applications"]:
        economy.applications[application["application_id"]] = Application(**application)
    for account in state["accounts"]:
        economy.accounts[account["account_id"]] = AccountRecord(**account)
    for key in state["keys"]:
        permissions = {account: set(allowed) for account, allowed in key["permissions"].items()}
        economy.keys[key["key"]] = ApiKey(**{**key, "permissions": permissions})
    economy.log.extend(LoggedTransaction(**entry) for entry in state["log"])


class StateFile:
    """The file behind `--state`: read once at start, rewritten whole (atomically) whenever the state changed."""

    def __init__(self, path: Path):
        self.path = path
        self._saved: tuple[str, int] | None = None  # what the file says: the state but the log, and the log's length

    def load(self) -> dict[str, Any] | None:
        """What the file holds; None when it does not exist yet or is empty (a sandbox starting afresh)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            raise StateError(f"{self.path} is a folder: give --state a file name.") from None
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or "not UTF-8 text"
            raise StateError(f"cannot read {self.path} ({reason}): give --state a file this user may read.") from None
        if not text.strip():
            return None
        try:
            state = json.loads(text)
        except ValueError:
            raise StateError(f"{self.path} is not a sandbox state file (not JSON): give --state a new file, or "
                             "delete this one.") from None
        if not isinstance(state, dict):
            raise StateError(f"{self.path} is not a sandbox state file: give --state a new file, or delete this "
                             "one.")
        return state

    def save(self, economy: Economy, application_id: str) -> None:
        """Write the state unless the file already says exactly that. Only the log can grow long, and it is only
        ever appended to, so its length stands for it: checking after every request stays cheap.

        The file holds every key, so only its owner may read it; a new file is written beside it and renamed
        over it, so a sandbox killed mid-write leaves the old state whole. (No fsync: a development tool may
        lose its last change to a power cut.)"""
        state = _state_but_the_log(economy, application_id)
        saved = (json.dumps(state, ensure_ascii=False), len(economy.log))
        if saved == self._saved:
            return
        text = json.dumps({**state, "log": [entry.as_json() for entry in economy.log]}, ensure_ascii=False)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            descriptor = os.open(temporary, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                file.write(text)
            os.replace(temporary, self.path)
        except OSError as error:
            temporary.unlink(missing_ok=True)
            raise StateError(f"cannot write {self.path} ({error.strerror or error}): give --state a file in a "
                             "folder this user may write to.") from None
        self._saved = saved
