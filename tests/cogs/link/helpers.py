"""What the linking tests share."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

from storage import Storage
from tests.conftest import ref_of

# What the member reads when someone else's account ends up in their link: Taubot v2 says who granted a key,
# v2.1 only whether the key is bound to the member's personal account.
SOMEONE_ELSE = {
    "v2": "This link was completed from a different Discord account",
    "v2.1": "This link was completed for an account that isn't your personal account",
}


def key_check_route(sandbox) -> str:
    """The request with which the bot checks whose a new key is: v2's "who am I", v2.1's look-up of the
    member's personal account (followed by the binding probe)."""
    return sandbox.route(_key_check(sandbox))


def key_check_in_progress(sandbox):
    """A condition: Taubot has received a key check (key_check_route) and not answered it yet."""
    return lambda: any(record.status == 0 for record in sandbox.requests_to(_key_check(sandbox)))


def _key_check(sandbox) -> str:
    return "my_account" if "my_account" in sandbox.server.api.routes else "user_account"


def link_cog(discord):
    return discord.bot.get_cog("Link")


def storage(discord):
    return discord.bot.storage


async def link_dm(discord, person):
    """The member runs /link-account; the DM it sends them."""
    await discord.run_command("link-account", by=person.user)
    return discord.last_dm(person.user)


async def granted_link(discord, sandbox, person):
    """/link-account, then the member grants access on Taubot's page; the DM, not yet pressed."""
    dm = await link_dm(discord, person)
    assert sandbox.grant(ref_of(dm), person.id)
    return dm


async def until(condition, *, within: float = 10.0) -> None:
    """Wait until `condition()` holds, e.g. the sandbox is busy answering a request: for `within` seconds of wall
    time (generous: a loaded machine can take seconds for what takes milliseconds alone)."""
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"the condition never held in {within:g} s")
        await asyncio.sleep(0.005)


def in_progress(sandbox, path: str):
    return lambda: any(r.path == path and r.status == 0 for r in sandbox.requests)


def pending_ref_on_disk(settings, user_id: int) -> str | None:
    """The user's pending ref as a second process would read it from the database file right now. Blocking, so
    synchronous hooks (the fake Discord's on_request) can look at what was committed before a request."""
    async def read() -> str | None:
        other = await Storage.open(settings.database, settings.key_encryption_key)
        try:
            link = await other.pending_links.for_user(user_id)
            return link.ref_id if link else None
        finally:
            await other.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, read()).result()


def server_message_text(discord) -> str:
    """Everything the bot showed outside DMs: every version, with button custom_ids and URLs."""
    return "\n".join(repr(data) for message in discord.api.messages.values() if message.dm_user_id is None
                     for data in [*message.versions, message.data])


def all_message_text(discord) -> str:
    """Everything the bot ever showed anyone, including earlier versions and button ids."""
    parts = []
    for message in discord.api.messages.values():
        for data in [*message.versions, message.data]:
            parts.append(repr(data))
    return "\n".join(parts)
