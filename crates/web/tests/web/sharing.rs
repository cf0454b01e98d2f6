//! Releases of information through the API, with the injected clock (security.md §7 items
//! 22–24, 26): no release, no trace; a release grants exactly its categories to exactly its
//! organisation, until `expires_at` and not one second more; a revocation bites on the very
//! next request; an abuser can never consent; services never wait for a release.

use crate::sharing_network::{CANARY_MEDICAL, CANARY_NOTE, CANARY_PHONE, CANARY_SAFE, network_on};
use crate::support::*;
use axum::http::StatusCode;
use haven_domain::access::Role;
use serde_json::{Value, json};
use time::Duration;

on_both_stores!(
    without_a_release_police_and_other_organisations_find_no_trace,
    a_release_grants_its_categories_until_expiry_and_not_one_second_more,
    a_revocation_takes_effect_on_the_very_next_request,
    police_never_see_medical_data_and_see_immigration_flags_only_as_protected_status,
    the_record_carries_only_the_keys_of_the_readers_categories,
    releases_refuse_bad_input_and_abusers_and_write_nothing,
    every_service_workflow_completes_with_no_release_on_file,
    the_access_report_names_who_opened_the_record_and_under_which_release,
    a_liaison_with_a_release_can_only_ask_the_case_manager_for_a_meeting,
    the_case_page_names_authors_to_their_own_organisation_and_hides_what_a_release_leaves_out,
);

async fn without_a_release_police_and_other_organisations_find_no_trace<S: Store>(app: App<S>) {
    let n = network_on(app).await;
    let missing = n
        .app
        .api_get(
            "/api/v1/cases/00000000-0000-4000-8000-000000000000",
            &n.liaison,
        )
        .await;
    let before = n.app.audit_reasons("access_denied").await.len();
    let routes = [
        format!("/api/v1/cases/{}", n.case),
        format!("/api/v1/cases/{}/notes", n.case),
        format!("/api/v1/cases/{}/consents", n.case),
        format!("/api/v1/cases/{}/messages", n.case),
        format!("/api/v1/cases/{}/access-report", n.case),
        format!("/api/v1/survivors/{}", n.survivor),
    ];
    for who in [&n.liaison, &n.clinician] {
        for route in &routes {
            let r = n.app.api_get(route, who).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{route}");
            assert_eq!(
                r.body, missing.body,
                "{route} differs from a missing record"
            );
        }
        for q in ["Lucía Hernández", "Lucia", "1998-02-03", CANARY_PHONE] {
            let r = n.app.api_get(&search_path(q), who).await;
            assert_eq!(body(&r)["results"], json!([]), "search {q}");
        }
    }
    let after = n.app.audit_reasons("access_denied").await.len();
    assert!(
        after - before >= 2 * routes.len(),
        "every refusal is audited ({before} → {after})"
    );
}

async fn a_release_grants_its_categories_until_expiry_and_not_one_second_more<S: Store>(
    app: App<S>,
) {
    let n = network_on(app).await;
    let r = n.release(n.app.org_b, &["identity", "medical"], 30).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let seen = n.case_as(&n.clinician).await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
    let v = body(&seen);
    assert_eq!(v["survivor"]["legal_name"], "Lucía Hernández");
    assert_eq!(v["categories"], json!(["identity", "medical"]));
    for canary in [
        CANARY_PHONE,
        CANARY_SAFE,
        CANARY_NOTE,
        "Canary therapy note",
    ] {
        assert!(
            !seen.body.contains(canary),
            "{canary} leaked: {}",
            seen.body
        );
    }
    assert!(
        seen.body.contains(CANARY_MEDICAL),
        "the medical note is shared"
    );
    // The case's own fields are not in the release: no team, timeline or status.
    assert_eq!(v["team"], json!([]));
    assert_eq!(v["timeline"], json!([]));
    // The clinic's case manager sees the intersection with their role: identity, and
    // medical only as a summary — no clinical notes.
    let cm = n.case_as(&n.clinic_cm).await;
    assert_eq!(body(&cm)["categories"], json!(["identity", "medical"]));
    assert!(!cm.body.contains(CANARY_MEDICAL));
    // Expiry, by the injected clock.
    n.app
        .clock
        .advance(Duration::days(30) - Duration::seconds(1));
    assert_eq!(n.case_as(&n.clinician).await.status, StatusCode::OK);
    n.app.clock.advance(Duration::seconds(1));
    assert_eq!(n.case_as(&n.clinician).await.status, StatusCode::NOT_FOUND);
    n.app.clock.advance(Duration::seconds(1));
    assert_eq!(n.case_as(&n.clinician).await.status, StatusCode::NOT_FOUND);
    let list = body(
        &n.app
            .api_get(&format!("/api/v1/cases/{}/consents", n.case), &n.cm)
            .await,
    );
    assert_eq!(list["consents"][0]["active"], false);
}

async fn a_revocation_takes_effect_on_the_very_next_request<S: Store>(app: App<S>) {
    let n = network_on(app).await;
    let id = body(&n.release(n.app.org_b, &["identity"], 30).await)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(n.case_as(&n.clinician).await.status, StatusCode::OK);
    let r = n
        .app
        .api_post(
            &format!("/api/v1/cases/{}/consents/{id}/revoke", n.case),
            &n.ngo_clinician,
            r#"{"channel":"oral"}"#,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(n.case_as(&n.clinician).await.status, StatusCode::NOT_FOUND);
    let again = n
        .app
        .api_post(
            &format!("/api/v1/cases/{}/consents/{id}/revoke", n.case),
            &n.cm,
            r#"{"channel":"written"}"#,
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "revoked once only");
    let list = body(
        &n.app
            .api_get(&format!("/api/v1/cases/{}/consents", n.case), &n.cm)
            .await,
    );
    assert_eq!(list["consents"][0]["revocation_channel"], "oral");
}

async fn police_never_see_medical_data_and_see_immigration_flags_only_as_protected_status<
    S: Store,
>(
    app: App<S>,
) {
    let n = network_on(app).await;
    let r = n
        .release(n.police, &["identity", "medical", "immigration"], 10)
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let seen = n.case_as(&n.liaison).await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
    let v = body(&seen);
    assert_eq!(v["categories"], json!(["identity", "immigration"]));
    assert!(!seen.body.contains(CANARY_MEDICAL));
    assert!(!seen.body.contains(CANARY_PHONE), "contact not released");
    assert_eq!(v["flags"]["protected_status"], true);
    assert_eq!(v["flags"]["immigration_sensitive"], false);
    // Field minimisation (item 26): only the allow-listed identity fields, nothing of
    // contact or location, whatever the survivor record holds.
    let survivor = v["survivor"].as_object().unwrap();
    for key in ["phone", "email", "safe_contact", "location"] {
        assert!(survivor.get(key).is_none(), "{key} in a liaison's response");
    }
}

/// A field of a category the reader may not see is absent from the survivor record, not
/// null: a release of medical data alone shows the name used and nothing else of the record.
async fn the_record_carries_only_the_keys_of_the_readers_categories<S: Store>(app: App<S>) {
    let n = network_on(app).await;
    let r = n.release(n.app.org_b, &["medical"], 30).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v = body(&n.case_as(&n.clinician).await);
    let keys: Vec<&String> = v["survivor"].as_object().unwrap().keys().collect();
    assert_eq!(keys, vec!["pseudonym"]);
    let r = n.release(n.app.org_b, &["identity"], 30).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v = body(&n.case_as(&n.clinician).await);
    let survivor = v["survivor"].as_object().unwrap();
    assert_eq!(survivor["legal_name"], "Lucía Hernández");
    for key in ["phone", "email", "safe_contact"] {
        assert!(survivor.get(key).is_none(), "{key} shown without contact");
    }
}

async fn releases_refuse_bad_input_and_abusers_and_write_nothing<S: Store>(app: App<S>) {
    let n = network_on(app).await;
    let post = |b: Value| {
        let app = &n.app;
        let path = format!("/api/v1/cases/{}/consents", n.case);
        let cm = n.cm.clone();
        async move { app.api_post(&path, &cm, &b.to_string()).await }
    };
    let base = json!({ "recipient_org": n.app.org_b, "categories": ["identity"], "purpose": "care",
        "method": "signed_form", "evidence": "form 3", "expires_at": "2027-01-01T00:00:00Z" });
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    let without = |k: &str| {
        let mut b = base.clone();
        b.as_object_mut().unwrap().remove(k);
        b
    };
    let cases = [
        (without("expires_at"), "expires_at"),
        (
            with("expires_at", json!("2026-01-01T00:00:00Z")),
            "expires_at",
        ),
        (
            with("expires_at", json!("2031-01-01T00:00:00Z")),
            "expires_at",
        ),
        (
            with("categories", json!(["identity", "horoscope"])),
            "categories",
        ),
        (with("categories", json!([])), "categories"),
        (with("evidence", json!("")), "evidence"),
        (with("method", json!("verbal_witnessed")), "method"),
        (with("recipient_org", json!(n.app.org_a)), "recipient_org"),
        (
            with(
                "recipient_org",
                json!("00000000-0000-4000-8000-000000000000"),
            ),
            "recipient_org",
        ),
    ];
    for (b, field) in cases {
        let r = post(b.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}: {}",
            r.body
        );
        assert_eq!(body(&r)["error"]["field"], field, "{b}");
    }
    let unknown = post(with("shared_with_everyone", json!(true))).await;
    assert_eq!(body(&unknown)["error"]["code"], "unknown_field");
    // A guardian recorded as a suspected abuser can never consent.
    let adversary = n
        .app
        .api_post(
            &format!("/api/v1/cases/{}/adversaries", n.case),
            &n.cm,
            r#"{"name":"Marco Ruiz","relationship":"guardian"}"#,
        )
        .await;
    assert_eq!(adversary.status, StatusCode::CREATED, "{}", adversary.body);
    let mut by_abuser = with("signer", json!("minor_and_guardian"));
    by_abuser["guardian"] = json!("marco  ruiz");
    let r = post(by_abuser).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(body(&r)["error"]["field"], "guardian");
    let list = body(
        &n.app
            .api_get(&format!("/api/v1/cases/{}/consents", n.case), &n.cm)
            .await,
    );
    assert_eq!(list["consents"], json!([]), "nothing was written");
    assert!(n.app.audit_reasons("consent_record").await.is_empty());
}

async fn every_service_workflow_completes_with_no_release_on_file<S: Store>(app: App<S>) {
    let n = network_on(app).await;
    let case = &n.case;
    let steps = [
        (
            format!("/api/v1/cases/{case}/notes"),
            json!({ "category": "general", "body": "Met at the drop-in" }),
        ),
        (
            format!("/api/v1/cases/{case}/tasks"),
            json!({ "title": "Shelter bed", "due_on": "2026-12-01" }),
        ),
        (
            format!("/api/v1/cases/{case}/status"),
            json!({ "status": "active" }),
        ),
        (
            format!("/api/v1/cases/{case}/messages"),
            json!({ "body": "Bed confirmed for tonight" }),
        ),
    ];
    for (path, b) in steps {
        let r = n.app.api_post(&path, &n.cm, &b.to_string()).await;
        assert!(r.status.is_success(), "{path}: {} {}", r.status, r.body);
    }
    let r = n
        .app
        .api_post(
            "/api/v1/survivors",
            &n.cm,
            r#"{"pseudonym":"Walk-in, no papers signed"}"#,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let consents = body(
        &n.app
            .api_get(&format!("/api/v1/cases/{case}/consents"), &n.cm)
            .await,
    );
    assert_eq!(consents["consents"], json!([]));
}

async fn the_access_report_names_who_opened_the_record_and_under_which_release<S: Store>(
    app: App<S>,
) {
    let n = network_on(app).await;
    let consent = body(&n.release(n.app.org_b, &["identity", "medical"], 30).await)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(n.case_as(&n.clinician).await.status, StatusCode::OK);
    // The case manager lists the notes, the releases and the messages on their own.
    for part in ["notes", "consents", "messages"] {
        let path = format!("/api/v1/cases/{}/{part}", n.case);
        assert_eq!(n.app.api_get(&path, &n.cm).await.status, StatusCode::OK);
    }
    let path = format!("/api/v1/cases/{}/access-report", n.case);
    // Producing the report is an opening too, and shows in the next one.
    let r = n.app.api_get(&path, &n.cm).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = body(&n.app.api_get(&path, &n.cm).await);
    let lines = v["accesses"].as_array().unwrap();
    let clinic_view = lines
        .iter()
        .find(|l| l["org"] == json!(n.app.org_b))
        .expect("the clinic's view is reported");
    assert_eq!(clinic_view["consent_id"], consent);
    assert_eq!(clinic_view["org_name"], "Northside Clinic");
    assert_eq!(clinic_view["what"], "case");
    assert_eq!(clinic_view["basis"], "consent");
    // Every opening says why it was allowed, whatever was opened.
    let basis_of = |what: &str| {
        lines
            .iter()
            .find(|l| l["what"] == what)
            .map(|l| l["basis"].clone())
    };
    for what in ["notes", "consents", "messages", "access_report"] {
        assert_eq!(basis_of(what), Some(json!("case_team")), "{what}: {v}");
    }
    // The clinician may not produce it; the clinic certainly not.
    for other in [&n.ngo_clinician, &n.clinician] {
        let r = n
            .app
            .api_get(&format!("/api/v1/cases/{}/access-report", n.case), other)
            .await;
        assert!(matches!(
            r.status,
            StatusCode::NOT_FOUND | StatusCode::FORBIDDEN
        ));
    }
}

async fn a_liaison_with_a_release_can_only_ask_the_case_manager_for_a_meeting<S: Store>(
    app: App<S>,
) {
    let n = network_on(app).await;
    let path = format!("/api/v1/cases/{}/meeting-requests", n.case);
    let before = n
        .app
        .api_post(&path, &n.liaison, r#"{"note":"Witness interview"}"#)
        .await;
    assert_eq!(before.status, StatusCode::NOT_FOUND, "no release, no trace");
    n.release(n.police, &["identity"], 10).await;
    let r = n
        .app
        .api_post(&path, &n.liaison, r#"{"note":"Witness interview"}"#)
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let r = n.app.api_post(&path, &n.clinician, r#"{"note":"x"}"#).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "only the released agency");
    // The request waits on the case manager's dashboard, and the case went on regardless.
    let tasks = body(&n.case_as(&n.cm).await)["tasks"].to_string();
    assert!(
        tasks.contains("Meeting requested by Metro Police: Witness interview"),
        "{tasks}"
    );
}

/// Staff of the owning organisation see who wrote each note on the case page; a clinic
/// reading the same notes under a release sees the notes, not the NGO's staff, and where the
/// release leaves out the case's own fields, no empty status line or timeline.
async fn the_case_page_names_authors_to_their_own_organisation_and_hides_what_a_release_leaves_out<
    S: Store,
>(
    app: App<S>,
) {
    let n = network_on(app).await;
    let r = n
        .release(n.app.org_b, &["identity", "medical", "safety"], 30)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = n
        .app
        .api_put(
            &format!("/api/v1/cases/{}/classification", n.case),
            &n.cm,
            &json!({ "exploitation": "labour", "safety_risk": true, "immigration_sensitive": true })
                .to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let page_as = |org, email: &'static str, role| {
        let n = &n;
        async move {
            let user = n.app.enrolled(org, email, &[role]).await;
            let session = n.app.session(&user).await;
            let page = n
                .app
                .get(&format!("/cases/{}", n.case), Some(&session))
                .await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            page.body
        }
    };
    let own = page_as(n.app.org_a, "sup@ngo.org", Role::Supervisor).await;
    for (author, note) in [
        ("cm@ngo.org", CANARY_NOTE),
        ("clin@ngo.org", CANARY_MEDICAL),
    ] {
        assert!(
            own.contains(&format!(r#"<span class="author">{author}</span> — {note}"#)),
            "{author}: {own}"
        );
    }
    let clinic = page_as(n.app.org_b, "doc2@clinic.org", Role::Clinician).await;
    assert!(clinic.contains(CANARY_MEDICAL), "{clinic}");
    assert!(
        !clinic.contains("clin@ngo.org") && !clinic.contains(r#"class="author""#),
        "{clinic}"
    );
    // The release leaves out the case's own fields: the page shows the flag it does
    // release, and no empty status line or timeline heading.
    assert!(clinic.contains("<p>Flags: safety risk</p>"), "{clinic}");
    for absent in ["case-status", "Status:", r#"id="timeline""#, "Timeline"] {
        assert!(!clinic.contains(absent), "{absent}: {clinic}");
    }
}
