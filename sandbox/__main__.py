"""python -m sandbox [--dialect v2|v2.1] [--host 127.0.0.1] [--port 8080] [--state FILE] [--credentials FILE]
                    [--latency-ms N] [--max-requests-per-second N]"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import signal
import sys
from pathlib import Path

from .addresses import listen_problem, listens_everywhere, outward_address, url_host
from .handle import DIALECTS, Sandbox
from .pacing import PacingSettings
from .seed import DAVE, DEMO_MEMBERS
from .state import StateError

RETRIEVAL_NOTE = {
    "v2": "500 until granted, like Taubot v2; repeatable",
    "v2.1": "403 until granted, like Taubot v2.1; it answers once, then 404",
}


class CannotStart(Exception):
    """The sandbox cannot run as asked; str() is one line saying why and what to do."""


async def serve(arguments: argparse.Namespace, pacing: PacingSettings) -> None:
    sandbox = Sandbox(seed="demo", dialect=arguments.dialect, state=arguments.state)
    sandbox.pace(latency_seconds=pacing.latency_seconds, requests_per_second=pacing.requests_per_second)
    if arguments.grant_key_days is not None:
        sandbox.economy.grant_key_lifetime = arguments.grant_key_days * 24 * 3600
    try:
        await sandbox.start(host=arguments.host, port=arguments.port)
    except OSError as error:
        await sandbox.stop()
        raise CannotStart(listen_problem(error, arguments.host, arguments.port)) from None
    try:
        if arguments.credentials is not None:
            write_credentials(sandbox, arguments.credentials)
        print_settings(sandbox, arguments.host, arguments.state)
        if pacing.active:
            cap = f", at most {pacing.requests_per_second:g} requests/s" if pacing.requests_per_second else ""
            print(f"  (paced like a loaded server: {pacing.latency_seconds * 1000:g} ms per request{cap})")
        print_members(sandbox)
        print_grant_link(sandbox)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signal_number, stop.set)
        await stop.wait()
    finally:
        await sandbox.stop()


def write_credentials(sandbox: Sandbox, path: Path) -> None:
    """What other programs (the benchmarks, scripts) read to reach this sandbox; it holds the master key."""
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            json.dump(sandbox.credentials(), file, indent=2)
    except OSError as error:
        raise CannotStart(f"cannot write --credentials {path} ({error.strerror or error}): give a file in a folder "
                          "this user may write to.") from None


def print_settings(sandbox: Sandbox, host: str, state: Path | None) -> None:
    print(f"Taubot sandbox running at {sandbox.api_url}", flush=True)
    if listens_everywhere(host):
        outward = outward_address()
        elsewhere = (f"http://{url_host(outward)}:{sandbox.port}/api" if outward is not None
                     else "this machine's address in place of 127.0.0.1")
        print(f"  (listening on every interface: from another machine, use {elsewhere})")
    print(f"  TAUBOT_API_URL={sandbox.api_url}")
    print(f"  TAUBOT_APP_ID={sandbox.application_id}")
    print(f"  TAUBOT_MASTER_KEY={sandbox.master_key}")
    print(f"  (speaking Taubot {sandbox.dialect}; the bot detects it, or set TAUBOT_API_DIALECT={sandbox.dialect})")
    print(f"  ({state_note(sandbox, state)})")


def state_note(sandbox: Sandbox, state: Path | None) -> str:
    if state is None:
        return ("nothing is kept: the next start makes a new application id and master key. --state FILE keeps "
                "them, with the accounts, balances, members' keys and the log")
    if sandbox.master_key_renewed:
        return (f"restored from {state}, but its master key had expired (Taubot v2.1 keys live 60 days): the one "
                "above is new, copy it into your settings")
    if sandbox.restored:
        return (f"restored from {state}: the same application, keys, accounts, balances and log as before; grant "
                "links not yet used were forgotten, as a real Taubot forgets them when it restarts")
    return f"kept in {state}: the next start with --state {state} brings all of this back"


def print_members(sandbox: Sandbox) -> None:
    print("Demo members (Discord user id: accounts):")
    owners = {a.owner_id for a in sandbox.economy.accounts.values() if a.owner_id is not None}
    for member in sorted(owners | set(DEMO_MEMBERS)):
        names = ", ".join(a.account_name for a in sandbox.economy.accounts_of(member)) or "no account"
        who = f" ({DEMO_MEMBERS[member]})" if member in DEMO_MEMBERS else ""
        print(f"  {member}{who}: {names}")


def print_grant_link(sandbox: Sandbox) -> None:
    # Registered here, as the application, so the printed link works end to end in a browser.
    ref_id = sandbox.new_reference()
    print(f"Try the grant page (a registered link; act as e.g. 1001, or {DAVE} to see a member without an account):")
    print(f"  {sandbox.grant_url(ref_id)}")
    header, url = sandbox.retrieval_request(ref_id)
    print(f"Then retrieve the key it grants with the master key, as the bot does ({RETRIEVAL_NOTE[sandbox.dialect]}):")
    print(f"  curl -H {shlex.quote('Authorization: ' + header)} {url}", flush=True)


def port_number(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: give a number from 0 to 65535 (0 picks a free one)")
    return port


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description="A local Taubot API stand-in.")
    parser.add_argument("--dialect", choices=DIALECTS, help="the Taubot server version to speak (default: the one "
                                                             "--state kept, else v2)")
    parser.add_argument("--host", default="127.0.0.1", help="0.0.0.0 listens on every interface")
    parser.add_argument("--port", type=port_number, default=8080, help="0 picks a free port")
    parser.add_argument("--state", type=Path, help="keep the application id, master key, accounts, balances, "
                                                   "members' keys and log in this file across restarts")
    parser.add_argument("--credentials", type=Path, help="write the API URL, app id, master key and accounts here")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="answer every API request this much later")
    parser.add_argument("--max-requests-per-second", type=float, default=None,
                        help="serve at most this many API requests a second, queueing the rest")
    parser.add_argument("--grant-key-days", type=float, default=None,
                        help="v2.1: how long a grant key lives (default 90 days, as the real servers' keys)")
    arguments = parser.parse_args()
    try:
        pacing = PacingSettings(arguments.latency_ms / 1000, arguments.max_requests_per_second)
    except ValueError as error:
        parser.error(str(error))
    try:
        asyncio.run(serve(arguments, pacing))
    except (CannotStart, StateError) as error:
        print(f"python -m sandbox: {error}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
