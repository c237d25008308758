"""Account names skip the work that would not change them (a plain short name is not gone through piece by piece,
text with nothing to escape skips discord.py's markdown regex): the shortcuts never change what is shown."""

import discord
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cogs.limits import clip_pieces
from cogs.lookalikes import revealed_pieces
from cogs.ui import SHOWN_NAME_LENGTH, account_name, account_name_in_file, escape_markdown

# Markdown's characters, what a link is made of, spaces of several kinds and line ends, among plain letters.
PIECES = st.sampled_from([*"_\\~|*`>[]()#-:/<.", "http", "https://", "steam://", "a", "Z", "0", " ", "\t", "\n",
                          "\r", "\u00a0", "\u2003", "\x1c", "\u200b", "é", "Т"])
TEXT = st.lists(PIECES, max_size=20).map("".join)


@settings(max_examples=500, deadline=None)
@given(TEXT)
def test_escaping_markdown_is_discord_pys_for_any_text(text):
    assert escape_markdown(text) == discord.utils.escape_markdown(text)


@pytest.mark.parametrize("text", ["Treasury", "m123-member0", "-Treasury", "  - item", "a\n- item", "\u2003-x",
                                  "Tea > coffee", "> quote", "# Title", "a_b", "*Treasury*", "<https://a/b_c>",
                                  "https://example.com/a_b", "[x](y)", ""])
def test_escaping_markdown_is_discord_pys_for_names_people_give(text):
    assert escape_markdown(text) == discord.utils.escape_markdown(text)


@settings(max_examples=300, deadline=None)
@given(st.one_of(TEXT, st.builds("x".__mul__, st.integers(SHOWN_NAME_LENGTH - 2, SHOWN_NAME_LENGTH + 2))))
def test_a_name_is_shown_as_going_through_it_piece_by_piece_shows_it(name):
    slow = clip_pieces(revealed_pieces(account_name_in_file(name)), SHOWN_NAME_LENGTH)
    assert account_name(name, markdown=False) == slow
    assert account_name(name) == discord.utils.escape_markdown(slow)
