//! Classifying a case again after intake: exploitation, trafficking types and flags, through
//! the API and the case page, limited to what the editor's role reaches.

use crate::case_team::team_on;
use crate::support::*;
use axum::http::StatusCode;
use haven_domain::access::Role;
use serde_json::json;

on_both_stores!(
    the_case_manager_reclassifies_the_case_and_the_timeline_says_so,
    only_editors_of_the_case_classify_it_and_bad_input_changes_nothing,
    a_flag_the_editor_cannot_see_is_kept,
    the_case_page_classifies_without_javascript,
    a_case_nobody_has_classified_says_its_exploitation_is_not_yet_known,
);

async fn the_case_manager_reclassifies_the_case_and_the_timeline_says_so<S: Store>(app: App<S>) {
    let t = team_on(app).await;
    let path = format!("/api/v1/cases/{}/classification", t.case);
    let r = t
        .app
        .api_put(
            &path,
            &t.cm,
            &json!({ "exploitation": "sex", "trafficking_types": [3, 1, 3], "immigration_sensitive": true })
                .to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut written: Vec<String> = serde_json::from_value(body(&r)["written"].clone()).unwrap();
    written.sort();
    assert_eq!(written, vec!["immigration", "narrative", "safety"]);

    let c = body(
        &t.app
            .api_get(&format!("/api/v1/cases/{}", t.case), &t.cm)
            .await,
    );
    assert_eq!(c["exploitation"], "sex");
    let types: Vec<u64> = c["trafficking_types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["number"].as_u64().unwrap())
        .collect();
    assert_eq!(types, vec![1, 3], "sorted, without repeats");
    assert_eq!(
        c["flags"]["safety_risk"], false,
        "cleared: the body left it out"
    );
    assert_eq!(c["flags"]["immigration_sensitive"], true);
    assert_eq!(
        c["flags"]["minor"], true,
        "the minor flag is not the editor's to set"
    );
    let last = c["timeline"].as_array().unwrap().last().cloned().unwrap();
    assert_eq!(last["kind"], "classification");
}

async fn only_editors_of_the_case_classify_it_and_bad_input_changes_nothing<S: Store>(app: App<S>) {
    let t = team_on(app).await;
    let path = format!("/api/v1/cases/{}/classification", t.case);
    let calm = json!({ "exploitation": "both" }).to_string();
    for token in [&t.other_org, &t.colleague] {
        assert_eq!(
            t.app.api_put(&path, token, &calm).await.status,
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(
        t.app.api_put(&path, &t.clinician, &calm).await.status,
        StatusCode::FORBIDDEN,
        "a clinician reads the case but does not edit it"
    );
    for (payload, field) in [
        (json!({ "trafficking_types": [26] }), "trafficking_types"),
        (json!({ "exploitation": "piracy" }), "exploitation"),
        (json!({ "minor": false }), ""),
    ] {
        let r = t.app.api_put(&path, &t.cm, &payload.to_string()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{payload}");
        if !field.is_empty() {
            assert_eq!(body(&r)["error"]["field"], field, "{payload}");
        }
    }
    let c = body(
        &t.app
            .api_get(&format!("/api/v1/cases/{}", t.case), &t.cm)
            .await,
    );
    assert_eq!(c["exploitation"], "labour");
    assert_eq!(c["flags"]["safety_risk"], true);
}

/// A hotline advocate edits the case but may not see its immigration flag: what they send
/// for it is ignored, so they cannot clear what they cannot see.
async fn a_flag_the_editor_cannot_see_is_kept<S: Store>(app: App<S>) {
    let hotline = app
        .staff_token(app.org_a, "line@example.org", &[Role::HotlineAdvocate])
        .await;
    let supervisor = app
        .staff_token(app.org_a, "sup@example.org", &[Role::Supervisor])
        .await;
    let r = app
        .api_post(
            "/api/v1/survivors",
            &hotline,
            &json!({ "pseudonym": "Caller", "case": { "immigration_sensitive": true } })
                .to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let case = body(&r)["case_id"].as_str().unwrap().to_owned();
    let r = app
        .api_put(
            &format!("/api/v1/cases/{case}/classification"),
            &hotline,
            &json!({ "safety_risk": true, "immigration_sensitive": false }).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut written: Vec<String> = serde_json::from_value(body(&r)["written"].clone()).unwrap();
    written.sort();
    assert_eq!(written, vec!["narrative", "safety"]);
    let c = body(
        &app.api_get(&format!("/api/v1/cases/{case}"), &supervisor)
            .await,
    );
    assert_eq!(c["flags"]["safety_risk"], true);
    assert_eq!(
        c["flags"]["immigration_sensitive"], true,
        "kept: unseen by the editor"
    );
}

async fn the_case_page_classifies_without_javascript<S: Store>(app: App<S>) {
    let PageUser {
        session: s, csrf, ..
    } = app
        .page_user(app.org_a, "classify@example.org", &[Role::CaseManager])
        .await;
    let r = app
        .post_form(
            "/intake",
            Some(&s),
            &[
                ("csrf", &csrf),
                ("pseudonym", "Tigist"),
                ("trafficking_type", "5"),
            ],
        )
        .await;
    let case_url = r.location().unwrap().to_owned();
    let page = app.get(&case_url, Some(&s)).await;
    assert!(page.body.contains("id=\"classification\""), "no form");
    assert!(page.body.contains("value=\"5\" checked"), "not filled in");

    let saved = app
        .post_form(
            &format!("{case_url}/classification"),
            Some(&s),
            &[
                ("csrf", &csrf),
                ("exploitation", "labour"),
                ("trafficking_type", "5"),
                ("trafficking_type", "11"),
                ("safety_risk", "on"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = app.get(&case_url, Some(&s)).await;
    assert!(page.body.contains("safety risk"), "the flag shows");
    assert!(page.body.contains("value=\"11\" checked"));

    let bad = app
        .post_form(
            &format!("{case_url}/classification"),
            Some(&s),
            &[("csrf", &csrf), ("trafficking_type", "99")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("trafficking types are numbered 1 to 25"));
}

/// A hotline caller rarely says what kind of exploitation it was: the case says "not yet
/// known" until someone records it, not "other", which would be a claim (and would be
/// counted as one).
async fn a_case_nobody_has_classified_says_its_exploitation_is_not_yet_known<S: Store>(
    app: App<S>,
) {
    let hotline = app
        .staff_token(app.org_a, "line@example.org", &[Role::HotlineAdvocate])
        .await;
    let r = app
        .api_post(
            "/api/v1/survivors",
            &hotline,
            &json!({ "pseudonym": "Caller" }).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let case = format!("/api/v1/cases/{}", body(&r)["case_id"].as_str().unwrap());
    assert_eq!(
        body(&app.api_get(&case, &hotline).await)["exploitation"],
        "unknown"
    );

    let classify = format!("{case}/classification");
    for (sent, kept) in [
        (json!({ "exploitation": "sex" }), "sex"),
        (json!({}), "unknown"),
    ] {
        let r = app.api_put(&classify, &hotline, &sent.to_string()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(
            body(&app.api_get(&case, &hotline).await)["exploitation"],
            kept,
            "{sent}"
        );
    }

    let user = app
        .enrolled(app.org_a, "intake@example.org", &[Role::CaseManager])
        .await;
    let s = app.session(&user).await;
    let form = app.get("/intake", Some(&s)).await;
    assert!(
        form.body
            .contains("<option value=\"unknown\" selected>Not yet known</option>"),
        "the intake form starts at not yet known"
    );
    let csrf = app.csrf_of(&s).await;
    let r = app
        .post_form(
            "/intake",
            Some(&s),
            &[("csrf", &csrf), ("pseudonym", "Walk-in")],
        )
        .await;
    let page = app.get(r.location().unwrap(), Some(&s)).await;
    assert!(
        page.body
            .contains("<dt>Exploitation</dt><dd>Not yet known</dd>"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("<option value=\"unknown\" selected>"),
        "the classification form keeps it"
    );
}
