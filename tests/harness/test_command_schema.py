"""Every application command the bot registers is one Discord would accept."""

import re
from pathlib import Path

import pytest

from cli import export_command_payloads

CHAT_INPUT, USER, MESSAGE = 1, 2, 3
STRING, INTEGER, NUMBER = 3, 4, 10


def valid_name(name: str, *, context_menu: bool) -> bool:
    if not 1 <= len(name) <= 32:
        return False
    if context_menu:  # menu names may have capitals and spaces
        return name.strip() == name
    return name == name.lower() and all(ch.isalnum() or ch in "-_" for ch in name)


def check_options(options: list[dict], where: str) -> None:
    assert len(options) <= 25, f"{where}: more than 25 options"
    names = [option["name"] for option in options]
    assert len(names) == len(set(names)), f"{where}: duplicate option names"
    seen_optional = False
    for option in options:
        label = f"{where} {option['name']}"
        assert valid_name(option["name"], context_menu=False), f"{label}: bad option name"
        assert 1 <= len(option["description"]) <= 100, f"{label}: description length"
        if option["type"] in (1, 2):
            check_options(option.get("options", []), label)
            continue
        if option.get("required"):
            assert not seen_optional, f"{label}: a required option after an optional one"
        else:
            seen_optional = True
        choices = option.get("choices") or []
        assert len(choices) <= 25, f"{label}: more than 25 choices"
        assert not (choices and option.get("autocomplete")), f"{label}: choices and autocomplete together"
        if option["type"] in (INTEGER, NUMBER):
            low, high = option.get("min_value"), option.get("max_value")
            assert low is None or high is None or low <= high, f"{label}: min_value > max_value"
        if option["type"] == STRING:
            low, high = option.get("min_length", 0), option.get("max_length", 6000)
            assert 0 <= low <= high <= 6000, f"{label}: length limits"


@pytest.fixture
async def payloads():
    return await export_command_payloads()


async def test_every_command_payload_is_valid_for_discord(payloads):
    assert payloads, "the bot registers no commands"
    assert len(payloads) <= 100
    seen = set()
    for command in payloads:
        kind = command.get("type", CHAT_INPUT)
        assert (command["name"], kind) not in seen, f"duplicate command {command['name']}"
        seen.add((command["name"], kind))
        assert valid_name(command["name"], context_menu=kind != CHAT_INPUT), f"bad command name {command['name']}"
        if kind == CHAT_INPUT:
            assert 1 <= len(command["description"]) <= 100, f"/{command['name']}: description length"
            check_options(command.get("options", []), f"/{command['name']}")
        else:
            assert command.get("description", "") == "", f"{command['name']}: menus have no description"


async def test_the_readme_says_where_each_command_works_as_it_is_registered(payloads):
    """The README's table of installs and contexts is what `sync` registers, for every command."""
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    header = "| command | server install | user install | servers | DM with the bot | group DMs, other DMs |"
    rows = readme[readme.index(header):].split("\n\n")[0].splitlines()[2:]
    said: dict[str, tuple[list[int], list[int]]] = {}
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        yes = [cell == "yes" for cell in cells[1:]]
        installs = [kind for kind, on in zip((0, 1), yes[:2], strict=True) if on]
        contexts = [kind for kind, on in zip((0, 1, 2), yes[2:], strict=True) if on]
        for name in re.findall(r"`/([\w-]+)[^`]*`|\*\*Apps → (\w+)\*\*", cells[0]):
            said[name[0] or name[1]] = (installs, contexts)
    registered = {p["name"]: (p["integration_types"], p["contexts"]) for p in payloads}
    assert said == registered
