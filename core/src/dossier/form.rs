//! E-form definitions: what a procedure's online form asks for, kept as data in
//! `assets/catalog/forms/<procedure-id>.json` and embedded in the binary.
//!
//! A form has sections of fields and a list of dossier components (papers and photos). The parts
//! every online submission shares (receiving agency, how to receive the result, refund account,
//! the declaration) are not repeated in each file: [`FormDef::with_common`] appends them as a last
//! section, so the checklist, the UI and `check` treat them like any other field.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::catalog::lists::{self, OptionList};
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
    form!("death-registration"),
    form!("marital-status-certificate"),
    form!("parent-child-recognition"),
    form!("civil-status-extract-copy"),
    form!("temporary-absence"),
    form!("stay-notification"),
    form!("residence-confirmation"),
    form!("health-insurance-household-renewal"),
    form!("household-business-registration"),
    form!("vehicle-registration"),
    form!("maternity-benefit"),
    form!("social-insurance-lump-sum"),
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
    /// A repeatable group (children, heirs, household members): its `fields` are one row; the
    /// value is a list of rows, each an object by field id (`[{"full_name": …}, …]`).
    Group,
}

impl FieldKind {
    /// Kinds whose value is typed text, where a `pattern` applies.
    pub fn is_text(self) -> bool {
        matches!(
            self,
            Self::Text
                | Self::Phone
                | Self::Email
                | Self::IdNumber
                | Self::Address
                | Self::BankAccount
        )
    }
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
    /// Choices taken from catalog data instead: `provinces`, `ethnicities`, `nationalities`
    /// or `communes` (see [`crate::catalog::lists`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options_from: Option<String>,
    /// For `options_from: "communes"`: the id of the province field (a sibling in the same
    /// group, or a top-level field) whose value filters the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options_parent: Option<String>,
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
    /// A regular expression (Rust `regex` syntax) the whole text must match, checked on the
    /// phone; compiled once (see [`compiled_pattern`]). Text kinds only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// What to tell the user when the text does not match `pattern` (required with it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern_message_en: Option<String>,
    /// A `group`'s fields: one row.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Field>,
    /// A `group`'s fewest rows when it is shown (default 0; `required` asks for at least one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_items: Option<u32>,
    /// A `group`'s most rows (required for a group, at most [`MAX_GROUP_ROWS`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_items: Option<u32>,
    /// A `group`'s add button ("Thêm người con"); the UI says "Thêm người" without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add_label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add_label_en: Option<String>,
}

/// Most rows a group may allow.
pub const MAX_GROUP_ROWS: u32 = 100;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub label_en: String,
}

/// `field` has a value and, when given, it equals `equals`, is one of `any_of`, or differs from
/// `not_equals` (at most one of the three). An empty field never satisfies a condition. Inside a
/// group, `field` names a field of the same row first, else a top-level field.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub field: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub any_of: Vec<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_equals: Option<Value>,
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
    /// Ask for the receiving commune too (commune-level procedures; set automatically for a
    /// procedure whose catalog level is `commune`, see `generated::resolve_form`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub commune_agency: bool,
}

/// Ids of the common fields appended by [`FormDef::with_common`].
pub mod common {
    pub const SECTION: &str = "submission";
    pub const AGENCY_PROVINCE: &str = "agency_province";
    /// The receiving commune (xã, phường, đặc khu) of a commune-level procedure.
    pub const AGENCY_COMMUNE: &str = "agency_commune";
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
        options_parent: None,
        pattern: None,
        pattern_message: None,
        pattern_message_en: None,
        fields: vec![],
        min_items: None,
        max_items: None,
        add_label: None,
        add_label_en: None,
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
                not_equals: None,
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
                not_equals: None,
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
        if self.submission.commune_agency {
            self.with_commune_agency()
        } else {
            self
        }
    }

    /// Adds the receiving commune (filtered by the chosen province) after the agency province of
    /// the common section, for procedures handled at commune level (xã, phường, đặc khu). Does
    /// nothing when the form has no common section or already has the field.
    pub fn with_commune_agency(mut self) -> Self {
        use common::*;
        let Some(section) = self.sections.iter_mut().find(|s| s.id == SECTION) else {
            return self;
        };
        if section.fields.iter().any(|f| f.id == AGENCY_COMMUNE) {
            return self;
        }
        let at = section
            .fields
            .iter()
            .position(|f| f.id == AGENCY_PROVINCE)
            .map_or(0, |i| i + 1);
        let mut commune = text_field(
            AGENCY_COMMUNE,
            FieldKind::Select,
            "Xã, phường, đặc khu tiếp nhận",
            "Receiving commune or ward",
            false,
        );
        commune.options_from = Some(OptionList::Communes.as_str().into());
        commune.options_parent = Some(AGENCY_PROVINCE.into());
        commune.visible_if = Some(Condition {
            field: AGENCY_PROVINCE.into(),
            equals: None,
            any_of: vec![],
            not_equals: None,
        });
        commune.help = Some(
            "Thủ tục này do Ủy ban nhân dân cấp xã giải quyết: chọn xã, phường hoặc đặc khu nơi \
             bạn nộp (thường là nơi cư trú)."
                .into(),
        );
        commune.help_en = Some(
            "This procedure is handled by the commune People's Committee: choose the commune or \
             ward where you file (usually where you live)."
                .into(),
        );
        section.fields.insert(at, commune);
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

    /// The group holding a row field (`None` for a top-level or unknown id).
    pub fn group_of(&self, sub: &str) -> Option<&Field> {
        self.fields()
            .find(|g| g.kind == FieldKind::Group && g.fields.iter().any(|f| f.id == sub))
    }

    /// The data lists the form's fields (and group rows) draw choices from.
    pub fn option_lists(&self) -> BTreeSet<&'static str> {
        self.fields()
            .flat_map(|f| std::iter::once(f).chain(f.fields.iter()))
            .filter_map(|f| f.options_from.as_deref().and_then(OptionList::parse))
            .map(OptionList::as_str)
            .collect()
    }

    /// Structural rules a form file must follow (besides its JSON shape): unique identifiers,
    /// options that exist (including `options_from` lists), patterns that compile, groups with
    /// sane bounds, and conditions naming a field that exists with values that are real options.
    pub fn validate(&self) -> Result<()> {
        if self.sections.is_empty() {
            return bad(format!("{}: no sections", self.procedure));
        }
        if self.submission.delivery.is_empty() {
            return bad(format!("{}: no delivery option", self.procedure));
        }
        let mut ids = BTreeSet::new();
        let mut sections = BTreeSet::new();
        for s in &self.sections {
            if !is_ident(&s.id) || !sections.insert(s.id.as_str()) {
                return bad(format!("section id {:?} is not a unique identifier", s.id));
            }
            if s.fields.is_empty() {
                return bad(format!("section {} has no fields", s.id));
            }
            for f in &s.fields {
                self.validate_field(f, None, &mut ids)?;
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
        // Conditions name an existing field (not themselves) and only real options of it.
        for f in self.fields() {
            if let Some(c) = &f.visible_if {
                self.validate_condition(&f.id, None, c)?;
            }
            for sub in &f.fields {
                if let Some(c) = &sub.visible_if {
                    self.validate_condition(&sub.id, Some(f), c)?;
                }
            }
        }
        for c in &self.components {
            if let Some(v) = &c.visible_if {
                self.validate_condition(&c.id, None, v)?;
            }
        }
        Ok(())
    }

    fn validate_field<'a>(
        &self,
        f: &'a Field,
        group: Option<&Field>,
        ids: &mut BTreeSet<&'a str>,
    ) -> Result<()> {
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
        let list = match f.options_from.as_deref() {
            None => None,
            Some(src) => match OptionList::parse(src) {
                Some(l) => Some(l),
                None => return bad(format!("field {}: unknown options_from {src}", f.id)),
            },
        };
        if list.is_some() && !f.options.is_empty() {
            return bad(format!("field {}: both options and options_from", f.id));
        }
        match (&f.options_parent, list) {
            (None, _) => {}
            (Some(parent), Some(OptionList::Communes)) => {
                let target = group
                    .and_then(|g| g.fields.iter().find(|x| &x.id == parent))
                    .or_else(|| self.field(parent));
                let is_province = target.is_some_and(|t| {
                    t.kind == FieldKind::Select && t.options_from.as_deref() == Some("provinces")
                });
                if !is_province {
                    return bad(format!(
                        "field {}: options_parent {parent} is not a province field",
                        f.id
                    ));
                }
            }
            (Some(_), _) => {
                return bad(format!(
                    "field {}: options_parent only filters options_from communes",
                    f.id
                ))
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
            if group.is_some() {
                return bad(format!(
                    "field {}: a group's row field has no prefill",
                    f.id
                ));
            }
            if !PREFILL_SOURCES.contains(&p.as_str()) {
                return bad(format!("field {}: unknown prefill source {p}", f.id));
            }
        }
        match &f.pattern {
            None => {
                if f.pattern_message.is_some() || f.pattern_message_en.is_some() {
                    return bad(format!("field {}: pattern message without pattern", f.id));
                }
            }
            Some(p) => {
                if !f.kind.is_text() {
                    return bad(format!("field {}: pattern on a {:?} field", f.id, f.kind));
                }
                let said = |m: &Option<String>| m.as_deref().is_some_and(|m| !m.trim().is_empty());
                if !said(&f.pattern_message) || !said(&f.pattern_message_en) {
                    return bad(format!(
                        "field {}: pattern without its message in both languages",
                        f.id
                    ));
                }
                if let Err(e) = compile(p) {
                    return bad(format!(
                        "field {}: pattern {p:?} does not compile: {e}",
                        f.id
                    ));
                }
            }
        }
        let is_group = f.kind == FieldKind::Group;
        if !is_group {
            if !f.fields.is_empty()
                || f.min_items.is_some()
                || f.max_items.is_some()
                || f.add_label.is_some()
                || f.add_label_en.is_some()
            {
                return bad(format!(
                    "field {}: group settings on a non-group field",
                    f.id
                ));
            }
            return Ok(());
        }
        if group.is_some() {
            return bad(format!("field {}: a group inside a group", f.id));
        }
        if f.fields.is_empty() {
            return bad(format!("group {} has no fields", f.id));
        }
        let max = f.max_items.unwrap_or(0);
        let min = f.min_items.unwrap_or(0);
        if max == 0 || max > MAX_GROUP_ROWS || min > max {
            return bad(format!(
                "group {}: rows must be 0 ≤ min_items ≤ max_items (1–{MAX_GROUP_ROWS})",
                f.id
            ));
        }
        for sub in &f.fields {
            self.validate_field(sub, Some(f), ids)?;
        }
        Ok(())
    }

    fn validate_condition(&self, owner: &str, group: Option<&Field>, c: &Condition) -> Result<()> {
        let target = group
            .and_then(|g| g.fields.iter().find(|x| x.id == c.field))
            .or_else(|| self.field(&c.field));
        let Some(target) = target.filter(|t| t.id != owner) else {
            return bad(format!(
                "{owner}: visible_if names unknown field {}",
                c.field
            ));
        };
        let given = [
            c.equals.is_some(),
            !c.any_of.is_empty(),
            c.not_equals.is_some(),
        ]
        .into_iter()
        .filter(|g| *g)
        .count();
        if given > 1 {
            return bad(format!(
                "{owner}: visible_if gives more than one of equals, any_of, not_equals"
            ));
        }
        for v in c.equals.iter().chain(&c.any_of).chain(&c.not_equals) {
            if !condition_value_fits(target, v) {
                return bad(format!(
                    "{owner}: visible_if value {v} is not an option of field {}",
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
        not_equals: None,
    })
}

fn is_common(id: &str) -> bool {
    use common::*;
    [
        AGENCY_PROVINCE,
        AGENCY_COMMUNE,
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

fn bad<T>(reason: String) -> Result<T> {
    Err(CoreError::invalid("form", reason, "dossier.form_invalid"))
}

/// Whether a condition value is something the field can hold: a real option of a choice
/// (including `options_from` lists), a boolean for a checkbox, a number for a number field,
/// text otherwise. A group has no value to compare (only "has rows").
fn condition_value_fits(target: &Field, v: &Value) -> bool {
    match target.kind {
        FieldKind::Select | FieldKind::MultiSelect => {
            v.as_str().is_some_and(|s| option_exists(target, s, None))
        }
        FieldKind::Checkbox => v.is_boolean(),
        FieldKind::Group => false,
        FieldKind::Number => {
            v.is_number() || v.as_str().is_some_and(|s| s.trim().parse::<f64>().is_ok())
        }
        _ => v.is_string(),
    }
}

/// Whether `value` is a choice of a select field: one of its `options`, or of its
/// `options_from` list (for communes, of the province `parent` when given). Provinces are
/// looked up in `provinces` when given, else in the bundled catalog.
pub fn option_exists(f: &Field, value: &str, parent: Option<&str>) -> bool {
    option_in(f, value, parent, None)
}

/// [`option_exists`] with the province codes to accept (the check context's).
pub fn option_in(
    f: &Field,
    value: &str,
    parent: Option<&str>,
    provinces: Option<&BTreeSet<String>>,
) -> bool {
    match f.options_from.as_deref().map(OptionList::parse) {
        None => f.options.iter().any(|o| o.value == value),
        Some(None) => false,
        Some(Some(OptionList::Provinces)) => match provinces {
            Some(p) => p.contains(value),
            None => crate::catalog::bundled().is_ok_and(|b| {
                b.refs
                    .provinces
                    .iter()
                    .flat_map(|set| set.provinces.iter())
                    .any(|p| p.code == value)
            }),
        },
        Some(Some(list)) => lists::lists().is_ok_and(|l| l.contains(list, value, parent)),
    }
}

/// Longest pattern text accepted, and the compiled size limit.
const MAX_PATTERN_LEN: usize = 500;
const PATTERN_SIZE_LIMIT: usize = 1 << 20;

fn compile(p: &str) -> std::result::Result<Regex, String> {
    if p.len() > MAX_PATTERN_LEN {
        return Err(format!("longer than {MAX_PATTERN_LEN} bytes"));
    }
    // The whole value must match, whatever anchors the pattern has itself.
    RegexBuilder::new(&format!("^(?:{p})$"))
        .size_limit(PATTERN_SIZE_LIMIT)
        .build()
        .map_err(|e| e.to_string())
}

/// A field's `pattern`, compiled once per process (`None`: it does not compile; forms with such
/// a pattern are refused by [`FormDef::validate`]).
pub fn compiled_pattern(p: &str) -> Option<Arc<Regex>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Option<Arc<Regex>>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    // A poisoned lock only means another thread panicked mid-insert; the map is still usable.
    let mut m = cache.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(r) = m.get(p) {
        return r.clone();
    }
    let r = compile(p).ok().map(Arc::new);
    // Patterns come from a bounded set of forms; the bound only guards against misuse.
    if m.len() < 4096 {
        m.insert(p.to_string(), r.clone());
    }
    r
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
        if let Some(ne) = &self.not_equals {
            return v != ne;
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
            not_equals: None,
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
            not_equals: None,
        };
        assert!(eq.holds(&vals));
        let any = Condition {
            field: "a".into(),
            equals: None,
            any_of: vec!["x".into(), "y".into()],
            not_equals: None,
        };
        assert!(!any.holds(&vals));
        let ne = Condition {
            field: "a".into(),
            equals: None,
            any_of: vec![],
            not_equals: Some("lost".into()),
        };
        assert!(!ne.holds(&vals));
        vals.insert("a".into(), Value::String("stolen".into()));
        assert!(ne.holds(&vals));
        // An empty field satisfies no condition, not_equals included.
        vals.remove("a");
        assert!(!ne.holds(&vals));
    }

    /// A form with a select, a checkbox, a province + commune pair and a group of children.
    fn rich() -> serde_json::Value {
        serde_json::json!({
            "procedure": "x", "version": 1, "title": "T", "title_en": "T",
            "sections": [{"id": "a", "title": "A", "title_en": "A", "fields": [
                {"id": "status", "kind": "select", "label": "S", "label_en": "S", "options": [
                    {"value": "single", "label": "Độc thân", "label_en": "Single"},
                    {"value": "married", "label": "Đã kết hôn", "label_en": "Married"}]},
                {"id": "spouse", "kind": "text", "label": "V", "label_en": "V",
                 "visible_if": {"field": "status", "not_equals": "single"}},
                {"id": "code", "kind": "text", "label": "M", "label_en": "C",
                 "pattern": "[0-9]{6}", "pattern_message": "Mã gồm 6 chữ số",
                 "pattern_message_en": "The code has 6 digits"},
                {"id": "ethnicity", "kind": "select", "label": "D", "label_en": "E",
                 "options_from": "ethnicities"},
                {"id": "nationality", "kind": "select", "label": "Q", "label_en": "N",
                 "options_from": "nationalities"},
                {"id": "home_province", "kind": "select", "label": "T", "label_en": "P",
                 "options_from": "provinces"},
                {"id": "home_commune", "kind": "select", "label": "X", "label_en": "C",
                 "options_from": "communes", "options_parent": "home_province",
                 "visible_if": {"field": "nationality", "equals": "VN"}},
                {"id": "children", "kind": "group", "label": "Con", "label_en": "Children",
                 "min_items": 1, "max_items": 3, "add_label": "Thêm người con",
                 "add_label_en": "Add a child", "fields": [
                    {"id": "child_name", "kind": "text", "label": "Tên", "label_en": "Name",
                     "required": true, "uppercase": true},
                    {"id": "child_adopted", "kind": "checkbox", "label": "Con nuôi",
                     "label_en": "Adopted"},
                    {"id": "child_decision", "kind": "text", "label": "Số quyết định",
                     "label_en": "Decision no.", "required": true,
                     "visible_if": {"field": "child_adopted", "equals": true}}
                ]}
            ]}],
            "submission": {"delivery": ["online"], "agency": "UBND", "agency_en": "PC"}
        })
    }

    #[test]
    fn groups_patterns_lists_and_not_equals_are_accepted() {
        let f = parse_form(&rich().to_string()).unwrap();
        let g = f.field("children").unwrap();
        assert_eq!(g.kind, FieldKind::Group);
        assert_eq!(
            f.group_of("child_name").map(|g| g.id.as_str()),
            Some("children")
        );
        assert!(f.group_of("spouse").is_none());
        // Row fields are not top-level fields (their values live in the group's rows).
        assert!(f.field("child_name").is_none());
        let lists: Vec<_> = f.option_lists().into_iter().collect();
        assert_eq!(
            lists,
            ["communes", "ethnicities", "nationalities", "provinces"]
        );
    }

    #[test]
    fn new_features_reject_bad_definitions() {
        type M = Box<dyn Fn(&mut serde_json::Value)>;
        fn fields(v: &mut serde_json::Value) -> &mut Vec<serde_json::Value> {
            v["sections"][0]["fields"].as_array_mut().unwrap()
        }
        let cases: Vec<(&str, M)> = vec![
            (
                "pattern that does not compile",
                Box::new(|v| fields(v)[2]["pattern"] = "[0-9".into()),
            ),
            (
                "pattern without message",
                Box::new(|v| {
                    fields(v)[2]
                        .as_object_mut()
                        .unwrap()
                        .remove("pattern_message_en");
                }),
            ),
            (
                "pattern on a select",
                Box::new(|v| {
                    fields(v)[0]["pattern"] = "x".into();
                    fields(v)[0]["pattern_message"] = "x".into();
                    fields(v)[0]["pattern_message_en"] = "x".into();
                }),
            ),
            (
                "equals not an option",
                Box::new(|v| {
                    fields(v)[1]["visible_if"] =
                        serde_json::json!({"field": "status", "equals": "widowed"});
                }),
            ),
            (
                "not_equals not an option",
                Box::new(|v| {
                    fields(v)[1]["visible_if"] =
                        serde_json::json!({"field": "status", "not_equals": "Single"});
                }),
            ),
            (
                "any_of not an option",
                Box::new(|v| {
                    fields(v)[1]["visible_if"] =
                        serde_json::json!({"field": "status", "any_of": ["single", "x"]});
                }),
            ),
            (
                "two comparisons",
                Box::new(|v| {
                    fields(v)[1]["visible_if"] = serde_json::json!({"field": "status", "equals": "single", "not_equals": "married"});
                }),
            ),
            (
                "value not in an options_from list",
                Box::new(|v| {
                    fields(v)[6]["visible_if"] =
                        serde_json::json!({"field": "nationality", "equals": "XX"});
                }),
            ),
            (
                "province not in the list",
                Box::new(|v| {
                    fields(v)[1]["visible_if"] =
                        serde_json::json!({"field": "home_province", "equals": "saigon"});
                }),
            ),
            (
                "checkbox compared with text",
                Box::new(|v| {
                    fields(v)[7]["fields"][2]["visible_if"] =
                        serde_json::json!({"field": "child_adopted", "equals": "yes"});
                }),
            ),
            (
                "unknown options_from",
                Box::new(|v| fields(v)[3]["options_from"] = "districts".into()),
            ),
            (
                "commune without a province parent",
                Box::new(|v| fields(v)[6]["options_parent"] = "status".into()),
            ),
            (
                "options_parent on a non-commune list",
                Box::new(|v| fields(v)[3]["options_parent"] = "home_province".into()),
            ),
            (
                "group without rows",
                Box::new(|v| fields(v)[7]["fields"] = serde_json::json!([])),
            ),
            (
                "group without max",
                Box::new(|v| {
                    fields(v)[7].as_object_mut().unwrap().remove("max_items");
                }),
            ),
            (
                "min above max",
                Box::new(|v| fields(v)[7]["min_items"] = 4.into()),
            ),
            (
                "max above the limit",
                Box::new(|v| fields(v)[7]["max_items"] = 101.into()),
            ),
            (
                "group in a group",
                Box::new(|v| {
                    let inner = serde_json::json!({"id": "inner", "kind": "group", "label": "I", "label_en": "I",
                    "max_items": 2, "fields": [{"id": "z", "kind": "text", "label": "Z", "label_en": "Z"}]});
                    fields(v)[7]["fields"].as_array_mut().unwrap().push(inner);
                }),
            ),
            (
                "row field id taken at top level",
                Box::new(|v| fields(v)[7]["fields"][0]["id"] = "spouse".into()),
            ),
            (
                "prefill in a row",
                Box::new(|v| fields(v)[7]["fields"][0]["prefill"] = "person.full_name".into()),
            ),
            (
                "group settings on a text",
                Box::new(|v| fields(v)[1]["max_items"] = 2.into()),
            ),
            (
                "top-level condition on a row field",
                Box::new(|v| {
                    fields(v)[1]["visible_if"] = serde_json::json!({"field": "child_name"});
                }),
            ),
            (
                "condition compares a group",
                Box::new(|v| {
                    fields(v)[1]["visible_if"] =
                        serde_json::json!({"field": "children", "equals": "x"});
                }),
            ),
        ];
        assert!(parse_form(&rich().to_string()).is_ok());
        for (name, mutate) in cases {
            let mut v = rich();
            mutate(&mut v);
            let err = parse_form(&v.to_string()).expect_err(name);
            assert_eq!(err.message_key(), "dossier.form_invalid", "{name}");
        }
        // A row condition on a sibling, and a row condition on a top-level field, are fine.
        let mut v = rich();
        fields(&mut v)[7]["fields"][0]["visible_if"] =
            serde_json::json!({"field": "status", "equals": "married"});
        assert!(parse_form(&v.to_string()).is_ok());
    }

    #[test]
    fn patterns_compile_once_and_match_the_whole_value() {
        let a = compiled_pattern("[0-9]{6}").unwrap();
        let b = compiled_pattern("[0-9]{6}").unwrap();
        assert!(
            Arc::ptr_eq(&a, &b),
            "the second lookup reuses the compiled pattern"
        );
        assert!(a.is_match("123456"));
        assert!(!a.is_match("1234567"), "anchored: no partial match");
        assert!(!a.is_match("x123456"));
        assert!(compiled_pattern("(").is_none());
        assert!(compiled_pattern(&"a".repeat(MAX_PATTERN_LEN + 1)).is_none());
    }

    #[test]
    fn commune_agency_follows_the_province() {
        let f = bundled_form("birth-registration")
            .unwrap()
            .with_commune_agency();
        let sub = f.sections.last().unwrap();
        let ids: Vec<&str> = sub.fields.iter().map(|f| f.id.as_str()).collect();
        let p = ids
            .iter()
            .position(|i| *i == common::AGENCY_PROVINCE)
            .unwrap();
        assert_eq!(ids[p + 1], common::AGENCY_COMMUNE);
        let c = f.field(common::AGENCY_COMMUNE).unwrap();
        assert_eq!(c.options_from.as_deref(), Some("communes"));
        assert_eq!(c.options_parent.as_deref(), Some(common::AGENCY_PROVINCE));
        f.validate_common_ok();
        // Once only.
        assert_eq!(f.clone().with_commune_agency(), f);
    }

    impl FormDef {
        /// The common section's own fields pass the same rules as a form's (ids aside).
        fn validate_common_ok(&self) {
            let mut copy = self.clone();
            for s in &mut copy.sections {
                for f in &mut s.fields {
                    f.id = format!("x_{}", f.id);
                    if let Some(c) = &mut f.visible_if {
                        c.field = format!("x_{}", c.field);
                    }
                    if let Some(p) = &mut f.options_parent {
                        *p = format!("x_{p}");
                    }
                }
            }
            for c in &mut copy.components {
                if let Some(v) = &mut c.visible_if {
                    v.field = format!("x_{}", v.field);
                }
            }
            copy.validate().unwrap();
        }
    }
}
