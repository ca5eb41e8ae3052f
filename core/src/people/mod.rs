//! People, households and members. A person's details are validated once here (see
//! [`crate::validate`]) and reused in every dossier. Ids are UUIDv7 made on the device.
//!
//! Logs carry ids and counts only — never names, ID numbers, phones or addresses.

mod households;

pub use households::{Household, HouseholdDetail, HouseholdMember, Relation};

use rusqlite::{params, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use crate::cccd::{self, CccdData};
use crate::documents::{self, Document};
use crate::error::{CoreError, Result};
use crate::store::Store;
use crate::validate::{self, PartialDate, Sex, ValidationError};
use crate::Core;

/// What a form or the CLI sends to create or edit a person. Empty strings mean "not given".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct PersonInput {
    pub full_name: String,
    pub sex: Option<String>,
    pub date_of_birth: Option<String>,
    pub place_of_birth: Option<String>,
    pub id_number: Option<String>,
    pub old_id_number: Option<String>,
    pub id_issue_date: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub permanent_address: Option<String>,
    pub current_address: Option<String>,
    pub ethnicity: Option<String>,
    pub nationality: Option<String>,
}

impl PersonInput {
    /// The form filled from a scanned card (the user confirms before saving).
    pub fn from_cccd(c: &CccdData) -> Self {
        Self {
            full_name: c.full_name.clone(),
            sex: Some(c.sex.as_str().to_string()),
            date_of_birth: Some(c.date_of_birth.to_string()),
            id_number: Some(c.id_number.clone()),
            old_id_number: c.old_id_number.clone(),
            id_issue_date: Some(c.issue_date.to_string()),
            permanent_address: Some(c.address.clone()),
            nationality: Some("Việt Nam".to_string()),
            ..Self::default()
        }
    }
}

/// One field that failed, for inline messages in a form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FieldError {
    pub field: &'static str,
    pub message_key: &'static str,
}

/// A stored person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Person {
    pub id: String,
    pub full_name: String,
    /// Upper-case form for paper forms that want it.
    pub full_name_upper: String,
    pub sex: Option<Sex>,
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub date_of_birth: Option<PartialDate>,
    pub place_of_birth: Option<String>,
    pub id_number: Option<String>,
    pub old_id_number: Option<String>,
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub id_issue_date: Option<PartialDate>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub permanent_address: Option<String>,
    pub current_address: Option<String>,
    pub ethnicity: Option<String>,
    pub nationality: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// A person with their documents and households (profile page, `dvc person show`).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PersonDetail {
    #[serde(flatten)]
    pub person: Person,
    pub documents: Vec<Document>,
    pub households: Vec<Household>,
}

/// What deleting a person removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DeleteReport {
    pub documents_deleted: usize,
    pub files_deleted: usize,
    /// The person's dossiers (drafts and sent ones, with their timelines and manifests).
    pub dossiers_deleted: usize,
}

/// Validated, normalised values ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidPerson {
    full_name: String,
    sex: Option<Sex>,
    date_of_birth: Option<PartialDate>,
    place_of_birth: Option<String>,
    id_number: Option<String>,
    old_id_number: Option<String>,
    id_issue_date: Option<PartialDate>,
    phone: Option<String>,
    email: Option<String>,
    permanent_address: Option<String>,
    current_address: Option<String>,
    ethnicity: Option<String>,
    nationality: Option<String>,
}

impl ValidPerson {
    /// The ID number as the rules normalised it.
    pub(crate) fn id_number(&self) -> Option<&str> {
        self.id_number.as_deref()
    }
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Checks every field and returns either the normalised person or all field errors (a form shows
/// them inline, all at once).
pub fn check(input: &PersonInput, today: PartialDate) -> Result<ValidPerson, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut field = |name: &'static str, r: Result<Option<String>, ValidationError>| match r {
        Ok(v) => v,
        Err(e) => {
            errors.push(FieldError {
                field: name,
                message_key: e.message_key(),
            });
            None
        }
    };
    let full_name = field("full_name", validate::name(&input.full_name).map(Some));
    let sex = match given(&input.sex).map(Sex::parse).transpose() {
        Ok(s) => s,
        Err(e) => {
            errors.push(FieldError {
                field: "sex",
                message_key: e.message_key(),
            });
            None
        }
    };
    let dob = match given(&input.date_of_birth)
        .map(|s| validate::birth_date(s, today))
        .transpose()
    {
        Ok(d) => d,
        Err(e) => {
            errors.push(FieldError {
                field: "date_of_birth",
                message_key: e.message_key(),
            });
            None
        }
    };
    let issue = match given(&input.id_issue_date)
        .map(|s| validate::issue_date(s, dob, today))
        .transpose()
    {
        Ok(d) => d,
        Err(e) => {
            errors.push(FieldError {
                field: "id_issue_date",
                message_key: e.message_key(),
            });
            None
        }
    };
    let mut field = |name: &'static str, r: Result<Option<String>, ValidationError>| match r {
        Ok(v) => v,
        Err(e) => {
            errors.push(FieldError {
                field: name,
                message_key: e.message_key(),
            });
            None
        }
    };
    let id_number = field(
        "id_number",
        given(&input.id_number)
            .map(|s| validate::id_number(s, dob.map(|d| d.year), sex))
            .transpose(),
    );
    let old_id_number = field(
        "old_id_number",
        given(&input.old_id_number)
            .map(validate::old_id_number)
            .transpose(),
    );
    let phone = field(
        "phone",
        given(&input.phone).map(validate::phone).transpose(),
    );
    let email = field(
        "email",
        given(&input.email).map(validate::email).transpose(),
    );
    let mut text = |name: &'static str, v: &Option<String>, max: usize| {
        field(
            name,
            given(v).map(|s| validate::text(s, name, max)).transpose(),
        )
    };
    let place_of_birth = text("place_of_birth", &input.place_of_birth, 200);
    let permanent_address = text("permanent_address", &input.permanent_address, 300);
    let current_address = text("current_address", &input.current_address, 300);
    let ethnicity = text("ethnicity", &input.ethnicity, 50);
    let nationality = text("nationality", &input.nationality, 80);
    match full_name {
        Some(full_name) if errors.is_empty() => Ok(ValidPerson {
            full_name,
            sex,
            date_of_birth: dob,
            place_of_birth,
            id_number,
            old_id_number,
            id_issue_date: issue,
            phone,
            email,
            permanent_address,
            current_address,
            ethnicity,
            nationality,
        }),
        _ => Err(errors),
    }
}

fn first_error(errors: Vec<FieldError>) -> CoreError {
    match errors.into_iter().next() {
        Some(e) => CoreError::invalid(e.field, format!("{} is not valid", e.field), e.message_key),
        None => CoreError::invalid("person", "not valid", "errors.invalid_input"),
    }
}

/// A UUID as our ids are written, or not-found (an id that cannot exist).
pub(crate) fn parse_id(id: &str, what: &str) -> Result<String> {
    uuid::Uuid::parse_str(id.trim())
        .map(|u| u.hyphenated().to_string())
        .map_err(|_| CoreError::NotFound {
            what: format!("{what} (malformed id)"),
        })
}

pub(crate) fn new_id() -> String {
    uuid::Uuid::now_v7().hyphenated().to_string()
}

const COLUMNS: &str = "id, full_name, sex, date_of_birth, place_of_birth, id_number, \
     old_id_number, id_issue_date, phone, email, permanent_address, current_address, ethnicity, \
     nationality, created_at, updated_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Person> {
    let full_name: String = r.get(1)?;
    let sex: Option<String> = r.get(2)?;
    let date = |i: usize| -> rusqlite::Result<Option<PartialDate>> {
        Ok(r.get::<_, Option<String>>(i)?
            .and_then(|s| PartialDate::parse_iso(&s)))
    };
    Ok(Person {
        id: r.get(0)?,
        full_name_upper: validate::name_upper(&full_name),
        full_name,
        sex: sex.and_then(|s| Sex::parse(&s).ok()),
        date_of_birth: date(3)?,
        place_of_birth: r.get(4)?,
        id_number: r.get(5)?,
        old_id_number: r.get(6)?,
        id_issue_date: date(7)?,
        phone: r.get(8)?,
        email: r.get(9)?,
        permanent_address: r.get(10)?,
        current_address: r.get(11)?,
        ethnicity: r.get(12)?,
        nationality: r.get(13)?,
        created_at: r.get(14)?,
        updated_at: r.get(15)?,
    })
}

fn duplicate_id_number(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, Some(msg))
        if f.code == rusqlite::ErrorCode::ConstraintViolation && msg.contains("people.id_number"))
}

fn map_write_err(e: rusqlite::Error) -> CoreError {
    if duplicate_id_number(&e) {
        CoreError::invalid(
            "id_number",
            "a person with this ID number is already saved",
            "people.duplicate_id_number",
        )
    } else {
        e.into()
    }
}

/// Inserts a validated person under `id`, in the caller's transaction (a new person here, or one
/// handed over from another phone under the id it had there).
pub(crate) fn insert_valid(
    tx: &rusqlite::Transaction<'_>,
    id: &str,
    v: &ValidPerson,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO people (id, full_name, sex, date_of_birth, place_of_birth, id_number,
           old_id_number, id_issue_date, phone, email, permanent_address, current_address,
           ethnicity, nationality)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        params![
            id,
            v.full_name,
            v.sex.map(Sex::as_str),
            v.date_of_birth.map(|d| d.to_string()),
            v.place_of_birth,
            v.id_number,
            v.old_id_number,
            v.id_issue_date.map(|d| d.to_string()),
            v.phone,
            v.email,
            v.permanent_address,
            v.current_address,
            v.ethnicity,
            v.nationality,
        ],
    )?;
    Ok(())
}

/// Stores a new person (validated).
pub fn add(store: &Store, input: &PersonInput) -> Result<Person> {
    let v = check(input, validate::today()).map_err(first_error)?;
    let id = new_id();
    store.write(|tx| insert_valid(tx, &id, &v).map_err(map_write_err))?;
    tracing::info!(person_id = %id, "person added");
    get(store, &id)
}

/// Replaces a person's details (validated; bad input changes nothing).
pub fn update(store: &Store, id: &str, input: &PersonInput) -> Result<Person> {
    let id = parse_id(id, "person")?;
    let v = check(input, validate::today()).map_err(first_error)?;
    let n = store.write(|tx| {
        tx.execute(
            "UPDATE people SET full_name = ?2, sex = ?3, date_of_birth = ?4, place_of_birth = ?5,
               id_number = ?6, old_id_number = ?7, id_issue_date = ?8, phone = ?9, email = ?10,
               permanent_address = ?11, current_address = ?12, ethnicity = ?13, nationality = ?14,
               updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
             WHERE id = ?1",
            params![
                id,
                v.full_name,
                v.sex.map(Sex::as_str),
                v.date_of_birth.map(|d| d.to_string()),
                v.place_of_birth,
                v.id_number,
                v.old_id_number,
                v.id_issue_date.map(|d| d.to_string()),
                v.phone,
                v.email,
                v.permanent_address,
                v.current_address,
                v.ethnicity,
                v.nationality,
            ],
        )
        .map_err(map_write_err)
    })?;
    if n == 0 {
        return Err(CoreError::NotFound {
            what: "person".into(),
        });
    }
    tracing::info!(person_id = %id, "person updated");
    get(store, &id)
}

pub fn get(store: &Store, id: &str) -> Result<Person> {
    let id = parse_id(id, "person")?;
    store
        .read(|c| {
            c.query_row(
                &format!("SELECT {COLUMNS} FROM people WHERE id = ?1"),
                [&id],
                from_row,
            )
            .optional()
        })?
        .ok_or_else(|| CoreError::NotFound {
            what: "person".into(),
        })
}

/// Everyone, by name; `query` (if any) matches the name without regard to case or diacritics, or
/// the ID number / phone digits.
pub fn list(store: &Store, query: Option<&str>) -> Result<Vec<Person>> {
    let mut all = store.read(|c| {
        let mut st = c.prepare(&format!("SELECT {COLUMNS} FROM people"))?;
        let rows = st.query_map([], from_row)?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
    })?;
    // The database is encrypted and small: filter and sort here, with Vietnamese-aware folding.
    if let Some(q) = query.map(str::trim).filter(|q| !q.is_empty()) {
        let fq = validate::fold_for_search(&validate::clean_text(q));
        let digits: String = q.chars().filter(char::is_ascii_digit).collect();
        let only_digits = !digits.is_empty() && q.chars().all(|c| c.is_ascii_digit() || c == ' ');
        all.retain(|p| {
            if only_digits {
                p.id_number.as_deref().is_some_and(|n| n.contains(&digits))
                    || p.old_id_number
                        .as_deref()
                        .is_some_and(|n| n.contains(&digits))
                    || p.phone.as_deref().is_some_and(|n| n.contains(&digits))
            } else {
                validate::fold_for_search(&p.full_name).contains(&fq)
            }
        });
    }
    // Vietnamese convention: sort by given name (last word), then the whole name.
    all.sort_by_cached_key(|p| {
        let f = validate::fold_for_search(&p.full_name);
        let given = f.rsplit(' ').next().unwrap_or_default().to_string();
        (given, f, p.id.clone())
    });
    tracing::debug!(
        count = all.len(),
        filtered = query.is_some(),
        "people listed"
    );
    Ok(all)
}

impl Core {
    pub fn add_person(&self, input: &PersonInput) -> Result<Person> {
        add(self.store(), input)
    }

    /// Parses a CCCD QR payload and stores the person it describes.
    pub fn add_person_from_cccd(&self, payload: &str) -> Result<Person> {
        let card = cccd::parse(payload)?;
        add(self.store(), &PersonInput::from_cccd(&card))
    }

    pub fn update_person(&self, id: &str, input: &PersonInput) -> Result<Person> {
        update(self.store(), id, input)
    }

    pub fn person(&self, id: &str) -> Result<PersonDetail> {
        let person = get(self.store(), id)?;
        let documents = documents::list_for_person(self.store(), &person.id)?;
        let households = households::for_person(self.store(), &person.id)?;
        Ok(PersonDetail {
            person,
            documents,
            households,
        })
    }

    pub fn list_people(&self, query: Option<&str>) -> Result<Vec<Person>> {
        list(self.store(), query)
    }

    /// Deletes a person and everything this phone keeps of them: their dossiers (drafts and
    /// sent ones, with timelines, manifests and actions), memberships, and their documents (rows, then the encrypted files no other row uses). Freed
    /// database pages are zeroed (`secure_delete`) and the WAL is truncated, so nothing of them
    /// stays readable even with the key. A dossier still waiting to go to the server (or an
    /// action on one) keeps the person: `people.delete_pending`, nothing deleted. `confirmed`
    /// must be true: the UI asks first.
    pub fn delete_person(&self, id: &str, confirmed: bool) -> Result<DeleteReport> {
        if !confirmed {
            return Err(CoreError::invalid(
                "confirm",
                "deleting a person needs confirmation",
                "people.delete_needs_confirmation",
            ));
        }
        self.delete_person_with(id, false)
    }

    /// [`Core::delete_person`], and with `empty_households` also the households this person
    /// leaves without members (retention: a citizen's household address goes with them).
    pub(crate) fn delete_person_with(
        &self,
        id: &str,
        empty_households: bool,
    ) -> Result<DeleteReport> {
        let id = parse_id(id, "person")?;
        let (shas, dossiers) = self.store().write(|tx| {
            let pending: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM outbox o JOIN dossiers d ON d.id = o.dossier_id
                   WHERE d.applicant_id = ?1 AND o.state = 'pending')
                 OR EXISTS(SELECT 1 FROM dossier_actions a JOIN dossiers d ON d.id = a.dossier_id
                   WHERE d.applicant_id = ?1 AND a.state = 'pending')",
                [&id],
                |r| r.get(0),
            )?;
            if pending {
                return Err(CoreError::invalid(
                    "person",
                    "a dossier of this person is still waiting to be sent",
                    "people.delete_pending",
                ));
            }
            let shas = {
                let mut st = tx.prepare("SELECT sha256 FROM documents WHERE person_id = ?1")?;
                let rows = st.query_map([&id], |r| r.get::<_, String>(0))?;
                rows.collect::<rusqlite::Result<Vec<_>>>()?
            };
            let households = {
                let mut st =
                    tx.prepare("SELECT household_id FROM household_members WHERE person_id = ?1")?;
                let rows = st.query_map([&id], |r| r.get::<_, String>(0))?;
                rows.collect::<rusqlite::Result<Vec<_>>>()?
            };
            let dossiers = tx.execute("DELETE FROM dossiers WHERE applicant_id = ?1", [&id])?;
            let n = tx.execute("DELETE FROM people WHERE id = ?1", [&id])?;
            if n == 0 {
                return Err(CoreError::NotFound {
                    what: "person".into(),
                });
            }
            for h in households.iter().filter(|_| empty_households) {
                tx.execute(
                    "DELETE FROM households WHERE id = ?1
                       AND NOT EXISTS (SELECT 1 FROM household_members WHERE household_id = ?1)",
                    [h],
                )?;
            }
            Ok((shas, dossiers))
        })?;
        let files_deleted = documents::remove_unreferenced(self, &shas)?;
        self.store().truncate_wal()?;
        // A hand-off copy waiting for the server went with the person's rows: its file too.
        if let Err(e) = self.handoff_sweep() {
            tracing::warn!(error = e.code(), "hand-off copies not swept");
        }
        tracing::info!(person_id = %id, documents = shas.len(), dossiers, files_deleted, "person deleted");
        Ok(DeleteReport {
            documents_deleted: shas.len(),
            files_deleted,
            dossiers_deleted: dossiers,
        })
    }
}

#[cfg(test)]
mod tests;
