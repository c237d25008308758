"""The transfer invariant seen from Taubot's side."""

from tests.cogs.pay.helpers import confirm, transfers
from tests.conftest import transfer_sent

# -- the invariant, from Taubot's side ---------------------------------------------------------------------


async def test_taubot_never_sees_a_bad_amount_a_self_transfer_or_a_retry(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    attempts = [("12.50", "user", bob.user), ("0", "user", bob.user), ("-1", "user", bob.user),
                ("1", "user", alice.user), ("1", "account", "Alice"), ("3", "account", "Treasury"),
                ("0.01", "user", bob.user)]
    for amount, kind, to in attempts:
        reply = await discord.run_command(f"pay {kind}", by=alice.user, amount=amount, to=to)
        if reply.buttons:
            await confirm(discord, reply, alice)
    sandbox.fail_next(sandbox.route("transfer"), 503, times=5)
    reply = await discord.run_command("pay user", by=alice.user, amount="4", to=bob.user)
    await confirm(discord, reply, alice)

    posts = transfers(sandbox)
    assert len(posts) == 4
    for post in posts:
        from_account, to_account, amount = transfer_sent(sandbox, post)
        assert set(post.body) == ({"from_account", "to_account", "amount"} if sandbox.dialect == "v2"
                                  else {"to_account_id", "amount"})
        assert type(amount) is int and amount > 0
        assert from_account == alice.account_id != to_account
        assert post.key_kind == "grant"
    journal = await discord.bot.storage.payments.recent_for_payer(alice.id, limit=50)
    assert len(journal) == len(posts)  # one journal row per transfer sent: nothing was sent twice


async def test_a_confirmation_after_unlinking_sends_nothing(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay user", by=alice.user, amount="2", to=bob.user)
    await discord.bot.storage.grant_keys.delete(alice.id)  # /unlink-account in another window
    await confirm(discord, reply, alice)
    assert reply.last.embed.title == "Payment not made"
    assert reply.last.embed.description == ("Your link changed since this confirmation, so nothing was sent. "
                                            "Run /pay again.")
    assert reply.last.buttons == []
    assert transfers(sandbox) == []
