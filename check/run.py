"""The order of `check`: the settings first, then the database, Taubot and Discord, each reported as it ends.

DISCORD_TOKEN alone is enough to start: Discord is set up first (invite, sync) and the Taubot credentials come
later, from a person. Until they are set, the checks that need them are left out and the configuration line
says what is still to come.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping

import discord

from config import ConfigError, Settings, load_discord_settings, load_settings

from .database import check_database
from .discord_login import DISCORD_LOGIN_TIMEOUT_SECONDS, check_discord, plain_client
from .line import Check
from .taubot_api import check_taubot

LIST_ITEM = "\n           - "  # a problem of a list, under the line's detail column


async def run_checks(environ: Mapping[str, str], *,
                     make_discord_client: Callable[[], discord.Client] | None = None,
                     report: Callable[[Check], None] | None = None,
                     discord_login_within: float = DISCORD_LOGIN_TIMEOUT_SECONDS) -> list[Check]:
    """Run every check in order; `report` is called with each one as soon as it is known."""
    checks: list[Check] = []

    def found(check: Check) -> None:
        checks.append(check)
        if report is not None:
            report(check)

    configuration, settings = check_configuration(environ)
    found(configuration)
    if settings is None:
        return checks
    parts = {
        "database": _database(settings),
        "taubot": check_taubot(settings),
        "discord": check_discord(settings, make_discord_client or plain_client, login_within=discord_login_within),
    }
    for name, lines in parts.items():
        try:
            async for check in lines:
                found(check)
        except Exception as error:  # a bug or a surprise here must not hide the other checks' results
            found(_unexpected(name, error))
    return checks


def verdict(checks: list[Check]) -> tuple[str, int]:
    """The last line `check` prints, and its exit status: 0 only when the bot is ready to run."""
    problems = sum(check.problem for check in checks)
    to_come = sum(check.not_yet for check in checks)
    warnings = sum(check.ok and check.warning for check in checks)
    if problems:
        return f"{problems} problem(s) found.", 1
    if to_come:  # nothing is wrong, and Discord answered: what is left comes from a person
        return ("Discord is ready: add the bot with the links above and run `python bot.py sync`. The bot can run "
                "once the settings marked NOT YET are set.", 1)
    return ("All checks passed." if not warnings else f"All checks passed, with {warnings} warning(s)."), 0


def check_configuration(environ: Mapping[str, str]) -> tuple[Check, Settings | None]:
    """The configuration line, and the settings the other checks run with (None: none can run). With DISCORD_TOKEN
    but not yet the Taubot credentials or KEY_ENCRYPTION_KEY, the settings lack those (see
    `load_discord_settings`) and the line is NOT YET, listing them."""
    try:
        return Check("configuration", True, "all settings present and well-formed"), load_settings(environ)
    except ConfigError as error:
        missing = error.problems
    try:
        settings = load_discord_settings(environ)
    except ConfigError:
        return Check("configuration", False, f"{len(missing)} problem(s):" + _listed(missing)), None
    # Everything that is set is well-formed (load_discord_settings checked it): only these are left, all missing.
    return Check("configuration", False, "enough for Discord (check, the invite links, sync); to run the bot, "
                                         "still to come:" + _listed(missing), not_yet=True), settings


def _listed(problems: list[str]) -> str:
    return "".join(LIST_ITEM + problem for problem in problems)


async def _database(settings: Settings) -> AsyncIterator[Check]:
    if settings.key_encryption_key:  # without it the stored keys cannot be tried: the line above says it is to come
        yield await check_database(settings)


def _unexpected(name: str, error: Exception) -> Check:
    # The type only: an exception's text could quote a secret it choked on.
    return Check(name, False, f"the check itself failed ({type(error).__name__}). Run it again; if it keeps "
                              "failing, report it with this line.")
