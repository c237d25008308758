"""python -m sandbox [--host 127.0.0.1] [--port 8080] [--credentials FILE]"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import uuid
from pathlib import Path

from .handle import Sandbox


async def serve(host: str, port: int, credentials: Path | None) -> None:
    sandbox = Sandbox(seed="demo")
    await sandbox.start(host=host, port=port)
    if credentials is not None:
        descriptor = os.open(credentials, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            json.dump(sandbox.credentials(), file, indent=2)
    print(f"Taubot sandbox running at {sandbox.api_url}", flush=True)
    print(f"  TAUBOT_API_URL={sandbox.api_url}")
    print(f"  TAUBOT_APP_ID={sandbox.application_id}")
    print(f"  TAUBOT_MASTER_KEY={sandbox.master_key}")
    print("Demo members (Discord user id: accounts):")
    for owner in sorted({a.owner_id for a in sandbox.economy.accounts.values() if a.owner_id is not None}):
        names = ", ".join(a.account_name for a in sandbox.economy.accounts_of(owner))
        print(f"  {owner}: {names}")
    print(f"Try the grant page: {sandbox.grant_url(uuid.uuid4())}")
    print("(register a reference first for a real link; the bot does that for you)", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, stop.set)
    await stop.wait()
    await sandbox.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description="A local Taubot API stand-in.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    parser.add_argument("--credentials", type=Path, help="write the API URL, app id, master key and accounts here")
    arguments = parser.parse_args()
    asyncio.run(serve(arguments.host, arguments.port, arguments.credentials))


if __name__ == "__main__":
    main()
