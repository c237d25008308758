"""No secret value reaches a log record, whichever handler reads it."""

import logging

import pytest

from logging_setup import REDACTED, SecretRedactor, install_redaction, setup_logging

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
    reply = await discord.run_command("pay", by=alice.user, amount="12.50", user=bob.user)
    await discord.press(reply.last, "Confirm", by=alice.user)
    await discord.run_command("history", by=alice.user)
    sandbox.fail_next("GET /api/accounts/", 503, times=5)  # a failure, so error paths log too
    await discord.run_command("history", by=bob.user)
    sandbox.drop_next("GET /api/users/", times=10)
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
