"""The order of `check`: the settings first, then the database, Taubot and Discord, each reported as it ends."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

import discord

from config import ConfigError, load_settings

from .database import check_database
from .discord_login import DISCORD_LOGIN_TIMEOUT_SECONDS, check_discord, plain_client
from .line import Check
from .taubot_api import check_taubot


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

    try:
        settings = load_settings(environ)
    except ConfigError as error:
        found(Check("configuration", False, f"{len(error.problems)} problem(s):\n           - "
                                            + "\n           - ".join(error.problems)))
        return checks
    found(Check("configuration", True, "all settings present and well-formed"))
    found(await _guarded("database", check_database(settings)))
    try:
        async for check in check_taubot(settings):
            found(check)
    except Exception as error:
        found(_unexpected("taubot", error))
    found(await _guarded("discord", check_discord(settings, make_discord_client or plain_client,
                                                  login_within=discord_login_within)))
    return checks


async def _guarded(name: str, check: Awaitable[Check]) -> Check:
    try:
        return await check
    except Exception as error:  # a bug or a surprise here must not hide the other checks' results
        return _unexpected(name, error)


def _unexpected(name: str, error: Exception) -> Check:
    # The type only: an exception's text could quote a secret it choked on.
    return Check(name, False, f"the check itself failed ({type(error).__name__}). Run it again; if it keeps "
                              "failing, report it with this line.")

