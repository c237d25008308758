"""Reading the settings file (`.env`): its names and values, or one line saying why it cannot be read.

Every way a self-hoster's file goes wrong before python-dotenv sees it (missing, unreadable, a folder, saved as
UTF-16 or with a byte-order mark by Windows Notepad, not UTF-8 at all) ends in `EnvFileError`, whose text is one
line naming the file and the fix. Lines python-dotenv cannot parse are returned, not guessed at.
"""

from __future__ import annotations

import io
import os
import pwd
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values
from dotenv.parser import parse_stream

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_SAVE_AS_UTF8 = "Save it as UTF-8 (in Notepad: File → Save As → Encoding: UTF-8)"


class EnvFileError(Exception):
    """The settings file cannot be used; str() is one line naming the file and the fix."""


@dataclass(frozen=True)
class EnvFile:
    path: Path
    values: dict[str, str]
    lines: dict[str, int] = field(default_factory=dict)  # each name → the line it is set on
    unreadable_lines: tuple[int, ...] = ()  # lines that are not NAME=value


def read_env_file(path: Path, *, required: bool) -> EnvFile | None:
    """The file's settings; None when it does not exist and was not asked for by name."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if not required:
            return None
        raise EnvFileError(f"{path}: no such file. Check the path given to --env-file, or create it from "
                           "config.example.env.") from None
    except IsADirectoryError:
        raise EnvFileError(f"{path} is a folder, not a settings file. Point --env-file at the file itself.") from None
    except PermissionError:
        raise EnvFileError(_unreadable(path)) from None
    return _parse(path, _decode(path, raw))


def _unreadable(path: Path) -> str:
    user = _user_name(os.geteuid())
    try:
        owner = _user_name(path.stat().st_uid)
    except OSError:  # the folder itself is closed to this user
        return (f"{path}: user {user} may not open it (a folder on the way is closed to it). Run the bot as "
                "the user who owns the installation, or give that user access to the folder.")
    return (f"{path}: user {user} may not read it (it belongs to {owner}). Run the bot as {owner}, or give the "
            f"file to this user: sudo chown {user} {path} && sudo chmod 600 {path}")


def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _decode(path: Path, raw: bytes) -> str:
    if raw.startswith(_UTF16_BOMS) or b"\0" in raw:
        raise EnvFileError(f"{path} is saved as UTF-16 (Notepad's “Unicode”), which the bot cannot read. "
                           f"{_SAVE_AS_UTF8}.")
    if raw.startswith(_UTF8_BOM):
        raise EnvFileError(f"{path} starts with a byte-order mark (BOM), which would become part of the first "
                           f"name. {_SAVE_AS_UTF8}, without BOM.")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise EnvFileError(f"{path} is not UTF-8 text (line {line} has the byte 0x{raw[error.start]:02X}, which "
                           f"UTF-8 does not allow there). {_SAVE_AS_UTF8}.") from None


def _parse(path: Path, text: str) -> EnvFile:
    bindings = list(parse_stream(io.StringIO(text)))
    broken = tuple(binding.original.line for binding in bindings if binding.error)
    lines = {binding.key: binding.original.line for binding in bindings if binding.key is not None}
    # Broken lines are left out here (python-dotenv would log a warning and skip them) and reported by the caller
    # with the other problems; the rest is read by python-dotenv itself, interpolation included.
    readable = "".join(binding.original.string for binding in bindings if not binding.error)
    values = {key: value for key, value in dotenv_values(stream=io.StringIO(readable)).items() if value is not None}
    return EnvFile(path, values, lines, broken)
