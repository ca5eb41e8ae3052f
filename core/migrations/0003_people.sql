-- 0003: people, households and their personal documents (issue 4).
-- Personal data lives only in this encrypted database; document files are encrypted separately
-- (documents/<sha256 of plaintext>, XChaCha20-Poly1305) and referenced by `documents.sha256`.

CREATE TABLE people (
    id                TEXT PRIMARY KEY NOT NULL,          -- UUIDv7
    full_name         TEXT NOT NULL,                      -- NFC, single-spaced
    sex               TEXT CHECK (sex IN ('male', 'female')),
    date_of_birth     TEXT,                               -- YYYY-MM-DD, YYYY-MM or YYYY
    place_of_birth    TEXT,
    id_number         TEXT UNIQUE,                        -- 12 digits
    old_id_number     TEXT,                               -- CMND, 9 or 12 digits
    id_issue_date     TEXT,
    phone             TEXT,                               -- 0 + 9 digits
    email             TEXT,
    permanent_address TEXT,
    current_address   TEXT,
    ethnicity         TEXT,
    nationality       TEXT,
    created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

CREATE TABLE households (
    id         TEXT PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    address    TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

CREATE TABLE household_members (
    household_id TEXT NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    person_id    TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    relation     TEXT NOT NULL CHECK (relation IN
                   ('head', 'spouse', 'child', 'parent', 'grandchild', 'sibling', 'other')),
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (household_id, person_id)
) STRICT;
CREATE INDEX household_members_person ON household_members (person_id);

-- One row per document of a person. Several rows (and later, dossiers) may share one file:
-- the file is addressed by the SHA-256 of its plaintext and deleted when no row references it.
CREATE TABLE documents (
    id          TEXT PRIMARY KEY NOT NULL,
    person_id   TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN
                  ('cccd_front', 'cccd_back', 'portrait', 'birth_certificate', 'passport',
                   'driving_licence', 'health_insurance_card', 'other')),
    sha256      TEXT NOT NULL CHECK (length(sha256) = 64),
    size        INTEGER NOT NULL CHECK (size >= 0),
    media_type  TEXT NOT NULL,
    issue_date  TEXT,
    expiry_date TEXT,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX documents_person ON documents (person_id);
CREATE INDEX documents_sha256 ON documents (sha256);
