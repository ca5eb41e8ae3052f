//! Embeds the bundled catalog (`assets/catalog/**`) and guides (`assets/guides/**`) at compile time:
//! writes `$OUT_DIR/bundled_assets.rs` with one `include_str!` per file, so adding a data file needs
//! no code change.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, base: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            collect(&p, base, out);
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("json" | "svg" | "md")
        ) {
            println!("cargo:rerun-if-changed={}", p.display());
            if let Ok(rel) = p.strip_prefix(base) {
                let rel = rel.to_string_lossy().replace('\\', "/");
                out.push((rel, p.clone()));
            }
        }
    }
}

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let assets = manifest_dir.join("../assets");
    let mut code = String::new();
    for (name, sub) in [("CATALOG_FILES", "catalog"), ("GUIDE_FILES", "guides")] {
        let base = assets.join(sub);
        let mut files = Vec::new();
        collect(&base, &base, &mut files);
        println!("cargo:rerun-if-changed={}", base.display());
        let _ = writeln!(code, "pub static {name}: &[(&str, &str)] = &[");
        for (rel, path) in files {
            let abs = path.canonicalize().unwrap_or(path);
            let _ = writeln!(
                code,
                "    ({rel:?}, include_str!({:?})),",
                abs.display().to_string()
            );
        }
        let _ = writeln!(code, "];");
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("bundled_assets.rs");
    if let Err(e) = std::fs::write(&out, code) {
        panic!("cannot write {}: {e}", out.display());
    }
}
