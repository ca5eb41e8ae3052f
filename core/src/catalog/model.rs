//! Typed catalog data, exactly as `assets/catalog/schema/*.schema.json` describes it.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::macros::format_description;
use time::Date;

/// `manifest.json`: the catalog version and the procedure files it contains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub catalog_version: String,
    pub verified_at: String,
    pub procedures: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
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
#[cfg_attr(feature = "specta", derive(specta::Type))]
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
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Form {
    Original,
    Copy,
    CertifiedCopy,
    OriginalOrCopy,
    Electronic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum PhotoProfile {
    #[serde(rename = "portrait_4x6")]
    Portrait4x6,
    CccdFront,
    CccdBack,
    Document,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum FeeStatus {
    Paid,
    Free,
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
// The TypeScript name (the bindings' runtime has its own `Channel`); JSON is unchanged.
#[cfg_attr(feature = "specta", serde(rename = "FeeChannel"))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    InPerson,
    Online,
    Any,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    Online,
    InPerson,
    Postal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub text: String,
    pub text_en: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
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
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct ProcessingTime {
    pub text: String,
    pub text_en: String,
    pub working_days: Option<f64>,
}

/// A calendar day in the catalog (`YYYY-MM-DD` in JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CatalogDate(pub Date);

impl CatalogDate {
    /// Parses a strict `YYYY-MM-DD` day.
    pub fn parse(s: &str) -> Option<Self> {
        if s.len() != 10 {
            return None;
        }
        Date::parse(s, format_description!("[year]-[month]-[day]"))
            .ok()
            .map(Self)
    }
}

impl fmt::Display for CatalogDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        write!(
            f,
            "{:04}-{:02}-{:02}",
            d.year(),
            u8::from(d.month()),
            d.day()
        )
    }
}

impl Serialize for CatalogDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CatalogDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!("`{s}` is not a YYYY-MM-DD calendar date"))
        })
    }
}

/// Where one fact of a procedure comes from: checked against a page on a day, or not checked
/// (the app then says «cần kiểm tra tại cơ quan» — check with the agency).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case", deny_unknown_fields)]
pub enum FactCheck {
    Verified {
        source: String,
        #[cfg_attr(feature = "specta", specta(type = String))]
        verified_at: CatalogDate,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    Unverified {
        reason: String,
    },
}

impl FactCheck {
    pub fn is_verified(&self) -> bool {
        matches!(self, Self::Verified { .. })
    }
}

/// The provenance of each fact of a procedure (see [`FactCheck`]).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Facts {
    /// The national procedure code, or that there is none.
    pub code: FactCheck,
    /// The level and agency that handle it.
    pub level: FactCheck,
    pub components: FactCheck,
    pub processing_time: FactCheck,
    /// Fee status, amounts and their basis (an item may carry its own check).
    pub fees: FactCheck,
    pub legal_basis: FactCheck,
}

impl Facts {
    /// Every check with its name, in a fixed order.
    pub fn all(&self) -> [(&'static str, &FactCheck); 6] {
        [
            ("code", &self.code),
            ("level", &self.level),
            ("components", &self.components),
            ("processing_time", &self.processing_time),
            ("fees", &self.fees),
            ("legal_basis", &self.legal_basis),
        ]
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct FeeItem {
    pub channel: Channel,
    pub amount_vnd: Option<i64>,
    pub text: String,
    pub text_en: String,
    /// First day this amount applies; `None` only with [`FeeItem::undated_reason`].
    #[serde(default)]
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub valid_from: Option<CatalogDate>,
    /// Last day this amount applies (inclusive); `None` while no end is announced.
    #[serde(default)]
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub valid_until: Option<CatalogDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undated_reason: Option<String>,
    /// This amount's own check, when it was checked apart from the rest of the fees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<FactCheck>,
}

impl FeeItem {
    /// Whether this amount applies on `day`: from `valid_from` (an undated item counts as
    /// already in force) through `valid_until`, both inclusive.
    pub fn in_force_on(&self, day: CatalogDate) -> bool {
        self.valid_from.is_none_or(|from| from <= day)
            && self.valid_until.is_none_or(|until| day <= until)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct Fees {
    pub status: FeeStatus,
    pub items: Vec<FeeItem>,
    pub basis: Option<String>,
}

impl Fees {
    /// The fee items in force on `day`, in catalog order. Items are cases (new passport, lost
    /// passport …) or channels: where an `online` item and an `any` item are both in force, the
    /// online one is the rate for filing online.
    pub fn in_force_on(&self, day: CatalogDate) -> Vec<&FeeItem> {
        self.items.iter().filter(|i| i.in_force_on(day)).collect()
    }
}

/// Which e-form the app fills for a procedure.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnlineForm {
    pub kind: OnlineFormKind,
    /// Form id; for a bundled form the file name in `forms/` without `.json`.
    pub form: String,
}

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnlineFormKind {
    /// Hand-written, `forms/<form>.json`.
    Bundled,
    /// Built from the procedure's own components.
    Generated,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub title: String,
    pub url: String,
}

/// One administrative procedure (`procedures/<id>.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
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
    pub facts: Facts,
    #[serde(default)]
    pub online_form: Option<OnlineForm>,
    pub linked: Option<Vec<String>>,
}

impl Procedure {
    /// The fee items in force on `day` (see [`Fees::in_force_on`]).
    pub fn fees_in_force(&self, day: CatalogDate) -> Vec<&FeeItem> {
        self.fees.in_force_on(day)
    }
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
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    Citizen,
    Volunteer,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
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
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct GuideTip {
    pub text: String,
    pub text_en: String,
}

/// One how-to guide (`assets/guides/<id>.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::Month;

    use super::*;

    fn day(s: &str) -> CatalogDate {
        CatalogDate::parse(s).unwrap()
    }

    fn item(channel: Channel, amount: i64, from: Option<&str>, until: Option<&str>) -> FeeItem {
        FeeItem {
            channel,
            amount_vnd: Some(amount),
            text: format!("{amount} đồng"),
            text_en: format!("{amount} VND"),
            valid_from: from.map(day),
            valid_until: until.map(day),
            undated_reason: from.is_none().then(|| "not checked".to_string()),
            check: None,
        }
    }

    #[test]
    fn dates_parse_strictly_and_print_back() {
        assert_eq!(day("2025-12-31").to_string(), "2025-12-31");
        assert_eq!(day("2024-02-29").0.month(), Month::February);
        for bad in [
            "2023-02-29",
            "2025-13-01",
            "2025-4-01",
            "2025-04-1",
            "31/12/2025",
            "2025-12-31T00:00",
            "",
        ] {
            assert_eq!(CatalogDate::parse(bad), None, "{bad}");
        }
        let err = serde_json::from_str::<CatalogDate>("\"2025-02-30\"").unwrap_err();
        assert!(err.to_string().contains("2025-02-30"), "{err}");
        assert_eq!(
            serde_json::to_string(&day("2026-01-01")).unwrap(),
            "\"2026-01-01\""
        );
    }

    #[test]
    fn fact_checks_are_verified_with_a_source_or_unverified_with_a_reason() {
        let v: FactCheck = serde_json::from_str(
            r#"{"status":"verified","source":"https://dichvucong.gov.vn","verified_at":"2026-12-06"}"#,
        )
        .unwrap();
        assert!(v.is_verified());
        let u: FactCheck =
            serde_json::from_str(r#"{"status":"unverified","reason":"no stored page"}"#).unwrap();
        assert!(!u.is_verified());
        for bad in [
            r#"{"status":"verified","verified_at":"2026-12-06"}"#,
            r#"{"status":"verified","source":"https://a.vn","verified_at":"06/12/2026"}"#,
            r#"{"status":"unverified"}"#,
            r#"{"status":"maybe","reason":"x"}"#,
            r#"{"status":"unverified","reason":"x","source":"https://a.vn"}"#,
        ] {
            assert!(serde_json::from_str::<FactCheck>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn driving_licence_fee_in_force_by_date() {
        // 135,000 VND from Circular 37/2023/TT-BTC; the 115,000 online rate of Circular
        // 63/2023/TT-BTC ran from 1/12/2023 through 31/12/2025.
        let fees = Fees {
            status: FeeStatus::Paid,
            items: vec![
                item(Channel::Any, 135_000, Some("2023-08-01"), None),
                item(
                    Channel::Online,
                    115_000,
                    Some("2023-12-01"),
                    Some("2025-12-31"),
                ),
            ],
            basis: None,
        };
        let amounts = |d: &str| -> Vec<i64> {
            fees.in_force_on(day(d))
                .iter()
                .filter_map(|i| i.amount_vnd)
                .collect()
        };
        assert_eq!(amounts("2023-07-31"), Vec::<i64>::new());
        assert_eq!(amounts("2023-08-01"), vec![135_000]);
        assert_eq!(amounts("2023-11-30"), vec![135_000]);
        assert_eq!(amounts("2023-12-01"), vec![135_000, 115_000]);
        assert_eq!(amounts("2025-12-31"), vec![135_000, 115_000]);
        assert_eq!(amounts("2026-01-01"), vec![135_000]);
        assert_eq!(amounts("2026-12-06"), vec![135_000]);
    }

    #[test]
    fn an_undated_fee_counts_as_in_force_until_its_end() {
        let open = item(Channel::Any, 8_000, None, None);
        let ended = item(Channel::Any, 5_000, None, Some("2024-06-30"));
        assert!(open.in_force_on(day("2000-01-01")));
        assert!(open.in_force_on(day("2099-12-31")));
        assert!(ended.in_force_on(day("2024-06-30")));
        assert!(!ended.in_force_on(day("2024-07-01")));
    }

    proptest! {
        #[test]
        fn in_force_is_the_inclusive_range(a in 0i32..4000, b in 0i32..4000, d in 0i32..4000) {
            let base = day("2020-01-01").0;
            let at = |n: i32| CatalogDate(base + time::Duration::days(i64::from(n)));
            let (from, until) = (at(a.min(b)), at(a.max(b)));
            let mut fee = item(Channel::Any, 1, None, None);
            fee.valid_from = Some(from);
            fee.valid_until = Some(until);
            let on = at(d);
            prop_assert_eq!(fee.in_force_on(on), from <= on && on <= until);
        }
    }
}
