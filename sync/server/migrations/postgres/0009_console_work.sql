-- dvc-sync schema v9: the officer's own records on a dossier (console).
-- officer_notes: short internal notes by officers of the dossier's agency (never sent to the
-- applicant). identity_checks: "đã kiểm tra danh tính" as recorded steps (who, when, how, what
-- was found; see IdentityCheck in src/identity.rs). agency_papers: papers an officer scanned into
-- the dossier record (digitisation); each one is also an event `paper_kept` that the applicant's
-- app lists as "Giấy tờ cơ quan lưu". These rows live as long as their dossier; the scans they
-- name are never expired by the clean-up. Times are Unix milliseconds (UTC). Never edit a
-- shipped migration.

CREATE TABLE officer_notes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dossier_uuid TEXT NOT NULL REFERENCES dossiers(uuid),
    author_id TEXT NOT NULL REFERENCES accounts(id),
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX officer_notes_dossier ON officer_notes(dossier_uuid, id);

CREATE TABLE identity_checks (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dossier_uuid TEXT NOT NULL REFERENCES dossiers(uuid),
    officer_id TEXT NOT NULL REFERENCES accounts(id),
    method TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('confirmed', 'mismatch')),
    detail TEXT NOT NULL,
    checked_at BIGINT NOT NULL
);
CREATE INDEX identity_checks_dossier ON identity_checks(dossier_uuid, id);

CREATE TABLE agency_papers (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dossier_uuid TEXT NOT NULL REFERENCES dossiers(uuid),
    sha256 TEXT NOT NULL REFERENCES blobs(sha256),
    kind TEXT NOT NULL,
    pages BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    officer_id TEXT NOT NULL REFERENCES accounts(id),
    added_at BIGINT NOT NULL,
    event_seq BIGINT NOT NULL
);
CREATE INDEX agency_papers_dossier ON agency_papers(dossier_uuid, id);
CREATE INDEX agency_papers_sha ON agency_papers(sha256);
