"""python -m sandbox [--dialect v2|v2.1] [--host 127.0.0.1] [--port 8080] [--credentials FILE]
                    [--latency-ms N] [--max-requests-per-second N]"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import signal
from pathlib import Path

from .handle import DIALECTS, Sandbox
from .pacing import PacingSettings
from .seed import DAVE, DEMO_MEMBERS

RETRIEVAL_NOTE = {
    "v2": "500 until granted, like Taubot v2; repeatable",
    "v2.1": "403 until granted, like Taubot v2.1; it answers once, then 404",
}


async def serve(host: str, port: int, credentials: Path | None, dialect: str, pacing: PacingSettings) -> None:
    sandbox = Sandbox(seed="demo", dialect=dialect)
    sandbox.pace(latency_seconds=pacing.latency_seconds, requests_per_second=pacing.requests_per_second)
    await sandbox.start(host=host, port=port)
    if credentials is not None:
        descriptor = os.open(credentials, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            json.dump(sandbox.credentials(), file, indent=2)
    print(f"Taubot sandbox running at {sandbox.api_url}", flush=True)
    print(f"  TAUBOT_API_URL={sandbox.api_url}")
    print(f"  TAUBOT_APP_ID={sandbox.application_id}")
    print(f"  TAUBOT_MASTER_KEY={sandbox.master_key}")
    print(f"  (speaking Taubot {dialect}; the bot detects it, or set TAUBOT_API_DIALECT={dialect})")
    if pacing.active:
        cap = f", at most {pacing.requests_per_second:g} requests/s" if pacing.requests_per_second else ""
        print(f"  (paced like a loaded server: {pacing.latency_seconds * 1000:g} ms per request{cap})")
    print_members(sandbox)
    # Registered here, as the application, so the printed link works end to end in a browser.
    ref_id = sandbox.new_reference()
    print(f"Try the grant page (a registered link; act as e.g. 1001, or {DAVE} to see a member without an account):")
    print(f"  {sandbox.grant_url(ref_id)}")
    header, url = sandbox.retrieval_request(ref_id)
    print(f"Then retrieve the key it grants with the master key, as the bot does ({RETRIEVAL_NOTE[dialect]}):")
    print(f"  curl -H {shlex.quote('Authorization: ' + header)} {url}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, stop.set)
    await stop.wait()
    await sandbox.stop()


def print_members(sandbox: Sandbox) -> None:
    print("Demo members (Discord user id: accounts):")
    owners = {a.owner_id for a in sandbox.economy.accounts.values() if a.owner_id is not None}
    for member in sorted(owners | set(DEMO_MEMBERS)):
        names = ", ".join(a.account_name for a in sandbox.economy.accounts_of(member)) or "no account"
        who = f" ({DEMO_MEMBERS[member]})" if member in DEMO_MEMBERS else ""
        print(f"  {member}{who}: {names}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description="A local Taubot API stand-in.")
    parser.add_argument("--dialect", choices=DIALECTS, default="v2", help="the Taubot server version to speak")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    parser.add_argument("--credentials", type=Path, help="write the API URL, app id, master key and accounts here")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="answer every API request this much later")
    parser.add_argument("--max-requests-per-second", type=float, default=None,
                        help="serve at most this many API requests a second, queueing the rest")
    arguments = parser.parse_args()
    try:
        pacing = PacingSettings(arguments.latency_ms / 1000, arguments.max_requests_per_second)
    except ValueError as error:
        parser.error(str(error))
    asyncio.run(serve(arguments.host, arguments.port, arguments.credentials, arguments.dialect, pacing))


if __name__ == "__main__":
    main()
