//! Which e-form a procedure uses, and the form built from a catalog entry for procedures that
//! have no hand-written one.
//!
//! A procedure's `online_form` names a hand-written form (`bundled`, a file in
//! `assets/catalog/forms/`) or says the form is `generated` from the procedure itself. A
//! generated form has the applicant section every hand-written form starts with (same field ids
//! and prefill sources, so the profile fills it the same way), one attachment slot per listed
//! component, a free-notes section and, like every form, the common submission section.
//!
//! The app, the `dvc` CLI and the sync code all go through [`procedure_form`], so a draft is
//! always checked and sent against the same form it was made with.

use std::collections::BTreeSet;

use rusqlite::OptionalExtension;

use super::form::{
    self, Choice, ComponentDef, Delivery, Field, FieldKind, FormDef, Section, SubmissionDef,
};
use crate::catalog::model::{self, OnlineFormKind, Procedure};
use crate::error::{CoreError, Result};
use crate::store::Store;

/// Version of the generated layout; bump when the generated fields change meaning.
pub const GENERATED_VERSION: u32 = 1;

/// Id of the free-notes field of a generated form.
pub const NOTES: &str = "notes";

/// Longest slot id built from a component name (before a de-duplicating suffix).
const MAX_SLOT_ID: usize = 48;

/// The e-form of a procedure (catalog id), with the common section appended.
///
/// The procedure is looked up in the stored catalog (so catalog updates apply) and, when the
/// store does not have it, in the bundled one. `online_form` decides: a hand-written form, or
/// one generated from the entry. A procedure without `online_form` uses its hand-written form if
/// one is bundled, else a generated one. An unknown procedure is `dossier.no_form`.
pub fn procedure_form(store: &Store, procedure: &str) -> Result<FormDef> {
    let p = find_procedure(store, procedure)?;
    resolve_form(p.as_ref(), procedure, &|id| stored_form(store, id))
}

/// The form a catalog update brought for this procedure id (with the common section): it wins
/// over the embedded one.
pub(crate) fn stored_form(store: &Store, id: &str) -> Result<Option<FormDef>> {
    let body: Option<String> = store.read(|c| -> Result<Option<String>> {
        Ok(c.query_row(
            "SELECT body FROM catalog_form WHERE procedure_id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?)
    })?;
    match body {
        Some(b) => Ok(Some(form::parse_form(&b)?.with_common())),
        None => Ok(None),
    }
}

/// [`procedure_form`] for a given procedure entry (`None`: the catalog does not list it) and a
/// source of update-delivered forms (`stored`, asked before the embedded forms).
pub(crate) fn resolve_form(
    p: Option<&Procedure>,
    procedure: &str,
    stored: &dyn Fn(&str) -> Result<Option<FormDef>>,
) -> Result<FormDef> {
    let hand_written = |id: &str| -> Result<FormDef> {
        match stored(id)? {
            Some(f) => Ok(f),
            None => form::bundled_form(id),
        }
    };
    let Some(p) = p else {
        // A dossier of a procedure the catalog no longer lists still opens with its form.
        return hand_written(procedure).map_err(|_| no_form(procedure));
    };
    let form = match p.online_form.as_ref().map(|f| (f.kind, f.form.as_str())) {
        Some((OnlineFormKind::Bundled, id)) => {
            let f = hand_written(id)?;
            if f.procedure != p.id {
                return Err(CoreError::invalid(
                    "form",
                    format!(
                        "procedure {} names form {id} of procedure {}",
                        p.id, f.procedure
                    ),
                    "dossier.form_invalid",
                ));
            }
            Ok(f)
        }
        Some((OnlineFormKind::Generated, _)) => generated_form(p),
        None => match stored(&p.id)? {
            Some(f) => Ok(f),
            None if form::form_ids().any(|id| id == p.id) => form::bundled_form(&p.id),
            None => generated_form(p),
        },
    }?;
    // Handled by a commune: the agency choice goes down to the commune.
    Ok(if p.level == model::Level::Commune {
        form.with_commune_agency()
    } else {
        form
    })
}

fn no_form(procedure: &str) -> CoreError {
    CoreError::invalid(
        "procedure",
        format!("no online form for procedure {procedure:?}"),
        "dossier.no_form",
    )
}

/// The procedure with this catalog id: stored catalog first, then the bundled one.
fn find_procedure(store: &Store, id: &str) -> Result<Option<Procedure>> {
    let body: Option<String> = store.read(|c| -> Result<Option<String>> {
        Ok(c.query_row(
            "SELECT body FROM catalog_procedure WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?)
    })?;
    if let Some(body) = body {
        let p: Procedure = serde_json::from_str(&body).map_err(|source| {
            crate::catalog::CatalogError::StoredBody {
                id: id.to_string(),
                source,
            }
        })?;
        return Ok(Some(p));
    }
    Ok(crate::catalog::bundled()
        .ok()
        .and_then(|b| b.procedures.iter().find(|p| p.id == id).cloned()))
}

fn field(id: &str, kind: FieldKind, label: &str, label_en: &str, required: bool) -> Field {
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

fn prefilled(mut f: Field, source: &str) -> Field {
    f.prefill = Some(source.into());
    f
}

/// The applicant section, as the hand-written forms write it.
fn applicant_section() -> Section {
    let mut sex = prefilled(
        field("sex", FieldKind::Select, "Giới tính", "Sex", true),
        "person.sex",
    );
    sex.options = vec![
        Choice {
            value: "male".into(),
            label: "Nam".into(),
            label_en: "Male".into(),
        },
        Choice {
            value: "female".into(),
            label: "Nữ".into(),
            label_en: "Female".into(),
        },
    ];
    let mut dob = prefilled(
        field(
            "date_of_birth",
            FieldKind::Date,
            "Ngày, tháng, năm sinh",
            "Date of birth",
            true,
        ),
        "person.date_of_birth",
    );
    dob.date_rule = Some(form::DateRule::Past);
    Section {
        id: "applicant".into(),
        title: "Người nộp hồ sơ".into(),
        title_en: "Applicant".into(),
        help: Some("Thông tin lấy từ hồ sơ cá nhân; kiểm tra lại trước khi nộp.".into()),
        help_en: Some("Taken from the profile; check it before filing.".into()),
        fields: vec![
            prefilled(
                field(
                    "full_name",
                    FieldKind::Text,
                    "Họ, chữ đệm và tên",
                    "Full name",
                    true,
                ),
                "person.full_name",
            ),
            sex,
            dob,
            prefilled(
                field(
                    "id_number",
                    FieldKind::IdNumber,
                    "Số căn cước / số định danh cá nhân",
                    "ID card / personal ID number",
                    true,
                ),
                "person.id_number",
            ),
            prefilled(
                field(
                    "residence",
                    FieldKind::Address,
                    "Nơi cư trú",
                    "Place of residence",
                    true,
                ),
                "person.current_address",
            ),
            prefilled(
                field(
                    "phone",
                    FieldKind::Phone,
                    "Số điện thoại di động",
                    "Mobile phone number",
                    true,
                ),
                "person.phone",
            ),
            prefilled(
                field(
                    "email",
                    FieldKind::Email,
                    "Thư điện tử (email)",
                    "Email",
                    false,
                ),
                "person.email",
            ),
        ],
    }
}

fn notes_section() -> Section {
    let mut notes = field(
        NOTES,
        FieldKind::Text,
        "Nội dung đề nghị, ghi chú thêm",
        "What you request, other notes",
        false,
    );
    notes.max_len = Some(2000);
    notes.help = Some(
        "Ghi những điều cơ quan cần biết mà các mục trên chưa hỏi (ví dụ: người được cấp giấy tờ \
         nếu không phải bạn)."
            .into(),
    );
    notes.help_en = Some(
        "Anything the agency needs that the items above do not ask (e.g. who the paper is for \
         when it is not you)."
            .into(),
    );
    Section {
        id: "request".into(),
        title: "Nội dung đề nghị".into(),
        title_en: "Request".into(),
        help: None,
        help_en: None,
        fields: vec![notes],
    }
}

/// An ascii snake_case id from a component's English name (`Birth certificate (copy)` →
/// `birth_certificate_copy`), unique among `taken`.
fn slot_id(name_en: &str, taken: &mut BTreeSet<String>) -> String {
    let mut id = String::new();
    for c in name_en.chars() {
        if c.is_ascii_alphanumeric() {
            id.push(c.to_ascii_lowercase());
        } else if !id.is_empty() && !id.ends_with('_') {
            id.push('_');
        }
        if id.len() >= MAX_SLOT_ID {
            break;
        }
    }
    let mut id = id.trim_end_matches('_').to_string();
    if !id.starts_with(|c: char| c.is_ascii_lowercase()) {
        id.insert_str(0, "paper_");
    }
    let base = id.clone();
    let mut n = 2;
    while !taken.insert(id.clone()) {
        id = format!("{base}_{n}");
        n += 1;
    }
    id
}

fn paper_form(f: model::Form) -> (&'static str, &'static str) {
    match f {
        model::Form::Original => ("Bản chính", "Original"),
        model::Form::Copy => ("Bản sao", "Copy"),
        model::Form::CertifiedCopy => ("Bản sao có chứng thực", "Certified copy"),
        model::Form::OriginalOrCopy => ("Bản chính hoặc bản sao", "Original or copy"),
        model::Form::Electronic => ("Bản điện tử", "Electronic"),
    }
}

fn component_slot(c: &model::Component, taken: &mut BTreeSet<String>) -> ComponentDef {
    let (profile, prefill, max_files) = match c.photo_profile {
        Some(model::PhotoProfile::Portrait4x6) => {
            (Some("portrait_4x6"), Some("document.portrait"), 1)
        }
        Some(model::PhotoProfile::CccdFront) => {
            (Some("cccd_front"), Some("document.cccd_front"), 1)
        }
        Some(model::PhotoProfile::CccdBack) => (Some("cccd_back"), Some("document.cccd_back"), 1),
        // A paper may have several pages.
        Some(model::PhotoProfile::Document) | None => (Some("document"), None, 5),
    };
    let (kind, kind_en) = paper_form(c.form);
    let mut help = format!("{kind}, {} bản.", c.count);
    let mut help_en = format!("{kind_en}, {}.", c.count);
    if let Some(note) = c.note.as_deref().filter(|n| !n.trim().is_empty()) {
        help.push(' ');
        help.push_str(note.trim());
    }
    if let Some(note) = c.note_en.as_deref().filter(|n| !n.trim().is_empty()) {
        help_en.push(' ');
        help_en.push_str(note.trim());
    }
    ComponentDef {
        id: slot_id(&c.name_en, taken),
        name: c.name.clone(),
        name_en: c.name_en.clone(),
        required: c.required,
        photo_profile: profile.map(Into::into),
        max_files,
        prefill: prefill.map(Into::into),
        visible_if: None,
        help: Some(help),
        help_en: Some(help_en),
    }
}

/// The form generated from a catalog entry, validated and with the common section appended.
pub fn generated_form(p: &Procedure) -> Result<FormDef> {
    let mut taken = BTreeSet::new();
    let components = p
        .components
        .iter()
        .map(|c| component_slot(c, &mut taken))
        .collect();
    let mut delivery: Vec<Delivery> = p
        .delivery
        .iter()
        .map(|d| match d {
            model::Delivery::Online => Delivery::Online,
            model::Delivery::InPerson => Delivery::InPerson,
            model::Delivery::Postal => Delivery::Postal,
        })
        .collect();
    delivery.sort();
    delivery.dedup();
    if delivery.is_empty() {
        // Every agency hands results over at its counter.
        delivery.push(Delivery::InPerson);
    }
    let form = FormDef {
        procedure: p.id.clone(),
        version: GENERATED_VERSION,
        title: format!("Tờ khai trực tuyến: {}", p.name),
        title_en: format!("Online form: {}", p.name_en),
        sections: vec![applicant_section(), notes_section()],
        components,
        submission: SubmissionDef {
            delivery,
            refund_account: p.fees.status == model::FeeStatus::Paid,
            agency: p.where_.clone(),
            agency_en: p.where_en.clone().unwrap_or_else(|| p.where_.clone()),
            commune_agency: false,
        },
    };
    form.validate()?;
    Ok(form.with_common())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled_procedure(id: &str) -> Procedure {
        crate::catalog::bundled()
            .unwrap()
            .procedures
            .iter()
            .find(|p| p.id == id)
            .unwrap()
            .clone()
    }

    #[test]
    fn slot_ids_are_identifiers_and_unique() {
        let mut taken = BTreeSet::new();
        assert_eq!(
            slot_id("Birth certificate (copy)", &mut taken),
            "birth_certificate_copy"
        );
        assert_eq!(
            slot_id("Birth certificate (copy)", &mut taken),
            "birth_certificate_copy_2"
        );
        assert_eq!(slot_id("01/ĐK form", &mut taken), "paper_01_k_form");
        assert_eq!(slot_id("", &mut taken), "paper_");
        let long = slot_id(&"x".repeat(200), &mut taken);
        assert!(long.len() <= MAX_SLOT_ID, "{long}");
    }

    #[test]
    fn the_applicant_section_matches_the_hand_written_forms() {
        // Same ids, kinds and prefill sources as the driving-licence form's applicant section.
        let hand = form::bundled_form("driving-licence-renewal").unwrap();
        let gen = applicant_section();
        for f in &gen.fields {
            if let Some(h) = hand.field(&f.id) {
                assert_eq!((h.kind, &h.prefill), (f.kind, &f.prefill), "{}", f.id);
            }
        }
        let passport = form::bundled_form("passport-domestic").unwrap();
        assert_eq!(
            passport.field("sex").unwrap().options,
            gen.fields.iter().find(|f| f.id == "sex").unwrap().options
        );
    }

    #[test]
    fn a_generated_form_has_one_slot_per_component_and_the_common_section() {
        let p = bundled_procedure("death-registration");
        assert!(!p.components.is_empty());
        let f = generated_form(&p).unwrap();
        assert_eq!(f.procedure, p.id);
        assert_eq!(f.components.len(), p.components.len());
        for (slot, c) in f.components.iter().zip(&p.components) {
            assert_eq!(slot.name, c.name);
            assert_eq!(slot.required, c.required);
        }
        assert!(f.field(NOTES).is_some());
        assert!(f.field(form::common::DECLARATION).is_some());
        assert_eq!(
            f.field("full_name").unwrap().prefill.as_deref(),
            Some("person.full_name")
        );
        assert!(f.title.contains(&p.name));
    }

    #[test]
    fn catalog_photo_profiles_become_slots_with_the_stored_papers() {
        let with_cccd = crate::catalog::bundled()
            .unwrap()
            .procedures
            .iter()
            .find(|p| {
                p.online_form.as_ref().map(|f| f.kind) == Some(OnlineFormKind::Generated)
                    && p.components
                        .iter()
                        .any(|c| c.photo_profile == Some(model::PhotoProfile::CccdFront))
            })
            .expect("a generated procedure asks for the CCCD front");
        let f = generated_form(with_cccd).unwrap();
        let slot = f
            .components
            .iter()
            .find(|c| c.photo_profile.as_deref() == Some("cccd_front"))
            .unwrap();
        assert_eq!(slot.prefill.as_deref(), Some("document.cccd_front"));
        assert_eq!(slot.max_files, 1);
    }

    #[test]
    fn resolution_follows_online_form() {
        let store = Store::open_in_memory().unwrap();
        crate::catalog::import_bundled(&store).unwrap();
        let hand = procedure_form(&store, "passport-domestic").unwrap();
        assert_eq!(hand, form::bundled_form("passport-domestic").unwrap());
        let gen = procedure_form(&store, "death-re-registration").unwrap();
        assert_eq!(gen.version, GENERATED_VERSION);
        assert!(gen.field(NOTES).is_some());
        let e = procedure_form(&store, "no-such-procedure").unwrap_err();
        assert_eq!(e.message_key(), "dossier.no_form");
        // Without a stored catalog the bundled one answers.
        let empty = Store::open_in_memory().unwrap();
        assert_eq!(
            procedure_form(&empty, "death-re-registration").unwrap(),
            gen
        );
    }

    #[test]
    fn every_bundled_procedure_reaches_a_fillable_form() {
        let dir = tempfile::tempdir().unwrap();
        let core = crate::Core::open_with(
            dir.path().into(),
            Box::new(crate::secrets::MemorySecrets::default()),
        )
        .unwrap();
        let person = core.add_person(&crate::test_support::applicant()).unwrap();
        let procedures = &crate::catalog::bundled().unwrap().procedures;
        assert!(procedures.len() >= 100, "{}", procedures.len());
        let (mut generated, mut hand_written) = (0, 0);
        for p in procedures {
            let d = core
                .draft_new(&p.id, Some(&person.id))
                .unwrap_or_else(|e| panic!("{}: {e}", p.id));
            let form = core.dossier_form(&d.id).unwrap();
            assert_eq!(form.procedure, p.id);
            match p.online_form.as_ref().map(|f| f.kind) {
                Some(OnlineFormKind::Generated) => generated += 1,
                Some(OnlineFormKind::Bundled) => hand_written += 1,
                None => panic!("{}: no online_form", p.id),
            }
            let problems: BTreeSet<String> = core
                .draft_check(&d.id)
                .unwrap()
                .into_iter()
                .map(|pr| pr.path)
                .collect();
            // The check lists what is left: the declaration, and every required paper.
            assert!(
                problems.contains("fields.declaration"),
                "{}: {problems:?}",
                p.id
            );
            for c in form
                .components
                .iter()
                .filter(|c| c.required && c.visible_if.is_none())
            {
                assert!(
                    problems.contains(&format!("components.{}", c.id)),
                    "{}: {} not listed",
                    p.id,
                    c.id
                );
            }
            // The applicant's name came from the profile.
            if form.field("full_name").is_some_and(|f| f.prefill.is_some()) {
                assert!(!problems.contains("fields.full_name"), "{}", p.id);
                assert_eq!(
                    d.values.get("full_name").and_then(|v| v.as_str()),
                    Some(crate::test_support::NAME),
                    "{}",
                    p.id
                );
            }
            if matches!(
                p.online_form.as_ref().map(|f| f.kind),
                Some(OnlineFormKind::Generated)
            ) {
                assert_eq!(form.components.len(), p.components.len(), "{}", p.id);
            }
        }
        assert_eq!(generated + hand_written, procedures.len());
        assert_eq!(hand_written, form::form_ids().count());
    }
}
