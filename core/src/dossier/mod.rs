//! Draft dossiers: a procedure's e-form filled for one applicant, its attachments, autosaved on
//! every change, checked for completeness, and submitted into the outbox.
//!
//! Every change is one small IMMEDIATE transaction that bumps the dossier's revision, so what the
//! UI was told is saved (the returned revision) survives a kill at any moment (see the kill -9
//! test in `tests/tests/autosave_kill.rs`).

pub mod check;
pub mod form;
pub mod generated;
mod service;
pub(crate) use service::document_kind;
pub use service::{progress, AttachedPhoto, DossierOverview};
pub mod values;
pub mod view;

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;
use serde_json::Value;

use crate::error::{CoreError, Result};
use crate::store::Store;
use check::{Attached, CheckContext, Problem};
use form::FormDef;

/// Largest JSON text of one field value.
pub const MAX_VALUE_BYTES: usize = 4096;
/// Largest JSON text of a group's value (all its rows).
pub const MAX_GROUP_VALUE_BYTES: usize = 65_536;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
// The TypeScript name (the server's states are `DossierState`); JSON is unchanged.
#[cfg_attr(feature = "specta", serde(rename = "DraftState"))]
#[serde(rename_all = "snake_case")]
pub enum DossierState {
    Draft,
    Queued,
}

impl DossierState {
    fn parse(s: &str) -> Result<Self> {
        match s {
            "draft" => Ok(Self::Draft),
            "queued" => Ok(Self::Queued),
            other => Err(CoreError::invalid(
                "state",
                format!("unknown dossier state {other:?} in the store"),
                "errors.internal",
            )),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Attachment {
    pub component: String,
    pub position: u32,
    pub document_id: String,
    pub sha256: String,
    pub bytes: i64,
    pub prefilled: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Dossier {
    pub id: String,
    pub procedure_id: String,
    pub form_version: u32,
    pub applicant_id: Option<String>,
    pub helper: Option<String>,
    pub state: DossierState,
    pub revision: i64,
    pub values: BTreeMap<String, Value>,
    /// Fields whose value is still what the profile gave.
    pub prefilled: BTreeSet<String>,
    pub attachments: Vec<Attachment>,
    pub created_at: String,
    pub updated_at: String,
    pub submitted_at: Option<String>,
}

impl Dossier {
    /// Files per component, for `check`.
    pub fn attached(&self) -> Attached {
        let mut m = Attached::new();
        for a in &self.attachments {
            *m.entry(a.component.clone()).or_default() += 1;
        }
        m
    }
}

/// One line of the dossier list.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DossierSummary {
    pub id: String,
    pub procedure_id: String,
    pub applicant_id: Option<String>,
    pub state: DossierState,
    pub revision: i64,
    pub updated_at: String,
}

/// The result of a submit: the outbox entry that the sync runner will send.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Queued {
    pub dossier_id: String,
    pub revision: i64,
    pub outbox_id: String,
    pub idempotency_key: String,
}

pub(crate) fn now() -> String {
    let t = time::OffsetDateTime::now_utc();
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn not_found(id: &str) -> CoreError {
    CoreError::NotFound {
        what: format!("dossier {id}"),
    }
}

/// Creates a draft with the given prefilled values.
pub fn create(
    store: &Store,
    form: &FormDef,
    applicant_id: Option<&str>,
    helper: Option<&str>,
    prefill: &BTreeMap<String, Value>,
) -> Result<Dossier> {
    let id = new_id();
    let ts = now();
    store.write(|tx| -> Result<()> {
        tx.execute(
            "INSERT INTO dossiers (id, procedure_id, form_version, applicant_id, helper, state,
                                   revision, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'draft', 0, ?6, ?6)",
            params![id, form.procedure, form.version, applicant_id, helper, ts],
        )?;
        for (field, value) in prefill {
            if form.field(field).is_none() || form::is_empty(value) {
                continue;
            }
            tx.execute(
                "INSERT INTO dossier_values (dossier_id, field_id, value, prefilled, updated_at)
                 VALUES (?1, ?2, ?3, 1, ?4)",
                params![id, field, value.to_string(), ts],
            )?;
        }
        Ok(())
    })?;
    tracing::info!(dossier = %id, procedure = %form.procedure, prefilled = prefill.len(), "draft created");
    get(store, &id)
}

/// Reads one dossier with its values and attachments.
pub fn get(store: &Store, id: &str) -> Result<Dossier> {
    store.read(|c| -> Result<Dossier> {
        let row = c
            .query_row(
                "SELECT procedure_id, form_version, applicant_id, helper, state, revision,
                        created_at, updated_at, submitted_at FROM dossiers WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, u32>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, i64>(5)?,
                        r.get::<_, String>(6)?,
                        r.get::<_, String>(7)?,
                        r.get::<_, Option<String>>(8)?,
                    ))
                },
            )
            .optional()?
            .ok_or_else(|| not_found(id))?;
        let mut values = BTreeMap::new();
        let mut prefilled = BTreeSet::new();
        let mut stmt = c.prepare_cached(
            "SELECT field_id, value, prefilled FROM dossier_values WHERE dossier_id = ?1",
        )?;
        let rows = stmt.query_map([id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, bool>(2)?,
            ))
        })?;
        for row in rows {
            let (field, text, pre) = row?;
            let value: Value = serde_json::from_str(&text).map_err(|e| {
                CoreError::invalid(
                    "value",
                    format!("stored value of {field}: {e}"),
                    "errors.internal",
                )
            })?;
            if pre {
                prefilled.insert(field.clone());
            }
            values.insert(field, value);
        }
        let mut stmt = c.prepare_cached(
            "SELECT component_id, position, document_id, sha256, bytes, prefilled
             FROM dossier_attachments WHERE dossier_id = ?1 ORDER BY component_id, position",
        )?;
        let attachments = stmt
            .query_map([id], |r| {
                Ok(Attachment {
                    component: r.get(0)?,
                    position: r.get(1)?,
                    document_id: r.get(2)?,
                    sha256: r.get(3)?,
                    bytes: r.get(4)?,
                    prefilled: r.get(5)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(Dossier {
            id: id.to_string(),
            procedure_id: row.0,
            form_version: row.1,
            applicant_id: row.2,
            helper: row.3,
            state: DossierState::parse(&row.4)?,
            revision: row.5,
            values,
            prefilled,
            attachments,
            created_at: row.6,
            updated_at: row.7,
            submitted_at: row.8,
        })
    })
}

/// All dossiers, most recently changed first.
pub fn list(store: &Store) -> Result<Vec<DossierSummary>> {
    store.read(|c| -> Result<Vec<DossierSummary>> {
        let mut stmt = c.prepare(
            "SELECT id, procedure_id, applicant_id, state, revision, updated_at
             FROM dossiers ORDER BY updated_at DESC, id DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, procedure_id, applicant_id, state, revision, updated_at) = row?;
            out.push(DossierSummary {
                id,
                procedure_id,
                applicant_id,
                state: DossierState::parse(&state)?,
                revision,
                updated_at,
            });
        }
        Ok(out)
    })
}

/// What a change touches (a sent dossier reopened for a supplement accepts only the named items).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditTarget<'a> {
    /// An e-form field.
    Field(&'a str),
    /// A component's attachments.
    Component(&'a str),
    /// The dossier as a whole (submit, delete): drafts only.
    Whole,
}

/// Whether an open supplement request naming `items` (JSON `[SupplementItem]`; empty = the whole
/// dossier) lets `target` change. Pure.
pub fn supplement_allows(
    items: &[dvc_protocol::dossiers::SupplementItem],
    target: EditTarget<'_>,
) -> bool {
    use dvc_protocol::dossiers::SupplementItem as I;
    match target {
        EditTarget::Whole => false,
        _ if items.is_empty() => true,
        EditTarget::Field(f) => items
            .iter()
            .any(|i| matches!(i, I::Field { name } if name == f)),
        EditTarget::Component(c) => items
            .iter()
            .any(|i| matches!(i, I::Attachment { kind } if kind == c)),
    }
}

/// Locks the dossier row for this transaction and checks `target` may change: any part of a
/// draft; of a sent dossier, only what an open supplement request names.
fn editable(tx: &Transaction<'_>, id: &str, target: EditTarget<'_>) -> Result<i64> {
    let row: Option<(String, i64)> = tx
        .query_row(
            "SELECT state, revision FROM dossiers WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match row {
        None => Err(not_found(id)),
        Some((state, rev)) if state == "draft" => Ok(rev),
        Some((state, rev)) => {
            let items: Option<String> = tx
                .query_row(
                    "SELECT items FROM dossier_supplement WHERE dossier_id = ?1 AND state = 'open'",
                    [id],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(items) = items else {
                return Err(CoreError::invalid(
                    "dossier",
                    format!("dossier {id} is {state} and can no longer be edited"),
                    "dossier.read_only",
                ));
            };
            let items: Vec<dvc_protocol::dossiers::SupplementItem> = serde_json::from_str(&items)
                .map_err(|e| {
                CoreError::invalid(
                    "items",
                    format!("stored supplement items: {e}"),
                    "errors.internal",
                )
            })?;
            if supplement_allows(&items, target) {
                Ok(rev)
            } else {
                let what = match target {
                    EditTarget::Field(f) => format!("field {f:?}"),
                    EditTarget::Component(c) => format!("attachment {c:?}"),
                    EditTarget::Whole => "the dossier as a whole".to_string(),
                };
                Err(CoreError::invalid(
                    match target {
                        EditTarget::Field(f) => f,
                        EditTarget::Component(c) => c,
                        EditTarget::Whole => "dossier",
                    },
                    format!(
                        "dossier {id} is reopened for a supplement; only what the officer named \
                         may change, not {what}"
                    ),
                    "dossier.supplement_only",
                ))
            }
        }
    }
}

fn bump(tx: &Transaction<'_>, id: &str, rev: i64, ts: &str) -> Result<i64> {
    tx.execute(
        "UPDATE dossiers SET revision = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, rev + 1, ts],
    )?;
    Ok(rev + 1)
}

/// Whether a JSON value has the type a (non-group) field of this kind stores.
fn fits_kind(kind: form::FieldKind, value: &Value) -> bool {
    use form::FieldKind::*;
    match (kind, value) {
        (_, Value::Null) => true,
        (Checkbox, Value::Bool(_)) => true,
        (MultiSelect, Value::Array(items)) => items.iter().all(Value::is_string),
        (Number, Value::Number(_) | Value::String(_)) => true,
        (Checkbox | MultiSelect | Group, _) => false,
        (_, Value::String(_)) => true,
        _ => false,
    }
}

/// Checks the shape of one change before it is saved: the field exists and the JSON type fits
/// its kind (for a group: a list of at most `max_items` rows, each an object of the group's own
/// fields with fitting values). Content problems (a half-typed phone) are saved and reported by
/// `check`.
pub fn validate_change(form: &FormDef, field: &str, value: &Value) -> Result<()> {
    let f = form.field(field).ok_or_else(|| {
        CoreError::invalid(
            "field",
            format!("procedure {} has no field {field:?}", form.procedure),
            "dossier.unknown_field",
        )
    })?;
    let type_error = |what: String| CoreError::invalid(field, what, "dossier.value_type");
    if f.kind == form::FieldKind::Group {
        let none = Vec::new();
        let rows = match value {
            Value::Null => &none,
            Value::Array(rows) => rows,
            other => {
                return Err(type_error(format!(
                    "value of type {} does not fit a group (a list of rows)",
                    json_type(other)
                )))
            }
        };
        let max = f.max_items.unwrap_or(form::MAX_GROUP_ROWS) as usize;
        if rows.len() > max {
            return Err(CoreError::invalid(
                field,
                format!("{} rows, at most {max}", rows.len()),
                "dossier.group_too_many",
            ));
        }
        for (i, row) in rows.iter().enumerate() {
            let Some(obj) = row.as_object() else {
                return Err(type_error(format!("row {i} is not an object")));
            };
            for (k, v) in obj {
                let Some(sub) = f.fields.iter().find(|s| &s.id == k) else {
                    return Err(CoreError::invalid(
                        field,
                        format!("row {i}: group {field} has no field {k:?}"),
                        "dossier.unknown_field",
                    ));
                };
                if !fits_kind(sub.kind, v) {
                    return Err(type_error(format!(
                        "row {i}: value of type {} does not fit the {:?} field {k}",
                        json_type(v),
                        sub.kind
                    )));
                }
                if v.to_string().len() > MAX_VALUE_BYTES {
                    return Err(CoreError::invalid(
                        field,
                        format!("row {i}: {k} longer than {MAX_VALUE_BYTES} bytes"),
                        "validation.too_long",
                    ));
                }
            }
        }
        if value.to_string().len() > MAX_GROUP_VALUE_BYTES {
            return Err(CoreError::invalid(
                field,
                format!("group value longer than {MAX_GROUP_VALUE_BYTES} bytes"),
                "validation.too_long",
            ));
        }
        return Ok(());
    }
    if !fits_kind(f.kind, value) {
        return Err(type_error(format!(
            "value of type {} does not fit a {:?} field",
            json_type(value),
            f.kind
        )));
    }
    if value.to_string().len() > MAX_VALUE_BYTES {
        return Err(CoreError::invalid(
            field,
            format!("value longer than {MAX_VALUE_BYTES} bytes"),
            "validation.too_long",
        ));
    }
    Ok(())
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Saves field changes (one transaction, all or nothing) and returns the new revision. An empty
/// value (null, blank text, empty list, unticked box) removes the field.
pub fn set_fields(
    store: &Store,
    form: &FormDef,
    id: &str,
    changes: &[(String, Value)],
) -> Result<i64> {
    for (field, value) in changes {
        validate_change(form, field, value)?;
    }
    let ts = now();
    let rev = store.write(|tx| -> Result<i64> {
        let mut rev = None;
        for (field, _) in changes {
            rev = Some(editable(tx, id, EditTarget::Field(field))?);
        }
        let rev = match rev {
            Some(r) => r,
            None => editable(tx, id, EditTarget::Whole)?,
        };
        for (field, value) in changes {
            if form::is_empty(value) {
                tx.execute(
                    "DELETE FROM dossier_values WHERE dossier_id = ?1 AND field_id = ?2",
                    params![id, field],
                )?;
            } else {
                let value = normalise(form, field, value);
                tx.execute(
                    "INSERT INTO dossier_values (dossier_id, field_id, value, prefilled, updated_at)
                     VALUES (?1, ?2, ?3, 0, ?4)
                     ON CONFLICT (dossier_id, field_id) DO UPDATE SET
                        value = excluded.value, prefilled = 0, updated_at = excluded.updated_at",
                    params![id, field, value.to_string(), ts],
                )?;
            }
        }
        bump(tx, id, rev, &ts)
    })?;
    tracing::debug!(dossier = %id, changes = changes.len(), revision = rev, "fields saved");
    Ok(rev)
}

/// Unicode NFC is applied by the UI and the people validators; here only what the form asks:
/// capitals for `uppercase` fields.
fn normalise(form: &FormDef, field: &str, value: &Value) -> Value {
    match (form.field(field), value) {
        (Some(f), Value::String(s)) if f.uppercase => Value::String(s.to_uppercase()),
        // A group's rows: the same, field by field.
        (Some(g), Value::Array(rows)) if g.kind == form::FieldKind::Group => Value::Array(
            rows.iter()
                .map(|row| match row {
                    Value::Object(obj) => Value::Object(
                        obj.iter()
                            .map(|(k, v)| {
                                let upper = g.fields.iter().any(|s| &s.id == k && s.uppercase);
                                let v = match v {
                                    Value::String(s) if upper => Value::String(s.to_uppercase()),
                                    other => other.clone(),
                                };
                                (k.clone(), v)
                            })
                            .collect(),
                    ),
                    other => other.clone(),
                })
                .collect(),
        ),
        _ => value.clone(),
    }
}

/// A document to attach to a component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment<'a> {
    pub component: &'a str,
    pub document_id: &'a str,
    pub sha256: &'a str,
    pub bytes: i64,
    /// Attached automatically from the applicant's stored documents.
    pub prefilled: bool,
}

/// Adds a document to a component (at the end) and returns the new revision.
pub fn attach(store: &Store, form: &FormDef, id: &str, a: &NewAttachment<'_>) -> Result<i64> {
    let NewAttachment {
        component,
        document_id,
        sha256,
        bytes,
        prefilled,
    } = *a;
    let c = form.component(component).ok_or_else(|| {
        CoreError::invalid(
            "component",
            format!(
                "procedure {} has no component {component:?}",
                form.procedure
            ),
            "dossier.unknown_component",
        )
    })?;
    let max = c.max_files;
    let ts = now();
    store.write(|tx| -> Result<i64> {
        let rev = editable(tx, id, EditTarget::Component(component))?;
        let count: u32 = tx.query_row(
            "SELECT count(*) FROM dossier_attachments WHERE dossier_id = ?1 AND component_id = ?2",
            params![id, component],
            |r| r.get(0),
        )?;
        if count >= max {
            return Err(CoreError::invalid(
                component,
                format!("component already has {count} of at most {max} files"),
                "dossier.too_many_files",
            ));
        }
        let position: u32 = tx.query_row(
            "SELECT coalesce(max(position) + 1, 0) FROM dossier_attachments
             WHERE dossier_id = ?1 AND component_id = ?2",
            params![id, component],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO dossier_attachments (dossier_id, component_id, position, document_id,
                                              sha256, bytes, prefilled, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                id,
                component,
                position,
                document_id,
                sha256,
                bytes,
                prefilled,
                ts
            ],
        )?;
        bump(tx, id, rev, &ts)
    })
}

/// Removes one attached file (the document itself stays in the person's store).
pub fn detach(store: &Store, id: &str, component: &str, position: u32) -> Result<i64> {
    let ts = now();
    store.write(|tx| -> Result<i64> {
        let rev = editable(tx, id, EditTarget::Component(component))?;
        let n = tx.execute(
            "DELETE FROM dossier_attachments
             WHERE dossier_id = ?1 AND component_id = ?2 AND position = ?3",
            params![id, component, position],
        )?;
        if n == 0 {
            return Err(CoreError::NotFound {
                what: format!("attachment {component}/{position}"),
            });
        }
        bump(tx, id, rev, &ts)
    })
}

/// Deletes a draft with its values and attachment references. Queued dossiers cannot be deleted
/// here (a sent dossier is cancelled instead, see `sync::actions`).
pub fn delete(store: &Store, id: &str) -> Result<()> {
    store.write(|tx| -> Result<()> {
        editable(tx, id, EditTarget::Whole)?;
        tx.execute("DELETE FROM dossiers WHERE id = ?1", [id])?;
        Ok(())
    })?;
    tracing::info!(dossier = %id, "draft deleted");
    Ok(())
}

/// A field a catalog update removed from a draft's form; its value was dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RemovedField {
    pub field_id: String,
    pub label: String,
    pub label_en: String,
    /// The catalog version whose form no longer has it.
    pub catalog_version: String,
}

/// Message key of a removed-field notice in a draft's check list.
pub const FIELD_REMOVED_KEY: &str = "dossier.field_removed";
/// Path prefix of a removed-field notice (`removed.<field id>`).
pub const REMOVED_PREFIX: &str = "removed.";

impl RemovedField {
    /// The check-list line for it ("Trường … đã bỏ trong mẫu mới").
    pub fn notice(&self) -> Problem {
        Problem {
            path: format!("{REMOVED_PREFIX}{}", self.field_id),
            message_key: FIELD_REMOVED_KEY,
            section: "removed".into(),
        }
    }
}

impl Problem {
    /// A notice (a field removed by a catalog update) rather than something to fix.
    pub fn is_notice(&self) -> bool {
        self.path.starts_with(REMOVED_PREFIX)
    }
}

/// The fields catalog updates removed from a draft's form, in field order of removal.
pub fn removed_fields(store: &Store, id: &str) -> Result<Vec<RemovedField>> {
    store.read(|c| -> Result<Vec<RemovedField>> {
        let mut st = c.prepare(
            "SELECT field_id, label, label_en, catalog_version FROM dossier_removed_fields
             WHERE dossier_id = ?1 ORDER BY removed_at, field_id",
        )?;
        let rows = st
            .query_map([id], |r| {
                Ok(RemovedField {
                    field_id: r.get(0)?,
                    label: r.get(1)?,
                    label_en: r.get(2)?,
                    catalog_version: r.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    })
}

/// The check context for today with the given province codes.
pub fn context(provinces: BTreeSet<String>) -> CheckContext {
    CheckContext {
        today: crate::validate::today().to_string(),
        provinces,
    }
}

/// Problems of a stored dossier against its form.
pub fn problems(dossier: &Dossier, form: &FormDef, ctx: &CheckContext) -> Vec<Problem> {
    check::check(form, &dossier.values, &dossier.attached(), ctx)
}

/// Submits: when `check` finds nothing, moves the dossier to `queued` and writes the outbox
/// entry with a fresh idempotency key in the same transaction. The check runs inside that
/// transaction, on exactly the data that gets queued.
pub fn submit(store: &Store, form: &FormDef, id: &str, ctx: &CheckContext) -> Result<Queued> {
    let ts = now();
    let queued = store.write(|tx| -> Result<Queued> {
        let rev = editable(tx, id, EditTarget::Whole)?;
        let d = read_in_tx(tx, id)?;
        let problems = check::check(form, &d.values, &d.attached(), ctx);
        if !problems.is_empty() {
            return Err(CoreError::invalid(
                "dossier",
                format!(
                    "{} problem(s) left, first {}",
                    problems.len(),
                    problems[0].path
                ),
                "dossier.incomplete",
            ));
        }
        let revision = bump(tx, id, rev, &ts)?;
        tx.execute(
            "UPDATE dossiers SET state = 'queued', submitted_at = ?2 WHERE id = ?1",
            params![id, ts],
        )?;
        // The notices of fields a catalog update removed have been seen; the dossier is sent.
        tx.execute(
            "DELETE FROM dossier_removed_fields WHERE dossier_id = ?1",
            [id],
        )?;
        let outbox_id = new_id();
        let key = uuid::Builder::from_random_bytes(rand::random())
            .into_uuid()
            .to_string();
        tx.execute(
            "INSERT INTO outbox (id, dossier_id, revision, idempotency_key, state, attempts,
                                 created_at, updated_at, account_id)
             VALUES (?1, ?2, ?3, ?4, 'pending', 0, ?5, ?5,
                     (SELECT value FROM sync_kv WHERE key = 'account_id'))",
            params![outbox_id, id, revision, key, ts],
        )?;
        Ok(Queued {
            dossier_id: id.to_string(),
            revision,
            outbox_id,
            idempotency_key: key,
        })
    })?;
    tracing::info!(dossier = %id, outbox = %queued.outbox_id, "dossier queued");
    Ok(queued)
}

/// Values and attachment counts read inside a transaction (for submit).
fn read_in_tx(tx: &Transaction<'_>, id: &str) -> Result<Dossier> {
    let mut d = Dossier {
        id: id.to_string(),
        procedure_id: String::new(),
        form_version: 0,
        applicant_id: None,
        helper: None,
        state: DossierState::Draft,
        revision: 0,
        values: BTreeMap::new(),
        prefilled: BTreeSet::new(),
        attachments: vec![],
        created_at: String::new(),
        updated_at: String::new(),
        submitted_at: None,
    };
    let mut stmt =
        tx.prepare("SELECT field_id, value FROM dossier_values WHERE dossier_id = ?1")?;
    let rows = stmt.query_map([id], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    for row in rows {
        let (f, text) = row?;
        let v: Value = serde_json::from_str(&text).map_err(|e| {
            CoreError::invalid(
                "value",
                format!("stored value of {f}: {e}"),
                "errors.internal",
            )
        })?;
        d.values.insert(f, v);
    }
    let mut stmt = tx.prepare(
        "SELECT component_id, position, document_id, sha256, bytes, prefilled
         FROM dossier_attachments WHERE dossier_id = ?1",
    )?;
    d.attachments = stmt
        .query_map([id], |r| {
            Ok(Attachment {
                component: r.get(0)?,
                position: r.get(1)?,
                document_id: r.get(2)?,
                sha256: r.get(3)?,
                bytes: r.get(4)?,
                prefilled: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(d)
}

/// Pending outbox entries in sending order.
pub fn outbox_pending(store: &Store) -> Result<Vec<Queued>> {
    store.read(|c| -> Result<Vec<Queued>> {
        let mut stmt = c.prepare(
            "SELECT dossier_id, revision, id, idempotency_key FROM outbox
             WHERE state = 'pending' ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Queued {
                dossier_id: r.get(0)?,
                revision: r.get(1)?,
                outbox_id: r.get(2)?,
                idempotency_key: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    })
}

#[cfg(test)]
mod tests;
