"""Taubot v2.1's rules (TAUBOT_API_V21.md): Bearer keys whose claims are {sub, iss, exp} and that expire, server-
made references in one cache of 64 shared by every application (each kept an hour), a key retrieved once, a
grant bound to one account, transfers with error codes, and a log of the key's own account only."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from .economy import TRANSFER_FUNDS, VIEW_BALANCE, AccountRecord, ApiKey, Economy, Outcome, jwt_claims

DAY = 24 * 60 * 60
REFERENCE_CAPACITY, REFERENCE_LIFETIME = 64, 60 * 60
BITS = {VIEW_BALANCE: 2, TRANSFER_FUNDS: 8}  # the permissions offered to applications, as bitmask bits
INVALID_KEY = "Invalid, expired or disabled key"
UNBOUND_KEY = "Grant keys must be linked to an account"


@dataclass
class Choice:
    """What was submitted on the grant page; the last submission before retrieval wins."""

    user_id: int
    account_id: str
    spending_limit: int | None
    permissions: set[str]  # what the key will hold: the reference's, less any a test takes away


@dataclass
class PendingReference:
    ref_id: str
    application_id: str
    permissions: set[str]
    created_at: float
    replaces: ApiKey | None = None  # an update reference: the grant key that asked for it
    choice: Choice | None = field(default=None)


def permissions_in(bitmask: int) -> set[str]:
    return {name for name, bit in BITS.items() if bitmask & bit}


class V21Economy(Economy):
    dialect = "v2.1"
    master_key_lifetime = 60 * DAY
    grant_key_lifetime = 90 * DAY

    def __init__(self, **options):
        super().__init__(**options)
        self.references: dict[str, PendingReference] = {}  # oldest first

    def claims(self, key_id: str, expires_at: float | None) -> dict:
        return {"sub": key_id, "iss": "TB", "exp": int(expires_at)} if expires_at is not None else {
            "sub": key_id, "iss": "TB"}

    # -- keys ---------------------------------------------------------------------------------------

    def authenticate(self, header: str | None, *kinds: str) -> ApiKey:
        """The key behind `Authorization: Bearer <key>` if it is of one of `kinds`; every failure is the same
        generic 401, except a grant key bound to no account."""
        key = self._valid_key(header)
        if key is None or key.kind not in kinds:
            raise Outcome(401, INVALID_KEY)
        if key.kind == "grant" and key.account_id not in self.accounts:
            raise Outcome(401, UNBOUND_KEY)
        return key

    def _valid_key(self, header: str | None) -> ApiKey | None:
        token = self.presented_key(header or "")
        if token is None:
            return None
        claims = jwt_claims(token)
        key = self.keys.get(token) if claims and claims.get("sub") and claims.get("iss") else None
        if key is None or not key.enabled or (key.expires_at is not None and key.expires_at <= self.now()):
            return None
        return key

    def presented_key(self, header: str) -> str | None:
        scheme, _, token = header.partition(" ")
        return token.strip() if scheme.lower() == "bearer" and token.strip() else None

    def key_kind(self, header: str | None) -> str:
        if header is None:
            return "none"
        key = self._valid_key(header)
        return key.kind if key is not None else "invalid"

    # -- references ---------------------------------------------------------------------------------

    def create_reference(self, application_id: str, permissions: set[str], *,
                         replaces: ApiKey | None = None) -> str:
        """A new pending reference; the oldest pending one is evicted when the cache is full."""
        self._forget_expired()
        while len(self.references) >= REFERENCE_CAPACITY:
            del self.references[next(iter(self.references))]
        ref_id = str(uuid.uuid4())
        self.references[ref_id] = PendingReference(ref_id, application_id, set(permissions), self.now(), replaces)
        return ref_id

    def pending(self, ref_id: str, application_id: str | None = None) -> PendingReference | None:
        self._forget_expired()
        reference = self.references.get(ref_id)
        if reference is None or (application_id is not None and reference.application_id != application_id):
            return None
        return reference

    def _forget_expired(self) -> None:
        cutoff = self.now() - REFERENCE_LIFETIME
        for ref_id in [r.ref_id for r in self.references.values() if r.created_at <= cutoff]:
            del self.references[ref_id]

    def forget_references(self) -> None:
        """What a restart of the real server does: the cache lives only in its memory."""
        self.references.clear()

    def submit_grant(self, ref_id: str, user_id: int, *, permissions: dict[str, set[str]],
                     spending_limit: int | None) -> bool:
        """One account (the only key of `permissions`) and a limit; False when the reference is unknown or
        there is no account to pick. Anyone may submit: the last submission wins."""
        reference = self.pending(ref_id)
        if reference is None or len(permissions) != 1:
            return False
        ((account_id, allowed),) = permissions.items()
        if account_id not in self.accounts:
            raise Outcome(400, "Something went wrong, please try logging in again")
        granted = reference.permissions & set(allowed) if reference.replaces is None else set(allowed)
        reference.choice = Choice(user_id, account_id, spending_limit, granted)
        return True

    def retrieve_key(self, ref_id: str, by: ApiKey | None = None) -> str:
        """The key a submitted reference grants, once: the reference is gone afterwards."""
        reference = self.pending(ref_id, by.application_id if by is not None else None)
        if reference is None:
            raise Outcome(404, "Reference not registered")
        if reference.choice is None:
            raise Outcome(403, "User has not yet authenticated using reference")
        if by is not None and (by.kind == "grant") != (reference.replaces is not None):
            kind = "Update references must be retrieved using the original grant key" if reference.replaces \
                else "New references must be retrieved using the original master key"
            raise Outcome(403, kind)
        choice = reference.choice
        key = self.issue_grant_key(reference.application_id, choice.user_id, choice.account_id,
                                   permissions=choice.permissions, spending_limit=choice.spending_limit)
        if reference.replaces is not None:
            del self.keys[reference.replaces.key]  # retrieving the new key deletes the one that asked for it
        del self.references[ref_id]
        return key

    def issue_grant_key(self, application_id: str, user_id: int, account_id: str, *, permissions: set[str],
                        spending_limit: int | None, lifetime_seconds: float | None = None) -> str:
        lifetime = self.grant_key_lifetime if lifetime_seconds is None else lifetime_seconds
        return self.issue_key("grant", application_id, lifetime_seconds=lifetime, user_id=user_id,
                              account_id=account_id, permissions={account_id: set(permissions)},
                              spending_limit=spending_limit)

    # -- reading ------------------------------------------------------------------------------------

    def account_json(self, account: AccountRecord, key: ApiKey) -> dict:
        # VIEW_BALANCE on its own account shows every balance of that account's economy.
        own = self.accounts.get(key.account_id or "")
        visible = (key.kind == "grant" and own is not None and key.may(VIEW_BALANCE, own.account_id)
                   and account.economy_id == own.economy_id)
        return account.as_json(balance_visible=visible)

    def application_json(self, application_id: str) -> dict:
        return self.applications[application_id].as_json()

    def own_log(self, key: ApiKey, *, limit: int, sort: int, before: int, after: int) -> list[dict]:
        if sort not in (0, 1):
            raise Outcome(400, {"error_code": 2000,
                                "description": "Sort mode must be either: 0 - newest first, 1 - oldest first"})
        if limit <= 0:
            raise Outcome(400, {"error_code": 2001, "description": "Limit must be greater than zero"})
        if limit > 100:
            raise Outcome(400, {"error_code": 2002, "description": "Can only fetch up to 100 transactions"})
        if not key.may(VIEW_BALANCE, key.account_id):
            raise Outcome(403, "You do not have the permission to view the transactions of this account")
        entries = [t for t in self.log if key.account_id in (t.from_account, t.to_account)
                   and (not before or t.timestamp < before) and (not after or t.timestamp > after)]
        ordered = entries if sort == 1 else list(reversed(entries))
        return [entry.as_json() for entry in ordered[:limit]]

    # -- paying -------------------------------------------------------------------------------------

    def transfer(self, key: ApiKey, from_id: str | None, to_id: str, amount: int) -> bool:
        """Apply v2.1's rules in its order; True when money moved. `from_id` is ignored, as the real server
        ignores it: the money always comes from the key's bound account."""
        del from_id
        if amount < 0:
            raise Outcome(400, "Amount transferred must be greater than zero")
        try:
            target = self.accounts.get(str(uuid.UUID(to_id)))
        except ValueError:
            raise Outcome(400, "Account UUID malformed or invalid") from None
        if target is None:
            raise Outcome(404, "To account not found")
        source = self.accounts[key.account_id]
        self._refuse_by_code(key, source, target, amount)
        if not key.may(TRANSFER_FUNDS, source.account_id) or source.economy_id != target.economy_id:
            raise Outcome(500, "Could not perform transaction, please contact a developer")
        key.spent += amount  # only what moved counts against the limit
        self.record_transfer(key, source, target, amount)
        return True

    @staticmethod
    def _refuse_by_code(key: ApiKey, source: AccountRecord, target: AccountRecord, amount: int) -> None:
        if source.account_id == target.account_id:
            raise Outcome(403, {"error_code": 1000, "detail": "Cannot transfer from and to the same account"})
        if source.balance < amount:
            raise Outcome(403, {"error_code": 1001, "detail": "Insufficient funds"})
        # 0 and None (an empty field) mean no limit; a negative limit blocks everything, even amount 0.
        if key.spending_limit and amount + key.spent > key.spending_limit:
            raise Outcome(403, {"error_code": 1002, "detail": "Spending limit reached"})
