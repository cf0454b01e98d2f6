//! What the audit log and the error path show (security.md §7 E 29, 32): exactly one
//! entry per sensitive access, with opaque ids and no personal data; errors that reveal
//! nothing but a correlation id, in responses and in logs.

use crate::support::*;
use axum::http::StatusCode;
use haven_domain::access::Role;
use haven_store::Store;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

on_both_stores!(every_case_read_writes_exactly_one_entry_with_opaque_ids_only,);

const CANARY: &str = "QZAUDITCANARY";

async fn audit_entries<S: Store>(app: &App<S>) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let page = app.haven.store().audit_page(after, 1000).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.seq;
        out.extend(
            page.iter()
                .map(|r| serde_json::from_slice::<Value>(&r.body).unwrap()),
        );
    }
    out
}

async fn every_case_read_writes_exactly_one_entry_with_opaque_ids_only<S: Store>(app: App<S>) {
    let cm = app
        .enrolled(app.org_a, "audit.cm@example.org", &[Role::CaseManager])
        .await;
    let token = app.token(&cm).await;
    let outsider = app
        .staff_token(app.org_b, "audit.out@example.org", &[Role::CaseManager])
        .await;
    let body = json!({ "pseudonym": format!("{CANARY}-p"), "legal_name": format!("{CANARY}-l"), "phone": format!("{CANARY}-ph"),
                       "safe_contact": format!("{CANARY}-s"), "nationality": format!("{CANARY}-n") });
    let created: Value = serde_json::from_str(
        &app.api_post("/api/v1/survivors", &token, &body.to_string())
            .await
            .body,
    )
    .unwrap();
    let case = created["case_id"].as_str().unwrap().to_owned();
    app.api_post(
        &format!("/api/v1/cases/{case}/notes"),
        &token,
        &json!({ "category": "narrative", "body": format!("{CANARY}-note") }).to_string(),
    )
    .await;

    let before = audit_entries(&app).await.len();
    assert_eq!(
        app.api_get(&format!("/api/v1/cases/{case}"), &token)
            .await
            .status,
        StatusCode::OK
    );
    let entries = audit_entries(&app).await;
    assert_eq!(entries.len(), before + 1, "exactly one entry for one read");
    let e = entries.last().unwrap();
    assert_eq!(e["action"], "case_view");
    assert_eq!(e["decision"], "allow");
    assert_eq!(e["reason"], "case_team");
    assert_eq!(e["target"]["kind"], "case");
    assert_eq!(e["target"]["id"], case.as_str());
    assert_eq!(e["actor"]["kind"], "staff");
    assert_eq!(e["actor"]["role"], "case_manager");
    assert_eq!(e["org"], json!(app.org_a));
    assert!(
        e["categories"]
            .as_array()
            .is_some_and(|c| c.iter().any(|x| x == "identity"))
    );
    assert!(
        e["at"].as_str().is_some_and(|t| t.ends_with('Z')),
        "UTC time"
    );

    let before = entries.len();
    assert_eq!(
        app.api_get(&format!("/api/v1/cases/{case}"), &outsider)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let entries = audit_entries(&app).await;
    assert_eq!(
        entries.len(),
        before + 1,
        "exactly one entry for one refusal"
    );
    assert_eq!(entries.last().unwrap()["decision"], "deny");

    let all = serde_json::to_string(&entries).unwrap();
    assert!(!all.contains(CANARY), "no personal data in the audit log");
}

/// A log sink the test can read.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn when_the_database_is_gone_errors_say_nothing_but_a_correlation_id() {
    let logs = Captured::default();
    let sink = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let app = App::new().await;
    let cm = app
        .enrolled(app.org_a, "down@example.org", &[Role::CaseManager])
        .await;
    let token = app.token(&cm).await;
    let session = app.session(&cm).await;
    let body = json!({ "pseudonym": format!("{CANARY}-p"), "legal_name": format!("{CANARY}-l") });
    let created: Value = serde_json::from_str(
        &app.api_post("/api/v1/survivors", &token, &body.to_string())
            .await
            .body,
    )
    .unwrap();
    let case = created["case_id"].as_str().unwrap().to_owned();

    app.haven.store().close().await;
    let leaks = [
        "sqlite", "pool", "/tmp", "haven.db", "Error", "panicked", "SELECT", CANARY, &token,
    ];
    for (path, bearer) in [
        (format!("/api/v1/cases/{case}"), true),
        ("/api/v1/me".into(), true),
        ("/readyz".into(), false),
    ] {
        let r = if bearer {
            app.api_get(&path, &token).await
        } else {
            app.get(&path, None).await
        };
        assert!(r.status.is_server_error(), "{path}: {}", r.status);
        let v: Value = serde_json::from_str(&r.body).unwrap();
        assert!(
            v["error"]["correlation_id"].is_string(),
            "{path}: {}",
            r.body
        );
        for leak in leaks {
            assert!(!r.body.contains(leak), "{path} leaks {leak}: {}", r.body);
        }
    }
    let page = app.get("/", Some(&session)).await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.body.contains("The database is not answering"));
    assert!(page.body.contains("reference"));
    for leak in leaks {
        assert!(!page.body.contains(leak), "the page leaks {leak}");
    }
    let logged = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert!(
        logged.contains("correlation"),
        "the detail goes to the log under the correlation id"
    );
    for secret in [CANARY, token.as_str(), session.as_str(), PASSWORD] {
        assert!(
            !logged.contains(secret),
            "the log holds a secret or personal data"
        );
    }
}

/// Every file under `dir` that contains `needle`.
fn files_containing(dir: &std::path::Path, needle: &[u8]) -> Vec<std::path::PathBuf> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if std::fs::read(&p).is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle))
            {
                hits.push(p);
            }
        }
    }
    hits
}

/// security.md §7 A 1 through the API: 10,000 intakes with a canary in every personal field,
/// a note for every hundredth; no canary in any file of the data directory or in the log.
#[tokio::test]
async fn ten_thousand_intakes_through_the_api_leave_no_canary_at_rest_or_in_the_log() {
    let logs = Captured::default();
    let sink = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let app = App::new().await;
    let cm = app
        .enrolled(app.org_a, "canary@example.org", &[Role::CaseManager])
        .await;
    let token = app.token(&cm).await;
    let mut first_case = None;
    for n in 0..10_000 {
        let c = |f: &str| format!("{CANARY}-{f}-{n:05}");
        let body = json!({
            "pseudonym": c("p"), "legal_name": c("l"), "aliases": [c("a")], "date_of_birth": "1990-01-01",
            "nationality": c("n"), "languages": [c("lang")], "phone": c("ph"), "email": c("e"), "safe_contact": c("s"),
        });
        let r = app
            .api_post("/api/v1/survivors", &token, &body.to_string())
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let case = serde_json::from_str::<Value>(&r.body).unwrap()["case_id"]
            .as_str()
            .unwrap()
            .to_owned();
        if n % 100 == 0 {
            let note = json!({ "category": "narrative", "body": c("note") }).to_string();
            assert_eq!(
                app.api_post(&format!("/api/v1/cases/{case}/notes"), &token, &note)
                    .await
                    .status,
                StatusCode::CREATED
            );
        }
        first_case.get_or_insert(case);
    }
    // The canaries went in: the first case reads back with them.
    let read = app
        .api_get(&format!("/api/v1/cases/{}", first_case.unwrap()), &token)
        .await;
    assert!(
        read.body.contains(&format!("{CANARY}-l-00000"))
            && read.body.contains(&format!("{CANARY}-note-00000"))
    );

    let hits = files_containing(app.data_dir(), CANARY.as_bytes());
    assert!(hits.is_empty(), "canaries at rest in {hits:?}");
    assert!(
        app.data_dir().join("db/haven.db-wal").exists(),
        "the WAL was scanned"
    );
    let logged = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert!(!logged.contains(CANARY), "canary in the log");
}
