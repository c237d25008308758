"""Redaction skips its pattern scans for text that holds none of the patterns' markers: the shortcut must never
change what is redacted, for any text."""

import logging

from hypothesis import example, given, settings
from hypothesis import strategies as st

from logging_setup import _SECRET_SHAPES, _SECRETS_IN_CONTEXT, REDACTED, SecretRedactor, _keep_context, setup_logging

UUID = "0f8fad5b-d9cb-469f-a165-70867728950e"
GRANT_KEY = "eyJhbGciOiJIUzI1NiJ9.eyJncmFudCI6InVzZXItNDIifQ.YW5vdGhlci1zaWduYXR1cmUtaGVyZQ"
# Pieces that make up the patterns, and pieces that look like them, for texts built to sit at the edges.
PIECES = ["token", "ref", "ref_id", "=", ":", '"', "'", " ", "-", ".", "/", "/webhooks/1/", "/interactions/2/",
          "/retrieve-key/", "/references/", "link:granted:", UUID, UUID.replace("-", ""), GRANT_KEY,
          "aW50ZXJhY3Rpb246MTIz", "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB",
          "command=/balance", "user=123", "outcome=ok", "refused", "x", "0"]
OPAQUE = "plain-secret-value"


def scanned_always(text: str) -> str:
    """What redaction gives when every pattern is scanned, whatever the text holds."""
    text = text.replace(OPAQUE, REDACTED)
    return _SECRETS_IN_CONTEXT.sub(_keep_context, _SECRET_SHAPES.sub(REDACTED, text))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.sampled_from(PIECES), st.text(max_size=4)), max_size=10)
       .map("".join))
@example("ref=abc")
@example("token: abc")
@example("/webhooks/1/abc")
@example("/interactions/2/abc/callback")
@example(f"/references/{UUID}")
@example(f"button x:{UUID}")
@example(GRANT_KEY)
@example("aW50ZXJhY3Rpb246MTIz")
def test_the_shortcut_redacts_exactly_what_a_full_scan_redacts(text):
    assert SecretRedactor([OPAQUE]).redact(text) == scanned_always(text)


def test_a_command_line_without_markers_is_left_as_is_and_a_marked_one_is_redacted():
    redactor = SecretRedactor([])
    line = "command=/balance user=123 outcome=ok duration_ms=1 taubot_requests=1"
    assert redactor.redact(line) == line
    assert redactor.redact(f"pressed link:granted:{UUID}") == f"pressed link:granted:{REDACTED}"
    assert redactor.redact(f"sent {GRANT_KEY} back") == f"sent {REDACTED} back"


def test_setup_logging_stops_collecting_what_the_format_never_shows(caplog):
    """No source file and line, thread or process in the console format, so records skip finding them; the
    message and level are as before."""
    root = logging.getLogger()
    handlers, level, factory = list(root.handlers), root.level, logging.getLogRecordFactory()
    handler = setup_logging("INFO", [])
    try:
        with caplog.at_level(logging.INFO, logger="taubot.test"):
            logging.getLogger("taubot.test").info("hello %s", "there")
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        logging.setLogRecordFactory(factory)
    assert root.handlers == handlers
    (record,) = [r for r in caplog.records if r.name == "taubot.test"]
    assert (record.getMessage(), record.levelname) == ("hello there", "INFO")
    assert (record.lineno, record.threadName, record.processName) == (0, None, None)
