"""Discord's length limits, checked the way Discord checks them: a message, modal or list of choices that
breaks one is refused whole (400, code 50035 "Invalid Form Body"), so a bot that sends one fails in tests as
it would for a member.

Kept apart from the bot's own copy of these numbers (cogs/limits.py) on purpose: this is Discord's side.
"""

from __future__ import annotations

from typing import Any

INVALID_FORM_BODY = 50035

CONTENT = 2000
EMBEDS = 10
EMBED_TEXTS = {"title": 256, "description": 4096}
FIELDS, FIELD_NAME, FIELD_VALUE = 25, 256, 1024
FOOTER, AUTHOR = 2048, 256
EMBED_TOTAL = 6000  # per message, over all its embeds
BUTTON_LABEL = 80
SELECT_OPTION_LABEL, SELECT_OPTION_VALUE, SELECT_PLACEHOLDER = 100, 100, 150
MODAL_TITLE, TEXT_INPUT_LABEL, TEXT_INPUT_PLACEHOLDER = 45, 45, 100
CHOICES, CHOICE_NAME, CHOICE_VALUE = 25, 100, 100
BUTTON, STRING_SELECT, TEXT_INPUT, LABEL = 2, 3, 4, 18


def message_problems(body: Any) -> list[str]:
    """What Discord would refuse in a message body (a new message, an edit, a followup)."""
    if not isinstance(body, dict):
        return []
    problems = _too_long("content", body.get("content"), CONTENT)
    embeds = body.get("embeds") or []
    if len(embeds) > EMBEDS:
        problems.append(f"{len(embeds)} embeds (at most {EMBEDS})")
    total = 0
    for number, embed in enumerate(embeds):
        for where, text, limit in _embed_texts(embed):
            total += len(text)
            if len(text) > limit:
                problems += _too_long(f"embeds[{number}].{_place(where)}", text, limit)
        if len(embed.get("fields") or []) > FIELDS:
            problems.append(f"embeds[{number}] has {len(embed['fields'])} fields (at most {FIELDS})")
    if total > EMBED_TOTAL:
        problems.append(f"the embeds hold {total} characters (at most {EMBED_TOTAL} in one message)")
    components = body.get("components")
    return problems + component_problems(components) if components else problems


def component_problems(components: list[dict[str, Any]], where: str = "components") -> list[str]:
    problems: list[str] = []
    for number, component in enumerate(components):
        place = f"{where}[{number}]"
        kind = component.get("type")
        if kind == BUTTON:
            problems += _too_long(f"{place}.label", component.get("label"), BUTTON_LABEL)
        if kind == STRING_SELECT:
            problems += _too_long(f"{place}.placeholder", component.get("placeholder"), SELECT_PLACEHOLDER)
            for index, option in enumerate(component.get("options") or []):
                problems += _too_long(f"{place}.options[{index}].label", option.get("label"), SELECT_OPTION_LABEL)
                problems += _too_long(f"{place}.options[{index}].value", option.get("value"), SELECT_OPTION_VALUE)
        if kind == TEXT_INPUT:
            problems += _too_long(f"{place}.placeholder", component.get("placeholder"), TEXT_INPUT_PLACEHOLDER)
        if kind in (TEXT_INPUT, LABEL):
            problems += _too_long(f"{place}.label", component.get("label"), TEXT_INPUT_LABEL)
        problems += component_problems(component.get("components") or [], f"{place}.components")
        if isinstance(component.get("component"), dict):
            problems += component_problems([component["component"]], f"{place}.component")
    return problems


def modal_problems(data: dict[str, Any]) -> list[str]:
    return _too_long("title", data.get("title"), MODAL_TITLE) + component_problems(data.get("components") or [])


def choice_problems(choices: list[dict[str, Any]]) -> list[str]:
    problems = [f"{len(choices)} choices (at most {CHOICES})"] if len(choices) > CHOICES else []
    for number, choice in enumerate(choices):
        problems += _too_long(f"choices[{number}].name", choice.get("name"), CHOICE_NAME)
        if isinstance(choice.get("value"), str):
            problems += _too_long(f"choices[{number}].value", choice["value"], CHOICE_VALUE)
    return problems


# Where a text stands in an embed: its key ("title", "footer.text"), or a field's number and "name" or "value". The
# words "fields[0].name" are made only for a problem: the fake Discord checks every message the bot sends, and
# a benchmark's bot sending embeds should not pay for naming each text when its rival sends a line of content.
_Where = str | tuple[int, str]


def _embed_texts(embed: dict[str, Any]) -> list[tuple[_Where, str, int]]:
    texts: list[tuple[_Where, str, int]] = [(key, embed[key], limit) for key, limit in EMBED_TEXTS.items()
                                            if isinstance(embed.get(key), str)]
    for key, part, limit in (("footer", "text", FOOTER), ("author", "name", AUTHOR)):
        if isinstance((embed.get(key) or {}).get(part), str):
            texts.append((f"{key}.{part}", embed[key][part], limit))
    for number, field in enumerate(embed.get("fields") or []):
        texts += [((number, "name"), str(field.get("name", "")), FIELD_NAME),
                  ((number, "value"), str(field.get("value", "")), FIELD_VALUE)]
    return texts


def _place(where: _Where) -> str:
    return where if isinstance(where, str) else f"fields[{where[0]}].{where[1]}"


def _too_long(where: str, text: Any, limit: int) -> list[str]:
    if isinstance(text, str) and len(text) > limit:
        return [f"{where} is {len(text)} characters long (at most {limit})"]
    return []
