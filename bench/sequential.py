"""/balance one at a time, in paired rounds: each round the same member asks every contender (the bot on each
database, and the naive cog), in an order that changes from round to round, so drift in the machine's load hits
every series alike."""

from __future__ import annotations

from itertools import cycle, islice, permutations

from .contender import Contender, showed_balance

WARMUP_ROUNDS = 20


async def paired_rounds(contenders: list[Contender], rounds: int) -> dict[str, list[float]]:
    """Dispatch → the member sees the balance, by contender name (warm-up rounds left out)."""
    answers: dict[str, list[float]] = {contender.name: [] for contender in contenders}
    # Every order in turn: each contender goes first (and follows each other one) equally often. With two
    # contenders this is plain alternation.
    orders = islice(cycle(permutations(contenders)), WARMUP_ROUNDS + rounds)
    for round_number, order in enumerate(orders):
        index = round_number % len(contenders[0].users)
        for contender in order:
            outcome = await contender.balance(contender.users[index])
            if not showed_balance(outcome) or outcome.seconds_to_answer is None:
                raise RuntimeError(f"{contender.name}: /balance showed no balance: {outcome.messages}")
            if round_number >= WARMUP_ROUNDS:
                answers[contender.name].append(outcome.seconds_to_answer)
    return answers
