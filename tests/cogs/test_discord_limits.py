"""Taubot's names within Discord's limits: a name of any length is shortened visibly ("…") wherever it is shown,
never making Discord refuse the whole answer; and a name cannot pass for another one with invisible or
look-alike characters. (The fake Discord refuses an over-limit message as Discord does: harness/limits.py.)"""

from pathlib import Path

import pytest

from cogs.limits import FittedEmbed
from cogs.lookalikes import revealed
from harness.limits import message_problems
from tests.cogs.pay.helpers import confirm

LONG_NAME = "Very long account name " * 48  # 1,104 characters: Taubot's SQLite backend stores it as given


def rename(sandbox, account_id: str, name: str) -> None:
    sandbox.economy.accounts[account_id].account_name = name


def shortened(text: str, limit: int) -> bool:
    return len(text) <= limit and text.endswith("…") and "Very long account name" in text


@pytest.fixture
async def alice(discord, sandbox, people):
    alice = people.member("alice", balance=100_00)
    rename(sandbox, alice.account_id, LONG_NAME)
    await people.link(alice)
    return alice


async def test_a_very_long_own_name_is_shortened_everywhere_it_is_shown(discord, alice):
    balance = await discord.run_command("balance", by=alice.user)
    assert shortened(balance.embed.title, 256)
    assert balance.embed.field("Balance") == "**100t**"
    status = await discord.run_command("link-status", by=alice.user)
    ((name, _),) = status.embed.fields
    assert shortened(name.removesuffix(" · User"), 256 - len(" · User")) and len(name) <= 256
    history = await discord.run_command("history", by=alice.user)
    assert history.embed.title.startswith("History of Very long account name") and len(history.embed.title) <= 256
    relink = await discord.run_command("link-account", by=alice.user)
    assert "Very long account name" in relink.embed.description and len(relink.embed.description) <= 4096
    unlink = await discord.run_command("unlink-account", by=alice.user)
    assert "Very long account name" in unlink.embed.description


async def test_a_page_of_long_counterparty_names_keeps_every_line(discord, sandbox, alice):
    key = (await discord.bot.storage.grant_keys.get(alice.id)).grant_key
    for number in range(10):
        shop = sandbox.create_account(f"{number} {LONG_NAME}", account_type="CORPORATION")
        sandbox.economy.transfer(sandbox.economy.keys[key], alice.account_id, shop.account_id, 1)
    reply = await discord.run_command("history", by=alice.user)
    lines = reply.embed.description.split("\n")
    assert len(lines) == 10 and len(reply.embed.description) <= 4096
    assert all(line.endswith("… (corporation)") for line in lines), lines[0]


async def test_a_link_to_a_long_named_account_says_so_in_a_short_sentence(discord, sandbox, people):
    bob = people.member("bob")
    rename(sandbox, bob.account_id, LONG_NAME)
    dm = await people.link(bob)
    assert dm.embed.description.startswith("Linked to Very long account name")
    assert dm.embed.description.endswith("… (personal account). Try /balance.")
    assert len(dm.embed.description) < 200


@pytest.fixture
async def lookalikes(discord, sandbox, people):
    carol = people.member("carol")
    await people.link(carol)
    key = (await discord.bot.storage.grant_keys.get(carol.id)).grant_key
    names = ["Treas\u200bury", "\u0422reasury", "Café", "Treasury "]
    for name in names:
        other = sandbox.create_account(name, account_type="GOVERNMENT")
        sandbox.economy.transfer(sandbox.economy.keys[key], carol.account_id, other.account_id, 1)
    return carol, names


async def test_invisible_and_look_alike_characters_are_written_out(discord, lookalikes):
    carol, names = lookalikes
    shown = {"Treas\u200bury": "Treas<U+200B>ury", "\u0422reasury": "<U+0422>reasury", "Café": "Café",
             "Treasury ": "Treasury<U+0020>"}
    for name in names[:3]:  # (/balance trims what the member types: "Treasury " is the Treasury)
        reply = await discord.run_command("balance", by=carol.user, account=name)
        assert reply.embed.title == shown[name]
    history = await discord.run_command("history", by=carol.user)
    lines = history.embed.description.split("\n")
    assert [line.split(" to ", 1)[1] for line in lines] == [f"{shown[name]} (government account)"
                                                            for name in reversed(names)]
    offered = await discord.autocomplete("balance", by=carol.user, focused="account", account="reas")
    assert sorted((c["name"], c["value"]) for c in offered) == sorted(
        (shown[name], name) for name in names if name != "Café")



async def test_a_payment_to_a_long_named_account_confirms_and_receipts_within_the_limits(discord, sandbox, alice,
                                                                                        people):
    bob = people.member("bob")
    rename(sandbox, bob.account_id, LONG_NAME)
    confirmation = await discord.run_command("pay user", by=alice.user, amount="5", to=bob.user)
    assert confirmation.embed.description.startswith(f"Pay **5t** to <@{bob.id}> (Very long account name")
    assert confirmation.embed.description.endswith("…)?") and len(confirmation.embed.description) < 300
    receipt = await confirm(discord, confirmation, alice)
    assert receipt.last.embed.title == "Payment sent"
    assert receipt.last.embed.description.endswith("…)") and len(receipt.last.embed.description) < 300
    assert sandbox.balance_of(bob.account_id) == 105_00


async def test_a_confirmation_shows_what_hides_in_a_look_alike_name(discord, sandbox, lookalikes):
    carol, _ = lookalikes
    for name, shown in [("Treas\u200bury", "Treas<U+200B>ury"), ("\u0422reasury", "<U+0422>reasury")]:
        confirmation = await discord.run_command("pay account", by=carol.user, amount="1", to=name)
        assert confirmation.embed.description == f"Pay **1t** to {shown} (government account)?"
        assert "Treasury" not in confirmation.embed.description
        await discord.press(confirmation.last, "Cancel", by=carol.user)

def test_an_embed_over_the_total_shortens_its_longest_texts_and_keeps_the_short_ones():
    embed = FittedEmbed(title="T" * 300, description="D" * 5000)
    for number in range(6):
        embed.add_field(name=f"Field {number}", value="V" * 1100)
    embed.add_field(name="Balance", value="12.50t")
    embed.set_footer(text="Payment #7")
    sent = embed.to_dict()
    assert message_problems({"embeds": [sent]}) == []
    assert sent["title"] == "T" * 255 + "…" and sent["footer"]["text"] == "Payment #7"
    assert sent["fields"][-1] == {"name": "Balance", "value": "12.50t", "inline": True}
    assert all(field["value"].endswith("…") for field in sent["fields"][:6])



@pytest.mark.parametrize(("name", "shown"), [
    ("Café", "Café"), ("Cafe\u0301", "Cafe\u0301"), ("Москва", "Москва"), ("Ελληνικά", "Ελληνικά"),
    ("東京タワー", "東京タワー"), ("Tokyoタワー", "Tokyoタワー"), ("Москва Shop", "Москва Shop"),
    ("👨\u200d👩\u200d👧 family", "👨\u200d👩\u200d👧 family"), ("❤\ufe0f club", "❤\ufe0f club"),
    ("Tre\u00adasury", "Tre<U+00AD>asury"), ("\u202eyrusaerT", "<U+202E>yrusaerT"),
    ("Treasury\ufe0f", "Treasury<U+FE0F>"), ("\U0001d413reasury", "<U+1D413>reasury"),
    ("Ｔreasury", "<U+FF34>reasury"), ("Treas\u3164ury", "Treas<U+3164>ury"), ("Tre\u00a0asury", "Tre<U+00A0>asury"),
])
def test_what_is_written_out_and_what_reads_as_it_is(name, shown):
    assert revealed(name) == shown


def test_every_embed_the_cogs_build_fits_itself():
    """Each embed builder uses FittedEmbed: a new one written with discord.Embed would only fail on a long name."""
    built_raw = [path for path in Path("cogs").rglob("*.py") if "discord.Embed(" in path.read_text()]
    assert built_raw == [], f"build embeds with cogs.limits.FittedEmbed in {built_raw}"
