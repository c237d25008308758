"""Refuse, in one line, a Python older than the bot supports, before any other import can fail on it.

bot.py imports this first. It runs on exactly the Pythons the rest of the code cannot run on, so it keeps to
syntax every Python 3 reads: no f-strings, no annotations, no walrus. MINIMUM matches `requires-python` in
pyproject.toml (a test checks).
"""

import sys

MINIMUM = (3, 11)


def refusal(version_info, executable):
    """The one line for a Python that is too old, or None for a supported one."""
    if tuple(version_info[:2]) >= MINIMUM:
        return None
    needed = ".".join(str(part) for part in MINIMUM)
    found = ".".join(str(part) for part in version_info[:3])
    return ("The bot cannot start: it needs Python " + needed + " or newer, and " + executable + " is Python "
            + found + ". Install Python " + needed + " (e.g. sudo apt install python" + needed + " python"
            + needed + "-venv), then recreate the virtualenv with it: rm -rf .venv && python" + needed
            + " -m venv .venv && .venv/bin/pip install -r requirements.txt")


_refusal = refusal(sys.version_info, sys.executable)
if _refusal is not None:
    sys.stderr.write(_refusal + "\n")
    sys.exit(2)  # a setup problem: systemd's unit does not restart on status 2
