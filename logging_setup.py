"""Logging for the bot: discord.py's handler and format, with secrets scrubbed from every record.

Redaction happens where records are *created* (a wrapped log-record factory), so every handler sees the
clean text: the console, a journal, pytest's caplog. Grant keys are not known in advance, so anything shaped
like a JWT or a Discord token is scrubbed as well as the configured secret values.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

import discord

REDACTED = "[redacted]"
# Taubot keys are JWTs; Discord bot tokens are three dot-separated base64 parts starting with M, N or O.
_SECRET_SHAPES = re.compile(
    r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"
    r"|[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,}"
)


class SecretRedactor:
    """Replaces known secret values and secret-shaped strings in text."""

    def __init__(self, secrets: Iterable[str] = ()):
        # Longest first, so a secret that contains another is replaced whole.
        self._secrets = sorted({secret for secret in secrets if len(secret) >= 4}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return _SECRET_SHAPES.sub(REDACTED, text)


_installed: SecretRedactor | None = None
_original_factory = logging.getLogRecordFactory()


def install_redaction(redactor: SecretRedactor) -> None:
    """Make every log record created from now on pass through `redactor` (replaces an earlier one)."""
    global _installed
    _installed = redactor

    def make_record(*args, **kwargs) -> logging.LogRecord:
        record = _original_factory(*args, **kwargs)
        if _installed is not None:
            _scrub(record, _installed)
        return record

    logging.setLogRecordFactory(make_record)


def _scrub(record: logging.LogRecord, redactor: SecretRedactor) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a bad format string must not lose the record; log its raw text instead
        message = f"{record.msg!s} {record.args!r}"
    record.msg, record.args = redactor.redact(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redactor.redact(record.exc_text)
        # The formatted text is kept; dropping the live exception stops a handler re-rendering it unredacted.
        record.exc_info = None
    if record.stack_info:
        record.stack_info = redactor.redact(record.stack_info)


def setup_logging(level: str, secrets: Iterable[str]) -> None:
    """discord.py's console logging at `level`, with redaction installed first."""
    install_redaction(SecretRedactor(secrets))
    discord.utils.setup_logging(level=getattr(logging, level), root=True)
