//! The volunteer's side, read back: every bundle made for a person (their files leave the phone
//! once the hand-off is confirmed). The latest one and where it stands is
//! [`Core::handoff_status`] (in [`super::relay`]). Ids only.

use crate::error::Result;
use crate::people::parse_id;
use crate::Core;

impl Core {
    /// The ids of every bundle made for the person on this phone, oldest first (for removing
    /// their files once the hand-off is confirmed).
    pub fn handoff_bundle_ids(&self, person_id: &str) -> Result<Vec<String>> {
        let pid = parse_id(person_id, "person")?;
        self.store().read(|c| {
            let mut st =
                c.prepare("SELECT bundle_id FROM handoffs WHERE person_id = ?1 ORDER BY rowid")?;
            let rows = st.query_map([&pid], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::documents::{DocumentKind, DocumentMeta};
    use crate::secrets::MemorySecrets;
    use crate::test_support::{applicant, jpeg_like};
    use crate::Core;

    #[test]
    fn the_latest_bundle_and_its_confirmation() {
        let dir = tempfile::tempdir().unwrap();
        let core = Core::open_with(dir.path().into(), Box::new(MemorySecrets::default())).unwrap();
        let person = core.add_person(&applicant()).unwrap().id;
        assert_eq!(core.handoff_status(&person).unwrap(), None, "none made yet");
        core.store_document(
            &person,
            DocumentKind::BirthCertificate,
            &[b"%PDF-1.4 synthetic ".as_slice(), &jpeg_like(200, 3)].concat(),
            &DocumentMeta::default(),
        )
        .unwrap();
        let first = core.handoff_export(&person).unwrap().summary;
        let second = core.handoff_export(&person).unwrap().summary;
        let s = core.handoff_status(&person).unwrap().unwrap();
        assert_eq!(s.bundle_id, second.bundle_id, "the latest one");
        assert_eq!(
            core.handoff_bundle_ids(&person).unwrap(),
            [first.bundle_id.clone(), second.bundle_id.clone()]
        );
        assert_ne!(s.bundle_id, first.bundle_id);
        assert_eq!((s.documents, s.dossiers, s.bytes), (1, 0, second.bytes));
        assert_eq!(s.confirmed_at, None);
        let c = core.handoff_confirm(&person).unwrap();
        let s = core.handoff_status(&person).unwrap().unwrap();
        assert_eq!(s.confirmed_at.as_deref(), Some(c.confirmed_at.as_str()));
        // Gone with the person.
        core.delete_person(&person, true).unwrap();
        assert!(core.handoff_status(&person).is_err());
        assert!(core.handoff_status("not-an-id").is_err());
    }
}
