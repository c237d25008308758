import logging

import pytest

_DETAILS = ("_srcfile", "logThreads", "logProcesses", "logMultiprocessing")


@pytest.fixture(autouse=True)
def record_details_restored():
    """setup_logging switches off what the bot's format never shows and sets the root logger's level; later
    tests (in the same worker) keep pytest's file and line in their reports, and see only the records their
    own logging levels let through (tests/bot/test_lifecycle.py counts INFO lines)."""
    saved = {name: getattr(logging, name) for name in _DETAILS}
    root_level = logging.getLogger().level
    yield
    for name, value in saved.items():
        setattr(logging, name, value)
    logging.getLogger().setLevel(root_level)
