//! Two people changing one case at once. A write changes only what it names, so a status
//! change and a classification made together both land; a status change moves the case only
//! from where its writer saw it, so the timeline never records a step the lifecycle forbids.

use crate::case_team::team_on;
use crate::support::*;
use axum::http::StatusCode;
use haven_domain::case::CaseStatus;
use serde_json::json;

on_both_stores!(
    a_status_change_and_a_classification_made_at_once_both_land,
    status_changes_made_at_once_follow_the_lifecycle,
);

async fn a_status_change_and_a_classification_made_at_once_both_land<S: Store>(app: App<S>) {
    let t = team_on(app).await;
    let status = json!({ "status": "active" }).to_string();
    let classified = json!({ "exploitation": "labour", "safety_risk": true }).to_string();
    let (status_path, classify_path) = (
        format!("/api/v1/cases/{}/status", t.case),
        format!("/api/v1/cases/{}/classification", t.case),
    );
    let (moved, classify) = tokio::join!(
        t.app.api_post(&status_path, &t.cm, &status),
        t.app.api_put(&classify_path, &t.cm, &classified),
    );
    assert_eq!(moved.status, StatusCode::NO_CONTENT, "{}", moved.body);
    assert_eq!(classify.status, StatusCode::OK, "{}", classify.body);
    let c = body(
        &t.app
            .api_get(&format!("/api/v1/cases/{}", t.case), &t.cm)
            .await,
    );
    assert_eq!(c["status"], "active", "the classification kept the status");
    assert_eq!(
        c["exploitation"], "labour",
        "the status change kept the type"
    );
    assert_eq!(c["flags"]["safety_risk"], true, "and the flag");
}

async fn status_changes_made_at_once_follow_the_lifecycle<S: Store>(app: App<S>) {
    let t = team_on(app).await;
    let path = format!("/api/v1/cases/{}/status", t.case);
    let (closed, active) = (
        json!({ "status": "closed" }).to_string(),
        json!({ "status": "active" }).to_string(),
    );
    let (to_closed, to_active) = tokio::join!(
        t.app.api_post(&path, &t.cm, &closed),
        t.app.api_post(&path, &t.cm, &active),
    );
    for r in [&to_closed, &to_active] {
        assert!(
            [
                StatusCode::NO_CONTENT,
                StatusCode::CONFLICT,
                StatusCode::UNPROCESSABLE_ENTITY
            ]
            .contains(&r.status),
            "{} {}",
            r.status,
            r.body
        );
    }
    assert!(
        to_closed.status == StatusCode::NO_CONTENT || to_active.status == StatusCode::NO_CONTENT,
        "one of them moves the case"
    );
    let c = body(&t.app.api_get(&path.replace("/status", ""), &t.cm).await);
    let steps: Vec<CaseStatus> = c["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "status")
        .map(|e| e["detail"].as_str().unwrap().parse().unwrap())
        .collect();
    let mut at = CaseStatus::Open;
    for step in &steps {
        at = at
            .transition(*step, None)
            .unwrap_or_else(|e| panic!("the timeline records {at:?} to {step:?}: {e:?}"));
    }
    assert_eq!(
        c["status"],
        at.as_str(),
        "the case is where its timeline ends"
    );
}
