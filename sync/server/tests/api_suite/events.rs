//! The event feed: cursors, pages, long-polls and shutdown (`src/api/events.rs`).

use crate::common::*;
use dvc_protocol::auth::Role;
use dvc_protocol::events::EventsPage;
use reqwest::{Method, StatusCode};
use serde_json::json;

crate::both_backends!(event_feed_cursor_and_long_poll);

async fn event_feed_cursor_and_long_poll(b: Backend) {
    let h = std::sync::Arc::new(Harness::start(b).await);
    let u = h.user(Role::Citizen).await;
    let other = h.user(Role::Citizen).await;
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let officer_y = h.staff(Role::Officer, Some(AGENCY_Y)).await;
    let mut receipts = Vec::new();
    for _ in 0..3 {
        receipts.push(h.submit_ok(&u.token, &manifest(AGENCY_X, &[])).await);
    }
    h.submit_ok(&other.token, &manifest(AGENCY_X, &[])).await;
    let (s, v) = h
        .json(Method::GET, "/v1/events?limit=2", Some(&u.token), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    let p1: EventsPage = serde_json::from_value(v).unwrap();
    assert_eq!((p1.events.len(), p1.more), (2, true));
    assert_eq!(p1.events[0].dossier_code, receipts[0].code);
    assert_eq!(p1.events[0].cursor, receipts[0].event_cursor);
    let (_, v) = h
        .json(
            Method::GET,
            &format!("/v1/events?after={}&limit=2", p1.next_cursor),
            Some(&u.token),
            None,
        )
        .await;
    let p2: EventsPage = serde_json::from_value(v).unwrap();
    assert_eq!((p2.events.len(), p2.more), (1, false));
    assert_eq!(p2.events[0].dossier_code, receipts[2].code);
    let (_, v) = h
        .json(
            Method::GET,
            &format!("/v1/events?after={}", p2.next_cursor),
            Some(&u.token),
            None,
        )
        .await;
    let p3: EventsPage = serde_json::from_value(v).unwrap();
    assert_eq!(
        (p3.events.len(), p3.next_cursor.as_str()),
        (0, p2.next_cursor.as_str())
    );
    // officers see their agency's events; the other agency's officer none
    let (_, v) = h
        .json(Method::GET, "/v1/events", Some(&officer.token), None)
        .await;
    assert_eq!(v["events"].as_array().unwrap().len(), 4);
    let (_, v) = h
        .json(Method::GET, "/v1/events", Some(&officer_y.token), None)
        .await;
    assert_eq!(v["events"], json!([]));
    // long-poll: nothing for 0.3 s, then an officer accepts the dossier in the console
    let cursor = p2.next_cursor.clone();
    let poller = {
        let h = h.clone();
        let token = u.token.clone();
        tokio::spawn(async move {
            h.json(
                Method::GET,
                &format!("/v1/events?after={cursor}&wait=10"),
                Some(&token),
                None,
            )
            .await
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    // Order, not duration: nothing to report yet, so the poll is still open.
    assert!(
        !poller.is_finished(),
        "the long-poll answered before any event"
    );
    let console = h.console(&officer).await;
    let res = console
        .act(&receipts[1].dossier_uuid, &[("action", "accept")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (s, v) = poller.await.unwrap();
    assert_eq!(s, StatusCode::OK);
    let page: EventsPage = serde_json::from_value(v).unwrap();
    assert_eq!(page.events.len(), 1, "{page:?}");
    assert_eq!(
        page.events[0].state,
        dvc_protocol::dossiers::DossierState::Accepted
    );
    // the other citizen's long-poll, open while a foreign event commits, ends empty
    let (_, v) = h
        .json(Method::GET, "/v1/events", Some(&other.token), None)
        .await;
    let own: EventsPage = serde_json::from_value(v).unwrap();
    assert_eq!(own.events.len(), 1, "{own:?}");
    let other_poll = {
        let h = h.clone();
        let token = other.token.clone();
        let cursor = own.next_cursor.clone();
        tokio::spawn(async move {
            h.json(
                Method::GET,
                &format!("/v1/events?after={cursor}&wait=2"),
                Some(&token),
                None,
            )
            .await
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        !other_poll.is_finished(),
        "the long-poll answered with nothing new"
    );
    let res = console
        .act(&receipts[2].dossier_uuid, &[("action", "accept")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (s, v) = other_poll.await.unwrap();
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["events"], json!([]), "a foreign event leaked: {v}");
    assert_eq!(v["next_cursor"], json!(own.next_cursor));
    // bad cursors and limits
    for q in [
        "after=-1",
        "after=abc",
        "limit=0",
        "limit=501",
        "wait=31",
        "bogus=1",
    ] {
        let (s, v) = h
            .json(
                Method::GET,
                &format!("/v1/events?{q}"),
                Some(&u.token),
                None,
            )
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("400.2")),
            "{q}: {v}"
        );
    }
}

mod shutdown {
    use super::*;

    /// Graceful shutdown wakes long-polls (they answer at once) and lets in-flight requests finish.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn graceful_shutdown_answers_long_polls() {
        let h = Harness::start(Backend::Sqlite).await;
        let u = h.user(Role::Citizen).await;
        let url = h.url("/v1/events?wait=30");
        let token = u.token.clone();
        let poll = tokio::spawn(async move {
            let res = reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            res.status()
        });
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(
            !poll.is_finished(),
            "the long-poll answered with nothing new"
        );
        let Harness { server, .. } = h;
        // Woken by the shutdown, not by its own 30 s wait running out: the bound is a hang guard
        // that ends the test, at half the poll's wait, instead of a speed claim.
        let (stopped, status) = tokio::time::timeout(std::time::Duration::from_secs(15), async {
            let stopped = server.shutdown().await;
            (stopped, poll.await)
        })
        .await
        .expect("shutdown waited for the long-poll's own wait to run out");
        stopped.unwrap();
        assert_eq!(status.unwrap(), StatusCode::OK);
    }
}
