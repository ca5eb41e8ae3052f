-- Restored dossiers become whole on this phone (issue 18): the manifest the server holds is
-- kept, so an answer to a supplement request is the next revision of exactly that dossier
-- (same procedure, agency, citizen and consent basis), and its attachments are fetched once the
-- agency asks for a supplement.
ALTER TABLE dossier_origin ADD COLUMN manifest TEXT;       -- JSON, the server's current manifest
ALTER TABLE dossier_origin ADD COLUMN papers_at TEXT;      -- attachments stored on this phone
ALTER TABLE dossier_origin ADD COLUMN papers_error TEXT;   -- why the last try to fetch them failed
-- Dossiers restored before this step have no kept manifest and no applicant: fetch them once
-- more (a few per pass), which keeps the manifest and links the applicant.
UPDATE dossier_origin SET fetched_at = NULL WHERE fetch_error IS NULL AND fetched_at IS NOT NULL;
