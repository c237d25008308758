"""A demo session driven in-process, and reading what it printed the way a person reads it."""

from __future__ import annotations

import io
import re
from pathlib import Path

from demo.console import read_lines
from demo.dispatch import DemoConsole
from demo.terminal import Terminal
from harness import FakeDiscord
from sandbox import Sandbox

# What a person must never be shown: Python's or the harness's insides.
INSIDES = re.compile(r"\b\w*(Error|Exception)\b|Traceback|discord\.user\(|[Hh]arness|\[\]|\['|“”")


class Session:
    """Type lines into the console and read what it printed for them (prompts and echoed lines included)."""

    def __init__(self, console: DemoConsole, out: io.StringIO):
        self.console, self.out = console, out
        self._read = 0

    @classmethod
    def on(cls, discord: FakeDiscord, sandbox: Sandbox, folder: Path, members: dict[str, int]) -> Session:
        """A console on the test's own bot and sandbox (not the demo's), with piped input."""
        out = io.StringIO()
        console = DemoConsole(discord, sandbox, Terminal(out, echo_input=True), files_folder=folder, members=members)
        return cls(console, out)

    async def type(self, *lines: str) -> str:
        await read_lines(self.console, io.StringIO("".join(line + "\n" for line in lines)))
        return self.printed()

    async def link(self) -> str:
        """The current member links their account the short way."""
        return await self.type("/link-account", "grant", "press I've granted access")

    def printed(self) -> str:
        text = self.out.getvalue()[self._read:]
        self._read += len(text)
        return text


def assert_in_order(output: str, expected_in_order: list[str]) -> None:
    position = 0
    for text in expected_in_order:
        found = output.find(text, position)
        assert found >= 0, f"missing (in order) {text!r} in:\n{output[position:]}"
        position = found + len(text)


def assert_plain_words(output: str) -> None:
    found = INSIDES.search(output)
    assert found is None, f"the console showed {found[0]!r}:\n{output}"
