//! A stored photo's plaintext bytes appear nowhere in the data directory.
#![allow(clippy::unwrap_used)]

use dvc_core::documents::{DocumentKind, DocumentMeta};
use dvc_core::secrets::MemorySecrets;
use dvc_core::Core;

const ID: &str = "092190007777";
const CARD: &str =
    "092190007777|111222333|Quách Thị Riêngtư|09091990|Nữ|Số 77 Hẻm Bímật, Phường Kínđáo|01012022";

#[test]
fn stored_photo_plaintext_is_nowhere_in_the_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open_with(dir.path().into(), Box::new(MemorySecrets::default())).unwrap();
    let p = core.add_person_from_cccd(CARD).unwrap();
    // A "photo" with a long distinctive pattern; any 32-byte window of it must not be on disk.
    let photo: Vec<u8> = (0..64 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let id = core
        .store_document(
            &p.id,
            DocumentKind::Portrait,
            &photo,
            &DocumentMeta::default(),
        )
        .unwrap();
    assert_eq!(core.read_document(&id).unwrap(), photo);
    core.store()
        .read(|c| c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);"))
        .unwrap();
    let probes: Vec<&[u8]> = (0..8).map(|k| &photo[k * 8000..k * 8000 + 32]).collect();
    let mut scanned = 0usize;
    let mut stack = vec![dir.path().to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                scanned += bytes.len();
                for probe in &probes {
                    assert!(
                        !bytes.windows(probe.len()).any(|w| w == *probe),
                        "plaintext found in {}",
                        path.display()
                    );
                }
                assert!(!bytes.windows(ID.len()).any(|w| w == ID.as_bytes()));
            }
        }
    }
    assert!(scanned > photo.len(), "the document was not written");
}
