"""Logging for the bot: one console handler, secrets scrubbed from every record, colour only for a person.

Redaction happens where records are *created* (a wrapped log-record factory), so every handler sees the
clean text: the console, a journal, pytest's caplog. Grant keys, interaction tokens and pending link refs are
not known in advance, so they are recognised by their shape or by where they stand (a webhook URL, a
`"token":` field, a link button's custom id) as well as the configured secret values.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import sys
from collections.abc import Iterable
from typing import Any, TextIO

import discord

REDACTED = "[redacted]"
# Taubot keys are JWTs; Discord bot tokens are three dot-separated base64 parts starting with M, N or O;
# interaction tokens start with base64 of "interaction:".
_SECRET_SHAPES = re.compile(
    r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"
    r"|[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,}"
    r"|aW50ZXJhY3Rpb24[A-Za-z0-9_.:-]+"
)
_UUID = r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
# Secrets known by where they stand; group 1 (kept) is the context, the rest is replaced.
_SECRETS_IN_CONTEXT = re.compile(
    # interaction tokens (credentials for 15 minutes) in followup and callback URLs
    r"(/webhooks/\d+/|/interactions/\d+/)[^/\s?#'\"]+"
    # a token or a link ref as a field of a payload, a repr or a query string
    rf"|((?<![\w-])[\"']?(?:token|ref|ref_id)[\"']?\s*[:=]\s*[\"']?)(?!\[redacted\])[^\"'\s,;&?)}}\]]+"
    # a ref in a button's custom id (link:granted:<ref>) or in a Taubot path
    rf"|((?<![\w-])[A-Za-z][\w-]*:(?:[\w-]+:)*|/retrieve-key/|/references/){_UUID}"
)
# What a text must contain for each pattern above to match in it (SecretRedactor.redact): "." or
# "aW50ZXJhY3Rpb24" for _SECRET_SHAPES; "/webhooks/", "/interactions/", "token", "ref" or four hyphens (a UUID)
# for _SECRETS_IN_CONTEXT. Most lines, every command's own line among them, contain none, and skip the scans:
# _SECRETS_IN_CONTEXT tries its lookbehinds at every position, about 20 µs for a 90-character line.
_UUID_HYPHENS = 4


class SecretRedactor:
    """Replaces known secret values, secret-shaped strings and secrets in known places in text."""

    def __init__(self, secrets: Iterable[str] = ()):
        # Longest first, so a secret that contains another is replaced whole.
        self._secrets = sorted({secret for secret in secrets if len(secret) >= 4}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        # The markers spelt out rather than looped over: this runs for every log line.
        if "." in text or "aW50ZXJhY3Rpb24" in text:
            text = _SECRET_SHAPES.sub(REDACTED, text)
        if ("/webhooks/" in text or "/interactions/" in text or "token" in text or "ref" in text
                or text.count("-") >= _UUID_HYPHENS):
            text = _SECRETS_IN_CONTEXT.sub(_keep_context, text)
        return text


def _keep_context(match: re.Match[str]) -> str:
    return next(group for group in match.groups() if group is not None) + REDACTED


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
    if record.args and isinstance(record.args, tuple):  # most lines have no arguments: no generator to build
        record.args = tuple(_without_call_arguments(arg) for arg in record.args)
    try:
        message = record.getMessage()
    except Exception:  # a bad format string must not lose the record; log its raw text instead
        message = f"{record.msg!s} {record.args!r}"
    record.msg, record.args = redactor.redact(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        # The formatted text is kept; dropping the live exception stops a handler re-rendering it unredacted.
        scrubbed, record.exc_info = redactor.redact(record.exc_text), None
        record.__class__ = _ScrubbedRecord
        record.exc_text = scrubbed
    if record.stack_info:
        record.stack_info = redactor.redact(record.stack_info)


def _without_call_arguments(argument: Any) -> Any:
    """aiosqlite logs each database call as a functools.partial, whose repr carries the SQL parameters (link
    refs, encrypted keys): keep the function and the SQL, drop the parameters."""
    if not isinstance(argument, functools.partial):
        return argument
    function = getattr(argument.func, "__qualname__", type(argument.func).__name__)
    shown = [repr(part) for part in argument.args if isinstance(part, str)][:1]  # the SQL
    if any(part for part in argument.args if not isinstance(part, str)) or argument.keywords:
        shown.append("<parameters not logged>")
    return f"{function}({', '.join(shown)})"


class _ScrubbedRecord(logging.LogRecord):
    """A record whose redacted traceback cannot be cleared: discord.py's colour formatter sets exc_text to None
    after printing it, which used to drop the traceback for every handler after it."""

    @property
    def exc_text(self) -> str | None:
        return self.__dict__.get("_scrubbed_exc_text")

    @exc_text.setter
    def exc_text(self, text: str | None) -> None:
        if text is not None:
            self.__dict__["_scrubbed_exc_text"] = text


_FORMAT = "[{asctime}] [{levelname:<8}] {name}: {message}"
_COLOURED_FORMAT = "\x1b[30;1m{asctime}\x1b[0m {colour}{levelname:<8}\x1b[0m \x1b[35m{name}\x1b[0m {message}"
_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
_LEVEL_COLOURS = {logging.DEBUG: "\x1b[40;1m", logging.INFO: "\x1b[34;1m", logging.WARNING: "\x1b[33;1m",
                  logging.ERROR: "\x1b[31m", logging.CRITICAL: "\x1b[41m"}


class _SecondsFormatter(logging.Formatter):
    """A formatter whose timestamps have whole seconds: each second's text is made once, not once per line."""

    _second: int | None = None
    _text = ""

    def usesTime(self) -> bool:
        return True  # both formats show {asctime}; logging would search the format for it on every line

    def formatMessage(self, record: logging.LogRecord) -> str:
        # The same text as logging's str.format(**record.__dict__), without first copying every attribute of the
        # record into a new dict, on every line.
        return self._fmt.format_map(record.__dict__)  # type: ignore[union-attr]

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        second = int(record.created)
        if second != self._second:
            self._second, self._text = second, super().formatTime(record, datefmt)
        return self._text


class ConsoleFormatter(_SecondsFormatter):
    """discord.py's console format, coloured or plain; unlike discord.py's own, it never changes the record."""

    def __init__(self, *, colour: bool):
        super().__init__(_FORMAT, _DATE_FORMAT, style="{")
        self._by_level = {
            level: _SecondsFormatter(_COLOURED_FORMAT.replace("{colour}", code), _DATE_FORMAT, style="{")
            for level, code in _LEVEL_COLOURS.items()
        } if colour else {}

    def format(self, record: logging.LogRecord) -> str:
        coloured = self._by_level.get(record.levelno)
        return coloured.format(record) if coloured else super().format(record)


def wants_colour(stream: TextIO) -> bool:
    """Colour for a person at a terminal only: not in a pipe, a file, journald or `docker logs`, and never when
    NO_COLOR is set (https://no-color.org) or the terminal is dumb."""
    is_terminal = hasattr(stream, "isatty") and stream.isatty()
    return is_terminal and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def quiet_voice_warnings() -> None:
    """The bot never joins a voice channel: discord.py's warnings that the voice libraries (PyNaCl, davey) are
    missing would only worry the self-hoster at every start."""
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False


def skip_unused_record_details() -> None:
    """The format shows none of a record's source file and line, thread or process, so they are not collected:
    every record would otherwise walk the call stack and ask for them (the logging HOWTO's "Optimization")."""
    logging._srcfile = None  # the documented switch for the caller's file and line
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


def setup_logging(level: str, secrets: Iterable[str], stream: TextIO | None = None) -> logging.Handler:
    """Console logging at `level` on stderr (or `stream`), with redaction installed first."""
    install_redaction(SecretRedactor(secrets))
    quiet_voice_warnings()
    skip_unused_record_details()
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(ConsoleFormatter(colour=wants_colour(handler.stream)))
    root = logging.getLogger()
    root.setLevel(getattr(logging, level))
    root.addHandler(handler)
    return handler
