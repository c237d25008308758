-- Taubot v2.1: grant keys expire, and a granted key can be retrieved from Taubot only once.

-- When the stored key stops working (from its own claims; NULL: never, as on Taubot v2), and when its member
-- was reminded to relink (once per key: a new key starts with NULL again).
ALTER TABLE linked_accounts ADD COLUMN key_expires_at REAL;
ALTER TABLE linked_accounts ADD COLUMN expiry_reminded_at REAL;
CREATE INDEX linked_accounts_key_expiry ON linked_accounts (key_expires_at) WHERE expiry_reminded_at IS NULL;

-- A key retrieved for this link but not yet checked, encrypted like linked_accounts' keys: held here the
-- moment it arrives, so a crash before the check cannot lose a key that Taubot will not hand out again.
ALTER TABLE pending_links ADD COLUMN encrypted_held_key BLOB;
