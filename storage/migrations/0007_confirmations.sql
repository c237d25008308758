-- A /pay confirmation waiting for Confirm or Cancel, kept where every bot process reads it: a press handled by
-- another process (another shard or host), or after a restart, sends exactly what was shown, or says that the
-- confirmation expired. Claimed with one conditional statement, so two presses cannot both send it.
CREATE TABLE confirmations (
    intent_id         TEXT    PRIMARY KEY,
    payer_user_id     INTEGER NOT NULL,
    from_account_id   TEXT    NOT NULL,
    from_name         TEXT,              -- the paying account's name when it is not the payer's personal one
    to_account_id     TEXT    NOT NULL,
    to_account_name   TEXT    NOT NULL,
    to_account_type   TEXT    NOT NULL,
    to_owner_id       INTEGER,           -- the recipient account's owner, as Taubot named them
    recipient_user_id INTEGER,           -- the member paid, for their "paid you" DM
    amount            INTEGER NOT NULL CHECK (amount > 0),
    balance_before    INTEGER,           -- as shown on the confirmation
    memo              TEXT,
    request_id        INTEGER,
    expires_at        REAL    NOT NULL,
    status            TEXT    NOT NULL CHECK (status IN ('open', 'confirmed', 'cancelled', 'expired'))
);
CREATE INDEX confirmations_by_expiry ON confirmations (expires_at);
