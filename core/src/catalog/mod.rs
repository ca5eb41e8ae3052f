//! The procedure catalog: the bundled data (`assets/catalog/**`, embedded at compile time), its
//! import into the store, Vietnamese search and the how-to guides (`assets/guides/**`).
//!
//! Import is one transaction that upserts/deletes procedures by id and stamps the catalog version
//! ([`apply_update`]); the bundled catalog is one full update, and a later server delta is another
//! update with `replace_all = false`. Nothing here touches user data.

mod bundle;
mod guides;
mod index;
pub mod lists;
pub mod model;
mod resolve;
mod search;
pub mod signed;
pub mod text;
mod update;

use std::cmp::Ordering;

use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;

use crate::error::{CoreError, Result};
use crate::store::Store;
use crate::Core;

pub use bundle::{bundled, Bundle};
pub use guides::{guide_image, guide_show, guides_list, GuideSummary, GuideView};
pub use model::*;
pub use resolve::resolve_procedure;
pub use search::{plain_fts, search, SearchHit, SearchParams};
pub use update::{apply_bundle, last_update, record_refusal, UpdateOutcome, UpdateStatus};

/// What went wrong with catalog data (bundled or from a delta). Mapped to [`CoreError`].
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("catalog file {file}: {source}")]
    Parse {
        file: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("catalog file {file} is missing from the bundle")]
    Missing { file: String },
    #[error("catalog data is inconsistent: {reason}")]
    Inconsistent { reason: String },
    #[error("stored procedure {id} cannot be read: {source}")]
    StoredBody {
        id: String,
        #[source]
        source: serde_json::Error,
    },
}

impl From<CatalogError> for CoreError {
    fn from(e: CatalogError) -> Self {
        tracing::error!(error = %e, "catalog data error");
        CoreError::invalid("catalog", e.to_string(), "catalog.data_invalid")
    }
}

/// Compares dotted-integer versions ("2026.11.23.1") part by part; `None` if either is malformed.
pub use dvc_protocol::catalog::compare_versions;

/// Whether `s` is a stable ascii slug (`passport-domestic`).
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && s.split('-').all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Reference lists that come with a catalog version.
#[derive(Debug, Clone, Default)]
pub struct Refs {
    pub fields: Vec<Field>,
    pub agency_types: Vec<AgencyType>,
    pub provinces: Option<ProvinceSet>,
    pub synonyms: Vec<Synonym>,
}

/// One change to the stored catalog, applied in one transaction.
#[derive(Debug, Clone)]
pub struct CatalogUpdate {
    pub version: String,
    pub verified_at: String,
    /// `bundle` or `server`.
    pub source: &'static str,
    /// Remove every stored procedure not in `upsert` (a full catalog) instead of patching.
    pub replace_all: bool,
    pub upsert: Vec<Procedure>,
    pub delete: Vec<String>,
    /// New reference lists (replace the stored ones), or `None` to keep them.
    pub refs: Option<Refs>,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportOutcome {
    pub version: String,
    pub previous_version: Option<String>,
    pub imported: bool,
    pub procedures: usize,
}

/// The stored catalog version, if any.
pub fn stored_version(store: &Store) -> Result<Option<String>> {
    store.read(|c| {
        Ok(c.query_row(
            "SELECT value FROM catalog_meta WHERE key = 'catalog_version'",
            [],
            |r| r.get(0),
        )
        .optional()?)
    })
}

/// Imports the bundled catalog when it is newer than the stored one (or none is stored).
#[tracing::instrument(skip_all)]
pub fn import_bundled(store: &Store) -> Result<ImportOutcome> {
    let bundle = bundled()?;
    let previous = stored_version(store)?;
    let newer = match &previous {
        None => true,
        Some(prev) => compare_versions(&bundle.manifest.catalog_version, prev)
            .is_none_or(|o| o == Ordering::Greater),
    };
    if !newer {
        ensure_search_generation(store)?;
        return Ok(ImportOutcome {
            version: previous.clone().unwrap_or_default(),
            previous_version: previous,
            imported: false,
            procedures: 0,
        });
    }
    let n = bundle.procedures.len();
    apply_update(
        store,
        &CatalogUpdate {
            version: bundle.manifest.catalog_version.clone(),
            verified_at: bundle.manifest.verified_at.clone(),
            source: "bundle",
            replace_all: true,
            upsert: bundle.procedures.clone(),
            delete: Vec::new(),
            refs: Some(bundle.refs.clone()),
        },
    )?;
    tracing::info!(
        version = %bundle.manifest.catalog_version,
        procedures = n,
        "bundled catalog imported"
    );
    Ok(ImportOutcome {
        version: bundle.manifest.catalog_version.clone(),
        previous_version: previous,
        imported: true,
        procedures: n,
    })
}

/// A catalog stored by an app from before search generations gets one, so its search index can be
/// cached (a no-op once it has one).
fn ensure_search_generation(store: &Store) -> Result<()> {
    let has: Option<i64> = store.read(|c| {
        c.query_row(
            "SELECT 1 FROM catalog_meta WHERE key = 'search_generation'",
            [],
            |r| r.get(0),
        )
        .optional()
    })?;
    if has.is_none() {
        store.write(|tx| {
            tx.execute(
                "INSERT OR IGNORE INTO catalog_meta (key, value)
                 VALUES ('search_generation', lower(hex(randomblob(16))))",
                [],
            )
        })?;
    }
    Ok(())
}

pub(crate) fn check_update(u: &CatalogUpdate) -> Result<(), CatalogError> {
    let bad = |reason: String| CatalogError::Inconsistent { reason };
    if compare_versions(&u.version, &u.version).is_none() {
        return Err(bad(format!(
            "version `{}` is not dotted integers",
            u.version
        )));
    }
    let mut seen = std::collections::HashSet::new();
    for p in &u.upsert {
        if !is_slug(&p.id) {
            return Err(bad(format!("procedure id `{}` is not a slug", p.id)));
        }
        if !seen.insert(p.id.as_str()) {
            return Err(bad(format!("procedure `{}` appears twice", p.id)));
        }
        if p.name.trim().is_empty() {
            return Err(bad(format!("procedure `{}` has no name", p.id)));
        }
        check_fee_dates(p).map_err(bad)?;
    }
    for id in &u.delete {
        if !is_slug(id) {
            return Err(bad(format!("deleted id `{id}` is not a slug")));
        }
    }
    Ok(())
}

/// Every fee item is dated or says why not, and none ends before it starts.
fn check_fee_dates(p: &Procedure) -> std::result::Result<(), String> {
    for (i, item) in p.fees.items.iter().enumerate() {
        let undated_ok = item
            .undated_reason
            .as_deref()
            .is_some_and(|r| !r.trim().is_empty());
        if item.valid_from.is_none() && !undated_ok {
            return Err(format!(
                "procedure `{}` fee {i}: no valid_from and no undated_reason",
                p.id
            ));
        }
        if let (Some(from), Some(until)) = (item.valid_from, item.valid_until) {
            if until < from {
                return Err(format!(
                    "procedure `{}` fee {i}: valid_until {until} is before valid_from {from}",
                    p.id
                ));
            }
        }
    }
    Ok(())
}

/// Applies a catalog update in one transaction: nothing changes if any part fails.
pub fn apply_update(store: &Store, u: &CatalogUpdate) -> Result<()> {
    check_update(u)?;
    store.write(|tx| apply_update_in(tx, u))
}

/// [`apply_update`] inside the caller's transaction (a signed bundle also writes its forms,
/// guides and draft migrations in the same one). The caller has run [`check_update`].
pub(crate) fn apply_update_in(tx: &Transaction<'_>, u: &CatalogUpdate) -> Result<()> {
    {
        if u.replace_all {
            tx.execute_batch("DELETE FROM catalog_procedure; DELETE FROM catalog_fts;")?;
        }
        for id in &u.delete {
            delete_procedure(tx, id)?;
        }
        for p in &u.upsert {
            upsert_procedure(tx, p, &u.version, u.replace_all)?;
        }
        if let Some(refs) = &u.refs {
            write_refs(tx, refs)?;
        }
        // The search vocabulary now lives in memory (`index.rs`); the tables of the first schema
        // are only emptied, so no stale copy lingers.
        tx.execute_batch("DELETE FROM catalog_term; DELETE FROM catalog_term_del;")?;
        tx.execute(index::NEW_GENERATION_SQL, [])?;
        let meta = [
            ("catalog_version", u.version.as_str()),
            ("verified_at", u.verified_at.as_str()),
            ("source", u.source),
        ];
        for (k, v) in meta {
            tx.execute(
                "INSERT INTO catalog_meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [k, v],
            )?;
        }
        tx.execute(
            "INSERT INTO catalog_meta (key, value)
             VALUES ('imported_at', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [],
        )?;
        if u.source == "bundle" {
            // The app's own catalog is now the newest: forms and guides an earlier server
            // update brought are older than the embedded ones.
            tx.execute_batch("DELETE FROM catalog_form; DELETE FROM catalog_guide_file;")?;
        }
        Ok(())
    }
}

fn delete_procedure(tx: &Transaction<'_>, id: &str) -> Result<()> {
    let rowid: Option<i64> = tx
        .query_row(
            "SELECT rowid FROM catalog_procedure WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(rowid) = rowid {
        tx.execute("DELETE FROM catalog_fts WHERE rowid = ?1", [rowid])?;
        tx.execute("DELETE FROM catalog_procedure WHERE rowid = ?1", [rowid])?;
    }
    Ok(())
}

/// The folded search texts of a procedure: name (+ code), aliases (`|`-separated), body.
pub(crate) fn search_texts(p: &Procedure) -> (String, String, String) {
    let name = text::tokens(&p.name).join(" ");
    let aliases = p
        .aliases
        .iter()
        .map(|a| text::tokens(a).join(" "))
        .filter(|a| !a.is_empty())
        .collect::<Vec<_>>()
        .join(" | ");
    let mut body = String::new();
    let mut push = |s: &str| {
        body.push_str(&text::fold(s));
        body.push(' ');
    };
    push(&p.name_en);
    push(&p.summary);
    push(&p.who);
    for s in &p.steps {
        push(&s.text);
    }
    for c in &p.components {
        push(&c.name);
    }
    push(&p.where_);
    if let Some(code) = &p.code {
        push(code);
    }
    (name, aliases, body)
}

/// Writes one procedure and its FTS row. `fresh`: the tables were just emptied (full import), so
/// there is no old FTS row to remove.
fn upsert_procedure(tx: &Transaction<'_>, p: &Procedure, version: &str, fresh: bool) -> Result<()> {
    let body_json = serde_json::to_string(p).map_err(|source| CatalogError::Parse {
        file: format!("procedures/{}.json", p.id),
        source,
    })?;
    let (name, aliases, body) = search_texts(p);
    let mut terms: Vec<&str> = body
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    terms.sort_unstable();
    terms.dedup();
    let body_terms = terms.join(" ");
    let rowid: i64 = tx
        .prepare_cached(
            "INSERT INTO catalog_procedure (id, code, name, name_en, summary, summary_en, field,
                level, agency_type, service_level, popular, version, body, name_folded,
                aliases_folded, body_terms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
             ON CONFLICT(id) DO UPDATE SET code = excluded.code, name = excluded.name,
                name_en = excluded.name_en, summary = excluded.summary,
                summary_en = excluded.summary_en, field = excluded.field, level = excluded.level,
                agency_type = excluded.agency_type, service_level = excluded.service_level,
                popular = excluded.popular, version = excluded.version, body = excluded.body,
                name_folded = excluded.name_folded, aliases_folded = excluded.aliases_folded,
                body_terms = excluded.body_terms,
                updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
             RETURNING rowid",
        )?
        .query_row(
            params![
                p.id,
                p.code,
                p.name,
                p.name_en,
                p.summary,
                p.summary_en,
                p.field,
                p.level.as_str(),
                p.agency_type,
                p.service_level.as_str(),
                p.popular,
                version,
                body_json,
                name,
                aliases,
                body_terms,
            ],
            |r| r.get(0),
        )?;
    if !fresh {
        tx.prepare_cached("DELETE FROM catalog_fts WHERE rowid = ?1")?
            .execute([rowid])?;
    }
    let code = p.code.as_deref().map(text::fold).unwrap_or_default();
    tx.prepare_cached(
        "INSERT INTO catalog_fts (rowid, name, aliases, body) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![rowid, format!("{name} {code}"), aliases, body])?;
    Ok(())
}

fn write_refs(tx: &Transaction<'_>, refs: &Refs) -> Result<()> {
    tx.execute(
        "DELETE FROM catalog_ref WHERE kind IN ('field', 'agency_type', 'province_set', 'synonym')",
        [],
    )?;
    let mut insert = tx.prepare("INSERT INTO catalog_ref (kind, id, body) VALUES (?1, ?2, ?3)")?;
    for f in &refs.fields {
        insert.execute(params!["field", f.id, to_json(f)?])?;
    }
    for a in &refs.agency_types {
        insert.execute(params!["agency_type", a.id, to_json(a)?])?;
    }
    if let Some(p) = &refs.provinces {
        insert.execute(params!["province_set", p.version, to_json(p)?])?;
    }
    for (i, rule) in search::synonym_rules(&refs.synonyms).iter().enumerate() {
        insert.execute(params!["synonym", format!("{i:05}"), to_json(rule)?])?;
    }
    Ok(())
}

fn to_json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|source| {
        CoreError::from(CatalogError::Parse {
            file: "reference list".into(),
            source,
        })
    })
}

/// A procedure as the procedure page and `dvc catalog show` present it: the whole procedure plus
/// the names of its field and agency type and the catalog version it came from.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ProcedureView {
    #[serde(flatten)]
    pub procedure: Procedure,
    pub field_name: Option<String>,
    pub field_name_en: Option<String>,
    pub agency_name: Option<String>,
    pub agency_name_en: Option<String>,
    pub catalog_version: String,
}

/// One procedure by id (`passport-domestic`) or national code (`1.001456`).
pub fn show(store: &Store, id_or_code: &str) -> Result<ProcedureView> {
    let key = resolve_procedure(store, id_or_code)?;
    store.read(|c| {
        let row: Option<(String, String, String, String)> = c
            .query_row(
                "SELECT id, body, field, agency_type FROM catalog_procedure WHERE id = ?1",
                [&key],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let Some((id, body, field, agency)) = row else {
            return Err(CoreError::NotFound {
                what: format!("procedure `{key}`"),
            });
        };
        let procedure: Procedure = serde_json::from_str(&body)
            .map_err(|source| CatalogError::StoredBody { id, source })?;
        let names = |kind: &str, id: &str| -> Result<(Option<String>, Option<String>)> {
            let body: Option<String> = c
                .query_row(
                    "SELECT body FROM catalog_ref WHERE kind = ?1 AND id = ?2",
                    [kind, id],
                    |r| r.get(0),
                )
                .optional()?;
            let v: Option<serde_json::Value> = body.and_then(|b| serde_json::from_str(&b).ok());
            let get = |k: &str| v.as_ref().and_then(|v| v[k].as_str()).map(str::to_string);
            Ok((get("name_vi"), get("name_en")))
        };
        let (field_name, field_name_en) = names("field", &field)?;
        let (agency_name, agency_name_en) = names("agency_type", &agency)?;
        let catalog_version: String = c
            .query_row(
                "SELECT value FROM catalog_meta WHERE key = 'catalog_version'",
                [],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or_default();
        Ok(ProcedureView {
            procedure,
            field_name,
            field_name_en,
            agency_name,
            agency_name_en,
            catalog_version,
        })
    })
}

/// The fields (lĩnh vực) of the stored catalog, for filter chips.
pub fn fields(store: &Store) -> Result<Vec<Field>> {
    store.read(|c| {
        let mut stmt =
            c.prepare("SELECT body FROM catalog_ref WHERE kind = 'field' ORDER BY id")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for body in rows {
            let body = body?;
            if let Ok(f) = serde_json::from_str(&body) {
                out.push(f);
            }
        }
        Ok(out)
    })
}

/// A field (lĩnh vực) as a search filter chip: only fields that have procedures, the fields of
/// the most popular procedures first, then the larger ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FieldFilter {
    pub id: String,
    pub name_vi: String,
    pub name_en: String,
    /// How many stored procedures are in this field.
    pub procedures: u32,
}

/// The fields for the search screen's filter chips (see [`FieldFilter`]).
pub fn field_filters(store: &Store) -> Result<Vec<FieldFilter>> {
    store.read(|c| {
        let mut stmt = c.prepare_cached(
            "SELECT r.body, count(*), min(p.popular) IS NULL, min(p.popular)
             FROM catalog_ref r JOIN catalog_procedure p ON p.field = r.id
             WHERE r.kind = 'field'
             GROUP BY r.id
             ORDER BY 3, 4, 2 DESC, r.id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (body, procedures) = row?;
            match serde_json::from_str::<Field>(&body) {
                Ok(f) => out.push(FieldFilter {
                    id: f.id,
                    name_vi: f.name_vi,
                    name_en: f.name_en,
                    procedures,
                }),
                Err(e) => tracing::warn!(error = %e, "stored field skipped"),
            }
        }
        Ok(out)
    })
}

impl Core {
    /// Fields for the search filter chips, most used first.
    pub fn catalog_field_filters(&self) -> Result<Vec<FieldFilter>> {
        field_filters(self.store())
    }

    /// Searches the stored catalog (see [`search`]).
    pub fn catalog_search(&self, params: &SearchParams) -> Result<Vec<SearchHit>> {
        search(self.store(), params)
    }

    /// One procedure by id or national code.
    pub fn catalog_show(&self, id_or_code: &str) -> Result<ProcedureView> {
        show(self.store(), id_or_code)
    }

    /// Imports the bundled catalog if it is newer than the stored one.
    pub fn catalog_import_bundled(&self) -> Result<ImportOutcome> {
        import_bundled(self.store())
    }

    /// Fields for filter chips.
    pub fn catalog_fields(&self) -> Result<Vec<Field>> {
        fields(self.store())
    }

    /// The stored catalog version.
    pub fn catalog_version(&self) -> Result<Option<String>> {
        stored_version(self.store())
    }

    /// Verifies a signed catalog bundle with the keys this build trusts and applies it in one
    /// transaction (see [`apply_bundle`]).
    pub fn catalog_apply_bundle(&self, bytes: &[u8]) -> Result<UpdateOutcome> {
        Ok(apply_bundle(self.store(), bytes, &signed::trusted_keys())?)
    }

    /// [`Core::catalog_apply_bundle`] with the given keys (tests, and the demo server's key).
    pub fn catalog_apply_bundle_with_keys(
        &self,
        bytes: &[u8],
        keys: &[ed25519_dalek::VerifyingKey],
    ) -> std::result::Result<UpdateOutcome, signed::BundleError> {
        apply_bundle(self.store(), bytes, keys)
    }

    /// The guides: the set the last catalog update brought, else the embedded one.
    pub fn catalog_guides_list(&self) -> Result<Vec<GuideSummary>> {
        match stored_guide_files(self.store())? {
            Some(files) => guides::guides_list_with(&|n| files.get(n).cloned()),
            None => guides_list(),
        }
    }

    /// One guide, from the same set as [`Core::catalog_guides_list`].
    pub fn catalog_guide_show(&self, id: &str) -> Result<GuideView> {
        match stored_guide_files(self.store())? {
            Some(files) => guides::guide_show_with(&|n| files.get(n).cloned(), id),
            None => guide_show(id),
        }
    }

    /// The last catalog update attempt (applied or refused, and why).
    pub fn catalog_last_update(&self) -> Result<Option<UpdateStatus>> {
        last_update(self.store())
    }
}

/// The guide files a catalog update stored (`None`: none, the embedded ones apply).
fn stored_guide_files(store: &Store) -> Result<Option<std::collections::BTreeMap<String, String>>> {
    let rows: Vec<(String, String)> = store.read(|c| -> Result<Vec<(String, String)>> {
        let mut st = c.prepare("SELECT path, body FROM catalog_guide_file")?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    })?;
    Ok((!rows.is_empty()).then(|| rows.into_iter().collect()))
}

/// Called when the core opens: brings the stored catalog up to the bundled version. A failure is
/// logged and leaves the previous catalog in place (the app stays usable).
pub(crate) fn on_open(store: &Store) {
    if let Err(e) = import_bundled(store) {
        tracing::error!(code = e.code(), error = %e, "bundled catalog not imported");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(store: &Store, sql: &str) -> i64 {
        store.read(|c| c.query_row(sql, [], |r| r.get(0))).unwrap()
    }

    fn hits(store: &Store, q: &str) -> Vec<String> {
        search(
            store,
            &SearchParams {
                query: q.into(),
                ..Default::default()
            },
        )
        .unwrap()
        .into_iter()
        .map(|h| h.id)
        .collect()
    }

    #[test]
    fn versions_compare_numerically() {
        assert_eq!(
            compare_versions("2026.11.23.1", "2026.11.23.1"),
            Some(Ordering::Equal)
        );
        assert_eq!(
            compare_versions("2026.11.23.10", "2026.11.23.9"),
            Some(Ordering::Greater)
        );
        assert_eq!(
            compare_versions("2026.11.23", "2026.11.23.0"),
            Some(Ordering::Equal)
        );
        assert_eq!(compare_versions("2026.1", "2026.x"), None);
        assert_eq!(compare_versions("", "1"), None);
    }

    #[test]
    fn bundled_import_is_idempotent_and_leaves_user_data_alone() {
        let store = Store::open_in_memory().unwrap();
        crate::settings::set(&store, "language", "en").unwrap();
        let first = import_bundled(&store).unwrap();
        assert!(first.imported);
        let n = bundled().unwrap().procedures.len();
        assert_eq!(first.procedures, n);
        assert_eq!(
            count(&store, "SELECT count(*) FROM catalog_procedure"),
            n as i64
        );
        assert_eq!(count(&store, "SELECT count(*) FROM catalog_fts"), n as i64);
        let second = import_bundled(&store).unwrap();
        assert!(!second.imported);
        assert_eq!(
            count(&store, "SELECT count(*) FROM catalog_procedure"),
            n as i64
        );
        assert_eq!(
            crate::settings::load(&store).unwrap().language,
            crate::settings::Language::En
        );
        assert_eq!(
            stored_version(&store).unwrap().as_deref(),
            Some(bundled().unwrap().manifest.catalog_version.as_str())
        );
    }

    #[test]
    fn older_stored_catalog_is_replaced_newer_is_kept() {
        let store = Store::open_in_memory().unwrap();
        import_bundled(&store).unwrap();
        store
            .write(|tx| {
                tx.execute(
                    "UPDATE catalog_meta SET value = '1.0' WHERE key = 'catalog_version'",
                    [],
                )
            })
            .unwrap();
        assert!(import_bundled(&store).unwrap().imported);
        store
            .write(|tx| {
                tx.execute(
                    "UPDATE catalog_meta SET value = '9999.1' WHERE key = 'catalog_version'",
                    [],
                )
            })
            .unwrap();
        assert!(!import_bundled(&store).unwrap().imported);
    }

    #[test]
    fn delta_upserts_and_deletes_by_id() {
        let store = Store::open_in_memory().unwrap();
        import_bundled(&store).unwrap();
        let b = bundled().unwrap();
        let mut changed = b.procedures[0].clone();
        changed.aliases.push("quyển sổ màu xanh lam".into());
        let gone = b.procedures[1].id.clone();
        apply_update(
            &store,
            &CatalogUpdate {
                version: "9999.1".into(),
                verified_at: "2027-01-01".into(),
                source: "server",
                replace_all: false,
                upsert: vec![changed.clone()],
                delete: vec![gone.clone()],
                refs: None,
            },
        )
        .unwrap();
        assert_eq!(hits(&store, "quyen so mau xanh lam")[0], changed.id);
        assert!(matches!(
            show(&store, &gone),
            Err(CoreError::NotFound { .. })
        ));
        assert!(!hits(&store, &b.procedures[1].name).contains(&gone));
        let n = b.procedures.len() as i64 - 1;
        assert_eq!(count(&store, "SELECT count(*) FROM catalog_fts"), n);
        // Synonyms and fields survive a delta without refs.
        assert!(!fields(&store).unwrap().is_empty());
    }

    #[test]
    fn bad_update_changes_nothing() {
        let store = Store::open_in_memory().unwrap();
        import_bundled(&store).unwrap();
        let before = stored_version(&store).unwrap();
        let mut p = bundled().unwrap().procedures[0].clone();
        p.id = "Not A Slug".into();
        let e = apply_update(
            &store,
            &CatalogUpdate {
                version: "9999.1".into(),
                verified_at: "2027-01-01".into(),
                source: "server",
                replace_all: true,
                upsert: vec![p],
                delete: vec![],
                refs: None,
            },
        )
        .unwrap_err();
        assert!(e.is_bad_input(), "{e}");
        assert_eq!(stored_version(&store).unwrap(), before);
        assert_eq!(
            count(&store, "SELECT count(*) FROM catalog_procedure"),
            bundled().unwrap().procedures.len() as i64
        );
    }

    #[test]
    fn fees_without_dates_or_ending_before_they_start_are_refused() {
        let store = Store::open_in_memory().unwrap();
        import_bundled(&store).unwrap();
        let before = stored_version(&store).unwrap();
        let base = bundled()
            .unwrap()
            .procedures
            .iter()
            .find(|p| !p.fees.items.is_empty())
            .unwrap()
            .clone();
        let mut undated = base.clone();
        undated.fees.items[0].valid_from = None;
        undated.fees.items[0].undated_reason = None;
        let mut backwards = base.clone();
        backwards.fees.items[0].valid_from = CatalogDate::parse("2026-01-01");
        backwards.fees.items[0].valid_until = CatalogDate::parse("2025-12-31");
        for (p, what) in [
            (undated, "undated_reason"),
            (backwards, "before valid_from"),
        ] {
            let e = apply_update(
                &store,
                &CatalogUpdate {
                    version: "9999.1".into(),
                    verified_at: "2027-01-01".into(),
                    source: "server",
                    replace_all: false,
                    upsert: vec![p],
                    delete: vec![],
                    refs: None,
                },
            )
            .unwrap_err();
            assert!(e.is_bad_input() && e.to_string().contains(what), "{e}");
            assert_eq!(stored_version(&store).unwrap(), before);
        }
    }

    #[test]
    fn show_by_id_or_code_and_bad_ids() {
        let store = Store::open_in_memory().unwrap();
        import_bundled(&store).unwrap();
        let p = bundled()
            .unwrap()
            .procedures
            .iter()
            .find(|p| p.code.is_some())
            .unwrap();
        let code = p.code.clone().unwrap();
        assert_eq!(show(&store, &code).unwrap().procedure.id, p.id);
        let v = show(&store, &p.id).unwrap();
        assert!(v.field_name.is_some());
        assert!(v.agency_name.is_some());
        for bad in ["", "../etc/passwd", "DROP TABLE", "a b"] {
            assert!(show(&store, bad).unwrap_err().is_bad_input(), "{bad}");
        }
        assert!(matches!(
            show(&store, "no-such-procedure"),
            Err(CoreError::NotFound { .. })
        ));
    }

    #[test]
    fn search_filters_and_limits() {
        let store = Store::open_in_memory().unwrap();
        import_bundled(&store).unwrap();
        let popular = search(&store, &SearchParams::default()).unwrap();
        assert!(popular[0].popular.is_some());
        assert!(popular
            .windows(2)
            .all(|w| match (w[0].popular, w[1].popular) {
                (Some(a), Some(b)) => a <= b,
                (None, Some(_)) => false,
                _ => true,
            }));
        let field = &bundled().unwrap().procedures[0].field;
        let only = search(
            &store,
            &SearchParams {
                query: "dang ky".into(),
                field: Some(field.clone()),
                limit: Some(100),
                ..Default::default()
            },
        )
        .unwrap();
        assert!(only.iter().all(|h| &h.field == field));
        let full = search(
            &store,
            &SearchParams {
                query: "".into(),
                service_level: Some("full".into()),
                limit: Some(100),
                ..Default::default()
            },
        )
        .unwrap();
        assert!(full.iter().all(|h| h.service_level == "full"));
        for bad in [
            SearchParams {
                level: Some("district".into()),
                ..Default::default()
            },
            SearchParams {
                service_level: Some("4".into()),
                ..Default::default()
            },
            SearchParams {
                field: Some("no-such-field".into()),
                ..Default::default()
            },
            SearchParams {
                limit: Some(0),
                ..Default::default()
            },
            SearchParams {
                query: "x".repeat(201),
                ..Default::default()
            },
        ] {
            assert!(search(&store, &bad).unwrap_err().is_bad_input(), "{bad:?}");
        }
        // FTS syntax in a query is just text.
        for q in [
            "\"",
            "ho* OR NOT",
            "a AND (",
            "-",
            "NEAR(x y)",
            "🙂",
            "' OR 1=1 --",
        ] {
            search(
                &store,
                &SearchParams {
                    query: q.into(),
                    ..Default::default()
                },
            )
            .unwrap();
        }
    }

    #[test]
    fn field_filters_are_the_used_fields_most_popular_first() {
        let store = Store::open_in_memory().unwrap();
        import_bundled(&store).unwrap();
        let b = bundled().unwrap();
        let ff = field_filters(&store).unwrap();
        let top = b
            .procedures
            .iter()
            .filter(|p| p.popular.is_some())
            .min_by_key(|p| p.popular)
            .unwrap();
        assert_eq!(ff[0].id, top.field);
        let total: u32 = ff.iter().map(|f| f.procedures).sum();
        assert_eq!(total as usize, b.procedures.len());
        for f in &ff {
            let n = b.procedures.iter().filter(|p| p.field == f.id).count();
            assert_eq!(f.procedures as usize, n, "{}", f.id);
            assert!(!f.name_vi.is_empty());
        }
        // A field without procedures is no filter.
        assert!(ff.len() <= b.refs.fields.len());
    }

    #[test]
    fn query_and_filters_work_together() {
        let store = Store::open_in_memory().unwrap();
        import_bundled(&store).unwrap();
        let q = |level: Option<&str>, service: Option<&str>, field: Option<&str>| {
            search(
                &store,
                &SearchParams {
                    query: "dang ky".into(),
                    limit: Some(100),
                    field: field.map(str::to_string),
                    level: level.map(str::to_string),
                    service_level: service.map(str::to_string),
                },
            )
            .unwrap()
        };
        let all = q(None, None, None);
        let province = q(Some("province"), None, None);
        let partial = q(None, Some("partial"), None);
        let both = q(Some("commune"), Some("partial"), Some("civil-status"));
        assert!(!province.is_empty() && province.len() < all.len());
        assert!(province.iter().all(|h| h.level == "province"));
        assert!(!partial.is_empty() && partial.len() < all.len());
        assert!(partial.iter().all(|h| h.service_level == "partial"));
        assert!(!both.is_empty());
        assert!(both.iter().all(|h| h.level == "commune"
            && h.service_level == "partial"
            && h.field == "civil-status"));
        // Filtering keeps the order of the unfiltered results.
        let order: Vec<&str> = all
            .iter()
            .filter(|h| h.level == "province")
            .map(|h| h.id.as_str())
            .collect();
        let got: Vec<&str> = province.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(got, order);
    }

    #[test]
    fn guides_load_with_their_illustrations() {
        let list = guides_list().unwrap();
        assert!(!list.is_empty());
        for g in &list {
            let v = guide_show(&g.id).unwrap();
            for s in v.guide.steps.iter().filter_map(|s| s.image.as_ref()) {
                assert!(v.images[s].contains("<svg"), "{s}");
            }
        }
        assert!(guide_show("../x").unwrap_err().is_bad_input());
        assert!(guide_show("index").unwrap_err().is_bad_input());
        assert!(guide_image("img/../../secret.svg")
            .unwrap_err()
            .is_bad_input());
    }
}
