"""Taubot v2's rules (TAUBOT_API.md, corrections included): raw keys whose claims are {iss, kid}, references
made by the client that live only in memory, a grant with permissions ticked per account, transfers answered
OK that move nothing, negative amounts moving money backwards, and a log per account."""

from __future__ import annotations

from dataclasses import dataclass

from .economy import TRANSFER_FUNDS, VIEW_BALANCE, AccountRecord, ApiKey, Economy, Outcome, jwt_claims


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


class V2Economy(Economy):
    dialect = "v2"

    def __init__(self, **options):
        super().__init__(**options)
        self.references: dict[str, Reference] = {}

    def claims(self, key_id: str, expires_at: float | None) -> dict:
        return {"iss": "TB", "kid": key_id}

    # -- keys ---------------------------------------------------------------------------------------

    def authenticate(self, header: str | None) -> ApiKey | None:
        """The key an Authorization header names: None when absent; Outcome(500) when malformed (a Bearer
        prefix included); Outcome(401) when unknown or disabled."""
        if header is None:
            return None
        if jwt_claims(header) is None:
            raise Outcome(500)
        key = self.keys.get(header)
        if key is None or not key.enabled:
            raise Outcome(401)
        return key

    def presented_key(self, header: str) -> str:
        return header  # the raw key is the whole header

    def key_kind(self, header: str | None) -> str:
        if header is None:
            return "none"
        key = self.keys.get(header)
        return key.kind if key is not None and key.enabled else "invalid"

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
            dead = self._grant_key(reference, submission)
            self.keys[dead].enabled = False
            return dead
        reference.issued_key = self._grant_key(reference, submission)
        return reference.issued_key

    def _grant_key(self, reference: Reference, submission: Submission) -> str:
        return self.issue_key("grant", reference.application_id, user_id=submission.user_id,
                              permissions={k: set(v) for k, v in submission.permissions.items()},
                              spending_limit=submission.spending_limit)

    def forget_references(self) -> None:
        """What a restart of the real server does: references live only in its memory."""
        self.references.clear()

    # -- reading ------------------------------------------------------------------------------------

    def account_json(self, account: AccountRecord, key: ApiKey) -> dict:
        visible = key.kind == "grant" and key.may(VIEW_BALANCE, account.account_id)
        return account.as_json(balance_visible=visible)

    def application_json(self, application_id: str) -> dict:
        application = self.applications[application_id]
        return {"id": application.application_id, "application_name": application.name,
                "economy_name": application.economy_name, "economy_id": application.economy_id,
                "owner_id": str(application.owner_id)}

    def transactions(self, key: ApiKey, account_id: str, limit: int) -> list[dict]:
        if account_id not in self.accounts:
            raise Outcome(404)
        if not key.may(VIEW_BALANCE, account_id):
            raise Outcome(401)
        entries = [t for t in reversed(self.log) if account_id in (t.from_account, t.to_account)]
        return [entry.as_json() for entry in (entries if limit < 0 else entries[:limit])]

    # -- paying -------------------------------------------------------------------------------------

    def transfer(self, key: ApiKey, from_id: str, to_id: str, amount: int) -> bool:
        """Apply v2's transfer rules; return True when money moved. Raises Outcome for refusals."""
        if key.kind != "grant":
            raise Outcome(404)  # the master key has no spending limit row: the real server answers 404
        if key.spending_limit is None:
            raise Outcome(404)
        source, target = self.accounts.get(from_id), self.accounts.get(to_id)
        if source is None or target is None:
            raise Outcome(404)
        if key.spent + amount > key.spending_limit:
            raise Outcome(401)
        if not key.may(TRANSFER_FUNDS, from_id):
            return False  # answered 200; nothing moves and no allowance is used
        key.spent += amount  # counted before the other checks: refused transfers use up the limit too
        if source.economy_id != target.economy_id:
            raise Outcome(400)
        if source.balance < amount:
            raise Outcome(400)
        if from_id == to_id:
            return False  # answered 200: nothing moves and nothing is logged, but the limit was used
        # No sign check: a negative amount moves money from the target to the source.
        self.record_transfer(key, source, target, amount)
        return True
