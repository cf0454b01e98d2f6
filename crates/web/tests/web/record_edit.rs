//! Editing a survivor's record after intake, from the case: through the API and the page,
//! limited to what the editor's role may write, re-indexed for search, audited.

use crate::case_team::team_on;
use crate::sharing_network::network_on;
use crate::support::*;
use axum::http::StatusCode;
use serde_json::json;

on_both_stores!(
    the_case_manager_edits_the_record_and_search_and_flags_follow,
    only_those_who_may_write_the_record_can_edit_it_and_bad_input_changes_nothing,
    the_record_is_edited_from_the_case_page_without_javascript,
    an_editor_changes_only_the_categories_their_role_writes,
    a_release_never_lets_another_organisation_edit_the_record,
);

async fn the_case_manager_edits_the_record_and_search_and_flags_follow<S: Store>(app: App<S>) {
    let t = team_on(app).await;
    let path = format!("/api/v1/cases/{}/survivor", t.case);
    let r = t
        .app
        .api_put(
            &path,
            &t.cm,
            &json!({
                "pseudonym": "Rosa", "legal_name": "Hiwet Gebre", "date_of_birth": "1990-02-03",
                "languages": ["Tigrinya"], "interpreter_needed": true, "phone": "+1 555 777 0000"
            })
            .to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(body(&r)["written"], json!(["identity", "contact"]));

    let c = body(
        &t.app
            .api_get(&format!("/api/v1/cases/{}", t.case), &t.cm)
            .await,
    );
    let s = &c["survivor"];
    assert_eq!(s["legal_name"], "Hiwet Gebre");
    assert_eq!(s["languages"], json!(["Tigrinya"]));
    assert_eq!(s["nationality"], json!(null), "a field left out is cleared");
    assert_eq!(s["phone"], "+1 555 777 0000");
    assert_eq!(
        c["flags"]["minor"], false,
        "the new date of birth is an adult's"
    );
    assert_eq!(c["exploitation"], "labour", "the case itself is untouched");
    let last = c["timeline"].as_array().unwrap().last().cloned().unwrap();
    assert_eq!(
        (last["kind"].as_str(), last["detail"].as_str()),
        (Some("profile"), Some("updated"))
    );

    let found = body(&t.app.api_get(&search_path("Hiwet Gebre"), &t.cm).await);
    assert_eq!(found["results"].as_array().map(Vec::len), Some(1));
    for gone in ["María López", "2010-05-01", "555 010 2030"] {
        let r = body(&t.app.api_get(&search_path(gone), &t.cm).await);
        assert_eq!(r["results"], json!([]), "{gone} still indexed");
    }
    assert_eq!(t.app.audit_reasons("survivor_update").await, vec!["edit"]);
}

async fn only_those_who_may_write_the_record_can_edit_it_and_bad_input_changes_nothing<S: Store>(
    app: App<S>,
) {
    let t = team_on(app).await;
    let path = format!("/api/v1/cases/{}/survivor", t.case);
    let edit = json!({ "pseudonym": "Changed" }).to_string();
    // Not visible: the same 404 as a case that does not exist.
    for token in [&t.other_org, &t.colleague] {
        let r = t.app.api_put(&path, token, &edit).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    }
    let missing = "/api/v1/cases/00000000-0000-4000-8000-000000000000/survivor";
    assert_eq!(
        t.app.api_put(missing, &t.cm, &edit).await.status,
        StatusCode::NOT_FOUND
    );
    // A clinician on the team reads identity and contact but writes neither.
    let r = t.app.api_put(&path, &t.clinician, &edit).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

    for (payload, code, field) in [
        (
            json!({ "pseudonym": "A", "date_of_birth": "2999-01-01" }),
            "invalid",
            "date_of_birth",
        ),
        (json!({ "pseudonym": "" }), "invalid", "pseudonym"),
        (json!({ "pseudonym": "A", "case": {} }), "unknown_field", ""),
    ] {
        let r = t.app.api_put(&path, &t.cm, &payload.to_string()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{payload}: {}",
            r.body
        );
        assert_eq!(body(&r)["error"]["code"], code, "{payload}");
        if !field.is_empty() {
            assert_eq!(body(&r)["error"]["field"], field, "{payload}");
        }
    }
    let c = body(
        &t.app
            .api_get(&format!("/api/v1/cases/{}", t.case), &t.cm)
            .await,
    );
    assert_eq!(c["survivor"]["pseudonym"], "Rosa");
    assert_eq!(c["survivor"]["legal_name"], "María López");
    assert!(t.app.audit_reasons("survivor_update").await.is_empty());
}

async fn the_record_is_edited_from_the_case_page_without_javascript<S: Store>(app: App<S>) {
    let PageUser {
        session: s, csrf, ..
    } = app
        .page_user(
            app.org_a,
            "page@example.org",
            &[haven_domain::access::Role::CaseManager],
        )
        .await;
    let r = app
        .post_form(
            "/intake",
            Some(&s),
            &[
                ("csrf", &csrf),
                ("pseudonym", "Abeba"),
                ("nationality", "Ethiopian"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let case_url = r.location().unwrap().to_owned();
    let page = app.get(&case_url, Some(&s)).await;
    assert!(page.body.contains("id=\"edit-record\""), "no edit link");

    let form_url = format!("{case_url}/survivor");
    let form = app.get(&form_url, Some(&s)).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("value=\"Abeba\""), "not filled in");
    assert!(form.body.contains("value=\"Ethiopian\""), "not filled in");

    let bad = app
        .post_form(
            &form_url,
            Some(&s),
            &[
                ("csrf", &csrf),
                ("pseudonym", "Abeba"),
                ("date_of_birth", "2999-01-01"),
                ("phone", "+1 555 0199"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("role=\"alert\""));
    assert!(
        bad.body.contains("value=\"+1 555 0199\""),
        "the form lost what was typed"
    );

    let saved = app
        .post_form(
            &form_url,
            Some(&s),
            &[
                ("csrf", &csrf),
                ("pseudonym", "Abeba"),
                ("date_of_birth", "2014-07-01"),
                ("languages", "Amharic, Oromo"),
                ("interpreter_needed", "on"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = app.get(&case_url, Some(&s)).await;
    assert!(
        page.body.contains("<dd>Amharic, Oromo</dd>"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("minor"),
        "the minor flag follows the date of birth"
    );
    assert!(!page.body.contains("Ethiopian"), "a cleared field is gone");

    let forged = app
        .post_form(
            &form_url,
            Some(&s),
            &[("csrf", "forged"), ("pseudonym", "X")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
}

/// A shelter coordinator on the team writes contact details but only reads identity: their
/// edit changes the phone and leaves the names as stored, and their form shows the names
/// read-only.
async fn an_editor_changes_only_the_categories_their_role_writes<S: Store>(app: App<S>) {
    let t = team_on(app).await;
    let user = t
        .app
        .enrolled(
            t.app.org_a,
            "shelter@example.org",
            &[haven_domain::access::Role::ShelterCoordinator],
        )
        .await;
    let coordinator = t.app.token(&user).await;
    let me = body(&t.app.api_get("/api/v1/me", &coordinator).await);
    let add = t
        .app
        .api_post(
            &format!("/api/v1/cases/{}/team", t.case),
            &t.cm,
            &json!({ "user_id": me["id"] }).to_string(),
        )
        .await;
    assert_eq!(add.status, StatusCode::NO_CONTENT, "{}", add.body);

    let r = t
        .app
        .api_put(
            &format!("/api/v1/cases/{}/survivor", t.case),
            &coordinator,
            &json!({ "pseudonym": "Renamed", "phone": "+1 555 0123 456" }).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(body(&r)["written"], json!(["contact"]));
    let c = body(
        &t.app
            .api_get(&format!("/api/v1/cases/{}", t.case), &t.cm)
            .await,
    );
    assert_eq!(c["survivor"]["pseudonym"], "Rosa");
    assert_eq!(c["survivor"]["legal_name"], "María López");
    assert_eq!(c["survivor"]["languages"], json!(["Spanish"]));
    assert_eq!(c["survivor"]["phone"], "+1 555 0123 456");

    let s = t.app.session(&user).await;
    let form = t
        .app
        .get(&format!("/cases/{}/survivor", t.case), Some(&s))
        .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(
        form.body.contains("name=\"legal_name\" readonly"),
        "identity is read-only"
    );
    assert!(
        !form.body.contains("name=\"phone\" readonly"),
        "contact is writable"
    );
}

/// A release lets another organisation read; it never lets them change the record, whatever
/// their role may write at home.
async fn a_release_never_lets_another_organisation_edit_the_record<S: Store>(app: App<S>) {
    let n = network_on(app).await;
    let r = n
        .release(
            n.app.org_b,
            &["identity", "contact", "case", "narrative", "safety"],
            30,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(n.case_as(&n.clinic_cm).await.status, StatusCode::OK);
    let edit = n
        .app
        .api_put(
            &format!("/api/v1/cases/{}/survivor", n.case),
            &n.clinic_cm,
            &json!({ "pseudonym": "Taken over", "phone": "+1 555 0000 000" }).to_string(),
        )
        .await;
    assert_eq!(edit.status, StatusCode::FORBIDDEN, "{}", edit.body);
    let classify = n
        .app
        .api_put(
            &format!("/api/v1/cases/{}/classification", n.case),
            &n.clinic_cm,
            &json!({ "exploitation": "sex" }).to_string(),
        )
        .await;
    assert_eq!(classify.status, StatusCode::FORBIDDEN, "{}", classify.body);
    let v = body(&n.case_as(&n.cm).await);
    assert_eq!(v["survivor"]["pseudonym"], "Lucia");
    assert_eq!(v["survivor"]["phone"], crate::sharing_network::CANARY_PHONE);
    assert_eq!(v["exploitation"], "labour");
}
