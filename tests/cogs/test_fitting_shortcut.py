"""fit_embed skips its shortening for an embed already within Discord's limits: the shortcut never changes what
is sent, for any embed."""

import copy

from hypothesis import given, settings
from hypothesis import strategies as st

from cogs.limits import EMBED_TOTAL, FIELDS, _fitted, fit_embed

# Lengths around each limit (title 256, field value 1024, description 4096, the 6000 total).
TEXTS = st.one_of(st.none(), st.integers(0, 3), st.builds("x".__mul__, st.sampled_from(
    [0, 1, 100, 255, 256, 257, 1023, 1024, 1025, 2000, 4096, 4097, 6001])))
FIELD = st.fixed_dictionaries({"name": TEXTS, "value": TEXTS, "inline": st.booleans()})
EMBEDS = st.fixed_dictionaries({}, optional={
    "title": TEXTS, "description": TEXTS, "type": st.just("rich"), "colour": st.integers(0, 0xFFFFFF),
    "footer": st.fixed_dictionaries({}, optional={"text": TEXTS}),
    "author": st.fixed_dictionaries({}, optional={"name": TEXTS}),
    "fields": st.lists(FIELD, max_size=FIELDS + 2),
})


@settings(max_examples=100, deadline=None)
@given(EMBEDS)
def test_the_shortcut_sends_exactly_what_fitting_sends(embed):
    assert fit_embed(copy.deepcopy(embed)) == _fitted(copy.deepcopy(embed))


def test_an_embed_at_the_limits_is_left_whole_and_one_past_them_is_shortened():
    at_limit = {"title": "t" * 256, "description": "d" * 4096,
                "fields": [{"name": "n" * 256, "value": "v" * 1024},
                           {"name": "", "value": "w" * (EMBED_TOTAL - 256 - 4096 - 256 - 1024)}]}
    assert fit_embed(copy.deepcopy(at_limit)) == at_limit
    past = copy.deepcopy(at_limit)
    past["fields"][1]["value"] += "w"
    assert fit_embed(past)["description"].endswith("…")
    many = {"fields": [{"name": "n", "value": "v"}] * (FIELDS + 1)}
    assert len(fit_embed(many)["fields"]) == FIELDS
