"""Mistakes inside a settings file that python-dotenv passes over in silence: lines that are not NAME=value,
and names that are not a setting but look like one misspelt ("did you mean TAUBOT_MASTER_KEY?")."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from env_file import EnvFile

# How alike a name must be to a setting to be called a misspelling of it (difflib's ratio, 0 to 1): close enough
# for TAUBOT_MASTERKEY, LOGLEVEL, DB_PATH, discord_token; far enough that PATH, HOME or DEBUG are left alone.
_ALIKE = 0.7
# Names every system has, which a settings file may set for other programs: never a misspelt setting.
_SYSTEM_NAMES = frozenset({"PATH", "HOME", "USER", "SHELL", "LANG", "TERM", "TZ", "PWD", "PYTHONPATH"})


@dataclass(frozen=True)
class FileProblem:
    text: str  # the problem on its own
    written: str = ""  # the name as written in the file, for a misspelling
    meant: str | None = None  # the setting it most likely means
    where: str = ""

    def as_missing(self) -> str:
        """The same problem, told as the reason `meant` is missing."""
        return f"{self.meant} is missing, but {self.where} sets {self.written}: did you mean {self.meant}? Rename it."


def env_file_problems(env_file: EnvFile, known: Collection[str]) -> Iterator[FileProblem]:
    if env_file.unreadable_lines:
        numbers = ", ".join(map(str, env_file.unreadable_lines))
        plural = "s" if len(env_file.unreadable_lines) > 1 else ""
        yield FileProblem(f"{env_file.path} line{plural} {numbers}: not NAME=value, so the bot cannot read "
                          f"{'them' if plural else 'it'}. Write each setting as NAME=value; comments start with #.")
    for name, line in env_file.lines.items():
        meant = None if name in known else likely_setting(name, known)
        if meant is not None:
            where = f"{env_file.path} line {line}"
            yield FileProblem(f"{where} sets {name}, which is not a setting: did you mean {meant}?",
                              written=name, meant=meant, where=where)


def likely_setting(name: str, known: Collection[str]) -> str | None:
    """The setting `name` most likely means: a close spelling (in any case), or the one it is the tail of
    (TOKEN → DISCORD_TOKEN)."""
    if name.upper() in _SYSTEM_NAMES:
        return None
    close = difflib.get_close_matches(name.upper(), known, n=1, cutoff=_ALIKE)
    if close:
        return close[0]
    tails = [setting for setting in known if setting.endswith("_" + name.upper())]
    return tails[0] if len(tails) == 1 else None
