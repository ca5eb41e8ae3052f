-- dvc-sync schema v1 (SQLite). Times are Unix milliseconds (UTC). Never edit a shipped migration.
CREATE TABLE agencies (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    login TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('citizen', 'volunteer', 'officer', 'admin')),
    agency_code TEXT REFERENCES agencies(code),
    display_name TEXT,
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    CHECK ((role = 'officer') = (agency_code IS NOT NULL))
) STRICT;

CREATE TABLE registrations (
    id TEXT PRIMARY KEY,
    login TEXT NOT NULL,
    role TEXT NOT NULL,
    display_name TEXT,
    password_hash TEXT NOT NULL,
    otp_hash TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    token_hash TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('device', 'console')),
    device_name TEXT,
    csrf_hash TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT;
CREATE INDEX tokens_account ON tokens(account_id);

CREATE TABLE consents (
    id TEXT PRIMARY KEY,
    citizen_id TEXT NOT NULL REFERENCES accounts(id),
    volunteer_id TEXT NOT NULL REFERENCES accounts(id),
    granted_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT;
CREATE UNIQUE INDEX consents_active ON consents(citizen_id, volunteer_id) WHERE revoked_at IS NULL;
CREATE INDEX consents_volunteer ON consents(volunteer_id);

CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE blob_owners (
    account_id TEXT NOT NULL REFERENCES accounts(id),
    sha256 TEXT NOT NULL REFERENCES blobs(sha256),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, sha256)
) STRICT, WITHOUT ROWID;

CREATE TABLE uploads (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    sha256 TEXT NOT NULL,
    length INTEGER NOT NULL,
    received INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX uploads_account_sha ON uploads(account_id, sha256);

CREATE TABLE code_counters (
    agency_code TEXT NOT NULL,
    day TEXT NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (agency_code, day)
) STRICT, WITHOUT ROWID;

CREATE TABLE dossiers (
    uuid TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    agency_code TEXT NOT NULL REFERENCES agencies(code),
    procedure_code TEXT NOT NULL,
    submitter_id TEXT NOT NULL REFERENCES accounts(id),
    citizen_id TEXT REFERENCES accounts(id),
    state TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    manifest TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    received_seq INTEGER NOT NULL
) STRICT;
CREATE INDEX dossiers_submitter ON dossiers(submitter_id, received_at);
CREATE INDEX dossiers_citizen ON dossiers(citizen_id, received_at);
CREATE INDEX dossiers_agency ON dossiers(agency_code, state, received_at);

CREATE TABLE dossier_blobs (
    dossier_uuid TEXT NOT NULL REFERENCES dossiers(uuid),
    sha256 TEXT NOT NULL REFERENCES blobs(sha256),
    role TEXT NOT NULL CHECK (role IN ('attachment', 'result')),
    PRIMARY KEY (dossier_uuid, sha256, role)
) STRICT, WITHOUT ROWID;
CREATE INDEX dossier_blobs_sha ON dossier_blobs(sha256);

CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    dossier_uuid TEXT NOT NULL REFERENCES dossiers(uuid),
    agency_code TEXT NOT NULL,
    submitter_id TEXT NOT NULL,
    citizen_id TEXT,
    at INTEGER NOT NULL,
    state TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL
) STRICT;
CREATE INDEX events_submitter ON events(submitter_id, seq);
CREATE INDEX events_citizen ON events(citizen_id, seq);
CREATE INDEX events_agency ON events(agency_code, seq);
CREATE INDEX events_dossier ON events(dossier_uuid, seq);

CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor_id TEXT NOT NULL REFERENCES accounts(id),
    dossier_uuid TEXT REFERENCES dossiers(uuid),
    action TEXT NOT NULL,
    detail TEXT NOT NULL,
    event_seq INTEGER
) STRICT;
CREATE INDEX audit_dossier ON audit(dossier_uuid, id);
