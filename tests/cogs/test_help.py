"""/help: a member's first minute, in one private message built from the real command tree."""

from cli import export_command_payloads

SUB_COMMAND = 1


def taubot_requests(sandbox):
    return [r for r in sandbox.requests if r.path.startswith("/api/")]


async def every_command_a_member_can_type() -> list[str]:
    """'/pay user', '/balance'…, and 'Apps → Pay', from what `sync` registers."""
    names = []
    for command in await export_command_payloads():
        if command["type"] != 1:
            names.append(f"Apps → {command['name']}")
            continue
        subs = [o["name"] for o in command.get("options", []) if o["type"] == SUB_COMMAND]
        names += [f"/{command['name']} {sub}" for sub in subs] or [f"/{command['name']}"]
    return names


async def test_help_explains_the_bot_in_one_private_message(discord, sandbox, people):
    alice = people.member("alice")
    reply = await discord.run_command("help", by=alice.user)
    assert reply.response_type == 4 and reply.ephemeral
    assert len(reply.messages) == 1 and reply.last.buttons == []
    embed = reply.embed
    assert embed.title == "Taubot for Discord"
    assert embed.description.startswith("I let you use your Taubot account here: see your balance, pay members and "
                                        "accounts, and read your history. Whatever I answer you, only you can see.\n"
                                        "You're not linked yet: start with /link-account.")
    for name in await every_command_a_member_can_type():
        assert name in embed.description, f"/help does not mention {name}"
    assert "`/pay user amount to [memo] [from]` Pay a member (into their personal account)" in embed.description
    assert "`/balance [account]` Show your Taubot balance, or an account's" in embed.description
    assert ("**Apps → Pay** (right-click a member) Pay that member, like /pay user, with the amount (and a memo) "
            "asked in a form.") in embed.description
    assert "I never see your password" in embed.field("Linking")
    assert embed.field("Spending limit").startswith(
        "On Taubot's page you also set a spending limit: the most I may spend for you in total through this link. "
        "It is in **cents**: 5000 allows 50t.")
    assert embed.field("Sharing a payment").startswith("A paid receipt has a **Share** button: I post a copy of it "
                                                       "in that channel for everyone to see")
    assert "`/notifications [paid-you]`" in embed.description
    assert taubot_requests(sandbox) == []  # the help costs Taubot nothing


async def test_help_knows_the_member_is_linked_and_what_a_limit_of_zero_means_here(discord, sandbox, people):
    alice = people.member("alice")
    await people.link(alice)  # the bot now knows this Taubot's version
    sandbox.clear_requests()
    reply = await discord.run_command("help", by=alice.user, in_dm=True)
    assert reply.ephemeral
    assert "You're linked to **Alice**; /link-status shows the details." in reply.embed.description
    zero = {"v2": "0 (where the page starts) blocks every payment.",
            "v2.1": "0, or an empty field, means no limit."}[sandbox.dialect]
    assert reply.embed.field("Spending limit").endswith(
        f"It is in **cents**: 5000 allows 50t. {zero} To change it, run /link-account again.")
    assert taubot_requests(sandbox) == []
