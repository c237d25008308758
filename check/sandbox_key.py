"""A master key rejected by `python -m sandbox` on this machine: the sandbox made a new one when it restarted,
which no Taubot operator can help with."""

from __future__ import annotations

import ipaddress

import aiohttp
from yarl import URL

from config import Settings

from .line import Check


async def sandbox_key_changed(settings: Settings) -> Check | None:
    """When TAUBOT_API_URL is `python -m sandbox` on this machine (it says so at /sandbox/about), a rejected master
    key means the sandbox made a new one at its restart: no Taubot operator can help with that."""
    url = URL(settings.taubot_api_url)
    api_path = url.path.rstrip("/")
    if not _is_loopback(url.host) or not api_path.endswith("/api"):
        return None
    about_url = url.with_path(api_path.removesuffix("/api") + "/sandbox/about")
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=settings.taubot_timeout_seconds)) \
                as session, session.get(about_url, allow_redirects=False) as answer:
            about = await answer.json() if answer.status == 200 else None
    except (aiohttp.ClientError, TimeoutError, ValueError):
        return None
    if not isinstance(about, dict) or about.get("taubot_sandbox") is not True:
        return None
    copy = "copy the TAUBOT_MASTER_KEY and TAUBOT_APP_ID it printed into your settings file"
    if about.get("keeps_state"):
        return Check("taubot", False, f"the sandbox at {settings.taubot_api_url} keeps its state in a file, but not "
                                      "with this master key (it was started with another --state file, or the key "
                                      f"expired): {copy}.")
    return Check("taubot", False, f"the sandbox at {settings.taubot_api_url} was restarted without --state, so its "
                                  f"master key changed: {copy}, and start it with --state FILE to keep them from "
                                  "now on.")


def _is_loopback(host: str | None) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False

