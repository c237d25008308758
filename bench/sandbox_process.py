"""The Taubot sandbox in a process of its own (`python -m sandbox`), so the bot's requests cross real
loopback HTTP to a server that does not share the bot's event loop or CPU time slices."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 20.0


class SandboxProcess:
    """`async with SandboxProcess(tmp) as sandbox:` — started on a free port, stopped on exit."""

    def __init__(self, workdir: Path, dialect: str = "v2", *, grant_key_days: float | None = None):
        """grant_key_days: v2.1's grant key lifetime (the sandbox's --grant-key-days), default the real servers'."""
        self.dialect = dialect
        self.grant_key_days = grant_key_days
        self.credentials_path = workdir / f"sandbox-{dialect}-credentials.json"
        self.process: asyncio.subprocess.Process | None = None
        self.credentials: dict[str, Any] = {}
        self._session: aiohttp.ClientSession | None = None

    @classmethod
    async def attach(cls, credentials_path: Path) -> SandboxProcess:
        """Use a sandbox another process started (from its credentials file); stopping it is theirs."""
        attached = cls(credentials_path.parent)
        attached.credentials_path = credentials_path
        if not attached._credentials_complete():
            raise RuntimeError(f"no sandbox credentials in {credentials_path}")
        attached.dialect = attached.credentials["dialect"]
        attached._session = aiohttp.ClientSession()
        return attached

    async def __aenter__(self) -> SandboxProcess:
        self.credentials_path.unlink(missing_ok=True)  # a previous sandbox's file would read as "ready"
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "sandbox", "--host", "127.0.0.1", "--port", "0", "--dialect", self.dialect,
            "--credentials", str(self.credentials_path),
            *(["--grant-key-days", str(self.grant_key_days)] if self.grant_key_days is not None else []),
            cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + STARTUP_SECONDS
        # The credentials file is written after the port is bound, so its presence means "ready".
        while not self._credentials_complete():
            if self.process.returncode is not None:
                raise RuntimeError(f"the sandbox exited: {(await self.process.stderr.read()).decode()[-500:]}")
            if time.monotonic() > deadline:
                raise RuntimeError("the sandbox did not start in time")
            await asyncio.sleep(0.05)
        self._session = aiohttp.ClientSession()
        return self

    def _credentials_complete(self) -> bool:
        try:
            self.credentials = json.loads(self.credentials_path.read_text())
        except (OSError, ValueError):
            return False
        return "master_key" in self.credentials

    async def __aexit__(self, *exc_info: Any) -> None:
        if self._session is not None:
            await self._session.close()
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), timeout=10)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()

    @property
    def api_url(self) -> str:
        return self.credentials["api_url"]

    @property
    def base_url(self) -> str:
        return self.api_url.removesuffix("/api")

    @property
    def pid(self) -> int:
        return self.process.pid

    async def open_account(self, name: str, *, owner_id: int | None, balance: int,
                           account_type: str = "USER") -> str:
        """A new account in the sandbox's economy (its control API); returns the account id."""
        body = {"account_name": name, "owner_id": owner_id, "account_type": account_type, "balance": balance}
        async with self._session.post(f"{self.base_url}/sandbox/accounts", json=body) as response:
            if response.status != 201:
                raise RuntimeError(f"opening {name!r} failed: {response.status}")
            return (await response.json())["account_id"]

    async def grant(self, ref_id: str, user_id: int, *, spending_limit: int = 1_000_000_00) -> None:
        """What a member does on the grant page: VIEW BALANCE and TRANSFER FUNDS on their personal account."""
        body = {"ref_id": ref_id, "user_id": user_id, "permissions": ["VIEW_BALANCE", "TRANSFER_FUNDS"],
                "spending_limit": spending_limit}
        async with self._session.post(f"{self.base_url}/sandbox/grant", json=body) as response:
            if response.status != 201:
                raise RuntimeError(f"granting {ref_id} failed: {response.status}")

    async def pace(self, *, latency_ms: float = 0.0, requests_per_second: float | None = None) -> None:
        """Make the sandbox answer like a loaded server (see sandbox/pacing.py); no arguments: full speed."""
        body = {"latency_ms": latency_ms, "requests_per_second": requests_per_second}
        async with self._session.post(f"{self.base_url}/sandbox/pace", json=body) as response:
            if response.status != 200:
                raise RuntimeError(f"pacing the sandbox failed: {response.status}")

    async def requests_logged(self) -> int:
        """How many requests the sandbox has logged so far: a mark for `requests_since`."""
        return (await self._request_log(0))["total"]

    async def requests_since(self, mark: int) -> list[dict[str, Any]]:
        """The Taubot API requests the server received since `mark` (method, route name, path, status, key
        kind)."""
        return (await self._request_log(mark))["requests"]

    async def transfer_log(self) -> list[dict[str, Any]]:
        """Every transfer Taubot applied, as its log records it (actor_id, from_account, to_account, amount…)."""
        async with self._session.get(f"{self.base_url}/sandbox/log") as response:
            if response.status != 200:
                raise RuntimeError(f"reading the sandbox's log failed: {response.status}")
            return (await response.json())["transfers"]

    async def _request_log(self, since: int) -> dict[str, Any]:
        async with self._session.get(f"{self.base_url}/sandbox/requests", params={"since": since}) as response:
            if response.status != 200:
                raise RuntimeError(f"reading the sandbox's request log failed: {response.status}")
            return await response.json()

    def cpu_seconds(self) -> float:
        """CPU time the sandbox process has used so far (user + system), from /proc."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])  # utime and stime: fields 14 and 15 of stat(5)
        return ticks / os.sysconf("SC_CLK_TCK")
