-- dvc-sync schema v7 (PostgreSQL): the hand-off relay (protocol 1.3). A volunteer's phone offers
-- the ciphertext of a hand-off bundle, uploaded as an ordinary blob, under the bundle's random id;
-- the citizen's phone claims it, reads the blob and says it received it, and the blob goes. The
-- server never holds the key. Times are Unix milliseconds (UTC). Never edit a shipped migration.

CREATE TABLE handoffs (
    bundle_id TEXT PRIMARY KEY,
    sender_id TEXT NOT NULL REFERENCES accounts(id),
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    claimed_by TEXT REFERENCES accounts(id),
    claimed_at BIGINT,
    received_at BIGINT
);
CREATE INDEX handoffs_sender ON handoffs(sender_id, created_at);
CREATE INDEX handoffs_sha256 ON handoffs(sha256);
CREATE INDEX handoffs_expires ON handoffs(expires_at);
