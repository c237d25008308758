"""Self-tests of the Discord harness: each capability, driven through the real bot and discord.py."""

import pytest

from harness import FakeDiscord, HarnessError
from tests.harness.probe_cog import install


@pytest.fixture
async def probe(make_bot):
    """The real bot plus the probe cog, logged in to a fresh fake Discord."""
    bot = make_bot()
    fake = await FakeDiscord.start(bot)
    await install(bot)
    yield fake
    try:
        fake.assert_no_errors_logged()
    finally:
        await fake.stop()


async def test_slash_command_with_member_option_gets_an_ephemeral_embed(probe):
    alice, bob = probe.user("alice"), probe.user("bob")
    reply = await probe.run_command("probe-member", by=alice, member=bob, amount="12.50")
    assert reply.response_type == 4
    assert reply.ephemeral
    assert reply.embed.title == "Member"
    assert reply.embed.description == f"{bob.mention} gets 12.50"
    assert reply.embed.field("Display name") == "Bob"
    assert reply.embed.field("Is a Member") == "True"
    probe.assert_no_errors_logged()


async def test_defer_then_followup_replaces_the_thinking_message(probe):
    alice = probe.user("alice")
    reply = await probe.run_command("probe-slow", by=alice)
    assert reply.deferred
    assert reply.message.content == "Finished the slow work."
    assert reply.message.ephemeral and not reply.message.loading
    assert reply.followups == []  # the first followup after a defer edits the placeholder
    assert reply.message.versions[0]["flags"] & (1 << 7)  # it was the "thinking…" placeholder first
    # The member's answer came with the followup, after the placeholder that was the first response.
    assert reply.seconds_to_answer > reply.seconds_to_first_response > 0


async def test_a_direct_answer_is_both_the_first_response_and_the_answer(probe):
    reply = await probe.run_command("probe-member", by=probe.user("alice"), member=probe.user("bob"), amount="1")
    assert reply.seconds_to_answer == reply.seconds_to_first_response > 0


async def test_button_press_edits_the_message_and_checks_who_pressed(probe):
    alice, mallory = probe.user("alice"), probe.user("mallory")
    reply = await probe.run_command("probe-buttons", by=alice)
    assert [(b.label, b.style, b.disabled) for b in reply.buttons] == [
        ("Confirm", "success", False), ("Explode", "danger", False)]
    intruder = await probe.press(reply.message, "Confirm", by=mallory)
    assert intruder.text == "These buttons are not yours." and intruder.ephemeral
    pressed = await probe.press(reply.message, "Confirm", by=alice)
    assert pressed.response_type == 7
    assert reply.message.content == "Confirmed."
    assert all(button.disabled for button in reply.message.buttons)
    with pytest.raises(HarnessError, match="disabled"):
        await probe.press(reply.message, "Confirm", by=alice)


async def test_persistent_button_works_after_a_restart(probe, make_bot):
    alice = probe.user("alice")
    reply = await probe.run_command("probe-counter", by=alice)
    await probe.press(reply.message, "Count 0", by=alice)
    assert reply.message.content == "Counted to 1"

    restarted = make_bot()
    await probe.restart(lambda: restarted)
    await install(restarted)
    pressed = await probe.press(reply.message, "Count 1", by=alice)
    assert pressed.responded
    assert reply.message.content == "Counted to 2"


async def test_a_refused_dm_surfaces_as_forbidden_50007(probe):
    alice, bob = probe.user("alice"), probe.user("bob")
    ok = await probe.run_command("probe-dm", by=alice)
    assert ok.text == "Check your DMs."
    assert probe.last_dm(alice).content == "Hello in your DMs."
    probe.close_dms(bob)
    refused = await probe.run_command("probe-dm", by=bob)
    assert refused.text == "I can't DM you (code 50007)."
    assert probe.dms(bob) == []


async def test_autocomplete_offers_the_bots_choices(probe):
    alice = probe.user("alice")
    choices = await probe.autocomplete("probe-fruit", by=alice, focused="fruit", fruit="ap")
    assert choices == [{"name": "Apple", "value": "apple"}, {"name": "Apricot", "value": "apricot"}]


async def test_ranges_are_enforced_like_discords_client_does(probe):
    alice = probe.user("alice")
    assert (await probe.run_command("probe-fruit", by=alice, fruit="apple", count=3)).text == "3 × apple"
    with pytest.raises(HarnessError, match="from 1 to 10"):
        await probe.run_command("probe-fruit", by=alice, fruit="apple", count=11)
    with pytest.raises(HarnessError, match="required"):
        await probe.run_command("probe-fruit", by=alice)


async def test_modal_round_trip(probe):
    alice = probe.user("alice")
    opened = await probe.run_command("probe-form", by=alice)
    assert opened.response_type == 9
    assert opened.modal.title == "Send an amount"
    assert opened.modal.labels == ["Amount", "Note"]
    submitted = await probe.submit_modal(opened, {"Amount": "7.25"}, by=alice)
    assert submitted.text == "You typed 7.25 (no note)"
    with pytest.raises(HarnessError, match="required"):
        await probe.submit_modal(opened, {"Note": "hi"}, by=alice)


async def test_user_context_menu_command(probe):
    alice, bob = probe.user("alice"), probe.user("bob")
    reply = await probe.run_user_command("Probe user", by=alice, target=bob)
    assert reply.text == "You picked Bob"


async def test_files_are_captured(probe):
    reply = await probe.run_command("probe-file", by=probe.user("alice"))
    (sent,) = reply.message.files
    assert (sent.filename, sent.text) == ("rows.csv", "a,b\n1,2\n")


async def test_commands_work_in_dms(probe):
    alice = probe.user("alice")
    reply = await probe.run_command("probe-slow", by=alice, in_dm=True)
    assert reply.message.content == "Finished the slow work."


async def test_an_error_inside_a_plain_view_callback_fails_the_test(probe):
    alice = probe.user("alice")
    reply = await probe.run_command("probe-buttons", by=alice)
    await probe.press(reply.message, "Explode", by=alice)
    with pytest.raises(AssertionError, match="a bug inside a View callback"):
        probe.assert_no_errors_logged()


async def test_expired_interaction_is_a_404_10062(probe, caplog):
    alice = probe.user("alice")
    probe.fail_next("interaction_callback", status=404, code=10062, message="Unknown interaction")
    reply = await probe.run_command("probe-member", by=alice, member=alice, amount="1")
    assert not reply.responded
    # The bot's error path recognises the expired interaction: a warning, no traceback, no crash.
    assert "Discord says the interaction expired" in caplog.text
    probe.assert_no_errors_logged()


async def test_late_responses_expire_like_on_discord(probe, caplog):
    alice = probe.user("alice")
    probe.api.response_deadline = 0.0  # as if the command took longer than three seconds
    reply = await probe.run_command("probe-member", by=alice, member=alice, amount="1")
    assert reply.responded_late and not reply.responded
    assert "Discord says the interaction expired" in caplog.text


async def test_rate_limits_are_retried_by_discord_py(probe):
    alice = probe.user("alice")
    probe.fail_next("send_message", status=429, retry_after=0.01)
    reply = await probe.run_command("probe-dm", by=alice)
    assert reply.text == "Check your DMs."
    statuses = [r.status for r in probe.api.requests if r.route == "send_message"]
    assert statuses == [429, 200]


async def test_server_errors_reach_the_bots_error_path(probe):
    alice = probe.user("alice")
    probe.fail_next("create_dm", status=503)
    reply = await probe.run_command("probe-dm", by=alice)
    assert reply.text == "Something went wrong on my side. Nothing was changed; please try again."
    (record,) = probe.logged_errors()
    assert "503" in (record.exc_text or "")


async def test_places_carry_discords_context_and_authorizing_installations(probe):
    alice, bob = probe.user("alice"), probe.user("bob")
    answers = {}
    answers["server"] = await probe.run_command("probe-where", by=alice)
    answers["bot DM"] = await probe.run_command("probe-where", by=alice, in_dm=True)
    probe.install_for(alice)
    answers["group DM"] = await probe.run_command("probe-where", by=alice,
                                                  where=probe.private_channel(alice, bob))
    elsewhere = probe.other_server("Elsewhere", [alice, bob])
    answers["other server"] = await probe.run_command("probe-where", by=alice, where=elsewhere)
    texts = {place: [m.content for m in [answer.message, *answer.followups]] for place, answer in answers.items()}
    assert texts == {
        "server": [f"server guild={probe.guild.id} user_install=False server_install=True", "posted"],
        "bot DM": ["bot DM guild=None user_install=False server_install=False", "posted"],
        "group DM": ["private channel guild=None user_install=True server_install=False", "posting failed: 50001"],
        "other server": [f"server guild={elsewhere.id} user_install=True server_install=False",
                         "posting failed: 50001"],
    }
    assert all(answer.ephemeral for answer in answers.values())


async def test_the_bot_can_dm_only_members_it_shares_a_server_with(probe):
    stranger = probe.user("stranger", in_server=False)
    probe.install_for(stranger)  # a user install lets them use the bot, not receive its DMs
    reply = await probe.run_command("probe-dm", by=stranger, in_dm=True)
    assert reply.text == "I can't DM you (code 50007)."
    assert "Hello in your DMs." not in [m.content for m in probe.dms(stranger)]


async def test_a_message_over_discords_limits_is_refused_whole(probe):
    alice = probe.user("alice")
    reply = await probe.run_command("probe-member", by=alice, member=alice, amount="9" * 4100)
    assert reply.text == "Something went wrong on my side. Nothing was changed; please try again."
    (record,) = probe.logged_errors()
    assert "50035" in (record.exc_text or "") and "Invalid Form Body" in (record.exc_text or "")
    with pytest.raises(AssertionError, match=r"embeds\[0\].description is 41\d\d characters long \(at most 4096\)"):
        probe.assert_no_errors_logged()


async def test_a_check_that_refuses_gets_its_own_sentence_and_outcome_not_an_error(probe, caplog):
    alice = probe.user("alice")
    with caplog.at_level("INFO", logger="taubot_bot.interactions"):
        reply = await probe.run_command("probe-checked", by=alice)
    assert reply.ephemeral
    assert reply.text == "You can't use this command here or right now. Nothing was changed."
    assert f"command=/probe-checked user={alice.id} outcome=not_allowed" in caplog.text
    probe.assert_no_errors_logged()
