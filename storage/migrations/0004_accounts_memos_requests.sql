-- Beyond paying from one account: several linked accounts per member, memos on payments, money requests
-- between members, muted requesters, and members' notification choices.

-- A member may act for several Taubot accounts (their personal one, companies, departments…): one row per
-- account they linked, each with the grant key that acts for it (on Taubot v2 one grant may cover several
-- accounts, so rows may hold the same key; on v2.1 each account has a key of its own).
CREATE TABLE linked_accounts_by_account (
    discord_user_id     INTEGER NOT NULL,
    account_id          TEXT    NOT NULL,
    encrypted_grant_key BLOB    NOT NULL,
    account_name        TEXT    NOT NULL,
    account_type        TEXT    NOT NULL,
    balance_visible     INTEGER CHECK (balance_visible IN (0, 1)),    -- from the last read; NULL = not known
    transfers_allowed   INTEGER CHECK (transfers_allowed IN (0, 1)),  -- from the last payment; NULL = not known
    linked_at           REAL    NOT NULL,
    last_used_at        REAL,
    key_expires_at      REAL,
    expiry_reminded_at  REAL,
    PRIMARY KEY (discord_user_id, account_id)
);
INSERT INTO linked_accounts_by_account (discord_user_id, account_id, encrypted_grant_key, account_name, account_type,
                                        balance_visible, linked_at, last_used_at, key_expires_at, expiry_reminded_at)
    SELECT discord_user_id, account_id, encrypted_grant_key, account_name, account_type, balance_visible, linked_at,
           last_used_at, key_expires_at, expiry_reminded_at
    FROM linked_accounts;
DROP INDEX linked_accounts_key_expiry;
DROP TABLE linked_accounts;
ALTER TABLE linked_accounts_by_account RENAME TO linked_accounts;
CREATE INDEX linked_accounts_key_expiry ON linked_accounts (key_expires_at) WHERE expiry_reminded_at IS NULL;

-- The account a link in progress is for; NULL: the member's personal account.
ALTER TABLE pending_links ADD COLUMN account_id TEXT;
ALTER TABLE pending_links ADD COLUMN account_name TEXT;

-- The payer's note on a payment (Taubot itself keeps none), and the request the payment pays, if any.
ALTER TABLE payments ADD COLUMN memo TEXT;
ALTER TABLE payments ADD COLUMN request_id INTEGER;
CREATE INDEX payments_by_request ON payments (request_id);
CREATE INDEX payments_by_key ON payments (key_id);  -- what a link spent through the bot (/link-status)

-- A member asking another for money. 'paying': a payment for it is being sent or its outcome is open
-- (payment_id); it becomes 'paid' or 'open' again with that payment's outcome, in the transaction that records
-- it. An open request past expires_at is expired; nothing needs to run for that.
CREATE TABLE money_requests (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    requester_user_id INTEGER NOT NULL,
    payer_user_id     INTEGER NOT NULL,
    to_account_id     TEXT    NOT NULL,   -- the requester's account, paid into
    to_account_name   TEXT    NOT NULL,
    amount            INTEGER NOT NULL CHECK (amount > 0),
    memo              TEXT,
    status            TEXT    NOT NULL CHECK (status IN ('open', 'paying', 'paid', 'declined', 'cancelled')),
    payment_id        INTEGER,            -- the payment paying it, or that paid it
    created_at        REAL    NOT NULL,
    expires_at        REAL    NOT NULL,
    closed_at         REAL,
    dm_channel_id     INTEGER,            -- the payer's DM with its buttons, updated when the request closes
    dm_message_id     INTEGER,
    CHECK (requester_user_id <> payer_user_id)
);
CREATE INDEX money_requests_by_requester ON money_requests (requester_user_id, status);
CREATE INDEX money_requests_by_payer ON money_requests (payer_user_id, status);

-- Members whose requests a member does not want.
CREATE TABLE request_mutes (
    discord_user_id INTEGER NOT NULL,
    muted_user_id   INTEGER NOT NULL,
    created_at      REAL    NOT NULL,
    PRIMARY KEY (discord_user_id, muted_user_id)
);

-- What a member chose about the bot's messages to them; no row: the defaults.
CREATE TABLE member_preferences (
    discord_user_id INTEGER PRIMARY KEY,
    paid_you_dms    INTEGER NOT NULL DEFAULT 1 CHECK (paid_you_dms IN (0, 1))
);
