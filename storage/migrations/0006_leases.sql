-- Work that one process of the fleet does at a time (a pending link's key retrieval, settling one payment…):
-- a lease per piece of work, by name. Taken with one conditional statement, so two processes cannot both
-- hold it; it runs out by itself, so the work of a process that died is taken over once `held_until` passes.
CREATE TABLE leases (
    name       TEXT    PRIMARY KEY,  -- what the work is, e.g. 'link:<ref_id>', 'settle:<payment id>'
    holder     TEXT    NOT NULL,     -- the instance_id of the process holding it (storage/instances.py)
    held_until REAL    NOT NULL,
    turn       INTEGER NOT NULL      -- counts the takes: tells one holding from the next (a fencing token)
);
