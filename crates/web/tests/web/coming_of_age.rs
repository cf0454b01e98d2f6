//! The minor flag over time: people turn 18 with no edit to their record. A release the
//! survivor signs alone follows their age today, and the server's review clears the flag
//! of a case whose survivor has come of age, on its timeline and in the audit log.

use crate::case_team::{Team, team, team_on};
use crate::support::{App, Store, body, on_both_stores};
use axum::http::StatusCode;
use serde_json::json;
use time::Duration;

on_both_stores!(
    a_survivor_who_turns_18_signs_alone_and_the_review_clears_the_flag,
    an_estimated_age_grows_older_from_the_day_it_was_made,
);

/// A release the survivor signs alone (no guardian).
fn signed_alone(recipient: haven_domain::OrgId) -> String {
    json!({ "recipient_org": recipient, "categories": ["identity"], "purpose": "care",
        "method": "signed_form", "evidence": "form 3", "signer": "survivor",
        "expires_at": "2028-12-31T00:00:00Z" })
    .to_string()
}

/// Takes in Lina, whose age is estimated at 17 today; returns her case's API path.
async fn lina_estimated_17<S: Store>(t: &Team<S>) -> String {
    let r = t
        .app
        .api_post(
            "/api/v1/survivors",
            &t.cm,
            &json!({ "pseudonym": "Lina", "estimated_age": 17 }).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    format!("/api/v1/cases/{}", body(&r)["case_id"].as_str().unwrap())
}

async fn a_survivor_who_turns_18_signs_alone_and_the_review_clears_the_flag<S: Store>(app: App<S>) {
    let t = team_on(app).await;
    let app = &t.app;
    let case = format!("/api/v1/cases/{}", t.case);
    let consents = format!("{case}/consents");
    // Born 2010-05-01; the test clock starts at 2026-11-28. The day before the 18th
    // birthday they still need a guardian.
    app.clock.advance(Duration::days(519));
    assert_eq!(app.haven.now().date().to_string(), "2028-04-30");
    let refused = app
        .api_post(&consents, &t.cm, &signed_alone(app.org_b))
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert_eq!(body(&refused)["error"]["field"], "guardian");
    let review = app.haven.review_minor_flags().await.unwrap();
    assert_eq!((review.flagged, review.cleared), (1, 0), "still 17");

    app.clock.advance(Duration::days(1));
    // Before any review: the release follows their age today, not the stored flag.
    let signed = app
        .api_post(&consents, &t.cm, &signed_alone(app.org_b))
        .await;
    assert_eq!(signed.status, StatusCode::CREATED, "{}", signed.body);
    assert_eq!(
        body(&app.api_get(&case, &t.cm).await)["flags"]["minor"],
        true
    );

    let review = app.haven.review_minor_flags().await.unwrap();
    assert_eq!((review.flagged, review.cleared), (1, 1));
    let c = body(&app.api_get(&case, &t.cm).await);
    assert_eq!(c["flags"]["minor"], false);
    assert!(
        c["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "minor" && e["detail"] == "came_of_age"),
        "{}",
        c["timeline"]
    );
    let came_of_age = || async {
        app.audit_reasons("case_status")
            .await
            .into_iter()
            .filter(|r| r == "came_of_age")
            .count()
    };
    assert_eq!(came_of_age().await, 1);

    // Done once: a second review finds nothing flagged and writes nothing.
    let again = app.haven.review_minor_flags().await.unwrap();
    assert_eq!((again.flagged, again.cleared), (0, 0));
    assert_eq!(came_of_age().await, 1);
}

async fn an_estimated_age_grows_older_from_the_day_it_was_made<S: Store>(app: App<S>) {
    let t = team_on(app).await;
    let app = &t.app;
    let case = lina_estimated_17(&t).await;
    let c = body(&app.api_get(&case, &t.cm).await);
    assert_eq!(c["flags"]["minor"], true);
    assert_eq!(c["survivor"]["estimated_on"], "2026-11-28");

    // Half a year on, the record is edited with the estimate as it was: the estimate
    // keeps its day (an edit that dated it anew would keep her a minor another year).
    app.clock.advance(Duration::days(180));
    let edit = app
        .api_put(
            &format!("{case}/survivor"),
            &t.cm,
            &json!({ "pseudonym": "Lina", "estimated_age": 17, "languages": ["Arabic"] })
                .to_string(),
        )
        .await;
    assert_eq!(edit.status, StatusCode::OK, "{}", edit.body);
    let c = body(&app.api_get(&case, &t.cm).await);
    assert_eq!(c["flags"]["minor"], true);
    assert_eq!(c["survivor"]["estimated_on"], "2026-11-28");

    // A year after the estimate she is 18 by it.
    app.clock.advance(Duration::days(185));
    let review = app.haven.review_minor_flags().await.unwrap();
    assert_eq!(review.cleared, 1, "{review:?}");
    assert_eq!(
        body(&app.api_get(&case, &t.cm).await)["flags"]["minor"],
        false
    );
    // Rosa (born 2010) is still 17 and keeps her flag.
    assert_eq!(
        body(
            &app.api_get(&format!("/api/v1/cases/{}", t.case), &t.cm)
                .await
        )["flags"]["minor"],
        true
    );

    // A new estimate is dated anew: 16 today is a minor for two more years.
    let edit = app
        .api_put(
            &format!("{case}/survivor"),
            &t.cm,
            &json!({ "pseudonym": "Lina", "estimated_age": 16 }).to_string(),
        )
        .await;
    assert_eq!(edit.status, StatusCode::OK, "{}", edit.body);
    let c = body(&app.api_get(&case, &t.cm).await);
    assert_eq!(c["flags"]["minor"], true);
    assert_eq!(c["survivor"]["estimated_on"], "2027-11-28");
    app.clock.advance(Duration::days(366));
    app.haven.review_minor_flags().await.unwrap();
    assert_eq!(
        body(&app.api_get(&case, &t.cm).await)["flags"]["minor"],
        true
    );
}

/// A record the review cannot open (damaged in storage) is counted and left as it is; the
/// review goes on to the others.
#[tokio::test]
async fn a_record_that_does_not_open_does_not_stop_the_review() {
    let t = team().await;
    let app = &t.app;
    let lina = lina_estimated_17(&t).await;
    // Rosa's record (the only one with a date of birth) is damaged behind the server's back.
    let db = rusqlite::Connection::open(app.data_dir().join("db/haven.db")).unwrap();
    let damaged = db
        .execute(
            "UPDATE survivors SET details = x'00' WHERE date_of_birth IS NOT NULL",
            [],
        )
        .unwrap();
    assert_eq!(damaged, 1);

    app.clock.advance(Duration::days(366));
    let review = app.haven.review_minor_flags().await.unwrap();
    assert_eq!(
        (review.flagged, review.cleared, review.unreadable),
        (2, 1, 1)
    );
    assert_eq!(
        body(&app.api_get(&lina, &t.cm).await)["flags"]["minor"],
        false
    );
}
