"""FittedEmbed makes its JSON without discord.Embed.to_dict's hasattr on unset parts: for any embed built through
discord.py's public methods, it sends exactly what discord.Embed would (fitted), and reads the same to discord.py."""

from datetime import UTC, datetime, timedelta, timezone

import discord
from hypothesis import given, settings
from hypothesis import strategies as st

from cogs.limits import FittedEmbed, fit_embed

TEXT = st.one_of(st.none(), st.text(max_size=5), st.sampled_from(["x" * 300, "0", "a b"]))
URL = st.one_of(st.none(), st.just("https://example.com/a.png"))
MOMENT = st.one_of(st.none(), st.sampled_from([datetime(2026, 5, 1, 12, 30), datetime(2026, 5, 1, 12, 30, tzinfo=UTC),
                                                datetime(2026, 5, 1, 12, 30, tzinfo=timezone(timedelta(hours=-5)))]))
CHANGES = st.lists(st.one_of(
    st.tuples(st.just("field"), TEXT, TEXT, st.booleans()),
    st.tuples(st.just("footer"), TEXT, URL),
    st.tuples(st.just("author"), st.text(max_size=5), URL),
    st.tuples(st.just("image"), URL),
    st.tuples(st.just("thumbnail"), URL),
    st.tuples(st.just("timestamp"), MOMENT),
    st.tuples(st.just("colour"), st.one_of(st.none(), st.integers(0, 0xFFFFFF))),
    st.tuples(st.sampled_from(["remove_footer", "remove_author", "clear_fields", "remove_field"])),
), max_size=8)
OPENING = st.fixed_dictionaries({}, optional={"title": TEXT, "description": TEXT, "url": URL,
                                              "colour": st.integers(0, 9), "timestamp": MOMENT})


def built(cls: type[discord.Embed], opening: dict, changes: list[tuple]) -> discord.Embed:
    embed = cls(**opening)
    for change in changes:
        match change:
            case ("field", name, value, inline):
                embed.add_field(name=name, value=value, inline=inline)
            case ("footer", text, icon):
                embed.set_footer(text=text, icon_url=icon)
            case ("author", name, icon):
                embed.set_author(name=name, icon_url=icon)
            case ("image", url):
                embed.set_image(url=url)
            case ("thumbnail", url):
                embed.set_thumbnail(url=url)
            case ("timestamp", moment):
                embed.timestamp = moment
            case ("colour", colour):
                embed.colour = colour
            case ("remove_field",):
                embed.remove_field(0)
            case (method,):
                getattr(embed, method)()
    return embed


@settings(max_examples=200, deadline=None)
@given(OPENING, CHANGES)
def test_a_fitted_embed_sends_what_discord_py_would_and_reads_the_same(opening, changes):
    fitted, plain = built(FittedEmbed, opening, changes), built(discord.Embed, opening, changes)
    assert fitted.to_dict() == fit_embed(plain.to_dict())
    assert fitted == plain and bool(fitted) == bool(plain)
    assert (fitted.footer, fitted.image, fitted.thumbnail, fitted.video, fitted.provider, fitted.author) == (
        plain.footer, plain.image, plain.thumbnail, plain.video, plain.provider, plain.author)
    assert fitted.timestamp == plain.timestamp and fitted.fields == plain.fields
    assert len(fitted) == len(plain)
    assert fitted.copy().to_dict() == fitted.to_dict()  # copy() goes through from_dict, which skips __init__


def test_an_embed_read_back_from_discord_sends_what_it_was_sent_as():
    sent = FittedEmbed(title="Bob's account", description="Your personal account", colour=0x5865F2)
    sent.add_field(name="Balance", value="**12.50t**")
    received = FittedEmbed.from_dict(sent.to_dict())
    assert received.to_dict() == sent.to_dict() == {
        "title": "Bob's account", "description": "Your personal account", "color": 0x5865F2, "type": "rich",
        "flags": 0, "fields": [{"inline": True, "name": "Balance", "value": "**12.50t**"}]}
