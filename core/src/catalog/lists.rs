//! Option lists kept as catalog data, for e-form fields with `options_from`: the ethnic groups
//! (`ethnicities.json`), nationalities by ISO 3166-1 country code (`nationalities.json`) and the
//! commune-level units (xã, phường, đặc khu) of each province after 1 July 2025
//! (`communes.json`). The provinces themselves are `provinces.json` (see [`super::Refs`]).
//!
//! The files are embedded with the rest of the catalog and parsed once per process; what each
//! entry means and where it was taken from is in `assets/catalog/README.md`.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::bundle::CATALOG_FILES;
use super::CatalogError;

/// A data list a form field may draw its choices from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OptionList {
    Provinces,
    Ethnicities,
    Nationalities,
    /// The communes of one province (the field's `options_parent` holds the province code).
    Communes,
}

impl OptionList {
    pub const ALL: [OptionList; 4] = [
        Self::Provinces,
        Self::Ethnicities,
        Self::Nationalities,
        Self::Communes,
    ];

    /// The list an `options_from` value names.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Provinces => "provinces",
            Self::Ethnicities => "ethnicities",
            Self::Nationalities => "nationalities",
            Self::Communes => "communes",
        }
    }
}

/// One ethnic group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ethnicity {
    /// What a form stores (`kinh`, `tay` …).
    pub value: String,
    pub name: String,
    pub name_en: String,
    /// The General Statistics Office's code, where it was checked against the source.
    pub gso_code: Option<String>,
}

/// One country, by ISO 3166-1 alpha-2 code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Nationality {
    pub code: String,
    pub name: String,
    pub name_en: String,
}

/// One commune-level unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Commune {
    /// Official 5-digit code.
    pub code: String,
    /// Full name with its kind, e.g. "Phường Hoàn Kiếm", "Xã Mường Nhé", "Đặc khu Côn Đảo".
    pub name: String,
}

/// What kind of commune-level unit a name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommuneKind {
    Xa,
    Phuong,
    DacKhu,
}

impl Commune {
    /// The kind, from the name's first word(s); `None` for a name that has none of them.
    pub fn kind(&self) -> Option<CommuneKind> {
        if self.name.starts_with("Xã ") {
            Some(CommuneKind::Xa)
        } else if self.name.starts_with("Phường ") {
            Some(CommuneKind::Phuong)
        } else if self.name.starts_with("Đặc khu ") {
            Some(CommuneKind::DacKhu)
        } else {
            None
        }
    }
}

/// The communes of one province.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvinceCommunes {
    /// The province's `code` in `provinces.json` (`hanoi`).
    pub province: String,
    /// Official 2-digit code.
    pub code: String,
    pub communes: Vec<Commune>,
}

#[derive(Deserialize)]
struct EthnicityFile {
    ethnicities: Vec<Ethnicity>,
}

#[derive(Deserialize)]
struct NationalityFile {
    nationalities: Vec<Nationality>,
}

#[derive(Deserialize)]
struct CommuneFile {
    effective_from: String,
    provinces: Vec<ProvinceCommunes>,
}

/// The parsed lists.
#[derive(Debug)]
pub struct Lists {
    pub ethnicities: Vec<Ethnicity>,
    pub nationalities: Vec<Nationality>,
    /// The day the commune list applies from.
    pub communes_effective_from: String,
    pub communes: Vec<ProvinceCommunes>,
    /// Commune code → province code (`provinces.json`).
    commune_province: HashMap<String, String>,
}

/// One choice of a data list, as a form shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ListChoice {
    pub value: String,
    pub label: String,
    pub label_en: String,
    /// For a commune: the province code (`provinces.json`) it belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

fn parse<T: for<'de> Deserialize<'de>>(name: &str) -> Result<T, CatalogError> {
    let text = CATALOG_FILES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .ok_or_else(|| CatalogError::Missing {
            file: name.to_string(),
        })?;
    serde_json::from_str(text).map_err(|source| CatalogError::Parse {
        file: name.to_string(),
        source,
    })
}

fn load() -> Result<Lists, CatalogError> {
    let e: EthnicityFile = parse("ethnicities.json")?;
    let n: NationalityFile = parse("nationalities.json")?;
    let c: CommuneFile = parse("communes.json")?;
    let mut commune_province = HashMap::new();
    for p in &c.provinces {
        for x in &p.communes {
            if commune_province
                .insert(x.code.clone(), p.province.clone())
                .is_some()
            {
                return Err(CatalogError::Inconsistent {
                    reason: format!("communes.json: code {} twice", x.code),
                });
            }
        }
    }
    Ok(Lists {
        ethnicities: e.ethnicities,
        nationalities: n.nationalities,
        communes_effective_from: c.effective_from,
        communes: c.provinces,
        commune_province,
    })
}

/// The bundled lists, parsed once per process.
pub fn lists() -> Result<&'static Lists, CatalogError> {
    static LISTS: OnceLock<Result<Lists, String>> = OnceLock::new();
    LISTS
        .get_or_init(|| load().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|reason| CatalogError::Inconsistent {
            reason: reason.clone(),
        })
}

impl Lists {
    /// The province (code in `provinces.json`) of a commune code.
    pub fn commune_province(&self, commune: &str) -> Option<&str> {
        self.commune_province.get(commune).map(String::as_str)
    }

    /// Number of commune-level units.
    pub fn commune_count(&self) -> usize {
        self.commune_province.len()
    }

    /// Whether `value` is a choice of `list` (not provinces: those come from the catalog refs).
    /// For communes, `parent` (the chosen province) must be the commune's province when given.
    pub fn contains(&self, list: OptionList, value: &str, parent: Option<&str>) -> bool {
        match list {
            OptionList::Provinces => false,
            OptionList::Ethnicities => self.ethnicities.iter().any(|e| e.value == value),
            OptionList::Nationalities => self.nationalities.iter().any(|n| n.code == value),
            OptionList::Communes => match (self.commune_province(value), parent) {
                (Some(p), Some(want)) => p == want,
                (Some(_), None) => true,
                (None, _) => false,
            },
        }
    }

    /// The choices of a list, in file order (for communes: every province, each with its
    /// `parent`). Provinces are not here (see [`super::Refs`]).
    pub fn choices(&self, list: OptionList) -> Vec<ListChoice> {
        match list {
            OptionList::Provinces => Vec::new(),
            OptionList::Ethnicities => self
                .ethnicities
                .iter()
                .map(|e| ListChoice {
                    value: e.value.clone(),
                    label: e.name.clone(),
                    label_en: e.name_en.clone(),
                    parent: None,
                })
                .collect(),
            OptionList::Nationalities => self
                .nationalities
                .iter()
                .map(|n| ListChoice {
                    value: n.code.clone(),
                    label: n.name.clone(),
                    label_en: n.name_en.clone(),
                    parent: None,
                })
                .collect(),
            OptionList::Communes => self
                .communes
                .iter()
                .flat_map(|p| {
                    p.communes.iter().map(|c| ListChoice {
                        value: c.code.clone(),
                        label: c.name.clone(),
                        label_en: english_commune(&c.name),
                        parent: Some(p.province.clone()),
                    })
                })
                .collect(),
        }
    }

    /// The list value whose Vietnamese name is `name` (case and spacing ignored), e.g. a
    /// profile's free-text "Kinh" → `kinh`, "Việt Nam" → `VN`.
    pub fn value_by_name(&self, list: OptionList, name: &str) -> Option<String> {
        let want = name.trim().to_lowercase();
        if want.is_empty() {
            return None;
        }
        match list {
            OptionList::Ethnicities => self
                .ethnicities
                .iter()
                .find(|e| e.name.to_lowercase() == want || e.value == want)
                .map(|e| e.value.clone()),
            OptionList::Nationalities => self
                .nationalities
                .iter()
                .find(|n| n.name.to_lowercase() == want || n.code.to_lowercase() == want)
                .map(|n| n.code.clone()),
            OptionList::Provinces | OptionList::Communes => None,
        }
    }
}

/// "Phường Hoàn Kiếm" → "Hoan Kiem Ward" (the names keep their Vietnamese letters; only the
/// kind is translated).
fn english_commune(name: &str) -> String {
    for (prefix, kind) in [
        ("Xã ", "Commune"),
        ("Phường ", "Ward"),
        ("Đặc khu ", "Special Zone"),
    ] {
        if let Some(rest) = name.strip_prefix(prefix) {
            return format!("{rest} {kind}");
        }
    }
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_lists_parse_and_answer() {
        let l = lists().unwrap();
        assert_eq!(l.ethnicities.len(), 54);
        assert!(l.contains(OptionList::Ethnicities, "kinh", None));
        assert!(!l.contains(OptionList::Ethnicities, "Kinh", None));
        assert!(l.contains(OptionList::Nationalities, "VN", None));
        assert!(!l.contains(OptionList::Nationalities, "XX", None));
        // Phường Hoàn Kiếm is in Hà Nội, not in Huế.
        assert!(l.contains(OptionList::Communes, "00070", Some("hanoi")));
        assert!(!l.contains(OptionList::Communes, "00070", Some("hue")));
        assert!(!l.contains(OptionList::Communes, "99999", None));
        assert_eq!(l.commune_province("00070"), Some("hanoi"));
        assert_eq!(
            l.value_by_name(OptionList::Ethnicities, " kinh "),
            Some("kinh".into())
        );
        assert_eq!(
            l.value_by_name(OptionList::Nationalities, "Việt Nam"),
            Some("VN".into())
        );
        assert_eq!(l.value_by_name(OptionList::Nationalities, ""), None);
        let communes = l.choices(OptionList::Communes);
        assert_eq!(communes.len(), l.commune_count());
        let hk = communes.iter().find(|c| c.value == "00070").unwrap();
        assert_eq!(hk.label_en, "Hoàn Kiếm Ward");
        assert_eq!(hk.parent.as_deref(), Some("hanoi"));
    }

    #[test]
    fn list_names_round_trip() {
        for l in OptionList::ALL {
            assert_eq!(OptionList::parse(l.as_str()), Some(l));
        }
        assert_eq!(OptionList::parse("districts"), None);
    }
}
