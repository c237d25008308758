"""Which dialect a Taubot server speaks, from one harmless request: `GET {api}/oauth/grant` with no query and
no key. v2 answers 400 text/plain, v2.1 answers 422 JSON; anything else is "unknown" (never a guess).

Nothing is changed on the server and no key is sent, so `check` can ask before trusting the URL with the
master key. (A keyed probe would not do: a Bearer master key makes v2 answer 500.)
"""

from __future__ import annotations

import aiohttp

from .dialect import V2, V21, Dialect
from .errors import DialectUnknown
from .transport import DEFAULT_USER_AGENT, Transport
from .wire import Answer, Call, KeyKind

PROBE = Call("detect_dialect", "GET", ("oauth", "grant"), KeyKind.NONE)
_EXPECTED = {(400, "text/plain"): V2, (422, "application/json"): V21}


def dialect_of(answer: Answer) -> Dialect:
    """The dialect an answer to PROBE shows; DialectUnknown (naming what came back) for anything else."""
    dialect = _EXPECTED.get((answer.status, answer.content_type))
    if dialect is not None:
        return dialect
    shown = answer.content_type or "no Content-Type"
    raise DialectUnknown(
        f"the Taubot server's dialect is unknown: GET /oauth/grant without a key answered HTTP {answer.status} "
        f"({shown}), where Taubot v2 answers 400 text/plain and v2.1 answers 422 application/json",
        status=answer.status, content_type=answer.content_type)


async def probe_dialect(session: aiohttp.ClientSession, base_url: str, *,
                        limits: aiohttp.ClientTimeout | None = None,
                        user_agent: str = DEFAULT_USER_AGENT) -> Dialect:
    """Ask the server at `base_url` (the API base, e.g. https://taubot.qzz.io/api) which dialect it speaks.

    Raises DialectUnknown (with the status and Content-Type that came back: a 5xx means Taubot may be down, a
    4xx or 200 that the URL is not the Taubot API) or Unavailable (no answer at all)."""
    transport = Transport(session, timeout=limits, max_get_attempts=1, user_agent=user_agent)
    return dialect_of(await transport.exchange(base_url, PROBE, None))
