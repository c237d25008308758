"""Each path segment is percent-encoded on its own, and a segment quote() would leave alone is used as it is
(no quote() call for an account id or a plain name): either way the segment reaches Taubot as quote() makes it."""

from urllib.parse import quote

from hypothesis import given, settings
from hypothesis import strategies as st

from taubot.wire import Call, KeyKind


def path_of(*segments: str) -> str:
    return Call("test", "GET", segments, KeyKind.GRANT).path()


def quoted(part: str) -> str:
    encoded = quote(part, safe="")
    return encoded.replace(".", "%2E") if set(part) == {"."} else encoded


def test_plain_segments_are_sent_as_they_are_and_others_encoded():
    account_id = "0a1b2c3d-0000-4000-8000-00000000abcd"
    assert path_of("accounts", account_id) == f"/accounts/{account_id}"
    assert path_of("accounts", "by-name", "Tilde~under_score") == "/accounts/by-name/Tilde~under_score"
    assert path_of("accounts", "a/b") == "/accounts/a%2Fb"
    assert path_of("accounts", "..") == "/accounts/%2E%2E"
    assert path_of("accounts", "x.y") == "/accounts/x.y"
    assert path_of("accounts", "Ünïcode name") == "/accounts/%C3%9Cn%C3%AFcode%20name"
    assert path_of("accounts", "line\nbreak") == "/accounts/line%0Abreak"


# Characters on both sides of the shortcut's edge: those quote() leaves alone, "." and those it encodes.
EDGE = "aZ09_~-./ %+#?&=\\\nÜ€😀"


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet=EDGE, min_size=1, max_size=8), min_size=1, max_size=3))
def test_every_segment_reaches_taubot_as_quote_makes_it(segments):
    assert path_of(*segments) == "/" + "/".join(quoted(part) for part in segments)
