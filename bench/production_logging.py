"""The bot's logging as `python bot.py run` sets it up (LOG_LEVEL=INFO: the redacting record factory, the real
formatter and handler), writing to a file instead of stderr, so every command pays for its log line as in
production.

One set-up per process, as in production: when the bench runs the bot on SQLite and on PostgreSQL side by side,
both write through the same handler, so neither command pays for a second handler's line.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from logging_setup import SecretRedactor, install_redaction, setup_logging


class ProductionLogging:
    def __init__(self, path: Path, level: str, secrets: Iterable[str]):
        self.path = path
        self._secrets = tuple(secrets)
        self._file: TextIO | None = self.path.open("a", encoding="utf-8")
        self._handler: logging.Handler | None = setup_logging(level, self._secrets, stream=self._file)

    def redact_also(self, secrets: Iterable[str]) -> None:
        """A second bot's secrets (its database password): redacted from every record from now on, as well."""
        self._secrets = tuple(dict.fromkeys((*self._secrets, *secrets)))
        install_redaction(SecretRedactor(self._secrets))

    def lines(self) -> int:
        """Lines logged so far (the per-interaction lines and anything else at the level or above)."""
        with self.path.open(encoding="utf-8") as written:
            return sum(1 for _ in written)

    def close(self) -> None:
        if self._handler is not None:
            logging.getLogger().removeHandler(self._handler)
            self._handler = None
        if self._file is not None:
            self._file.close()
            self._file = None
