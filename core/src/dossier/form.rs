//! E-form definitions: what a procedure's online form asks for, kept as data in
//! `assets/catalog/forms/<procedure-id>.json` and embedded in the binary.
//!
//! A form has sections of fields and a list of dossier components (papers and photos). The parts
//! every online submission shares (receiving agency, how to receive the result, refund account,
//! the declaration) are not repeated in each file: [`FormDef::with_common`] appends them as a last
//! section, so the checklist, the UI and `check` treat them like any other field.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{CoreError, Result};

/// One embedded form file: procedure id and JSON text.
struct Embedded {
    procedure: &'static str,
    json: &'static str,
}

macro_rules! form {
    ($id:literal) => {
        Embedded {
            procedure: $id,
            json: include_str!(concat!("../../../assets/catalog/forms/", $id, ".json")),
        }
    };
}

/// Every bundled form. Add a line when a new form file is added (a test checks the folder).
const EMBEDDED: &[Embedded] = &[
    form!("passport-domestic"),
    form!("birth-registration"),
    form!("permanent-residence"),
    form!("temporary-residence"),
    form!("marriage-registration"),
    form!("criminal-record-certificate"),
    form!("driving-licence-renewal"),
    form!("unemployment-benefit"),
];

/// The ids of procedures with a bundled form.
pub fn form_ids() -> impl Iterator<Item = &'static str> {
    EMBEDDED.iter().map(|e| e.procedure)
}

/// The bundled form of a procedure, validated and with the common section appended.
pub fn bundled_form(procedure: &str) -> Result<FormDef> {
    let e = EMBEDDED
        .iter()
        .find(|e| e.procedure == procedure)
        .ok_or_else(|| CoreError::NotFound {
            what: format!("form for procedure {procedure}"),
        })?;
    let form = parse_form(e.json)?;
    if form.procedure != e.procedure {
        return Err(CoreError::invalid(
            "form",
            format!("file {} declares procedure {}", e.procedure, form.procedure),
            "dossier.form_invalid",
        ));
    }
    Ok(form.with_common())
}

/// Parses and checks a form definition (without the common section).
pub fn parse_form(json: &str) -> Result<FormDef> {
    let form: FormDef = serde_json::from_str(json).map_err(|e| {
        CoreError::invalid("form", format!("form JSON: {e}"), "dossier.form_invalid")
    })?;
    form.validate()?;
    Ok(form)
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct FormDef {
    /// Procedure id (catalog slug), equal to the file name.
    pub procedure: String,
    /// Bumped when fields change meaning; stored with each dossier.
    pub version: u32,
    /// Official form name, e.g. "Tờ khai đề nghị cấp hộ chiếu phổ thông (Mẫu TK01)".
    pub title: String,
    pub title_en: String,
    pub sections: Vec<Section>,
    #[serde(default)]
    pub components: Vec<ComponentDef>,
    /// The shared submission part: which delivery options this procedure allows and whether a
    /// refund account is asked for.
    pub submission: SubmissionDef,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub id: String,
    pub title: String,
    pub title_en: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help_en: Option<String>,
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Number,
    Date,
    Select,
    MultiSelect,
    Checkbox,
    Phone,
    Email,
    IdNumber,
    Address,
    BankAccount,
    PersonRef,
}

/// When a date may lie.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum DateRule {
    /// Today or earlier (birth dates, issue dates).
    #[default]
    Past,
    /// Today or later (appointments, planned dates).
    Future,
    Any,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// Unique in the form, ascii snake_case; the key of the value in the dossier.
    pub id: String,
    pub kind: FieldKind,
    pub label: String,
    pub label_en: String,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help_en: Option<String>,
    /// Choices for `select` and `multi_select`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<Choice>,
    /// Choices taken from catalog data instead (`provinces`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options_from: Option<String>,
    /// Shown (and checked) only when this condition holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visible_if: Option<Condition>,
    /// Where the value comes from when the dossier is created, e.g. `person.full_name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefill: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_len: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_rule: Option<DateRule>,
    /// The form wants the text in capitals (names on passport forms).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub uppercase: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub label_en: String,
}

/// `field` has a value (when neither `equals` nor `any_of` is given), equals `equals`, or is one
/// of `any_of`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub field: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub any_of: Vec<Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct ComponentDef {
    pub id: String,
    pub name: String,
    pub name_en: String,
    #[serde(default)]
    pub required: bool,
    /// Photo profile id (`portrait_4x6`, `cccd_front`, `cccd_back`, `document`) when the
    /// component is a photo or a scanned page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo_profile: Option<String>,
    /// How many files at most (pages).
    #[serde(default = "one")]
    pub max_files: u32,
    /// A document of the applicant to attach by default, e.g. `document.portrait`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefill: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visible_if: Option<Condition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help_en: Option<String>,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
// The TypeScript name (the catalog has its own `Delivery`); JSON is unchanged.
#[cfg_attr(feature = "specta", serde(rename = "FormDelivery"))]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    Online,
    InPerson,
    Postal,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::InPerson => "in_person",
            Self::Postal => "postal",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct SubmissionDef {
    /// How the result may be received; the user picks one.
    pub delivery: Vec<Delivery>,
    /// Ask for a bank account to refund fees to (optional for the user).
    #[serde(default)]
    pub refund_account: bool,
    /// Text of the receiving agency (e.g. "Phòng Quản lý xuất nhập cảnh Công an tỉnh/thành phố").
    pub agency: String,
    pub agency_en: String,
}

/// Ids of the common fields appended by [`FormDef::with_common`].
pub mod common {
    pub const SECTION: &str = "submission";
    pub const AGENCY_PROVINCE: &str = "agency_province";
    pub const DELIVERY: &str = "delivery";
    pub const DELIVERY_ADDRESS: &str = "delivery_address";
    pub const REFUND_BANK: &str = "refund_bank";
    pub const REFUND_ACCOUNT: &str = "refund_account";
    pub const REFUND_HOLDER: &str = "refund_holder";
    pub const DECLARATION: &str = "declaration";
}

/// The declaration every online dossier ends with (see `docs/domain/online-services.md`).
pub const DECLARATION_TEXT: &str = "Tôi xin chịu trách nhiệm trước pháp luật về lời khai trên";

fn text_field(id: &str, kind: FieldKind, label: &str, label_en: &str, required: bool) -> Field {
    Field {
        id: id.into(),
        kind,
        label: label.into(),
        label_en: label_en.into(),
        required,
        help: None,
        help_en: None,
        options: vec![],
        options_from: None,
        visible_if: None,
        prefill: None,
        min: None,
        max: None,
        max_len: None,
        date_rule: None,
        uppercase: false,
    }
}

impl FormDef {
    /// Appends the submission section shared by every online dossier.
    pub fn with_common(mut self) -> Self {
        use common::*;
        if self.sections.iter().any(|s| s.id == SECTION) {
            return self;
        }
        let mut fields = Vec::new();
        let mut agency = text_field(
            AGENCY_PROVINCE,
            FieldKind::Select,
            "Tỉnh, thành phố của cơ quan tiếp nhận",
            "Province of the receiving agency",
            true,
        );
        agency.options_from = Some("provinces".into());
        agency.help = Some(format!("Cơ quan tiếp nhận: {}", self.submission.agency));
        agency.help_en = Some(format!("Receiving agency: {}", self.submission.agency_en));
        fields.push(agency);

        let mut delivery = text_field(
            DELIVERY,
            FieldKind::Select,
            "Cách nhận kết quả",
            "How to receive the result",
            true,
        );
        delivery.options = self
            .submission
            .delivery
            .iter()
            .map(|d| {
                let (label, label_en) = match d {
                    Delivery::Online => ("Nhận trực tuyến", "Online"),
                    Delivery::InPerson => ("Nhận trực tiếp tại nơi nộp", "In person"),
                    Delivery::Postal => ("Nhận qua bưu chính công ích", "By public postal service"),
                };
                Choice {
                    value: d.as_str().into(),
                    label: label.into(),
                    label_en: label_en.into(),
                }
            })
            .collect();
        fields.push(delivery);

        if self.submission.delivery.contains(&Delivery::Postal) {
            let mut addr = text_field(
                DELIVERY_ADDRESS,
                FieldKind::Address,
                "Địa chỉ nhận kết quả",
                "Delivery address",
                true,
            );
            addr.visible_if = Some(Condition {
                field: DELIVERY.into(),
                equals: Some(Value::String("postal".into())),
                any_of: vec![],
            });
            addr.prefill = Some("person.current_address".into());
            addr.help = Some("Phí chuyển phát trả khi nhận kết quả.".into());
            addr.help_en = Some("Postage is paid on delivery.".into());
            fields.push(addr);
        }
        if self.submission.refund_account {
            fields.push(text_field(
                REFUND_BANK,
                FieldKind::Text,
                "Tên ngân hàng nhận hoàn tiền (nếu có)",
                "Refund bank (optional)",
                false,
            ));
            let mut acct = text_field(
                REFUND_ACCOUNT,
                FieldKind::BankAccount,
                "Số tài khoản nhận hoàn tiền",
                "Refund account number",
                false,
            );
            acct.visible_if = Some(Condition {
                field: REFUND_BANK.into(),
                equals: None,
                any_of: vec![],
            });
            fields.push(acct);
            let mut holder = text_field(
                REFUND_HOLDER,
                FieldKind::Text,
                "Tên chủ tài khoản",
                "Account holder",
                false,
            );
            holder.visible_if = acct_visible();
            holder.uppercase = true;
            holder.prefill = Some("person.full_name".into());
            fields.push(holder);
        }
        let mut decl = text_field(
            DECLARATION,
            FieldKind::Checkbox,
            DECLARATION_TEXT,
            "I am responsible before the law for the above statements",
            true,
        );
        decl.help = Some("Đánh dấu để xác nhận thông tin là đúng.".into());
        decl.help_en = Some("Tick to confirm the information is true.".into());
        fields.push(decl);
        self.sections.push(Section {
            id: SECTION.into(),
            title: "Nộp hồ sơ".into(),
            title_en: "Submission".into(),
            help: None,
            help_en: None,
            fields,
        });
        self
    }

    /// Every field, in order.
    pub fn fields(&self) -> impl Iterator<Item = &Field> {
        self.sections.iter().flat_map(|s| s.fields.iter())
    }

    pub fn field(&self, id: &str) -> Option<&Field> {
        self.fields().find(|f| f.id == id)
    }

    pub fn component(&self, id: &str) -> Option<&ComponentDef> {
        self.components.iter().find(|c| c.id == id)
    }

    /// Structural rules a form file must follow (besides its JSON shape).
    pub fn validate(&self) -> Result<()> {
        let bad = |reason: String| Err(CoreError::invalid("form", reason, "dossier.form_invalid"));
        if self.sections.is_empty() {
            return bad(format!("{}: no sections", self.procedure));
        }
        if self.submission.delivery.is_empty() {
            return bad(format!("{}: no delivery option", self.procedure));
        }
        let mut ids = BTreeSet::new();
        let mut sections = BTreeSet::new();
        let kinds: BTreeMap<&str, &Field> = self.fields().map(|f| (f.id.as_str(), f)).collect();
        for s in &self.sections {
            if !is_ident(&s.id) || !sections.insert(s.id.as_str()) {
                return bad(format!("section id {:?} is not a unique identifier", s.id));
            }
            if s.fields.is_empty() {
                return bad(format!("section {} has no fields", s.id));
            }
            for f in &s.fields {
                if !is_ident(&f.id) || !ids.insert(f.id.as_str()) {
                    return bad(format!("field id {:?} is not a unique identifier", f.id));
                }
                if is_common(&f.id) {
                    return bad(format!(
                        "field id {} is reserved for the common section",
                        f.id
                    ));
                }
                if f.label.trim().is_empty() || f.label_en.trim().is_empty() {
                    return bad(format!("field {} has no label", f.id));
                }
                let choice = matches!(f.kind, FieldKind::Select | FieldKind::MultiSelect);
                if choice && f.options.is_empty() && f.options_from.is_none() {
                    return bad(format!("field {} is a choice without options", f.id));
                }
                if !choice && (!f.options.is_empty() || f.options_from.is_some()) {
                    return bad(format!("field {} has options but is not a choice", f.id));
                }
                if let Some(src) = &f.options_from {
                    if src != "provinces" {
                        return bad(format!("field {}: unknown options_from {src}", f.id));
                    }
                }
                let mut values = BTreeSet::new();
                for o in &f.options {
                    if o.value.is_empty() || !values.insert(o.value.as_str()) {
                        return bad(format!("field {}: duplicate or empty option", f.id));
                    }
                }
                if f.date_rule.is_some() && f.kind != FieldKind::Date {
                    return bad(format!("field {}: date_rule on a non-date field", f.id));
                }
                if let Some(p) = &f.prefill {
                    if !PREFILL_SOURCES.contains(&p.as_str()) {
                        return bad(format!("field {}: unknown prefill source {p}", f.id));
                    }
                }
            }
        }
        let mut comp_ids = BTreeSet::new();
        for c in &self.components {
            if !is_ident(&c.id) || !comp_ids.insert(c.id.as_str()) {
                return bad(format!(
                    "component id {:?} is not a unique identifier",
                    c.id
                ));
            }
            if let Some(p) = &c.photo_profile {
                if !PHOTO_PROFILES.contains(&p.as_str()) {
                    return bad(format!("component {}: unknown photo profile {p}", c.id));
                }
            }
            if let Some(p) = &c.prefill {
                if !DOCUMENT_PREFILLS.contains(&p.as_str()) {
                    return bad(format!("component {}: unknown prefill {p}", c.id));
                }
            }
            if c.max_files == 0 {
                return bad(format!("component {}: max_files is 0", c.id));
            }
        }
        // Conditions must point at an earlier-or-any field that exists and not at themselves.
        let conds = self
            .fields()
            .filter_map(|f| f.visible_if.as_ref().map(|c| (f.id.as_str(), c)))
            .chain(
                self.components
                    .iter()
                    .filter_map(|c| c.visible_if.as_ref().map(|v| (c.id.as_str(), v))),
            );
        for (owner, c) in conds {
            if c.field == owner || !kinds.contains_key(c.field.as_str()) {
                return bad(format!(
                    "{owner}: visible_if names unknown field {}",
                    c.field
                ));
            }
        }
        Ok(())
    }
}

fn acct_visible() -> Option<Condition> {
    Some(Condition {
        field: common::REFUND_ACCOUNT.into(),
        equals: None,
        any_of: vec![],
    })
}

fn is_common(id: &str) -> bool {
    use common::*;
    [
        AGENCY_PROVINCE,
        DELIVERY,
        DELIVERY_ADDRESS,
        REFUND_BANK,
        REFUND_ACCOUNT,
        REFUND_HOLDER,
        DECLARATION,
    ]
    .contains(&id)
}

fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Person attributes a field may be prefilled from.
pub const PREFILL_SOURCES: &[&str] = &[
    "person.full_name",
    "person.sex",
    "person.date_of_birth",
    "person.place_of_birth",
    "person.id_number",
    "person.old_id_number",
    "person.issue_date",
    "person.phone",
    "person.email",
    "person.permanent_address",
    "person.current_address",
    "person.ethnicity",
    "person.nationality",
];

/// The applicant's stored documents a component may be prefilled from.
pub const DOCUMENT_PREFILLS: &[&str] = &[
    "document.portrait",
    "document.cccd_front",
    "document.cccd_back",
    "document.birth_certificate",
    "document.passport",
    "document.driving_licence",
    "document.health_insurance_card",
];

/// Photo profile ids (see `assets/photo/profiles.json`).
pub const PHOTO_PROFILES: &[&str] = &["portrait_4x6", "cccd_front", "cccd_back", "document"];

impl Condition {
    /// Whether the condition holds for the given values.
    pub fn holds(&self, values: &BTreeMap<String, Value>) -> bool {
        let Some(v) = values.get(&self.field).filter(|v| !is_empty(v)) else {
            return false;
        };
        if let Some(eq) = &self.equals {
            return v == eq;
        }
        if !self.any_of.is_empty() {
            return self.any_of.contains(v);
        }
        true
    }
}

/// No value: null, empty or blank string, empty list, `false` for a checkbox.
pub fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Bool(b) => !b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_form_parses_and_validates() {
        let mut n = 0;
        for id in form_ids() {
            let f = bundled_form(id).unwrap_or_else(|e| panic!("{id}: {e}"));
            assert_eq!(f.procedure, id);
            assert!(f.fields().any(|f| f.id == common::DECLARATION), "{id}");
            n += 1;
        }
        assert!(n >= 1);
    }

    #[test]
    fn folder_and_embedded_list_agree() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../assets/catalog/forms");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".json"))
            .map(|n| n.trim_end_matches(".json").to_string())
            .collect();
        on_disk.sort();
        let mut listed: Vec<String> = form_ids().map(String::from).collect();
        listed.sort();
        assert_eq!(on_disk, listed);
    }

    #[test]
    fn common_section_is_appended_once() {
        let f = bundled_form("passport-domestic").unwrap();
        let again = f.clone().with_common();
        assert_eq!(f, again);
        let last = f.sections.last().unwrap();
        assert_eq!(last.id, common::SECTION);
        // Passport allows postal delivery, so the address field is there and conditional.
        let addr = f.field(common::DELIVERY_ADDRESS).unwrap();
        assert_eq!(addr.visible_if.as_ref().unwrap().field, common::DELIVERY);
    }

    fn minimal() -> serde_json::Value {
        serde_json::json!({
            "procedure": "x", "version": 1, "title": "T", "title_en": "T",
            "sections": [{"id": "a", "title": "A", "title_en": "A", "fields": [
                {"id": "f", "kind": "text", "label": "L", "label_en": "L"}
            ]}],
            "submission": {"delivery": ["online"], "agency": "UBND", "agency_en": "PC"}
        })
    }

    type Mutation = Box<dyn Fn(&mut serde_json::Value)>;

    #[test]
    fn structural_errors_are_rejected() {
        assert!(parse_form(&minimal().to_string()).is_ok());
        let cases: Vec<(&str, Mutation)> = vec![
            ("unknown key", Box::new(|v| v["extra"] = 1.into())),
            (
                "dup field",
                Box::new(|v| {
                    let f = v["sections"][0]["fields"][0].clone();
                    v["sections"][0]["fields"].as_array_mut().unwrap().push(f);
                }),
            ),
            (
                "select w/o options",
                Box::new(|v| v["sections"][0]["fields"][0]["kind"] = "select".into()),
            ),
            (
                "bad id",
                Box::new(|v| v["sections"][0]["fields"][0]["id"] = "Bad-Id".into()),
            ),
            (
                "reserved id",
                Box::new(|v| v["sections"][0]["fields"][0]["id"] = "declaration".into()),
            ),
            (
                "unknown prefill",
                Box::new(|v| v["sections"][0]["fields"][0]["prefill"] = "person.salary".into()),
            ),
            (
                "dangling condition",
                Box::new(|v| {
                    v["sections"][0]["fields"][0]["visible_if"] =
                        serde_json::json!({"field": "nope"});
                }),
            ),
            (
                "no delivery",
                Box::new(|v| v["submission"]["delivery"] = serde_json::json!([])),
            ),
            (
                "bad profile",
                Box::new(|v| {
                    v["components"] = serde_json::json!([{"id": "c", "name": "C", "name_en": "C", "photo_profile": "selfie"}]);
                }),
            ),
        ];
        for (name, mutate) in cases {
            let mut v = minimal();
            mutate(&mut v);
            let err = parse_form(&v.to_string()).expect_err(name);
            assert_eq!(err.message_key(), "dossier.form_invalid", "{name}");
        }
    }

    #[test]
    fn conditions() {
        let mut vals = BTreeMap::new();
        let has = Condition {
            field: "a".into(),
            equals: None,
            any_of: vec![],
        };
        assert!(!has.holds(&vals));
        vals.insert("a".into(), Value::String("  ".into()));
        assert!(!has.holds(&vals));
        vals.insert("a".into(), Value::String("lost".into()));
        assert!(has.holds(&vals));
        let eq = Condition {
            field: "a".into(),
            equals: Some("lost".into()),
            any_of: vec![],
        };
        assert!(eq.holds(&vals));
        let any = Condition {
            field: "a".into(),
            equals: None,
            any_of: vec!["x".into(), "y".into()],
        };
        assert!(!any.holds(&vals));
    }
}
