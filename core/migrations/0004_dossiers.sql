-- 0004: draft dossiers, their field values and attachments, and the outbox the sync runner sends.

CREATE TABLE dossiers (
    id            TEXT PRIMARY KEY NOT NULL,          -- UUIDv7
    procedure_id  TEXT NOT NULL,                      -- catalog procedure id
    form_version  INTEGER NOT NULL,
    applicant_id  TEXT,                               -- person id (people store)
    helper        TEXT,                               -- volunteer who helped, if any
    state         TEXT NOT NULL DEFAULT 'draft'
                  CHECK (state IN ('draft', 'queued')),
    revision      INTEGER NOT NULL DEFAULT 0,         -- bumped by every change
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    submitted_at  TEXT
) STRICT;
CREATE INDEX dossiers_by_state ON dossiers (state, updated_at);

-- One row per field; the value is JSON. `prefilled` = 1 while the value is what the profile gave.
CREATE TABLE dossier_values (
    dossier_id  TEXT NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
    field_id    TEXT NOT NULL,
    value       TEXT NOT NULL,
    prefilled   INTEGER NOT NULL DEFAULT 0 CHECK (prefilled IN (0, 1)),
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (dossier_id, field_id)
) STRICT, WITHOUT ROWID;

-- Files attached to a component: references into the document store, never copies.
CREATE TABLE dossier_attachments (
    dossier_id    TEXT NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
    component_id  TEXT NOT NULL,
    position      INTEGER NOT NULL,
    document_id   TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    bytes         INTEGER NOT NULL,
    prefilled     INTEGER NOT NULL DEFAULT 0 CHECK (prefilled IN (0, 1)),
    created_at    TEXT NOT NULL,
    PRIMARY KEY (dossier_id, component_id, position)
) STRICT, WITHOUT ROWID;

-- What the sync runner must send. Written in the same transaction that queues the dossier.
CREATE TABLE outbox (
    id               TEXT PRIMARY KEY NOT NULL,       -- UUIDv7, also the order of sending
    dossier_id       TEXT NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
    revision         INTEGER NOT NULL,
    idempotency_key  TEXT NOT NULL UNIQUE,
    state            TEXT NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'done', 'quarantined')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    UNIQUE (dossier_id, revision)
) STRICT;
