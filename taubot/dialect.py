"""The two dialects Taubot's server speaks, as named capabilities the bot can ask about.

Where the product itself differs between the servers (what the grant page asks, what a spending limit of 0
means, whether a key expires), callers ask `client.dialect.<capability>`; they never compare version names.
The wire details (paths, auth, bodies, error mapping) live in wire_v2.py and wire_v21.py.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dialect:
    name: str                              # "v2" or "v2.1": for logs and `check`, not for branching
    has_who_am_i: bool                     # a grant key can ask whose it is (v2's /users/me)
    references_made_by_server: bool        # the server picks the reference id (else the client does)
    retrieve_is_once: bool                 # a granted key comes back once; the next retrieval is "unknown"
    max_link_minutes: int | None           # pending references are forgotten after this long (None: never)
    pending_reference_capacity: int | None  # references pending at once, all applications together
    grant_picks_one_account: bool          # the member picks one account (else ticks permissions per account)
    limit_zero_means_unlimited: bool       # a spending limit of 0 or an empty field allows everything
    negative_limit_blocks: bool            # a negative spending limit refuses every transfer
    failed_transfers_use_allowance: bool   # a refused transfer still counts against the spending limit
    ok_proves_transfer: bool               # a success answer means the money moved
    names_limit_refusals: bool             # over the spending limit has its own answer (else a 401 = or disabled)
    log_is_own_account_only: bool          # the log shows the key's own account only
    max_log_page: int | None               # the most log entries one request returns (None: no limit)
    view_balance_sees_economy: bool        # VIEW_BALANCE on its own account shows every balance in the economy
    keys_expire: bool                      # keys carry an expiry (`exp`) and stop working after it
    has_application_endpoint: bool         # /applications/me names the master key's application
    grant_page_checks_application: bool    # the grant page refuses an unknown application, keyless, any reference

    def __str__(self) -> str:
        return self.name


V2 = Dialect(
    name="v2", has_who_am_i=True, references_made_by_server=False, retrieve_is_once=False,
    max_link_minutes=None, pending_reference_capacity=None, grant_picks_one_account=False,
    limit_zero_means_unlimited=False, negative_limit_blocks=False, failed_transfers_use_allowance=True,
    ok_proves_transfer=False, names_limit_refusals=False, log_is_own_account_only=False, max_log_page=None,
    view_balance_sees_economy=False, keys_expire=False, has_application_endpoint=False,
    grant_page_checks_application=True,
)

V21 = Dialect(
    name="v2.1", has_who_am_i=False, references_made_by_server=True, retrieve_is_once=True,
    max_link_minutes=60, pending_reference_capacity=64, grant_picks_one_account=True,
    limit_zero_means_unlimited=True, negative_limit_blocks=True, failed_transfers_use_allowance=False,
    ok_proves_transfer=True, names_limit_refusals=True, log_is_own_account_only=True, max_log_page=100,
    view_balance_sees_economy=True, keys_expire=True, has_application_endpoint=True,
    grant_page_checks_application=False,
)

DIALECTS = {dialect.name: dialect for dialect in (V2, V21)}
AUTO = "auto"  # the setting that asks the server instead of naming a dialect
SETTINGS = (AUTO, *DIALECTS)


def dialect_named(name: str) -> Dialect:
    """The dialect called `name` ("v2" or "v2.1"); ValueError for anything else ("auto" included)."""
    try:
        return DIALECTS[name.strip().lower()]
    except KeyError:
        raise ValueError(f"unknown Taubot dialect {name!r}: expected one of {', '.join(DIALECTS)}") from None
