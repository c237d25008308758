"""A form (modal) the bot opened, filled in one typed line per field, as a member fills Discord's pop-up."""

from __future__ import annotations

from typing import Any

from harness import InteractionOutcome, ModalView

from .errors import InputError

CLOSE_WORD = "cancel"


class Form:
    def __init__(self, opened_by: InteractionOutcome, modal: ModalView):
        self.opened_by, self.modal = opened_by, modal
        self.values: dict[str, str] = {}  # custom_id → what was typed

    @property
    def intro(self) -> str:
        return (f"(The bot opened a form, “{self.modal.title}”. Type each field and press Enter; "
                f"{CLOSE_WORD} closes the form without sending anything.)")

    @property
    def field(self) -> dict[str, Any]:
        return self.modal.inputs[len(self.values)]

    @property
    def complete(self) -> bool:
        return len(self.values) == len(self.modal.inputs)

    def prompt(self) -> str:
        field = self.field
        notes = [] if field.get("required", True) else ["optional, Enter to skip"]
        if field.get("placeholder"):
            notes.append(f"e.g. {field['placeholder']}")
        notes_text = f" ({', '.join(notes)})" if notes else ""
        return f"{self.modal.title} · {_label(field)}{notes_text}> "

    def answer(self, line: str) -> None:
        """Fill the current field with `line`; InputError (the field stays open) when Discord would refuse it."""
        field, value = self.field, line.strip()
        if not value and field.get("required", True):
            raise InputError(f"{_label(field)} is required: type it, or {CLOSE_WORD} to close the form.")
        low, high = field.get("min_length", 0), field.get("max_length", 4000)
        if value and not low <= len(value) <= high:
            raise InputError(f"{_label(field)} takes {low}–{high} characters; that was {len(value)}.")
        self.values[field["custom_id"]] = value


def _label(field: dict[str, Any]) -> str:
    return field.get("label") or "This field"
