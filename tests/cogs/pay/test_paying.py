"""/pay and the 'Pay' user command as members use them."""

from storage import PaymentStatus
from tests.cogs.pay.helpers import confirm, transfers
from tests.conftest import call_name, calls

# -- the happy paths ---------------------------------------------------------------------------------------


async def test_paying_a_member_confirms_first_then_sends_once_and_verifies(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    reply = await discord.run_command("pay user", by=alice.user, amount="12.50", to=bob.user)

    assert reply.deferred and reply.ephemeral
    assert reply.embed.title == "Confirm payment"
    assert reply.embed.description == f"Pay **12.50t** to <@{bob.id}> (Bob)?"
    assert reply.embed.field("Your balance") == "100t → 87.50t"
    assert [(b.label, b.style) for b in reply.buttons] == [("Confirm", "success"), ("Cancel", "secondary")]
    assert transfers(sandbox) == []
    assert sandbox.balance_of(alice.account_id) == 100_00

    sandbox.clear_requests()
    pressed = await confirm(discord, reply, alice)
    receipt = reply.last
    assert pressed.response_type == 7  # the very first answer disables the buttons
    sending = receipt.versions[-1]
    assert sending["embeds"][0]["title"] == "Sending payment…"
    assert [button["disabled"] for button in sending["components"][0]["components"]] == [True, True]
    assert receipt.embed.title == "Payment sent"
    assert receipt.embed.description == f"12.50t to <@{bob.id}> (Bob)"
    assert receipt.embed.field("Your balance") == "87.50t"
    assert [b.label for b in receipt.buttons] == ["Share"]  # the confirmation's buttons are gone
    assert (sandbox.balance_of(alice.account_id), sandbox.balance_of(bob.account_id)) == (87_50, 62_50)
    # The fresh balance and the log's newest entry (at once), the transfer, then the log read back to that mark
    # (which proves it) and the balance for the receipt (at once).
    made = calls(sandbox)
    assert sorted(made[:2]) == ["account_by_id", "transactions"] and made[2] == "transfer"
    assert sorted(made[3:]) == ["account_by_id", "transactions"]
    reads = [r for r in sandbox.requests if call_name(sandbox, r) in ("account_by_id", "transactions")]
    assert {r.path for r in reads if call_name(sandbox, r) == "account_by_id"} == {f"/api/accounts/{alice.account_id}"}
    assert next(r.query for r in reads if call_name(sandbox, r) == "transactions")["limit"] == "1"
    (payment,) = await discord.bot.storage.payments.recent_for_payer(alice.id)
    assert (payment.status, payment.amount, payment.balance_before, payment.balance_after) == (
        PaymentStatus.PAID, 12_50, 100_00, 87_50)
    assert discord.last_dm(bob.user).content == f"<@{alice.id}> paid you 12.50t on Taubot."


async def test_paying_a_named_account(discord, sandbox, alice_and_bob):
    alice, _ = alice_and_bob
    treasury = sandbox.account("Treasury")
    reply = await discord.run_command("pay account", by=alice.user, amount="1,000", to="Café #1?")
    assert reply.text.startswith("You have 100t, which is not enough to pay 1,000t.")
    reply = await discord.run_command("pay account", by=alice.user, amount="5t", to="Treasury")
    assert reply.embed.description == "Pay **5t** to Treasury (government account)?"
    await confirm(discord, reply, alice)
    assert reply.last.embed.title == "Payment sent"
    assert sandbox.balance_of(treasury.account_id) == 1_000_005_00


async def test_the_pay_user_command_asks_for_the_amount_in_a_modal(discord, sandbox, alice_and_bob):
    alice, bob = alice_and_bob
    opened = await discord.run_user_command("Pay", by=alice.user, target=bob.user)
    assert opened.modal.title == "Pay Bob"
    assert opened.modal.labels == ["Amount", "Memo"]
    submitted = await discord.submit_modal(opened, {"Amount": "7.25"}, by=alice.user)
    assert submitted.embed.description == f"Pay **7.25t** to <@{bob.id}> (Bob)?"
    await confirm(discord, submitted, alice)
    assert submitted.last.embed.title == "Payment sent"
    assert sandbox.balance_of(bob.account_id) == 57_25

    bad = await discord.submit_modal(await discord.run_user_command("Pay", by=alice.user, target=bob.user),
                                     {"Amount": "seven"}, by=alice.user)
    assert bad.text == "“seven” isn't an amount. Write it like 12.50 or 1,234.56."


async def test_the_pay_user_command_refuses_yourself_and_bots(discord, alice_and_bob):
    alice, _ = alice_and_bob
    robot = discord.user("robot", bot=True)
    assert (await discord.run_user_command("Pay", by=alice.user, target=alice.user)).text == "You can't pay yourself."
    assert (await discord.run_user_command("Pay", by=alice.user, target=robot)).text.startswith(
        "Bots don't have Taubot accounts.")


async def test_recent_named_recipients_are_offered_while_typing(discord, sandbox, alice_and_bob):
    alice, _ = alice_and_bob
    reply = await discord.run_command("pay account", by=alice.user, amount="1", to="Treasury")
    await confirm(discord, reply, alice)
    choices = await discord.autocomplete("pay account", by=alice.user, focused="to", amount="1", to="tre")
    assert choices == [{"name": "Treasury", "value": "Treasury"}]
    assert await discord.autocomplete("pay account", by=alice.user, focused="to", amount="1", to="zzz") == []
