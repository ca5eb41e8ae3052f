-- dvc-sync schema v4 (PostgreSQL): the periodic clean-up (retention policy: see the README).
-- Files whose rows were removed are deleted one clean-up later, and only if no row has come back
-- for them meanwhile (an upload of the same bytes finishing at the same moment keeps its file).
CREATE TABLE file_deletions (
    kind TEXT NOT NULL CHECK (kind IN ('blob', 'part')),
    name TEXT NOT NULL,
    queued_at BIGINT NOT NULL,
    PRIMARY KEY (kind, name)
);
CREATE INDEX uploads_updated ON uploads(updated_at);
CREATE INDEX registrations_expires ON registrations(expires_at);
CREATE INDEX tokens_expires ON tokens(expires_at);
CREATE INDEX dossiers_finished ON dossiers(state, updated_at);
CREATE INDEX blob_owners_sha ON blob_owners(sha256);
