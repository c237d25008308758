-- Payment truth: journal rows owned by a process, attributed through Taubot's log, one payment in flight per
-- source account across processes, and notices for members the bot could not reach by DM.

-- Every bot process sharing this database, and when it last said it was alive.
CREATE TABLE instances (
    instance_id  TEXT PRIMARY KEY,
    label        TEXT NOT NULL,   -- host and pid, for the self-hoster
    started_at   REAL NOT NULL,
    heartbeat_at REAL NOT NULL,
    stopped_at   REAL             -- set at a clean shutdown; a crash leaves it NULL and the heartbeat stops
);

-- Which process sends a payment, with which key, and where Taubot's log stood just before the POST.
ALTER TABLE payments ADD COLUMN instance_id TEXT;   -- NULL on rows written before this migration
ALTER TABLE payments ADD COLUMN key_id TEXT;        -- the grant key's id: the actor_id of its log entries
ALTER TABLE payments ADD COLUMN log_mark TEXT;      -- the newest log entry before the POST; '' = empty log; NULL = unread
ALTER TABLE payments ADD COLUMN log_entry TEXT;     -- the log entry this row claimed when it was found paid
ALTER TABLE payments ADD COLUMN posted_at REAL;     -- the moment right before the POST went out
ALTER TABLE payments ADD COLUMN taubot_answer TEXT; -- what the POST got back: ok, refused, over_limit, no_answer…
ALTER TABLE payments ADD COLUMN check_until REAL;   -- an unknown outcome is looked up in the log until then
ALTER TABLE payments ADD COLUMN settled_by TEXT;    -- the instance that stored the outcome
-- One log entry proves one payment: no two rows may claim it.
CREATE UNIQUE INDEX payments_log_entry ON payments (log_entry);
CREATE INDEX payments_by_source ON payments (from_account_id, id);

-- One payment in flight per source account, across processes: held from before the fresh balance read until
-- the outcome is stored (an unknown outcome keeps it until Taubot can no longer apply the transfer).
CREATE TABLE payment_locks (
    from_account_id TEXT PRIMARY KEY,
    intent_id       TEXT NOT NULL,
    instance_id     TEXT NOT NULL,
    lease_until     REAL NOT NULL
);

-- Short notes for a member, shown once on their next command (used when a DM could not be delivered).
CREATE TABLE notices (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    discord_user_id INTEGER NOT NULL,
    text            TEXT    NOT NULL,
    created_at      REAL    NOT NULL
);
CREATE INDEX notices_by_user ON notices (discord_user_id);
