//! Test fixtures shared by the core's unit tests, the `dvc` CLI tests, the cross-component tests
//! in `tests/` and the benches: one synthetic applicant and one builder for a ready passport
//! dossier (person, every field of the passport form, the three attachments, submitted into the
//! outbox). Compiled for the core's own unit tests and with the `test-support` feature (which the
//! core's integration tests and the `tests/` crate turn on); nothing in the app or the CLI calls it.
//!
//! Every value here is synthetic: the name, ID number, phone and address belong to nobody.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use crate::documents::{DocumentKind, DocumentMeta};
use crate::dossier::form::{bundled_form, common};
use crate::dossier::{self, NewAttachment, Queued};
use crate::people::PersonInput;
use crate::store::Store;
use crate::{Core, Result};

/// The bundled form of the passport procedure (national code 1.001456).
pub const PASSPORT_FORM: &str = "passport-domestic";
/// The province the fixture's dossier names for place of birth and receiving agency (a code of
/// the bundled province list).
pub const PROVINCE: &str = "hanoi";
/// The synthetic applicant.
pub const NAME: &str = "Trần Thị Mẫu";
pub const SEX: &str = "female";
pub const DATE_OF_BIRTH: &str = "1990-05-17";
/// Hà Nội (001), born in the 1900s and female (1), year 90, then six digits.
pub const ID_NUMBER: &str = "001190000123";
pub const ID_ISSUE_DATE: &str = "2021-04-01";
pub const PHONE: &str = "0912345678";
pub const ADDRESS: &str = "Số 1 đường Thử, phường Mẫu, Hà Nội";
pub const ETHNICITY: &str = "Kinh";

/// The passport form's photo components, in the order the form lists them, and the kind of
/// paper each one is stored as.
pub const PASSPORT_COMPONENTS: [(&str, DocumentKind); 3] = [
    ("portrait", DocumentKind::Portrait),
    ("cccd_front", DocumentKind::CccdFront),
    ("cccd_back", DocumentKind::CccdBack),
];

/// The synthetic applicant with every detail a passport dossier prefills from a profile.
pub fn applicant() -> PersonInput {
    PersonInput {
        full_name: NAME.into(),
        sex: Some(SEX.into()),
        date_of_birth: Some(DATE_OF_BIRTH.into()),
        id_number: Some(ID_NUMBER.into()),
        id_issue_date: Some(ID_ISSUE_DATE.into()),
        phone: Some(PHONE.into()),
        permanent_address: Some(ADDRESS.into()),
        ethnicity: Some(ETHNICITY.into()),
        nationality: Some("Việt Nam".into()),
        ..PersonInput::default()
    }
}

/// Every field a first passport needs, for the synthetic applicant: applicant details, request,
/// receiving province, delivery at the agency and the ticked declaration.
pub fn passport_values() -> Vec<(String, Value)> {
    [
        ("full_name", json!(NAME)),
        ("sex", json!(SEX)),
        ("date_of_birth", json!(DATE_OF_BIRTH)),
        ("place_of_birth", json!(PROVINCE)),
        ("id_number", json!(ID_NUMBER)),
        ("id_issue_date", json!(ID_ISSUE_DATE)),
        ("ethnicity", json!(ETHNICITY)),
        ("phone", json!(PHONE)),
        ("permanent_address", json!(ADDRESS)),
        ("request_type", json!("first")),
        ("chip", json!("chip")),
        (common::AGENCY_PROVINCE, json!(PROVINCE)),
        (common::DELIVERY, json!("in_person")),
        (common::DECLARATION, json!(true)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// A sync configuration for tests against a server on this machine: short connect and request
/// timeouts and a 20–200 ms backoff, so a retried attempt does not make a test wait for seconds.
pub fn quick_sync_config() -> crate::sync::SyncConfig {
    use std::time::Duration;
    crate::sync::SyncConfig {
        timeouts: crate::sync::Timeouts {
            connect: Duration::from_secs(5),
            request: Duration::from_secs(20),
        },
        backoff: crate::sync::Backoff {
            base: Duration::from_millis(20),
            cap: Duration::from_millis(200),
        },
        ..crate::sync::SyncConfig::default()
    }
}

/// `len` bytes that start like a JPEG file; `tag` makes different files of the same length.
pub fn jpeg_like(len: usize, tag: u8) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0];
    v.extend((0..len.saturating_sub(4)).map(|i| (i as u8).wrapping_mul(7).wrapping_add(tag)));
    v
}

/// Every file under `dir` (recursively) that contains `needle` as bytes: what a deletion must
/// leave nowhere (the database and documents are encrypted, so a hit is plaintext on disk).
pub fn files_containing(dir: &std::path::Path, needle: &[u8]) -> std::io::Result<Vec<String>> {
    let mut hits = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d)? {
            let p = e?.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p) {
                if bytes.windows(needle.len()).any(|w| w == needle) {
                    hits.push(p.display().to_string());
                }
            }
        }
    }
    Ok(hits)
}

/// Every live text value in the database (read through the store, with the key) that contains
/// `needle`, as `table.column`.
pub fn rows_containing(core: &Core, needle: &str) -> Result<Vec<String>> {
    core.store().read(|c| -> Result<Vec<String>> {
        let tables: Vec<String> = {
            let mut st = c.prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table'
                 AND name NOT LIKE 'sqlite_%'",
            )?;
            let rows = st.query_map([], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut hits = vec![];
        for t in tables {
            // Table names come from the schema, not from input.
            let mut st = c.prepare(&format!("SELECT * FROM \"{t}\""))?;
            let names: Vec<String> = st.column_names().map(str::to_string).collect();
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                for (i, n) in names.iter().enumerate() {
                    if let Ok(Some(v)) = r.get::<_, Option<String>>(i) {
                        if v.contains(needle) {
                            hits.push(format!("{t}.{n}"));
                        }
                    }
                }
            }
        }
        Ok(hits)
    })
}

/// A dossier queued by [`ReadyPassport::queue`].
#[derive(Debug, Clone)]
pub struct QueuedPassport {
    /// The applicant the dossier and its documents belong to.
    pub person_id: String,
    pub queued: Queued,
    /// The three attachments as the document store keeps them (papers lose their metadata on the
    /// way in), in [`PASSPORT_COMPONENTS`] order: the bytes the server must end up with.
    pub files: Vec<Vec<u8>>,
}

/// Builds a passport dossier that passes every check and submits it.
///
/// Two ways: [`queue`](Self::queue) on a [`Core`] stores the applicant and three real (encrypted)
/// documents, as the app does; [`queue_in_store`](Self::queue_in_store) works on a bare
/// [`Store`] (e.g. in memory) with placeholder document ids, for tests of the dossier and sync
/// rows that never read a file.
#[derive(Debug, Clone, Default)]
pub struct ReadyPassport {
    person_id: Option<String>,
    files: Option<Vec<Vec<u8>>>,
    changes: Vec<(String, Value)>,
}

impl ReadyPassport {
    pub fn new() -> Self {
        Self::default()
    }

    /// The dossier belongs to this stored person (default: the synthetic applicant is added).
    pub fn person(mut self, person_id: &str) -> Self {
        self.person_id = Some(person_id.to_string());
        self
    }

    /// The attachments' bytes: portrait, ID card front, ID card back (default: three small
    /// JPEG-looking files).
    pub fn files(mut self, files: Vec<Vec<u8>>) -> Self {
        self.files = Some(files);
        self
    }

    /// One field different from [`passport_values`].
    pub fn value(mut self, field: &str, value: Value) -> Self {
        self.changes.push((field.to_string(), value));
        self
    }

    fn values(&self) -> Vec<(String, Value)> {
        let mut values = passport_values();
        values.extend(self.changes.iter().cloned());
        values
    }

    /// Fills an existing draft in `store`: every value, and the three components with
    /// placeholder documents (`doc-portrait`, … with a made-up hash).
    pub fn fill_in_store(&self, store: &Store, dossier_id: &str) -> Result<()> {
        let form = bundled_form(PASSPORT_FORM)?;
        dossier::set_fields(store, &form, dossier_id, &self.values())?;
        let sha = "ab".repeat(32);
        for (component, _) in PASSPORT_COMPONENTS {
            let document_id = format!("doc-{component}");
            dossier::attach(
                store,
                &form,
                dossier_id,
                &NewAttachment {
                    component,
                    document_id: &document_id,
                    sha256: &sha,
                    bytes: 1000,
                    prefilled: false,
                },
            )?;
        }
        Ok(())
    }

    /// A new draft in `store`, filled as [`fill_in_store`](Self::fill_in_store) does and
    /// submitted: the dossier is queued with its outbox row.
    pub fn queue_in_store(&self, store: &Store) -> Result<Queued> {
        let form = bundled_form(PASSPORT_FORM)?;
        let d = dossier::create(
            store,
            &form,
            self.person_id.as_deref(),
            None,
            &BTreeMap::new(),
        )?;
        self.fill_in_store(store, &d.id)?;
        let provinces: BTreeSet<String> = [PROVINCE.to_string()].into();
        dossier::submit(store, &form, &d.id, &dossier::context(provinces))
    }

    /// On `core`: the applicant (unless [`person`](Self::person) named one), the three files
    /// stored as their documents and attached, every value set, submitted.
    pub fn queue(&self, core: &Core) -> Result<QueuedPassport> {
        let person_id = match &self.person_id {
            Some(id) => id.clone(),
            None => core.add_person(&applicant())?.id,
        };
        let files = self.files.clone().unwrap_or_else(|| {
            (0..PASSPORT_COMPONENTS.len())
                .map(|i| jpeg_like(2_000, i as u8))
                .collect()
        });
        let store = core.store();
        let form = bundled_form(PASSPORT_FORM)?;
        let d = dossier::create(store, &form, Some(&person_id), None, &BTreeMap::new())?;
        dossier::set_fields(store, &form, &d.id, &self.values())?;
        let mut kept = Vec::with_capacity(files.len());
        for ((component, kind), bytes) in PASSPORT_COMPONENTS.into_iter().zip(&files) {
            let doc = core.store_document(&person_id, kind, bytes, &DocumentMeta::default())?;
            let stored = core.document(&doc)?;
            kept.push(core.read_document(&doc)?);
            dossier::attach(
                store,
                &form,
                &d.id,
                &NewAttachment {
                    component,
                    document_id: &doc.0,
                    sha256: &stored.sha256,
                    bytes: stored.size,
                    prefilled: false,
                },
            )?;
        }
        let queued = dossier::submit(
            store,
            &form,
            &d.id,
            &dossier::context(core.province_codes()),
        )?;
        Ok(QueuedPassport {
            person_id,
            queued,
            files: kept,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::MemorySecrets;

    #[test]
    fn the_store_fixture_is_queued_with_three_placeholder_attachments() {
        let store = Store::open_in_memory().unwrap();
        let q = ReadyPassport::new().queue_in_store(&store).unwrap();
        let d = dossier::get(&store, &q.dossier_id).unwrap();
        assert_eq!(d.state, dossier::DossierState::Queued);
        assert_eq!(d.attachments.len(), 3);
        assert_eq!(d.values["id_number"], json!(ID_NUMBER));
        assert_eq!(dossier::outbox_pending(&store).unwrap(), vec![q]);
    }

    #[test]
    fn the_files_are_the_bytes_the_document_store_kept() {
        let dir = tempfile::tempdir().unwrap();
        let core = Core::open_with(dir.path().into(), Box::new(MemorySecrets::default())).unwrap();
        let mut photo =
            crate::photo::synth::jpeg(&crate::photo::synth::card(64, 48, 0.5), 80, None);
        let image_len = photo.len();
        photo.extend_from_slice(b"vendor data after the image");
        let q = ReadyPassport::new()
            .files(vec![photo.clone(), jpeg_like(200, 2), jpeg_like(300, 3)])
            .queue(&core)
            .unwrap();
        // The trailer went on the way into the store; the fixture reports what was kept.
        assert_eq!(q.files[0].len(), image_len);
        assert_eq!(q.files[0][..], photo[..image_len]);
    }

    #[test]
    fn the_core_fixture_stores_the_files_as_the_applicants_documents() {
        let dir = tempfile::tempdir().unwrap();
        let core = Core::open_with(dir.path().into(), Box::new(MemorySecrets::default())).unwrap();
        let files = vec![jpeg_like(100, 1), jpeg_like(200, 2), jpeg_like(300, 3)];
        let q = ReadyPassport::new()
            .files(files.clone())
            .value("ethnicity", json!("Tày"))
            .queue(&core)
            .unwrap();
        let d = dossier::get(core.store(), &q.queued.dossier_id).unwrap();
        assert_eq!(d.applicant_id.as_deref(), Some(q.person_id.as_str()));
        assert_eq!(d.values["ethnicity"], json!("Tày"));
        let size_of = |component: &str| {
            d.attachments
                .iter()
                .find(|a| a.component == component)
                .map(|a| a.bytes)
        };
        assert_eq!(size_of("portrait"), Some(100));
        assert_eq!(size_of("cccd_front"), Some(200));
        assert_eq!(size_of("cccd_back"), Some(300));
        assert_eq!(q.files, files);
        // A second dossier for the same person adds no second person.
        ReadyPassport::new()
            .person(&q.person_id)
            .queue(&core)
            .unwrap();
        assert_eq!(core.list_people(None).unwrap().len(), 1);
    }
}
