//! Helper process for the autosave kill test: writes field changes to one draft in a loop, the
//! way the UI's autosave does (one small transaction per change), and prints each change only
//! after the store acknowledged it: `<n> <revision>`. The test kills it with SIGKILL at random
//! moments and then checks that every acknowledged change is in the database.
//!
//! Usage: autosave-writer <data-dir> [<dossier-id> <first-n>]   (DVC_KEYSTORE=file)
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use dvc_core::dossier::{self, form};
use dvc_core::secrets::KeystoreKind;
use dvc_core::{Core, OpenOptions};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("autosave-writer: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(
        args.next()
            .ok_or("usage: autosave-writer <data-dir> [id n]")?,
    );
    let core = Core::open(&OpenOptions {
        data_dir: dir,
        keystore: KeystoreKind::File,
    })?;
    let form = form::bundled_form("passport-domestic")?;
    let mut out = std::io::stdout().lock();
    let (id, mut n) = match (args.next(), args.next()) {
        (Some(id), Some(n)) => (id, n.parse::<u64>()?),
        _ => {
            let d = dossier::create(core.store(), &form, None, None, &BTreeMap::new())?;
            writeln!(out, "id {}", d.id)?;
            out.flush()?;
            (d.id, 1)
        }
    };
    // Alternate between two fields and a two-field change, as typing in a form does.
    loop {
        let v = serde_json::Value::String(format!("v{n}"));
        let changes = match n % 3 {
            0 => vec![("religion".to_string(), v)],
            1 => vec![("occupation".to_string(), v)],
            _ => vec![
                ("religion".to_string(), v.clone()),
                ("workplace".to_string(), v),
            ],
        };
        let rev = dossier::set_fields(core.store(), &form, &id, &changes)?;
        writeln!(out, "{n} {rev}")?;
        out.flush()?;
        n += 1;
    }
}
