//! After submission, in the real app against a local dvc-sync server: a passport dossier queued
//! on the device is sent by the app → receipt with the code and its QR → the officer asks for a
//! fee → the app shows the VietQR and its payload decodes to the right amount, account and
//! content → "Tôi đã chuyển khoản" reaches the server → the officer confirms the payment → checking
//! the paid dossier, the officer asks to re-take the portrait (a supplement naming it) → the
//! applicant re-takes it in the app and sends the correction (revision 2 on the server, only the
//! portrait changed) → the officer accepts and attaches a result PDF → the result is downloaded
//! into the applicant's documents and shown → the officer completes → the rating reaches the
//! server. "Tra cứu hồ sơ" finds it by its code, read from a photo of the receipt's QR, and the
//! ID number's last 4 digits (a wrong factor is the plain "not found").
//! Screenshots at 360 px: `after-receipt`, `after-supplement`, `after-fee-qr`, `after-result`,
//! `lookup-not-found`, `lookup-found`.
//!
//! Run by `./x test` (needs the built app, Xvfb and tauri-driver); ignored by a plain `cargo test`.

use std::time::Duration;

use dvc_core::documents::DocumentId;
use dvc_core::photo::synth;
use dvc_protocol::events::EventKind;
use dvc_tests::app::{App, Launch};
use dvc_tests::syncenv::{open_core, Device, Officer, ServerEnv};
use serde_json::Value;

type R<T = ()> = Result<T, Box<dyn std::error::Error>>;

async fn wait_for(app: &App, script: &str, what: &str) -> R<Value> {
    for _ in 0..300 {
        let v = app.js(script).await?;
        if !v.is_null() && v != Value::Bool(false) {
            return Ok(v);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("timed out waiting for {what}").into())
}

/// The app's view of the dossier (the `after_view` command).
async fn view(app: &App, id: &str) -> R<Value> {
    Ok(app
        .js(&format!(
            "return window.__TAURI_INTERNALS__.invoke('after_view', {{ dossierId: '{id}' }});"
        ))
        .await?)
}

/// Asks the app for a sync pass until `ok(view)` holds (the pass pulls the officer's events and
/// sends queued actions).
async fn sync_until(app: &App, id: &str, what: &str, ok: impl Fn(&Value) -> bool) -> R<Value> {
    for _ in 0..60 {
        app.js("return window.__TAURI_INTERNALS__.invoke('sync_now').then(() => true);")
            .await?;
        // Let the pass run (it answers at once and continues in the background).
        for _ in 0..10 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let v = view(app, id).await?;
            if ok(&v) {
                return Ok(v);
            }
        }
    }
    let last = view(app, id).await?;
    Err(format!(
        "timed out waiting for {what}; last view state {}",
        last["state"]
    )
    .into())
}

async fn go(app: &App, path: &str, screen: &str) -> R {
    app.js(&format!("location.hash = '{path}'; return true;"))
        .await?;
    app.find(&format!("[data-screen='{screen}']")).await?;
    Ok(())
}

/// An officer's console action that must be applied (the console answers 303).
async fn officer(o: &Officer, uuid: &str, fields: &[(&str, &str)]) -> R {
    let status = o.act(uuid, fields).await;
    if status != 303 {
        return Err(format!("console action {fields:?}: HTTP {status}").into());
    }
    Ok(())
}

/// A one-page PDF with a few lines of text (a synthetic result paper).
fn sample_pdf(lines: &[&str]) -> Vec<u8> {
    let text: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            format!(
                "BT /F1 {} Tf 60 {} Td ({l}) Tj ET",
                if i == 0 { 20 } else { 13 },
                760 - i * 32
            )
        })
        .collect();
    let text = text.join("\n");
    let objs = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>".to_string(),
        format!("<< /Length {} >>\nstream\n{text}\nendstream", text.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (i, o) in objs.iter().enumerate() {
        offsets.push(out.len());
        out.push_str(&format!("{} 0 obj\n{o}\nendobj\n", i + 1));
    }
    let xref = out.len();
    out.push_str(&format!(
        "xref\n0 {}\n0000000000 65535 f \n",
        objs.len() + 1
    ));
    for o in offsets {
        out.push_str(&format!("{o:010} 00000 n \n"));
    }
    out.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objs.len() + 1
    ));
    out.into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the built app, Xvfb and tauri-driver: run through ./x test"]
async fn after_submission_fee_supplement_result_rating() -> R {
    let env = ServerEnv::start().await;
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let portrait = synth::jpeg(&synth::portrait(600, 900, Default::default()), 90, None);
    let card = synth::jpeg(&synth::card(1000, 630, 0.9), 90, None);
    let dev = Device::with_files(
        &data,
        vec![vec![portrait.clone(), card.clone(), card]],
        &env.direct(),
        &env.token,
    );
    let (id, uuid, _) = dev.dossiers[0].clone();
    let person = dev.core.store().read(|c| {
        c.query_row(
            "SELECT applicant_id FROM dossiers WHERE id = ?1",
            [&id],
            |r| r.get::<_, String>(0),
        )
        .map_err(dvc_core::CoreError::from)
    })?;
    drop(dev);

    let app = App::launch(&Launch::new(&data)).await?;
    assert_eq!(app.wait_ready().await?, "true");
    app.phone_size().await?;

    // 1. The app sends the queued dossier; the receipt shows its code and QR.
    let v = sync_until(&app, &id, "the receipt", |v| v["code"].is_string()).await?;
    let code = v["code"].as_str().unwrap_or_default().to_owned();
    assert_eq!(env.dossier(&uuid).await.receipt.code, code);
    go(
        &app,
        &format!("/sync/dossiers/{id}/receipt"),
        "after-receipt",
    )
    .await?;
    assert_eq!(app.text("[data-testid=receipt-code]").await?, code);
    app.find("[data-testid=receipt-qr] svg").await?;
    app.find("[data-testid=receipt-expected-how]").await?;
    // The receipt as a citizen would photograph it: read back by the lookup screen in step 7.
    let receipt_photo = app.screenshot("after-receipt").await?;

    let console = Officer::login(&env).await;
    // 2. A fee: the VietQR the app shows decodes to the amount, account and transfer content.
    officer(
        &console,
        &uuid,
        &[
            ("action", "fee"),
            ("amount_vnd", "200000"),
            ("bank_bin", "970415"),
            ("account_number", "0000123456789"),
            ("account_name", "DEMO CO QUAN"),
        ],
    )
    .await?;
    let v = sync_until(&app, &id, "the fee request", |v| {
        v["fee"]["qr_payload"].is_string()
    })
    .await?;
    let payload = v["fee"]["qr_payload"].as_str().unwrap_or_default();
    let qr = dvc_core::vietqr::decode(payload)?;
    assert_eq!(qr.amount_vnd, Some(200_000));
    assert_eq!(qr.purpose.as_deref(), Some(code.as_str()));
    assert_eq!(qr.bank_bin, "970415");
    assert_eq!(qr.account, "0000123456789");
    go(&app, &format!("/sync/dossiers/{id}/fee"), "after-fee").await?;
    assert_eq!(app.text("[data-testid=fee-amount]").await?, "200.000 đ");
    app.find("[data-testid=fee-qr] svg").await?;
    assert!(app
        .text("[data-testid=fee-bank]")
        .await?
        .contains("VietinBank"));
    app.screenshot("after-fee-qr").await?;

    // "Tôi đã chuyển khoản" (confirmed), then sent with the next pass.
    app.click("[data-testid=fee-claim]").await?;
    app.click("[data-testid=confirm-yes]").await?;
    app.find("[data-testid=fee-claimed]").await?;
    sync_until(&app, &id, "the payment claim sent", |v| {
        v["fee"]["claim"] == "sent"
    })
    .await?;
    assert!(env.dossier(&uuid).await.events.iter().any(|e| matches!(
        e.event,
        EventKind::PaymentClaimed {
            amount_vnd: 200_000
        }
    )));

    // 3. The officer confirms the payment.
    officer(&console, &uuid, &[("action", "paid")]).await?;

    // 4. Checking the paid dossier, the officer asks to re-take the portrait.
    officer(
        &console,
        &uuid,
        &[
            ("action", "supplement"),
            ("note", "Ảnh chân dung bị tối, hãy chụp lại trên nền trắng."),
            ("item_attachment", "portrait"),
        ],
    )
    .await?;
    sync_until(&app, &id, "the supplement request", |v| {
        v["state"] == "supplement_requested" && v["supplement"].is_object()
    })
    .await?;
    go(&app, &format!("/sync/dossiers/{id}"), "sync-timeline").await?;
    app.click("[data-action=supplement]").await?;
    app.find("[data-screen=after-supplement]").await?;
    let note = app.text("[data-testid=supplement-note]").await?;
    assert!(note.contains("chụp lại"), "{note}");
    app.find("[data-component=portrait]").await?;
    app.screenshot("after-supplement").await?;

    // The applicant re-takes the portrait in the app and sends the correction.
    let retaken = dir.path().join("chan-dung-moi.jpg");
    let mut img = synth::portrait(600, 900, Default::default());
    synth::scale_brightness(&mut img, 1.1);
    std::fs::write(&retaken, synth::jpeg(&img, 90, None))?;
    app.click("[data-detach=portrait]").await?;
    wait_for(
        &app,
        "return !document.querySelector('[data-attached=\"portrait\"]') && !!document.querySelector('[data-capture=\"portrait\"]');",
        "the portrait removed",
    )
    .await?;
    app.click("[data-capture=portrait]").await?;
    app.find("[data-component=portrait] [data-photo-input]")
        .await?
        .send_keys(retaken.to_str().ok_or("path")?.to_string())
        .await?;
    wait_for(
        &app,
        "const b = document.querySelector('[data-component=\"portrait\"] [data-photo-use]'); return !!b && !b.disabled;",
        "the prepared photo",
    )
    .await?;
    app.click("[data-component=portrait] [data-photo-use]")
        .await?;
    wait_for(
        &app,
        "return !!document.querySelector('[data-attached=\"portrait\"]');",
        "the new portrait attached",
    )
    .await?;
    app.click("[data-testid=supplement-send]").await?;
    app.click("[data-testid=confirm-yes]").await?;
    app.find("[data-testid=supplement-status]").await?;
    sync_until(&app, &id, "the correction on the server", |v| {
        v["state"] == "received"
    })
    .await?;
    let server = env.dossier(&uuid).await;
    assert_eq!(server.revision, 2, "the correction is revision 2");
    let revisions = env
        .get_json(&format!("/v1/dossiers/{uuid}/revisions"))
        .await;
    let last = &revisions[1];
    assert_eq!(last["changed_attachments"], serde_json::json!(["portrait"]));
    assert_eq!(last["changed_fields"], serde_json::json!([]));

    // 5. The officer accepts the corrected dossier and attaches the result PDF.
    officer(&console, &uuid, &[("action", "accept")]).await?;
    let pdf = sample_pdf(&[
        "GIAY HEN TRA KET QUA (mau thu nghiem)",
        "Ket qua: Da cap ho chieu (du lieu gia lap)",
    ]);
    assert_eq!(
        console.upload_result(&uuid, pdf.clone()).await,
        303,
        "result upload"
    );
    let v = sync_until(&app, &id, "the result downloaded", |v| {
        v["result"]["document_id"].is_string()
    })
    .await?;
    let doc = v["result"]["document_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(v["fee"]["paid"], true);
    go(&app, &format!("/sync/dossiers/{id}/result"), "after-result").await?;
    app.find("[data-testid=result-in-documents]").await?;
    wait_for(
        &app,
        "return !!document.querySelector('[data-testid=\"result-pdf\"] canvas[data-page=\"1\"]');",
        "the PDF drawn",
    )
    .await?;
    app.screenshot("after-result").await?;

    // 6. Completed → rating, once.
    officer(&console, &uuid, &[("action", "complete")]).await?;
    sync_until(&app, &id, "completed", |v| v["state"] == "completed").await?;
    go(&app, &format!("/sync/dossiers/{id}"), "sync-timeline").await?;
    app.click("[data-action=rate]").await?;
    app.find("[data-screen=after-rate]").await?;
    app.click("[data-star='5']").await?;
    app.find("[data-testid=rating-comment]")
        .await?
        .send_keys("Cán bộ hướng dẫn rõ ràng")
        .await?;
    app.click("[data-testid=rating-send]").await?;
    app.find("[data-testid=rating-done]").await?;
    sync_until(&app, &id, "the rating sent", |v| {
        v["rating"]["state"] == "sent"
    })
    .await?;
    let rating = env
        .dossier(&uuid)
        .await
        .rating
        .ok_or("no rating on the server")?;
    assert_eq!(rating.stars, 5);
    assert_eq!(rating.comment.as_deref(), Some("Cán bộ hướng dẫn rõ ràng"));

    // 7. "Tra cứu hồ sơ" from the dossiers tab: a photo of the receipt's QR code fills in the
    // code; the code and a wrong second factor are the one plain "not found"; the last 4 digits
    // of the ID number show the state, the steps and that it is this account's own.
    app.click("[data-tab='dossiers']").await?;
    app.click("[data-testid='dossiers-lookup']").await?;
    app.find("[data-screen='dossier-lookup']").await?;
    app.find("[data-testid='lookup-scan']")
        .await?
        .send_keys(receipt_photo.to_string_lossy().to_string())
        .await?;
    app.find("[data-testid='lookup-scanned']").await?;
    let filled = app
        .js("return document.querySelector(\"[data-testid='lookup-code']\").value")
        .await?;
    assert_eq!(
        filled.as_str(),
        Some(code.as_str()),
        "the code read from the receipt"
    );
    app.find("[data-testid='lookup-factor']")
        .await?
        .send_keys("0000")
        .await?;
    app.click("[data-testid='lookup-go']").await?;
    let said = app.text("[data-testid='lookup-error']").await?;
    assert!(said.starts_with("Không tìm thấy hồ sơ"), "{said}");
    app.screenshot("lookup-not-found").await?;
    let last4 = &dvc_core::test_support::ID_NUMBER[dvc_core::test_support::ID_NUMBER.len() - 4..];
    app.find("[data-testid='lookup-factor']")
        .await?
        .clear()
        .await?;
    app.find("[data-testid='lookup-factor']")
        .await?
        .send_keys(last4)
        .await?;
    app.click("[data-testid='lookup-go']").await?;
    app.find("[data-testid='lookup-found'][data-state='completed']")
        .await?;
    assert_eq!(app.text("[data-testid='lookup-found-code']").await?, code);
    app.find("[data-testid='lookup-mine']").await?;
    let steps = app
        .js("return document.querySelectorAll(\"[data-testid='timeline'] li\").length")
        .await?;
    assert!(steps.as_u64().unwrap_or(0) >= 5, "the steps: {steps}");
    app.screenshot("lookup-found").await?;
    app.quit().await?;

    // The result file is the applicant's document, byte for byte.
    let core = open_core(&data);
    assert_eq!(core.read_document(&DocumentId(doc.clone()))?, pdf);
    let docs = core.list_documents(&person)?;
    assert!(
        docs.iter().any(|d| d.id.0 == doc),
        "result not in the applicant's documents"
    );
    Ok(())
}
