-- 0002: the procedure catalog (bundled with the app, later updated by server deltas) and its search
-- index. Catalog rows are public reference data: nothing here belongs to the user, and replacing the
-- catalog never touches user tables.

-- Catalog facts: catalog_version, verified_at, imported_at, source (bundle | server).
CREATE TABLE catalog_meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;

-- One procedure; `body` is the full JSON object as in assets/catalog/procedures/<id>.json.
-- `version` is the catalog version that last wrote the row (a server delta upserts/deletes by id).
CREATE TABLE catalog_procedure (
    id             TEXT PRIMARY KEY NOT NULL,
    code           TEXT,
    name           TEXT NOT NULL,
    name_en        TEXT NOT NULL,
    summary        TEXT NOT NULL,
    summary_en     TEXT NOT NULL,
    field          TEXT NOT NULL,
    level          TEXT NOT NULL,
    agency_type    TEXT NOT NULL,
    service_level  TEXT NOT NULL,
    popular        INTEGER,
    version        TEXT NOT NULL,
    body           TEXT NOT NULL,
    -- Search helpers, diacritics folded: the name and aliases as tokens, the body's distinct tokens.
    name_folded    TEXT NOT NULL,
    aliases_folded TEXT NOT NULL,
    body_terms     TEXT NOT NULL,
    updated_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX catalog_procedure_code ON catalog_procedure (code);
CREATE INDEX catalog_procedure_popular ON catalog_procedure (popular);

-- Reference lists: kind = field | agency_type | province_set | synonym; body = JSON.
CREATE TABLE catalog_ref (
    kind TEXT NOT NULL,
    id   TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, id)
) STRICT;

-- Full-text index over folded text (rowid = catalog_procedure.rowid). Text is folded in Rust
-- (lower case, marks stripped, đ→d) before it gets here, so the tokenizer only splits.
CREATE VIRTUAL TABLE catalog_fts USING fts5 (
    name, aliases, body,
    tokenize = 'unicode61 remove_diacritics 0',
    prefix = '1 2 3'
);

-- Search vocabulary: every folded term with its document frequency, and its one-deletion
-- neighbourhood (symmetric-delete typo lookup: a query term within edit distance 1 of `term`
-- shares a `del` key with it).
CREATE TABLE catalog_term (
    term TEXT PRIMARY KEY NOT NULL,
    df   INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE TABLE catalog_term_del (
    del  TEXT NOT NULL,
    term TEXT NOT NULL,
    PRIMARY KEY (del, term)
) STRICT, WITHOUT ROWID;
