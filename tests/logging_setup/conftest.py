import logging

import pytest

_DETAILS = ("_srcfile", "logThreads", "logProcesses", "logMultiprocessing")


@pytest.fixture(autouse=True)
def record_details_restored():
    """setup_logging switches off what the bot's format never shows; later tests' failure reports (pytest shows
    each record's file and line) keep them."""
    saved = {name: getattr(logging, name) for name in _DETAILS}
    yield
    for name, value in saved.items():
        setattr(logging, name, value)
