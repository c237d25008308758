"""A demo session driven in-process: the real sandbox, bot and console, fed lines as if piped in."""

from __future__ import annotations

import io

import pytest

from demo.console import open_demo
from demo.terminal import Terminal

from .session import Session, assert_plain_words


@pytest.fixture
async def demo():
    """The demo as `python bot.py demo` builds it, with piped input; whatever the test typed, nothing printed
    may show Python's or the harness's insides."""
    out = io.StringIO()
    async with open_demo(Terminal(out, echo_input=True)) as console:
        yield Session(console, out)
    assert_plain_words(out.getvalue())
