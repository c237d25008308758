"""What the bot sent, as a member would see it: messages, embeds, buttons, modals, autocomplete choices.

The fake Discord stores every message as the JSON discord.py sent; these classes read that JSON the way the
Discord client renders it, so tests assert on what the user sees rather than on discord.py objects.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

EPHEMERAL_FLAG = 1 << 6
LOADING_FLAG = 1 << 7
BUTTON_STYLES = {1: "primary", 2: "secondary", 3: "success", 4: "danger", 5: "link", 6: "premium"}
# Component types.
ACTION_ROW, BUTTON, STRING_SELECT, TEXT_INPUT, LABEL = 1, 2, 3, 4, 18


@dataclass(frozen=True)
class EmbedView:
    data: dict[str, Any]

    @property
    def title(self) -> str | None:
        return self.data.get("title")

    @property
    def description(self) -> str | None:
        return self.data.get("description")

    @property
    def url(self) -> str | None:
        return self.data.get("url")

    @property
    def color(self) -> int | None:
        return self.data.get("color")

    @property
    def footer(self) -> str | None:
        return (self.data.get("footer") or {}).get("text")

    @property
    def author(self) -> str | None:
        return (self.data.get("author") or {}).get("name")

    @property
    def fields(self) -> list[tuple[str, str]]:
        return [(item["name"], item["value"]) for item in self.data.get("fields", [])]

    def field(self, name: str) -> str:
        """The value of the field called `name` (KeyError names the fields that exist)."""
        for field_name, value in self.fields:
            if field_name == name:
                return value
        raise KeyError(f"no embed field {name!r}; fields are {[n for n, _ in self.fields]}")

    @property
    def text(self) -> str:
        parts = [self.author, self.title, self.description]
        parts += [f"{name}: {value}" for name, value in self.fields]
        parts.append(self.footer)
        return "\n".join(part for part in parts if part)


@dataclass(frozen=True)
class ButtonView:
    label: str | None
    style: str
    custom_id: str | None
    url: str | None
    disabled: bool
    emoji: str | None


@dataclass(frozen=True)
class SelectView:
    custom_id: str
    placeholder: str | None
    options: list[dict[str, Any]]
    disabled: bool


@dataclass(frozen=True)
class SentFile:
    filename: str
    content: bytes
    content_type: str | None

    @property
    def text(self) -> str:
        return self.content.decode("utf-8")


@dataclass
class SentMessage:
    """A message the bot posted, kept up to date as the bot edits it; `versions` holds earlier states."""

    id: int
    channel_id: int
    data: dict[str, Any]
    files: list[SentFile] = field(default_factory=list)
    dm_user_id: int | None = None
    deleted: bool = False
    versions: list[dict[str, Any]] = field(default_factory=list)

    # -- what the user sees --------------------------------------------------------------------------------

    @property
    def content(self) -> str:
        return self.data.get("content") or ""

    @property
    def flags(self) -> int:
        return int(self.data.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL_FLAG)

    @property
    def loading(self) -> bool:
        """True while this is a deferred response's 'Bot is thinking…' placeholder."""
        return bool(self.flags & LOADING_FLAG)

    @property
    def embeds(self) -> list[EmbedView]:
        return [EmbedView(embed) for embed in self.data.get("embeds") or []]

    @property
    def embed(self) -> EmbedView:
        """The only embed (fails if there is not exactly one)."""
        embeds = self.embeds
        assert len(embeds) == 1, f"expected one embed, found {len(embeds)}: {[e.title for e in embeds]}"
        return embeds[0]

    @property
    def buttons(self) -> list[ButtonView]:
        return [
            ButtonView(
                label=item.get("label"),
                style=BUTTON_STYLES.get(item.get("style", 2), str(item.get("style"))),
                custom_id=item.get("custom_id"),
                url=item.get("url"),
                disabled=bool(item.get("disabled", False)),
                emoji=(item.get("emoji") or {}).get("name"),
            )
            for item in _walk_components(self.data.get("components") or [])
            if item.get("type") == BUTTON
        ]

    def button(self, label: str) -> ButtonView:
        matches = [button for button in self.buttons if button.label == label]
        if not matches:
            raise LookupError(f"no button labelled {label!r}; buttons are {[b.label for b in self.buttons]}")
        return matches[0]

    @property
    def selects(self) -> list[SelectView]:
        return [
            SelectView(item["custom_id"], item.get("placeholder"), item.get("options", []),
                       bool(item.get("disabled", False)))
            for item in _walk_components(self.data.get("components") or [])
            if item.get("type") == STRING_SELECT
        ]

    @property
    def text(self) -> str:
        """Everything readable in the message: content, then each embed's text."""
        return "\n".join(part for part in [self.content, *(embed.text for embed in self.embeds)] if part)

    # -- bookkeeping for the fake Discord -----------------------------------------------------------------

    def apply_edit(self, changes: dict[str, Any], files: list[SentFile] | None = None) -> None:
        self.versions.append(copy.deepcopy(self.data))
        for key in ("content", "embeds", "components", "attachments", "allowed_mentions"):
            if key in changes:
                self.data[key] = changes[key]
        if "flags" in changes and changes["flags"] is not None:
            # Only the ephemeral bit survives an edit; the loading bit clears once content arrives.
            self.data["flags"] = (self.flags & EPHEMERAL_FLAG) | (int(changes["flags"]) & ~LOADING_FLAG)
        else:
            self.data["flags"] = self.flags & ~LOADING_FLAG
        if files:
            self.files = list(files)
        elif "attachments" in changes and not changes["attachments"]:
            self.files = []

    def __repr__(self) -> str:
        kind = "ephemeral " if self.ephemeral else ""
        return f"<SentMessage {kind}id={self.id} text={self.text[:80]!r} buttons={[b.label for b in self.buttons]}>"


@dataclass(frozen=True)
class ModalView:
    custom_id: str
    title: str
    inputs: list[dict[str, Any]]
    layout: list[dict[str, Any]]

    @property
    def labels(self) -> list[str | None]:
        return [item.get("label") for item in self.inputs]


@dataclass
class InteractionOutcome:
    """Everything that happened in answer to one interaction, in the order it happened."""

    interaction_id: int
    token: str
    kind: str
    response_type: int | None = None
    message: SentMessage | None = None  # the original response, or the message a component updated
    followups: list[SentMessage] = field(default_factory=list)
    modal: ModalView | None = None
    choices: list[dict[str, Any]] | None = None
    responded_late: bool = False
    dispatched_at: float = 0.0                 # time.perf_counter() when Discord delivered the interaction
    first_response_at: float | None = None     # … and when the bot's first answer (or defer) arrived
    answered_at: float | None = None           # … and when the member first saw content, not "thinking…"

    @property
    def seconds_to_first_response(self) -> float | None:
        return None if self.first_response_at is None else self.first_response_at - self.dispatched_at

    @property
    def seconds_to_answer(self) -> float | None:
        """Until the member could read something: the first response unless it was the "thinking…"
        placeholder, in which case the followup (or edit) that replaced it."""
        return None if self.answered_at is None else self.answered_at - self.dispatched_at

    @property
    def responded(self) -> bool:
        return self.response_type is not None

    @property
    def deferred(self) -> bool:
        return self.response_type in (5, 6)

    @property
    def messages(self) -> list[SentMessage]:
        return ([self.message] if self.message is not None else []) + self.followups

    @property
    def last(self) -> SentMessage:
        """The most recent message this interaction produced (a followup if any, else the original)."""
        messages = self.messages
        assert messages, f"the bot sent no message for this {self.kind} (response type {self.response_type})"
        return messages[-1]

    @property
    def ephemeral(self) -> bool:
        return self.last.ephemeral

    @property
    def text(self) -> str:
        return self.last.text

    @property
    def content(self) -> str:
        return self.last.content

    @property
    def embed(self) -> EmbedView:
        return self.last.embed

    @property
    def buttons(self) -> list[ButtonView]:
        return self.last.buttons


def _walk_components(components: list[dict[str, Any]]):
    for component in components:
        yield component
        yield from _walk_components(component.get("components") or [])
        if isinstance(component.get("component"), dict):
            yield from _walk_components([component["component"]])
