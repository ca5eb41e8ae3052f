-- dvc-sync schema v2 (PostgreSQL): revisions, ratings, agency bank accounts (issue 9).
-- `dossiers.manifest` holds the latest revision's manifest; `dossiers.content_hash` stays the
-- first submission's (it judges repeats of the original PUT).
ALTER TABLE agencies ADD COLUMN bank_bin TEXT;
ALTER TABLE agencies ADD COLUMN account_number TEXT;
ALTER TABLE agencies ADD COLUMN account_name TEXT;

ALTER TABLE dossiers ADD COLUMN revision BIGINT NOT NULL DEFAULT 1;

CREATE TABLE dossier_revisions (
    dossier_uuid TEXT NOT NULL REFERENCES dossiers(uuid),
    revision BIGINT NOT NULL CHECK (revision >= 1),
    account_id TEXT NOT NULL REFERENCES accounts(id),
    content_hash TEXT NOT NULL,
    manifest TEXT NOT NULL,
    changed_fields TEXT NOT NULL DEFAULT '[]',
    changed_attachments TEXT NOT NULL DEFAULT '[]',
    submitted_at BIGINT NOT NULL,
    event_seq BIGINT NOT NULL,
    PRIMARY KEY (dossier_uuid, revision)
);

INSERT INTO dossier_revisions (dossier_uuid, revision, account_id, content_hash, manifest, submitted_at, event_seq)
    SELECT uuid, 1, submitter_id, content_hash, manifest, received_at, received_seq FROM dossiers;

CREATE TABLE ratings (
    dossier_uuid TEXT PRIMARY KEY REFERENCES dossiers(uuid),
    account_id TEXT NOT NULL REFERENCES accounts(id),
    stars SMALLINT NOT NULL CHECK (stars BETWEEN 1 AND 5),
    comment TEXT,
    rated_at BIGINT NOT NULL
);
