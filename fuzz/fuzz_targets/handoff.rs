//! The hand-off bundle import (`Core::handoff_import`: size limits, header, key string, bundle id
//! and key check, authentication, then the description's JSON and every rule on it, the papers'
//! bytes) on a throwaway phone (a data folder in a temp dir, secrets in memory).
//!
//! Input, first byte = mode:
//! - even: `[key length: u8][key string][bundle file]` — header parsing, wrong/garbled keys and
//!   damaged files (a seed holds a real bundle with the key it was made with);
//! - odd: `[meta length: u32 BE][description JSON][papers' bytes]`, sealed here with a fixed
//!   synthetic key, so the fuzzer reaches the payload rules behind the authentication; with bit 1
//!   set the import is given a wrong key for that bundle instead.
//!
//! With `DVC_FUZZ_WRITE_SEEDS=<dir>` the target first writes seeds for both modes there: a real
//! bundle made by `Core::handoff_export` (synthetic person, one paper, one draft).
#![no_main]

use std::cell::RefCell;

use dvc_core::documents::{DocumentKind, DocumentMeta};
use dvc_core::handoff::bundle::{self, BundleKey};
use dvc_core::secrets::MemorySecrets;
use dvc_core::Core;
use libfuzzer_sys::fuzz_target;

/// A synthetic key (bundle id 0x11…, key 0x22…) and a wrong key for the same bundle id.
const KEY: &str = "DVCH1.EREREREREREREREREREREQ.IiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiI";
const WRONG_KEY: &str = "DVCH1.EREREREREREREREREREREQ.MzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzM";

struct Phone {
    core: Core,
    _dir: tempfile::TempDir,
}

fn phone() -> Phone {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("temp dir: {e}"),
    };
    match Core::open_with(dir.path().into(), Box::new(MemorySecrets::default())) {
        Ok(core) => Phone { core, _dir: dir },
        Err(e) => panic!("opening a fresh phone: {e}"),
    }
}

thread_local! {
    static PHONE: RefCell<Option<Phone>> = const { RefCell::new(None) };
}

fn write_seeds(dir: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    use dvc_core::photo::synth;
    let p = phone();
    let person = p.core.add_person(&dvc_core::test_support::applicant())?.id;
    let photo = synth::jpeg(&synth::portrait(60, 90, Default::default()), 70, Some(6));
    p.core.store_document(
        &person,
        DocumentKind::Portrait,
        &photo,
        &DocumentMeta {
            issue_date: Some("2025-04-01".into()),
            expiry_date: None,
        },
    )?;
    let draft = p
        .core
        .draft_new(dvc_core::test_support::PASSPORT_FORM, Some(&person))?
        .id;
    p.core.draft_set(
        &draft,
        &[("request_type".into(), serde_json::json!("first"))],
    )?;
    let b = p.core.handoff_export(&person)?;
    std::fs::create_dir_all(dir)?;
    let key = b.summary.key.as_bytes();
    let mut raw = vec![0u8, u8::try_from(key.len())?];
    raw.extend_from_slice(key);
    raw.extend_from_slice(&b.file);
    std::fs::write(dir.join("seed-bundle"), &raw)?;
    let plain = bundle::open(&b.file, &BundleKey::parse(&b.summary.key)?)?;
    for (name, mode) in [("seed-plain", 1u8), ("seed-plain-wrong-key", 3u8)] {
        let mut out = vec![mode];
        out.extend_from_slice(&u32::try_from(plain.meta().len())?.to_be_bytes());
        out.extend_from_slice(plain.meta());
        out.extend_from_slice(plain.blobs());
        std::fs::write(dir.join(name), &out)?;
    }
    Ok(())
}

fn import(file: &[u8], key: &str) {
    PHONE.with(|cell| {
        let mut slot = cell.borrow_mut();
        let p = slot.get_or_insert_with(phone);
        if let Ok(got) = p.core.handoff_import(file, key) {
            if got.imported {
                let people = match p.core.list_people(None) {
                    Ok(list) => list,
                    Err(e) => panic!("listing people after an import: {e}"),
                };
                assert!(
                    people.iter().any(|x| x.id == got.person_id),
                    "imported person {} is not on the phone",
                    got.person_id
                );
                // A fresh phone for the next input, so each input is judged alone.
                *slot = None;
            }
        }
    });
}

fuzz_target!(
    init: {
        if let Some(dir) = std::env::var_os("DVC_FUZZ_WRITE_SEEDS") {
            if let Err(e) = write_seeds(std::path::Path::new(&dir)) {
                panic!("writing seeds: {e}");
            }
        }
    },
    |data: &[u8]| {
        let Some((&mode, rest)) = data.split_first() else {
            return;
        };
        if mode & 1 == 0 {
            let Some((&n, rest)) = rest.split_first() else {
                return;
            };
            let n = usize::from(n).min(rest.len());
            let (key, file) = rest.split_at(n);
            import(file, &String::from_utf8_lossy(key));
        } else {
            if rest.len() < 4 {
                return;
            }
            let (len, rest) = rest.split_at(4);
            let n = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
            let (meta, blobs) = rest.split_at(n.min(rest.len()));
            let Ok(key) = BundleKey::parse(KEY) else {
                panic!("the fixed key does not parse");
            };
            let file = match bundle::seal(&key, meta, &[blobs]) {
                Ok(f) => f,
                Err(_) => return,
            };
            import(&file, if mode & 2 == 0 { KEY } else { WRONG_KEY });
        }
    }
);
