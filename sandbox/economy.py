"""The sandbox's economy: accounts, keys, grant references and the transaction log, with Taubot's rules.

This module has no HTTP in it. It reproduces the real server's behaviour, including what a client must
survive (TAUBOT_API.md): transfers answered OK that move nothing, negative amounts moving money backwards,
spending limits that failed transfers also use up, the dead first key of an empty grant, and references
that only live in memory.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
import uuid
from dataclasses import dataclass, field

VIEW_BALANCE = "VIEW_BALANCE"
TRANSFER_FUNDS = "TRANSFER_FUNDS"
PERMISSIONS = (VIEW_BALANCE, TRANSFER_FUNDS)
ACCOUNT_TYPES = ("USER", "GOVERNMENT", "CORPORATION", "CHARITY")
_JWT_SHAPE = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")


class Outcome(Exception):
    """A non-success answer, carrying the status the real server gives."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


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
            # The real server writes str(None) for accounts without an owner.
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

    def may(self, permission: str, account_id: str) -> bool:
        return permission in self.permissions.get(account_id, set())


@dataclass
class Submission:
    """What the member chose on the grant page; the last one before retrieval wins."""

    user_id: int
    permissions: dict[str, set[str]]
    spending_limit: int | None


@dataclass
class Reference:
    ref_id: str
    application_id: str
    submission: Submission | None = None
    issued_key: str | None = None
    dead_key_given: bool = False
    poisoned: bool = False  # registered again after a retrieval: every later retrieval fails


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
        return {"id": self.application_id, "application_name": self.name, "economy_name": self.economy_name,
                "economy_id": self.economy_id, "owner_id": str(self.owner_id)}


def make_jwt(claims: dict) -> str:
    """A JWT-shaped key (header.payload.signature); the sandbox checks shape and registry, not signatures."""
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")

    signature = base64.urlsafe_b64encode(secrets.token_bytes(24)).decode().rstrip("=")
    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.{signature}"


def is_well_formed_key(value: str) -> bool:
    """Taubot decodes the header as a JWT; anything that fails to decode makes it answer 500, not 401."""
    if not _JWT_SHAPE.match(value):
        return False
    try:
        payload = value.split(".")[1]
        json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except ValueError:
        return False
    return True


class Economy:
    def __init__(self, *, economy_name: str = "Sandbox Dollars"):
        self.economy_id = str(uuid.uuid4())
        self.economy_name = economy_name
        self.accounts: dict[str, AccountRecord] = {}
        self.keys: dict[str, ApiKey] = {}
        self.references: dict[str, Reference] = {}
        self.log: list[LoggedTransaction] = []
        self.applications: dict[str, Application] = {}
        # Added to this machine's clock when stamping log entries: Taubot runs on its own clock, which may be
        # behind (negative) or ahead of the bot's. Tests set it to check the bot survives ordinary drift.
        self.clock_offset_seconds = 0.0

    def now(self) -> float:
        """Taubot's clock: Unix seconds as it stamps log entries."""
        return time.time() + self.clock_offset_seconds

    # -- setting up ---------------------------------------------------------------------------------

    def create_application(self, name: str = "Sandbox Discord bot", owner_id: int = 1) -> Application:
        application_id = str(uuid.uuid4())
        key = make_jwt({"typ": "master", "app": application_id, "nonce": secrets.token_hex(4)})
        application = Application(application_id, name, self.economy_id, self.economy_name, owner_id, key)
        self.applications[application_id] = application
        self.keys[key] = ApiKey(key, str(uuid.uuid4()), "master", application_id)
        return application

    def create_account(self, name: str, *, owner_id: int | None = None, account_type: str = "USER",
                       balance: int = 0, economy_id: str | None = None) -> AccountRecord:
        if account_type not in ACCOUNT_TYPES:
            raise ValueError(f"account_type must be one of {ACCOUNT_TYPES}")
        account = AccountRecord(str(uuid.uuid4()), name, owner_id, account_type, balance,
                                economy_id or self.economy_id)
        self.accounts[account.account_id] = account
        return account

    def personal_account(self, user_id: int) -> AccountRecord | None:
        return next((a for a in self.accounts.values() if a.owner_id == user_id and a.account_type == "USER"),
                    None)

    def accounts_of(self, user_id: int) -> list[AccountRecord]:
        return [account for account in self.accounts.values() if account.owner_id == user_id]

    # -- keys ---------------------------------------------------------------------------------------

    def key_for(self, header: str | None) -> ApiKey | None:
        """The key an Authorization header names: None when absent; Outcome(500) when malformed;
        Outcome(401) when unknown or disabled."""
        if header is None:
            return None
        if not is_well_formed_key(header):
            raise Outcome(500)
        key = self.keys.get(header)
        if key is None or not key.enabled:
            raise Outcome(401)
        return key

    def revoke(self, key: str) -> None:
        self.keys[key].enabled = False

    # -- the grant flow -----------------------------------------------------------------------------

    def register_reference(self, application_id: str, ref_id: str) -> None:
        existing = self.references.get(ref_id)
        if existing is not None and existing.issued_key is not None:
            existing.poisoned = True
            existing.submission = None
            return
        # Registering again wipes a pending grant.
        self.references[ref_id] = Reference(ref_id, application_id)

    def submit_grant(self, ref_id: str, user_id: int, *, permissions: dict[str, set[str]],
                     spending_limit: int | None) -> bool:
        """The member's choices on the grant page; False when Taubot does not know the reference."""
        reference = self.references.get(ref_id)
        if reference is None:
            return False
        reference.submission = Submission(user_id, {k: set(v) for k, v in permissions.items() if v},
                                          spending_limit)
        reference.issued_key = None  # the last submission before retrieval wins
        reference.dead_key_given = False
        return True

    def retrieve_key(self, ref_id: str) -> str:
        reference = self.references.get(ref_id)
        if reference is None:
            raise Outcome(404)
        if reference.submission is None or reference.poisoned:
            raise Outcome(500)  # the real server crashes on the empty pending entry
        if reference.issued_key is not None:
            return reference.issued_key  # retrieval is repeatable
        submission = reference.submission
        if not submission.permissions and not reference.dead_key_given:
            # An empty grant (a member with no account): the first key never works, the next one does.
            reference.dead_key_given = True
            dead = self._new_grant_key(reference, submission)
            self.keys[dead].enabled = False
            return dead
        reference.issued_key = self._new_grant_key(reference, submission)
        return reference.issued_key

    def _new_grant_key(self, reference: Reference, submission: Submission) -> str:
        key = make_jwt({"typ": "grant", "app": reference.application_id, "sub": str(submission.user_id),
                        "nonce": secrets.token_hex(6)})
        self.keys[key] = ApiKey(key, str(uuid.uuid4()), "grant", reference.application_id,
                                user_id=submission.user_id,
                                permissions={k: set(v) for k, v in submission.permissions.items()},
                                spending_limit=submission.spending_limit)
        return key

    def forget_references(self) -> None:
        """What a restart of the real server does: references live only in its memory."""
        self.references.clear()

    # -- reading ------------------------------------------------------------------------------------

    def account_json(self, account: AccountRecord, key: ApiKey) -> dict:
        visible = key.kind == "grant" and key.may(VIEW_BALANCE, account.account_id)
        return account.as_json(balance_visible=visible)

    def find_by_name(self, name: str) -> AccountRecord:
        matches = [account for account in self.accounts.values() if account.account_name == name]
        if not matches:
            raise Outcome(404)
        if len(matches) > 1:
            raise Outcome(500)  # the real server's lookup expects one row and crashes
        return matches[0]

    def transactions(self, key: ApiKey, account_id: str, limit: int) -> list[dict]:
        # An unknown account is 401 too: no key holds VIEW_BALANCE on an account that does not exist.
        if not key.may(VIEW_BALANCE, account_id):
            raise Outcome(401)
        entries = [t for t in reversed(self.log) if account_id in (t.from_account, t.to_account)]
        return [entry.as_json() for entry in (entries if limit < 0 else entries[:limit])]

    # -- paying -------------------------------------------------------------------------------------

    def transfer(self, key: ApiKey, from_id: str, to_id: str, amount: int) -> bool:
        """Apply Taubot's transfer rules; return True when money moved. Raises Outcome for refusals."""
        if key.spending_limit is None:
            raise Outcome(404)
        source, target = self.accounts.get(from_id), self.accounts.get(to_id)
        if source is None or target is None:
            raise Outcome(404)
        if key.spent + amount > key.spending_limit:
            raise Outcome(401)
        key.spent += amount  # counted before any other check: refused transfers use up the limit too
        if not key.may(TRANSFER_FUNDS, from_id):
            return False  # answered 200; nothing moves
        if source.economy_id != target.economy_id:
            raise Outcome(400)
        if source.balance < amount:
            raise Outcome(400)
        # No sign check: a negative amount moves money from the target to the source.
        source.balance -= amount
        target.balance += amount
        self.log.append(LoggedTransaction(key.key_id, self.now(), from_id, to_id, amount))
        return from_id != to_id
