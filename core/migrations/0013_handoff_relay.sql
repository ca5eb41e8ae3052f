-- 0013: the hand-off relay (protocol 1.3). A bundle can go through the sync server, which holds
-- only its ciphertext (core/src/handoff/relay.rs).

-- The volunteer's side: `relay` says where the bundle's copy for the server stands — 'pending'
-- (the file waits in handoff-out/ to be uploaded and offered), 'offered', 'received' (the
-- citizen's phone has it; the server dropped it), 'expired' (nobody came in time), 'refused'
-- (the server would not take it; `relay_error` says why). NULL: a file hand-off only.
ALTER TABLE handoffs ADD COLUMN relay TEXT
    CHECK (relay IN ('pending', 'offered', 'received', 'expired', 'refused'));
ALTER TABLE handoffs ADD COLUMN relay_sha256 TEXT;
ALTER TABLE handoffs ADD COLUMN relay_error TEXT;
ALTER TABLE handoffs ADD COLUMN offered_at TEXT;
ALTER TABLE handoffs ADD COLUMN received_at TEXT;

-- The citizen's side: each QR scanned. `secret` is the key string from the QR, kept (in this
-- encrypted database) only until the bundle is opened or given up, then erased. `state`:
-- 'waiting' (not on the server yet, or no connection), 'imported', 'failed' (`error` holds the
-- reason's message key), 'expired'. `acknowledged`: the server was told the bundle arrived (or
-- there was nothing to tell), so it can drop its copy.
CREATE TABLE handoff_incoming (
    bundle_id     TEXT PRIMARY KEY NOT NULL,
    secret        TEXT,
    state         TEXT NOT NULL CHECK (state IN ('waiting', 'imported', 'failed', 'expired')),
    person_id     TEXT,
    documents     INTEGER NOT NULL DEFAULT 0 CHECK (documents >= 0),
    dossiers      INTEGER NOT NULL DEFAULT 0 CHECK (dossiers >= 0),
    error         TEXT,
    acknowledged  INTEGER NOT NULL DEFAULT 0 CHECK (acknowledged IN (0, 1)),
    added_at      TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    CHECK ((secret IS NULL) = (state <> 'waiting'))
) STRICT;
