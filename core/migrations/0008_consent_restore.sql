-- 0008: filing for someone else, and dossiers learned from the server (issue 18, device half).
--
-- `consents`: what this device knows of consents. `basis = 'account'`: a consent on the server
-- (id = the server's consent id), as its volunteer (`role = 'grantee'`) or its citizen
-- (`role = 'grantor'`) sees it, refreshed from `GET /v1/consents` while that account is signed
-- in. `basis = 'paper'`: a signed paper consent photographed into a person's documents (id =
-- a local UUIDv7, `document_id` the photo); it never leaves the device, the dossier only says
-- `consent_basis: paper`. Phone numbers are kept to match a consent with a person's profile;
-- nothing here is logged.
CREATE TABLE consents (
    id             TEXT PRIMARY KEY NOT NULL,
    basis          TEXT NOT NULL CHECK (basis IN ('account', 'paper')),
    role           TEXT NOT NULL CHECK (role IN ('grantee', 'grantor')),
    server         TEXT,
    account_id     TEXT,                              -- the signed-in account that sees it
    person_id      TEXT REFERENCES people (id) ON DELETE CASCADE,
    citizen_phone  TEXT,
    citizen_name   TEXT,
    volunteer_phone TEXT,
    volunteer_name TEXT,
    procedures     TEXT,                              -- JSON array of codes; NULL: every procedure
    granted_at     TEXT NOT NULL,
    expires_at     TEXT,
    withdrawn_at   TEXT,
    document_id    TEXT,
    method         TEXT,
    text_version   TEXT,
    updated_at     TEXT NOT NULL
) STRICT;
CREATE INDEX consents_by_phone ON consents (citizen_phone, account_id);
CREATE INDEX consents_by_person ON consents (person_id);

-- Dossiers this device did not create: filed by this account on another phone, or by a volunteer
-- for this citizen. The row in `dossiers` (state 'queued', no applicant) carries the local id;
-- this says where it came from. `fetched_at` NULL: its manifest is still to be fetched from
-- `GET /v1/dossiers/{uuid}` (lazily, by the next pass).
CREATE TABLE dossier_origin (
    dossier_id      TEXT PRIMARY KEY NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
    account_id      TEXT NOT NULL,
    procedure_code  TEXT,
    applicant_name  TEXT,
    filed_by        TEXT,                              -- "nộp hộ bởi …" (display name or phone)
    filed_for_me    INTEGER NOT NULL DEFAULT 0 CHECK (filed_for_me IN (0, 1)),
    consent_basis   TEXT,
    listed          INTEGER NOT NULL DEFAULT 0 CHECK (listed IN (0, 1)), -- described by GET /v1/dossiers
    fetched_at      TEXT,
    fetch_error     TEXT
) STRICT;
CREATE INDEX dossier_origin_to_fetch ON dossier_origin (account_id, fetched_at);

-- How a dossier made here was filed: for whom, under which consent (set when its manifest is
-- frozen, so what the list says is what the server got).
CREATE TABLE dossier_filing (
    dossier_id     TEXT PRIMARY KEY NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
    basis          TEXT NOT NULL CHECK (basis IN ('on_behalf', 'paper')),
    consent_id     TEXT,
    citizen_label  TEXT
) STRICT;
