-- dvc-sync schema v8: published catalog bundles (`dvc-sync catalog publish`, GET /v1/catalog/…).
-- The signed bundle file is a blob in the blob store (content-addressed by sha256, shared by every
-- replica, never in a dossier, so no clean-up touches it); this table says which versions exist.
-- A version is only published when greater than every earlier one, so `seq` order is version
-- order and the newest is the highest `seq`. Times are Unix milliseconds (UTC). Never edit a
-- shipped migration.

CREATE TABLE catalog_bundles (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    version TEXT NOT NULL UNIQUE,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    published_at INTEGER NOT NULL
) STRICT;
