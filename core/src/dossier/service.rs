//! The dossier operations on [`Core`] that the CLI and the Tauri commands call.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use serde::Serialize;

use super::check::Problem;
use super::form::{self, FormDef};
use super::{Dossier, DossierSummary, NewAttachment, Queued};
use crate::documents::{DocumentId, DocumentKind, DocumentMeta};
use crate::error::{CoreError, Result};
use crate::photo::checks::Check;
use crate::photo::Crop;
use crate::Core;

/// What attaching a photo did: the new revision and the photo checks to show.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AttachedPhoto {
    pub revision: i64,
    pub document_id: String,
    pub sha256: String,
    pub width: u32,
    pub height: u32,
    pub bytes: usize,
    pub checks: Vec<Check>,
}

/// The document kind a component's photo is kept as in the applicant's store.
pub(crate) fn document_kind(c: &form::ComponentDef) -> DocumentKind {
    match c.prefill.as_deref().or(c.photo_profile.as_deref()) {
        Some("document.portrait" | "portrait_4x6") => DocumentKind::Portrait,
        Some("document.cccd_front" | "cccd_front") => DocumentKind::CccdFront,
        Some("document.cccd_back" | "cccd_back") => DocumentKind::CccdBack,
        Some("document.birth_certificate") => DocumentKind::BirthCertificate,
        Some("document.passport") => DocumentKind::Passport,
        Some("document.driving_licence") => DocumentKind::DrivingLicence,
        Some("document.health_insurance_card") => DocumentKind::HealthInsuranceCard,
        _ => DocumentKind::Other,
    }
}

impl Core {
    /// The e-form of a procedure (catalog id): hand-written or generated, as its `online_form`
    /// says (see [`super::generated::procedure_form`]).
    pub fn procedure_form(&self, procedure: &str) -> Result<FormDef> {
        super::generated::procedure_form(self.store(), procedure)
    }

    /// The form of a stored dossier.
    pub fn dossier_form(&self, id: &str) -> Result<FormDef> {
        let d = super::get(self.store(), id)?;
        self.procedure_form(&d.procedure_id)
    }

    /// Starts a draft for a procedure (catalog id or national code), prefilled from the
    /// applicant's profile.
    pub fn draft_new(&self, procedure: &str, person: Option<&str>) -> Result<Dossier> {
        let procedure = self.resolve_procedure(procedure)?;
        let form = self.procedure_form(&procedure)?;
        let prefill = match person {
            Some(p) => self.prefill_values(&form, p)?,
            None => BTreeMap::new(),
        };
        let d = super::create(self.store(), &form, person, None, &prefill)?;
        if let Some(p) = person {
            self.prefill_documents(&form, &d.id, p)?;
        }
        super::get(self.store(), &d.id)
    }

    /// Values for the form's `prefill` sources from the applicant's profile: nothing the person
    /// already gave is asked twice.
    fn prefill_values(&self, form: &FormDef, person: &str) -> Result<BTreeMap<String, Value>> {
        let p = self.person(person)?.person;
        let text = |v: Option<String>| v.map(Value::String);
        let mut out = BTreeMap::new();
        for f in form.fields() {
            let Some(src) = f.prefill.as_deref() else {
                continue;
            };
            let v = match src {
                "person.full_name" => Some(Value::String(p.full_name.clone())),
                "person.sex" => p.sex.map(|s| Value::String(s.as_str().into())),
                // Only full dates fit a date field; a year-only birth date stays for the user.
                "person.date_of_birth" => full_date(p.date_of_birth.map(|d| d.to_string())),
                "person.issue_date" => full_date(p.id_issue_date.map(|d| d.to_string())),
                "person.place_of_birth" => text(p.place_of_birth.clone()),
                "person.id_number" => text(p.id_number.clone()),
                "person.old_id_number" => text(p.old_id_number.clone()),
                "person.phone" => text(p.phone.clone()),
                "person.email" => text(p.email.clone()),
                "person.permanent_address" => text(p.permanent_address.clone()),
                "person.current_address" => text(p.current_address.clone()),
                "person.ethnicity" => text(p.ethnicity.clone()),
                "person.nationality" => text(p.nationality.clone()),
                _ => None,
            };
            // A select only takes one of its options (e.g. place of birth is a province code);
            // a profile's free text ("Kinh", "Việt Nam") is matched to a data list by name.
            let v = match (f.kind, f.options_from.as_deref(), v) {
                (form::FieldKind::Select, Some(src), Some(Value::String(s))) => {
                    match crate::catalog::lists::OptionList::parse(src) {
                        Some(
                            list @ (crate::catalog::lists::OptionList::Ethnicities
                            | crate::catalog::lists::OptionList::Nationalities),
                        ) => crate::catalog::lists::lists()
                            .ok()
                            .and_then(|l| {
                                if l.contains(list, &s, None) {
                                    Some(s.clone())
                                } else {
                                    l.value_by_name(list, &s)
                                }
                            })
                            .map(Value::String),
                        _ => Some(Value::String(s)),
                    }
                }
                (_, _, v) => v,
            };
            let fits = |v: &Value| {
                !matches!(f.kind, form::FieldKind::Select)
                    || v.as_str()
                        .is_some_and(|s| form::option_in(f, s, None, Some(&self.province_codes())))
            };
            if let Some(v) = v.filter(|v| fits(v)) {
                out.insert(f.id.clone(), v);
            }
        }
        Ok(out)
    }

    /// Attaches the applicant's stored papers (CCCD sides, portrait …) to the components that
    /// name them, marked as prefilled.
    fn prefill_documents(&self, form: &FormDef, id: &str, person: &str) -> Result<()> {
        let docs = self.list_documents(person)?;
        for c in &form.components {
            if c.prefill.is_none() {
                continue;
            }
            let kind = document_kind(c);
            // The newest document of that kind.
            let Some(doc) = docs.iter().rev().find(|d| d.kind == kind) else {
                continue;
            };
            super::attach(
                self.store(),
                form,
                id,
                &NewAttachment {
                    component: &c.id,
                    document_id: &doc.id.0,
                    sha256: &doc.sha256,
                    bytes: doc.size,
                    prefilled: true,
                },
            )?;
        }
        Ok(())
    }

    /// Runs the photo pipeline with the component's profile on `input`, keeps the prepared JPEG
    /// in the applicant's encrypted document store and attaches it to the component.
    pub fn draft_attach_photo(
        &self,
        id: &str,
        component: &str,
        input: &[u8],
    ) -> Result<AttachedPhoto> {
        self.draft_attach_photo_cropped(id, component, input, None)
    }

    /// Like [`Core::draft_attach_photo`] with the frame the user chose in the capture screen
    /// (the pipeline is deterministic, so the stored JPEG is the preview the user accepted).
    pub fn draft_attach_photo_cropped(
        &self,
        id: &str,
        component: &str,
        input: &[u8],
        crop: Option<Crop>,
    ) -> Result<AttachedPhoto> {
        let d = super::get(self.store(), id)?;
        let form = self.procedure_form(&d.procedure_id)?;
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
        let person = d.applicant_id.as_deref().ok_or_else(|| {
            CoreError::invalid(
                "dossier",
                "choose the applicant before attaching papers",
                "dossier.no_applicant",
            )
        })?;
        let profile = c.photo_profile.as_deref().unwrap_or("document");
        let prepared = crate::photo::prepare_kind(profile, input, crop)?;
        let doc = self.store_document(
            person,
            document_kind(c),
            &prepared.jpeg,
            &DocumentMeta::default(),
        )?;
        let bytes = i64::try_from(prepared.bytes).unwrap_or(i64::MAX);
        let revision = super::attach(
            self.store(),
            &form,
            id,
            &NewAttachment {
                component,
                document_id: &doc.0,
                sha256: &prepared.sha256,
                bytes,
                prefilled: false,
            },
        )?;
        Ok(AttachedPhoto {
            revision,
            document_id: doc.0,
            sha256: prepared.sha256,
            width: prepared.width,
            height: prepared.height,
            bytes: prepared.bytes,
            checks: prepared.checks,
        })
    }

    /// Codes accepted by `options_from: "provinces"` fields (the bundled province list).
    pub fn province_codes(&self) -> BTreeSet<String> {
        match crate::catalog::bundled() {
            Ok(b) => b
                .refs
                .provinces
                .iter()
                .flat_map(|set| set.provinces.iter().map(|p| p.code.clone()))
                .collect(),
            Err(e) => {
                tracing::error!(error = %e, "bundled catalog unreadable: no provinces");
                BTreeSet::new()
            }
        }
    }

    pub fn draft_set(&self, id: &str, changes: &[(String, Value)]) -> Result<i64> {
        let form = self.dossier_form(id)?;
        super::set_fields(self.store(), &form, id, changes)
    }

    /// The draft's check list: what to fix (see [`super::problems`]), then one notice per field a
    /// catalog update removed from its form (path `removed.<field id>`, message
    /// `dossier.field_removed`; a notice does not stop the submission).
    pub fn draft_check(&self, id: &str) -> Result<Vec<Problem>> {
        let d = super::get(self.store(), id)?;
        let form = self.procedure_form(&d.procedure_id)?;
        let mut out = super::problems(&d, &form, &super::context(self.province_codes()));
        out.extend(
            super::removed_fields(self.store(), id)?
                .into_iter()
                .map(|r| r.notice()),
        );
        Ok(out)
    }

    /// Fields a catalog update removed from this draft's form (their values were dropped).
    pub fn draft_removed_fields(&self, id: &str) -> Result<Vec<super::RemovedField>> {
        super::removed_fields(self.store(), id)
    }

    pub fn draft_submit(&self, id: &str) -> Result<Queued> {
        let form = self.dossier_form(id)?;
        super::submit(
            self.store(),
            &form,
            id,
            &super::context(self.province_codes()),
        )
    }

    pub fn draft_list(&self) -> Result<Vec<DossierSummary>> {
        super::list(self.store())
    }

    pub fn draft_show(&self, id: &str) -> Result<Dossier> {
        super::get(self.store(), id)
    }

    pub fn draft_delete(&self, id: &str) -> Result<()> {
        super::delete(self.store(), id)
    }

    /// Attaches one of the applicant's stored documents (a paper already in their profile) to a
    /// component. Another person's document is refused.
    pub fn draft_attach_document(
        &self,
        id: &str,
        component: &str,
        document_id: &str,
    ) -> Result<i64> {
        let d = super::get(self.store(), id)?;
        let form = self.procedure_form(&d.procedure_id)?;
        let doc = self.document(&DocumentId(document_id.to_string()))?;
        if d.applicant_id.as_deref() != Some(doc.person_id.as_str()) {
            return Err(CoreError::invalid(
                "document",
                format!("document {document_id} does not belong to the applicant of {id}"),
                "dossier.document_not_applicant",
            ));
        }
        super::attach(
            self.store(),
            &form,
            id,
            &NewAttachment {
                component,
                document_id,
                sha256: &doc.sha256,
                bytes: doc.size,
                prefilled: false,
            },
        )
    }

    /// Removes one attached file (the document stays in the applicant's store).
    pub fn draft_detach(&self, id: &str, component: &str, position: u32) -> Result<i64> {
        super::detach(self.store(), id, component, position)
    }

    /// The dossier list with what a person recognises: the procedure's name, the applicant's
    /// name and how complete the dossier is.
    pub fn draft_overview(&self) -> Result<Vec<DossierOverview>> {
        let ctx = super::context(self.province_codes());
        let procedures = crate::catalog::bundled().ok();
        let mut out = Vec::new();
        for s in super::list(self.store())? {
            let d = super::get(self.store(), &s.id)?;
            let percent = match (d.state, self.procedure_form(&d.procedure_id)) {
                (super::DossierState::Queued, _) => 100,
                (_, Ok(f)) => progress(&f, &d, &ctx),
                (_, Err(e)) => {
                    tracing::warn!(dossier = %d.id, error = %e, "no form for a stored dossier");
                    0
                }
            };
            let procedure =
                procedures.and_then(|b| b.procedures.iter().find(|p| p.id == d.procedure_id));
            let provenance = self
                .store()
                .read(|c| crate::sync::db::provenance(c, &s.id))?;
            let server_state = self
                .store()
                .read(|c| crate::sync::db::remote_state(c, &s.id))?
                .map(|(st, _)| st.as_str().to_string());
            let applicant_name = match d.applicant_id.as_deref() {
                Some(p) => self.person(p).ok().map(|p| p.person.full_name),
                None => provenance.applicant_name.clone(),
            };
            out.push(DossierOverview {
                procedure_name: procedure.map(|p| p.name.clone()),
                procedure_name_en: procedure.map(|p| p.name_en.clone()),
                applicant_name,
                percent,
                provenance,
                server_state,
                summary: s,
            });
        }
        Ok(out)
    }
}

/// One line of the dossier list as the UI shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DossierOverview {
    #[serde(flatten)]
    pub summary: DossierSummary,
    pub procedure_name: Option<String>,
    pub procedure_name_en: Option<String>,
    pub applicant_name: Option<String>,
    /// How much of what the form requires is done, 0–100.
    pub percent: u8,
    /// Learned from the server, "nộp hộ bởi …", filed for whom.
    pub provenance: crate::sync::db::Provenance,
    /// The server's state once it has the dossier (received … cancelled): the list shows that,
    /// not "waiting to be sent".
    pub server_state: Option<String>,
}

/// How complete a dossier is, 0–100: the share of its requirements (shown required fields and
/// components, plus any filled field) that has no problem. 100 only when `check` is empty.
pub fn progress(form: &FormDef, d: &super::Dossier, ctx: &super::check::CheckContext) -> u8 {
    let problems = super::problems(d, form, ctx);
    let mut total = 0usize;
    for f in form.fields() {
        let filled = d.values.get(&f.id).is_some_and(|v| !form::is_empty(v));
        if super::check::field_visible(form, f, &d.values) && (f.required || filled) {
            total += 1;
        }
    }
    total += form
        .components
        .iter()
        .filter(|c| c.required && super::check::component_visible(form, c, &d.values))
        .count();
    if problems.is_empty() {
        return 100;
    }
    let done = total.saturating_sub(problems.len());
    let pct = done * 100 / total.max(1);
    // Never claim "100 %" while something is still missing.
    u8::try_from(pct.min(99)).unwrap_or(99)
}

fn full_date(v: Option<String>) -> Option<Value> {
    v.filter(|s| super::values::parse_date(s).is_some())
        .map(Value::String)
}
