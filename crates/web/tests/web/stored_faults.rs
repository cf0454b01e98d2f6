//! A stored value the server cannot read is a server fault: a 500 with a reference, the
//! detail only in the log — never shown, or acted on, as some other value.

use crate::case_team::{Team, team};
use crate::referrals::directory;
use crate::sharing_network::network;
use crate::support::*;
use axum::http::StatusCode;
use serde_json::json;

/// Runs one statement on the test's database behind the server's back; rows changed.
fn tamper(app: &App, sql: &str) -> usize {
    let db = rusqlite::Connection::open(app.data_dir().join("db/haven.db")).expect("open");
    db.execute(sql, []).expect("tamper")
}

/// A server fault: 500, a reference to quote, none of `hidden` in the answer.
fn assert_fault(r: &Reply, hidden: &[&str]) {
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", r.body);
    assert!(body(r)["error"]["correlation_id"].is_string(), "{}", r.body);
    for leak in hidden {
        assert!(!r.body.contains(leak), "the error shows {leak}: {}", r.body);
    }
}

#[tokio::test]
async fn an_unreadable_goal_status_is_a_fault_not_an_open_goal() {
    let Team { app, cm, case, .. } = team().await;
    let path = format!("/api/v1/cases/{case}");
    let r = app
        .api_post(
            &format!("{path}/goals"),
            &cm,
            &json!({ "title": "Safe housing for six months" }).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let before = app.api_get(&path, &cm).await;
    assert_eq!(before.status, StatusCode::OK);
    assert_eq!(
        body(&before)["goals"][0]["status"],
        "open",
        "{}",
        before.body
    );

    assert_eq!(
        tamper(&app, "UPDATE case_goals SET status = 'half-done'"),
        1
    );
    assert_fault(
        &app.api_get(&path, &cm).await,
        &["Safe housing", "half-done", "María"],
    );
}

#[tokio::test]
async fn an_unreadable_referral_state_is_a_fault_not_a_withdrawal() {
    let n = network().await;
    let ids = directory(&n.app, &[(n.app.org_b, "Medical care", "medical")]).await;
    let consent = body(&n.release(n.app.org_b, &["identity", "medical"], 30).await)["id"].clone();
    let r = n
        .app
        .api_post(
            &format!("/api/v1/cases/{}/referrals", n.case),
            &n.cm,
            &json!({ "service_id": ids[0], "consent_id": consent }).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let referral = body(&r)["id"].as_str().expect("an id").to_owned();
    assert_eq!(
        tamper(&n.app, "UPDATE referrals SET state = 'misplaced'"),
        1
    );
    let path = format!("/api/v1/referrals/{referral}");
    assert_fault(
        &n.app.api_get(&path, &n.clinician).await,
        &["misplaced", "Lucia"],
    );
    // Nor is it moved as if it had been withdrawn.
    let r = n
        .app
        .api_post(
            &format!("{path}/moves"),
            &n.clinician,
            &json!({ "action": "accept" }).to_string(),
        )
        .await;
    assert_fault(&r, &["misplaced", "withdrawn"]);
}

#[tokio::test]
async fn a_note_of_an_unreadable_category_is_a_fault_not_left_out() {
    let Team { app, cm, case, .. } = team().await;
    let path = format!("/api/v1/cases/{case}");
    let r = app
        .api_post(
            &format!("{path}/notes"),
            &cm,
            &json!({ "category": "safety", "body": "Moved after a threat at the bus stop" })
                .to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let before = app.api_get(&path, &cm).await;
    assert_eq!(
        body(&before)["notes"][0]["category"],
        "safety",
        "{}",
        before.body
    );

    assert_eq!(tamper(&app, "UPDATE notes SET category = 'diary'"), 1);
    assert_fault(
        &app.api_get(&path, &cm).await,
        &["bus stop", "diary", "María"],
    );
    assert_fault(
        &app.api_get(&format!("{path}/notes"), &cm).await,
        &["bus stop", "diary"],
    );
}
