use super::*;
use crate::people::PersonInput;
use crate::secrets::MemorySecrets;

fn core() -> (tempfile::TempDir, Core) {
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open_with(dir.path().into(), Box::new(MemorySecrets::default())).unwrap();
    (dir, core)
}

fn person(core: &Core, name: &str) -> String {
    core.add_person(&PersonInput {
        full_name: name.into(),
        ..PersonInput::default()
    })
    .unwrap()
    .id
}

#[test]
fn store_read_roundtrip_is_encrypted_and_content_addressed() {
    let (dir, core) = core();
    let pid = person(&core, "Kim Mẫu");
    let bytes = b"\xff\xd8\xff synthetic jpeg-ish bytes DISTINCTIVE-DOC-MARKER".to_vec();
    let id = core
        .store_document(
            &pid,
            DocumentKind::Portrait,
            &bytes,
            &DocumentMeta::default(),
        )
        .unwrap();
    assert_eq!(core.read_document(&id).unwrap(), bytes);
    let doc = core.document(&id).unwrap();
    assert_eq!(doc.media_type, "image/jpeg");
    assert_eq!(doc.sha256, hex::encode(Sha256::digest(&bytes)));
    let file = dir.path().join(DOC_DIR).join(&doc.sha256);
    let raw = std::fs::read(&file).unwrap();
    assert!(raw.starts_with(MAGIC));
    assert!(!raw.windows(10).any(|w| w == b"DISTINCTIV"));
    // Same bytes for another person: a second row, one file.
    let other = person(&core, "Kim Khác");
    let id2 = core
        .store_document(
            &other,
            DocumentKind::Other,
            &bytes,
            &DocumentMeta::default(),
        )
        .unwrap();
    assert_ne!(id, id2);
    let files = std::fs::read_dir(dir.path().join(DOC_DIR)).unwrap().count();
    assert_eq!(files, 1);
    // Deleting one person keeps the file the other still uses.
    let r = core.delete_person(&pid, true).unwrap();
    assert_eq!(
        r,
        crate::people::DeleteReport {
            documents_deleted: 1,
            files_deleted: 0,
            dossiers_deleted: 0,
        }
    );
    assert_eq!(core.read_document(&id2).unwrap(), bytes);
    let r = core.delete_person(&other, true).unwrap();
    assert_eq!(r.files_deleted, 1);
    assert!(!file.exists());
    assert_eq!(core.read_document(&id2).unwrap_err().code(), "not_found");
}

#[test]
fn tampered_or_renamed_files_fail_clearly() {
    let (dir, core) = core();
    let pid = person(&core, "Lý Mẫu");
    let id = core
        .store_document(
            &pid,
            DocumentKind::CccdFront,
            b"front",
            &DocumentMeta::default(),
        )
        .unwrap();
    let doc = core.document(&id).unwrap();
    let path = dir.path().join(DOC_DIR).join(&doc.sha256);
    let mut raw = std::fs::read(&path).unwrap();
    let last = raw.len() - 1;
    raw[last] ^= 1;
    std::fs::write(&path, &raw).unwrap();
    let e = core.read_document(&id).unwrap_err();
    assert_eq!(e.code(), "document_error", "{e}");
}

#[test]
fn bad_documents_are_refused_and_nothing_is_written() {
    let (dir, core) = core();
    let pid = person(&core, "Mai Mẫu");
    let meta = DocumentMeta::default();
    let e = core
        .store_document(&pid, DocumentKind::Other, b"", &meta)
        .unwrap_err();
    assert_eq!(e.message_key(), "documents.empty");
    let big = vec![0u8; MAX_DOCUMENT_BYTES + 1];
    let e = core
        .store_document(&pid, DocumentKind::Other, &big, &meta)
        .unwrap_err();
    assert_eq!(e.message_key(), "documents.too_large");
    let bad_dates = DocumentMeta {
        issue_date: Some("2024-01-01".into()),
        expiry_date: Some("2023-01-01".into()),
    };
    let e = core
        .store_document(&pid, DocumentKind::Passport, b"x", &bad_dates)
        .unwrap_err();
    assert_eq!(e.message_key(), "documents.expiry_before_issue");
    let missing = uuid::Uuid::now_v7().to_string();
    let e = core
        .store_document(&missing, DocumentKind::Other, b"x", &meta)
        .unwrap_err();
    assert_eq!(e.code(), "not_found");
    assert!(
        !dir.path().join(DOC_DIR).exists()
            || std::fs::read_dir(dir.path().join(DOC_DIR)).unwrap().count() == 0
    );
    assert!(DocumentKind::parse("selfie").is_err());
}

#[test]
fn key_is_kept_in_the_keystore_across_opens() {
    let dir = tempfile::tempdir().unwrap();
    let opts = crate::OpenOptions {
        data_dir: dir.path().into(),
        keystore: crate::secrets::KeystoreKind::File,
    };
    let core = Core::open(&opts).unwrap();
    let pid = person(&core, "Tô Mẫu");
    let id = core
        .store_document(&pid, DocumentKind::Other, b"kept", &DocumentMeta::default())
        .unwrap();
    drop(core);
    let core = Core::open(&opts).unwrap();
    assert_eq!(core.read_document(&id).unwrap(), b"kept");
    assert!(core.secrets().get(DOC_KEY_NAME).unwrap().is_some());
}

#[test]
fn document_dates_can_be_set_changed_and_cleared() {
    let (_dir, core) = core();
    let pid = person(&core, "Hà Mẫu");
    let id = core
        .store_document(&pid, DocumentKind::Passport, b"p", &DocumentMeta::default())
        .unwrap();
    let doc = core
        .set_document_dates(
            &id,
            &DocumentMeta {
                issue_date: Some("2021-07-15".into()),
                expiry_date: Some("2031-07-15".into()),
            },
        )
        .unwrap();
    assert_eq!(doc.issue_date.unwrap().to_string(), "2021-07-15");
    assert_eq!(doc.expiry_date.unwrap().to_string(), "2031-07-15");
    // Rejected changes leave the stored dates alone.
    let e = core
        .set_document_dates(
            &id,
            &DocumentMeta {
                issue_date: Some("2031-07-16".into()),
                expiry_date: Some("2031-07-15".into()),
            },
        )
        .unwrap_err();
    assert_eq!(e.message_key(), "documents.expiry_before_issue");
    let e = core
        .set_document_dates(
            &id,
            &DocumentMeta {
                issue_date: Some("15/07/2021".into()),
                expiry_date: None,
            },
        )
        .unwrap_err();
    assert!(matches!(e, CoreError::Invalid { ref field, .. } if field == "issue_date"));
    assert_eq!(
        core.document(&id).unwrap().issue_date.unwrap().to_string(),
        "2021-07-15"
    );
    // Empty clears.
    let doc = core
        .set_document_dates(
            &id,
            &DocumentMeta {
                issue_date: Some(" ".into()),
                expiry_date: None,
            },
        )
        .unwrap();
    assert!(doc.issue_date.is_none() && doc.expiry_date.is_none());
    let missing = DocumentId(uuid::Uuid::now_v7().to_string());
    let e = core
        .set_document_dates(&missing, &DocumentMeta::default())
        .unwrap_err();
    assert_eq!(e.code(), "not_found");
}

fn file_core(dir: &std::path::Path) -> Result<Core> {
    Core::open_with(
        dir.into(),
        Box::new(crate::secrets::FileSecrets::new(dir.join("keys"))),
    )
}

fn keys(dir: &std::path::Path) -> crate::secrets::FileSecrets {
    crate::secrets::FileSecrets::new(dir.join("keys"))
}

#[test]
fn the_key_is_made_at_open_and_never_silently_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let core = file_core(dir.path()).unwrap();
    assert!(
        keys(dir.path()).get(DOC_KEY_NAME).unwrap().is_some(),
        "made when the data directory is opened, not at the first document"
    );
    let pid = person(&core, "Lò Mẫu");
    let id = core
        .store_document(
            &pid,
            DocumentKind::Other,
            b"giay to",
            &DocumentMeta::default(),
        )
        .unwrap();
    let sha = core.document(&id).unwrap().sha256;
    drop(core);

    // The key is lost (another keystore, a wiped keychain): opening says so and changes nothing.
    keys(dir.path()).delete(DOC_KEY_NAME).unwrap();
    let err = file_core(dir.path()).unwrap_err();
    assert_eq!(err.code(), "doc_key_missing", "{err}");
    assert_eq!(err.message_key(), "errors.db_locked");
    assert!(err.to_string().contains("DVC_KEYSTORE"), "{err}");
    assert!(keys(dir.path()).get(DOC_KEY_NAME).unwrap().is_none());
    assert!(dir.path().join(DOC_DIR).join(&sha).exists());

    // A document file without any row (the row never committed) also needs its key.
    let other = tempfile::tempdir().unwrap();
    drop(file_core(other.path()).unwrap());
    keys(other.path()).delete(DOC_KEY_NAME).unwrap();
    std::fs::create_dir_all(other.path().join(DOC_DIR)).unwrap();
    std::fs::write(other.path().join(DOC_DIR).join("ab".repeat(32)), b"x").unwrap();
    assert_eq!(
        file_core(other.path()).unwrap_err().code(),
        "doc_key_missing"
    );
    // A leftover temporary file alone does not count.
    std::fs::remove_file(other.path().join(DOC_DIR).join("ab".repeat(32))).unwrap();
    std::fs::write(other.path().join(DOC_DIR).join("x.tmp-1"), b"x").unwrap();
    assert!(file_core(other.path()).is_ok());
}

#[test]
fn concurrent_opens_make_one_key() {
    let dir = tempfile::tempdir().unwrap();
    let pid = {
        let core = file_core(dir.path()).unwrap();
        person(&core, "Hà Mẫu")
    };
    // No document yet, no key: every open below may be the one to make it.
    keys(dir.path()).delete(DOC_KEY_NAME).unwrap();
    let ids: Vec<DocumentId> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..6u8)
            .map(|n| {
                let (d, pid) = (dir.path(), pid.clone());
                s.spawn(move || {
                    let core = file_core(d).unwrap();
                    core.store_document(
                        &pid,
                        DocumentKind::Other,
                        &[b'd', b'o', b'c', n],
                        &DocumentMeta::default(),
                    )
                    .unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let core = file_core(dir.path()).unwrap();
    for (n, id) in ids.iter().enumerate() {
        assert_eq!(
            core.read_document(id).unwrap(),
            [b'd', b'o', b'c', n as u8],
            "document {n} was encrypted under another key"
        );
    }
}

#[test]
fn papers_are_stored_without_gps_and_keep_their_orientation() {
    use crate::photo::synth;
    let (_dir, core) = core();
    let pid = person(&core, "Vi Mẫu");
    let photo = synth::jpeg(&synth::card(400, 260, 0.8), 85, Some(6));
    assert!(photo.windows(11).any(|w| w == b"GPSLatitude"));
    let id = core
        .store_document(
            &pid,
            DocumentKind::CccdFront,
            &photo,
            &DocumentMeta::default(),
        )
        .unwrap();
    let stored = core.read_document(&id).unwrap();
    let doc = core.document(&id).unwrap();
    assert_eq!(doc.sha256, hex::encode(Sha256::digest(&stored)));
    assert_eq!(doc.size, stored.len() as i64);
    assert!(stored.len() < photo.len());
    assert_eq!(
        metadata::strip(&stored),
        std::borrow::Cow::Borrowed(&stored[..])
    );
    // One EXIF block is left, too small for anything but the orientation tag (no GPS IFD).
    let exif: Vec<usize> = (0..stored.len() - 6)
        .filter(|&k| &stored[k..k + 6] == b"Exif\0\0")
        .collect();
    assert_eq!(exif.len(), 1);
    let seg_len = u16::from_be_bytes([stored[exif[0] - 2], stored[exif[0] - 1]]);
    assert_eq!(seg_len, 2 + 6 + 8 + 2 + 12 + 4);
    for gone in [&b"GPSLatitude"[..], b"SYNTHETIC-COMMENT-MARKER", b"xmpmeta"] {
        assert!(!stored.windows(gone.len()).any(|w| w == gone));
    }
    assert_eq!(
        crate::photo::decode::header(&stored).unwrap().orientation,
        6
    );
    // The agency's result file is kept exactly as issued.
    let result = core
        .store_document(&pid, DocumentKind::Result, &photo, &DocumentMeta::default())
        .unwrap();
    assert_eq!(core.read_document(&result).unwrap(), photo);
}
