//! `check`: every missing or invalid field and component of a dossier, as message keys. The UI's
//! "còn thiếu" checklist and the submit guard call this same pure function.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use super::form::{self, is_empty, ComponentDef, Condition, DateRule, Field, FieldKind, FormDef};
use super::values;

/// One thing to fix before the dossier can be submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Problem {
    /// `fields.<id>`, `fields.<group>.<row>.<id>` for a field of a group's row (rows from 0),
    /// or `components.<id>`.
    pub path: String,
    /// UI dictionary key of the plain-language message.
    pub message_key: &'static str,
    /// The section the field belongs to (for "jump to"), `components` for attachments.
    pub section: String,
}

/// What `check` needs besides the form and the values.
#[derive(Debug, Clone)]
pub struct CheckContext {
    /// Today as `YYYY-MM-DD` (passed in so the function stays pure and testable).
    pub today: String,
    /// Valid codes for `options_from: "provinces"`.
    pub provinces: BTreeSet<String>,
}

/// The files attached to each component.
pub type Attached = BTreeMap<String, usize>;

/// Every problem, in form order: fields section by section, then components.
pub fn check(
    form: &FormDef,
    values: &BTreeMap<String, Value>,
    attached: &Attached,
    ctx: &CheckContext,
) -> Vec<Problem> {
    let mut out = Vec::new();
    for section in &form.sections {
        for field in &section.fields {
            if !field_visible(form, field, values) {
                continue;
            }
            if field.kind == FieldKind::Group {
                group_problems(form, &section.id, field, values, ctx, &mut out);
                continue;
            }
            let parent = parent_value(field, None, values);
            if let Some(message_key) = value_problem(field, values.get(&field.id), parent, ctx) {
                out.push(Problem {
                    path: format!("fields.{}", field.id),
                    message_key,
                    section: section.id.clone(),
                });
            }
        }
    }
    for c in &form.components {
        if !cond_visible(form, c.visible_if.as_ref(), values, 0) {
            continue;
        }
        if let Some(message_key) = component_problem(c, attached.get(&c.id).copied().unwrap_or(0)) {
            out.push(Problem {
                path: format!("components.{}", c.id),
                message_key,
                section: "components".into(),
            });
        }
    }
    out
}

/// The problem of one (non-group) field's value: missing when required, else what
/// [`field_problem`] finds.
fn value_problem(
    field: &Field,
    value: Option<&Value>,
    parent: Option<&str>,
    ctx: &CheckContext,
) -> Option<&'static str> {
    match value.filter(|v| !is_empty(v)) {
        None if field.required => Some(if field.kind == FieldKind::Checkbox {
            "dossier.must_confirm"
        } else {
            "dossier.required"
        }),
        None => None,
        Some(v) => field_problem_in(field, v, parent, ctx),
    }
}

/// The chosen province a commune field is filtered by (`options_parent`), looked up in the row
/// first, then among the top-level values.
fn parent_value<'a>(
    field: &Field,
    row: Option<&'a serde_json::Map<String, Value>>,
    values: &'a BTreeMap<String, Value>,
) -> Option<&'a str> {
    let p = field.options_parent.as_deref()?;
    row.and_then(|r| r.get(p))
        .or_else(|| values.get(p))
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// A group's problems: too few or too many rows, then each shown field of each row, with the
/// row's own values (and the top-level ones) deciding what a row shows.
fn group_problems(
    form: &FormDef,
    section: &str,
    g: &Field,
    values: &BTreeMap<String, Value>,
    ctx: &CheckContext,
    out: &mut Vec<Problem>,
) {
    let mut push = |path: String, message_key: &'static str| {
        out.push(Problem {
            path,
            message_key,
            section: section.to_string(),
        })
    };
    let rows: &[Value] = match values.get(&g.id) {
        None | Some(Value::Null) => &[],
        Some(Value::Array(rows)) => rows,
        Some(_) => {
            push(format!("fields.{}", g.id), "dossier.group_invalid");
            return;
        }
    };
    let n = rows.len();
    let min = g.min_items.unwrap_or(0) as usize;
    if n == 0 && g.required {
        push(format!("fields.{}", g.id), "dossier.required");
    } else if n < min {
        push(format!("fields.{}", g.id), "dossier.group_too_few");
    } else if g.max_items.is_some_and(|max| n > max as usize) {
        push(format!("fields.{}", g.id), "dossier.group_too_many");
    }
    for (i, row) in rows.iter().enumerate() {
        let Some(obj) = row.as_object() else {
            push(format!("fields.{}.{i}", g.id), "dossier.group_invalid");
            continue;
        };
        let scoped = row_values(g, obj, values);
        for sub in &g.fields {
            if !cond_visible_in(form, Some(g), sub.visible_if.as_ref(), &scoped, 0) {
                continue;
            }
            let parent = parent_value(sub, Some(obj), values);
            if let Some(key) = value_problem(sub, obj.get(&sub.id), parent, ctx) {
                push(format!("fields.{}.{i}.{}", g.id, sub.id), key);
            }
        }
    }
}

/// The values a row's conditions see: the top-level values with the row's own on top (row field
/// ids are unique in the form, so nothing top-level is hidden).
pub fn row_values(
    g: &Field,
    row: &serde_json::Map<String, Value>,
    values: &BTreeMap<String, Value>,
) -> BTreeMap<String, Value> {
    let mut scoped = values.clone();
    for sub in &g.fields {
        match row.get(&sub.id) {
            Some(v) => scoped.insert(sub.id.clone(), v.clone()),
            None => scoped.remove(&sub.id),
        };
    }
    scoped
}

/// Whether a field is shown for these values: its condition holds and the field the condition
/// looks at is itself shown (a hidden field's leftover value does not reveal others).
pub fn field_visible(form: &FormDef, field: &Field, values: &BTreeMap<String, Value>) -> bool {
    cond_visible(form, field.visible_if.as_ref(), values, 0)
}

/// Whether a field of a group's row is shown, for that row's values (see [`row_values`]).
pub fn row_field_visible(
    form: &FormDef,
    group: &Field,
    field: &Field,
    row_values: &BTreeMap<String, Value>,
) -> bool {
    cond_visible_in(form, Some(group), field.visible_if.as_ref(), row_values, 0)
}

/// Whether a component is asked for with these values.
pub fn component_visible(
    form: &FormDef,
    c: &ComponentDef,
    values: &BTreeMap<String, Value>,
) -> bool {
    cond_visible(form, c.visible_if.as_ref(), values, 0)
}

fn cond_visible(
    form: &FormDef,
    cond: Option<&Condition>,
    values: &BTreeMap<String, Value>,
    depth: usize,
) -> bool {
    cond_visible_in(form, None, cond, values, depth)
}

/// [`cond_visible`] inside a group's row: a condition names a field of the same row first.
fn cond_visible_in(
    form: &FormDef,
    group: Option<&Field>,
    cond: Option<&Condition>,
    values: &BTreeMap<String, Value>,
    depth: usize,
) -> bool {
    let Some(c) = cond else { return true };
    // Forms are validated, but a cycle must still not recurse forever.
    if depth > 16 || !c.holds(values) {
        return false;
    }
    if let Some(sibling) = group.and_then(|g| g.fields.iter().find(|f| f.id == c.field)) {
        return cond_visible_in(form, group, sibling.visible_if.as_ref(), values, depth + 1);
    }
    form.field(&c.field)
        .is_none_or(|f| cond_visible_in(form, None, f.visible_if.as_ref(), values, depth + 1))
}

fn component_problem(c: &ComponentDef, files: usize) -> Option<&'static str> {
    if files == 0 && c.required {
        Some("dossier.component_missing")
    } else if files > c.max_files as usize {
        Some("dossier.too_many_files")
    } else {
        None
    }
}

/// The problem with a present value, if any.
pub fn field_problem(field: &Field, v: &Value, ctx: &CheckContext) -> Option<&'static str> {
    field_problem_in(field, v, None, ctx)
}

/// [`field_problem`] with the chosen province a commune list is filtered by.
fn field_problem_in(
    field: &Field,
    v: &Value,
    parent: Option<&str>,
    ctx: &CheckContext,
) -> Option<&'static str> {
    kind_problem(field, v, parent, ctx).or_else(|| pattern_problem(field, v))
}

/// A text that does not match the field's `pattern` (the message to show is the field's own
/// `pattern_message`; the key is the generic one).
fn pattern_problem(field: &Field, v: &Value) -> Option<&'static str> {
    let p = field.pattern.as_deref()?;
    let s = v.as_str()?;
    match form::compiled_pattern(p) {
        Some(re) if re.is_match(s.trim()) => None,
        // A pattern that does not compile never gets here (validated forms); refuse rather
        // than let anything through.
        _ => Some("validation.pattern"),
    }
}

fn kind_problem(
    field: &Field,
    v: &Value,
    parent: Option<&str>,
    ctx: &CheckContext,
) -> Option<&'static str> {
    match field.kind {
        FieldKind::Text => {
            let s = v.as_str()?;
            let max = field.max_len.unwrap_or(500) as usize;
            (s.chars().count() > max).then_some("validation.too_long")
        }
        FieldKind::Number => match number(v) {
            None => Some("validation.number_invalid"),
            Some(n) => {
                let low = field.min.is_some_and(|m| n < m);
                let high = field.max.is_some_and(|m| n > m);
                (low || high).then_some("validation.number_range")
            }
        },
        FieldKind::Date => {
            let Some(d) = v.as_str().and_then(values::parse_date) else {
                return Some("validation.date_invalid");
            };
            let today = values::parse_date(&ctx.today)?;
            match field.date_rule.unwrap_or_default() {
                DateRule::Past if d > today => Some("validation.date_future"),
                DateRule::Future if d < today => Some("validation.date_in_past"),
                _ => None,
            }
        }
        FieldKind::Select => match v.as_str() {
            Some(s) if allowed(field, s, parent, ctx) => None,
            _ => Some("validation.option_invalid"),
        },
        FieldKind::MultiSelect => match v.as_array() {
            Some(items)
                if items
                    .iter()
                    .all(|i| i.as_str().is_some_and(|s| allowed(field, s, parent, ctx))) =>
            {
                None
            }
            _ => Some("validation.option_invalid"),
        },
        FieldKind::Checkbox => (!v.is_boolean()).then_some("validation.option_invalid"),
        FieldKind::Phone => text_check(v, values::phone_problem),
        FieldKind::Email => text_check(v, values::email_problem),
        FieldKind::IdNumber => text_check(v, values::id_number_problem),
        FieldKind::Address => text_check(v, values::address_problem),
        FieldKind::BankAccount => text_check(v, values::bank_account_problem),
        FieldKind::PersonRef => match v.as_str().map(uuid::Uuid::parse_str) {
            Some(Ok(_)) => None,
            _ => Some("validation.person_ref_invalid"),
        },
        // Rows are checked one by one by `check`; here only the shape.
        FieldKind::Group => (!v.is_array()).then_some("dossier.group_invalid"),
    }
}

fn text_check(v: &Value, f: fn(&str) -> Option<&'static str>) -> Option<&'static str> {
    match v.as_str() {
        Some(s) => f(s),
        None => Some("validation.not_text"),
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
        _ => None,
    }
}

fn allowed(field: &Field, s: &str, parent: Option<&str>, ctx: &CheckContext) -> bool {
    form::option_in(field, s, parent, Some(&ctx.provinces))
}
