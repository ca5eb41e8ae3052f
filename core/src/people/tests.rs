use super::*;
use crate::secrets::MemorySecrets;

fn core() -> (tempfile::TempDir, Core) {
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open_with(dir.path().into(), Box::new(MemorySecrets::default())).unwrap();
    (dir, core)
}

fn input(name: &str) -> PersonInput {
    PersonInput {
        full_name: name.into(),
        ..PersonInput::default()
    }
}

#[test]
fn add_get_update_list_and_search() {
    let (_d, core) = core();
    let a = core
        .add_person(&PersonInput {
            full_name: "  Đặng   Thị Mẫu ".into(),
            sex: Some("female".into()),
            date_of_birth: Some("1990-05-01".into()),
            id_number: Some("001190000111".into()),
            phone: Some("+84 912 000 111".into()),
            ..PersonInput::default()
        })
        .unwrap();
    assert_eq!(a.full_name, "Đặng Thị Mẫu");
    assert_eq!(a.full_name_upper, "ĐẶNG THỊ MẪU");
    assert_eq!(a.phone.as_deref(), Some("0912000111"));
    assert_eq!(uuid::Uuid::parse_str(&a.id).unwrap().get_version_num(), 7);
    let b = core.add_person(&input("Lê Văn Thử")).unwrap();
    assert_eq!(core.list_people(None).unwrap().len(), 2);
    let hits = core.list_people(Some("dang thi")).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].id, a.id);
    assert_eq!(core.list_people(Some("000111")).unwrap()[0].id, a.id);
    assert!(core.list_people(Some("zzz")).unwrap().is_empty());

    let mut edit = input("Lê Văn Thử");
    edit.email = Some("le@example.vn".into());
    let b2 = core.update_person(&b.id, &edit).unwrap();
    assert_eq!(b2.email.as_deref(), Some("le@example.vn"));
    assert_eq!(b2.created_at, b.created_at);
}

#[test]
fn bad_input_is_refused_with_field_keys_and_changes_nothing() {
    let (_d, core) = core();
    let mut bad = input("Trần Mẫu");
    bad.phone = Some("12345".into());
    bad.date_of_birth = Some("2099-01-01".into());
    let errs = check(&bad, validate::today()).unwrap_err();
    let fields: Vec<_> = errs.iter().map(|e| (e.field, e.message_key)).collect();
    assert_eq!(
        fields,
        vec![
            ("date_of_birth", "validation.date_future"),
            ("phone", "validation.phone_invalid")
        ]
    );
    let e = core.add_person(&bad).unwrap_err();
    assert!(e.is_bad_input());
    assert_eq!(e.message_key(), "validation.date_future");
    assert!(core.list_people(None).unwrap().is_empty());
    // ID number that disagrees with sex.
    let mut bad = input("Trần Mẫu");
    bad.sex = Some("male".into());
    bad.id_number = Some("001190000111".into());
    assert_eq!(
        core.add_person(&bad).unwrap_err().message_key(),
        "validation.id_number_century"
    );
}

#[test]
fn duplicate_id_number_is_a_clear_error() {
    let (_d, core) = core();
    let mut p = input("Ngô Mẫu");
    p.id_number = Some("079085000222".into());
    core.add_person(&p).unwrap();
    let e = core.add_person(&p).unwrap_err();
    assert_eq!(e.message_key(), "people.duplicate_id_number");
    assert_eq!(core.list_people(None).unwrap().len(), 1);
}

#[test]
fn from_cccd_fills_the_person() {
    let (_d, core) = core();
    let p = core
        .add_person_from_cccd(
            "079185000333|987654321|Võ Thị Mẫu|07081985|Nữ|Ấp 3, Xã Mẫu|02032022||||",
        )
        .unwrap();
    assert_eq!(p.full_name, "Võ Thị Mẫu");
    assert_eq!(p.sex, Some(Sex::Female));
    assert_eq!(p.date_of_birth.unwrap().to_string(), "1985-08-07");
    assert_eq!(p.id_issue_date.unwrap().to_string(), "2022-03-02");
    assert_eq!(p.permanent_address.as_deref(), Some("Ấp 3, Xã Mẫu"));
    let e = core.add_person_from_cccd("https://example.vn").unwrap_err();
    assert_eq!(e.message_key(), "cccd.error.url");
}

#[test]
fn unknown_or_malformed_ids_are_not_found() {
    let (_d, core) = core();
    assert_eq!(core.person("nope").unwrap_err().code(), "not_found");
    assert_eq!(
        core.person(&uuid::Uuid::now_v7().to_string())
            .unwrap_err()
            .code(),
        "not_found"
    );
    assert!(core.delete_person("nope", true).unwrap_err().is_bad_input());
}

#[test]
fn households_with_members() {
    let (_d, core) = core();
    let a = core.add_person(&input("Bùi Văn Chủ")).unwrap();
    let b = core.add_person(&input("Bùi Thị Con")).unwrap();
    let h = core.add_household("Hộ ông Chủ", Some("Thôn 4")).unwrap();
    core.set_household_member(&h.id, &b.id, Relation::Child)
        .unwrap();
    let d = core
        .set_household_member(&h.id, &a.id, Relation::Head)
        .unwrap();
    assert_eq!(d.members.len(), 2);
    assert_eq!(d.members[0].relation, Relation::Head);
    assert_eq!(d.household.member_count, 2);
    assert_eq!(core.person(&b.id).unwrap().households[0].id, h.id);
    // Changing the relation does not duplicate.
    let d = core
        .set_household_member(&h.id, &b.id, Relation::Grandchild)
        .unwrap();
    assert_eq!(d.members.len(), 2);
    assert!(Relation::parse("boss").is_err());
    assert_eq!(
        core.add_household("  ", None).unwrap_err().code(),
        "invalid_input"
    );
    // Deleting a person removes the membership, not the household.
    core.delete_person(&b.id, true).unwrap();
    assert_eq!(core.household(&h.id).unwrap().members.len(), 1);
    core.remove_household_member(&h.id, &a.id).unwrap();
    core.delete_household(&h.id).unwrap();
    assert!(core.list_households().unwrap().is_empty());
    assert_eq!(core.list_people(None).unwrap().len(), 1);
}

#[test]
fn delete_needs_confirmation() {
    let (_d, core) = core();
    let a = core.add_person(&input("Hà Mẫu")).unwrap();
    let e = core.delete_person(&a.id, false).unwrap_err();
    assert_eq!(e.message_key(), "people.delete_needs_confirmation");
    assert_eq!(core.list_people(None).unwrap().len(), 1);
    core.delete_person(&a.id, true).unwrap();
    assert!(core.list_people(None).unwrap().is_empty());
}
