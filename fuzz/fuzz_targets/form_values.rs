//! Form values against the bundled forms: `dossier::validate_change` (what every edit of a draft
//! goes through) on each value, then `dossier::check::check` (the "còn thiếu" checklist and the
//! submit guard) on the whole set, with today's check context and the catalog's provinces.
#![no_main]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use arbitrary::Arbitrary;
use dvc_core::dossier::check::{check, Attached, CheckContext};
use dvc_core::dossier::form::{self, FormDef};
use dvc_core::dossier::{self, validate_change};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

#[derive(Debug, Arbitrary)]
enum FieldPick {
    Known(u8),
    Other(String),
}

#[derive(Debug, Arbitrary)]
enum V {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    /// One of the field's own choices (or a province code).
    Choice(u8),
    Date(i16, u8, u8),
    List(Vec<V>),
    Object(Vec<(String, V)>),
}

#[derive(Debug, Arbitrary)]
struct Input {
    form: u8,
    values: Vec<(FieldPick, V)>,
    attached: Vec<(u8, u8)>,
}

struct Forms {
    forms: Vec<FormDef>,
    ctx: CheckContext,
    provinces: Vec<String>,
}

fn forms() -> &'static Forms {
    static CELL: OnceLock<Forms> = OnceLock::new();
    CELL.get_or_init(|| {
        let forms: Vec<FormDef> = form::form_ids()
            .map(|id| form::bundled_form(id).unwrap_or_else(|e| panic!("bundled form {id}: {e}")))
            .collect();
        let provinces: BTreeSet<String> = match dvc_core::catalog::bundled() {
            Ok(b) => b
                .refs
                .provinces
                .iter()
                .flat_map(|set| set.provinces.iter().map(|p| p.code.clone()))
                .collect(),
            Err(e) => panic!("bundled catalog: {e}"),
        };
        Forms {
            forms,
            ctx: dossier::context(provinces.clone()),
            provinces: provinces.into_iter().collect(),
        }
    })
}

fn value(v: V, choices: &[String], depth: u8) -> Value {
    match v {
        V::Null => Value::Null,
        V::Bool(b) => json!(b),
        V::Int(i) => json!(i),
        V::Float(f) => json!(f),
        V::Text(s) => json!(s),
        V::Choice(i) if !choices.is_empty() => json!(choices[usize::from(i) % choices.len()]),
        V::Choice(i) => json!(i.to_string()),
        V::Date(y, m, d) => json!(format!("{y:04}-{m:02}-{d:02}")),
        V::List(items) if depth < 3 => Value::Array(
            items
                .into_iter()
                .map(|v| value(v, choices, depth + 1))
                .collect(),
        ),
        V::Object(items) if depth < 3 => Value::Object(
            items
                .into_iter()
                .map(|(k, v)| (k, value(v, choices, depth + 1)))
                .collect(),
        ),
        V::List(_) | V::Object(_) => Value::Null,
    }
}

fuzz_target!(|input: Input| {
    let all = forms();
    let form = &all.forms[usize::from(input.form) % all.forms.len()];
    let fields: Vec<_> = form.fields().collect();
    let mut values = BTreeMap::new();
    for (pick, v) in input.values {
        let (id, choices) = match pick {
            FieldPick::Known(i) if !fields.is_empty() => {
                let f = fields[usize::from(i) % fields.len()];
                let choices: Vec<String> = if f.options_from.is_some() {
                    all.provinces.clone()
                } else {
                    f.options.iter().map(|c| c.value.clone()).collect()
                };
                (f.id.clone(), choices)
            }
            FieldPick::Known(i) => (i.to_string(), Vec::new()),
            FieldPick::Other(s) => (s, Vec::new()),
        };
        let v = value(v, &choices, 0);
        // A change the shape check refuses is never saved.
        if validate_change(form, &id, &v).is_ok() {
            assert!(
                form.field(&id).is_some(),
                "a value for unknown field {id:?} accepted"
            );
            values.insert(id, v);
        }
    }
    let mut attached = Attached::new();
    for (c, n) in input.attached {
        if let Some(comp) = form
            .components
            .get(usize::from(c) % form.components.len().max(1))
        {
            attached.insert(comp.id.clone(), usize::from(n));
        }
    }
    let problems = check(form, &values, &attached, &all.ctx);
    for p in &problems {
        let ok = match p.path.split_once('.') {
            Some(("fields", id)) => form.field(id).is_some(),
            Some(("components", id)) => form.component(id).is_some(),
            _ => false,
        };
        assert!(
            ok,
            "a problem about something the form does not have: {}",
            p.path
        );
        assert!(!p.message_key.is_empty());
    }
    assert_eq!(
        problems,
        check(form, &values, &attached, &all.ctx),
        "check is not deterministic"
    );
});
