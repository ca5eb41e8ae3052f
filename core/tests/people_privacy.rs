//! Personal data stays out of logs. The only test in this binary: `tracing` caches per call site
//! whether anyone listens, so a test running in parallel without the capturing subscriber could
//! hide events from it.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use dvc_core::documents::{DocumentKind, DocumentMeta};
use dvc_core::people::PersonInput;
use dvc_core::secrets::MemorySecrets;
use dvc_core::Core;

const ID: &str = "092190007777";
const NAME: &str = "Quách Thị Riêngtư";
const PHONE: &str = "0987654321";
const ADDRESS: &str = "Số 77 Hẻm Bímật, Phường Kínđáo";
const CARD: &str =
    "092190007777|111222333|Quách Thị Riêngtư|09091990|Nữ|Số 77 Hẻm Bímật, Phường Kínđáo|01012022";

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn no_personal_data_in_logs_at_trace_level() {
    let buf = Buf::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        let dir = tempfile::tempdir().unwrap();
        let core = Core::open_with(dir.path().into(), Box::new(MemorySecrets::default())).unwrap();
        let p = core.add_person_from_cccd(CARD).unwrap();
        let mut edit = PersonInput {
            full_name: p.full_name.clone(),
            id_number: p.id_number.clone(),
            phone: Some(PHONE.into()),
            current_address: Some(ADDRESS.into()),
            ..PersonInput::default()
        };
        core.update_person(&p.id, &edit).unwrap();
        let doc = core
            .store_document(
                &p.id,
                DocumentKind::CccdFront,
                b"front-photo-bytes",
                &DocumentMeta::default(),
            )
            .unwrap();
        core.read_document(&doc).unwrap();
        core.list_people(Some("quach")).unwrap();
        core.list_people(Some(ID)).unwrap();
        core.person(&p.id).unwrap();
        let h = core.add_household("Hộ Quách", Some(ADDRESS)).unwrap();
        core.set_household_member(&h.id, &p.id, dvc_core::people::Relation::Head)
            .unwrap();
        // Failures too: a bad phone, a duplicate card.
        edit.phone = Some("01".into());
        assert!(core.update_person(&p.id, &edit).is_err());
        assert!(core.add_person_from_cccd(CARD).is_err());
        core.delete_person(&p.id, true).unwrap();
    });
    let logs = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("person added"),
        "logs were not captured: {logs}"
    );
    assert!(logs.contains("person deleted"));
    for secret in [
        ID,
        "111222333",
        NAME,
        "Quách",
        "Riêngtư",
        PHONE,
        "987654321",
        ADDRESS,
        "Bímật",
        "front-photo-bytes",
    ] {
        assert!(
            !logs.contains(secret),
            "`{secret}` appears in the logs:\n{logs}"
        );
    }
}
