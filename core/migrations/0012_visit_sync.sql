-- Visits sent to the server (protocol 1.2): each ended visit once, with the hash of the body sent
-- and the account it went under. `refused` holds the server's refusal (its reason key): a refused
-- visit is not sent again either.
CREATE TABLE visit_sync (
    visit_id     TEXT PRIMARY KEY NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    account_id   TEXT NOT NULL,
    body_sha256  TEXT NOT NULL,
    refused      TEXT,
    at           TEXT NOT NULL
) STRICT;
