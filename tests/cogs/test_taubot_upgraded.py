"""The operator upgrades Taubot under the running bot (v2 to v2.1 at the same address): the bot notices from the
first answer in the other dialect's shape, says so in the log and carries on in the new dialect; members whose
links were made before the upgrade are told to link again. Linking needs the new server's master key (v2.1's keys
look different), which the host is told about, and works as soon as it is in the settings."""

import logging
import uuid
from dataclasses import replace

from bot import TaubotBot
from sandbox import Sandbox
from tests.conftest import ON_V2, ref_of

LINK_AGAIN = ("Taubot was upgraded since you linked, and links made before that no longer work. Run /link-account "
              "to link again.")


@ON_V2
async def test_an_upgrade_from_v2_to_v21_is_followed_and_old_links_are_told_to_link_again(discord, sandbox, people,
                                                                                         settings, timings, caplog):
    alice, bob = people.member("alice"), people.member("bob")
    await people.link(alice)
    await people.link(bob)
    port = sandbox.port
    await sandbox.stop()
    upgraded = Sandbox(seed="shared", dialect="v2.1")  # same address, new server: its own accounts and keys
    await upgraded.start(port=port)
    try:
        upgraded.create_account("Alice", owner_id=alice.id, balance=100_00)
        with caplog.at_level(logging.INFO, logger="taubot.dialect"):
            assert (await discord.run_command("balance", by=alice.user)).text == LINK_AGAIN
        assert any(message.startswith("Taubot now speaks v2.1 (was v2") for message in caplog.messages)
        assert (await discord.run_command("history", by=bob.user)).text == LINK_AGAIN
        assert (await discord.run_command("pay account", by=bob.user, amount="1", to="Treasury")).text == LINK_AGAIN

        asked = await discord.run_command("link-account", by=alice.user)
        started = await discord.press(asked.last, "Link a new grant", by=alice.user)
        assert started.last.content.startswith("The bot's Taubot credentials were rejected")  # the old master key
        (rejected,) = discord.logged_errors()
        assert "TAUBOT_MASTER_KEY" in rejected.getMessage()

        renewed = replace(settings, taubot_master_key=upgraded.master_key,
                          taubot_app_id=uuid.UUID(upgraded.application_id))
        await discord.restart(lambda: TaubotBot(renewed, background_tasks=False, timings=timings))
        asked = await discord.run_command("link-account", by=alice.user)
        await discord.press(asked.last, "Link a new grant", by=alice.user)
        dm = discord.last_dm(alice.user)
        assert "Pick your **personal account**" in dm.embed.description  # v2.1's page, explained
        assert upgraded.grant(ref_of(dm), alice.id)
        assert (await discord.press(dm, "I've granted access", by=alice.user)).text.startswith("Linked to Alice")
        assert (await discord.run_command("balance", by=alice.user)).embed.field("Balance") == "**100t**"
    finally:
        await upgraded.stop()
