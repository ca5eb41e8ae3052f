//! `check`: every missing or invalid field and component of a dossier, as message keys. The UI's
//! "còn thiếu" checklist and the submit guard call this same pure function.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use super::form::{is_empty, ComponentDef, DateRule, Field, FieldKind, FormDef};
use super::values;

/// One thing to fix before the dossier can be submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Problem {
    /// `fields.<id>` or `components.<id>`.
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
            let value = values.get(&field.id).filter(|v| !is_empty(v));
            let key = match value {
                None if field.required => Some(if field.kind == FieldKind::Checkbox {
                    "dossier.must_confirm"
                } else {
                    "dossier.required"
                }),
                None => None,
                Some(v) => field_problem(field, v, ctx),
            };
            if let Some(message_key) = key {
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

/// Whether a field is shown for these values: its condition holds and the field the condition
/// looks at is itself shown (a hidden field's leftover value does not reveal others).
pub fn field_visible(form: &FormDef, field: &Field, values: &BTreeMap<String, Value>) -> bool {
    cond_visible(form, field.visible_if.as_ref(), values, 0)
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
    cond: Option<&super::form::Condition>,
    values: &BTreeMap<String, Value>,
    depth: usize,
) -> bool {
    let Some(c) = cond else { return true };
    // Forms are validated, but a cycle must still not recurse forever.
    if depth > 16 || !c.holds(values) {
        return false;
    }
    form.field(&c.field)
        .is_none_or(|f| cond_visible(form, f.visible_if.as_ref(), values, depth + 1))
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
            Some(s) if allowed(field, s, ctx) => None,
            _ => Some("validation.option_invalid"),
        },
        FieldKind::MultiSelect => match v.as_array() {
            Some(items)
                if items
                    .iter()
                    .all(|i| i.as_str().is_some_and(|s| allowed(field, s, ctx))) =>
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

fn allowed(field: &Field, s: &str, ctx: &CheckContext) -> bool {
    if field.options_from.as_deref() == Some("provinces") {
        return ctx.provinces.contains(s);
    }
    field.options.iter().any(|o| o.value == s)
}
