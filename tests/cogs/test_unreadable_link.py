"""A stored grant key that cannot be decrypted (a copied database, rows swapped between members) locks nobody
out: the link is dropped, the member is told why on that same command, and settling payments skips it."""

import logging
from datetime import timedelta

from storage import PaymentStatus
from tests.cogs.pay.helpers import PAST_THE_LANDING_WINDOW, journaled_as_sent, pay_cog

DROPPED = ("I couldn't read your stored Taubot link (the bot's database was copied or damaged), so I dropped it. "
           "Run /link-account to link again.")


async def swap_keys(storage, first, second) -> None:
    """What restoring rows into the wrong members does: each ciphertext is bound to its own member."""
    sql = "SELECT encrypted_grant_key FROM linked_accounts WHERE discord_user_id = ?"
    ciphertexts = [(await storage.database.fetch_one(sql, (person.id,)))[0] for person in (first, second)]
    for person, ciphertext in zip((first, second), reversed(ciphertexts), strict=True):
        await storage.database.execute("UPDATE linked_accounts SET encrypted_grant_key = ? WHERE discord_user_id = ?",
                                       (ciphertext, person.id))


async def test_unlink_and_link_still_work_and_say_why_the_old_link_was_dropped(discord, sandbox, people, caplog):
    alice, bob = people.member("alice"), people.member("bob")
    await people.link(alice)
    await people.link(bob)
    await swap_keys(discord.bot.storage, alice, bob)

    with caplog.at_level(logging.WARNING, logger="taubot_bot.storage"):
        unlinked = await discord.run_command("unlink-account", by=alice.user)
    assert unlinked.messages[0].text.startswith("You have no linked Taubot account")
    assert unlinked.followups[-1].text == DROPPED and unlinked.followups[-1].ephemeral
    (line,) = [r.getMessage() for r in caplog.records if r.name == "taubot_bot.storage"]
    assert line.startswith(f"The stored grant key of user {alice.id} cannot be decrypted")

    linking = await discord.run_command("link-account", by=bob.user)  # Bob's turn: linking works at once
    assert linking.followups[-1].text == DROPPED
    assert discord.last_dm(bob.user).buttons  # the grant link, as for anyone linking
    await people.link(alice)
    assert (await discord.run_command("balance", by=alice.user)).text.count("Balance") == 1


async def test_settling_skips_a_payer_whose_key_cannot_be_read(discord, sandbox, people, clock, caplog):
    alice, bob = people.member("alice"), people.member("bob")
    await people.link(alice)
    await people.link(bob)
    row = await journaled_as_sent(discord, sandbox, alice, bob, 2_00, taubot_applies=True)
    await swap_keys(discord.bot.storage, alice, bob)
    clock.ahead = PAST_THE_LANDING_WINDOW
    with caplog.at_level(logging.INFO):
        for _ in range(3):
            await pay_cog(discord).reconcile_pending()
    assert (await discord.bot.storage.payments.get(row.id)).status is PaymentStatus.UNKNOWN  # kept for a relink
    drops = [r for r in caplog.records if "cannot be decrypted" in r.getMessage()]
    assert [r.getMessage().split(" cannot")[0] for r in drops] == [f"The stored grant key of user {alice.id}"]
    assert discord.last_dm(alice.user).content.startswith("I restarted while sending your payment of 2t to Bob: "
                                                          "it may or may not have gone through")
    # Alice links again (her account, a new key that can read the log): the next look settles the old row.
    await people.link(alice)
    clock.ahead += timedelta(hours=1)
    await pay_cog(discord).reconcile_pending()
    assert (await discord.bot.storage.payments.get(row.id)).status is PaymentStatus.PAID
    assert discord.last_dm(alice.user).content == ("Update on your payment of 2t to Bob, whose outcome I couldn't "
                                                   "tell you: it went through.")
