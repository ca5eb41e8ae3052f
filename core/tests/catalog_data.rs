//! Catalog and guide data: every file validates against its JSON Schema (draft 2020-12), plus
//! data-quality checks the schemas cannot express (references, coverage, dates, personal data).
//!
//! Data lives in `assets/catalog/` and `assets/guides/` at the workspace root.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test support code: a panic is the failure report

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn catalog_dir() -> PathBuf {
    root().join("assets").join("catalog")
}

fn guides_dir() -> PathBuf {
    root().join("assets").join("guides")
}

fn read_json(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

fn validator(schema_path: &Path) -> jsonschema::Validator {
    let schema = read_json(schema_path);
    jsonschema::draft202012::meta::validate(&schema).unwrap_or_else(|e| {
        panic!(
            "{} is not a valid 2020-12 schema: {e}",
            schema_path.display()
        )
    });
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("compile {}: {e}", schema_path.display()))
}

/// Validates `path` against `v`; returns one message per error (empty = valid).
fn schema_errors(v: &jsonschema::Validator, path: &Path) -> Vec<String> {
    let instance = read_json(path);
    v.iter_errors(&instance)
        .map(|e| format!("{} at {}: {e}", path.display(), e.instance_path()))
        .collect()
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("list {}: {e}", dir.display()))
        .map(|entry| entry.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    files
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .expect("file stem")
        .to_string_lossy()
        .into_owned()
}

fn procedures() -> Vec<(PathBuf, Value)> {
    json_files(&catalog_dir().join("procedures"))
        .into_iter()
        .map(|p| {
            let v = read_json(&p);
            (p, v)
        })
        .collect()
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// The procedures the catalog must contain at the least.
const REQUIRED_IDS: &[&str] = &[
    "passport-domestic",
    "passport-lost-report",
    "birth-registration",
    "death-registration",
    "marriage-registration",
    "marital-status-certificate",
    "parent-child-recognition",
    "civil-status-change",
    "civil-status-extract-copy",
    "linked-birth-residence-health-insurance",
    "linked-death-residence-funeral",
    "permanent-residence",
    "temporary-residence",
    "temporary-absence",
    "stay-notification",
    "id-card",
    "old-id-number-confirmation",
    "vehicle-registration",
    "traffic-fine-camera",
    "criminal-record-certificate",
    "seal-registration",
    "driving-licence-renewal",
    "driving-licence-reissue",
    "highschool-exam-university-admission",
    "unemployment-benefit",
    "health-insurance-household-renewal",
    "health-insurance-card-reissue",
    "land-certificate-first",
    "land-change-registration",
    "construction-permit-house",
    "electricity-new-connection",
    "electricity-contract-change",
    "household-business-registration",
    "company-registration-llc-single",
    "certified-copy",
    "signature-certification",
    "monthly-social-allowance",
    "funeral-allowance",
    "voluntary-social-insurance",
];

// ---- dates ------------------------------------------------------------------------------------

/// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses a strict `YYYY-MM-DD` calendar date into days since the epoch.
fn parse_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y: i64 = s.get(0..4)?.parse().ok()?;
    let m: i64 = s.get(5..7)?.parse().ok()?;
    let d: i64 = s.get(8..10)?.parse().ok()?;
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let dim = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if !(1..=dim).contains(&d) || y < 2000 {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

fn today() -> i64 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    i64::try_from(secs / 86_400).expect("days fit")
}

fn check_date(errors: &mut Vec<String>, what: &str, s: &str) {
    match parse_date(s) {
        None => errors.push(format!("{what}: `{s}` is not a valid YYYY-MM-DD date")),
        Some(d) if d > today() => errors.push(format!("{what}: `{s}` is in the future")),
        Some(_) => {}
    }
}

#[test]
fn date_parser_rejects_bad_dates() {
    assert_eq!(parse_date("1970-01-01"), None, "before 2000 is rejected");
    assert_eq!(
        parse_date("2024-02-29").map(|d| d - days_from_civil(2024, 2, 28)),
        Some(1)
    );
    assert_eq!(parse_date("2023-02-29"), None);
    assert_eq!(parse_date("2025-13-01"), None);
    assert_eq!(parse_date("2025-04-31"), None);
    assert_eq!(parse_date("2025-4-01"), None);
    assert_eq!(days_from_civil(1970, 1, 1), 0);
    assert_eq!(days_from_civil(2000, 3, 1), 11_017);
}

// ---- personal data ----------------------------------------------------------------------------

/// Finds numbers that look like personal identifiers: a contiguous 12-digit ID number or 9-digit
/// CMND number, a 10-digit mobile number starting with 0, or a mobile number written in groups
/// (`0912 345 678`, `091.234.5678`). Amounts ("200.000"), versions ("2026.11.23.1") and SVG
/// coordinates have other group shapes and pass.
fn personal_number_runs(text: &str) -> Vec<String> {
    // Split into chains of digit groups joined by exactly one separator (' ', '.', '-').
    let chars: Vec<char> = text.chars().collect();
    let mut chains: Vec<Vec<String>> = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut group = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            group.push(c);
        } else {
            if !group.is_empty() {
                current.push(std::mem::take(&mut group));
            }
            let joins =
                matches!(c, ' ' | '.' | '-') && chars.get(i + 1).is_some_and(char::is_ascii_digit);
            if !joins && !current.is_empty() {
                chains.push(std::mem::take(&mut current));
            }
        }
        i += 1;
    }
    if !group.is_empty() {
        current.push(group);
    }
    if !current.is_empty() {
        chains.push(current);
    }
    let mut found = Vec::new();
    for chain in &chains {
        for g in chain {
            let n = g.len();
            if n == 12 || n == 9 || (n == 10 && g.starts_with('0')) {
                found.push(g.clone());
            }
        }
        for w in chain.windows(3) {
            let sizes = [w[0].len(), w[1].len(), w[2].len()];
            if w[0].starts_with('0') && (sizes == [4, 3, 3] || sizes == [3, 3, 4]) {
                found.push(w.join(" "));
            }
        }
    }
    found
}

#[test]
fn personal_number_detector_works() {
    assert_eq!(
        personal_number_runs("số 012345678901 đây"),
        vec!["012345678901"]
    );
    assert_eq!(
        personal_number_runs("gọi 0912 345 678"),
        vec!["0912 345 678"]
    );
    assert_eq!(
        personal_number_runs("gọi 091.234.5678."),
        vec!["091 234 5678"]
    );
    assert_eq!(personal_number_runs("(0912345678)"), vec!["0912345678"]);
    assert_eq!(personal_number_runs("CMND 123456789"), vec!["123456789"]);
    assert!(personal_number_runs("lệ phí 200.000 đồng, 1.001456, 2026-11-23").is_empty());
    assert!(personal_number_runs("mức 20.000.000 đồng").is_empty());
    assert!(personal_number_runs("\"catalog_version\": \"2026.11.23.1\"").is_empty());
    assert!(personal_number_runs("<path d=\"M33.0 0 33.0 24 l26.4 0\"/>").is_empty());
}

/// The text with every `https://…` address blanked out: the portal's page addresses end in
/// UUIDs whose digit runs are not personal numbers.
fn without_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("https://") {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let end = tail
            .find(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == '<' || c == ')')
            .unwrap_or(tail.len());
        out.push(' ');
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn urls_are_not_scanned_for_personal_numbers() {
    let t = "\"url\": \"https://dichvucong.gov.vn/thu-tuc-hanh-chinh/019d2bfd-3fa6-722f-ac1a-e889436133aa\", gọi 0912345678";
    assert_eq!(personal_number_runs(&without_urls(t)), vec!["0912345678"]);
    // Without blanking, the UUID's digit run would be flagged.
    assert!(personal_number_runs(t).contains(&"889436133".to_string()));
}

fn all_text_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("read dir") {
        let p = entry.expect("entry").path();
        if p.is_dir() {
            all_text_files(&p, out);
        } else if p
            .extension()
            .is_some_and(|e| e == "json" || e == "svg" || e == "md")
        {
            out.push(p);
        }
    }
}

#[test]
fn no_personal_data_patterns_in_assets() {
    let mut files = Vec::new();
    all_text_files(&catalog_dir(), &mut files);
    all_text_files(&guides_dir(), &mut files);
    assert!(
        files.len() > 40,
        "expected the catalog and guide files, found {}",
        files.len()
    );
    let mut errors = Vec::new();
    for f in &files {
        let text = fs::read_to_string(f).expect("read");
        for run in personal_number_runs(&without_urls(&text)) {
            errors.push(format!("{}: personal-looking number `{run}`", f.display()));
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

// ---- catalog ----------------------------------------------------------------------------------

#[test]
fn catalog_files_validate_against_their_schemas() {
    let schema_dir = catalog_dir().join("schema");
    let mut errors = Vec::new();
    let proc_v = validator(&schema_dir.join("procedure.schema.json"));
    let procs = json_files(&catalog_dir().join("procedures"));
    assert!(!procs.is_empty());
    for p in &procs {
        errors.extend(schema_errors(&proc_v, p));
    }
    for name in [
        "manifest",
        "fields",
        "agency_types",
        "provinces",
        "synonyms",
        "ethnicities",
        "nationalities",
        "communes",
    ] {
        let v = validator(&schema_dir.join(format!("{name}.schema.json")));
        errors.extend(schema_errors(
            &v,
            &catalog_dir().join(format!("{name}.json")),
        ));
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

type Mutation = Box<dyn Fn(&mut Value)>;

#[test]
fn schemas_reject_broken_procedures() {
    // The schema must actually constrain: take a valid procedure and break it in typical ways.
    let v = validator(&catalog_dir().join("schema").join("procedure.schema.json"));
    let good = read_json(
        &catalog_dir()
            .join("procedures")
            .join("passport-domestic.json"),
    );
    assert!(v.is_valid(&good));
    let mutations: Vec<(&str, Mutation)> = vec![
        (
            "unknown field",
            Box::new(|p| p["colour"] = Value::from("blue")),
        ),
        (
            "invented code format",
            Box::new(|p| p["code"] = Value::from("1001456")),
        ),
        (
            "bad level",
            Box::new(|p| p["level"] = Value::from("district")),
        ),
        (
            "http source",
            Box::new(|p| p["source"][0]["url"] = Value::from("http://example.vn")),
        ),
        (
            "bad form",
            Box::new(|p| p["components"][0]["form"] = Value::from("scan")),
        ),
        (
            "missing fees",
            Box::new(|p| drop(p.as_object_mut().expect("object").remove("fees"))),
        ),
        (
            "bad delivery",
            Box::new(|p| p["delivery"] = serde_json::json!(["drone"])),
        ),
        (
            "bad photo profile",
            Box::new(|p| p["components"][1]["photo_profile"] = Value::from("selfie")),
        ),
        (
            "bad date",
            Box::new(|p| p["verified_at"] = Value::from("23/11/2026")),
        ),
        (
            "negative fee",
            Box::new(|p| p["fees"]["items"][0]["amount_vnd"] = Value::from(-1)),
        ),
        (
            "no facts",
            Box::new(|p| drop(p.as_object_mut().expect("object").remove("facts"))),
        ),
        (
            "a fact without its check",
            Box::new(|p| drop(p["facts"].as_object_mut().expect("facts").remove("fees"))),
        ),
        (
            "unverified without a reason",
            Box::new(|p| p["facts"]["code"] = serde_json::json!({"status": "unverified"})),
        ),
        (
            "verified without a source",
            Box::new(|p| {
                p["facts"]["code"] =
                    serde_json::json!({"status": "verified", "verified_at": "2026-12-06"});
            }),
        ),
        (
            "verified with an http source",
            Box::new(|p| {
                p["facts"]["code"] = serde_json::json!({
                    "status": "verified", "source": "http://a.vn", "verified_at": "2026-12-06"
                });
            }),
        ),
        (
            "a fee without valid_from or a reason",
            Box::new(|p| {
                let item = p["fees"]["items"][0].as_object_mut().expect("item");
                item.insert("valid_from".into(), Value::Null);
                item.remove("undated_reason");
            }),
        ),
        (
            "a fee without valid_until",
            Box::new(|p| {
                drop(
                    p["fees"]["items"][0]
                        .as_object_mut()
                        .expect("item")
                        .remove("valid_until"),
                )
            }),
        ),
        (
            "a fee dated 31/12/2025",
            Box::new(|p| p["fees"]["items"][0]["valid_until"] = Value::from("31/12/2025")),
        ),
        (
            "an online form of an unknown kind",
            Box::new(|p| p["online_form"] = serde_json::json!({"kind": "pdf", "form": "x"})),
        ),
    ];
    for (what, mutate) in mutations {
        let mut bad = good.clone();
        mutate(&mut bad);
        assert!(!v.is_valid(&bad), "schema accepted a procedure with {what}");
    }
}

#[test]
fn manifest_lists_exactly_the_procedure_files_and_ids_match() {
    let manifest = read_json(&catalog_dir().join("manifest.json"));
    let listed: Vec<String> = manifest["procedures"]
        .as_array()
        .expect("procedures array")
        .iter()
        .map(|v| v.as_str().expect("id string").to_owned())
        .collect();
    let listed_set: BTreeSet<String> = listed.iter().cloned().collect();
    assert_eq!(listed.len(), listed_set.len(), "duplicate ids in manifest");
    let mut errors = Vec::new();
    let mut ids = BTreeSet::new();
    for (path, p) in procedures() {
        let id = str_of(&p, "id");
        if id != stem(&path) {
            errors.push(format!(
                "{}: id `{id}` differs from the file name",
                path.display()
            ));
        }
        if !ids.insert(id.to_owned()) {
            errors.push(format!("duplicate id `{id}`"));
        }
    }
    for missing in listed_set.difference(&ids) {
        errors.push(format!("manifest lists `{missing}` but there is no file"));
    }
    for extra in ids.difference(&listed_set) {
        errors.push(format!("procedures/{extra}.json is not in the manifest"));
    }
    let version = str_of(&manifest, "catalog_version");
    assert!(
        version
            .split('.')
            .all(|part| !part.is_empty() && part.parse::<u64>().is_ok()),
        "catalog_version `{version}` is not dotted integers"
    );
    check_date(
        &mut errors,
        "manifest.verified_at",
        str_of(&manifest, "verified_at"),
    );
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn every_required_procedure_is_present_and_complete() {
    let procs: BTreeMap<String, Value> = procedures()
        .into_iter()
        .map(|(_, p)| (str_of(&p, "id").to_owned(), p))
        .collect();
    let mut errors = Vec::new();
    for id in REQUIRED_IDS {
        if !procs.contains_key(*id) {
            errors.push(format!("required procedure `{id}` is missing"));
        }
    }
    let fields: HashSet<String> = read_json(&catalog_dir().join("fields.json"))
        .as_array()
        .expect("fields array")
        .iter()
        .map(|f| str_of(f, "id").to_owned())
        .collect();
    let agencies: BTreeMap<String, String> = read_json(&catalog_dir().join("agency_types.json"))
        .as_array()
        .expect("agency array")
        .iter()
        .map(|a| (str_of(a, "id").to_owned(), str_of(a, "level").to_owned()))
        .collect();
    let mut codes = BTreeSet::new();
    let mut ranks = BTreeSet::new();
    for (id, p) in &procs {
        let steps = p["steps"].as_array().map_or(0, Vec::len);
        if steps < 2 {
            errors.push(format!("{id}: {steps} steps (need ≥ 2)"));
        }
        if p["components"].as_array().map_or(0, Vec::len) < 1 {
            errors.push(format!("{id}: no dossier components"));
        }
        if p["aliases"].as_array().map_or(0, Vec::len) < 2 {
            errors.push(format!("{id}: fewer than 2 aliases"));
        }
        let status = str_of(&p["fees"], "status");
        if !matches!(status, "paid" | "free" | "unknown") {
            errors.push(format!("{id}: fee status `{status}`"));
        }
        if status == "paid" && p["fees"]["items"].as_array().map_or(0, Vec::len) == 0 {
            errors.push(format!("{id}: paid but no fee items"));
        }
        if str_of(&p["processing_time"], "text").is_empty() {
            errors.push(format!("{id}: no processing time"));
        }
        let sources = p["source"].as_array().cloned().unwrap_or_default();
        if sources.is_empty()
            || !sources
                .iter()
                .all(|s| str_of(s, "url").starts_with("https://"))
        {
            errors.push(format!("{id}: every source needs an https URL"));
        }
        if p["legal_basis"].as_array().map_or(0, Vec::len) == 0 {
            errors.push(format!("{id}: no legal basis"));
        }
        check_date(
            &mut errors,
            &format!("{id}.verified_at"),
            str_of(p, "verified_at"),
        );
        match &p["code"] {
            Value::Null => {}
            Value::String(c) => {
                let ok = c.len() == 8
                    && c.as_bytes()[1] == b'.'
                    && c.chars().enumerate().all(|(i, ch)| {
                        if i == 1 {
                            ch == '.'
                        } else {
                            ch.is_ascii_digit()
                        }
                    });
                if !ok {
                    errors.push(format!("{id}: code `{c}` does not match ^\\d\\.\\d{{6}}$"));
                }
                if !codes.insert(c.clone()) {
                    errors.push(format!("{id}: code `{c}` used twice"));
                }
            }
            other => errors.push(format!("{id}: code {other} is neither string nor null")),
        }
        let field = str_of(p, "field");
        if !fields.contains(field) {
            errors.push(format!("{id}: field `{field}` not in fields.json"));
        }
        let agency = str_of(p, "agency_type");
        match agencies.get(agency) {
            None => errors.push(format!(
                "{id}: agency_type `{agency}` not in agency_types.json"
            )),
            Some(level) if level != str_of(p, "level") => errors.push(format!(
                "{id}: level `{}` differs from its agency type's level `{level}`",
                str_of(p, "level")
            )),
            Some(_) => {}
        }
        if let Some(linked) = p["linked"].as_array() {
            if linked.len() < 2 {
                errors.push(format!(
                    "{id}: a linked service combines at least 2 procedures"
                ));
            }
            for l in linked {
                let l = l.as_str().unwrap_or("");
                if !procs.contains_key(l) || l == id {
                    errors.push(format!("{id}: linked id `{l}` does not resolve"));
                }
            }
        }
        if let Some(rank) = p["popular"].as_u64() {
            if !ranks.insert(rank) {
                errors.push(format!("{id}: popular rank {rank} used twice"));
            }
        }
    }
    if !(5..=15).contains(&ranks.len()) {
        errors.push(format!(
            "{} procedures marked popular (want about 10)",
            ranks.len()
        ));
    }
    if let Some(max) = ranks.iter().max() {
        if usize::try_from(*max).unwrap_or(usize::MAX) != ranks.len() {
            errors.push(format!(
                "popular ranks are not 1..={}: {ranks:?}",
                ranks.len()
            ));
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn passport_carries_the_photo_requirements_of_the_online_form() {
    // The online form asks for a 4×6 portrait and both sides of the ID card
    // (`docs/domain/online-services.md`).
    let p = read_json(
        &catalog_dir()
            .join("procedures")
            .join("passport-domestic.json"),
    );
    assert_eq!(p["code"], "1.001456");
    let profiles: BTreeSet<&str> = p["components"]
        .as_array()
        .expect("components")
        .iter()
        .filter_map(|c| c["photo_profile"].as_str())
        .collect();
    for needed in ["portrait_4x6", "cccd_front", "cccd_back"] {
        assert!(
            profiles.contains(needed),
            "passport lacks a `{needed}` component"
        );
    }
    let amounts: Vec<i64> = p["fees"]["items"]
        .as_array()
        .expect("fee items")
        .iter()
        .filter_map(|i| i["amount_vnd"].as_i64())
        .collect();
    assert!(
        amounts.contains(&200_000) && amounts.contains(&400_000),
        "passport fees {amounts:?}"
    );
}

#[test]
fn provinces_cover_the_63_old_units_exactly_once() {
    let doc = read_json(&catalog_dir().join("provinces.json"));
    let provinces = doc["provinces"].as_array().expect("provinces");
    assert_eq!(provinces.len(), 34, "34 provinces/cities from 1 July 2025");
    let mut codes = BTreeSet::new();
    let mut old_names = BTreeSet::new();
    let mut old_codes = BTreeSet::new();
    let mut cities = 0;
    for p in provinces {
        assert!(
            codes.insert(str_of(p, "code")),
            "duplicate code {}",
            str_of(p, "code")
        );
        let merged = p["merged_from"].as_array().expect("merged_from");
        let ids = p["old_id_codes"].as_array().expect("old_id_codes");
        assert_eq!(
            merged.len(),
            ids.len(),
            "{}: one old ID code per old unit",
            str_of(p, "name")
        );
        for m in merged {
            assert!(
                old_names.insert(m.as_str().expect("name")),
                "old unit {m} appears twice"
            );
        }
        for c in ids {
            assert!(
                old_codes.insert(c.as_str().expect("code")),
                "old code {c} appears twice"
            );
        }
        if str_of(p, "kind") == "city" {
            cities += 1;
        }
    }
    assert_eq!(old_names.len(), 63);
    assert_eq!(old_codes.len(), 63);
    assert_eq!(cities, 6, "6 centrally-run cities");
    let mut errors = Vec::new();
    check_date(
        &mut errors,
        "provinces.effective_from",
        str_of(&doc, "effective_from"),
    );
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

fn lower(s: &str) -> String {
    s.to_lowercase()
}

#[test]
fn synonyms_cover_the_everyday_words_and_point_into_the_catalog() {
    let syn = read_json(&catalog_dir().join("synonyms.json"));
    let mut all_terms = BTreeSet::new();
    let mut targets = Vec::new();
    for entry in syn.as_array().expect("synonyms array") {
        if let Some(terms) = entry["terms"].as_array() {
            for t in terms {
                all_terms.insert(lower(t.as_str().expect("term")));
                targets.push(lower(t.as_str().expect("term")));
            }
        } else {
            all_terms.insert(lower(str_of(entry, "from")));
            for t in entry["to"].as_array().expect("to") {
                all_terms.insert(lower(t.as_str().expect("to")));
                targets.push(lower(t.as_str().expect("to")));
            }
        }
    }
    let required = [
        "hộ khẩu",
        "bằng lái",
        "gplx",
        "sổ đỏ",
        "cmnd",
        "cccd",
        "phạt nguội",
        "công tơ",
        "bhyt",
        "bhxh",
        "thpt",
        "khai sinh",
        "khai tử",
        "hộ chiếu",
    ];
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|r| !all_terms.contains(*r))
        .collect();
    assert!(missing.is_empty(), "synonyms lack {missing:?}");
    // Each expansion target must occur somewhere in the catalog text, or it can never help.
    let corpus: String = procedures()
        .iter()
        .map(|(_, p)| {
            let aliases: Vec<&str> = p["aliases"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            format!(
                "{} {} {} {}",
                str_of(p, "name"),
                aliases.join(" "),
                str_of(p, "summary"),
                str_of(p, "who")
            )
        })
        .map(|s| lower(&s))
        .collect::<Vec<_>>()
        .join("\n");
    let dead: Vec<&String> = targets
        .iter()
        .filter(|t| !corpus.contains(t.as_str()))
        .collect();
    assert!(
        dead.is_empty(),
        "synonym targets that occur nowhere in the catalog: {dead:?}"
    );
}

// ---- guides -----------------------------------------------------------------------------------

fn check_svg(path: &Path) -> Result<(), String> {
    let text = fs::read_to_string(path).map_err(|e| format!("read: {e}"))?;
    let doc = roxmltree::Document::parse(&text).map_err(|e| format!("not well-formed XML: {e}"))?;
    let svg = doc.root_element();
    if svg.tag_name().name() != "svg" {
        return Err("root element is not <svg>".into());
    }
    if svg.attribute("viewBox").is_none() {
        return Err("no viewBox (needed to scale to 320 px)".into());
    }
    let first = svg.children().find(roxmltree::Node::is_element);
    match first {
        Some(t)
            if t.tag_name().name() == "title" && t.text().is_some_and(|s| !s.trim().is_empty()) => {
        }
        _ => return Err("first child must be a non-empty <title>".into()),
    }
    for node in doc.descendants().filter(roxmltree::Node::is_element) {
        let name = node.tag_name().name();
        if matches!(name, "image" | "script" | "foreignObject" | "style") {
            return Err(format!("<{name}> is not allowed"));
        }
        for attr in node.attributes() {
            let v = attr.value();
            if attr.name() == "href" && !v.starts_with('#') {
                return Err(format!("external link {v}"));
            }
            if v.contains("url(") && !v.contains("url(#") {
                return Err(format!("external url() in {}", attr.name()));
            }
        }
    }
    if let Some(w) = svg.attribute("width") {
        if !w.ends_with('%') {
            return Err(format!("fixed width `{w}`; let it scale"));
        }
    }
    Ok(())
}

#[test]
fn guides_validate_and_their_illustrations_exist_and_parse() {
    let dir = guides_dir();
    let guide_v = validator(&dir.join("schema").join("guide.schema.json"));
    let index_v = validator(&dir.join("schema").join("index.schema.json"));
    let mut errors = schema_errors(&index_v, &dir.join("index.json"));
    let index = read_json(&dir.join("index.json"));
    let listed: BTreeSet<String> = index["guides"]
        .as_array()
        .expect("guides")
        .iter()
        .map(|g| g.as_str().expect("id").to_owned())
        .collect();
    let files: BTreeSet<String> = json_files(&dir)
        .iter()
        .map(|p| stem(p))
        .filter(|s| s != "index")
        .collect();
    if listed != files {
        errors.push(format!(
            "index lists {listed:?} but the guide files are {files:?}"
        ));
    }
    assert!(
        listed.len() >= 7,
        "seven guides required, found {}",
        listed.len()
    );
    let audiences: BTreeSet<String> = listed
        .iter()
        .map(|id| str_of(&read_json(&dir.join(format!("{id}.json"))), "audience").to_owned())
        .collect();
    if !audiences.contains("volunteer") {
        errors.push("no guide for volunteers".into());
    }
    let proc_ids: BTreeSet<String> = procedures().into_iter().map(|(p, _)| stem(&p)).collect();
    let mut referenced = BTreeSet::new();
    for id in &listed {
        let path = dir.join(format!("{id}.json"));
        errors.extend(schema_errors(&guide_v, &path));
        let g = read_json(&path);
        if str_of(&g, "id") != id {
            errors.push(format!(
                "{id}.json: id `{}` differs from the file name",
                str_of(&g, "id")
            ));
        }
        let steps = g["steps"].as_array().cloned().unwrap_or_default();
        if steps.len() < 3 {
            errors.push(format!("{id}: {} steps (need ≥ 3)", steps.len()));
        }
        let mut images: Vec<String> = steps
            .iter()
            .filter_map(|s| s["image"].as_str().map(str::to_owned))
            .collect();
        if let Some(cover) = g["cover"].as_str() {
            images.push(cover.to_owned());
        }
        if images.is_empty() {
            errors.push(format!("{id}: no illustrations"));
        }
        for img in images {
            let p = dir.join(&img);
            if let Err(e) = check_svg(&p) {
                errors.push(format!("{id}: {img}: {e}"));
            }
            referenced.insert(img);
        }
        for r in g["related_procedures"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            let r = r.as_str().unwrap_or("");
            if !proc_ids.contains(r) {
                errors.push(format!("{id}: related procedure `{r}` does not exist"));
            }
        }
        check_date(
            &mut errors,
            &format!("{id}.verified_at"),
            str_of(&g, "verified_at"),
        );
    }
    for entry in fs::read_dir(dir.join("img")).expect("img dir") {
        let p = entry.expect("entry").path();
        let rel = format!("img/{}", p.file_name().expect("name").to_string_lossy());
        if !referenced.contains(&rel) {
            errors.push(format!("{rel} is not used by any guide"));
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn svg_checker_rejects_bad_files() {
    let tmp = std::env::temp_dir().join(format!("dvc-svg-check-{}", std::process::id()));
    fs::create_dir_all(&tmp).expect("tmp");
    let cases = [
        ("notxml", "<svg viewBox='0 0 1 1'><title>x</title>"),
        ("notitle", "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 1 1'><rect/></svg>"),
        ("noviewbox", "<svg xmlns='http://www.w3.org/2000/svg'><title>x</title></svg>"),
        (
            "external",
            "<svg xmlns='http://www.w3.org/2000/svg' xmlns:xlink='http://www.w3.org/1999/xlink' viewBox='0 0 1 1'><title>x</title><image xlink:href='https://e.vn/a.png'/></svg>",
        ),
    ];
    for (name, body) in cases {
        let p = tmp.join(format!("{name}.svg"));
        fs::write(&p, body).expect("write");
        assert!(check_svg(&p).is_err(), "{name} was accepted");
    }
    let ok = tmp.join("ok.svg");
    fs::write(
        &ok,
        "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 1 1'><title>ok</title><rect/></svg>",
    )
    .expect("write");
    assert_eq!(check_svg(&ok), Ok(()));
    let _ = fs::remove_dir_all(&tmp);
}

// ---- provenance, dates, levels, forms ---------------------------------------------------------

/// Checks one fact's provenance object; returns whether it is verified.
fn check_fact(errors: &mut Vec<String>, what: &str, fact: &Value) -> bool {
    match str_of(fact, "status") {
        "verified" => {
            if !str_of(fact, "source").starts_with("https://") {
                errors.push(format!("{what}: verified without an https source"));
            }
            check_date(
                errors,
                &format!("{what}.verified_at"),
                str_of(fact, "verified_at"),
            );
            true
        }
        "unverified" => {
            if str_of(fact, "reason").trim().is_empty() {
                errors.push(format!("{what}: unverified without a reason"));
            }
            false
        }
        other => {
            errors.push(format!("{what}: status `{other}`"));
            false
        }
    }
}

const FACTS: [&str; 6] = [
    "code",
    "level",
    "components",
    "processing_time",
    "fees",
    "legal_basis",
];

#[test]
fn every_fact_has_a_source_or_is_marked_unverified() {
    let mut errors = Vec::new();
    let (mut verified, mut total) = (0usize, 0usize);
    for (_, p) in procedures() {
        let id = str_of(&p, "id").to_owned();
        for f in FACTS {
            total += 1;
            if check_fact(&mut errors, &format!("{id}.facts.{f}"), &p["facts"][f]) {
                verified += 1;
            }
        }
        // A code stated as fact must have been checked; an unchecked code is still marked.
        if p["code"].is_string() && p["facts"]["code"].get("status").is_none() {
            errors.push(format!("{id}: code without provenance"));
        }
        for (i, item) in p["fees"]["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            if let Some(check) = item.get("check") {
                check_fact(&mut errors, &format!("{id}.fees.items[{i}].check"), check);
            }
        }
    }
    println!("facts verified: {verified} of {total}");
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn every_fee_is_dated_or_says_why_not() {
    let mut errors = Vec::new();
    let mut dated = 0usize;
    for (_, p) in procedures() {
        let id = str_of(&p, "id").to_owned();
        for (i, item) in p["fees"]["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let what = format!("{id}.fees.items[{i}]");
            let from = item["valid_from"].as_str();
            let until = item["valid_until"].as_str();
            match from {
                Some(d) => {
                    dated += 1;
                    if parse_date(d).is_none() {
                        errors.push(format!("{what}: valid_from `{d}` is not a date"));
                    }
                }
                None if str_of(item, "undated_reason").trim().is_empty() => {
                    errors.push(format!("{what}: no valid_from and no undated_reason"));
                }
                None => {}
            }
            if let Some(u) = until {
                match (from.and_then(parse_date), parse_date(u)) {
                    (_, None) => errors.push(format!("{what}: valid_until `{u}` is not a date")),
                    (Some(f), Some(u2)) if u2 < f => {
                        errors.push(format!("{what}: valid_until {u} before valid_from"));
                    }
                    _ => {}
                }
            }
        }
        if str_of(&p["fees"], "status") == "free"
            && p["fees"]["items"].as_array().is_some_and(|items| {
                items
                    .iter()
                    .any(|i| i["amount_vnd"].as_i64().unwrap_or(0) > 0)
            })
        {
            errors.push(format!("{id}: free but lists an amount above 0"));
        }
    }
    assert!(dated > 0, "no fee carries a date at all");
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn the_fee_in_force_follows_the_dates_in_the_real_data() {
    use dvc_core::catalog::{bundled, CatalogDate};
    let b = bundled().unwrap();
    let get = |id: &str| b.procedures.iter().find(|p| p.id == id).unwrap();
    let day = |s: &str| CatalogDate::parse(s).unwrap();
    let online = |id: &str, d: &str| -> Vec<i64> {
        get(id)
            .fees_in_force(day(d))
            .into_iter()
            .filter(|i| i.channel == dvc_core::catalog::Channel::Online)
            .filter_map(|i| i.amount_vnd)
            .collect()
    };
    // Driving licence: the 115,000 VND online rate ran 1/12/2023 – 31/12/2025 only.
    assert_eq!(
        online("driving-licence-renewal", "2025-06-01"),
        vec![115_000]
    );
    assert!(online("driving-licence-renewal", "2026-12-06").is_empty());
    let all = |id: &str, d: &str| -> Vec<i64> {
        get(id)
            .fees_in_force(day(d))
            .into_iter()
            .filter_map(|i| i.amount_vnd)
            .collect()
    };
    assert!(all("driving-licence-renewal", "2026-12-06").contains(&135_000));
    // Passport: 180,000 online in 2024–2025, none of the discounts after.
    assert!(online("passport-domestic", "2025-12-31").contains(&180_000));
    assert!(online("passport-domestic", "2026-01-01").is_empty());
    assert_eq!(
        all("passport-domestic", "2026-12-06"),
        vec![200_000, 400_000]
    );
    // ID card replacement: half price (35,000) through 31/12/2026, 70,000 again after.
    assert!(all("id-card-reissue", "2026-12-06").contains(&35_000));
    assert!(!all("id-card-reissue", "2027-01-01").contains(&35_000));
    assert!(all("id-card-reissue", "2027-01-01").contains(&70_000));
    // While the half price runs, the full price is not shown beside it (an elderly reader would
    // not know which one to pay).
    assert!(!all("id-card-reissue", "2026-12-06").contains(&70_000));
    assert!(!all("id-card-renewal", "2026-12-06").contains(&50_000));
    assert!(all("id-card-renewal", "2025-06-30").contains(&50_000));
    assert!(all("id-card-renewal", "2027-01-01").contains(&50_000));
}

#[test]
fn a_temporary_rate_never_stands_beside_the_full_one() {
    // A dated "any channel" rate that is in force replaces the undated full rate of the same
    // procedure: if both were in force on one day, the page would show two prices for one case.
    let b = dvc_core::catalog::bundled().unwrap();
    let mut errors = Vec::new();
    for p in &b.procedures {
        let fees = &p.fees;
        let dated: Vec<_> = fees
            .items
            .iter()
            .filter(|i| i.valid_from.is_some() || i.valid_until.is_some())
            .collect();
        for undated in fees.items.iter().filter(|i| {
            i.valid_from.is_none() && i.valid_until.is_none() && i.amount_vnd.unwrap_or(0) > 0
        }) {
            for d in &dated {
                if d.channel == undated.channel && d.amount_vnd.unwrap_or(0) > 0 {
                    errors.push(format!("{}: {:?} beside {:?}", p.id, undated.text, d.text));
                }
            }
        }
    }
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn levels_are_after_the_two_level_reform() {
    // Since 1 July 2025 there is no district level: no agency type or procedure may name one.
    let mut errors = Vec::new();
    let district = [
        "cấp huyện",
        "ubnd huyện",
        "ủy ban nhân dân huyện",
        "ủy ban nhân dân cấp huyện",
        "quận, huyện",
        "phòng tư pháp",
        "district",
    ];
    for a in read_json(&catalog_dir().join("agency_types.json"))
        .as_array()
        .expect("agency types")
    {
        if !matches!(
            str_of(a, "level"),
            "commune" | "province" | "ministry" | "other"
        ) {
            errors.push(format!(
                "agency type {}: level {}",
                str_of(a, "id"),
                str_of(a, "level")
            ));
        }
        let text = lower(&format!(
            "{} {}",
            str_of(a, "name_vi"),
            str_of(a, "name_en")
        ));
        for d in district {
            if text.contains(d) {
                errors.push(format!("agency type {} names `{d}`", str_of(a, "id")));
            }
        }
    }
    for (_, p) in procedures() {
        let id = str_of(&p, "id");
        let mut text = format!(
            "{} {} {}",
            str_of(&p, "where"),
            str_of(&p, "where_en"),
            str_of(&p, "who")
        );
        for s in p["steps"].as_array().cloned().unwrap_or_default() {
            text.push(' ');
            text.push_str(str_of(&s, "text"));
            text.push(' ');
            text.push_str(str_of(&s, "text_en"));
        }
        let text = lower(&text);
        for d in district {
            if text.contains(d) {
                errors.push(format!("{id}: names `{d}` as where or how to file"));
            }
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn every_procedure_names_its_form_and_bundled_ones_exist() {
    let form_files: BTreeSet<String> = json_files(&catalog_dir().join("forms"))
        .iter()
        .map(|p| stem(p))
        .collect();
    assert!(form_files.len() >= 8, "the 8 hand-written forms are gone");
    let mut errors = Vec::new();
    let mut bundled = BTreeSet::new();
    for (_, p) in procedures() {
        let id = str_of(&p, "id");
        match &p["online_form"] {
            Value::Null => errors.push(format!("{id}: online_form is null (no form)")),
            f => match str_of(f, "kind") {
                "bundled" => {
                    let form = str_of(f, "form");
                    if !form_files.contains(form) {
                        errors.push(format!(
                            "{id}: online_form forms/{form}.json does not exist"
                        ));
                    }
                    bundled.insert(form.to_owned());
                }
                "generated" => {
                    if str_of(f, "form") != id {
                        errors.push(format!(
                            "{id}: a generated form is named after its procedure"
                        ));
                    }
                    if form_files.contains(id) {
                        errors.push(format!("{id}: has forms/{id}.json but says generated"));
                    }
                }
                k => errors.push(format!("{id}: online_form kind `{k}`")),
            },
        }
    }
    for f in form_files.difference(&bundled) {
        errors.push(format!("forms/{f}.json is not any procedure's online_form"));
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn the_catalog_is_broad_and_mostly_carries_national_codes() {
    let procs = procedures();
    let coded = procs.iter().filter(|(_, p)| p["code"].is_string()).count();
    println!("{} procedures, {coded} with a national code", procs.len());
    assert!(
        procs.len() >= 100,
        "{} procedures (need ≥ 100)",
        procs.len()
    );
    assert!(
        coded * 100 >= procs.len() * 80,
        "{coded} of {} have a national code (need ≥ 80 %)",
        procs.len()
    );
    // The fields citizens ask about most each have several procedures.
    let mut per_field: BTreeMap<String, usize> = BTreeMap::new();
    for (_, p) in &procs {
        *per_field.entry(str_of(p, "field").to_owned()).or_default() += 1;
    }
    for f in [
        "civil-status",
        "residence",
        "identity",
        "land",
        "social-insurance",
        "business",
    ] {
        assert!(
            per_field.get(f).copied().unwrap_or(0) >= 4,
            "field {f}: {per_field:?}"
        );
    }
}

// ---- e-forms and the data lists they draw on ----------------------------------------------------

#[test]
fn every_bundled_form_validates_against_the_schema_and_the_engine() {
    let v = validator(&catalog_dir().join("schema").join("form.schema.json"));
    let mut errors = Vec::new();
    let files = json_files(&catalog_dir().join("forms"));
    assert!(!files.is_empty());
    for f in &files {
        errors.extend(schema_errors(&v, f));
        let text = fs::read_to_string(f).unwrap();
        // The engine's own rules: ids, options, conditions naming real options (incl. data
        // lists), patterns that compile, group bounds.
        if let Err(e) = dvc_core::dossier::form::parse_form(&text) {
            errors.push(format!("{}: {e}", f.display()));
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn the_form_check_catches_bad_patterns_and_conditions_in_a_bundled_form() {
    // Take a real bundled form and break it the ways a hand-written file could.
    let path = catalog_dir().join("forms").join("passport-domestic.json");
    let good = read_json(&path);
    assert!(dvc_core::dossier::form::parse_form(&good.to_string()).is_ok());
    let text_field = |v: &mut Value| -> (usize, usize) {
        for (si, s) in v["sections"].as_array().unwrap().iter().enumerate() {
            for (fi, f) in s["fields"].as_array().unwrap().iter().enumerate() {
                if f["kind"] == "text" {
                    return (si, fi);
                }
            }
        }
        panic!("no text field");
    };
    let select_field = |v: &Value| -> String {
        v["sections"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["fields"].as_array().unwrap())
            .find(|f| f["kind"] == "select" && f.get("options").is_some())
            .map(|f| f["id"].as_str().unwrap().to_string())
            .expect("a select with options")
    };
    let mut bad_pattern = good.clone();
    let (si, fi) = text_field(&mut bad_pattern);
    let f = &mut bad_pattern["sections"][si]["fields"][fi];
    f["pattern"] = Value::from("([0-9]+");
    f["pattern_message"] = Value::from("Sai định dạng");
    f["pattern_message_en"] = Value::from("Wrong format");
    let err = dvc_core::dossier::form::parse_form(&bad_pattern.to_string()).unwrap_err();
    assert!(err.to_string().contains("does not compile"), "{err}");
    // The schema accepts it (a pattern is just text): only the engine can tell.
    let v = validator(&catalog_dir().join("schema").join("form.schema.json"));
    assert!(v.is_valid(&bad_pattern));

    let mut bad_option = good.clone();
    let sel = select_field(&bad_option);
    let (si, fi) = text_field(&mut bad_option);
    bad_option["sections"][si]["fields"][fi]["visible_if"] =
        serde_json::json!({"field": sel, "not_equals": "no-such-option"});
    let err = dvc_core::dossier::form::parse_form(&bad_option.to_string()).unwrap_err();
    assert!(err.to_string().contains("is not an option"), "{err}");
}

fn assert_date(what: &str, s: &str) {
    let mut errors = Vec::new();
    check_date(&mut errors, what, s);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

/// Vietnamese letters beyond ASCII (ă â đ ê ô ơ ư and the tone marks).
fn has_vietnamese_letters(s: &str) -> bool {
    s.chars().any(|c| !c.is_ascii() && c.is_alphabetic())
}

#[test]
fn communes_are_the_3321_units_of_the_34_provinces() {
    let doc = read_json(&catalog_dir().join("communes.json"));
    let provinces_doc = read_json(&catalog_dir().join("provinces.json"));
    let province_codes: BTreeSet<&str> = provinces_doc["provinces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_date("communes.verified_at", str_of(&doc, "verified_at"));
    assert_eq!(str_of(&doc, "effective_from"), "2025-07-01");
    assert!(!doc["source"].as_array().unwrap().is_empty());
    let provinces = doc["provinces"].as_array().unwrap();
    assert_eq!(provinces.len(), 34, "34 provinces/cities");
    let mut codes = HashSet::new();
    let mut province_seen = BTreeSet::new();
    let mut stat_codes = BTreeSet::new();
    let (mut xa, mut phuong, mut dac_khu) = (0, 0, 0);
    let mut errors = Vec::new();
    for p in provinces {
        let slug = str_of(p, "province");
        if !province_codes.contains(slug) {
            errors.push(format!("{slug}: not a province of provinces.json"));
        }
        province_seen.insert(slug);
        let code = str_of(p, "code");
        if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_digit()) || !stat_codes.insert(code)
        {
            errors.push(format!(
                "{slug}: province code {code:?} malformed or repeated"
            ));
        }
        for c in p["communes"].as_array().unwrap() {
            let (code, name) = (str_of(c, "code"), str_of(c, "name"));
            if code.len() != 5 || !code.bytes().all(|b| b.is_ascii_digit()) {
                errors.push(format!("{name}: code {code:?} is not 5 digits"));
            }
            if !codes.insert(code.to_string()) {
                errors.push(format!("{name}: code {code} repeated"));
            }
            if name != name.trim() || name.contains("  ") {
                errors.push(format!("{code}: name {name:?} has stray spaces"));
            }
            if name.starts_with("Xã ") {
                xa += 1;
            } else if name.starts_with("Phường ") {
                phuong += 1;
            } else if name.starts_with("Đặc khu ") {
                dac_khu += 1;
            } else {
                errors.push(format!("{code}: {name:?} is not a xã, phường or đặc khu"));
            }
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert_eq!(
        province_seen, province_codes,
        "every province has its communes"
    );
    // Decision 19/2025/QĐ-TTg: 3,321 units — 2,621 xã, 687 phường, 13 đặc khu.
    assert_eq!((xa, phuong, dac_khu), (2621, 687, 13));
    assert_eq!(codes.len(), 3321);
    // Names carry their diacritics (a list typed without them would fail here).
    let with_marks = provinces
        .iter()
        .flat_map(|p| p["communes"].as_array().unwrap())
        .filter(|c| has_vietnamese_letters(str_of(c, "name")))
        .count();
    assert!(
        with_marks * 10 >= codes.len() * 9,
        "{with_marks} of {} names",
        codes.len()
    );
    for known in [
        "Phường Hoàn Kiếm",
        "Đặc khu Côn Đảo",
        "Xã Mường Nhé",
        "Đặc khu Phú Quốc",
    ] {
        assert!(
            provinces
                .iter()
                .flat_map(|p| p["communes"].as_array().unwrap())
                .any(|c| c["name"] == known),
            "{known}"
        );
    }
    // The engine reads the same file.
    let lists = dvc_core::catalog::lists::lists().unwrap();
    assert_eq!(lists.commune_count(), 3321);
    assert_eq!(lists.commune_province("00070"), Some("hanoi"));
}

#[test]
fn ethnicities_and_nationalities_are_complete_and_unique() {
    let doc = read_json(&catalog_dir().join("ethnicities.json"));
    assert_date("ethnicities.verified_at", str_of(&doc, "verified_at"));
    let items = doc["ethnicities"].as_array().unwrap();
    assert_eq!(items.len(), 54, "the 54 ethnic groups of Viet Nam");
    let values: BTreeSet<&str> = items.iter().map(|e| str_of(e, "value")).collect();
    let names: BTreeSet<&str> = items.iter().map(|e| str_of(e, "name")).collect();
    assert_eq!((values.len(), names.len()), (54, 54));
    let codes: Vec<&str> = items
        .iter()
        .filter_map(|e| e["gso_code"].as_str())
        .collect();
    let unique: BTreeSet<&&str> = codes.iter().collect();
    assert_eq!(unique.len(), codes.len(), "GSO codes unique");
    assert_eq!(items[0]["name"], "Kinh");
    assert_eq!(items[0]["gso_code"], "01");
    for n in ["Tày", "Mường", "Khơ-me", "Ê-đê", "Ơ Đu", "Rơ-măm", "Brâu"] {
        assert!(names.contains(n), "{n}");
    }

    let doc = read_json(&catalog_dir().join("nationalities.json"));
    assert_date("nationalities.verified_at", str_of(&doc, "verified_at"));
    let items = doc["nationalities"].as_array().unwrap();
    let codes: BTreeSet<&str> = items.iter().map(|n| str_of(n, "code")).collect();
    assert_eq!(codes.len(), items.len(), "ISO codes unique");
    assert_eq!(items.len(), 249, "ISO 3166-1 assigns 249 alpha-2 codes");
    assert!(codes
        .iter()
        .all(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase())));
    assert_eq!(items[0]["code"], "VN");
    assert_eq!(items[0]["name"], "Việt Nam");
    for c in ["LA", "KH", "CN", "US", "KR", "JP"] {
        assert!(codes.contains(c), "{c}");
    }
}
