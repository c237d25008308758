"""What the side-by-side benchmarks drive: the bot or the naive cog, each behind its own fake Discord, with
the members it serves."""

from __future__ import annotations

from dataclasses import dataclass

from harness import FakeDiscord, FakeUser, InteractionOutcome

# Discord drops an interaction whose first response comes later than this.
DISCORD_WINDOW_SECONDS = 3.0


@dataclass
class Contender:
    name: str
    discord: FakeDiscord
    users: list[FakeUser]

    async def balance(self, user: FakeUser) -> InteractionOutcome:
        return await self.discord.run_command("balance", by=user)

    def discord_requests(self) -> int:
        """Requests made to (fake) Discord so far: callbacks, followups, edits, DMs."""
        return len(self.discord.api.requests)


def showed_balance(outcome: InteractionOutcome) -> bool:
    """The member's last message shows a balance: the naive cog's line of content ("Balance: 12.50") or the bot's
    embed field "Balance". Read from the JSON as sent: rendering the bot's embed to text for every command would
    charge the bot harness work its rival's plain line does not cost."""
    if not outcome.messages:
        return False
    sent = outcome.last.data
    return "Balance" in (sent.get("content") or "") or any(
        field.get("name") == "Balance" for embed in sent.get("embeds") or () for field in embed.get("fields") or ())


def missed_window(outcome: InteractionOutcome) -> bool:
    """Discord showed "This interaction failed": no first response (answer or "thinking…") in time."""
    return not outcome.responded or outcome.responded_late


def take_errors(contenders: list[Contender]) -> int:
    """ERROR log records and requests Discord would reject since the last call. Every fake Discord's guard
    listens on the root logger, so each saw the same records: count once, clear them all."""
    counts = []
    for contender in contenders:
        problems, contender.discord.api.problems = contender.discord.api.problems, []
        counts.append(len(contender.discord.logged_errors()) + len(problems))
    return max(counts, default=0)
