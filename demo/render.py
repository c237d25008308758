"""Messages as a console shows them: embeds as titled blocks, buttons as labels, private messages marked,
mentions and Discord timestamps made readable."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from harness import LOADING_FLAG, SentMessage

_MENTION = re.compile(r"<@!?(\d+)>")
_TIMESTAMP = re.compile(r"<t:(-?\d+)(?::([tTdDfFR]))?>")


def humanize(text: str, name_of: Callable[[int], str], now: datetime | None = None) -> str:
    """'<@1001>' → '@alice'; '<t:…:R>' → 'in 30 minutes'; other timestamps → local date and time."""
    now = now or datetime.now(UTC)

    def timestamp(match: re.Match[str]) -> str:
        moment = datetime.fromtimestamp(int(match[1]), UTC)
        if match[2] == "R":
            return _relative(moment - now)
        return moment.astimezone().strftime("%Y-%m-%d %H:%M")

    text = _MENTION.sub(lambda match: "@" + name_of(int(match[1])), text)
    return _TIMESTAMP.sub(timestamp, text).replace("**", "")


def _relative(delta) -> str:
    seconds = int(delta.total_seconds())
    amount, unit = abs(seconds), "second"
    for size, name in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if abs(seconds) >= size:
            # Rounded like Discord's client: a link made a moment ago for 30 minutes reads "in 30 minutes".
            amount, unit = round(abs(seconds) / size), name
            break
    words = f"{amount} {unit}{'s' if amount != 1 else ''}"
    return f"in {words}" if seconds >= 0 else f"{words} ago"


def render(message: SentMessage, name_of: Callable[[int], str], *, where: str) -> str:
    # A deferred answer replaces its "thinking…" placeholder: that is not an edit the member would notice.
    edited = any(not version.get("flags", 0) & LOADING_FLAG for version in message.versions)
    lines = [f"── {where}{' · only you can see this' if message.ephemeral else ''}{' · edited' if edited else ''}"]
    if message.loading:
        lines.append("   (the bot is thinking…)")
    if message.content:
        lines += [f"   {line}" for line in humanize(message.content, name_of).splitlines()]
    for embed in message.embeds:
        lines.append(f"   ┌ {humanize(embed.title or '', name_of)}")
        if embed.description:
            lines += [f"   │ {line}" for line in humanize(embed.description, name_of).splitlines()]
        for name, value in embed.fields:
            lines.append(f"   │ {name}: {humanize(value, name_of)}")
        if embed.footer:
            lines.append(f"   └ {embed.footer}")
        else:
            lines.append("   └")
    for file in message.files:
        lines.append(f"   📎 {file.filename} ({len(file.content)} bytes)")
    buttons = [f"[{b.label}{' ↗ ' + b.url if b.url else ''}]{' (disabled)' if b.disabled else ''}"
               for b in message.buttons]
    if buttons:
        lines.append("   " + " ".join(buttons))
    return "\n".join(lines)
