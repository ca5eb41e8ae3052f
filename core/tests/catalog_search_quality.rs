//! Search quality on the real bundled catalog: realistic queries (with and without diacritics,
//! everyday words, typos, half-typed) → the procedure the person means. Prints hit@1 and hit@3;
//! fails below hit@1 0.85 or hit@3 0.95.
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use dvc_core::catalog::{self, SearchParams};
use dvc_core::store::Store;

const QUERIES: &[(&str, &str)] = &[
    // passport
    ("lam ho chieu", "passport-domestic"),
    ("làm hộ chiếu", "passport-domestic"),
    ("cap ho chieu pho thong", "passport-domestic"),
    ("passport", "passport-domestic"),
    ("ho chiue", "passport-domestic"),
    ("mat ho chieu", "passport-lost-report"),
    ("báo mất hộ chiếu", "passport-lost-report"),
    // civil status
    ("khai sinh", "birth-registration"),
    ("lam giay khai sinh", "birth-registration"),
    ("dang ky khai sinh cho con", "birth-registration"),
    ("khai tu", "death-registration"),
    ("báo tử người mất", "death-registration"),
    ("dang ky ket hon", "marriage-registration"),
    ("đăng kí kết hôn", "marriage-registration"),
    ("giay xac nhan doc than", "marital-status-certificate"),
    ("xác nhận tình trạng hôn nhân", "marital-status-certificate"),
    ("nhan cha con", "parent-child-recognition"),
    ("sua ten trong giay khai sinh", "civil-status-change"),
    ("cải chính hộ tịch", "civil-status-change"),
    ("trich luc khai sinh", "civil-status-extract-copy"),
    ("ban sao giay khai sinh", "civil-status-extract-copy"),
    (
        "khai sinh thuong tru bhyt cho tre",
        "linked-birth-residence-health-insurance",
    ),
    (
        "lien thong khai sinh",
        "linked-birth-residence-health-insurance",
    ),
    ("lien thong khai tu", "linked-death-residence-funeral"),
    // residence
    ("nhập hộ khẩu", "permanent-residence"),
    ("nhap ho khau", "permanent-residence"),
    ("dang ky thuong tru", "permanent-residence"),
    ("chuyen ho khau", "permanent-residence"),
    ("dang ky tam tru", "temporary-residence"),
    ("tạm trú cho người thuê trọ", "temporary-residence"),
    ("khai bao tam vang", "temporary-absence"),
    ("thong bao luu tru", "stay-notification"),
    ("khai báo lưu trú cho khách", "stay-notification"),
    // identity
    ("lam can cuoc", "id-card"),
    ("làm cccd", "id-card"),
    ("doi cmnd sang can cuoc", "id-card"),
    ("cap lai can cuoc bi mat", "id-card"),
    ("xac nhan so cmnd cu", "old-id-number-confirmation"),
    ("cmnd 9 so", "old-id-number-confirmation"),
    // vehicles and traffic
    ("dang ky xe may", "vehicle-registration"),
    ("bam bien so xe", "vehicle-registration"),
    ("phat nguoi", "traffic-fine-camera"),
    ("nộp phạt nguội", "traffic-fine-camera"),
    ("đổi bằng lái", "driving-licence-renewal"),
    ("doi bang lai xe het han", "driving-licence-renewal"),
    ("gia han gplx", "driving-licence-renewal"),
    ("mat bang lai", "driving-licence-reissue"),
    ("cấp lại bằng lái bị mất", "driving-licence-reissue"),
    // justice, seals
    ("ly lich tu phap", "criminal-record-certificate"),
    ("xin lí lịch tư pháp", "criminal-record-certificate"),
    ("khac dau", "seal-registration"),
    // education, work, insurance
    ("dang ky thi thpt", "highschool-exam-university-admission"),
    ("xét tuyển đại học", "highschool-exam-university-admission"),
    ("tro cap that nghiep", "unemployment-benefit"),
    ("hưởng bảo hiểm thất nghiệp", "unemployment-benefit"),
    ("gia han bhyt", "health-insurance-household-renewal"),
    (
        "mua bảo hiểm y tế hộ gia đình",
        "health-insurance-household-renewal",
    ),
    ("mat the bhyt", "health-insurance-card-reissue"),
    ("cap lai the bao hiem y te", "health-insurance-card-reissue"),
    ("bhxh tu nguyen", "voluntary-social-insurance"),
    (
        "đóng bảo hiểm xã hội tự nguyện",
        "voluntary-social-insurance",
    ),
    // land, construction, electricity
    ("so do", "land-certificate-first"),
    ("làm sổ đỏ lần đầu", "land-certificate-first"),
    ("sang ten so do", "land-change-registration"),
    ("chuyển nhượng đất", "land-change-registration"),
    ("xin phep xay nha", "construction-permit-house"),
    ("giay phep xay dung", "construction-permit-house"),
    ("lap cong to dien", "electricity-new-connection"),
    ("xin cấp điện mới", "electricity-new-connection"),
    ("sang ten hop dong dien", "electricity-contract-change"),
    // business, certification
    ("dang ky ho kinh doanh", "household-business-registration"),
    ("mo quan an", "household-business-registration"),
    ("thanh lap cong ty tnhh", "company-registration-llc-single"),
    ("sao y ban chinh", "certified-copy"),
    ("công chứng giấy tờ", "certified-copy"),
    ("chung thuc chu ky", "signature-certification"),
    // social
    ("tro cap nguoi cao tuoi", "monthly-social-allowance"),
    ("trợ cấp người khuyết tật", "monthly-social-allowance"),
    ("tien mai tang", "funeral-allowance"),
    ("mai táng phí", "funeral-allowance"),
    // half-typed (as you type) and typos
    ("ket ho", "marriage-registration"),
    ("ly lich tu ph", "criminal-record-certificate"),
    ("tam vagn", "temporary-absence"),
    ("thaat nghiep", "unemployment-benefit"),
    // letter by letter, as the list updates while typing
    ("ho chie", "passport-domestic"),
    ("giay khai si", "birth-registration"),
    ("dang ky thuong t", "permanent-residence"),
    ("can cuo", "id-card"),
    ("phat ngu", "traffic-fine-camera"),
    ("tro cap that ng", "unemployment-benefit"),
    ("1.001456", "passport-domestic"),
];

#[test]
fn hit_rates_on_the_bundled_catalog() {
    let store = Store::open_in_memory().unwrap();
    catalog::import_bundled(&store).unwrap();
    assert!(QUERIES.len() >= 60, "only {} queries", QUERIES.len());
    let (mut hit1, mut hit3) = (0usize, 0usize);
    let mut misses = Vec::new();
    for (q, expected) in QUERIES {
        // Every expected id must exist, or the query set is stale.
        catalog::show(&store, expected).unwrap();
        let hits = catalog::search(
            &store,
            &SearchParams {
                query: (*q).to_string(),
                limit: Some(3),
                ..Default::default()
            },
        )
        .unwrap();
        let ids: Vec<&str> = hits.iter().map(|h| h.id.as_str()).collect();
        if ids.first() == Some(expected) {
            hit1 += 1;
        } else {
            misses.push(format!("{q:?} → {ids:?} (expected {expected})"));
        }
        if ids.contains(expected) {
            hit3 += 1;
        }
    }
    let n = QUERIES.len() as f64;
    let (h1, h3) = (hit1 as f64 / n, hit3 as f64 / n);
    println!(
        "catalog search quality: {} queries, hit@1 {h1:.3}, hit@3 {h3:.3}",
        QUERIES.len()
    );
    for m in &misses {
        println!("  miss@1: {m}");
    }
    assert!(h1 >= 0.85, "hit@1 {h1:.3} below 0.85");
    assert!(h3 >= 0.95, "hit@3 {h3:.3} below 0.95");
}
