-- The first schema. Times are Unix seconds (REAL, UTC); Discord ids are INTEGER snowflakes.

-- Small named values the bot keeps about itself, e.g. the encryption key check value.
CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

-- One row per Discord user who has linked a Taubot account. The grant key is AES-GCM encrypted with the
-- user id bound as associated data; the account fields are a cache taken when the link was verified.
CREATE TABLE linked_accounts (
    discord_user_id     INTEGER PRIMARY KEY,
    encrypted_grant_key BLOB    NOT NULL,
    account_id          TEXT    NOT NULL,
    account_name        TEXT    NOT NULL,
    account_type        TEXT    NOT NULL,
    balance_visible     INTEGER CHECK (balance_visible IN (0, 1)),  -- from the last read; NULL = not known
    linked_at           REAL    NOT NULL,
    last_used_at        REAL
);

-- A link in progress: the ref_id registered with Taubot and where its DM went. At most one per user.
CREATE TABLE pending_links (
    ref_id          TEXT    PRIMARY KEY,
    discord_user_id INTEGER NOT NULL UNIQUE,
    created_at      REAL    NOT NULL,
    expires_at      REAL    NOT NULL,
    dm_channel_id   INTEGER,
    dm_message_id   INTEGER,
    next_poll_at    REAL    NOT NULL,
    poll_count      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX pending_links_next_poll ON pending_links (next_poll_at);

-- Every payment the bot attempted, written before the request goes out, so a crash leaves a trace.
CREATE TABLE payments (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    intent_id         TEXT    NOT NULL UNIQUE,  -- one per confirmation message: a second Confirm cannot send twice
    payer_user_id     INTEGER NOT NULL,
    from_account_id   TEXT    NOT NULL,
    to_account_id     TEXT    NOT NULL,
    to_account_name   TEXT    NOT NULL,
    recipient_user_id INTEGER,
    amount            INTEGER NOT NULL CHECK (amount > 0),
    status            TEXT    NOT NULL CHECK (status IN ('pending', 'paid', 'failed', 'not_moved', 'unknown')),
    detail            TEXT    NOT NULL DEFAULT '',
    balance_before    INTEGER,
    balance_after     INTEGER,
    created_at        REAL    NOT NULL,
    updated_at        REAL    NOT NULL,
    CHECK (from_account_id <> to_account_id)
);
CREATE INDEX payments_by_payer ON payments (payer_user_id, created_at);
CREATE INDEX payments_by_status ON payments (status);
