"""/balance one at a time, in paired rounds: each round the same member asks the bot and the naive cog, in an
order that alternates, so drift in the machine's load hits both series alike."""

from __future__ import annotations

from dataclasses import dataclass

from .contender import Contender, showed_balance
from .stats import percentile

WARMUP_ROUNDS = 20


@dataclass(frozen=True)
class SequentialFigures:
    bot_answers: list[float]    # dispatch → the member sees the balance
    naive_answers: list[float]

    def bot(self, fraction: float) -> float:
        return percentile(self.bot_answers, fraction)

    def naive(self, fraction: float) -> float:
        return percentile(self.naive_answers, fraction)


async def paired_rounds(bot: Contender, naive: Contender, rounds: int) -> SequentialFigures:
    answers: dict[str, list[float]] = {bot.name: [], naive.name: []}
    for round_number in range(WARMUP_ROUNDS + rounds):
        index = round_number % len(bot.users)
        pair = [(bot, bot.users[index]), (naive, naive.users[index])]
        for contender, user in pair if round_number % 2 == 0 else reversed(pair):
            outcome = await contender.balance(user)
            if not showed_balance(outcome) or outcome.seconds_to_answer is None:
                raise RuntimeError(f"{contender.name}: /balance showed no balance: {outcome.messages}")
            if round_number >= WARMUP_ROUNDS:
                answers[contender.name].append(outcome.seconds_to_answer)
    return SequentialFigures(answers[bot.name], answers[naive.name])
