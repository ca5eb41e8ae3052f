//! The dossier operations on [`Core`] that the CLI and the Tauri commands call.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::check::Problem;
use super::form::{self, FormDef};
use super::{Dossier, DossierSummary, Queued};
use crate::error::{CoreError, Result};
use crate::Core;

impl Core {
    /// The form of a stored dossier.
    pub fn dossier_form(&self, id: &str) -> Result<FormDef> {
        let d = super::get(self.store(), id)?;
        form::bundled_form(&d.procedure_id)
    }

    /// Starts a draft for a procedure id, prefilled from the applicant's profile.
    pub fn draft_new(&self, procedure: &str, person: Option<&str>) -> Result<Dossier> {
        let form = form::bundled_form(procedure).map_err(|_| {
            CoreError::invalid(
                "procedure",
                format!("no online form for procedure {procedure:?}"),
                "dossier.no_form",
            )
        })?;
        let prefill = self.prefill_values(&form, person)?;
        super::create(self.store(), &form, person, None, &prefill)
    }

    /// Values for the form's `prefill` sources from the applicant's profile.
    fn prefill_values(
        &self,
        _form: &FormDef,
        _person: Option<&str>,
    ) -> Result<BTreeMap<String, Value>> {
        Ok(BTreeMap::new())
    }

    /// Codes accepted by `options_from: "provinces"` fields.
    pub fn province_codes(&self) -> BTreeSet<String> {
        BTreeSet::new()
    }

    pub fn draft_set(&self, id: &str, changes: &[(String, Value)]) -> Result<i64> {
        let form = self.dossier_form(id)?;
        super::set_fields(self.store(), &form, id, changes)
    }

    pub fn draft_check(&self, id: &str) -> Result<Vec<Problem>> {
        let d = super::get(self.store(), id)?;
        let form = form::bundled_form(&d.procedure_id)?;
        Ok(super::problems(
            &d,
            &form,
            &super::context(self.province_codes()),
        ))
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
}
