//! Console pages (Vietnamese). maud escapes every interpolated value.

use dvc_protocol::dossiers::{Delivery, DossierManifest, DossierState, FormValue, SupplementItem};
use dvc_protocol::events::{BankAccount, Event, EventKind, ResultDelivery};
use maud::{html, Markup, DOCTYPE};

use std::collections::HashMap;

use super::work::{day_text, due_cell};
use crate::catalog::Catalog;
use crate::db::{
    Account, AgencyPaperRow, AuditRow, Consent, Dossier, DossierListRow, IdentityCheckRow, NoteRow,
    RatingRow, RevisionRow,
};
use crate::deadlines::Deadline;
use crate::domain::{next_state, Actor};

/// Vietnamese label of a state.
pub fn state_label(s: DossierState) -> &'static str {
    match s {
        DossierState::Received => "Chờ tiếp nhận",
        DossierState::Accepted => "Đã tiếp nhận",
        DossierState::SupplementRequested => "Yêu cầu bổ sung",
        DossierState::Rejected => "Từ chối",
        DossierState::FeeRequested => "Chờ nộp phí",
        DossierState::Paid => "Đã nộp phí",
        DossierState::ResultReady => "Có kết quả",
        DossierState::Completed => "Hoàn thành",
        DossierState::Cancelled => "Đã hủy",
    }
}

fn event_label(e: &EventKind) -> String {
    match e {
        EventKind::Received => "Hệ thống đã nhận hồ sơ và cấp mã".into(),
        EventKind::Accepted => "Cán bộ đã tiếp nhận hồ sơ".into(),
        EventKind::SupplementRequested { note, items } => {
            let mut out = "Yêu cầu bổ sung".to_owned();
            if !items.is_empty() {
                out.push_str(&format!(" ({})", items_text(items)));
            }
            if !note.is_empty() {
                out.push_str(&format!(": {note}"));
            }
            out
        }
        EventKind::Resubmitted {
            revision,
            changed_fields,
            changed_attachments,
        } => {
            let mut changed: Vec<&str> = changed_fields.iter().map(String::as_str).collect();
            changed.extend(changed_attachments.iter().map(String::as_str));
            if changed.is_empty() {
                format!("Người nộp đã gửi lại hồ sơ (lần {revision}), không thay đổi nội dung")
            } else {
                format!(
                    "Người nộp đã gửi lại hồ sơ (lần {revision}), đã sửa: {}",
                    changed.join(", ")
                )
            }
        }
        EventKind::PaymentClaimed { amount_vnd } => {
            format!("Người nộp báo đã chuyển khoản {} đ", vnd(*amount_vnd))
        }
        EventKind::Rejected { reason } => format!("Từ chối: {reason}"),
        EventKind::FeeRequested {
            amount_vnd, bank, ..
        } => {
            format!(
                "Yêu cầu nộp phí {} đồng vào tài khoản {} ({})",
                vnd(*amount_vnd),
                bank.account_number,
                bank.account_name
            )
        }
        EventKind::Paid => "Đã xác nhận nộp phí".into(),
        EventKind::ResultReady {
            result: ResultDelivery::Online { .. },
        } => "Đã có kết quả điện tử (PDF)".into(),
        EventKind::ResultReady {
            result:
                ResultDelivery::Postal {
                    carrier,
                    tracking_number,
                },
        } => {
            format!("Đã gửi kết quả qua bưu chính: {carrier}, mã vận đơn {tracking_number}")
        }
        EventKind::Completed => "Hoàn thành".into(),
        EventKind::PaperKept { kind, pages, .. } => {
            format!(
                "Cán bộ lưu bản quét: {} ({pages} trang)",
                paper_kind_label(kind)
            )
        }
        EventKind::Cancelled { reason } => match reason {
            Some(r) => format!("Người nộp đã hủy hồ sơ: {r}"),
            None => "Người nộp đã hủy hồ sơ".into(),
        },
    }
}

fn items_text(items: &[SupplementItem]) -> String {
    items
        .iter()
        .map(|i| match i {
            SupplementItem::Field { name } => format!("trường {name}"),
            SupplementItem::Attachment { kind } => format!("tệp {kind}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Vietnamese label of a form field name used in validation messages.
pub fn field_label(f: &str) -> &'static str {
    match f {
        "note" => "nội dung yêu cầu bổ sung (ghi chú hoặc ít nhất một mục)",
        "items" => "các mục cần bổ sung",
        "reason" => "lý do từ chối",
        "amount_vnd" => "số tiền",
        "bank_bin" => "mã ngân hàng (BIN, 6 chữ số)",
        "account_number" => "số tài khoản",
        "account_name" => "tên tài khoản",
        "carrier" => "đơn vị bưu chính",
        "tracking_number" => "mã vận đơn",
        _ => "thao tác",
    }
}

fn vnd(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// `dd/mm/yyyy HH:MM` in Vietnam time.
pub fn vn_time(unix_ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(unix_ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(dvc_protocol::rules::VIETNAM_OFFSET)
        .format(time::macros::format_description!(
            "[day]/[month]/[year] [hour]:[minute]"
        ))
        .unwrap_or_default()
}

fn vn_time_rfc(s: &str) -> String {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map(|t| vn_time(i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(0)))
        .unwrap_or_else(|_| s.to_owned())
}

pub(crate) fn layout(title: &str, officer: Option<(&Account, &str)>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="vi" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — Bảng điều khiển cán bộ" }
                link rel="stylesheet" href="/console/static/console.css";
            }
            body {
                header {
                    span.brand { "DVC Đồng Hành — Cán bộ tiếp nhận" }
                    @if let Some((a, csrf)) = officer {
                        a href="/console/dossiers" { "Danh sách hồ sơ" }
                        a href="/console/dashboard" { "Tình hình giải quyết" }
                        a href="/console/reports" { "Báo cáo tổ công nghệ số" }
                        a href="/console/server-qr" { "Mã QR máy chủ" }
                        span { (a.display_name.as_deref().unwrap_or(&a.login)) }
                        form.inline method="post" action="/console/logout" {
                            input type="hidden" name="csrf" value=(csrf);
                            button type="submit" { "Đăng xuất" }
                        }
                    }
                }
                main { (body) }
            }
        }
    }
}

/// Login form.
pub fn login(csrf: &str, error: Option<&str>) -> Markup {
    layout(
        "Đăng nhập",
        None,
        html! {
            div.login {
                h1 { "Đăng nhập" }
                @if let Some(e) = error { div.msg.err role="alert" { (e) } }
                form method="post" action="/console/login" {
                    input type="hidden" name="csrf" value=(csrf);
                    label for="login" { "Tên đăng nhập" }
                    input #login type="text" name="login" autocomplete="username" required autofocus;
                    label for="password" { "Mật khẩu" }
                    input #password type="password" name="password" autocomplete="current-password" required;
                    button type="submit" { "Đăng nhập" }
                }
            }
        },
    )
}

/// An error page.
pub fn error_page(msg: &str) -> Markup {
    layout(
        "Lỗi",
        None,
        html! {
            div.msg.err role="alert" { (msg) }
            p { a href="/console/dossiers" { "Quay lại danh sách hồ sơ" } }
        },
    )
}

/// The filters of the dossier list.
#[derive(Debug, Clone, Copy, Default)]
pub struct ListFilters<'a> {
    /// Only this state.
    pub state: Option<DossierState>,
    /// Code search.
    pub q: Option<&'a str>,
    /// `overdue` or `soon`.
    pub due: Option<&'a str>,
}

/// The agency's dossiers.
pub fn list(
    officer: &Account,
    csrf: &str,
    agency_name: &str,
    filters: ListFilters<'_>,
    rows: &[DossierListRow],
    deadlines: &HashMap<String, Deadline>,
) -> Markup {
    let ListFilters { state, q, due } = filters;
    let catalog = crate::catalog::bundled();
    layout(
        "Danh sách hồ sơ",
        Some((officer, csrf)),
        html! {
            h1 { "Hồ sơ của " (agency_name) }
            nav.tabs aria-label="Lọc theo trạng thái" {
                a href="/console/dossiers" class=@if state.is_none() && due.is_none() { "on" } { "Tất cả" }
                a href="/console/dossiers?due=overdue" class=@if due == Some("overdue") { "on" } data-testid="tab-overdue" { "Quá hạn" }
                a href="/console/dossiers?due=soon" class=@if due == Some("soon") { "on" } data-testid="tab-due-soon" { "Sắp đến hạn" }
                @for s in DossierState::ALL {
                    a href={ "/console/dossiers?state=" (s.as_str()) } class=@if state == Some(*s) { "on" } { (state_label(*s)) }
                }
            }
            form method="get" action="/console/dossiers" {
                @if let Some(s) = state { input type="hidden" name="state" value=(s.as_str()); }
                label for="q" { "Tìm theo mã hồ sơ" }
                input #q type="search" name="q" value=(q.unwrap_or("")) placeholder="VD: 000.00.00.H00-260101-0001";
                button type="submit" { "Tìm" }
            }
            @if rows.is_empty() {
                p.muted { "Không có hồ sơ nào." }
            } @else {
                table {
                    thead { tr { th { "Mã hồ sơ" } th { "Thủ tục" } th { "Trạng thái" } th { "Hạn giải quyết" } th { "Ngày nhận" } th { "Cập nhật" } } }
                    tbody {
                        @for row in rows {
                            @let d = &row.dossier;
                            tr {
                                td { a href={ "/console/dossiers/" (d.uuid) } { (d.code) }
                                    @match basis_of(d) {
                                        Basis::Paper => { " " span.basis.basis-paper { "Nộp hộ — giấy đồng ý" } }
                                        Basis::Consent => { " " span.basis.basis-consent { "Nộp hộ — có đồng ý điện tử" } }
                                        Basis::Own => {}
                                    }
                                }
                                td { (procedure_name(catalog, &d.procedure_code)) }
                                td { span class={ "state state-" (d.state.as_str()) } { (state_label(d.state)) } }
                                td data-testid="due" { (due_cell(deadlines.get(&d.uuid))) }
                                td { (vn_time(d.received_at)) }
                                td { (vn_time(d.updated_at)) }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// A procedure's name from the catalog, with its code; the bare code when the catalog does not
/// know it.
pub fn procedure_name(c: &Catalog, code: &str) -> Markup {
    match c.procedure(code) {
        Some(p) => html! { (p.name) " " span.muted { "(" (code) ")" } },
        None => html! { (code) },
    }
}

/// A field's Vietnamese label from the procedure's form; the key when unknown.
fn field_name<'a>(c: &'a Catalog, procedure: &str, key: &'a str) -> &'a str {
    c.field_label(procedure, key).unwrap_or(key)
}

/// A form value, with a select's choice shown by its label; a repeatable group's rows (a list of
/// groups) as numbered tables whose fields carry their labels too.
fn labelled_value(c: &Catalog, procedure: &str, key: &str, v: &FormValue) -> Markup {
    match v {
        FormValue::Text(t) => {
            if let Some(l) = c.choice_label(procedure, key, t) {
                return html! { (l) };
            }
        }
        FormValue::List(rows) if rows.iter().all(|r| matches!(r, FormValue::Group(_))) => {
            return html! {
                ol.rows {
                    @for r in rows {
                        li {
                            @if let FormValue::Group(m) = r {
                                table {
                                    @for (k, x) in m {
                                        tr { th { (field_name(c, procedure, k)) } td { (labelled_value(c, procedure, k, x)) } }
                                    }
                                }
                            }
                        }
                    }
                }
            };
        }
        _ => {}
    }
    form_value(v)
}

fn form_value(v: &FormValue) -> Markup {
    match v {
        FormValue::Text(s) => html! { (s) },
        FormValue::Bool(b) => html! { (if *b { "Có" } else { "Không" }) },
        FormValue::Number(n) => html! { (n) },
        FormValue::List(items) => html! { ul { @for i in items { li { (form_value(i)) } } } },
        FormValue::Group(m) => {
            html! { table { @for (k, x) in m { tr { th { (k) } td { (form_value(x)) } } } } }
        }
    }
}

/// On what a dossier was filed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// By the applicant's own account.
    Own,
    /// By a volunteer for a citizen's account, under a consent.
    Consent,
    /// By a volunteer on a paper consent (no account link).
    Paper,
}

/// The basis of a stored dossier (its manifest says `paper`; a citizen link means a consent).
pub fn basis_of(d: &Dossier) -> Basis {
    if d.citizen_id.is_some() {
        return Basis::Consent;
    }
    let paper = serde_json::from_str::<DossierManifest>(&d.manifest)
        .ok()
        .and_then(|m| m.consent_basis)
        == Some(dvc_protocol::dossiers::ConsentBasis::Paper);
    if paper {
        Basis::Paper
    } else {
        Basis::Own
    }
}

fn consent_row(c: Option<&Consent>) -> Markup {
    let Some(c) = c else {
        return html! { "Đồng ý điện tử (không còn tìm thấy bản ghi)" };
    };
    let how = match c.method {
        dvc_protocol::auth::ConsentMethod::Otp => "xác nhận bằng mã gửi tới điện thoại người dân",
        dvc_protocol::auth::ConsentMethod::App => "người dân cho phép trong ứng dụng",
    };
    html! {
        "Đồng ý điện tử số " code { (c.id) } " — " (how) ". "
        "Người cho phép: " (c.citizen_name.as_deref().unwrap_or(&c.citizen_login)) " (" (c.citizen_login) "). "
        "Cấp lúc " (vn_time(c.granted_at))
        @if let Some(e) = c.expires_at { ", hiệu lực đến " (vn_time(e)) }
        ". Phạm vi: "
        @match &c.procedures { None => "mọi thủ tục", Some(p) => (p.join(", ")) }
        @if let Some(v) = &c.text_version { ". Văn bản đồng ý: " (v) }
        @if let Some(r) = c.revoked_at {
            @if c.ended.as_deref() == Some("replaced") { ". Đã được thay bằng đồng ý mới lúc " (vn_time(r)) }
            @else { ". Người dân đã rút lại đồng ý lúc " (vn_time(r)) }
        }
    }
}

/// What the dossier page shows.
pub struct DossierPage<'a> {
    /// The officer.
    pub officer: &'a Account,
    /// CSRF token for forms.
    pub csrf: &'a str,
    /// The dossier.
    pub dossier: &'a Dossier,
    /// Its manifest.
    pub manifest: &'a DossierManifest,
    /// Its events.
    pub events: &'a [Event],
    /// Its audit rows.
    pub audit: &'a [AuditRow],
    /// Who submitted it.
    pub submitter: Option<&'a Account>,
    /// The consent it was filed under (on-behalf dossiers).
    pub consent: Option<&'a Consent>,
    /// The agency's bank account (prefills the fee form).
    pub bank: Option<&'a BankAccount>,
    /// Every revision with its manifest, oldest first.
    pub revisions: &'a [(RevisionRow, DossierManifest)],
    /// The applicant's rating.
    pub rating: Option<&'a RatingRow>,
    /// Its due date.
    pub deadline: Option<&'a Deadline>,
    /// The receiving agency's name.
    pub agency_name: Option<&'a str>,
    /// Officers' internal notes, newest first.
    pub notes: &'a [NoteRow],
    /// Identity checks, oldest first.
    pub identity: &'a [IdentityCheckRow],
    /// Papers the agency scanned into the record, oldest first.
    pub papers: &'a [AgencyPaperRow],
    /// Success flash (the new state, or `note`, `identity`, `paper`).
    pub ok: Option<&'a str>,
    /// Error message.
    pub err: Option<&'a str>,
}

fn can(state: DossierState, e: &EventKind) -> bool {
    next_state(state, e, Actor::Officer).is_some()
}

/// One dossier with its actions.
pub fn dossier(p: &DossierPage<'_>) -> Markup {
    let d = p.dossier;
    let m = p.manifest;
    let catalog = crate::catalog::bundled();
    let s = d.state;
    let action_url = format!("/console/dossiers/{}/action", d.uuid);
    let result_url = format!("/console/dossiers/{}/result", d.uuid);
    let note = || EventKind::SupplementRequested {
        note: String::new(),
        items: vec![],
    };
    let fee = EventKind::FeeRequested {
        amount_vnd: 0,
        bank: dvc_protocol::events::BankAccount {
            bank_bin: String::new(),
            account_number: String::new(),
            account_name: String::new(),
        },
        transfer_note: String::new(),
    };
    let result = EventKind::ResultReady {
        result: ResultDelivery::Postal {
            carrier: String::new(),
            tracking_number: String::new(),
        },
    };
    layout(
        &d.code,
        Some((p.officer, p.csrf)),
        html! {
            p { a href="/console/dossiers" { "← Danh sách hồ sơ" } }
            h1 { "Hồ sơ " (d.code) " " span class={ "state state-" (s.as_str()) } { (state_label(s)) } }
            @if let Some(ok) = p.ok {
                div.msg.ok role="status" {
                    @match ok {
                        "note" => "Đã lưu ghi chú nội bộ.",
                        "identity" => "Đã ghi nhận kết quả kiểm tra danh tính.",
                        "paper" => "Đã lưu bản quét vào hồ sơ. Người nộp sẽ thấy giấy tờ này trong mục “Giấy tờ cơ quan lưu”.",
                        _ => { "Đã cập nhật. Trạng thái mới: " (DossierState::parse(ok).map(state_label).unwrap_or("")) },
                    }
                }
            }
            @if let Some(e) = p.err { div.msg.err role="alert" { (e) } }
            table {
                tr { th { "Mã hồ sơ" } td { (d.code) } }
                tr { th { "Thủ tục" } td { (procedure_name(catalog, &m.procedure_code)) } }
                tr { th { "Cơ quan tiếp nhận" } td data-testid="agency" {
                    @if let Some(n) = p.agency_name { (n) " " span.muted { "(" (d.agency_code) ")" } } @else { (d.agency_code) }
                } }
                tr { th { "Ngày nhận" } td { (vn_time(d.received_at)) } }
                tr { th { "Hạn giải quyết" } td data-testid="dossier-due" {
                    (due_cell(p.deadline))
                    @if let Some(dl) = p.deadline {
                        @if let Some(n) = dl.working_days {
                            br; span.muted {
                                (n) " ngày làm việc kể từ ngày nhận"
                                @if dl.paused_days > 0 { ", cộng " (dl.paused_days) " ngày làm việc chờ người nộp bổ sung hoặc nộp phí" }
                                @if let Some(f) = dl.finished { ". Xong ngày " (day_text(f)) }
                                "."
                            }
                        } @else {
                            br; span.muted { "Danh mục thủ tục không ghi thời hạn theo ngày làm việc cho thủ tục này." }
                        }
                    }
                } }
                tr { th { "Người nộp" } td {
                    @if let Some(a) = p.submitter { (a.display_name.as_deref().unwrap_or(&a.login)) " (" (a.login) ")"
                        @if a.role == dvc_protocol::auth::Role::Volunteer { " — tình nguyện viên nộp hộ" } }
                } }
                @match basis_of(d) {
                    Basis::Paper => tr.basis-paper { th { "Cơ sở nộp hộ" } td {
                        "Giấy đồng ý (bản giấy) do tình nguyện viên lưu bản chụp; người nộp hồ sơ không có tài khoản, hồ sơ không gắn tài khoản người dân."
                    } },
                    Basis::Consent => tr.basis-consent { th { "Cơ sở nộp hộ" } td { (consent_row(p.consent)) } },
                    Basis::Own => {},
                }
                tr { th { "Hình thức nhận kết quả" } td {
                    @match &m.delivery {
                        Delivery::Online => "Trực tuyến (tệp PDF)",
                        Delivery::AtAgency => "Nhận trực tiếp tại bộ phận một cửa",
                        Delivery::Postal { recipient, address, phone } => { "Qua bưu chính: " (recipient) ", " (address) ", ĐT " (phone) },
                    }
                } }
            }
            h2 { "Thông tin tờ khai" }
            @if m.form.is_empty() { p.muted { "Không có trường nào." } } @else {
                table data-testid="form-values" { @for (k, v) in &m.form { tr { th { (field_name(catalog, &m.procedure_code, k)) } td { (labelled_value(catalog, &m.procedure_code, k, v)) } } } }
            }
            h2 { "Thành phần hồ sơ" }
            @if m.attachments.is_empty() { p.muted { "Không có tệp đính kèm." } } @else {
                div.photos {
                    @for a in &m.attachments {
                        figure {
                            @if a.content_type.starts_with("image/") {
                                a href={ "/console/blobs/" (a.sha256) } { img src={ "/console/blobs/" (a.sha256) } alt=(catalog.attachment_label(&m.procedure_code, &a.kind).unwrap_or(&a.kind)); }
                            } @else {
                                a href={ "/console/blobs/" (a.sha256) } { "Mở tệp" }
                            }
                            figcaption { (catalog.attachment_label(&m.procedure_code, &a.kind).unwrap_or(&a.kind)) " · " (a.size / 1024) " KB" }
                        }
                    }
                }
            }
            (identity_section(p))
            (papers_section(p, &catalog_paper_url(d)))
            h2 { "Xử lý hồ sơ" }
            @if s.is_final() { p.muted { "Hồ sơ đã kết thúc; không còn thao tác nào." } }
            div.actions {
                @if can(s, &EventKind::Accepted) {
                    form method="post" action=(action_url) {
                        input type="hidden" name="csrf" value=(p.csrf); input type="hidden" name="action" value="accept";
                        p { "Hồ sơ đầy đủ, hợp lệ." }
                        button type="submit" { "Tiếp nhận hồ sơ" }
                    }
                }
                @if can(s, &note()) {
                    form method="post" action=(action_url) {
                        input type="hidden" name="csrf" value=(p.csrf); input type="hidden" name="action" value="supplement";
                        fieldset.items {
                            legend { "Mục cần bổ sung, sửa lại" }
                            @for (i, k) in m.form.keys().enumerate() {
                                label.check for={ "itf" (i) } {
                                    input id={ "itf" (i) } type="checkbox" name="item_field" value=(k);
                                    " Trường: " (field_name(catalog, &m.procedure_code, k))
                                }
                            }
                            @for (i, kind) in attachment_kinds(m).into_iter().enumerate() {
                                label.check for={ "ita" (i) } {
                                    input id={ "ita" (i) } type="checkbox" name="item_attachment" value=(kind);
                                    " Tệp: " (catalog.attachment_label(&m.procedure_code, kind).unwrap_or(kind))
                                }
                            }
                        }
                        label for="note" { "Ghi chú cho người nộp" }
                        textarea #note name="note" rows="3" maxlength="2000" {}
                        p.muted { "Chọn ít nhất một mục hoặc nhập ghi chú." }
                        button type="submit" { "Yêu cầu bổ sung" }
                    }
                }
                @if can(s, &fee) {
                    form method="post" action=(action_url) {
                        input type="hidden" name="csrf" value=(p.csrf); input type="hidden" name="action" value="fee";
                        label for="amount" { "Số tiền (đồng)" }
                        input #amount type="number" name="amount_vnd" min="1" required;
                        label for="bin" { "Mã ngân hàng (BIN)" }
                        input #bin type="text" name="bank_bin" inputmode="numeric" pattern="[0-9]{6}" required value=(p.bank.map(|b| b.bank_bin.as_str()).unwrap_or(""));
                        label for="acct" { "Số tài khoản" }
                        input #acct type="text" name="account_number" required maxlength="19" value=(p.bank.map(|b| b.account_number.as_str()).unwrap_or(""));
                        label for="acctname" { "Tên tài khoản" }
                        input #acctname type="text" name="account_name" required maxlength="100" value=(p.bank.map(|b| b.account_name.as_str()).unwrap_or(""));
                        @if p.bank.is_none() { p.muted { "Cơ quan chưa khai báo tài khoản nhận phí; vui lòng nhập." } }
                        button type="submit" { "Yêu cầu nộp phí" }
                    }
                }
                @if can(s, &EventKind::Paid) {
                    form method="post" action=(action_url) {
                        input type="hidden" name="csrf" value=(p.csrf); input type="hidden" name="action" value="paid";
                        (fee_status(p.events))
                        p { "Đã nhận được tiền phí, lệ phí." }
                        button type="submit" { "Xác nhận đã nộp phí" }
                    }
                }
                @if can(s, &result) {
                    form method="post" action=(result_url) enctype="multipart/form-data" {
                        input type="hidden" name="csrf" value=(p.csrf);
                        label for="file" { "Tệp kết quả (PDF)" }
                        input #file type="file" name="file" accept="application/pdf" required;
                        button type="submit" { "Đính kèm kết quả" }
                    }
                    form method="post" action=(action_url) {
                        input type="hidden" name="csrf" value=(p.csrf); input type="hidden" name="action" value="postal";
                        label for="carrier" { "Đơn vị bưu chính" }
                        input #carrier type="text" name="carrier" value="VNPost" required maxlength="60";
                        label for="tracking" { "Mã vận đơn" }
                        input #tracking type="text" name="tracking_number" required maxlength="40";
                        button type="submit" { "Gửi kết quả qua bưu chính" }
                    }
                }
                @if can(s, &EventKind::Completed) {
                    form method="post" action=(action_url) {
                        input type="hidden" name="csrf" value=(p.csrf); input type="hidden" name="action" value="complete";
                        p { "Người dân đã nhận kết quả." }
                        button type="submit" { "Hoàn thành" }
                    }
                }
                @if can(s, &EventKind::Rejected { reason: String::new() }) {
                    form method="post" action=(action_url) {
                        input type="hidden" name="csrf" value=(p.csrf); input type="hidden" name="action" value="reject";
                        label for="reason" { "Lý do từ chối" }
                        textarea #reason name="reason" rows="3" required maxlength="2000" {}
                        button type="submit" { "Từ chối hồ sơ" }
                    }
                }
            }
            @if p.revisions.len() > 1 {
                h2 { "Các lần nộp và nội dung đã sửa" }
                (revision_history(p.revisions))
            }
            @if let Some(r) = p.rating {
                h2 { "Đánh giá của người nộp" }
                p.rating {
                    span aria-label={ (r.stars) " trên 5 sao" } { (stars_text(r.stars)) } " " (r.stars) "/5 · " (vn_time(r.rated_at))
                }
                @if let Some(c) = &r.comment { blockquote { (c) } }
            }
            (notes_section(p))
            h2 { "Lịch sử xử lý" }
            table {
                thead { tr { th { "Thời gian" } th { "Sự kiện" } th { "Trạng thái" } } }
                tbody {
                    @for e in p.events {
                        tr {
                            td { (vn_time_rfc(&e.at)) }
                            td {
                                (event_label(&e.event))
                                @if let EventKind::ResultReady { result: ResultDelivery::Online { sha256, .. } } = &e.event {
                                    " · " a href={ "/console/blobs/" (sha256) } { "Xem tệp kết quả" }
                                }
                            }
                            td { (state_label(e.state)) }
                        }
                    }
                }
            }
            h2 { "Nhật ký thao tác" }
            @if p.audit.is_empty() { p.muted { "Chưa có thao tác nào." } } @else {
                table.audit {
                    thead { tr { th { "Thời gian" } th { "Cán bộ" } th { "Thao tác" } th { "Chi tiết" } } }
                    tbody { @for a in p.audit { tr { td { (vn_time(a.at)) } td { (a.actor_login) } td { (a.action) } td { (a.detail) } } } }
                }
            }
        },
    )
}

fn catalog_paper_url(d: &Dossier) -> String {
    format!("/console/dossiers/{}/papers", d.uuid)
}

/// The Vietnamese name of a scanned paper's kind (`dvc_protocol::events::PAPER_KINDS`).
pub fn paper_kind_label(kind: &str) -> &'static str {
    match kind {
        "application_form" => "Đơn, tờ khai có chữ ký",
        "identity_card" => "Thẻ căn cước / CCCD",
        "birth_certificate" => "Giấy khai sinh",
        "residence_paper" => "Giấy tờ về cư trú",
        "marriage_paper" => "Giấy tờ về hôn nhân",
        "authorization" => "Giấy ủy quyền",
        "fee_receipt" => "Biên lai phí, lệ phí",
        _ => "Giấy tờ khác",
    }
}

fn who(login: &str, name: Option<&str>) -> String {
    match name {
        Some(n) => format!("{n} ({login})"),
        None => login.to_owned(),
    }
}

/// "Kiểm tra danh tính": the recorded checks as steps with who/when, and the form.
fn identity_section(p: &DossierPage<'_>) -> Markup {
    use crate::identity::{method_label, Outcome, MAX_DETAIL_CHARS};
    let url = format!("/console/dossiers/{}/identity", p.dossier.uuid);
    html! {
        h2 #identity { "Kiểm tra danh tính" }
        @if p.identity.is_empty() {
            p.muted data-testid="identity-none" { "Chưa kiểm tra danh tính người nộp." }
        } @else {
            ol.steps data-testid="identity-steps" {
                @for c in p.identity {
                    li class=(if c.outcome == Outcome::Confirmed { "step ok" } else { "step bad" }) {
                        strong { @if c.outcome == Outcome::Confirmed { "✓ Đã kiểm tra danh tính — khớp" } @else { "✗ Danh tính không khớp" } }
                        br;
                        span { (who(&c.officer_login, c.officer_name.as_deref())) " · " (vn_time(c.checked_at)) }
                        br;
                        span.muted { (method_label(&c.method)) ": " (c.detail) }
                    }
                }
            }
        }
        @if !p.dossier.state.is_final() {
            form.record method="post" action=(url) {
                input type="hidden" name="csrf" value=(p.csrf);
                fieldset.items {
                    legend { "Kết quả đối chiếu giấy tờ với tờ khai" }
                    label.check for="id-ok" { input #id-ok type="radio" name="outcome" value="confirmed" required; " Khớp — đúng người, đúng giấy tờ" }
                    label.check for="id-bad" { input #id-bad type="radio" name="outcome" value="mismatch"; " Không khớp" }
                }
                label for="papers-seen" { "Giấy tờ đã đối chiếu" }
                input #papers-seen type="text" name="papers_seen" required maxlength=(MAX_DETAIL_CHARS) placeholder="VD: Thẻ căn cước bản gốc tại quầy";
                button type="submit" { "Ghi nhận kiểm tra danh tính" }
            }
        }
    }
}

/// "Giấy tờ cơ quan lưu": the scans in the record, and the upload form.
fn papers_section(p: &DossierPage<'_>, url: &str) -> Markup {
    use dvc_protocol::events::{MAX_PAPER_PAGES, PAPER_KINDS};
    html! {
        h2 #papers { "Giấy tờ cơ quan lưu (bản quét)" }
        p.muted { "Người nộp thấy danh sách này trong ứng dụng (loại giấy tờ, số trang, ngày lưu)." }
        @if p.papers.is_empty() {
            p.muted data-testid="papers-none" { "Chưa có bản quét nào." }
        } @else {
            table data-testid="papers" {
                thead { tr { th { "Loại giấy tờ" } th { "Số trang" } th { "Tệp" } th { "Người lưu" } th { "Thời gian" } } }
                tbody {
                    @for x in p.papers {
                        tr {
                            td { (paper_kind_label(&x.kind)) }
                            td { (x.pages) }
                            td { a href={ "/console/blobs/" (x.sha256) } { (file_kind(&x.content_type)) " · " (kb(x.size)) " KB" } }
                            td { (who(&x.officer_login, x.officer_name.as_deref())) }
                            td { (vn_time(x.added_at)) }
                        }
                    }
                }
            }
        }
        form.record method="post" action=(url) enctype="multipart/form-data" {
            input type="hidden" name="csrf" value=(p.csrf);
            label for="paper-kind" { "Loại giấy tờ" }
            select #paper-kind name="kind" required {
                @for k in PAPER_KINDS { option value=(k) { (paper_kind_label(k)) } }
            }
            label for="paper-pages" { "Số trang" }
            input #paper-pages type="number" name="pages" min="1" max=(MAX_PAPER_PAGES) value="1" required;
            label for="paper-file" { "Tệp bản quét (PDF, JPEG hoặc PNG)" }
            input #paper-file type="file" name="file" accept="application/pdf,image/jpeg,image/png" required;
            button type="submit" { "Lưu bản quét vào hồ sơ" }
        }
    }
}

fn file_kind(content_type: &str) -> &'static str {
    match content_type {
        "application/pdf" => "PDF",
        "image/jpeg" => "JPEG",
        "image/png" => "PNG",
        _ => "Tệp",
    }
}

fn kb(size: i64) -> i64 {
    (size + 1023) / 1024
}

/// "Ghi chú nội bộ": notes newest first, and the form.
fn notes_section(p: &DossierPage<'_>) -> Markup {
    let url = format!("/console/dossiers/{}/notes", p.dossier.uuid);
    html! {
        h2 #notes { "Ghi chú nội bộ" }
        p.muted { "Chỉ cán bộ của cơ quan xem được; người nộp không thấy." }
        form.record method="post" action=(url) {
            input type="hidden" name="csrf" value=(p.csrf);
            label for="note-body" { "Ghi chú mới" }
            textarea #note-body name="body" rows="3" required maxlength=(super::records::MAX_NOTE_CHARS) {}
            button type="submit" { "Lưu ghi chú" }
        }
        @if p.notes.is_empty() {
            p.muted data-testid="notes-none" { "Chưa có ghi chú nào." }
        } @else {
            ul.notes data-testid="notes" {
                @for n in p.notes {
                    li {
                        p.note-meta { strong { (who(&n.author_login, n.author_name.as_deref())) } " · " (vn_time(n.created_at)) }
                        p.note-body { (n.body) }
                    }
                }
            }
        }
    }
}

fn attachment_kinds(m: &DossierManifest) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for a in &m.attachments {
        if !out.contains(&a.kind.as_str()) {
            out.push(&a.kind);
        }
    }
    out
}

fn stars_text(n: u8) -> String {
    (1..=5u8).map(|i| if i <= n { '★' } else { '☆' }).collect()
}

/// The latest fee request and the applicant's payment claims after it.
fn fee_status(events: &[Event]) -> Markup {
    let Some(i) = events
        .iter()
        .rposition(|e| matches!(e.event, EventKind::FeeRequested { .. }))
    else {
        return html! {};
    };
    let fee = match &events[i].event {
        EventKind::FeeRequested { amount_vnd, .. } => *amount_vnd,
        _ => 0,
    };
    let claims: Vec<(u64, &str)> = events[i + 1..]
        .iter()
        .filter_map(|e| match e.event {
            EventKind::PaymentClaimed { amount_vnd } => Some((amount_vnd, e.at.as_str())),
            _ => None,
        })
        .collect();
    html! {
        p { "Phí đã yêu cầu: " strong { (vnd(fee)) " đ" } }
        @if claims.is_empty() {
            p.muted { "Người nộp chưa báo đã chuyển khoản." }
        }
        @for (amount, at) in &claims {
            p.claim {
                "Người nộp báo đã chuyển khoản " strong { (vnd(*amount)) " đ" } " lúc " (vn_time_rfc(at))
                @if *amount != fee { " — " strong.warn { "khác số phí yêu cầu" } }
            }
        }
    }
}

fn value_text(v: Option<&FormValue>) -> Markup {
    match v {
        None => html! { em { "(trống)" } },
        Some(v) => form_value(v),
    }
}

/// Each resubmission against the revision before it: fields old → new, attachments replaced.
fn revision_history(revs: &[(RevisionRow, DossierManifest)]) -> Markup {
    html! {
        @for w in revs.windows(2) {
            @let (prev, next) = (&w[0], &w[1]);
            section.revision {
                h3 { "Lần " (next.0.revision) " · " (vn_time(next.0.submitted_at)) }
                @if next.0.changed_fields.is_empty() && next.0.changed_attachments.is_empty() {
                    p.muted { "Không thay đổi nội dung so với lần trước." }
                }
                @if !next.0.changed_fields.is_empty() {
                    table.diff {
                        thead { tr { th { "Trường" } th { "Trước" } th { "Sau" } } }
                        tbody {
                            @for f in &next.0.changed_fields {
                                tr {
                                    th { (f) }
                                    td.old { (value_text(prev.1.form.get(f))) }
                                    td.new { (value_text(next.1.form.get(f))) }
                                }
                            }
                        }
                    }
                }
                @if !next.0.changed_attachments.is_empty() {
                    ul.diff {
                        @for kind in &next.0.changed_attachments {
                            li {
                                "Tệp " strong { (kind) } ": "
                                @let before: Vec<&str> = prev.1.attachments.iter().filter(|a| &a.kind == kind).map(|a| a.sha256.as_str()).collect();
                                @let after: Vec<&str> = next.1.attachments.iter().filter(|a| &a.kind == kind).map(|a| a.sha256.as_str()).collect();
                                @if before.is_empty() { "thêm mới" } @else if after.is_empty() { "đã bỏ" } @else { "đã thay" }
                                @for (i, h) in before.iter().enumerate() {
                                    " · " a href={ "/console/blobs/" (h) } { "tệp cũ" @if before.len() > 1 { " " (i + 1) } }
                                }
                                @for (i, h) in after.iter().enumerate() {
                                    " · " a href={ "/console/blobs/" (h) } { "tệp mới" @if after.len() > 1 { " " (i + 1) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_rows_show_labels_and_choices() {
        let form = r#"{"procedure": "p", "sections": [{"fields": [
            {"id": "children", "label": "Các con", "fields": [
                {"id": "child_name", "label": "Họ tên con"},
                {"id": "child_sex", "label": "Giới tính", "options": [{"value": "f", "label": "Nữ"}]}
            ]}
        ]}]}"#;
        let proc = r#"{"id": "p", "code": null, "name": "Thủ tục"}"#;
        let c = Catalog::parse(&[("p.json", proc)], &[("p.json", form)]);
        let rows: FormValue = serde_json::from_value(serde_json::json!([
            {"child_name": "Nguyễn Thị Một", "child_sex": "f"},
            {"child_name": "Nguyễn Văn Hai"}
        ]))
        .unwrap_or(FormValue::Text(String::new()));
        let html = labelled_value(&c, "p", "children", &rows).into_string();
        assert_eq!(html.matches("<li>").count(), 2, "{html}");
        assert!(
            html.contains("Họ tên con") && html.contains("Nguyễn Văn Hai"),
            "{html}"
        );
        assert!(
            html.contains("<td>Nữ</td>"),
            "choice shown by its label: {html}"
        );
        assert!(!html.contains("child_name"), "no raw keys: {html}");
        // Plain lists stay lists.
        let plain = FormValue::List(vec![FormValue::Text("a".into())]);
        assert!(labelled_value(&c, "p", "x", &plain)
            .into_string()
            .starts_with("<ul>"));
    }

    #[test]
    fn money_and_time() {
        assert_eq!(vnd(200_000), "200.000");
        assert_eq!(vnd(5), "5");
        assert_eq!(vnd(1_234_567), "1.234.567");
        assert_eq!(vn_time(1_664_334_000_000), "28/09/2022 10:00");
    }

    /// Every after-submission section on one page. With `DVC_CONSOLE_SNAPSHOT=<file.html>` the page
    /// is also written out (stylesheet inlined) for a look in a 360 px browser window.
    #[test]
    fn dossier_page_shows_after_submission_sections() {
        #![allow(clippy::unwrap_used)]
        let officer = Account {
            id: "o".into(),
            login: "canbo.thu".into(),
            role: dvc_protocol::auth::Role::Officer,
            agency_code: Some("A.1".into()),
            display_name: Some("Cán bộ Thử".into()),
            password_hash: String::new(),
            disabled: false,
        };
        let mk = |date: &str, photo: &str| -> DossierManifest {
            serde_json::from_value(serde_json::json!({
                "procedure_code": "1.001456", "agency_code": "A.1",
                "form": {"ho_ten": "Nguyễn Văn Thử", "ngay_sinh": date, "noi_thuong_tru": "Số 1, đường Thử Nghiệm Rất Dài Để Kiểm Tra Xuống Dòng, xã Thử, tỉnh Thử"},
                "attachments": [{"kind": "portrait_4x6", "sha256": photo.repeat(64), "content_type": "image/jpeg", "size": 40960}],
                "delivery": {"method": "online"}
            }))
            .unwrap()
        };
        let (m1, m2) = (mk("01/01/1990", "a"), mk("02/01/1990", "b"));
        let rev = |n: i64, cf: &[&str], ca: &[&str]| RevisionRow {
            dossier_uuid: "d".into(),
            revision: n,
            account_id: "c".into(),
            content_hash: String::new(),
            manifest: String::new(),
            changed_fields: cf.iter().map(|s| s.to_string()).collect(),
            changed_attachments: ca.iter().map(|s| s.to_string()).collect(),
            submitted_at: 1_664_334_000_000 + n * 3_600_000,
            event_seq: n,
        };
        let revisions = vec![
            (rev(1, &[], &[]), m1),
            (rev(2, &["ngay_sinh"], &["portrait_4x6"]), m2.clone()),
        ];
        let ev = |kind: serde_json::Value, state: &str| -> Event {
            serde_json::from_value(serde_json::json!({
                "cursor": "1", "dossier_uuid": "d", "dossier_code": "A.1-220928-0001",
                "state": state, "at": "2022-09-28T03:00:00.000Z", "event": kind
            }))
            .unwrap()
        };
        let events = vec![
            ev(serde_json::json!({"type": "received"}), "received"),
            ev(
                serde_json::json!({"type": "supplement_requested", "note": "Ảnh mờ",
                "items": [{"target": "field", "name": "ngay_sinh"}, {"target": "attachment", "kind": "portrait_4x6"}]}),
                "supplement_requested",
            ),
            ev(
                serde_json::json!({"type": "resubmitted", "revision": 2, "changed_fields": ["ngay_sinh"], "changed_attachments": ["portrait_4x6"]}),
                "received",
            ),
            ev(serde_json::json!({"type": "accepted"}), "accepted"),
            ev(
                serde_json::json!({"type": "fee_requested", "amount_vnd": 200000,
                "bank": {"bank_bin": "970415", "account_number": "0000123456789", "account_name": "DEMO CO QUAN"}, "transfer_note": "A.1-220928-0001"}),
                "fee_requested",
            ),
            ev(
                serde_json::json!({"type": "payment_claimed", "amount_vnd": 200000}),
                "fee_requested",
            ),
        ];
        let d = Dossier {
            uuid: "d".into(),
            code: "A.1-220928-0001".into(),
            agency_code: "A.1".into(),
            procedure_code: "1.001456".into(),
            submitter_id: "c".into(),
            citizen_id: None,
            state: DossierState::FeeRequested,
            content_hash: String::new(),
            manifest: String::new(),
            received_at: 1_664_334_000_000,
            updated_at: 1_664_334_000_000,
            received_seq: 1,
            revision: 2,
            consent_id: None,
        };
        let bank = BankAccount {
            bank_bin: "970415".into(),
            account_number: "0000123456789".into(),
            account_name: "DEMO CO QUAN".into(),
        };
        let rating = RatingRow {
            stars: 4,
            comment: Some("Nhanh gọn <b>".into()),
            rated_at: 1_664_334_000_000,
        };
        let html = dossier(&DossierPage {
            officer: &officer,
            csrf: "t",
            dossier: &d,
            manifest: &m2,
            events: &events,
            audit: &[],
            submitter: None,
            consent: None,
            bank: Some(&bank),
            revisions: &revisions,
            rating: Some(&rating),
            deadline: None,
            agency_name: None,
            notes: &[],
            identity: &[],
            papers: &[],
            ok: None,
            err: None,
        })
        .into_string();
        for needle in [
            "Người nộp báo đã chuyển khoản <strong>200.000 đ</strong> lúc 28/09/2022 10:00",
            "Lần 2",
            "01/01/1990",
            "02/01/1990",
            &format!("/console/blobs/{}", "a".repeat(64)),
            &format!("/console/blobs/{}", "b".repeat(64)),
            "★★★★☆",
            "Nhanh gọn &lt;b&gt;",
            "Yêu cầu bổ sung (trường ngay_sinh, tệp portrait_4x6): Ảnh mờ",
            "đã sửa: ngay_sinh, portrait_4x6",
        ] {
            assert!(html.contains(needle), "{needle} missing");
        }
        assert!(!html.contains("khác số phí yêu cầu"));
        // in `received`, the supplement form lists every field and attachment kind
        let received = Dossier {
            state: DossierState::Received,
            ..d.clone()
        };
        let form_page = dossier(&DossierPage {
            officer: &officer,
            csrf: "t",
            dossier: &received,
            manifest: &m2,
            events: &events[..1],
            audit: &[],
            submitter: None,
            consent: None,
            bank: Some(&bank),
            revisions: &revisions[..1],
            rating: None,
            deadline: None,
            agency_name: None,
            notes: &[],
            identity: &[],
            papers: &[],
            ok: None,
            err: None,
        })
        .into_string();
        for needle in [
            r#"name="item_field" value="noi_thuong_tru""#,
            r#"name="item_attachment" value="portrait_4x6""#,
            r#"value="0000123456789""#,
        ] {
            assert!(form_page.contains(needle), "{needle} missing");
        }
        if let Ok(out) = std::env::var("DVC_CONSOLE_SNAPSHOT") {
            let css = format!("<style>{}</style>", include_str!("console.css"));
            let link = r#"<link rel="stylesheet" href="/console/static/console.css">"#;
            std::fs::write(format!("{out}.form.html"), form_page.replace(link, &css)).unwrap();
            let page = html.replace(
                r#"<link rel="stylesheet" href="/console/static/console.css">"#,
                &format!("<style>{}</style>", include_str!("console.css")),
            );
            std::fs::write(out, page).unwrap();
        }
    }

    #[test]
    fn pages_escape_input() {
        let page = error_page("<script>alert(1)</script>").into_string();
        assert!(!page.contains("<script>alert"));
        assert!(page.contains("&lt;script&gt;"));
    }
}
