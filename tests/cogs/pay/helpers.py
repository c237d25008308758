"""What the /pay tests share."""

import asyncio
import inspect

from tests.conftest import transfer_requests

CONFIRMATION = 1  # the confirmation is version 1 of its message; version 0 was the "thinking…" placeholder


def transfers(sandbox):
    """The transfers Taubot received (either dialect)."""
    return transfer_requests(sandbox)


def pay_cog(discord):
    return discord.bot.get_cog("Pay")


async def confirm(discord, reply, person):
    return await discord.press(reply.last, "Confirm", by=person.user)


async def until(condition):
    for _ in range(300):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("waited 3 s in vain")


async def confirm_while_sending(discord, sandbox, reply, person, meanwhile):
    """Press Confirm and, while the transfer is held up at Taubot (received, not yet applied), run `meanwhile`."""
    sent_before = len(transfers(sandbox))
    sandbox.delay(sandbox.route("transfer"), 0.3, times=1)
    pressing = asyncio.create_task(confirm(discord, reply, person))
    await until(lambda: len(transfers(sandbox)) > sent_before)
    result = meanwhile()
    if inspect.isawaitable(result):
        await result
    return await pressing


async def key_of(discord, person):
    return (await discord.bot.storage.grant_keys.get(person.id)).grant_key
