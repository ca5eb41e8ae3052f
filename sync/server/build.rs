//! Embeds the procedure catalog the app bundles (`assets/catalog/procedures/*.json` and
//! `assets/catalog/forms/*.json`) so the console can name procedures, label form values and count
//! due dates: writes `$OUT_DIR/catalog_files.rs` with one `include_str!` per file.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let catalog = manifest_dir.join("../../assets/catalog");
    let mut code = String::new();
    for (name, sub) in [("PROCEDURE_FILES", "procedures"), ("FORM_FILES", "forms")] {
        let dir = catalog.join(sub);
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        paths.retain(|p| p.extension().and_then(|e| e.to_str()) == Some("json"));
        paths.sort();
        let _ = writeln!(code, "pub static {name}: &[(&str, &str)] = &[");
        for p in paths {
            println!("cargo:rerun-if-changed={}", p.display());
            let file = p
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            let abs = p.canonicalize().unwrap_or(p);
            let _ = writeln!(
                code,
                "    ({file:?}, include_str!({:?})),",
                abs.display().to_string()
            );
        }
        let _ = writeln!(code, "];");
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("catalog_files.rs");
    if let Err(e) = std::fs::write(&out, code) {
        panic!("cannot write {}: {e}", out.display());
    }
}
