"""`Sandbox`: run the Taubot stand-in in-process, shape its economy, watch its requests, inject faults.

    sandbox = Sandbox(seed="demo", dialect="v2.1")  # "v2" (the default) or "v2.1"
    await sandbox.start(port=0)                 # an ephemeral loopback port
    sandbox.api_url, sandbox.application_id, sandbox.master_key
    alice = sandbox.create_account("Alice", owner_id=1001, balance=10_000)
    sandbox.grant(ref_id, user_id=1001, permissions=("VIEW_BALANCE", "TRANSFER_FUNDS"), spending_limit=5000)
    sandbox.requests                             # method, raw path, query, key kind, body, status
    sandbox.fail_next("GET /api/users/", status=503, times=2)     # also 429 with a Retry-After header
    sandbox.fail_next(sandbox.route("transfer"), status=500)       # a route named the same on both dialects
    sandbox.delay("GET /api/accounts/", 3.0)     # slow answers, to trigger client timeouts
    sandbox.drop_next("POST /api/transactions/") # close the connection without answering
    release = sandbox.hold("GET /api/accounts/", after=5)  # Taubot stalls after 5 answers, until release()
    sandbox.pace(latency_seconds=0.02, requests_per_second=150)  # a loaded real server (pacing.py)
    sandbox.restart()                            # forget pending references, like the real server
    sandbox.clock_offset_seconds = -6            # Taubot's clock 6 s behind ours (log stamps, v2.1 expiry)
    sandbox.issue_grant_key(1001, lifetime_seconds=-60)  # a key minted directly; here one already expired
    await sandbox.stop()

    Sandbox(state=Path("sandbox.json"))          # the same application, keys, accounts and log at every start

A route is "METHOD /path-prefix", or a glob with '*' matched against the path with or without its query
(e.g. "GET /api/accounts?name=*"). Faults answer in the dialect's own error shape unless given a body.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from .addresses import reachable_host, url_host
from .economy import TRANSFER_FUNDS, VIEW_BALANCE, AccountRecord, Economy, LoggedTransaction
from .economy_v21 import V21Economy
from .pacing import PacingSettings
from .seed import seed_demo_economy, seed_shared_accounts
from .server import FaultRule, RequestRecord, TaubotSandboxServer, grant_from_request, parse_route
from .state import ECONOMIES, StateFile, restore_economy

DIALECTS = tuple(ECONOMIES)
STOP_GRACE_SECONDS = 0.1


class Sandbox:
    def __init__(self, *, seed: str = "demo", offer_application_endpoint: bool = False, dialect: str | None = None,
                 state: Path | None = None):
        """seed: "demo" (members and shared accounts), "shared" (shared accounts only) or "empty".
        dialect: "v2" (the default) or "v2.1", the server version to speak. offer_application_endpoint: v2 only
        (the real v2 answers 404 at /applications/me; v2.1 always offers it). state: a file keeping the sandbox's
        identity and economy across restarts (state.py): when it holds a sandbox, that one comes back (no seed;
        `dialect`, if given, must match); it is written from start() on, after every request that changed it."""
        if dialect is not None and dialect not in ECONOMIES:
            raise ValueError(f"unknown dialect {dialect!r}: expected one of {', '.join(DIALECTS)}")
        self.state_file = None if state is None else StateFile(state)
        saved = None if self.state_file is None else self.state_file.load()
        self.restored = saved is not None
        if saved is None:
            self.economy, self.application_id = seeded_economy(seed, dialect or "v2")
        else:
            self.economy, self.application_id = restore_economy(self.state_file.path, saved, dialect)
        self.master_key_renewed = self._renew_expired_master_key()
        self.dialect = self.economy.dialect
        self.server = TaubotSandboxServer(self.economy, self.application_id, state=self.state_file,
                                          offer_application_endpoint=offer_application_endpoint)
        self._runner: web.AppRunner | None = None
        self.host = "127.0.0.1"
        self.port = 0

    @property
    def master_key(self) -> str:
        return self.economy.applications[self.application_id].master_key

    def _renew_expired_master_key(self) -> bool:
        """A kept v2.1 sandbox outlives its 60-day master key: it gets a new one, as the operator would issue."""
        application = self.economy.applications[self.application_id]
        expires_at = self.economy.keys[application.master_key].expires_at
        if expires_at is None or expires_at > self.economy.now():
            return False
        application.master_key = self.issue_master_key()
        return True

    # -- lifecycle ------------------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on host:port (0: a free port). OSError when that cannot be done; StateError when the state file
        cannot be written (it is written here first, so a sandbox never runs on a state it cannot keep)."""
        self.save_state()
        # A stopping sandbox cuts off requests it is still delaying (a test's slow Taubot) rather than letting
        # each test's teardown wait them out.
        self._runner = web.AppRunner(self.server.app, access_log=None, handle_signals=False,
                                     shutdown_timeout=STOP_GRACE_SECONDS)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.host = reachable_host(host)
        self.port = site._server.sockets[0].getsockname()[1]  # the real port when 0 was asked for

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self.save_state()  # what tests changed in-process, without a request

    def save_state(self) -> None:
        if self.state_file is not None:
            self.state_file.save(self.economy, self.application_id)

    async def __aenter__(self) -> Sandbox:
        """`async with Sandbox(...) as sandbox:` runs it on an ephemeral loopback port."""
        await self.start()
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{url_host(self.host)}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api"

    def grant_url(self, ref_id: str | uuid.UUID) -> str:
        return f"{self.api_url}/oauth/grant?{self.server.api.grant_query(str(ref_id), self.application_id)}"

    def route(self, name: str) -> str:
        """The route of a named call in this dialect, for faults: register_reference, retrieve_key,
        grant_page, application, user_account, account_by_name, account_by_id, transactions, transfer, and
        (v2 only) my_account."""
        try:
            return self.server.api.routes[name]
        except KeyError:
            raise KeyError(f"Taubot {self.dialect} has no {name!r} route") from None

    def credentials(self) -> dict:
        return {
            "dialect": self.dialect,
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

    def new_reference(self, permissions: tuple[str, ...] = (VIEW_BALANCE, TRANSFER_FUNDS)) -> str:
        """A reference registered as the application would (v2: a client-made UUID; v2.1: made by the server
        asking for `permissions`)."""
        if isinstance(self.economy, V21Economy):
            return self.economy.create_reference(self.application_id, set(permissions))
        ref_id = str(uuid.uuid4())
        self.economy.register_reference(self.application_id, ref_id)
        return ref_id

    def retrieval_request(self, ref_id: str | uuid.UUID) -> tuple[str, str]:
        """(the Authorization header, the URL) with which the application retrieves ref_id's key."""
        api = self.server.api
        return api.authorization(self.master_key), self.base_url + api.retrieve_path.format(ref_id)

    def retrieve_key(self, ref_id: str | uuid.UUID) -> str:
        """What the application's retrieval answers (raises Outcome while there is nothing to give)."""
        return self.economy.retrieve_key(str(ref_id))

    def issue_grant_key(self, user_id: int, *, account_id: str | None = None,
                        permissions: tuple[str, ...] = (VIEW_BALANCE, TRANSFER_FUNDS),
                        spending_limit: int | None = 5000, lifetime_seconds: float | None = None) -> str:
        """A grant key minted directly, without the grant flow: for `account_id` (default: the member's
        personal account). lifetime_seconds (v2.1 only; default 90 days) may be negative: an expired key."""
        account = account_id or self.economy.personal_account(user_id).account_id
        if isinstance(self.economy, V21Economy):
            return self.economy.issue_grant_key(self.application_id, user_id, account, permissions=set(permissions),
                                                spending_limit=spending_limit, lifetime_seconds=lifetime_seconds)
        if lifetime_seconds is not None:
            raise ValueError("Taubot v2 keys never expire")
        return self.economy.issue_key("grant", self.application_id, user_id=user_id,
                                      permissions={account: set(permissions)}, spending_limit=spending_limit)

    def issue_master_key(self, *, lifetime_seconds: float | None = None) -> str:
        """Another master key for the application (the first stays valid); v2.1 keys live 60 days unless
        lifetime_seconds says otherwise (negative: already expired)."""
        lifetime = self.economy.master_key_lifetime if lifetime_seconds is None else lifetime_seconds
        return self.economy.issue_key("master", self.application_id, lifetime_seconds=lifetime)

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

    def requests_to(self, route: str) -> list[RequestRecord]:
        """The requests a route (or a route's name, see `route`) matches, as faults would match them."""
        method, pattern = parse_route(self.server.api.routes.get(route, route))
        rule = FaultRule(method, pattern, "status", None)
        return [record for record in self.requests if rule.matches(record.method, record.target)]

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

    def hold(self, route: str, *, after: int = 0, times: int | None = None) -> Callable[[], None]:
        """Answer the first `after` requests to `route`, then keep the rest (or only the next `times`) waiting (a
        Taubot stalled, for as long as a test needs, with no timer to race) until the returned release() is
        called."""
        method, prefix = parse_route(route)
        released = asyncio.Event()
        rule = FaultRule(method, prefix, "hold", None if times is None else after + times, released=released,
                         let_through=after)
        self.server.faults.append(rule)

        def release() -> None:
            released.set()
            if rule in self.server.faults:
                self.server.faults.remove(rule)
        return release

    def drop_next(self, route: str, *, times: int = 1) -> None:
        method, prefix = parse_route(route)
        self.server.faults.append(FaultRule(method, prefix, "drop", times))

    def clear_faults(self) -> None:
        for rule in self.server.faults:
            if rule.released is not None:  # nothing may stay held by a rule that is gone
                rule.released.set()
        self.server.faults.clear()

    def pace(self, *, latency_seconds: float = 0.0, requests_per_second: float | None = None) -> None:
        """Answer every API request `latency_seconds` late, and at most `requests_per_second` of them a
        second, first come first served (both off by default; pace() with no arguments turns them off)."""
        self.server.pacer.reset(PacingSettings(latency_seconds, requests_per_second))


def seeded_economy(seed: str, dialect: str) -> tuple[Economy, str]:
    """A new economy with its application (whose id is returned) and the accounts `seed` names."""
    economy = ECONOMIES[dialect]()
    application_id = economy.create_application().application_id
    if seed == "demo":
        seed_demo_economy(economy)
    elif seed == "shared":
        seed_shared_accounts(economy)
    elif seed != "empty":
        raise ValueError(f"unknown seed {seed!r}")
    return economy, application_id
