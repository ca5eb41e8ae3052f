//! A procedure with only a generated e-form, in the real app (WebKitGTK under Xvfb,
//! tauri-driver): its page shows the fee in force on Vietnam's today (with the last day of a
//! temporary rate, and none of the ended ones) and the "Cần kiểm tra tại cơ quan" mark on an
//! unchecked fact; "Tạo hồ sơ" → the applicant → the generated form with the applicant section
//! prefilled from the profile; a note, the one required paper, the submission part → the
//! checklist empties → "Nộp" → queued. The saved draft is read back through `dvc-core`.
//! Screenshots at 360×740: `forms-procedure-fees`, `forms-procedure-marker`,
//! `forms-generated-step`, `forms-generated-missing`, `forms-generated-papers`,
//! `forms-generated-checklist`.
//!
//! Run by `./x test` (needs the built app, Xvfb, tauri-driver); ignored by a plain `cargo test`.

use dvc_core::catalog::{bundled, CatalogDate, OnlineFormKind};
use dvc_core::dossier::generated::{generated_form, NOTES};
use dvc_core::secrets::KeystoreKind;
use dvc_core::{Core, OpenOptions};
use dvc_tests::app::{App, Launch};
use dvc_tests::flows::{
    attach, choose, next, seed_person, settled, step, submit_from_checklist, tick_declaration,
    type_into, value, write_photos, ID, NAME,
};

type R<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// A procedure with a generated form, a temporary fee in force today and an unchecked fee item.
const PROCEDURE: &str = "id-card-renewal";

const NOTE: &str = "Đổi thẻ vì thẻ cũ bị mờ chữ.";

#[tokio::test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run through ./x test"]
async fn a_generated_form_from_an_honest_procedure_page() -> R {
    // What the page must show, from the bundled catalog and Vietnam's today.
    let p = bundled()?
        .procedures
        .iter()
        .find(|p| p.id == PROCEDURE)
        .ok_or("procedure missing from the catalog")?
        .clone();
    assert_eq!(
        p.online_form.as_ref().map(|f| f.kind),
        Some(OnlineFormKind::Generated),
        "{PROCEDURE} should have only a generated form"
    );
    let today = CatalogDate(dvc_protocol::rules::vietnam_today());
    let in_force: Vec<String> = p
        .fees_in_force(today)
        .iter()
        .map(|i| i.amount_vnd.map(|a| a.to_string()).unwrap_or_default())
        .collect();
    let ended = p
        .fees
        .items
        .iter()
        .filter(|i| i.valid_until.is_some_and(|u| u < today))
        .count();
    let temporary = p
        .fees_in_force(today)
        .iter()
        .filter_map(|i| i.valid_until)
        .next();
    let form = generated_form(&p)?;
    let required: Vec<String> = form
        .components
        .iter()
        .filter(|c| c.required)
        .map(|c| c.id.clone())
        .collect();

    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let person = seed_person(&data)?;
    let photos = write_photos(dir.path())?;
    let app = App::launch(&Launch::new(&data)).await?;
    assert_eq!(app.wait_ready().await?, "true");
    app.phone_size().await?;

    // The procedure page: only the fees in force today.
    app.js(&format!(
        "location.hash = '/procedures/{PROCEDURE}'; return true;"
    ))
    .await?;
    app.find("[data-screen='catalog-procedure'] [data-testid='fees-in-force']")
        .await?;
    let shown = app
        .js("return [...document.querySelectorAll('[data-testid=fees-in-force] > li')].map(li => li.dataset.amount);")
        .await?;
    let shown: Vec<String> = serde_json::from_value(shown)?;
    assert_eq!(shown, in_force, "fees shown vs in force on {today}");
    assert!(ended > 0, "the catalog entry should keep an ended rate");
    let header = app.text("[data-testid='fees-today']").await?;
    let d = today.0;
    let vn_today = format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year());
    assert!(header.contains(&vn_today), "{header}");
    if let Some(until) = temporary {
        let u = until.0;
        let text = app.text("[data-testid='fee-until']").await?;
        let want = format!("{:02}/{:02}/{}", u.day(), u8::from(u.month()), u.year());
        assert!(text.contains(&want), "{text} lacks {want}");
        assert!(text.contains("Áp dụng đến hết ngày"), "{text}");
    }
    // The fees header just below the top bar.
    app.js("document.querySelector('[data-testid=fees-today]').scrollIntoView({block: 'start'}); window.scrollBy(0, -80); return true;")
        .await?;
    app.screenshot("forms-procedure-fees").await?;

    // The unchecked fee item carries the plain-words mark; a checked fact reveals its source.
    let marks = app
        .js("return [...document.querySelectorAll('[data-testid=fact-unverified]')].map(e => e.dataset.fact + ':' + e.textContent.trim());")
        .await?;
    let marks: Vec<String> = serde_json::from_value(marks)?;
    assert!(!marks.is_empty(), "no unverified mark");
    assert!(
        marks.iter().all(|m| m.contains("Cần kiểm tra tại cơ quan")),
        "{marks:?}"
    );
    let unchecked_items = p
        .fees
        .items
        .iter()
        .filter(|i| i.in_force_on(today))
        .filter(|i| i.check.as_ref().is_some_and(|c| !c.is_verified()))
        .count();
    let item_marks = marks.iter().filter(|m| m.starts_with("fee_item:")).count();
    assert_eq!(item_marks, unchecked_items, "{marks:?}");
    let unchecked_facts = p
        .facts
        .all()
        .iter()
        .filter(|(_, c)| !c.is_verified())
        .count();
    let fact_marks = marks.iter().filter(|m| !m.starts_with("fee_item:")).count();
    assert_eq!(fact_marks, unchecked_facts, "{marks:?}");
    app.click("[data-fact='fees'] button").await?;
    let source = app.text("[data-fact='fees']").await?;
    assert!(source.contains("https://"), "{source}");
    app.js("document.querySelector('[data-testid=fact-unverified]').scrollIntoView({block: 'center'}); return true;")
        .await?;
    app.screenshot("forms-procedure-marker").await?;

    // "Tạo hồ sơ" → the generated form's title → the applicant.
    app.js("window.scrollTo(0, 0); return true;").await?;
    app.click("[data-testid=create-dossier]").await?;
    app.find("[data-screen=dossier-new]").await?;
    let title = app.text("[data-testid=dossier-form-title]").await?;
    assert!(title.starts_with("Tờ khai trực tuyến"), "{title}");
    assert!(title.contains(&p.name), "{title}");
    app.click(&format!("[data-person='{person}']")).await?;
    app.click("[data-testid=dossier-start]").await?;

    // Step 1: the applicant, prefilled from the profile.
    assert_eq!(step(&app).await?, 1);
    assert_eq!(app.text(".stepno").await?, "Bước 1/4");
    assert_eq!(value(&app, "full_name").await?, NAME);
    assert_eq!(value(&app, "id_number").await?, ID);
    assert_eq!(value(&app, "date_of_birth").await?, "1990-05-17");
    let sex = app
        .js("const e = document.querySelector('[data-field=sex] input:checked') || document.querySelector('[data-field=sex] select'); return e ? e.value : null;")
        .await?;
    assert_eq!(sex, "female");
    let marked = app
        .js("return [...document.querySelectorAll('[data-field]')].filter(f => f.querySelector('[data-prefilled]')).map(f => f.dataset.field);")
        .await?;
    let marked: Vec<String> = serde_json::from_value(marked)?;
    for f in ["full_name", "sex", "date_of_birth", "id_number", "phone"] {
        assert!(marked.iter().any(|m| m == f), "{f} not marked: {marked:?}");
    }
    // The fixture person has a permanent address only; the residence (current address) is typed.
    assert_eq!(value(&app, "residence").await?, "");
    type_into(&app, "residence", "Số 1 đường Thử, phường Mẫu, Hà Nội").await?;
    settled(&app).await?;
    app.js("window.scrollTo(0, 0); document.activeElement?.blur(); return true;")
        .await?;
    app.screenshot("forms-generated-step").await?;

    // Step 2: the free note. Step 3: one slot per listed paper.
    next(&app, 2).await?;
    type_into(&app, NOTES, NOTE).await?;
    settled(&app).await?;

    // The checklist lists what is left: the required papers and the submission part.
    app.js("location.hash = location.hash.replace(/\\/step\\/\\d+$/, '/check'); return true;")
        .await?;
    app.find("[data-testid=checklist]").await?;
    let paths = app
        .js("return [...document.querySelectorAll('[data-problem-path]')].map(e => e.dataset.problemPath);")
        .await?;
    let paths: Vec<String> = serde_json::from_value(paths)?;
    for c in &required {
        let want = format!("components.{c}");
        assert!(paths.contains(&want), "{want} missing from {paths:?}");
    }
    for f in [
        "fields.agency_province",
        "fields.delivery",
        "fields.declaration",
    ] {
        assert!(paths.iter().any(|p| p == f), "{f} missing from {paths:?}");
    }
    assert!(!paths.iter().any(|p| p == "fields.full_name"), "{paths:?}");
    app.screenshot("forms-generated-missing").await?;
    app.js("location.hash = location.hash.replace(/\\/check$/, '/step/3'); return true;")
        .await?;
    assert_eq!(step(&app).await?, 3);
    let slots = app
        .js("return [...document.querySelectorAll('[data-capture]')].map(b => b.dataset.capture);")
        .await?;
    let slots: Vec<String> = serde_json::from_value(slots)?;
    let want: Vec<String> = form.components.iter().map(|c| c.id.clone()).collect();
    assert_eq!(slots, want, "one slot per catalog component");
    app.screenshot("forms-generated-papers").await?;
    for c in &required {
        attach(&app, c, &photos.front).await?;
    }
    next(&app, 4).await?;

    // Step 4: the common submission part.
    choose(&app, "agency_province", "hanoi").await?;
    app.click("[data-field='delivery'] input[value='in_person']")
        .await?;
    tick_declaration(&app).await?;
    settled(&app).await?;
    app.click("[data-testid=dossier-next]").await?;
    app.find("[data-screen=dossier-checklist]").await?;
    app.screenshot("forms-generated-checklist").await?;
    submit_from_checklist(&app).await?;
    app.quit().await?;

    // What the app saved, read back through the core on the same data dir.
    let core = Core::open(&OpenOptions {
        data_dir: data.clone(),
        keystore: KeystoreKind::File,
    })?;
    let list = core.draft_list()?;
    assert_eq!(list.len(), 1);
    let d = core.draft_show(&list[0].id)?;
    assert_eq!(d.procedure_id, PROCEDURE);
    assert_eq!(d.values.get(NOTES).and_then(|v| v.as_str()), Some(NOTE));
    assert_eq!(
        d.values.get("full_name").and_then(|v| v.as_str()),
        Some(NAME)
    );
    for c in &required {
        assert!(
            d.attachments.iter().any(|a| &a.component == c),
            "{c} not attached"
        );
    }
    assert!(core.draft_check(&d.id)?.is_empty());
    Ok(())
}
