//! The procedure catalog the app bundles (`assets/catalog/`), embedded at compile time (see
//! `build.rs`): what the console needs of it — a procedure's name and its processing time in
//! working days (looked up by the national code a manifest carries, or by the catalog id when the
//! procedure has no code, as the app sends it), and the Vietnamese labels of a bundled form's
//! fields, choices and attachment slots.
//!
//! The files are parsed once, leniently: a file that does not parse is logged and skipped (the
//! console then shows raw codes and keys for it), never a panic. `core/tests/catalog_data.rs`
//! validates the same files against their schemas.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Deserialize;

mod files {
    include!(concat!(env!("OUT_DIR"), "/catalog_files.rs"));
}

/// What the console knows of a procedure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Procedure {
    /// Catalog id (`passport-domestic`).
    pub id: String,
    /// National procedure code (`1.001456`), when it has one.
    pub code: Option<String>,
    /// Vietnamese name.
    pub name: String,
    /// Processing time in working days (`None`: the catalog gives no working-day figure).
    pub working_days: Option<u32>,
    /// The catalog's wording of the processing time.
    pub processing_text: String,
}

/// Labels of a bundled form.
#[derive(Debug, Clone, Default)]
pub struct FormLabels {
    fields: HashMap<String, String>,
    choices: HashMap<(String, String), String>,
    attachments: HashMap<String, String>,
}

/// The embedded catalog.
#[derive(Debug, Default)]
pub struct Catalog {
    procedures: Vec<Procedure>,
    forms: HashMap<String, FormLabels>,
}

#[derive(Deserialize)]
struct RawProcessing {
    #[serde(default)]
    text: String,
    working_days: Option<u32>,
}

#[derive(Deserialize)]
struct RawProcedure {
    id: String,
    code: Option<String>,
    name: String,
    processing_time: Option<RawProcessing>,
}

#[derive(Deserialize)]
struct RawChoice {
    value: String,
    label: String,
}

#[derive(Deserialize)]
struct RawField {
    id: String,
    label: String,
    #[serde(default)]
    options: Vec<RawChoice>,
    /// The fields of a repeatable group's row (their ids are unique in the form).
    #[serde(default)]
    fields: Vec<RawField>,
}

#[derive(Deserialize)]
struct RawSection {
    #[serde(default)]
    fields: Vec<RawField>,
}

#[derive(Deserialize)]
struct RawComponent {
    id: String,
    name: String,
}

#[derive(Deserialize)]
struct RawForm {
    procedure: String,
    #[serde(default)]
    sections: Vec<RawSection>,
    #[serde(default)]
    components: Vec<RawComponent>,
}

/// Labels of the fields every generated form has (`core/src/dossier/generated.rs`: the applicant
/// section and the request notes), used when a procedure has no hand-written form.
const COMMON_FIELDS: [(&str, &str); 8] = [
    ("full_name", "Họ, chữ đệm và tên"),
    ("sex", "Giới tính"),
    ("date_of_birth", "Ngày, tháng, năm sinh"),
    ("id_number", "Số căn cước / số định danh cá nhân"),
    ("residence", "Nơi cư trú"),
    ("phone", "Số điện thoại di động"),
    ("email", "Thư điện tử (email)"),
    ("notes", "Nội dung đề nghị, ghi chú thêm"),
];

impl Catalog {
    /// Parses catalog files (`(file name, JSON)`); files that do not parse are skipped.
    pub fn parse(procedures: &[(&str, &str)], forms: &[(&str, &str)]) -> Catalog {
        let mut out = Catalog::default();
        for (file, text) in procedures {
            match serde_json::from_str::<RawProcedure>(text) {
                Ok(p) => out.procedures.push(Procedure {
                    id: p.id,
                    code: p.code,
                    name: p.name,
                    working_days: p.processing_time.as_ref().and_then(|t| t.working_days),
                    processing_text: p.processing_time.map(|t| t.text).unwrap_or_default(),
                }),
                Err(e) => tracing::error!(file, error = %e, "catalog procedure file skipped"),
            }
        }
        for (file, text) in forms {
            match serde_json::from_str::<RawForm>(text) {
                Ok(f) => {
                    let mut labels = FormLabels::default();
                    let fields = f.sections.into_iter().flat_map(|s| s.fields);
                    for mut field in fields {
                        let rows = std::mem::take(&mut field.fields);
                        labels.add(field);
                        rows.into_iter().for_each(|r| labels.add(r));
                    }
                    for c in f.components {
                        labels.attachments.insert(c.id, c.name);
                    }
                    out.forms.insert(f.procedure, labels);
                }
                Err(e) => tracing::error!(file, error = %e, "catalog form file skipped"),
            }
        }
        out
    }
}

impl FormLabels {
    fn add(&mut self, field: RawField) {
        for c in field.options {
            self.choices.insert((field.id.clone(), c.value), c.label);
        }
        self.fields.insert(field.id, field.label);
    }
}

impl Catalog {
    /// The procedure a manifest's `procedure_code` names: by national code, else by catalog id.
    pub fn procedure(&self, code: &str) -> Option<&Procedure> {
        self.procedures
            .iter()
            .find(|p| p.code.as_deref() == Some(code))
            .or_else(|| self.procedures.iter().find(|p| p.id == code))
    }

    /// The Vietnamese label of a form field of a procedure (`None`: not known; show the key).
    pub fn field_label(&self, procedure_code: &str, field: &str) -> Option<&str> {
        let from_form = self
            .procedure(procedure_code)
            .and_then(|p| self.forms.get(&p.id))
            .and_then(|f| f.fields.get(field))
            .map(String::as_str);
        from_form.or_else(|| {
            COMMON_FIELDS
                .iter()
                .find(|(k, _)| *k == field)
                .map(|(_, v)| *v)
        })
    }

    /// The label of a select field's value (`male` → `Nam`).
    pub fn choice_label(&self, procedure_code: &str, field: &str, value: &str) -> Option<&str> {
        let p = self.procedure(procedure_code)?;
        if let Some(l) = self
            .forms
            .get(&p.id)
            .and_then(|f| f.choices.get(&(field.to_owned(), value.to_owned())))
        {
            return Some(l);
        }
        match (field, value) {
            ("sex", "male") => Some("Nam"),
            ("sex", "female") => Some("Nữ"),
            _ => None,
        }
    }

    /// The name of an attachment slot of a procedure's bundled form.
    pub fn attachment_label(&self, procedure_code: &str, kind: &str) -> Option<&str> {
        let p = self.procedure(procedure_code)?;
        self.forms
            .get(&p.id)
            .and_then(|f| f.attachments.get(kind))
            .map(String::as_str)
    }

    /// Number of procedures.
    pub fn len(&self) -> usize {
        self.procedures.len()
    }

    /// Whether no procedure parsed.
    pub fn is_empty(&self) -> bool {
        self.procedures.is_empty()
    }
}

static BUNDLED: LazyLock<Catalog> =
    LazyLock::new(|| Catalog::parse(files::PROCEDURE_FILES, files::FORM_FILES));

/// The catalog embedded in this binary.
pub fn bundled() -> &'static Catalog {
    &BUNDLED
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_groups_row_fields_are_labelled() {
        let form = r#"{"procedure": "p", "sections": [{"fields": [
            {"id": "children", "label": "Các con", "fields": [
                {"id": "child_name", "label": "Họ tên con"},
                {"id": "child_sex", "label": "Giới tính", "options": [{"value": "f", "label": "Nữ"}]}
            ]}
        ]}]}"#;
        let proc = r#"{"id": "p", "code": null, "name": "Thủ tục"}"#;
        let c = Catalog::parse(&[("p.json", proc)], &[("p.json", form)]);
        assert_eq!(c.field_label("p", "children"), Some("Các con"));
        assert_eq!(c.field_label("p", "child_name"), Some("Họ tên con"));
        assert_eq!(c.choice_label("p", "child_sex", "f"), Some("Nữ"));
    }

    #[test]
    fn the_bundled_catalog_names_procedures_and_labels_fields() {
        let c = bundled();
        assert_eq!(c.len(), files::PROCEDURE_FILES.len(), "every file parses");
        let p = c
            .procedure("1.001456")
            .map(|p| (p.id.as_str(), p.working_days));
        assert_eq!(p, Some(("passport-domestic", Some(8))));
        assert_eq!(
            c.procedure("1.001456").map(|p| p.name.as_str()),
            Some("Cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp tỉnh)")
        );
        // Procedures without a national code are found by their catalog id.
        assert!(c.procedure("unemployment-benefit").is_some());
        assert_eq!(c.procedure("no-such-procedure"), None);
        assert_eq!(
            c.field_label("1.001456", "full_name"),
            Some("Họ, chữ đệm và tên")
        );
        assert_eq!(c.choice_label("1.001456", "sex", "female"), Some("Nữ"));
        assert_eq!(
            c.attachment_label("1.001456", "cccd_front"),
            Some("Mặt trước thẻ căn cước")
        );
        // A generated form's common fields are labelled; unknown keys are not invented.
        assert_eq!(c.field_label("1.013123", "residence"), Some("Nơi cư trú"));
        assert_eq!(c.field_label("1.001456", "no_such_field"), None);
    }

    #[test]
    fn bad_files_are_skipped() {
        let c = Catalog::parse(
            &[
                ("a.json", "{not json"),
                (
                    "b.json",
                    r#"{"id":"b","code":null,"name":"Thủ tục B","processing_time":{"text":"3 ngày làm việc","working_days":3}}"#,
                ),
            ],
            &[("f.json", "[]")],
        );
        assert_eq!(c.len(), 1);
        assert_eq!(c.procedure("b").and_then(|p| p.working_days), Some(3));
    }
}
