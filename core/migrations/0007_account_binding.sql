-- 0007: the sync state belongs to the account it was made under (security review, issue 16 item 8).
--
-- An outbox entry records the account it was queued under (NULL: queued while signed out; the
-- first account that sends it claims it, in the transaction that freezes its manifest). The
-- runner sends only entries of the signed-in account; the others wait for their account.
ALTER TABLE outbox ADD COLUMN account_id TEXT;
CREATE INDEX outbox_by_account ON outbox (account_id, state);

-- Each account signed in on this device, per server: a label safe to show (display name or a
-- masked phone number, never an ID number) and its own event cursor, so switching accounts
-- neither skips the other account's events nor mixes them.
CREATE TABLE sync_accounts (
    server      TEXT NOT NULL,
    account_id  TEXT NOT NULL,
    label       TEXT NOT NULL,
    cursor      TEXT,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (server, account_id)
) STRICT, WITHOUT ROWID;

-- The one cursor of before belonged to the account signed in then.
INSERT INTO sync_accounts (server, account_id, label, cursor, updated_at)
SELECT s.value, a.value, '', c.value, c.updated_at
FROM sync_kv s
JOIN sync_kv a ON a.key = 'account_id'
JOIN sync_kv c ON c.key = 'events_cursor'
WHERE s.key = 'server_url';
DELETE FROM sync_kv WHERE key = 'events_cursor';

-- Entries already sent went as the account signed in then.
UPDATE outbox SET account_id = (SELECT value FROM sync_kv WHERE key = 'account_id')
WHERE state = 'done';
