"""What the money request tests share."""


async def ask(discord, requester, payer, amount="12.50", **options):
    """/request amount:… from:@payer …, as the requester types it."""
    return await discord.run_command("request", by=requester.user, amount=amount, **{"from": payer.user}, **options)


async def request_row(discord, request_id: int):
    return await discord.bot.storage.requests.get(request_id)


def request_id_of(dm) -> int:
    """The request a DM is about, from its title ("Money request #3")."""
    return int(dm.embed.title.split("#")[1].split(" ")[0])
