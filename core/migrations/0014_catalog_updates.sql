-- 0014: catalog updates from the sync server (signed bundles, core/src/catalog/signed.rs). A bundle
-- brings procedures (catalog_procedure, as before), e-forms and guides; the forms and guide files
-- it brought are stored here and win over the ones embedded in the app. An app update that embeds
-- a newer catalog empties both tables again (its own files are then the newest).

-- One e-form per procedure id: the JSON text of forms/<procedure>.json in the bundle.
CREATE TABLE catalog_form (
    procedure_id  TEXT PRIMARY KEY NOT NULL,
    body          TEXT NOT NULL,
    version       TEXT NOT NULL                       -- catalog version that wrote it
) STRICT;

-- Guide files (guides/index.json, guides/<id>.json, guides/img/<name>.svg), by path in the bundle.
CREATE TABLE catalog_guide_file (
    path     TEXT PRIMARY KEY NOT NULL,
    body     TEXT NOT NULL,
    version  TEXT NOT NULL
) STRICT;

-- Fields an update removed from the form of an open draft: the value was dropped and the draft's
-- check list says so ("Trường … đã bỏ trong mẫu mới") until the draft is submitted or deleted.
CREATE TABLE dossier_removed_fields (
    dossier_id       TEXT NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
    field_id         TEXT NOT NULL,
    label            TEXT NOT NULL,
    label_en         TEXT NOT NULL,
    catalog_version  TEXT NOT NULL,
    removed_at       TEXT NOT NULL,
    PRIMARY KEY (dossier_id, field_id)
) STRICT, WITHOUT ROWID;
