//! HTML snapshots of the console's work pages: the dashboard, the overdue list and a dossier with
//! its form labels, identity step, scanned papers and notes. The pages are rendered by a real
//! server (on each backend: both must give the same HTML) at a fixed time, normalised — the CSRF
//! token, ids, codes, logins and every date and time are replaced by placeholders — and compared
//! with `tests/snapshots/console/<page>.html`, one tag per line.
//!
//! A page that changed on purpose: `DVC_UPDATE_SNAPSHOTS=1 cargo test -p dvc-sync --test
//! api_suite console_snapshots`, then look at the diff and commit the files. A failing comparison
//! prints the changed lines.

use std::path::PathBuf;

use crate::common::*;
use dvc_protocol::auth::Role;

crate::both_backends!(console_pages_match_their_snapshots);

/// Monday 23 November 2026, 09:00 in Vietnam (02:00 UTC).
const T0_MS: i64 = 1_795_399_200_000;
const DAY_MS: i64 = 86_400_000;

const UPDATE_ENV: &str = "DVC_UPDATE_SNAPSHOTS";

fn snapshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/console")
}

/// `dd/mm/yyyy HH:MM` → `{{time}}`, `dd/mm/yyyy` → `{{date}}`, `yyyy-mm-dd` → `{{iso-date}}`.
fn mask_dates(s: &str) -> String {
    let b = s.as_bytes();
    let digits =
        |i: usize, n: usize| i + n <= b.len() && b[i..i + n].iter().all(u8::is_ascii_digit);
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        if digits(i, 2)
            && at(i + 2, b'/')
            && digits(i + 3, 2)
            && at(i + 5, b'/')
            && digits(i + 6, 4)
        {
            if at(i + 10, b' ') && digits(i + 11, 2) && at(i + 13, b':') && digits(i + 14, 2) {
                out.push_str("{{time}}");
                i += 16;
            } else {
                out.push_str("{{date}}");
                i += 10;
            }
            continue;
        }
        if digits(i, 4)
            && at(i + 4, b'-')
            && digits(i + 5, 2)
            && at(i + 7, b'-')
            && digits(i + 8, 2)
        {
            out.push_str("{{iso-date}}");
            i += 10;
            continue;
        }
        let ch = s[i..].chars().next().unwrap_or('\u{FFFD}');
        out.push(ch);
        i += ch.len_utf8().max(1);
    }
    out
}

/// The page with its volatile parts replaced (`subs`: exact strings and their placeholders, the
/// longest first) and one tag per line.
fn normalise(html: &str, subs: &[(String, &str)]) -> String {
    let mut s = html.to_owned();
    let mut subs: Vec<&(String, &str)> = subs.iter().filter(|(f, _)| !f.is_empty()).collect();
    subs.sort_by_key(|(f, _)| std::cmp::Reverse(f.len()));
    for (from, to) in subs {
        s = s.replace(from.as_str(), to);
    }
    let mut s = mask_dates(&s).replace("><", ">\n<");
    s.push('\n');
    s
}

/// The lines that differ, as `-` (snapshot) and `+` (now) with their line numbers, from a
/// longest-common-subsequence alignment.
fn line_diff(old: &str, new: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, String::new());
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push_str(&format!("-{:>5} {}\n", i + 1, a[i]));
            i += 1;
        } else {
            out.push_str(&format!("+{:>5} {}\n", j + 1, b[j]));
            j += 1;
        }
    }
    out
}

/// Compares `page` with its snapshot (or writes it with [`UPDATE_ENV`]); `Err` says what changed.
fn check(name: &str, page: &str) -> Result<(), String> {
    let path = snapshot_dir().join(format!("{name}.html"));
    if std::env::var_os(UPDATE_ENV).is_some() {
        std::fs::create_dir_all(snapshot_dir()).unwrap();
        let old = std::fs::read_to_string(&path).unwrap_or_default();
        if old != page {
            std::fs::write(&path, page).unwrap();
        }
        return Ok(());
    }
    let old = std::fs::read_to_string(&path)
        .map_err(|e| format!("{}: {e}; write it with {UPDATE_ENV}=1", path.display()))?;
    if old == page {
        return Ok(());
    }
    Err(format!(
        "{name}: the page differs from {} (- snapshot, + now):\n{}\nIf the change is meant, rewrite the snapshots with {UPDATE_ENV}=1 and commit them.",
        path.display(),
        line_diff(&old, page)
    ))
}

async fn console_pages_match_their_snapshots(b: Backend) {
    let h = Harness::start(b).await;
    h.clock.set(T0_MS);
    // A dossier received on Monday 23/11 and left alone: overdue three weeks later.
    let late_applicant = h.user(Role::Citizen).await;
    let late = h
        .submit_ok(&late_applicant.token, &manifest(AGENCY_X, &[]))
        .await;
    h.clock.set(T0_MS + 21 * DAY_MS);
    // One received today, with a portrait, worked on by the officer.
    let u = h.user(Role::Citizen).await;
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let photo = jpeg(2_000, 7);
    let hash = h.upload(&u.token, &photo, 4096).await;
    let r = h
        .submit_ok(&u.token, &manifest(AGENCY_X, &[(&hash, photo.len())]))
        .await;
    let console = h.console(&officer).await;
    let uuid = r.dossier_uuid.clone();
    let res = console
        .record(
            &uuid,
            "identity",
            &[
                ("outcome", "confirmed"),
                ("papers_seen", "Thẻ căn cước bản gốc tại quầy"),
            ],
        )
        .await;
    assert_eq!(res.status(), reqwest::StatusCode::SEE_OTHER);
    let res = console
        .upload_paper(
            &uuid,
            "application_form",
            "2",
            b"%PDF-1.4\n% to khai co chu ky\n".to_vec(),
            "application/pdf",
        )
        .await;
    assert_eq!(res.status(), reqwest::StatusCode::SEE_OTHER);
    for body in [
        "Người nộp hẹn mang bản gốc giấy khai sinh sáng thứ Hai.",
        "Đã đối chiếu ảnh chân dung với thẻ căn cước.",
    ] {
        h.clock.advance(60_000);
        let res = console.record(&uuid, "notes", &[("body", body)]).await;
        assert_eq!(res.status(), reqwest::StatusCode::SEE_OTHER);
    }
    console.act_ok(&uuid, &[("action", "accept")]).await;
    let subs = vec![
        (console.csrf.clone(), "{{csrf}}"),
        (uuid.clone(), "{{dossier-uuid}}"),
        (late.dossier_uuid.clone(), "{{late-dossier-uuid}}"),
        (r.code.clone(), "{{dossier-code}}"),
        (late.code.clone(), "{{late-dossier-code}}"),
        (officer.phone.clone(), "{{officer-login}}"),
        (u.phone.clone(), "{{applicant-login}}"),
        (late_applicant.phone.clone(), "{{late-applicant-login}}"),
    ];
    let mut failures = Vec::new();
    for (name, path) in [
        ("dashboard", "/console/dashboard".to_owned()),
        ("overdue", "/console/dossiers?due=overdue".to_owned()),
        ("dossier", format!("/console/dossiers/{uuid}")),
    ] {
        let (status, page) = console.page(&path).await;
        assert_eq!(status, reqwest::StatusCode::OK, "{path}");
        if let Err(e) = check(name, &normalise(&page, &subs)) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn normalising_and_diffing() {
    assert_eq!(
        mask_dates("Nhận 07/12/2026 09:05, hạn 15/12/2026; tuần 2026-12-07"),
        "Nhận {{time}}, hạn {{date}}; tuần {{iso-date}}"
    );
    assert_eq!(mask_dates("1/2/2026 và 123/45"), "1/2/2026 và 123/45");
    let page = normalise(
        "<p>a</p><input value=\"tok\"><p>x</p>",
        &[("tok".to_owned(), "{{csrf}}")],
    );
    assert_eq!(page, "<p>a</p>\n<input value=\"{{csrf}}\">\n<p>x</p>\n");
    let d = line_diff("a\nb\nc\n", "a\nB\nc\nd\n");
    assert_eq!(d, "-    2 b\n+    2 B\n+    4 d\n");
    assert_eq!(line_diff("same\n", "same\n"), "");
}
