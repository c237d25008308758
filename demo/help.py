"""The console's help, built from the bot's command tree, and the answer to a line it doesn't understand."""

from __future__ import annotations

from taubot import format_amount

from .catalogue import Catalogue
from .words import closest, listed

# The console's own words, beside what a member types in Discord.
CONSOLE_WORDS = [
    ("press LABEL", "press a button on the newest message that has it, e.g. press confirm"),
    ("grant", "do your part on Taubot's grant page for your DM's link (both permissions, limit {limit})"),
    ("as NAME", "act as another member: {members}"),
    ("accounts", "every account in the local Taubot, with its owner and balance, and the members"),
    ("dms", "show your DMs again"),
    ("show csv", "a file the bot attached (/history export:yes), in full"),
    ("help /COMMAND", "what a command's options mean"),
    ("quit", "end the demo"),
]


def general_help(catalogue: Catalogue, members: list[str], spending_limit: int) -> str:
    rows = catalogue.help_rows()
    console = [(usage, text.format(limit=format_amount(spending_limit), members=listed(members, last="or")))
               for usage, text in CONSOLE_WORDS]
    width = max(len(usage) for usage, _ in rows + console)
    lines = ["Type what a member would do in Discord:"]
    lines += [f"  {usage.ljust(width)}  {text}" for usage, text in rows]
    examples = catalogue.examples()
    if examples:
        lines.append(f"  e.g. {' · '.join(examples)}")
    lines.append("  Options go in any order, by name (amount:5) or alone where it is clear; names need no quotes.")
    lines.append("And what happens around Discord:")
    lines += [f"  {usage.ljust(width)}  {text}" for usage, text in console]
    return "\n".join(lines)


def unknown_input(word: str, catalogue: Catalogue, console_words: list[str]) -> str:
    """A line starting with `word` that is no command: the likely one, and what can be typed."""
    folded = word.casefold()
    everything = [*(f"/{root}" for root in catalogue.roots),
                  *(f"{name.casefold()} @MEMBER" for name in catalogue.user_commands), *console_words, "quit"]
    choices = f"You can type {listed(everything, last='or')}"
    if folded in catalogue.slash or folded in catalogue.roots:
        return f"Slash commands start with /: did you mean /{folded}?"
    options = [*console_words, "quit", *(name.casefold() for name in catalogue.user_commands)]
    guess = closest(folded, options) or closest(folded, catalogue.roots)
    if guess is not None:
        shown = guess if guess in options else f"/{guess}"
        return f"The demo doesn't know “{word}”. Did you mean {shown}? {choices}."
    return f"The demo doesn't know “{word}”. {choices}."
