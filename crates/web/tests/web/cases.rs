//! Cases through the API: intake with the case's classification, the lifecycle, notes whose
//! visibility follows their category, tasks and the dashboard (search: `search.rs`).

use crate::case_team::{add_task, team_on};
use crate::support::*;
use axum::http::StatusCode;
use haven_domain::access::Role;
use serde_json::json;

on_both_stores!(
    intake_records_the_case_and_derives_the_minor_flag,
    notes_are_read_and_written_by_category,
    the_lifecycle_needs_a_reason_to_reopen,
    tasks_show_on_the_dashboard_until_done_and_overdue_ones_are_flagged,
    bad_intake_input_is_refused_with_the_field_and_nothing_is_written,
    a_member_taken_off_the_team_loses_the_case_and_a_case_manager_always_stays,
    the_case_plan_holds_goals_that_are_achieved_or_dropped,
);

async fn intake_records_the_case_and_derives_the_minor_flag<S: Store>(app: App<S>) {
    let t = team_on(app).await;
    let r = t
        .app
        .api_get(&format!("/api/v1/cases/{}", t.case), &t.cm)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let c = body(&r);
    assert_eq!(c["status"], "open");
    assert_eq!(c["exploitation"], "labour");
    assert_eq!(c["trafficking_types"][0]["name"], "Domestic work");
    assert_eq!(c["flags"]["minor"], true, "16 years old at the test date");
    assert_eq!(c["flags"]["safety_risk"], true);
    assert_eq!(c["survivor"]["legal_name"], "María López");
    assert_eq!(c["survivor"]["languages"][0], "Spanish");
    assert_eq!(c["survivor_id"], t.survivor.as_str());
    let kinds: Vec<&str> = c["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["opened", "team"]);
}

async fn notes_are_read_and_written_by_category<S: Store>(app: App<S>) {
    let t = team_on(app).await;
    let note = |token: &str, category: &str, text: &str| {
        let (app, case) = (&t.app, &t.case);
        let body = json!({ "category": category, "body": text }).to_string();
        let token = token.to_owned();
        async move {
            app.api_post(&format!("/api/v1/cases/{case}/notes"), &token, &body)
                .await
        }
    };
    assert_eq!(
        note(&t.cm, "general", "Met at the drop-in centre.")
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        note(&t.cm, "psychotherapy", "not mine to write")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        note(&t.clinician, "psychotherapy", "Session one: sleep is poor.")
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        note(&t.clinician, "medical", "Prescribed rest.")
            .await
            .status,
        StatusCode::CREATED
    );
    let bad = note(&t.cm, "gossip", "x").await;
    assert_eq!(
        (bad.status, body(&bad)["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("category"))
    );
    // The refusal lists the categories there are, from the one list that defines them.
    let message = body(&bad)["error"]["message"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    for category in haven_domain::case::NoteCategory::ALL {
        assert!(message.contains(category.as_str()), "{message}");
    }
    assert_eq!(
        note(&t.colleague, "general", "x").await.status,
        StatusCode::NOT_FOUND,
        "not on the team"
    );

    let seen = |token: &str| {
        let (app, case) = (&t.app, &t.case);
        let token = token.to_owned();
        async move {
            let r = app
                .api_get(&format!("/api/v1/cases/{case}/notes"), &token)
                .await;
            let mut seen: Vec<String> = body(&r)["notes"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|n| n["category"].as_str().unwrap_or("").to_owned())
                        .collect()
                })
                .unwrap_or_default();
            seen.sort();
            seen
        }
    };
    assert_eq!(
        seen(&t.cm).await,
        vec!["general"],
        "a case manager sees no clinical notes"
    );
    assert_eq!(
        seen(&t.clinician).await,
        vec!["general", "medical", "psychotherapy"]
    );
    let case_for_cm = body(
        &t.app
            .api_get(&format!("/api/v1/cases/{}", t.case), &t.cm)
            .await,
    );
    assert!(
        !case_for_cm.to_string().contains("sleep is poor"),
        "not in the case view either"
    );
    assert!(
        !case_for_cm["timeline"]
            .to_string()
            .contains("psychotherapy"),
        "nor its existence in the timeline"
    );
    for outsider in [&t.colleague, &t.other_org] {
        assert_eq!(
            t.app
                .api_get(&format!("/api/v1/cases/{}/notes", t.case), outsider)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
}

async fn the_lifecycle_needs_a_reason_to_reopen<S: Store>(app: App<S>) {
    let t = team_on(app).await;
    let status = |s: &str, reason: Option<&str>| {
        let (app, case, cm) = (&t.app, &t.case, &t.cm);
        let body = json!({ "status": s, "reason": reason }).to_string();
        async move {
            app.api_post(&format!("/api/v1/cases/{case}/status"), cm, &body)
                .await
        }
    };
    assert_eq!(status("active", None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(
        status("open", None).await.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no going back to open"
    );
    assert_eq!(status("closed", None).await.status, StatusCode::NO_CONTENT);
    let r = status("active", None).await;
    assert_eq!(
        (r.status, body(&r)["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("status"))
    );
    let too_long = "a".repeat(20_000);
    let r = status("active", Some(too_long.as_str())).await;
    assert_eq!(
        (r.status, body(&r)["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("reason")),
        "a reason too long to keep as a note"
    );
    let c = body(
        &t.app
            .api_get(&format!("/api/v1/cases/{}", t.case), &t.cm)
            .await,
    );
    assert_eq!(c["status"], "closed", "a refused reopening moves nothing");
    assert!(
        !c["notes"].to_string().contains("Reopened"),
        "and keeps no reason"
    );
    assert_eq!(
        status("active", Some("She asked for help again"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let c = body(
        &t.app
            .api_get(&format!("/api/v1/cases/{}", t.case), &t.cm)
            .await,
    );
    assert_eq!(c["status"], "active");
    assert!(
        c["notes"].to_string().contains("She asked for help again"),
        "the reason is kept as a note"
    );
    let r = t
        .app
        .api_post(
            &format!("/api/v1/cases/{}/status", t.case),
            &t.clinician,
            r#"{"status":"closed"}"#,
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "a clinician on the team may not close the case"
    );
}

async fn tasks_show_on_the_dashboard_until_done_and_overdue_ones_are_flagged<S: Store>(
    app: App<S>,
) {
    let t = team_on(app).await;
    let task = add_task(&t.app, &t.cm, &t.case, "Book the interpreter", "2026-11-30").await;
    let board = t
        .app
        .haven
        .dashboard(&t.app.haven.authenticate_bearer(&t.cm).await.unwrap(), None)
        .await
        .unwrap();
    assert_eq!(board.cases.len(), 1);
    assert_eq!(board.tasks.len(), 1);
    assert!(!board.tasks[0].overdue);
    t.app.clock.advance(time::Duration::days(3));
    let board = t
        .app
        .haven
        .dashboard(&t.app.haven.authenticate_bearer(&t.cm).await.unwrap(), None)
        .await
        .unwrap();
    assert!(board.tasks[0].overdue);
    let list = body(&t.app.api_get("/api/v1/cases?status=open", &t.cm).await);
    assert_eq!(list["cases"][0]["pseudonym"], "Rosa");
    let done = t
        .app
        .api_post(
            &format!("/api/v1/cases/{}/tasks/{task}/done", t.case),
            &t.cm,
            "",
        )
        .await;
    assert_eq!(done.status, StatusCode::NO_CONTENT);
    assert_eq!(
        t.app
            .api_post(
                &format!("/api/v1/cases/{}/tasks/{task}/done", t.case),
                &t.cm,
                ""
            )
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let board = t
        .app
        .haven
        .dashboard(&t.app.haven.authenticate_bearer(&t.cm).await.unwrap(), None)
        .await
        .unwrap();
    assert!(board.tasks.is_empty());
    // One entry each: the second completion found nothing and wrote nothing.
    assert_eq!(t.app.audit_reasons("task_create").await, vec!["task_add"]);
    assert_eq!(t.app.audit_reasons("task_done").await, vec!["task_done"]);
}

async fn bad_intake_input_is_refused_with_the_field_and_nothing_is_written<S: Store>(app: App<S>) {
    let cm = app
        .staff_token(app.org_a, "bad@example.org", &[Role::CaseManager])
        .await;
    let before = app.audit_reasons("survivor_create").await.len();
    for (payload, field, reason) in [
        (
            json!({ "pseudonym": "A", "date_of_birth": "2030-01-01" }),
            "date_of_birth",
            "birth_in_future",
        ),
        (
            json!({ "pseudonym": "A", "estimated_age": 130 }),
            "estimated_age",
            "estimated_age",
        ),
        (
            json!({ "pseudonym": "A", "case": { "trafficking_types": [26] } }),
            "trafficking_types",
            "trafficking_type",
        ),
        (
            json!({ "pseudonym": "A", "case": { "exploitation": "piracy" } }),
            "exploitation",
            "one_of",
        ),
        (
            json!({ "pseudonym": "A", "nationality": "x".repeat(501) }),
            "nationality",
            "field_too_long",
        ),
    ] {
        let r = app
            .api_post("/api/v1/survivors", &cm, &payload.to_string())
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{payload}: {}",
            r.body
        );
        assert_eq!(body(&r)["error"]["field"], field, "{payload}");
        assert_eq!(body(&r)["error"]["reason"], reason, "{payload}");
    }
    let r = app
        .api_post(
            "/api/v1/survivors",
            &cm,
            r#"{"pseudonym":"A","case":{"owner":"me"}}"#,
        )
        .await;
    assert_eq!(body(&r)["error"]["code"], "unknown_field");
    assert_eq!(app.audit_reasons("survivor_create").await.len(), before);
}

async fn a_member_taken_off_the_team_loses_the_case_and_a_case_manager_always_stays<S: Store>(
    app: App<S>,
) {
    let t = team_on(app).await;
    let me = |token: &str| {
        let app = &t.app;
        let token = token.to_owned();
        async move {
            body(&app.api_get("/api/v1/me", &token).await)["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let (clinician, cm, colleague) = (
        me(&t.clinician).await,
        me(&t.cm).await,
        me(&t.colleague).await,
    );
    // On the page, each Remove button says whom it removes to a screen reader.
    let session = t.app.session(&t.cm_user).await;
    let page = t
        .app
        .get(&format!("/cases/{}", t.case), Some(&session))
        .await;
    let named = page
        .body
        .matches("Remove<span class=\"visually-hidden\"> ")
        .count();
    assert_eq!(
        named, 2,
        "the case manager and the clinician: {}",
        page.body
    );
    let path = |u: &str| format!("/api/v1/cases/{}/team/{u}", t.case);
    // Only the case manager may; the clinician on the team may not.
    assert_eq!(
        t.app.api_delete(&path(&cm), &t.clinician).await.status,
        StatusCode::FORBIDDEN
    );
    let r = t.app.api_delete(&path(&colleague), &t.cm).await;
    assert_eq!(body(&r)["error"]["field"], "user_id", "not on the team");
    let r = t.app.api_delete(&path(&cm), &t.cm).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the last case manager stays"
    );
    let r = t.app.api_delete(&path(&clinician), &t.cm).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let gone = t
        .app
        .api_get(&format!("/api/v1/cases/{}", t.case), &t.clinician)
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let timeline = body(
        &t.app
            .api_get(&format!("/api/v1/cases/{}", t.case), &t.cm)
            .await,
    )["timeline"]
        .to_string();
    assert!(timeline.contains("removed"), "{timeline}");
    // The audit log says what changed: the team, not the case's status.
    let changes = t.app.audit_reasons("team_change").await;
    assert!(changes.contains(&"team_add".to_owned()), "{changes:?}");
    assert_eq!(changes.last().map(String::as_str), Some("team_remove"));
    assert!(
        !t.app
            .audit_reasons("case_status")
            .await
            .iter()
            .any(|r| r.starts_with("team")),
    );
}

async fn the_case_plan_holds_goals_that_are_achieved_or_dropped<S: Store>(app: App<S>) {
    let t = team_on(app).await;
    let add = |title: &str| {
        let app = &t.app;
        let path = format!("/api/v1/cases/{}/goals", t.case);
        let cm = t.cm.clone();
        let b = json!({ "title": title }).to_string();
        async move { app.api_post(&path, &cm, &b).await }
    };
    let r = add("Safe housing for six months").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let goal = body(&r)["id"].as_str().unwrap().to_owned();
    assert_eq!(add("").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let status = |s: &str, who: &str| {
        let app = &t.app;
        let path = format!("/api/v1/cases/{}/goals/{goal}/status", t.case);
        let who = who.to_owned();
        let b = json!({ "status": s }).to_string();
        async move { app.api_post(&path, &who, &b).await }
    };
    assert_eq!(
        status("sort-of", &t.cm).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        status("achieved", &t.clinician).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        status("achieved", &t.cm).await.status,
        StatusCode::NO_CONTENT
    );
    let v = body(
        &t.app
            .api_get(&format!("/api/v1/cases/{}", t.case), &t.cm)
            .await,
    );
    assert_eq!(v["goals"][0]["title"], "Safe housing for six months");
    assert_eq!(v["goals"][0]["status"], "achieved");
    // The clinician on the team reads the plan; another organisation does not.
    let c = body(
        &t.app
            .api_get(&format!("/api/v1/cases/{}", t.case), &t.clinician)
            .await,
    );
    assert_eq!(c["goals"][0]["status"], "achieved");
    let o = t
        .app
        .api_get(&format!("/api/v1/cases/{}", t.case), &t.other_org)
        .await;
    assert!(!o.body.contains("Safe housing"));
    // Audited as goals, not as tasks; refused changes wrote nothing.
    assert_eq!(t.app.audit_reasons("goal_create").await, vec!["goal_add"]);
    assert_eq!(t.app.audit_reasons("goal_status").await, vec!["achieved"]);
    assert!(t.app.audit_reasons("task_create").await.is_empty());
    assert!(t.app.audit_reasons("task_done").await.is_empty());
}
