-- 0005: the sync client — account and cursor, frozen manifests, what the server said about each
-- dossier (code, state) and a timeline per dossier.

-- Small named values: the server URL, the signed-in account id and role, the event cursor, the
-- time of the last successful sync. Never the token (that lives in the keystore).
CREATE TABLE sync_kv (
    key         TEXT PRIMARY KEY NOT NULL,
    value       TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- The manifest of an outbox entry, built once at its first sending attempt and then sent
-- byte-for-byte on every retry (the server judges idempotency on the content).
CREATE TABLE sync_manifests (
    outbox_id      TEXT PRIMARY KEY NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    manifest       TEXT NOT NULL,                    -- JSON DossierManifest
    files          TEXT NOT NULL,                    -- JSON [{document_id, sha256, size}]
    payload_bytes  INTEGER NOT NULL,
    created_at     TEXT NOT NULL
) STRICT;

-- What the server knows: written in the transaction that marks the outbox entry done, then moved
-- along by the event feed.
CREATE TABLE dossier_remote (
    dossier_id    TEXT PRIMARY KEY NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
    remote_uuid   TEXT NOT NULL UNIQUE,              -- the outbox idempotency key
    code          TEXT NOT NULL,                     -- mã hồ sơ
    agency_code   TEXT NOT NULL,
    state         TEXT NOT NULL
                  CHECK (state IN ('received', 'accepted', 'supplement_requested', 'fee_requested',
                                   'paid', 'result_ready', 'completed', 'rejected', 'cancelled')),
    received_at   TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;

-- What happened to a dossier, oldest first. `cursor` is the server event's cursor (NULL for the
-- device's own entries), unique per dossier so a replayed event is stored once.
CREATE TABLE dossier_timeline (
    id          INTEGER PRIMARY KEY,
    dossier_id  TEXT NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,                       -- submitted, sent, received, accepted, …
    state       TEXT NOT NULL,
    detail      TEXT,                                -- JSON of the event, if any
    at          TEXT NOT NULL,
    cursor      TEXT,
    UNIQUE (dossier_id, cursor)
) STRICT;
CREATE INDEX dossier_timeline_by_dossier ON dossier_timeline (dossier_id, id);
