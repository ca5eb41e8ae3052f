//! The catalog embedded at compile time (see `core/build.rs`), parsed into typed data.

use std::collections::HashSet;
use std::sync::OnceLock;

use serde::de::DeserializeOwned;

use super::model::{Manifest, Procedure, ProvinceSet, Synonym};
use super::{is_slug, CatalogError, Refs};

mod files {
    include!(concat!(env!("OUT_DIR"), "/bundled_assets.rs"));
}
pub(crate) use files::{CATALOG_FILES, GUIDE_FILES};

/// The parsed bundled catalog.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub manifest: Manifest,
    pub procedures: Vec<Procedure>,
    pub refs: Refs,
}

fn file(name: &str) -> Result<&'static str, CatalogError> {
    CATALOG_FILES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
        .ok_or_else(|| CatalogError::Missing {
            file: name.to_string(),
        })
}

fn parse<T: DeserializeOwned>(name: &str, text: &str) -> Result<T, CatalogError> {
    serde_json::from_str(text).map_err(|source| CatalogError::Parse {
        file: name.to_string(),
        source,
    })
}

/// Parses a catalog from a file lookup (the bundle, or test fixtures).
pub fn parse_catalog<'a>(
    lookup: impl Fn(&str) -> Result<&'a str, CatalogError>,
) -> Result<Bundle, CatalogError> {
    let bad = |reason: String| CatalogError::Inconsistent { reason };
    let manifest: Manifest = parse("manifest.json", lookup("manifest.json")?)?;
    let fields: Vec<super::Field> = parse("fields.json", lookup("fields.json")?)?;
    let agency_types: Vec<super::AgencyType> =
        parse("agency_types.json", lookup("agency_types.json")?)?;
    let synonyms: Vec<Synonym> = match lookup("synonyms.json") {
        Ok(t) => parse("synonyms.json", t)?,
        Err(CatalogError::Missing { .. }) => Vec::new(),
        Err(e) => return Err(e),
    };
    let provinces: Option<ProvinceSet> = match lookup("provinces.json") {
        Ok(t) => Some(parse("provinces.json", t)?),
        Err(CatalogError::Missing { .. }) => None,
        Err(e) => return Err(e),
    };
    let field_ids: HashSet<&str> = fields.iter().map(|f| f.id.as_str()).collect();
    let mut procedures = Vec::with_capacity(manifest.procedures.len());
    for id in &manifest.procedures {
        if !is_slug(id) {
            return Err(bad(format!("manifest lists `{id}`, not a slug")));
        }
        let name = format!("procedures/{id}.json");
        let p: Procedure = parse(&name, lookup(&name)?)?;
        if &p.id != id {
            return Err(bad(format!("{name} has id `{}`", p.id)));
        }
        if !field_ids.contains(p.field.as_str()) {
            return Err(bad(format!("{name}: unknown field `{}`", p.field)));
        }
        procedures.push(p);
    }
    Ok(Bundle {
        manifest,
        procedures,
        refs: Refs {
            fields,
            agency_types,
            provinces,
            synonyms,
        },
    })
}

/// The bundled catalog, parsed once per process.
pub fn bundled() -> Result<&'static Bundle, CatalogError> {
    static BUNDLE: OnceLock<Result<Bundle, String>> = OnceLock::new();
    BUNDLE
        .get_or_init(|| parse_catalog(file).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|reason| CatalogError::Inconsistent {
            reason: reason.clone(),
        })
}
