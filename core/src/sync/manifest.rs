//! From a queued dossier on the device to the manifest the server receives.

use std::collections::BTreeMap;

use serde_json::Value;

use dvc_protocol::dossiers::{Attachment, Delivery, DossierManifest, FormValue};

use super::db::FileRef;
use crate::dossier::form::{self, FormDef};
use crate::dossier::Dossier;

/// JSON value → protocol form value (nulls dropped).
pub fn form_value(v: &Value) -> Option<FormValue> {
    Some(match v {
        Value::Null => return None,
        Value::Bool(b) => FormValue::Bool(*b),
        Value::Number(n) => FormValue::Number(n.as_f64()?),
        Value::String(s) => FormValue::Text(s.clone()),
        Value::Array(items) => FormValue::List(items.iter().filter_map(form_value).collect()),
        Value::Object(m) => FormValue::Group(
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), form_value(v)?)))
                .collect(),
        ),
    })
}

fn text(values: &BTreeMap<String, Value>, id: &str) -> String {
    values
        .get(id)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The value of the first field the form prefills from `source` (e.g. `person.full_name`).
fn by_prefill(form: &FormDef, values: &BTreeMap<String, Value>, source: &str) -> String {
    form.fields()
        .find(|f| f.prefill.as_deref() == Some(source))
        .map(|f| text(values, &f.id))
        .unwrap_or_default()
}

/// How the result is delivered, from the common `delivery` field.
pub fn delivery(form: &FormDef, values: &BTreeMap<String, Value>) -> Delivery {
    match values.get(form::common::DELIVERY).and_then(Value::as_str) {
        Some("online") => Delivery::Online,
        Some("postal") => Delivery::Postal {
            recipient: by_prefill(form, values, "person.full_name"),
            address: text(values, form::common::DELIVERY_ADDRESS),
            phone: by_prefill(form, values, "person.phone"),
        },
        _ => Delivery::AtAgency,
    }
}

/// The national procedure code of a catalog procedure (its id when the catalog has none).
pub fn procedure_code(procedure_id: &str) -> String {
    crate::catalog::bundled()
        .ok()
        .and_then(|b| b.procedures.iter().find(|p| p.id == procedure_id))
        .and_then(|p| p.code.clone())
        .unwrap_or_else(|| procedure_id.to_string())
}

/// Builds the manifest. `files` are the attachments' plaintext facts (SHA-256 and size of what
/// will be uploaded), in the dossier's attachment order; `content_types` likewise.
pub fn build(
    d: &Dossier,
    form: &FormDef,
    agency_code: &str,
    files: &[FileRef],
    content_types: &[&str],
) -> DossierManifest {
    let form_values = d
        .values
        .iter()
        .filter_map(|(k, v)| Some((k.clone(), form_value(v)?)))
        .collect();
    let attachments = d
        .attachments
        .iter()
        .zip(files)
        .zip(content_types)
        .map(|((a, f), ct)| Attachment {
            kind: a.component.clone(),
            sha256: f.sha256.clone(),
            content_type: (*ct).to_string(),
            size: f.size,
        })
        .collect();
    DossierManifest {
        procedure_code: procedure_code(&d.procedure_id),
        agency_code: agency_code.to_string(),
        form: form_values,
        attachments,
        delivery: delivery(form, &d.values),
        on_behalf_of: None,
        submitted_on_device_at: d.submitted_at.clone(),
        consent_basis: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_values_map_to_form_values() {
        assert_eq!(form_value(&json!(null)), None);
        assert_eq!(form_value(&json!("a")), Some(FormValue::Text("a".into())));
        assert_eq!(form_value(&json!(2)), Some(FormValue::Number(2.0)));
        assert_eq!(
            form_value(&json!(["x", null])),
            Some(FormValue::List(vec![FormValue::Text("x".into())]))
        );
        assert!(matches!(
            form_value(&json!({"a": true})),
            Some(FormValue::Group(_))
        ));
    }

    #[test]
    fn passport_has_its_national_code() {
        assert_eq!(procedure_code("passport-domestic"), "1.001456");
        assert_eq!(procedure_code("no-such"), "no-such");
    }

    #[test]
    fn delivery_from_the_common_field() {
        let form = form::bundled_form("passport-domestic").unwrap();
        let mut v = BTreeMap::new();
        assert_eq!(delivery(&form, &v), Delivery::AtAgency);
        v.insert("delivery".into(), json!("online"));
        assert_eq!(delivery(&form, &v), Delivery::Online);
        v.insert("delivery".into(), json!("postal"));
        v.insert("delivery_address".into(), json!("Số 1 đường Thử"));
        v.insert("full_name".into(), json!("TRẦN THỊ MẪU"));
        match delivery(&form, &v) {
            Delivery::Postal {
                recipient, address, ..
            } => {
                assert_eq!(recipient, "TRẦN THỊ MẪU");
                assert_eq!(address, "Số 1 đường Thử");
            }
            other => panic!("{other:?}"),
        }
    }
}
