//! Typed catalog data, exactly as `assets/catalog/schema/*.schema.json` describes it.

use serde::{Deserialize, Serialize};

/// `manifest.json`: the catalog version and the procedure files it contains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub catalog_version: String,
    pub verified_at: String,
    pub procedures: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Commune,
    Province,
    Ministry,
    Other,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Commune => "commune",
            Self::Province => "province",
            Self::Ministry => "ministry",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Commune, Self::Province, Self::Ministry, Self::Other]
            .into_iter()
            .find(|l| l.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceLevel {
    Full,
    Partial,
}

impl ServiceLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Partial => "partial",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Full, Self::Partial]
            .into_iter()
            .find(|l| l.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    Original,
    Copy,
    CertifiedCopy,
    OriginalOrCopy,
    Electronic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhotoProfile {
    #[serde(rename = "portrait_4x6")]
    Portrait4x6,
    CccdFront,
    CccdBack,
    Document,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeeStatus {
    Paid,
    Free,
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    InPerson,
    Online,
    Any,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    Online,
    InPerson,
    Postal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub text: String,
    pub text_en: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    pub name: String,
    pub name_en: String,
    pub form: Form,
    pub count: u32,
    pub required: bool,
    pub photo_profile: Option<PhotoProfile>,
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note_en: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessingTime {
    pub text: String,
    pub text_en: String,
    pub working_days: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeItem {
    pub channel: Channel,
    pub amount_vnd: Option<i64>,
    pub text: String,
    pub text_en: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fees {
    pub status: FeeStatus,
    pub items: Vec<FeeItem>,
    pub basis: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub title: String,
    pub url: String,
}

/// One administrative procedure (`procedures/<id>.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Procedure {
    pub id: String,
    pub code: Option<String>,
    pub name: String,
    pub name_en: String,
    pub aliases: Vec<String>,
    pub field: String,
    pub level: Level,
    pub agency_type: String,
    pub service_level: ServiceLevel,
    pub popular: Option<u32>,
    pub summary: String,
    pub summary_en: String,
    pub who: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub who_en: Option<String>,
    pub steps: Vec<Step>,
    pub components: Vec<Component>,
    pub processing_time: ProcessingTime,
    pub fees: Fees,
    pub delivery: Vec<Delivery>,
    #[serde(rename = "where")]
    pub where_: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub where_en: Option<String>,
    pub legal_basis: Vec<String>,
    pub source: Vec<Source>,
    pub verified_at: String,
    #[serde(default)]
    pub online_form: Option<serde_json::Value>,
    pub linked: Option<Vec<String>>,
}

/// `fields.json` entry (lĩnh vực).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub id: String,
    pub name_vi: String,
    pub name_en: String,
}

/// `agency_types.json` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgencyType {
    pub id: String,
    pub name_vi: String,
    pub name_en: String,
    pub level: Level,
}

/// `synonyms.json` entry: a group of equivalent terms, or a one-way rewrite `from` → `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Synonym {
    Group { terms: Vec<String> },
    OneWay { from: String, to: Vec<String> },
}

/// `provinces.json`: the provinces/cities in force from `effective_from`, versioned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvinceSet {
    pub version: String,
    pub effective_from: String,
    pub source: Vec<Source>,
    pub provinces: Vec<Province>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProvinceKind {
    City,
    Province,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Province {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub kind: ProvinceKind,
    pub merged_from: Vec<String>,
    pub old_id_codes: Vec<String>,
}

/// `assets/guides/index.json`: guide ids in display order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuideIndex {
    pub version: String,
    pub guides: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    Citizen,
    Volunteer,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuideStep {
    pub text: String,
    pub text_en: String,
    /// Path relative to `assets/guides/` (`img/<name>.svg`).
    pub image: Option<String>,
    #[serde(default)]
    pub image_alt: Option<String>,
    #[serde(default)]
    pub image_alt_en: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuideTip {
    pub text: String,
    pub text_en: String,
}

/// One how-to guide (`assets/guides/<id>.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Guide {
    pub id: String,
    pub title: String,
    pub title_en: String,
    pub audience: Audience,
    pub summary: String,
    pub summary_en: String,
    pub cover: Option<String>,
    pub steps: Vec<GuideStep>,
    #[serde(default)]
    pub tips: Vec<GuideTip>,
    #[serde(default)]
    pub related_procedures: Vec<String>,
    pub source: Vec<Source>,
    pub verified_at: String,
}
