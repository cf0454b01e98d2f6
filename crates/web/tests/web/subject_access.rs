//! What is held about one survivor, whole: the subject-access export (security.md §7 item
//! 28) with the history of their releases and the scan of a signed form; erasure leaves none
//! of it readable and the audit log still verifies.

use crate::sharing_network::{
    CANARY_MEDICAL, CANARY_NOTE, CANARY_PHONE, CANARY_SAFE, network, network_on,
};
use crate::support::{App, Store, body, on_both_stores};
use axum::http::StatusCode;
use haven_core::system;
use haven_domain::access::Role;
use serde_json::json;

on_both_stores!(the_subject_export_is_complete_and_erasure_leaves_nothing_readable,);

async fn the_subject_export_is_complete_and_erasure_leaves_nothing_readable<S: Store>(app: App<S>) {
    let n = network_on(app).await;
    let supervisor = n
        .app
        .token(
            &n.app
                .enrolled(n.app.org_a, "sup@ngo.org", &[Role::Supervisor])
                .await,
        )
        .await;
    let consent = body(&n.release(n.app.org_b, &["identity"], 30).await)["id"].clone();
    let id = consent.as_str().unwrap().to_owned();
    n.app
        .api_post(
            &format!("/api/v1/cases/{}/consents/{id}/revoke", n.case),
            &n.cm,
            r#"{"channel":"written"}"#,
        )
        .await;
    n.app
        .api_post(
            &format!("/api/v1/cases/{}/messages", n.case),
            &n.cm,
            r#"{"body":"Canary message"}"#,
        )
        .await;
    // Only a supervisor of the owning organisation produces it.
    let refused = n
        .app
        .api_get(&format!("/api/v1/cases/{}/subject-export", n.case), &n.cm)
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let r = n
        .app
        .api_get(
            &format!("/api/v1/cases/{}/subject-export", n.case),
            &supervisor,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for expected in [
        "Lucía Hernández",
        CANARY_PHONE,
        CANARY_SAFE,
        CANARY_NOTE,
        CANARY_MEDICAL,
        "Canary therapy note",
        "Canary message",
        "form 17",
    ] {
        assert!(
            r.body.contains(expected),
            "{expected} missing from the export"
        );
    }
    let v = body(&r);
    assert_eq!(v["consents"][0]["id"], consent);
    assert_eq!(v["consents"][0]["revocation_channel"], "written");

    let survivor: haven_domain::SurvivorId = n.survivor.parse().unwrap();
    let case: haven_domain::CaseId = n.case.parse().unwrap();
    n.app
        .haven
        .erase_survivor(system("test"), survivor, "test_erase")
        .await
        .unwrap();
    let store = n.app.haven.store();
    assert!(
        store
            .consents_of_survivor(survivor)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.messages_of_case(case).await.unwrap().is_empty());
    assert!(store.referrals_of_case(case).await.unwrap().is_empty());
    assert!(store.case(case).await.unwrap().is_none());
    n.app.haven.verify_audit(None).await.unwrap();
    let gone = n
        .app
        .api_get(
            &format!("/api/v1/cases/{}/subject-export", n.case),
            &supervisor,
        )
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_signed_form_scan_is_sealed_with_the_release_and_served_only_to_the_team() {
    use base64::Engine;
    let n = network().await;
    let pdf = b"%PDF-1.4\n% a signed release form\n%%EOF\n";
    let encoded = base64::engine::general_purpose::STANDARD.encode(pdf);
    let post = |scan: &str| {
        let app = &n.app;
        let path = format!("/api/v1/cases/{}/consents", n.case);
        let cm = n.cm.clone();
        let b = json!({ "recipient_org": n.app.org_b, "categories": ["identity"], "purpose": "care",
            "method": "signed_form", "evidence": "form 9", "expires_at": "2027-01-01T00:00:00Z",
            "scan_base64": scan });
        async move { app.api_post(&path, &cm, &b.to_string()).await }
    };
    let not_a_scan = base64::engine::general_purpose::STANDARD.encode(b"MZ executable");
    let r = post(&not_a_scan).await;
    assert_eq!(body(&r)["error"]["field"], "scan", "{}", r.body);
    let r = post(&encoded).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = body(&r)["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/cases/{}/consents/{id}/scan", n.case);
    let scan = n.app.api_get(&path, &n.cm).await;
    assert_eq!(scan.status, StatusCode::OK);
    assert_eq!(scan.headers["content-type"], "application/pdf");
    assert_eq!(scan.body.as_bytes(), pdf);
    assert_eq!(
        n.app.api_get(&path, &n.clinician).await.status,
        StatusCode::FORBIDDEN,
        "the recipient sees the record it was released, not the form"
    );
    // At rest the scan is ciphertext (the database file and its write-ahead log).
    let mut db = std::fs::read(n.app.data_dir().join("db/haven.db")).unwrap();
    db.extend(std::fs::read(n.app.data_dir().join("db/haven.db-wal")).unwrap_or_default());
    assert!(db.len() > 10_000, "the database was read");
    assert!(
        !db.windows(b"a signed release form".len())
            .any(|w| w == b"a signed release form")
    );
}
