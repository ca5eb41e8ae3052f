-- 0015: papers the agency keeps (protocol 1.4 `paper_kept` events): an officer scanned a paper into
-- the dossier's record at the agency. The app lists them on the dossier's screen as "Giấy tờ cơ
-- quan lưu" (kind, pages, date); the scan itself stays on the server (GET /v1/blobs/{sha256}).
-- One row per event: `cursor` is the event's, so applying a page twice stores nothing twice.

CREATE TABLE dossier_agency_papers (
    dossier_id    TEXT NOT NULL REFERENCES dossiers(id) ON DELETE CASCADE,
    cursor        TEXT NOT NULL,
    kind          TEXT NOT NULL,                       -- dvc_protocol::events::PAPER_KINDS
    pages         INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          INTEGER NOT NULL,
    added_at      TEXT NOT NULL,                       -- the event's time, RFC 3339 UTC
    PRIMARY KEY (dossier_id, cursor)
) STRICT;
