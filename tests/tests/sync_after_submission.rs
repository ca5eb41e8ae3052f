//! After submission, headless, against the real dvc-sync server over loopback (officer through
//! the web console, device through the fault proxy): supplement naming one attachment → the
//! device changes only that one and resubmits (only the new blob is uploaded, the server holds
//! revision 2) → accepted → fee → "Tôi đã chuyển khoản" (twice, one claim on the server) → paid
//! → result PDF downloaded through cuts, resumed, hash-checked, stored once in the applicant's
//! documents → completed → rating saved once. (Here the supplement comes before the fee; the
//! server also allows one after payment, see `sync/server/tests/supplement_after_payment.rs`.)
//! And: cancel before acceptance (idempotent), refused after; `kill -9` during the result
//! download.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::time::Duration;

use dvc_core::documents::DocumentKind;
use dvc_core::sync::{Backoff, SyncConfig, SyncReport, Timeouts};
use dvc_core::Core;
use dvc_protocol::dossiers::DossierState;
use dvc_tests::faultproxy::{FaultKind, Link, Schedule};
use dvc_tests::syncenv::{sha, Device, Officer, ServerEnv};

fn cfg() -> SyncConfig {
    SyncConfig {
        timeouts: Timeouts {
            connect: Duration::from_millis(800),
            request: Duration::from_millis(3000),
        },
        backoff: Backoff {
            base: Duration::from_millis(5),
            cap: Duration::from_millis(100),
        },
        attempts_per_dossier: 4,
        ..SyncConfig::default()
    }
}

/// Passes until nothing at all waits (at most `max`), adding up the reports.
async fn sync_all(core: &Core, max: usize) -> SyncReport {
    let mut total = SyncReport::default();
    for _ in 0..max {
        let r = core.sync_once(&cfg(), &|_| {}).await.unwrap();
        let done = r.all_done();
        total.sent.extend(r.sent);
        total.pulled += r.pulled;
        total.uploaded_bytes += r.uploaded_bytes;
        total.skipped_blobs += r.skipped_blobs;
        total.failed_attempts += r.failed_attempts;
        total.actions_sent.extend(r.actions_sent);
        total.actions_quarantined.extend(r.actions_quarantined);
        total.results_stored.extend(r.results_stored);
        total.downloads_resumed += r.downloads_resumed;
        total.downloaded_bytes += r.downloaded_bytes;
        total.pending = r.pending;
        total.actions_pending = r.actions_pending;
        total.results_pending = r.results_pending;
        if done {
            break;
        }
    }
    total
}

/// A synthetic PDF of `n` bytes (distinct content, `%PDF-` header).
fn pdf(n: usize) -> Vec<u8> {
    let mut v = b"%PDF-1.7\n% synthetic result for tests\n".to_vec();
    let mut x: u32 = 0x1234_5678;
    while v.len() < n {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        v.push((x & 0xff) as u8);
    }
    v.truncate(n);
    v
}

fn state(core: &Core, id: &str) -> String {
    core.tracked_dossier(id).unwrap().state
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_story_after_submission() {
    let env = ServerEnv::start().await;
    let dir = tempfile::tempdir().unwrap();
    let dev = Device::new(
        dir.path(),
        1,
        20_000..40_000,
        91,
        &env.proxy.url(),
        &env.token,
    );
    let core = &dev.core;
    let (id, key, files) = &dev.dossiers[0];
    let r = sync_all(core, 3).await;
    assert_eq!(r.sent.len(), 1, "{r:?}");
    let code = core.tracked_dossier(id).unwrap().code.unwrap();
    let officer = Officer::login(&env).await;

    // Supplement naming the portrait only.
    let s = officer
        .act(
            key,
            &[
                ("action", "supplement"),
                ("note", "Ảnh chân dung bị mờ, đề nghị chụp lại"),
                ("item_attachment", "portrait"),
            ],
        )
        .await;
    assert_eq!(s, 303, "supplement request");
    sync_all(core, 2).await;
    assert_eq!(state(core, id), "supplement_requested");
    let d = core.dossier_detail(id).unwrap();
    let sup = d.supplement.expect("supplement kept");
    assert_eq!(sup.state, "open");
    assert_eq!(
        sup.items,
        vec![dvc_protocol::dossiers::SupplementItem::Attachment {
            kind: "portrait".into()
        }]
    );
    // Only the portrait may change.
    assert_eq!(
        core.draft_detach(id, "cccd_front", 0)
            .unwrap_err()
            .message_key(),
        "dossier.supplement_only"
    );
    let person = core.draft_show(id).unwrap().applicant_id.unwrap();
    let mut new_portrait = files[0].clone();
    new_portrait[100] ^= 0x5a;
    new_portrait.extend_from_slice(b"retaken");
    let doc = core
        .store_document(
            &person,
            DocumentKind::Portrait,
            &new_portrait,
            &Default::default(),
        )
        .unwrap();
    core.draft_detach(id, "portrait", 0).unwrap();
    core.draft_attach_document(id, "portrait", &doc.0).unwrap();
    let q = core.dossier_resubmit(id).unwrap();
    assert_eq!(q.revision, Some(2));
    assert_eq!(
        q.changed_attachments.as_deref(),
        Some(&["portrait".to_string()][..])
    );
    assert_eq!(q.changed_fields.as_deref(), Some(&[][..]));
    let r = sync_all(core, 3).await;
    assert_eq!(r.actions_sent.len(), 1, "{r:?}");
    // Only the new portrait went over the wire; the two CCCD sides were already there.
    assert_eq!(r.uploaded_bytes, new_portrait.len() as u64, "{r:?}");
    assert_eq!(r.skipped_blobs, 2);
    let view = env.dossier(key).await;
    assert_eq!(view.revision, 2);
    assert!(view
        .manifest
        .attachments
        .iter()
        .any(|a| a.kind == "portrait" && a.sha256 == sha(&new_portrait)));
    let d = core.dossier_detail(id).unwrap();
    assert_eq!(d.revision, 2);
    assert_eq!(d.revisions[0].changed_attachments, vec!["portrait"]);
    assert_eq!(d.supplement.unwrap().state, "closed");

    // Back in the officer's queue: accepted, then a fee.
    assert_eq!(state(core, id), "received");
    assert_eq!(officer.act(key, &[("action", "accept")]).await, 303);
    // Fee.
    let s = officer
        .act(
            key,
            &[
                ("action", "fee"),
                ("amount_vnd", "200000"),
                ("bank_bin", "970415"),
                ("account_number", "0000123456789"),
                ("account_name", "DEMO CO QUAN"),
            ],
        )
        .await;
    assert_eq!(s, 303);
    sync_all(core, 2).await;
    assert_eq!(state(core, id), "fee_requested");
    let fee = core.dossier_fee(id).unwrap().expect("fee request kept");
    assert_eq!(fee.amount_vnd, 200_000);
    assert_eq!(fee.bank_bin, "970415");
    assert_eq!(fee.transfer_note, code);

    // "Tôi đã chuyển khoản", twice: the server records one claim.
    core.dossier_claim_payment(id).unwrap();
    let r = sync_all(core, 3).await;
    assert_eq!(r.actions_sent.len(), 1, "{r:?}");
    assert_eq!(r.actions_sent[0].kind, "payment_claim");
    core.dossier_claim_payment(id).unwrap();
    let r = sync_all(core, 3).await;
    assert!(r.actions_quarantined.is_empty(), "{r:?}");
    let view = env.dossier(key).await;
    assert_eq!(view.state, DossierState::FeeRequested);
    let claims = view
        .events
        .iter()
        .filter(|e| {
            matches!(
                e.event,
                dvc_protocol::events::EventKind::PaymentClaimed { .. }
            )
        })
        .count();
    assert_eq!(claims, 1, "one claim on the server");
    assert!(core.dossier_fee(id).unwrap().unwrap().claimed_at.is_some());

    // The officer confirms.
    assert_eq!(officer.act(key, &[("action", "paid")]).await, 303);
    sync_all(core, 2).await;
    assert_eq!(state(core, id), "paid");
    assert!(core.dossier_fee(id).unwrap().unwrap().paid_at.is_some());

    // The result PDF.
    let result = pdf(30_000);
    assert_eq!(officer.upload_result(key, result.clone()).await, 303);
    // Through a link that cuts every answer within its first 4 KB: the download can only
    // finish by resuming where it broke (the bytes held are kept across attempts and passes).
    env.proxy.set_schedule(Schedule::new(
        5,
        1.0,
        4_000,
        vec![FaultKind::CutDown],
        Link::default(),
    ));
    let r = sync_all(core, 60).await;
    env.proxy.set_faults(false);
    let r2 = sync_all(core, 3).await;
    assert_eq!(
        r.results_stored.len() + r2.results_stored.len(),
        1,
        "{r:?} {r2:?}"
    );
    assert!(
        r.downloads_resumed + r2.downloads_resumed >= 1,
        "{r:?} {r2:?}"
    );
    let d = core.dossier_detail(id).unwrap();
    let res = d.result.unwrap();
    let doc_id = res.document_id.expect("result stored");
    let stored = core
        .read_document(&dvc_core::documents::DocumentId(doc_id.clone()))
        .unwrap();
    assert_eq!(sha(&stored), sha(&result));
    let results: Vec<_> = core
        .list_documents(&person)
        .unwrap()
        .into_iter()
        .filter(|d| d.kind == DocumentKind::Result)
        .collect();
    assert_eq!(results.len(), 1, "stored once");
    assert_eq!(results[0].media_type, "application/pdf");
    // A second sync (and a replayed feed) stores nothing again.
    dvc_core::sync::db::set_cursor(core.store(), "0").unwrap();
    let r = sync_all(core, 2).await;
    assert!(r.results_stored.is_empty());
    assert_eq!(
        core.list_documents(&person)
            .unwrap()
            .iter()
            .filter(|d| d.kind == DocumentKind::Result)
            .count(),
        1
    );

    // Completed → rated once.
    assert_eq!(officer.act(key, &[("action", "complete")]).await, 303);
    sync_all(core, 2).await;
    assert_eq!(state(core, id), "completed");
    core.dossier_rate(id, 5, Some("Nhanh, cán bộ tận tình"))
        .unwrap();
    assert!(
        core.dossier_rate(id, 5, Some("Nhanh, cán bộ tận tình"))
            .unwrap()
            .already_queued
    );
    assert_eq!(
        core.dossier_rate(id, 2, None).unwrap_err().message_key(),
        "dossier.already_rated"
    );
    let r = sync_all(core, 3).await;
    assert_eq!(r.actions_sent.len(), 1, "{r:?}");
    let view = env.dossier(key).await;
    let rating = view.rating.expect("rating on the server");
    assert_eq!(rating.stars, 5);
    assert_eq!(rating.comment.as_deref(), Some("Nhanh, cán bộ tận tình"));
    assert_eq!(
        core.dossier_detail(id).unwrap().rating.unwrap().state,
        "done"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_before_acceptance_is_idempotent_and_refused_after() {
    let env = ServerEnv::start().await;
    let dir = tempfile::tempdir().unwrap();
    let dev = Device::new(
        dir.path(),
        2,
        2_000..4_000,
        92,
        &env.proxy.url(),
        &env.token,
    );
    let core = &dev.core;
    let (id0, key0, _) = &dev.dossiers[0];
    let (id1, key1, _) = &dev.dossiers[1];
    // Cancel the first while it still waits in the outbox (offline): queued, sent after it.
    let q = core.dossier_cancel(id0, Some("nộp nhầm")).unwrap();
    assert!(!q.already_queued);
    assert!(
        core.dossier_cancel(id0, Some("nộp nhầm"))
            .unwrap()
            .already_queued
    );
    let r = sync_all(core, 3).await;
    assert_eq!(r.sent.len(), 2, "{r:?}");
    assert_eq!(r.actions_sent.len(), 1, "{r:?}");
    assert_eq!(state(core, id0), "cancelled");
    let view = env.dossier(key0).await;
    assert_eq!(view.state, DossierState::Cancelled);
    let cancels = view
        .events
        .iter()
        .filter(|e| matches!(e.event, dvc_protocol::events::EventKind::Cancelled { .. }))
        .count();
    assert_eq!(cancels, 1);
    // Cancelling again locally is refused (already cancelled).
    assert_eq!(
        core.dossier_cancel(id0, None).unwrap_err().message_key(),
        "dossier.cancel_not_allowed"
    );

    // The second: the officer accepts, then the device (which has not seen it yet) cancels.
    let officer = Officer::login(&env).await;
    assert_eq!(officer.act(key1, &[("action", "accept")]).await, 303);
    core.dossier_cancel(id1, None).unwrap();
    let r = sync_all(core, 2).await;
    // Events are pulled first: the device sees "accepted"; the queued cancel still goes and
    // the server refuses it; it is set aside with a reason the app can show.
    assert_eq!(r.actions_quarantined.len(), 1, "{r:?}");
    assert_eq!(
        r.actions_quarantined[0].reason,
        "sync.reason.invalid_transition"
    );
    assert_eq!(state(core, id1), "accepted");
    let d = core.dossier_detail(id1).unwrap();
    assert_eq!(d.pending_actions.len(), 1);
    assert_eq!(d.pending_actions[0].state, "quarantined");
    assert_eq!(
        d.pending_actions[0].last_error.as_deref(),
        Some("sync.reason.invalid_transition")
    );
    assert_eq!(env.dossier(key1).await.state, DossierState::Accepted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_the_result_download_resumes_and_stores_once() {
    use rand::{Rng, SeedableRng};
    use tokio::io::{AsyncBufReadExt, BufReader};

    let env = ServerEnv::start().await;
    let dir = tempfile::tempdir().unwrap();
    let dev = Device::new(
        dir.path(),
        1,
        2_000..4_000,
        93,
        &env.proxy.url(),
        &env.token,
    );
    let (id, key, _) = dev.dossiers[0].clone();
    assert_eq!(sync_all(&dev.core, 3).await.sent.len(), 1);
    let person = dev.core.draft_show(&id).unwrap().applicant_id.unwrap();
    drop(dev);
    let officer = Officer::login(&env).await;
    assert_eq!(officer.act(&key, &[("action", "accept")]).await, 303);
    let result = pdf(2_000_000);
    assert_eq!(officer.upload_result(&key, result.clone()).await, 303);
    // A slow link so the download takes seconds and the kills land inside it.
    env.proxy.set_schedule(Schedule::new(
        0,
        0.0,
        1,
        vec![],
        Link {
            latency: Duration::from_millis(2),
            bytes_per_s: Some(400_000),
        },
    ));
    let url = env.proxy.url();
    let spawn = || {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_sync-client"))
            .arg(dir.path())
            .arg(&url)
            .env_remove("DVC_LOG")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap()
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(0xD0C5);
    let (mut killed, mut held_seen) = (0, Vec::new());
    for _ in 0..6 {
        let mut child = spawn();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .expect("client did not start")
            .unwrap();
        assert_eq!(first.as_deref(), Some("started"));
        let after = Duration::from_millis(rng.random_range(400..1500));
        if let Ok(status) = tokio::time::timeout(after, child.wait()).await {
            assert!(status.unwrap().success());
            break;
        }
        child.start_kill().unwrap(); // SIGKILL
        assert!(!child.wait().await.unwrap().success());
        killed += 1;
        let core = dvc_tests::syncenv::open_core(dir.path());
        let held = core
            .dossier_detail(&id)
            .unwrap()
            .result
            .map(|r| r.downloaded_bytes)
            .unwrap_or(0);
        held_seen.push(held);
    }
    println!("{killed} kills, bytes held after each: {held_seen:?}");
    assert!(killed > 0, "no kill landed during the download");
    // What was held survived the kills: it never shrinks until the file is stored.
    assert!(
        held_seen.windows(2).all(|w| w[1] >= w[0] || w[1] == 0),
        "{held_seen:?}"
    );
    assert!(
        held_seen.iter().any(|&h| h > 0),
        "nothing was kept across kills"
    );
    let mut child = spawn();
    let status = tokio::time::timeout(Duration::from_secs(120), child.wait())
        .await
        .expect("final sync hung")
        .unwrap();
    assert!(status.success(), "final sync: {status}");
    let core = dvc_tests::syncenv::open_core(dir.path());
    let d = core.dossier_detail(&id).unwrap();
    let doc = d.result.unwrap().document_id.expect("result stored");
    let bytes = core
        .read_document(&dvc_core::documents::DocumentId(doc))
        .unwrap();
    assert_eq!(sha(&bytes), sha(&result));
    let n = core
        .list_documents(&person)
        .unwrap()
        .iter()
        .filter(|d| d.kind == DocumentKind::Result)
        .count();
    assert_eq!(n, 1, "stored exactly once");
}
