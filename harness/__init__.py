"""A fake Discord for driving the real bot in tests and in the demo console (see driver.py)."""

from .driver import FakeDiscord
from .fake_api import FakeDiscordAPI, HarnessError
from .messages import ButtonView, EmbedView, InteractionOutcome, ModalView, SentFile, SentMessage
from .payloads import FakeUser

__all__ = [
    "ButtonView",
    "EmbedView",
    "FakeDiscord",
    "FakeDiscordAPI",
    "FakeUser",
    "HarnessError",
    "InteractionOutcome",
    "ModalView",
    "SentFile",
    "SentMessage",
]
