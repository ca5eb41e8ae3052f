use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use super::check::Attached;
use super::form::{self, bundled_form, common};
use super::*;
use crate::test_support::{ReadyPassport, PROVINCE};

fn ctx() -> CheckContext {
    CheckContext {
        today: "2026-11-23".into(),
        provinces: [PROVINCE, "79"].into_iter().map(String::from).collect(),
    }
}

fn att<'a>(
    component: &'a str,
    document_id: &'a str,
    sha256: &'a str,
    prefilled: bool,
) -> NewAttachment<'a> {
    NewAttachment {
        component,
        document_id,
        sha256,
        bytes: 1000,
        prefilled,
    }
}

fn setup() -> (Store, FormDef) {
    (
        Store::open_in_memory().unwrap(),
        bundled_form("passport-domestic").unwrap(),
    )
}

fn set(store: &Store, form: &FormDef, id: &str, pairs: &[(&str, Value)]) -> i64 {
    let changes: Vec<(String, Value)> = pairs
        .iter()
        .map(|(k, v)| ((*k).into(), v.clone()))
        .collect();
    set_fields(store, form, id, &changes).unwrap()
}

/// A complete synthetic passport dossier (no real person).
fn fill_passport(store: &Store, id: &str) {
    ReadyPassport::new().fill_in_store(store, id).unwrap();
}

#[test]
fn create_prefills_and_marks_prefilled() {
    let (store, form) = setup();
    let mut pre = BTreeMap::new();
    pre.insert("full_name".to_string(), json!("TRẦN THỊ MẪU"));
    pre.insert("not_a_field".to_string(), json!("x"));
    pre.insert("email".to_string(), json!(""));
    let d = create(&store, &form, Some("p1"), None, &pre).unwrap();
    assert_eq!(d.state, DossierState::Draft);
    assert_eq!(
        d.values.len(),
        1,
        "unknown and empty prefill values are skipped"
    );
    assert!(d.prefilled.contains("full_name"));
    // Editing a prefilled value makes it the user's own.
    set(
        &store,
        &form,
        &d.id,
        &[("full_name", json!("Trần Thị Mới"))],
    );
    let d = get(&store, &d.id).unwrap();
    assert!(!d.prefilled.contains("full_name"));
    assert_eq!(
        d.values["full_name"],
        json!("TRẦN THỊ MỚI"),
        "uppercase field"
    );
}

#[test]
fn every_change_bumps_the_revision_and_empty_removes() {
    let (store, form) = setup();
    let d = create(&store, &form, None, None, &BTreeMap::new()).unwrap();
    assert_eq!(set(&store, &form, &d.id, &[("phone", json!("09"))]), 1);
    assert_eq!(set(&store, &form, &d.id, &[("phone", json!("0912"))]), 2);
    assert_eq!(get(&store, &d.id).unwrap().values["phone"], json!("0912"));
    assert_eq!(set(&store, &form, &d.id, &[("phone", json!(""))]), 3);
    assert!(!get(&store, &d.id).unwrap().values.contains_key("phone"));
}

#[test]
fn bad_changes_are_refused_and_change_nothing() {
    let (store, form) = setup();
    let d = create(&store, &form, None, None, &BTreeMap::new()).unwrap();
    set(&store, &form, &d.id, &[("phone", json!("0912345678"))]);
    let cases = [
        (
            vec![
                ("phone".to_string(), json!("0987654321")),
                ("salary".into(), json!("1")),
            ],
            "dossier.unknown_field",
        ),
        (
            vec![("declaration".to_string(), json!("yes"))],
            "dossier.value_type",
        ),
        (
            vec![("sex".to_string(), json!({"a": 1}))],
            "dossier.value_type",
        ),
        (
            vec![("religion".to_string(), json!("x".repeat(5000)))],
            "validation.too_long",
        ),
    ];
    for (changes, key) in cases {
        let e = set_fields(&store, &form, &d.id, &changes).unwrap_err();
        assert_eq!(e.message_key(), key);
    }
    let after = get(&store, &d.id).unwrap();
    assert_eq!(after.revision, 1);
    assert_eq!(after.values["phone"], json!("0912345678"));
    let e = set_fields(&store, &form, "nope", &[("phone".into(), json!("1"))]).unwrap_err();
    assert_eq!(e.code(), "not_found");
}

#[test]
fn check_lists_every_missing_item_in_form_order() {
    let (store, form) = setup();
    let d = create(&store, &form, None, None, &BTreeMap::new()).unwrap();
    let p = problems(&get(&store, &d.id).unwrap(), &form, &ctx());
    let paths: Vec<&str> = p.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths.first(), Some(&"fields.full_name"));
    for must in [
        "fields.id_number",
        "fields.request_type",
        "fields.declaration",
        "components.portrait",
        "components.cccd_back",
    ] {
        assert!(paths.contains(&must), "{must} in {paths:?}");
    }
    // Conditional items are not asked while hidden.
    assert!(!paths.contains(&"fields.old_passport_number"));
    assert!(!paths.contains(&"components.loss_report"));
    assert!(!paths.contains(&"fields.delivery_address"));
    let decl = p.iter().find(|p| p.path == "fields.declaration").unwrap();
    assert_eq!(decl.message_key, "dossier.must_confirm");
    assert_eq!(decl.section, common::SECTION);
}

#[test]
fn check_validates_values_and_conditions() {
    let (store, form) = setup();
    let d = create(&store, &form, None, None, &BTreeMap::new()).unwrap();
    fill_passport(&store, &d.id);
    let dd = get(&store, &d.id).unwrap();
    assert_eq!(problems(&dd, &form, &ctx()), vec![]);
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        (
            "phone",
            json!("0212345678"),
            "fields.phone",
            "validation.phone_invalid",
        ),
        (
            "date_of_birth",
            json!("2030-01-01"),
            "fields.date_of_birth",
            "validation.date_future",
        ),
        (
            "date_of_birth",
            json!("1990-02-30"),
            "fields.date_of_birth",
            "validation.date_invalid",
        ),
        (
            "id_number",
            json!("12345"),
            "fields.id_number",
            "validation.id_number_format",
        ),
        (
            "sex",
            json!("other"),
            "fields.sex",
            "validation.option_invalid",
        ),
        (
            "place_of_birth",
            json!("99"),
            "fields.place_of_birth",
            "validation.option_invalid",
        ),
        (
            "email",
            json!("a@b"),
            "fields.email",
            "validation.email_invalid",
        ),
        (
            "request_type",
            json!("lost"),
            "fields.old_passport_number",
            "dossier.required",
        ),
        (
            "request_type",
            json!("lost"),
            "components.loss_report",
            "dossier.component_missing",
        ),
        (
            "delivery",
            json!("postal"),
            "fields.delivery_address",
            "dossier.required",
        ),
        ("father_name", json!("Trần Văn Cha"), "", ""),
    ];
    for (field, value, path, key) in cases {
        let mut values = dd.values.clone();
        values.insert(field.into(), value);
        let p = check::check(&form, &values, &dd.attached(), &ctx());
        if path.is_empty() {
            assert!(p.is_empty(), "{field}: {p:?}");
        } else {
            assert!(
                p.iter().any(|p| p.path == path && p.message_key == key),
                "{field}: {p:?}"
            );
        }
    }
}

#[test]
fn submit_refuses_incomplete_and_queues_complete_atomically() {
    let (store, form) = setup();
    let d = create(&store, &form, None, None, &BTreeMap::new()).unwrap();
    set(
        &store,
        &form,
        &d.id,
        &[("full_name", json!("Trần Thị Mẫu"))],
    );
    let e = submit(&store, &form, &d.id, &ctx()).unwrap_err();
    assert_eq!(e.message_key(), "dossier.incomplete");
    assert_eq!(get(&store, &d.id).unwrap().state, DossierState::Draft);
    assert!(outbox_pending(&store).unwrap().is_empty());

    fill_passport(&store, &d.id);
    let q = submit(&store, &form, &d.id, &ctx()).unwrap();
    let after = get(&store, &d.id).unwrap();
    assert_eq!(after.state, DossierState::Queued);
    assert_eq!(after.revision, q.revision);
    assert!(after.submitted_at.is_some());
    assert_eq!(outbox_pending(&store).unwrap(), vec![q.clone()]);

    // Read-only from now on, and a second submit does not create a second entry.
    let e = set_fields(
        &store,
        &form,
        &d.id,
        &[("phone".into(), json!("0987654321"))],
    )
    .unwrap_err();
    assert_eq!(e.message_key(), "dossier.read_only");
    assert_eq!(
        submit(&store, &form, &d.id, &ctx())
            .unwrap_err()
            .message_key(),
        "dossier.read_only"
    );
    assert_eq!(
        delete(&store, &d.id).unwrap_err().message_key(),
        "dossier.read_only"
    );
    assert_eq!(outbox_pending(&store).unwrap().len(), 1);
}

#[test]
fn idempotency_keys_are_fresh() {
    let (store, form) = setup();
    let mut keys = BTreeSet::new();
    for _ in 0..5 {
        let d = create(&store, &form, None, None, &BTreeMap::new()).unwrap();
        fill_passport(&store, &d.id);
        keys.insert(
            submit(&store, &form, &d.id, &ctx())
                .unwrap()
                .idempotency_key,
        );
    }
    assert_eq!(keys.len(), 5);
}

#[test]
fn attachments_respect_limits_and_detach() {
    let (store, form) = setup();
    let d = create(&store, &form, None, None, &BTreeMap::new()).unwrap();
    let h = "cd".repeat(32);
    attach(&store, &form, &d.id, &att("portrait", "d1", &h, true)).unwrap();
    let e = attach(&store, &form, &d.id, &att("portrait", "d2", &h, false)).unwrap_err();
    assert_eq!(e.message_key(), "dossier.too_many_files");
    let e = attach(&store, &form, &d.id, &att("selfie", "d2", &h, false)).unwrap_err();
    assert_eq!(e.message_key(), "dossier.unknown_component");
    for i in 0..3 {
        let doc = format!("p{i}");
        attach(&store, &form, &d.id, &att("loss_report", &doc, &h, false)).unwrap();
    }
    let dd = get(&store, &d.id).unwrap();
    assert_eq!(dd.attached()["loss_report"], 3);
    assert!(dd.attachments[0].prefilled || dd.attachments.iter().any(|a| a.prefilled));
    detach(&store, &d.id, "loss_report", 1).unwrap();
    assert_eq!(get(&store, &d.id).unwrap().attached()["loss_report"], 2);
    assert_eq!(
        detach(&store, &d.id, "loss_report", 1).unwrap_err().code(),
        "not_found"
    );
}

#[test]
fn list_and_delete() {
    let (store, form) = setup();
    let a = create(&store, &form, None, None, &BTreeMap::new()).unwrap();
    let b = create(&store, &form, None, None, &BTreeMap::new()).unwrap();
    set(&store, &form, &a.id, &[("phone", json!("0912345678"))]);
    let l = list(&store).unwrap();
    assert_eq!(l.len(), 2);
    assert_eq!(l[0].id, a.id, "most recently changed first");
    delete(&store, &b.id).unwrap();
    assert_eq!(list(&store).unwrap().len(), 1);
    assert_eq!(get(&store, &b.id).unwrap_err().code(), "not_found");
}

#[test]
fn hidden_controlling_field_hides_its_dependants() {
    let form = form::parse_form(
        &serde_json::json!({
            "procedure": "x", "version": 1, "title": "T", "title_en": "T",
            "sections": [{"id": "a", "title": "A", "title_en": "A", "fields": [
                {"id": "who", "kind": "select", "label": "L", "label_en": "L", "required": true,
                 "options": [{"value": "mother", "label": "Mẹ", "label_en": "Mother"},
                             {"value": "other", "label": "Khác", "label_en": "Other"}]},
                {"id": "known", "kind": "checkbox", "label": "L", "label_en": "L",
                 "visible_if": {"field": "who", "equals": "other"}},
                {"id": "name", "kind": "text", "label": "L", "label_en": "L", "required": true,
                 "visible_if": {"field": "known"}}
            ]}],
            "submission": {"delivery": ["online"], "agency": "UBND", "agency_en": "PC"}
        })
        .to_string(),
    )
    .unwrap();
    let mut values = BTreeMap::new();
    values.insert("who".to_string(), json!("other"));
    values.insert("known".to_string(), json!(true));
    let paths = |v: &BTreeMap<String, Value>| -> Vec<String> {
        check::check(&form, v, &Attached::new(), &ctx())
            .into_iter()
            .map(|p| p.path)
            .collect()
    };
    assert_eq!(paths(&values), vec!["fields.name".to_string()]);
    // Switching `who` hides `known`; its leftover `true` must not keep `name` required.
    values.insert("who".to_string(), json!("mother"));
    assert!(paths(&values).is_empty());
}

#[test]
fn progress_grows_with_the_form_and_is_100_only_when_complete() {
    let (store, form) = setup();
    let d = create(&store, &form, Some("p1"), None, &BTreeMap::new()).unwrap();
    let empty = progress(&form, &get(&store, &d.id).unwrap(), &ctx());
    assert_eq!(empty, 0, "nothing filled");
    set(
        &store,
        &form,
        &d.id,
        &[
            ("full_name", json!("Trần Thị Mẫu")),
            ("sex", json!("female")),
        ],
    );
    let some = progress(&form, &get(&store, &d.id).unwrap(), &ctx());
    assert!(some > 0 && some < 100, "partly filled: {some}");
    // An invalid optional value counts as a problem, so it cannot raise the figure.
    set(&store, &form, &d.id, &[("email", json!("not-an-email"))]);
    let with_bad = progress(&form, &get(&store, &d.id).unwrap(), &ctx());
    assert!(with_bad <= some, "{with_bad} > {some}");
    set(&store, &form, &d.id, &[("email", Value::Null)]);
    fill_passport(&store, &d.id);
    let full = get(&store, &d.id).unwrap();
    assert!(problems(&full, &form, &ctx()).is_empty());
    assert_eq!(progress(&form, &full, &ctx()), 100);
    // One missing item again: below 100, never rounded up to it.
    detach(&store, &d.id, "portrait", 0).unwrap();
    let almost = progress(&form, &get(&store, &d.id).unwrap(), &ctx());
    assert!((90..100).contains(&almost), "{almost}");
}

// ---- repeatable groups, not_equals, patterns, data lists --------------------------------------

/// A household form: a province and commune, a pattern, a nationality, and a group of members
/// whose rows have their own required and conditional fields.
fn household_form() -> FormDef {
    let json = json!({
        "procedure": "household-test", "version": 1, "title": "T", "title_en": "T",
        "sections": [{"id": "main", "title": "Hộ", "title_en": "Household", "fields": [
            {"id": "status", "kind": "select", "label": "S", "label_en": "S", "options": [
                {"value": "single", "label": "Độc thân", "label_en": "Single"},
                {"value": "married", "label": "Đã kết hôn", "label_en": "Married"}]},
            {"id": "spouse_name", "kind": "text", "label": "Vợ/chồng", "label_en": "Spouse",
             "required": true, "visible_if": {"field": "status", "not_equals": "single"}},
            {"id": "book_no", "kind": "text", "label": "Số sổ", "label_en": "Book no.",
             "pattern": "[0-9]{6}", "pattern_message": "Gồm 6 chữ số",
             "pattern_message_en": "Six digits"},
            {"id": "nationality", "kind": "select", "label": "Quốc tịch", "label_en": "Nationality",
             "options_from": "nationalities"},
            {"id": "ethnicity", "kind": "select", "label": "Dân tộc", "label_en": "Ethnicity",
             "options_from": "ethnicities"},
            {"id": "home_province", "kind": "select", "label": "Tỉnh", "label_en": "Province",
             "options_from": "provinces"},
            {"id": "home_commune", "kind": "select", "label": "Xã", "label_en": "Commune",
             "options_from": "communes", "options_parent": "home_province"},
            {"id": "members", "kind": "group", "label": "Thành viên", "label_en": "Members",
             "required": true, "min_items": 1, "max_items": 3, "fields": [
                {"id": "member_name", "kind": "text", "label": "Họ tên", "label_en": "Name",
                 "required": true, "uppercase": true},
                {"id": "member_relation", "kind": "select", "label": "Quan hệ",
                 "label_en": "Relation", "required": true, "options": [
                    {"value": "child", "label": "Con", "label_en": "Child"},
                    {"value": "other", "label": "Khác", "label_en": "Other"}]},
                {"id": "member_relation_text", "kind": "text", "label": "Ghi rõ",
                 "label_en": "Specify", "required": true,
                 "visible_if": {"field": "member_relation", "equals": "other"}},
                {"id": "member_id", "kind": "text", "label": "Số định danh",
                 "label_en": "ID number", "pattern": "[0-9]{12}",
                 "pattern_message": "Gồm 12 chữ số", "pattern_message_en": "Twelve digits"}
            ]}
        ]}],
        "submission": {"delivery": ["online"], "agency": "UBND", "agency_en": "PC"}
    });
    form::parse_form(&json.to_string()).unwrap()
}

fn paths(problems: &[check::Problem]) -> Vec<(String, &'static str)> {
    problems
        .iter()
        .map(|p| (p.path.clone(), p.message_key))
        .collect()
}

fn check_values(form: &FormDef, values: &Value) -> Vec<(String, &'static str)> {
    let values: BTreeMap<String, Value> = serde_json::from_value(values.clone()).unwrap();
    let mut ctx = ctx();
    ctx.provinces.insert("hanoi".into());
    ctx.provinces.insert("hue".into());
    paths(&check::check(form, &values, &Attached::new(), &ctx))
}

#[test]
fn a_group_is_checked_row_by_row() {
    let form = household_form();
    // No rows: the required group is missing, nothing else.
    assert_eq!(
        check_values(&form, &json!({})),
        [("fields.members".to_string(), "dossier.required")]
    );
    // Row 0 complete; row 1 misses its name, says "other" without saying what, and has a bad ID.
    let problems = check_values(
        &form,
        &json!({"members": [
            {"member_name": "NGUYỄN VĂN MỘT", "member_relation": "child"},
            {"member_relation": "other", "member_id": "12345"}
        ]}),
    );
    assert_eq!(
        problems,
        [
            (
                "fields.members.1.member_name".to_string(),
                "dossier.required"
            ),
            (
                "fields.members.1.member_relation_text".to_string(),
                "dossier.required"
            ),
            (
                "fields.members.1.member_id".to_string(),
                "validation.pattern"
            ),
        ]
    );
    // Each row's condition looks at its own row only.
    let ok = check_values(
        &form,
        &json!({"members": [
            {"member_name": "A", "member_relation": "other", "member_relation_text": "Cháu"},
            {"member_name": "B", "member_relation": "child", "member_id": "001200000001"}
        ]}),
    );
    assert!(ok.is_empty(), "{ok:?}");
    // Too many rows, a row that is not an object, a group that is not a list.
    let four = json!({"members": [
        {"member_name": "A", "member_relation": "child"},
        {"member_name": "B", "member_relation": "child"},
        {"member_name": "C", "member_relation": "child"},
        {"member_name": "D", "member_relation": "child"}
    ]});
    assert_eq!(
        check_values(&form, &four),
        [("fields.members".to_string(), "dossier.group_too_many")]
    );
    assert_eq!(
        check_values(&form, &json!({"members": ["x"]})),
        [("fields.members.0".to_string(), "dossier.group_invalid")]
    );
    assert_eq!(
        check_values(&form, &json!({"members": "x"})),
        [("fields.members".to_string(), "dossier.group_invalid")]
    );
}

#[test]
fn not_equals_patterns_and_lists_are_checked() {
    let form = household_form();
    let member = json!([{"member_name": "A", "member_relation": "child"}]);
    // not_equals: the spouse is asked unless single; an unanswered status asks nothing.
    assert!(check_values(&form, &json!({"members": member.clone()})).is_empty());
    assert!(check_values(
        &form,
        &json!({"members": member.clone(), "status": "single"})
    )
    .is_empty());
    assert_eq!(
        check_values(
            &form,
            &json!({"members": member.clone(), "status": "married"})
        ),
        [("fields.spouse_name".to_string(), "dossier.required")]
    );
    // Pattern: whole value, spaces around ignored.
    assert!(check_values(
        &form,
        &json!({"members": member.clone(), "book_no": " 123456 "})
    )
    .is_empty());
    assert_eq!(
        check_values(
            &form,
            &json!({"members": member.clone(), "book_no": "12345a"})
        ),
        [("fields.book_no".to_string(), "validation.pattern")]
    );
    // Data lists: real values pass, others do not.
    let good = json!({"members": member.clone(), "nationality": "VN", "ethnicity": "tay",
                      "home_province": "hanoi", "home_commune": "00070"});
    assert!(check_values(&form, &good).is_empty());
    for (field, bad) in [
        ("nationality", "Việt Nam"),
        ("ethnicity", "Tày"),
        ("home_commune", "99999"),
    ] {
        let mut v = good.clone();
        v[field] = json!(bad);
        assert_eq!(
            check_values(&form, &v),
            [(format!("fields.{field}"), "validation.option_invalid")],
            "{field}"
        );
    }
    // A commune of another province than the chosen one.
    let mut v = good.clone();
    v["home_province"] = json!("hue");
    assert_eq!(
        check_values(&form, &v),
        [(
            "fields.home_commune".to_string(),
            "validation.option_invalid"
        )]
    );
}

#[test]
fn group_rows_are_saved_checked_for_shape_and_sent() {
    let store = Store::open_in_memory().unwrap();
    let form = household_form();
    let d = create(&store, &form, None, None, &BTreeMap::new()).unwrap();
    let rows = json!([
        {"member_name": "nguyễn văn một", "member_relation": "child"},
        {"member_name": "Trần Thị Hai", "member_relation": "other", "member_relation_text": "Cháu"}
    ]);
    set(&store, &form, &d.id, &[("members", rows)]);
    let stored = get(&store, &d.id).unwrap();
    // Stored as one value, rows in order, uppercase applied field by field.
    assert_eq!(
        stored.values["members"][0]["member_name"],
        json!("NGUYỄN VĂN MỘT")
    );
    assert_eq!(
        stored.values["members"][1]["member_relation_text"],
        json!("Cháu")
    );
    // Shape errors change nothing.
    let bad: Vec<(&str, Value, &str)> = vec![
        ("members", json!({"member_name": "x"}), "dossier.value_type"),
        ("members", json!(["x"]), "dossier.value_type"),
        ("members", json!([{"nope": "x"}]), "dossier.unknown_field"),
        (
            "members",
            json!([{"member_name": true}]),
            "dossier.value_type",
        ),
        ("members", json!([{}, {}, {}, {}]), "dossier.group_too_many"),
        ("member_name", json!("x"), "dossier.unknown_field"),
    ];
    for (field, value, key) in bad {
        let err = set_fields(&store, &form, &d.id, &[(field.to_string(), value.clone())])
            .expect_err(&format!("{field} {value}"));
        assert_eq!(err.message_key(), key, "{field} {value}");
    }
    assert_eq!(get(&store, &d.id).unwrap().revision, stored.revision);
    // The manifest carries the rows as a list of groups.
    let m = crate::sync::manifest::build(&stored, &form, "X", &[], &[]);
    match &m.form["members"] {
        dvc_protocol::dossiers::FormValue::List(rows) => {
            assert_eq!(rows.len(), 2);
            assert!(matches!(
                rows[0],
                dvc_protocol::dossiers::FormValue::Group(_)
            ));
        }
        other => panic!("members sent as {other:?}"),
    }
    // A dossier without the group keeps its old shape: no key at all.
    let d2 = create(&store, &form, None, None, &BTreeMap::new()).unwrap();
    let m2 = crate::sync::manifest::build(&get(&store, &d2.id).unwrap(), &form, "X", &[], &[]);
    assert!(!m2.form.contains_key("members"));
}

#[test]
fn existing_forms_keep_their_fields_and_commune_procedures_ask_the_commune() {
    // Hand-written forms: same fields as before the new features (no group, no commune).
    let f = bundled_form("passport-domestic").unwrap();
    assert!(f.fields().all(|f| f.kind != form::FieldKind::Group));
    assert!(f.field(common::AGENCY_COMMUNE).is_none());
    // A commune-level procedure's form (resolved through the catalog) asks for the commune.
    let b = crate::catalog::bundled().unwrap();
    let commune_level = b
        .procedures
        .iter()
        .find(|p| p.level == crate::catalog::Level::Commune)
        .expect("a commune-level procedure");
    let f = generated::resolve_form(Some(commune_level), &commune_level.id, &|_| Ok(None)).unwrap();
    let c = f.field(common::AGENCY_COMMUNE).expect("commune field");
    assert_eq!(c.options_parent.as_deref(), Some(common::AGENCY_PROVINCE));
    let province_level = b
        .procedures
        .iter()
        .find(|p| p.level == crate::catalog::Level::Province)
        .expect("a province-level procedure");
    let f =
        generated::resolve_form(Some(province_level), &province_level.id, &|_| Ok(None)).unwrap();
    assert!(f.field(common::AGENCY_COMMUNE).is_none());
}
