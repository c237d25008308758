"""`Sandbox`: run the Taubot stand-in in-process, shape its economy, watch its requests, inject faults.

    sandbox = Sandbox(seed="demo")
    await sandbox.start(port=0)                 # an ephemeral loopback port
    sandbox.api_url, sandbox.application_id, sandbox.master_key
    alice = sandbox.create_account("Alice", owner_id=1001, balance=10_000)
    sandbox.grant(ref_id, user_id=1001, permissions=("VIEW_BALANCE", "TRANSFER_FUNDS"), spending_limit=5000)
    sandbox.requests                             # method, raw path, query, key kind, body, status
    sandbox.fail_next("GET /api/users/", status=503, times=2)     # also 429 with a Retry-After header
    sandbox.delay("GET /api/accounts/", 3.0)     # slow answers, to trigger client timeouts
    sandbox.drop_next("POST /api/transactions/") # close the connection without answering
    sandbox.restart()                            # forget pending references, like the real server
    sandbox.clock_offset_seconds = -6            # Taubot's clock 6 s behind ours (stamps on log entries)
    await sandbox.stop()
"""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from aiohttp import web

from .economy import TRANSFER_FUNDS, VIEW_BALANCE, AccountRecord, Economy, LoggedTransaction
from .seed import seed_demo_economy, seed_shared_accounts
from .server import FaultRule, RequestRecord, TaubotSandboxServer, grant_from_request, parse_route


class Sandbox:
    def __init__(self, *, seed: str = "demo", offer_application_endpoint: bool = False):
        """seed: "demo" (members and shared accounts), "shared" (shared accounts only) or "empty"."""
        self.economy = Economy()
        application = self.economy.create_application()
        self.application_id = application.application_id
        self.master_key = application.master_key
        if seed == "demo":
            seed_demo_economy(self.economy)
        elif seed == "shared":
            seed_shared_accounts(self.economy)
        elif seed != "empty":
            raise ValueError(f"unknown seed {seed!r}")
        self.server = TaubotSandboxServer(self.economy, self.application_id,
                                          offer_application_endpoint=offer_application_endpoint)
        self._runner: web.AppRunner | None = None
        self.host = "127.0.0.1"
        self.port = 0

    # -- lifecycle ------------------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._runner = web.AppRunner(self.server.app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.host = host
        self.port = site._server.sockets[0].getsockname()[1]  # the real port when 0 was asked for

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api"

    def grant_url(self, ref_id: str | uuid.UUID) -> str:
        return f"{self.api_url}/oauth/grant?{urlencode({'ref': str(ref_id), 'aid': self.application_id})}"

    def credentials(self) -> dict:
        return {
            "api_url": self.api_url,
            "application_id": self.application_id,
            "master_key": self.master_key,
            "accounts": [
                {"account_id": a.account_id, "account_name": a.account_name, "owner_id": a.owner_id,
                 "account_type": a.account_type, "balance": a.balance}
                for a in self.economy.accounts.values()
            ],
        }

    # -- the economy ----------------------------------------------------------------------------------

    def create_account(self, name: str, *, owner_id: int | None = None, account_type: str = "USER",
                       balance: int = 0, other_economy: bool = False) -> AccountRecord:
        economy_id = str(uuid.uuid4()) if other_economy else None
        return self.economy.create_account(name, owner_id=owner_id, account_type=account_type, balance=balance,
                                           economy_id=economy_id)

    def account(self, name: str) -> AccountRecord:
        """The (first) account with this name; for tests."""
        return next(a for a in self.economy.accounts.values() if a.account_name == name)

    def balance_of(self, account_id: str) -> int:
        return self.economy.accounts[account_id].balance

    def set_balance(self, account_id: str, cents: int) -> None:
        self.economy.accounts[account_id].balance = cents

    def transactions_of(self, account_id: str) -> list[LoggedTransaction]:
        return [t for t in self.economy.log if account_id in (t.from_account, t.to_account)]

    def grant(self, ref_id: str | uuid.UUID, user_id: int, *,
              permissions: tuple[str, ...] = (VIEW_BALANCE, TRANSFER_FUNDS), spending_limit: int | None = 5000,
              accounts: list[str] | None = None) -> bool:
        """What a member does on the grant page; False when Taubot does not know the reference."""
        body = {"ref_id": str(ref_id), "user_id": user_id, "permissions": list(permissions),
                "spending_limit": spending_limit}
        if accounts is not None:
            body["accounts"] = accounts
        return grant_from_request(self.economy, body)

    def revoke_key(self, key: str) -> None:
        self.economy.revoke(key)

    def spent_by(self, key: str) -> int:
        return self.economy.keys[key].spent

    @property
    def clock_offset_seconds(self) -> float:
        """How far Taubot's clock is from this machine's when it stamps log entries (negative: behind)."""
        return self.economy.clock_offset_seconds

    @clock_offset_seconds.setter
    def clock_offset_seconds(self, seconds: float) -> None:
        self.economy.clock_offset_seconds = seconds

    def restart(self) -> None:
        """Forget every reference, as the real server does when it restarts (keys and accounts stay)."""
        self.economy.forget_references()

    # -- observation and faults -----------------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        return self.server.requests

    def clear_requests(self) -> None:
        self.server.requests.clear()

    def fail_next(self, route: str, status: int = 503, *, times: int = 1, body: str | None = None,
                  headers: dict[str, str] | None = None) -> None:
        method, prefix = parse_route(route)
        self.server.faults.append(FaultRule(method, prefix, "status", times, status=status, body=body,
                                            headers=headers))

    def delay(self, route: str, seconds: float, *, times: int | None = None) -> None:
        method, prefix = parse_route(route)
        self.server.faults.append(FaultRule(method, prefix, "delay", times, seconds=seconds))

    def drop_next(self, route: str, *, times: int = 1) -> None:
        method, prefix = parse_route(route)
        self.server.faults.append(FaultRule(method, prefix, "drop", times))

    def clear_faults(self) -> None:
        self.server.faults.clear()
