-- Shareable receipts (issue 15): the paying account's name on the journal row, so a receipt shared later (after
-- a restart, from any process) says which account paid without asking Taubot; and the one public copy of each
-- paid receipt its payer shared, so that sharing again updates that copy instead of posting another.
ALTER TABLE payments ADD COLUMN from_account_name TEXT;  -- NULL: the payer's personal account (or a row from before)

CREATE TABLE shared_receipts (
    payment_id INTEGER PRIMARY KEY,   -- the paid journal row
    guild_id   INTEGER,               -- NULL outside servers
    channel_id INTEGER NOT NULL,
    message_id INTEGER,               -- NULL while it is being posted (claimed at claimed_at)
    with_memo  INTEGER NOT NULL DEFAULT 0 CHECK (with_memo IN (0, 1)),
    claimed_at REAL    NOT NULL
);
