"""The sandbox's economy: accounts, applications, keys and the transaction log, without any HTTP.

This base holds what both Taubot dialects share. Each dialect's own rules (how keys look and are checked,
references, the grant, transfers, the log) are a subclass: economy_v2.py and economy_v21.py. Both reproduce
the real servers' behaviour, including what a client must survive (TAUBOT_API.md, TAUBOT_API_V21.md).
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

VIEW_BALANCE = "VIEW_BALANCE"
TRANSFER_FUNDS = "TRANSFER_FUNDS"
PERMISSIONS = (VIEW_BALANCE, TRANSFER_FUNDS)
ACCOUNT_TYPES = ("USER", "GOVERNMENT", "CORPORATION", "CHARITY")
_JWT_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


class Outcome(Exception):
    """A non-success answer: the status the real server gives and, for v2.1, its `detail` (a string, an object
    or a list). `crash` marks an unhandled error, which v2.1 answers in plain text instead of JSON."""

    def __init__(self, status: int, detail: Any = None, *, crash: bool = False):
        super().__init__(status)
        self.status = status
        self.detail = detail
        self.crash = crash


@dataclass
class AccountRecord:
    account_id: str
    account_name: str
    owner_id: int | None
    account_type: str
    balance: int
    economy_id: str

    def as_json(self, *, balance_visible: bool) -> dict:
        return {
            "account_id": self.account_id,
            # Both servers write str(None) for accounts without an owner.
            "owner_id": str(self.owner_id),
            "account_name": self.account_name,
            "account_type": self.account_type,
            "balance": self.balance if balance_visible else None,
        }


@dataclass
class ApiKey:
    key: str
    key_id: str
    kind: str  # "master" or "grant"
    application_id: str
    user_id: int | None = None  # who granted it (grant keys)
    permissions: dict[str, set[str]] = field(default_factory=dict)  # account id → permissions
    spending_limit: int | None = 0
    spent: int = 0
    enabled: bool = True
    account_id: str | None = None    # v2.1: the one account a grant key acts for
    expires_at: float | None = None  # v2.1: the `exp` claim, on Taubot's clock

    def may(self, permission: str, account_id: str) -> bool:
        return permission in self.permissions.get(account_id, set())


@dataclass
class LoggedTransaction:
    actor_id: str
    timestamp: float
    from_account: str
    to_account: str
    amount: int

    def as_json(self) -> dict:
        return {"actor_id": self.actor_id, "timestamp": self.timestamp, "from_account": self.from_account,
                "to_account": self.to_account, "amount": self.amount}


@dataclass
class Application:
    application_id: str
    name: str
    economy_id: str
    economy_name: str
    owner_id: int
    master_key: str

    def as_json(self) -> dict:
        # v2.1's fields (v2 answers 404 here; its documentation names the id `id`, see economy_v2.py).
        return {"application_id": self.application_id, "application_name": self.name,
                "economy_name": self.economy_name, "economy_id": self.economy_id, "owner_id": str(self.owner_id)}


def make_jwt(claims: dict) -> str:
    """A JWT-shaped key (header.payload.signature): the sandbox checks its registry, not signatures."""
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")

    signature = base64.urlsafe_b64encode(secrets.token_bytes(48)).decode().rstrip("=")
    return f"{part({'alg': 'RS512', 'typ': 'JWT'})}.{part(claims)}.{signature}"


def jwt_claims(value: str) -> dict | None:
    """The claims of a JWT-shaped value (three base64url parts), or None when it is not one."""
    if not _JWT_SHAPE.fullmatch(value):
        return None
    parts = value.split(".")
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return None
    return claims if isinstance(claims, dict) else None


class Economy:
    """State and rules both dialects share. Subclasses add `dialect` and the dialect's own rules."""

    dialect = ""
    master_key_lifetime: float | None = None  # seconds a new key works (None: forever); v2.1 sets both
    grant_key_lifetime: float | None = None

    def __init__(self, *, economy_name: str = "Sandbox Dollars"):
        self.economy_id = str(uuid.uuid4())
        self.economy_name = economy_name
        self.accounts: dict[str, AccountRecord] = {}
        self.keys: dict[str, ApiKey] = {}
        self.log: list[LoggedTransaction] = []
        self.applications: dict[str, Application] = {}
        self.next_key_id = 1  # the real servers number their keys; a number is never given twice
        # Added to this machine's clock when stamping log entries and judging expiry: Taubot runs on its own
        # clock, which may be behind (negative) or ahead of the bot's. Tests set it to check drift is survived.
        self.clock_offset_seconds = 0.0

    def now(self) -> float:
        """Taubot's clock: Unix seconds as it stamps log entries."""
        return time.time() + self.clock_offset_seconds

    # -- setting up ---------------------------------------------------------------------------------

    def create_application(self, name: str = "Sandbox Discord bot", owner_id: int = 1) -> Application:
        application = Application(str(uuid.uuid4()), name, self.economy_id, self.economy_name, owner_id, "")
        self.applications[application.application_id] = application
        application.master_key = self.issue_key("master", application.application_id,
                                                lifetime_seconds=self.master_key_lifetime)
        return application

    def create_account(self, name: str, *, owner_id: int | None = None, account_type: str = "USER",
                       balance: int = 0, economy_id: str | None = None) -> AccountRecord:
        if account_type not in ACCOUNT_TYPES:
            raise ValueError(f"account_type must be one of {ACCOUNT_TYPES}")
        account = AccountRecord(str(uuid.uuid4()), name, owner_id, account_type, balance,
                                economy_id or self.economy_id)
        self.accounts[account.account_id] = account
        return account

    def personal_account(self, user_id: int, economy_id: str | None = None) -> AccountRecord | None:
        return next((a for a in self.accounts.values() if a.owner_id == user_id and a.account_type == "USER"
                     and (economy_id is None or a.economy_id == economy_id)), None)

    def accounts_of(self, user_id: int) -> list[AccountRecord]:
        return [account for account in self.accounts.values() if account.owner_id == user_id]

    def economy_of(self, key: ApiKey) -> str:
        """The economy of the key's application: the one by-name and by-user look-ups search."""
        return self.applications[key.application_id].economy_id

    # -- keys ---------------------------------------------------------------------------------------

    def issue_key(self, kind: str, application_id: str, *, lifetime_seconds: float | None = None,
                  **record: Any) -> str:
        """Mint and register a key; its claims are the dialect's (see `claims`)."""
        key_id = str(self.next_key_id)
        self.next_key_id += 1
        expires_at = None if lifetime_seconds is None else self.now() + lifetime_seconds
        key = make_jwt(self.claims(key_id, expires_at))
        self.keys[key] = ApiKey(key, key_id, kind, application_id, expires_at=expires_at, **record)
        return key

    def claims(self, key_id: str, expires_at: float | None) -> dict:
        raise NotImplementedError

    def revoke(self, key: str) -> None:
        self.keys[key].enabled = False

    # -- reading ------------------------------------------------------------------------------------

    def find_by_name(self, name: str, economy_id: str) -> AccountRecord:
        """The one account of `economy_id` with exactly this name; two of them crash the real servers."""
        matches = [a for a in self.accounts.values() if a.account_name == name and a.economy_id == economy_id]
        if not matches:
            raise Outcome(404, "Account not found")
        if len(matches) > 1:
            raise Outcome(500, crash=True)  # the look-up expects one row
        return matches[0]

    def record_transfer(self, key: ApiKey, source: AccountRecord, target: AccountRecord, amount: int) -> None:
        source.balance -= amount
        target.balance += amount
        # Microseconds, as the real servers store them; two transfers within one microsecond (only a test is
        # that fast) are stamped a microsecond apart, so the log keeps their order and tells them apart.
        stamp = round(self.now(), 6)
        if self.log and abs(stamp - self.log[-1].timestamp) < 1e-6:
            stamp = round(self.log[-1].timestamp + 1e-6, 6)
        self.log.append(LoggedTransaction(key.key_id, stamp, source.account_id, target.account_id, amount))
