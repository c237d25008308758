"""A fake Discord for driving the real bot in tests and in the demo console (see driver.py)."""

from .driver import FakeDiscord
from .fake_api import FakeDiscordAPI, HarnessError
from .messages import LOADING_FLAG, ButtonView, EmbedView, InteractionOutcome, ModalView, SentFile, SentMessage
from .payloads import FakeUser

__all__ = [
    "LOADING_FLAG",
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
