-- 0006: after submission — the applicant's actions outbox (cancel, payment claim, rating,
-- revision), the officer's supplement request, revisions, the fee request, the result and its
-- resumable download, and a document kind for results.

-- Results join the person's documents: `documents.kind` gains 'result'. SQLite cannot change a
-- CHECK in place, so the table is rebuilt (nothing references `documents`, so nothing cascades).
CREATE TABLE documents_0006 (
    id          TEXT PRIMARY KEY NOT NULL,
    person_id   TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN
                  ('cccd_front', 'cccd_back', 'portrait', 'birth_certificate', 'passport',
                   'driving_licence', 'health_insurance_card', 'other', 'result')),
    sha256      TEXT NOT NULL CHECK (length(sha256) = 64),
    size        INTEGER NOT NULL CHECK (size >= 0),
    media_type  TEXT NOT NULL,
    issue_date  TEXT,
    expiry_date TEXT,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
INSERT INTO documents_0006 (id, person_id, kind, sha256, size, media_type, issue_date,
                            expiry_date, created_at, updated_at)
    SELECT id, person_id, kind, sha256, size, media_type, issue_date, expiry_date, created_at,
           updated_at FROM documents;
DROP TABLE documents;
ALTER TABLE documents_0006 RENAME TO documents;
CREATE INDEX documents_person ON documents (person_id);
CREATE INDEX documents_sha256 ON documents (sha256);

-- What the applicant asked for after submission, queued even offline and sent by the runner in
-- order per dossier. `body` is the request JSON, frozen when the user acted (a retry sends the
-- same bytes; the server's calls are idempotent on it).
CREATE TABLE dossier_actions (
    id          TEXT PRIMARY KEY NOT NULL,           -- UUIDv7, also the sending order
    dossier_id  TEXT NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('cancel', 'payment_claim', 'rating', 'revision')),
    body        TEXT NOT NULL,
    revision    INTEGER,                             -- for 'revision': its number (2, 3, …)
    files       TEXT,                                -- for 'revision': JSON [{document_id, sha256, size}]
    changes     TEXT,                                -- for 'revision': JSON {fields, attachments} vs the previous
    state       TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'done', 'quarantined')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,                                -- a reason key when quarantined
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX dossier_actions_pending ON dossier_actions (state, id);
CREATE UNIQUE INDEX dossier_actions_revision ON dossier_actions (dossier_id, revision)
    WHERE revision IS NOT NULL;

-- The officer's latest supplement request. While `open`, only the named items may be edited
-- (no items = the whole dossier); `submitted` once the applicant resubmitted (queued or sent);
-- `closed` when the server's `resubmitted` event arrived (or the dossier ended).
CREATE TABLE dossier_supplement (
    dossier_id     TEXT PRIMARY KEY NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
    note           TEXT NOT NULL,
    items          TEXT NOT NULL,                    -- JSON [SupplementItem]
    state          TEXT NOT NULL CHECK (state IN ('open', 'submitted', 'closed')),
    requested_at   TEXT NOT NULL,
    base_revision  INTEGER NOT NULL,                 -- the server's revision it asks to correct
    updated_at     TEXT NOT NULL
) STRICT;

-- Revisions the server stored (2, 3, …; revision 1 is the first submission) and what changed.
CREATE TABLE dossier_revisions (
    dossier_id           TEXT NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
    revision             INTEGER NOT NULL CHECK (revision >= 2),
    changed_fields       TEXT NOT NULL,              -- JSON [field]
    changed_attachments  TEXT NOT NULL,              -- JSON [attachment kind]
    submitted_at         TEXT NOT NULL,
    PRIMARY KEY (dossier_id, revision)
) STRICT, WITHOUT ROWID;

-- The latest fee request (the VietQR screen and `dvc dossier pay-qr` read it).
CREATE TABLE dossier_fee (
    dossier_id      TEXT PRIMARY KEY NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
    amount_vnd      INTEGER NOT NULL CHECK (amount_vnd >= 0),
    bank_bin        TEXT NOT NULL,
    account_number  TEXT NOT NULL,
    account_name    TEXT NOT NULL,
    transfer_note   TEXT NOT NULL,
    requested_at    TEXT NOT NULL,
    claimed_at      TEXT,                            -- the server recorded "Tôi đã chuyển khoản"
    paid_at         TEXT                             -- the officer confirmed
) STRICT;

-- The result: online (a file fetched into the applicant's documents) or by post.
CREATE TABLE dossier_result (
    dossier_id       TEXT PRIMARY KEY NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
    method           TEXT NOT NULL CHECK (method IN ('online', 'postal')),
    sha256           TEXT,
    content_type     TEXT,
    size             INTEGER,
    carrier          TEXT,
    tracking_number  TEXT,
    ready_at         TEXT NOT NULL,
    document_id      TEXT,                           -- set once, in the transaction that stores it
    stored_at        TEXT,
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT
) STRICT;

-- Bytes of an unfinished result download, inside the encrypted database (never plaintext on
-- disk), committed every few tens of KiB so a broken or killed download resumes with Range.
CREATE TABLE result_download_chunks (
    sha256  TEXT NOT NULL,
    offset  INTEGER NOT NULL CHECK (offset >= 0),
    bytes   BLOB NOT NULL,
    PRIMARY KEY (sha256, offset)
) STRICT, WITHOUT ROWID;
