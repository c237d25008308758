"""Discord's side of the length limits (harness/limits.py): each text it would refuse is named by where it stands."""

from harness.limits import message_problems


def test_each_text_over_its_limit_is_named_by_its_place_in_the_message():
    embed = {"title": "T" * 257, "description": "fits", "footer": {"text": "F" * 2049},
             "fields": [{"name": "Balance", "value": "12.50t"}, {"name": "N" * 257, "value": "V" * 1025}]}
    assert message_problems({"content": "C" * 2001, "embeds": [{"title": "fits"}, embed]}) == [
        "content is 2001 characters long (at most 2000)",
        "embeds[1].title is 257 characters long (at most 256)",
        "embeds[1].footer.text is 2049 characters long (at most 2048)",
        "embeds[1].fields[1].name is 257 characters long (at most 256)",
        "embeds[1].fields[1].value is 1025 characters long (at most 1024)",
    ]


def test_a_message_within_every_limit_has_no_problem():
    embed = {"title": "Alice", "description": "Your personal account", "fields": [{"name": "Balance", "value": "1t"}]}
    assert message_problems({"content": None, "embeds": [embed], "components": []}) == []
