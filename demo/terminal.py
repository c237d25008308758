"""The console's screen: a prompt, what was typed, and what the bot says, each on its own lines.

Piped input is echoed after its prompt, so a transcript reads like the session a person would see. Output
that arrives while the prompt waits (the bot acting on its own) starts on a fresh line, never after the
prompt, and the prompt is shown again below it.
"""

from __future__ import annotations

from typing import TextIO


class Terminal:
    def __init__(self, out: TextIO, *, echo_input: bool):
        self.out = out
        self.echo_input = echo_input  # input is not a keyboard: show each line as if typed
        self.prompt_text = "> "
        self.prompt_open = False  # the prompt is the last thing on screen, the cursor right after it

    def say(self, text: str) -> None:
        if self.prompt_open:
            self._write("\n")  # leave the prompt's line before the bot speaks
            self.prompt_open = False
        self._write(text + "\n")

    def prompt(self, text: str) -> None:
        self.prompt_text = text
        self._write(f"\n{text}")
        self.prompt_open = True

    def prompt_again(self) -> None:
        self.prompt(self.prompt_text)

    def typed(self, line: str) -> None:
        """A line was read at the prompt (the person's Enter already ended the prompt's line, if typed)."""
        if self.echo_input and self.prompt_open:
            self._write(line.rstrip("\r\n") + "\n")
        self.prompt_open = False

    def end(self) -> None:
        """The input ended: leave the prompt's line so the shell's own prompt starts on a fresh one."""
        if self.prompt_open:
            self._write("\n")
            self.prompt_open = False

    def _write(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()
