"""No secret value reaches a log record, whichever handler reads it."""

import asyncio
import contextlib
import io
import json
import logging
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import discord as discord_py
import pytest

from logging_setup import (
    _COLOURED_FORMAT,
    _DATE_FORMAT,
    _FORMAT,
    _LEVEL_COLOURS,
    REDACTED,
    ConsoleFormatter,
    SecretRedactor,
    install_redaction,
    setup_logging,
)
from sandbox import TRANSFER_FUNDS, VIEW_BALANCE
from tests.conftest import ref_of

REPO = Path(__file__).resolve().parents[2]

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
MASTER_KEY = "eyJhbGciOiJIUzI1NiJ9.eyJrZXkiOiJtYXN0ZXIifQ.c2lnbmF0dXJlLW9mLXRoZS1tYXN0ZXIta2V5"
ENCRYPTION_KEY = "q1w2e3r4t5y6u7i8o9p0q1w2e3r4t5y6u7i8o9p0abc="
GRANT_KEY = "eyJhbGciOiJIUzI1NiJ9.eyJncmFudCI6InVzZXItNDIifQ.YW5vdGhlci1zaWduYXR1cmUtaGVyZQ"
OPAQUE_SECRET = "plain-secret-value-without-a-shape"


@pytest.fixture(autouse=True)
def redaction():
    factory = logging.getLogRecordFactory()
    install_redaction(SecretRedactor([TOKEN, MASTER_KEY, ENCRYPTION_KEY, OPAQUE_SECRET]))
    yield
    logging.setLogRecordFactory(factory)


def all_text(record: logging.LogRecord) -> str:
    return " ".join(str(part) for part in (record.getMessage(), record.exc_text, record.stack_info, record.args))


def test_configured_secrets_in_messages_and_arguments_are_redacted(caplog):
    log = logging.getLogger("taubot.test")
    with caplog.at_level(logging.DEBUG, logger="taubot.test"):
        log.info("token %s and key %r", TOKEN, MASTER_KEY)
        log.warning(f"the encryption key is {ENCRYPTION_KEY} and {OPAQUE_SECRET}")
        log.debug("headers: %s", {"Authorization": MASTER_KEY})
    records = [record for record in caplog.records if record.name == "taubot.test"]
    assert len(records) == 3
    for record in records:
        text = all_text(record)
        for secret in (TOKEN, MASTER_KEY, ENCRYPTION_KEY, OPAQUE_SECRET):
            assert secret not in text
        assert REDACTED in text


def test_unconfigured_grant_keys_are_caught_by_their_shape(caplog):
    with caplog.at_level(logging.INFO, logger="discord.http"):
        logging.getLogger("discord.http").info("retrieved %s for user 42", GRANT_KEY)
    (record,) = [r for r in caplog.records if r.name == "discord.http"]
    assert record.getMessage() == f"retrieved {REDACTED} for user 42"


def test_secrets_inside_exceptions_and_tracebacks_are_redacted(caplog):
    with caplog.at_level(logging.ERROR, logger="cogs.pay"):
        try:
            raise RuntimeError(f"request failed with Authorization: {MASTER_KEY} / {GRANT_KEY}")
        except RuntimeError:
            logging.getLogger("cogs.pay").exception("payment failed")
    (record,) = [r for r in caplog.records if r.name == "cogs.pay"]
    assert "RuntimeError" in record.exc_text
    assert MASTER_KEY not in caplog.text and GRANT_KEY not in caplog.text
    assert MASTER_KEY not in all_text(record) and GRANT_KEY not in all_text(record)


def test_the_console_handler_prints_redacted_text(capsys):
    root = logging.getLogger()
    handlers_before = list(root.handlers)
    try:
        setup_logging("INFO", [MASTER_KEY])
        logging.getLogger("taubot.console").info("master key is %s", MASTER_KEY)
        for handler in root.handlers:
            handler.flush()
    finally:
        for handler in list(root.handlers):
            if handler not in handlers_before:
                root.removeHandler(handler)
    printed = capsys.readouterr().err
    assert "master key is [redacted]" in printed
    assert MASTER_KEY not in printed


def test_a_broken_format_string_is_still_logged(caplog):
    with caplog.at_level(logging.INFO, logger="x"):
        logging.getLogger("x").info("%d items", "not a number")
    (record,) = [r for r in caplog.records if r.name == "x"]
    assert "items" in record.getMessage()


async def test_a_whole_session_at_debug_logs_no_key_and_no_token(caplog, discord, sandbox, people):
    """link → balance → pay → history (and a failure or two), with every logger at DEBUG. Redaction is switched
    off: the code itself must never put a secret into a record; redaction is only the safety net."""
    import logging_setup

    logging.setLogRecordFactory(logging_setup._original_factory)
    caplog.set_level(logging.DEBUG)
    alice, bob = people.member("alice", balance=100_00), people.member("bob", balance=50_00)
    await people.link(alice)
    await people.link(bob)
    await discord.run_command("balance", by=alice.user)
    reply = await discord.run_command("pay user", by=alice.user, amount="12.50", to=bob.user)
    await discord.press(reply.last, "Confirm", by=alice.user)
    await discord.run_command("history", by=alice.user)
    sandbox.fail_next(sandbox.route("transactions"), 503, times=5)  # a failure, so error paths log too
    await discord.run_command("history", by=bob.user)
    sandbox.drop_next(sandbox.route("account_by_id"), times=10)
    await discord.run_command("balance", by=bob.user)
    sandbox.clear_faults()

    settings = discord.bot.settings
    secrets = {key for key, record in sandbox.economy.keys.items() if record.kind == "grant"}
    assert len(secrets) >= 2
    secrets |= {sandbox.master_key, settings.discord_token, *settings.secret_values()}
    records = caplog.records
    assert any(record.name.startswith("taubot_bot") for record in records)  # the bot logged its work
    for record in records:
        texts = [record.getMessage(), record.exc_text or ""]
        if record.exc_info:
            texts.append(logging.Formatter().formatException(record.exc_info))
        for secret in secrets:
            for text in texts:
                assert secret not in text, f"{record.name}: {text[:200]}"


# -- interaction tokens, link refs and SQL parameters at DEBUG ----------------------------------------------

REF = "e5a4365f-7851-4f48-97dd-13524369d3aa"
INTERACTION_TOKEN = ("aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OmJ4ZkFzZGZhc2RmYXNkZmFzZGZhc2RmYXNkZmFzZGZhc2Rm"
                     "YXNkZmFzZGZhc2RmYXNkZmFzZGZhc2Rm")
HARNESS_TOKEN = "interaction-token-1577330363590508551"  # shapeless: caught only by where it stands


@pytest.mark.parametrize(("line", "secret"), [
    # interaction tokens, wherever discord.py logs them
    (f"Webhook ID 1577 with POST https://discord.com/api/v10/interactions/1577/{HARNESS_TOKEN}/callback has "
     "returned status code 200", HARNESS_TOKEN),
    (f"Webhook ID 1480 with PATCH https://discord.com/api/v10/webhooks/1480/{HARNESS_TOKEN}/messages/@original "
     "has returned status code 404", HARNESS_TOKEN),
    (f"POST https://discord.com/api/v10/webhooks/1480/{HARNESS_TOKEN} with {{}} has returned 200", HARNESS_TOKEN),
    (f"For Shard ID 0: WebSocket Event: {{'t': 'INTERACTION_CREATE', 'd': {{'token': '{HARNESS_TOKEN}'}}}}",
     HARNESS_TOKEN),
    (f'{{"type": 4, "token": "{HARNESS_TOKEN}"}}', HARNESS_TOKEN),
    (f"an interaction token on its own: {INTERACTION_TOKEN}", INTERACTION_TOKEN),
    # pending link refs, by where they stand
    (f"POST /channels/1/messages with {{\"url\":\"https://taubot.qzz.io/api/oauth/grant?ref={REF}&aid=x\"}}", REF),
    (f"grant link https://taubot.example/api/oauth/grant?ref_id={REF}&app_id=x", REF),  # Taubot 2.1
    (f'{{"label":"I\'ve granted access","custom_id":"link:granted:{REF}"}}', REF),
    (f"PendingLink(ref_id='{REF}', discord_user_id=1001)", REF),
    (f"GET https://taubot.qzz.io/api/retrieve-key/{REF} answered 500", REF),
    (f"GET https://taubot.example/api/references/{REF} answered 403", REF),
    (f'{{"ref_id": "{REF}"}}', REF),
])
def test_interaction_tokens_and_link_refs_are_redacted(caplog, line, secret):
    with caplog.at_level(logging.DEBUG, logger="discord.http"):
        logging.getLogger("discord.http").debug("%s", line)
    (record,) = caplog.records
    assert secret not in record.getMessage()
    assert REDACTED in record.getMessage()


def test_account_ids_and_sql_placeholders_are_left_readable(caplog):
    with caplog.at_level(logging.DEBUG, logger="taubot_bot"):
        logging.getLogger("taubot_bot").debug("paid account %s; the query matched ref_id = ? (one row)", REF)
    assert caplog.records[0].getMessage() == f"paid account {REF}; the query matched ref_id = ? (one row)"


async def test_a_gateway_interaction_logged_by_discord_py_keeps_no_token(caplog):
    """discord.py's own gateway code logs every event it receives at DEBUG, the interaction's token included."""
    from discord.gateway import DiscordWebSocket

    socket = DiscordWebSocket(None, loop=asyncio.get_running_loop())  # type: ignore[arg-type]
    socket.shard_id, socket._discord_parsers = 0, {"INTERACTION_CREATE": lambda data: None}
    event = {"op": 0, "s": 7, "t": "INTERACTION_CREATE",
             "d": {"id": "1577330363590508551", "application_id": "1480", "type": 2, "token": INTERACTION_TOKEN}}
    with caplog.at_level(logging.DEBUG, logger="discord.gateway"):
        await socket.received_message(json.dumps(event))
    (record,) = [record for record in caplog.records if "WebSocket Event" in record.getMessage()]
    assert INTERACTION_TOKEN not in record.getMessage()
    assert "'token': '[redacted]'" in record.getMessage()


async def test_a_whole_session_at_debug_with_redaction_on_leaves_no_token_ref_or_sql_parameter(
        caplog, discord, sandbox, people, settings):
    """Every logger at DEBUG (discord.py's HTTP and webhook logs, aiosqlite's SQL), redaction installed as
    `run` installs it: no interaction token, link ref (finished or still pending), key or stored blob survives."""
    install_redaction(SecretRedactor(settings.secret_values()))
    caplog.set_level(logging.DEBUG)
    alice, bob = people.member("alice", balance=100_00), people.member("bob", balance=50_00)
    await discord.run_command("link-account", by=alice.user)
    link_dm = discord.last_dm(alice.user)
    refs = [ref_of(link_dm)]
    assert sandbox.grant(refs[0], alice.id, permissions=(VIEW_BALANCE, TRANSFER_FUNDS), spending_limit=1_000_00)
    await discord.press(link_dm, "I've granted access", by=alice.user)
    await discord.run_command("link-account", by=bob.user)  # left pending: its ref could still be completed
    refs.append(ref_of(discord.last_dm(bob.user)))
    reply = await discord.run_command("pay user", by=alice.user, amount="12.50", to=bob.user)
    await discord.press(reply.last, "Confirm", by=alice.user)
    await discord.run_command("history", by=alice.user)

    tokens = set(discord.api.interactions)
    grant_keys = {key for key, record in sandbox.economy.keys.items() if record.kind == "grant"}
    with sqlite3.connect(settings.database_path) as connection:
        blobs = [row[0] for row in connection.execute("SELECT encrypted_grant_key FROM linked_accounts")]
    assert len(tokens) >= 5 and len(refs) == 2 and grant_keys and blobs
    secrets = tokens | set(refs) | grant_keys | {repr(blob)[2:40] for blob in blobs} | {blob.hex() for blob in blobs}
    texts = [all_text(record) for record in caplog.records]
    assert any("WHERE ref_id = ?" in text for text in texts)  # the SQL is still there, without its parameters
    assert any("/callback" in text for text in texts)  # and the routes discord.py called
    for text in texts:
        for secret in secrets:
            assert secret not in text, text[:300]


# -- what reaches the console ----------------------------------------------------------------------------------


def test_every_handler_gets_the_traceback_even_after_discord_pys_colour_formatter():
    logger = logging.getLogger("taubot_bot.handlers")
    first, second = io.StringIO(), io.StringIO()
    coloured, plain = logging.StreamHandler(first), logging.StreamHandler(second)
    coloured.setFormatter(discord_py.utils._ColourFormatter())  # which clears exc_text after use
    plain.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    for handler in (coloured, plain):
        logger.addHandler(handler)
    try:
        try:
            raise RuntimeError(f"Taubot refused {MASTER_KEY}")
        except RuntimeError:
            logger.exception("payment failed")
    finally:
        for handler in (coloured, plain):
            logger.removeHandler(handler)
    for output in (first.getvalue(), second.getvalue()):
        assert "payment failed" in output
        assert "Traceback (most recent call last)" in output
        assert f"RuntimeError: Taubot refused {REDACTED}" in output


@contextlib.contextmanager
def console(stream):
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    handler = setup_logging("INFO", [MASTER_KEY], stream=stream)
    try:
        logging.getLogger("taubot_bot.console").warning("Taubot is slow")
        handler.flush()
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        assert root.handlers == handlers


def read_terminal(master: int) -> str:
    os.set_blocking(master, False)
    try:
        return os.read(master, 65536).decode()
    except BlockingIOError:
        return ""


@pytest.mark.parametrize(("no_color", "coloured"), [(None, True), ("1", False)])
def test_a_terminal_gets_colour_unless_no_color_is_set(monkeypatch, no_color, coloured):
    monkeypatch.delenv("TERM", raising=False)
    if no_color is None:
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", no_color)
    master, follower = os.openpty()
    with os.fdopen(follower, "w") as terminal, console(terminal):
        shown = read_terminal(master)
    os.close(master)
    assert "Taubot is slow" in shown
    assert ("\x1b[" in shown) is coloured


def test_a_pipe_gets_no_colour_even_in_docker(monkeypatch):
    """discord.py colours any Docker container's output, so `docker logs` was full of escape codes."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr(discord_py.utils, "is_docker", lambda: True)
    piped = io.StringIO()
    with console(piped):
        pass
    assert "] [WARNING ] taubot_bot.console: Taubot is slow" in piped.getvalue()
    assert "\x1b" not in piped.getvalue()


@pytest.mark.parametrize("colour", [False, True])
def test_the_console_formatter_writes_what_loggings_own_formatter_writes(colour):
    """ConsoleFormatter fills the format from the record in place (format_map) and caches each second's time:
    the text is logging's own, for every level, with and without a traceback."""
    try:
        raise ValueError("boom")
    except ValueError:
        failure = sys.exc_info()
    for level, failed in [(logging.DEBUG, None), (logging.INFO, None), (logging.WARNING, None),
                          (logging.ERROR, failure), (logging.CRITICAL, None)]:
        record = logging.LogRecord("taubot_bot.interactions", level, __file__, 1,
                                   "command=/balance user=%s outcome=ok {braces}", (42,), failed)
        fmt = _COLOURED_FORMAT.replace("{colour}", _LEVEL_COLOURS[level]) if colour else _FORMAT
        expected = logging.Formatter(fmt, _DATE_FORMAT, style="{").format(logging.makeLogRecord(record.__dict__))
        assert ConsoleFormatter(colour=colour).format(record) == expected


def test_starting_the_bot_prints_no_voice_library_warnings(tmp_path):
    """discord.py warns at every start that PyNaCl and davey are missing; the bot never joins voice."""
    script = (
        "import uuid\n"
        "from config import Settings\n"
        "from logging_setup import setup_logging\n"
        "setup_logging('INFO', [])\n"
        "from bot import TaubotBot\n"
        "TaubotBot(Settings(discord_token='', taubot_master_key='', taubot_app_id=uuid.UUID(int=0),\n"
        "                   key_encryption_key=bytes(32), database_path=__import__('pathlib').Path('x.db')))\n"
        "print('built')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60,
                            env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO)})
    assert result.stdout == "built\n"
    assert result.stderr == ""
