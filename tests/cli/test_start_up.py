"""Starting the bot: which Taubot it talks to is settled before Discord, and it never starts on a guess."""

import logging
from dataclasses import replace
from datetime import timedelta

import pytest
from aiohttp import web

from bot import TaubotBot
from cli import know_taubot, run_bot
from tests.cli.test_check_and_backup import local_server
from tests.conftest import ON_V21


async def started(settings) -> int | None:
    async with TaubotBot(settings, background_tasks=False) as bot:
        return await know_taubot(bot)


async def test_the_log_names_the_dialect_found(settings, sandbox, caplog):
    with caplog.at_level(logging.INFO):
        assert await started(settings) is None
    assert f"Taubot speaks {sandbox.dialect} (detected)" in caplog.messages
    assert [r.path for r in sandbox.requests] == ["/api/oauth/grant"]  # one harmless request, no key
    assert sandbox.requests[0].key_kind == "none"


async def test_a_pinned_dialect_is_named_and_not_asked(settings, sandbox, caplog):
    with caplog.at_level(logging.INFO):
        assert await started(replace(settings, taubot_api_dialect=sandbox.dialect)) is None
    assert f"Taubot at {settings.taubot_api_url} speaks {sandbox.dialect} (pinned by TAUBOT_API_DIALECT)" in \
        caplog.messages
    assert sandbox.requests == []


@pytest.mark.parametrize(("status", "exit_status"), [(404, 2), (200, 2), (502, 1)])
async def test_an_unknown_answer_is_one_line_and_no_start(settings, capsys, status, exit_status):
    async def not_taubot(request: web.Request) -> web.Response:
        return web.Response(status=status, text="<html>Error</html>", content_type="text/html")

    async with local_server(not_taubot) as url:
        assert await run_bot(replace(settings, taubot_api_url=f"{url}/api")) == exit_status  # never reaches Discord
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("The bot cannot start: the Taubot server's dialect is unknown: GET /oauth/grant without "
                           f"a key answered HTTP {status} (text/html)")
    assert line.endswith("Check TAUBOT_API_URL (it ends in /api), or set TAUBOT_API_DIALECT to v2 or v2.1 if the "
                         "Taubot operator told you the version.")


async def test_no_answer_is_one_line_and_a_restart_may_help(settings, capsys):
    assert await started(replace(settings, taubot_api_url="http://127.0.0.1:9/api")) == 1
    assert capsys.readouterr().err.strip() == (
        "The bot cannot start: Taubot at http://127.0.0.1:9/api did not answer, so its version is unknown. Check "
        "TAUBOT_API_URL and the network; the bot tries again when restarted.")


@ON_V21
@pytest.mark.parametrize(("days", "level", "words"), [(5, logging.WARNING, "expires on"),
                                                      (-1, logging.ERROR, "expired on")])
async def test_a_master_key_near_its_end_is_logged_at_start_on_v21(settings, sandbox, caplog, days, level, words):
    key = sandbox.issue_master_key(lifetime_seconds=timedelta(days=days).total_seconds())
    with caplog.at_level(logging.INFO):
        assert await started(replace(settings, taubot_master_key=key)) is None  # members' own keys still work
    (record,) = [r for r in caplog.records if "TAUBOT_MASTER_KEY" in r.getMessage()]
    assert record.levelno == level
    assert f"TAUBOT_MASTER_KEY {words} " in record.getMessage()
    assert key not in caplog.text


@ON_V21
async def test_a_link_timeout_above_an_hour_is_capped_and_said_on_v21(settings, caplog):
    with caplog.at_level(logging.INFO):
        assert await started(replace(settings, link_timeout_minutes=90)) is None
    assert ("Links expire after 60 minutes (Taubot v2.1 forgets a link after that), not LINK_TIMEOUT_MINUTES=90"
            in caplog.messages)
