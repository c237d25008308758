"""`python bot.py check`: everything a self-hoster can get wrong, one line per check, with the fix.

The checks run in order and later ones need earlier ones (no Taubot check without valid settings); each line
is reported as soon as its check ends, so a later hang or crash never hides the earlier results. Nothing here
changes anything: the database is read through a backup copy (migrations and the key check run on the copy),
Taubot gets only reads, and the Discord check is an HTTP login without a gateway connection.

run.py holds the order, line.py one check's result; database.py, taubot_api.py (with sandbox_key.py) and
discord_login.py the checks themselves.
"""

from .line import Check
from .run import run_checks, verdict
from .taubot_api import master_key_expiry

__all__ = ["Check", "master_key_expiry", "run_checks", "verdict"]
