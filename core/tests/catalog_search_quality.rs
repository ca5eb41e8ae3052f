//! Search quality on the real bundled catalog: realistic queries (with and without diacritics,
//! everyday words, typos, half-typed) → the procedure the person means. Prints hit@1 and hit@3,
//! for the whole set and for the first [`ORIGINAL_SET`] queries (the set before the catalog grew);
//! fails below hit@1 0.85 or hit@3 0.95.
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use dvc_core::catalog::{self, SearchParams};
use dvc_core::store::Store;

/// How many of [`QUERIES`] made up the set before the catalog grew to 100+ procedures.
const ORIGINAL_SET: usize = 91;

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
    ("cap lai can cuoc bi mat", "id-card-reissue"),
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
    // ---- added with the catalog grown to 100+ procedures
    // civil status (new)
    ("lam lai giay khai sinh", "birth-re-registration"),
    ("mất giấy khai sinh bản chính", "birth-re-registration"),
    ("dang ky lai khai sinh", "birth-re-registration"),
    (
        "người lớn chưa có giấy khai sinh",
        "birth-registration-adult",
    ),
    (
        "khai sinh cho nguoi da co giay to ca nhan",
        "birth-registration-adult",
    ),
    ("chua tung dang ky khai sinh", "birth-registration-adult"),
    (
        "khai sinh kết hợp nhận cha con",
        "birth-and-paternity-registration",
    ),
    (
        "khai sinh cho con chua dang ky ket hon",
        "birth-and-paternity-registration",
    ),
    (
        "lam khai sinh co ten bo khi chua cuoi",
        "birth-and-paternity-registration",
    ),
    (
        "khai sinh co yeu to nuoc ngoai",
        "birth-registration-foreign",
    ),
    (
        "khai sinh cho con lai bố người nước ngoài",
        "birth-registration-foreign",
    ),
    (
        "con sinh o nuoc ngoai ve khai sinh",
        "birth-registration-foreign",
    ),
    ("đăng ký lại kết hôn", "marriage-re-registration"),
    ("mat giay dang ky ket hon", "marriage-re-registration"),
    ("lam lai giay ket hon", "marriage-re-registration"),
    (
        "kết hôn với người nước ngoài",
        "marriage-registration-foreign",
    ),
    ("lay chong nuoc ngoai", "marriage-registration-foreign"),
    (
        "dang ky ket hon voi viet kieu",
        "marriage-registration-foreign",
    ),
    ("mất giấy chứng tử", "death-re-registration"),
    ("dang ky lai khai tu", "death-re-registration"),
    ("đăng ký giám hộ cho cháu", "guardianship-registration"),
    ("lam nguoi giam ho", "guardianship-registration"),
    (
        "giam ho nguoi mat nang luc hanh vi",
        "guardianship-registration",
    ),
    ("chấm dứt giám hộ", "guardianship-termination"),
    ("thoi lam giam ho", "guardianship-termination"),
    (
        "xác nhận thông tin hộ tịch",
        "civil-status-info-confirmation",
    ),
    ("xac nhan ho tich", "civil-status-info-confirmation"),
    ("ghi chú ly hôn ở nước ngoài", "divorce-abroad-recording"),
    (
        "ly hon o nuoc ngoai ve viet nam ghi chu",
        "divorce-abroad-recording",
    ),
    ("nhận con nuôi", "adoption-domestic"),
    ("xin con nuoi", "adoption-domestic"),
    ("nhan nuoi tre bi bo roi", "adoption-domestic"),
    ("dang ky nuoi con nuoi trong nuoc", "adoption-domestic"),
    (
        "khai sinh kem the bhyt cho tre",
        "linked-birth-health-insurance",
    ),
    (
        "lien thong khai sinh bao hiem y te",
        "linked-birth-health-insurance",
    ),
    // civil status (old, colloquial, typos)
    ("giấy khai sinh cho em bé mới sinh", "birth-registration"),
    ("khai sihn", "birth-registration"),
    ("lam giay ket hon", "marriage-registration"),
    ("dang ki ket hon", "marriage-registration"),
    ("giay xac nhan chua ket hon", "marital-status-certificate"),
    ("xac nhan doc than de lay vo", "marital-status-certificate"),
    ("cai chinh ten trong khai sinh", "civil-status-change"),
    ("doi ten cho con", "civil-status-change"),
    ("xin ban sao giay khai sinh", "civil-status-extract-copy"),
    ("bao tu cho bo", "death-registration"),
    ("làm giấy chứng tử", "death-registration"),
    ("nhan con ngoai gia thu", "parent-child-recognition"),
    // residence
    ("gia hạn tạm trú", "temporary-residence-extension"),
    ("gia han tam tru online", "temporary-residence-extension"),
    ("tam tru sap het han", "temporary-residence-extension"),
    ("xoa dang ky thuong tru", "permanent-residence-removal"),
    ("xóa hộ khẩu người đã mất", "permanent-residence-removal"),
    ("cat ho khau", "permanent-residence-removal"),
    ("xoa tam tru", "temporary-residence-removal"),
    ("chuyen tro xoa tam tru", "temporary-residence-removal"),
    ("tach ho khau", "household-split"),
    ("tách hộ ra ở riêng", "household-split"),
    ("tach ho", "household-split"),
    ("xác nhận cư trú", "residence-confirmation"),
    ("giay xac nhan cu tru ct07", "residence-confirmation"),
    ("xin giay thay so ho khau", "residence-confirmation"),
    (
        "khai bao cu tru khi khong co cho o hop phap",
        "residence-info-declaration",
    ),
    (
        "chua du dieu kien dang ky thuong tru",
        "residence-info-declaration",
    ),
    (
        "dang ky tam tru cho sinh vien thue tro",
        "temporary-residence",
    ),
    ("dang ky thuong tru vao nha moi mua", "permanent-residence"),
    ("khai bao tam vang di lam xa", "temporary-absence"),
    ("bao luu tru cho khach o nha", "stay-notification"),
    // identity
    ("doi can cuoc", "id-card-renewal"),
    ("đổi cccd hết hạn 25 tuổi", "id-card-renewal"),
    ("doi the can cuoc vi sai thong tin", "id-card-renewal"),
    ("cap doi can cuoc cong dan", "id-card-renewal"),
    ("mat cccd", "id-card-reissue"),
    ("mất thẻ căn cước", "id-card-reissue"),
    ("lam lai can cuoc bi mat", "id-card-reissue"),
    ("can cuoc cho tre em", "id-card-under-14"),
    ("lam can cuoc cho con duoi 14 tuoi", "id-card-under-14"),
    ("làm căn cước cho bé", "id-card-under-14"),
    ("lam can cuoc lan dau", "id-card"),
    ("lam can cuoc khi du 14 tuoi", "id-card"),
    ("dang ky vneid muc 2", "vneid-level-2"),
    ("kich hoat tai khoan dinh danh dien tu", "vneid-level-2"),
    ("làm vneid", "vneid-level-2"),
    ("khoa vneid", "electronic-id-lock"),
    ("mất điện thoại khóa vneid", "electronic-id-lock"),
    ("sai ngay sinh tren vneid", "population-data-correction"),
    ("sua thong tin dan cu", "population-data-correction"),
    (
        "dieu chinh thong tin trong co so du lieu dan cu",
        "population-data-correction",
    ),
    (
        "xac nhan so chung minh nhan dan cu",
        "old-id-number-confirmation",
    ),
    ("giay xac nhan so cmnd", "old-id-number-confirmation"),
    // passports
    ("lam ho chieu online", "passport-domestic"),
    ("xin cap passport", "passport-domestic"),
    ("làm hộ chiếu cho trẻ em", "passport-domestic"),
    ("bao mat passport", "passport-lost-report"),
    // vehicles, licences, traffic
    ("sang ten xe may", "vehicle-ownership-transfer"),
    ("sang tên ô tô cũ", "vehicle-ownership-transfer"),
    ("mua xe cu sang ten", "vehicle-ownership-transfer"),
    ("mat ca vet xe", "vehicle-registration-reissue"),
    (
        "cấp lại giấy đăng ký xe máy",
        "vehicle-registration-reissue",
    ),
    ("mat bien so xe", "vehicle-registration-reissue"),
    ("thu hoi dang ky bien so xe", "vehicle-deregistration"),
    ("bán xe thu hồi cà vẹt", "vehicle-deregistration"),
    ("xe hong huy dang ky", "vehicle-deregistration"),
    (
        "dang ky xe online toan trinh",
        "vehicle-registration-online",
    ),
    ("dang ky xe moi tren vneid", "vehicle-registration-online"),
    ("dang ky xe o to moi mua", "vehicle-registration"),
    ("bang lai quoc te", "driving-licence-international"),
    ("giấy phép lái xe quốc tế", "driving-licence-international"),
    ("doi bang lai quoc te idp", "driving-licence-international"),
    ("thi bang lai xe may", "driving-licence-new"),
    ("thi bằng lái ô tô", "driving-licence-new"),
    ("hoc lai xe thi sat hach", "driving-licence-new"),
    ("bằng lái", "driving-licence-renewal"),
    ("doi bang lai xe may het han", "driving-licence-renewal"),
    ("bang lai bi mat", "driving-licence-reissue"),
    ("tra cuu phat nguoi nop phat", "traffic-fine-camera"),
    // justice and certification
    ("phieu ly lich tu phap so 1", "criminal-record-certificate"),
    ("xin lý lịch tư pháp online", "criminal-record-certificate"),
    ("lylich tu phap", "criminal-record-certificate"),
    ("chung thuc hop dong mua ban dat", "contract-certification"),
    ("chứng thực hợp đồng tặng cho nhà", "contract-certification"),
    (
        "lam hop dong chuyen nhuong dat o xa",
        "contract-certification",
    ),
    ("chung thuc di chuc", "will-certification"),
    ("làm di chúc ở xã", "will-certification"),
    ("lap di chuc", "will-certification"),
    (
        "phan chia di san thua ke",
        "inheritance-division-certification",
    ),
    (
        "thỏa thuận chia thừa kế nhà đất",
        "inheritance-division-certification",
    ),
    ("khai nhan di san", "inheritance-division-certification"),
    ("tu choi nhan di san", "inheritance-refusal-certification"),
    ("từ chối thừa kế", "inheritance-refusal-certification"),
    ("chung thuc ban dich", "translator-signature-certification"),
    (
        "dịch giấy tờ sang tiếng anh có chứng thực",
        "translator-signature-certification",
    ),
    ("ban sao tu so goc", "copy-from-original-register"),
    (
        "xin bản sao bằng tốt nghiệp từ sổ gốc",
        "copy-from-original-register",
    ),
    ("photo cong chung", "certified-copy"),
    ("chung thuc ban sao can cuoc", "certified-copy"),
    ("chứng thực chữ ký giấy ủy quyền", "signature-certification"),
    ("dang ky con dau moi cho doanh nghiep", "seal-registration"),
    // business and tax
    (
        "thay doi dang ky ho kinh doanh",
        "household-business-change",
    ),
    ("đổi ngành nghề hộ kinh doanh", "household-business-change"),
    ("chuyen dia diem ho kinh doanh", "household-business-change"),
    ("tam ngung kinh doanh ho", "household-business-suspension"),
    (
        "tạm nghỉ bán hàng thông báo",
        "household-business-suspension",
    ),
    ("dong cua ho kinh doanh", "household-business-termination"),
    (
        "chấm dứt hoạt động hộ kinh doanh",
        "household-business-termination",
    ),
    ("giai the ho kinh doanh", "household-business-termination"),
    (
        "mat giay phep kinh doanh ho",
        "household-business-certificate-reissue",
    ),
    (
        "cap lai giay chung nhan dang ky ho kinh doanh",
        "household-business-certificate-reissue",
    ),
    (
        "lam giay phep kinh doanh ho ca the",
        "household-business-registration",
    ),
    ("mo tiem tap hoa", "household-business-registration"),
    (
        "thanh lap doanh nghiep tu nhan",
        "private-enterprise-registration",
    ),
    ("mở doanh nghiệp tư nhân", "private-enterprise-registration"),
    (
        "thanh lap cong ty tnhh hai thanh vien",
        "company-registration-llc-multi",
    ),
    (
        "mo cong ty nhieu thanh vien gop von",
        "company-registration-llc-multi",
    ),
    (
        "thành lập công ty một thành viên",
        "company-registration-llc-single",
    ),
    ("dang ky ma so thue ca nhan", "personal-tax-registration"),
    (
        "đăng ký người phụ thuộc giảm trừ gia cảnh",
        "personal-tax-registration",
    ),
    ("lam ma so thue", "personal-tax-registration"),
    (
        "khai thue ho kinh doanh",
        "household-business-tax-declaration",
    ),
    (
        "nộp thuế hộ kinh doanh",
        "household-business-tax-declaration",
    ),
    (
        "thue ban hang online ca nhan",
        "household-business-tax-declaration",
    ),
    // social insurance, health insurance, social protection
    ("rut bao hiem xa hoi mot lan", "social-insurance-lump-sum"),
    ("rút bhxh 1 lần", "social-insurance-lump-sum"),
    ("lanh bhxh mot lan", "social-insurance-lump-sum"),
    ("che do thai san", "maternity-benefit"),
    ("tiền thai sản khi sinh con", "maternity-benefit"),
    ("thai san cho chong khi vo sinh", "maternity-benefit"),
    ("huong che do om dau", "sickness-benefit"),
    ("nghỉ ốm hưởng bảo hiểm xã hội", "sickness-benefit"),
    ("con om me nghi huong bao hiem", "sickness-benefit"),
    ("che do tu tuat", "survivor-benefit"),
    ("tiền tuất hằng tháng", "survivor-benefit"),
    ("tro cap tuat khi bo mat", "survivor-benefit"),
    ("tai nan lao dong", "occupational-accident-benefit"),
    ("bị tai nạn khi đi làm", "occupational-accident-benefit"),
    (
        "benh nghe nghiep huong tro cap",
        "occupational-accident-benefit",
    ),
    (
        "nhan luong huu qua tai khoan ngan hang",
        "social-insurance-payment-method",
    ),
    ("đổi cách nhận lương hưu", "social-insurance-payment-method"),
    (
        "uy quyen linh luong huu",
        "social-insurance-proxy-collection",
    ),
    (
        "nhận thay lương hưu cho bố",
        "social-insurance-proxy-collection",
    ),
    (
        "hoan tien bao hiem y te",
        "health-insurance-direct-reimbursement",
    ),
    (
        "thanh toán trực tiếp chi phí khám bảo hiểm y tế",
        "health-insurance-direct-reimbursement",
    ),
    (
        "mien cung chi tra bhyt",
        "health-insurance-direct-reimbursement",
    ),
    ("dong bhxh tu nguyen", "voluntary-social-insurance"),
    (
        "mua bao hiem y te ho gia dinh",
        "health-insurance-household-renewal",
    ),
    (
        "lam lai the bao hiem y te bi mat",
        "health-insurance-card-reissue",
    ),
    ("giay xac nhan khuyet tat", "disability-certificate"),
    ("xác định mức độ khuyết tật", "disability-certificate"),
    ("lam giay khuyet tat cho con", "disability-certificate"),
    (
        "tro cap hang thang cho nguoi khuyet tat",
        "monthly-social-allowance",
    ),
    ("trợ cấp người già trên 80 tuổi", "monthly-social-allowance"),
    ("ho tro mai tang phi", "funeral-allowance"),
    ("tro cap that nghiep khi nghi viec", "unemployment-benefit"),
    // land, construction
    ("doi so do", "land-certificate-exchange"),
    ("cấp đổi sổ đỏ cũ sang mẫu mới", "land-certificate-exchange"),
    ("so do bi rach", "land-certificate-exchange"),
    ("mat so do", "land-certificate-reissue"),
    ("làm lại sổ đỏ bị mất", "land-certificate-reissue"),
    ("mat so hong", "land-certificate-reissue"),
    ("tach thua", "land-plot-split-merge"),
    ("tách sổ đỏ cho con", "land-plot-split-merge"),
    ("hop thua dat", "land-plot-split-merge"),
    ("chuyen dat vuon len dat o", "land-use-purpose-change"),
    ("lên thổ cư", "land-use-purpose-change"),
    ("chuyen muc dich su dung dat", "land-use-purpose-change"),
    ("hoa giai tranh chap dat", "land-dispute-mediation"),
    (
        "tranh chấp ranh giới đất với hàng xóm",
        "land-dispute-mediation",
    ),
    ("dinh chinh so do sai ten", "land-certificate-correction"),
    ("sổ đỏ ghi sai thông tin", "land-certificate-correction"),
    ("the chap so do vay ngan hang", "land-mortgage-registration"),
    (
        "đăng ký thế chấp quyền sử dụng đất",
        "land-mortgage-registration",
    ),
    ("xoa the chap so do", "land-mortgage-registration"),
    ("lam so do", "land-certificate-first"),
    ("làm sổ đỏ", "land-certificate-first"),
    ("sang tên sổ đỏ khi mua đất", "land-change-registration"),
    ("thua ke dat dang ky bien dong", "land-change-registration"),
    ("xin phep sua nha", "construction-permit-renovation"),
    ("giấy phép cải tạo nhà", "construction-permit-renovation"),
    ("nang tang nha xin phep", "construction-permit-renovation"),
    (
        "gia han giay phep xay dung",
        "construction-permit-extension",
    ),
    (
        "giấy phép xây dựng hết hạn chưa khởi công",
        "construction-permit-extension",
    ),
    ("mat giay phep xay dung", "construction-permit-reissue"),
    ("cấp lại giấy phép xây dựng", "construction-permit-reissue"),
    ("xin giay phep xay nha o", "construction-permit-house"),
    // education, electricity
    ("tuyen sinh lop 1", "grade-1-admission"),
    ("đăng ký cho con vào lớp 1", "grade-1-admission"),
    ("tuyen sinh lop 6", "grade-6-admission"),
    ("cho con vào lớp 6", "grade-6-admission"),
    ("len cap 2 dang ky", "grade-6-admission"),
    (
        "dang ky du thi tot nghiep thpt",
        "highschool-exam-university-admission",
    ),
    ("lap dong ho dien moi", "electricity-new-connection"),
    ("doi ten chu hop dong dien", "electricity-contract-change"),
    // typos and half-typed
    ("gia han tam tr", "temporary-residence-extension"),
    ("tach thu", "land-plot-split-merge"),
    ("rut bhxh mot la", "social-insurance-lump-sum"),
    ("thai sna", "maternity-benefit"),
    ("sang ten xe ma", "vehicle-ownership-transfer"),
    ("chung thuc di chu", "will-certification"),
    ("khuyet tta", "disability-certificate"),
    ("nhan con nuio", "adoption-domestic"),
    ("ly lich tu phapp", "criminal-record-certificate"),
    ("giam hoo", "guardianship-registration"),
    ("lam ho so nghi huu", "pension-claim"),
    ("chuyển lương hưu về quê", "pension-transfer"),
    (
        "chuyen noi nhan luong huu sang tinh khac",
        "pension-transfer",
    ),
    ("du tuoi nghi huu huong luong huu", "pension-claim"),
];

#[test]
fn hit_rates_on_the_bundled_catalog() {
    let store = Store::open_in_memory().unwrap();
    catalog::import_bundled(&store).unwrap();
    assert!(QUERIES.len() >= 300, "only {} queries", QUERIES.len());
    let mut unique = std::collections::BTreeSet::new();
    for (q, _) in QUERIES {
        assert!(unique.insert(*q), "query {q:?} twice");
    }
    // (hit@1, hit@3) for the whole set and for the original part.
    let (mut all, mut original) = ((0usize, 0usize), (0usize, 0usize));
    let mut misses = Vec::new();
    for (i, (q, expected)) in QUERIES.iter().enumerate() {
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
        let first = ids.first() == Some(expected);
        let top3 = ids.contains(expected);
        if !first {
            misses.push(format!("{q:?} → {ids:?} (expected {expected})"));
        }
        for (counts, counted) in [(&mut all, true), (&mut original, i < ORIGINAL_SET)] {
            if counted {
                counts.0 += usize::from(first);
                counts.1 += usize::from(top3);
            }
        }
    }
    let rate = |hits: usize, n: usize| hits as f64 / n as f64;
    let (h1, h3) = (rate(all.0, QUERIES.len()), rate(all.1, QUERIES.len()));
    println!(
        "catalog search quality: {} queries, hit@1 {h1:.3}, hit@3 {h3:.3}; original {ORIGINAL_SET}: hit@1 {:.3}, hit@3 {:.3}",
        QUERIES.len(),
        rate(original.0, ORIGINAL_SET),
        rate(original.1, ORIGINAL_SET),
    );
    for m in &misses {
        println!("  miss@1: {m}");
    }
    assert!(h1 >= 0.85, "hit@1 {h1:.3} below 0.85");
    assert!(h3 >= 0.95, "hit@3 {h3:.3} below 0.95");
}
