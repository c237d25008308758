-- A pending link that finished (the member is linked) stays until its DM says so: the sentence the DM must show
-- is written in the transaction that stores the key, and the row goes once the DM is edited. If the process that
-- linked the member stops in between, another process's poller finds the row, edits the DM, and removes it.
ALTER TABLE pending_links ADD COLUMN linked_message TEXT;
