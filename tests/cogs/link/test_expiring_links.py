"""Keys that expire (Taubot v2.1's live 90 days): /link-status says when, one DM a week before with a button to
relink, and an expired key is named as such instead of "refused"."""

from datetime import timedelta

from storage.clock import now
from tests.cogs.link.helpers import link_cog, storage
from tests.conftest import ON_V2, ON_V21, link_status_of, ref_of

GRANT_KEY_DAYS = 90


async def expiring(discord, sandbox, person):
    """The member's link as stored, after linking through the real flow."""
    linked = await storage(discord).grant_keys.get(person.id)
    assert linked is not None
    return linked


@ON_V21
async def test_link_status_shows_when_the_link_expires_on_v21(discord, sandbox, people):
    alice = people.member("alice")
    await people.link(alice)
    linked = await expiring(discord, sandbox, alice)
    left = linked.key_expires_at - now()
    assert timedelta(days=GRANT_KEY_DAYS) - timedelta(minutes=1) < left <= timedelta(days=GRANT_KEY_DAYS)

    status = await discord.run_command("link-status", by=alice.user)
    stamp = int(linked.key_expires_at.timestamp())
    assert link_status_of(status.embed, "Alice")["Expires"] == (
        f"<t:{stamp}:D> (<t:{stamp}:R>). Run /link-account before then to keep using the bot; I'll remind you a "
        "week before.")


@ON_V2
async def test_links_that_never_expire_show_no_expiry_and_get_no_reminder_on_v2(discord, sandbox, people):
    alice = people.member("alice")
    await people.link(alice)
    assert (await expiring(discord, sandbox, alice)).key_expires_at is None
    status = await discord.run_command("link-status", by=alice.user)
    assert "Expires" not in link_status_of(status.embed, "Alice")
    assert await link_cog(discord).send_expiry_reminders(at=now() + timedelta(days=3650)) == 0


@ON_V21
async def test_one_dm_a_week_before_expiry_with_a_button_to_relink_on_v21(discord, sandbox, people, make_bot):
    alice = people.member("alice")
    await people.link(alice)
    old = await expiring(discord, sandbox, alice)
    cog = link_cog(discord)
    dms_before = len(discord.dms(alice.user))

    assert await cog.send_expiry_reminders(at=old.key_expires_at - timedelta(days=8)) == 0
    week_before = old.key_expires_at - timedelta(days=6)
    assert await cog.send_expiry_reminders(at=week_before) == 1
    reminder = discord.last_dm(alice.user)
    assert len(discord.dms(alice.user)) == dms_before + 1
    assert reminder.embed.title == "Your Taubot link expires soon"
    stamp = int(old.key_expires_at.timestamp())
    assert reminder.embed.description.startswith(f"Your link to **Alice** expires <t:{stamp}:R>")
    assert [b.label for b in reminder.buttons] == ["Link a new grant", "Keep my current link"]

    assert await cog.send_expiry_reminders(at=week_before) == 0  # once per key,
    await discord.restart(make_bot)
    assert await link_cog(discord).send_expiry_reminders(at=week_before + timedelta(days=1)) == 0  # restarts too

    sandbox.clock_offset_seconds = timedelta(days=2).total_seconds()  # the new key is made two days later
    started = await discord.press(reminder, "Link a new grant", by=alice.user)
    assert started.last.content.startswith("Your link is in the message below.")
    dm = discord.last_dm(alice.user)
    sandbox.grant(ref_of(dm), alice.id)
    assert (await discord.press(dm, "I've granted access", by=alice.user)).text.startswith("Linked to Alice")
    new = await expiring(discord, sandbox, alice)
    assert new.grant_key != old.grant_key and new.key_expires_at > old.key_expires_at
    assert await link_cog(discord).send_expiry_reminders(at=week_before) == 0  # the new key is not due
    assert await link_cog(discord).send_expiry_reminders(at=new.key_expires_at - timedelta(days=1)) == 1


@ON_V21
async def test_a_reminder_discord_could_not_deliver_is_tried_again_on_v21(discord, sandbox, people):
    alice, bob = people.member("alice"), people.member("bob")
    await people.link(alice)
    await people.link(bob)
    at = (await expiring(discord, sandbox, alice)).key_expires_at - timedelta(days=2)
    cog = link_cog(discord)
    discord.close_dms(bob.user)  # closed DMs stay closed: not asked again
    discord.fail_next("send_message", status=503, message="Service Unavailable", user=alice.user)

    assert await cog.send_expiry_reminders(at=at) == 0
    assert await cog.send_expiry_reminders(at=at) == 1
    assert discord.last_dm(alice.user).embed.title == "Your Taubot link expires soon"
    discord.open_dms(bob.user)
    assert await cog.send_expiry_reminders(at=at) == 0


@ON_V21
async def test_an_expired_link_is_named_with_its_date_everywhere_on_v21(discord, sandbox, people):
    alice, bob = people.member("alice"), people.member("bob")
    await people.link(alice)
    expired = sandbox.issue_grant_key(alice.id, lifetime_seconds=-60)  # what her key is after 90 days
    linked = await expiring(discord, sandbox, alice)
    await storage(discord).grant_keys.put(alice.id, expired, account_id=linked.account_id,
                                          account_name=linked.account_name, account_type=linked.account_type,
                                          key_expires_at=now() - timedelta(seconds=60))
    stamp = int((await expiring(discord, sandbox, alice)).key_expires_at.timestamp())
    sentence = f"Your Taubot link expired on <t:{stamp}:D>. Run /link-account to link again."

    assert (await discord.run_command("balance", by=alice.user)).text == sentence
    assert (await discord.run_command("history", by=alice.user)).text == sentence
    assert (await discord.run_command("pay user", by=alice.user, amount="1", to=bob.user)).text == sentence
    status = await discord.run_command("link-status", by=alice.user)
    assert link_status_of(status.embed, "Alice")["Expires"].startswith(f"Expired <t:{stamp}:D>")

    assert await link_cog(discord).send_expiry_reminders() == 1  # never reminded: told it has expired
    reminder = discord.last_dm(alice.user)
    assert reminder.embed.title == "Your Taubot link has expired"
    assert [b.label for b in reminder.buttons] == ["Link a new grant", "Keep my current link"]
