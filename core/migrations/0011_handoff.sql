-- 0011: hand-off — one person's profile, papers and dossiers moved from a volunteer's phone to the
-- citizen's own phone in an encrypted bundle (core/src/handoff). Ids and counts only here: the
-- content travels in the bundle, never through a server.

-- The volunteer's side: each bundle made for a person, and when the citizen's phone confirmed it
-- (then the app offers to delete the person). Goes with the person.
CREATE TABLE handoffs (
    bundle_id     TEXT PRIMARY KEY NOT NULL,          -- 128-bit random, unpadded base64url
    person_id     TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    documents     INTEGER NOT NULL CHECK (documents >= 0),
    dossiers      INTEGER NOT NULL CHECK (dossiers >= 0),
    bytes         INTEGER NOT NULL CHECK (bytes >= 0),
    created_at    TEXT NOT NULL,
    confirmed_at  TEXT
) STRICT;
CREATE INDEX handoffs_by_person ON handoffs (person_id, created_at);

-- The citizen's side: every bundle imported. Kept when the person is deleted later, so the same
-- bundle opened again imports nothing.
CREATE TABLE handoff_imports (
    bundle_id    TEXT PRIMARY KEY NOT NULL,
    person_id    TEXT NOT NULL,
    documents    INTEGER NOT NULL CHECK (documents >= 0),
    dossiers     INTEGER NOT NULL CHECK (dossiers >= 0),
    imported_at  TEXT NOT NULL
) STRICT;

-- Sent dossiers that arrived by hand-off, with the manifest the server holds for their latest
-- revision (JSON; an answer to a supplement request is the next revision of exactly that).
CREATE TABLE handoff_dossiers (
    dossier_id  TEXT PRIMARY KEY NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
    bundle_id   TEXT NOT NULL,
    manifest    TEXT
) STRICT;
