//! Referrals that close for real, across organisations, and the HSDS directory they go
//! through: the loop from sent to completed with an outcome, moves out of order and second
//! accepts refused without changing anything, messages across the team, intake referrals
//! from police that create nothing until the NGO accepts; HSDS import, export and API
//! checked against the published schemas.

use crate::sharing_network::{CANARY_NOTE, CANARY_PHONE, network_on};
use crate::support::*;
use axum::http::StatusCode;
use haven_core::system;
use haven_directory::Schemas;
use haven_domain::OrgId;
use serde_json::{Value, json};

on_both_stores!(
    a_referral_closes_the_loop_and_refuses_moves_out_of_order,
    police_refer_a_person_into_an_ngo_and_nothing_exists_until_it_accepts,
    hsds_import_export_round_trips_and_the_api_serves_schema_valid_services,
    ten_thousand_probes_of_another_organisations_sharing_records_learn_nothing,
    a_transfer_moves_the_record_only_when_the_receiver_accepts,
    the_inbox_page_asks_why_a_referral_is_declined,
);

const EXAMPLE: &str = include_str!("../../../directory/tests/organization_full.json");

/// A directory with one service per organisation: (org, service name, kind).
pub(crate) async fn directory<S: Store>(
    app: &App<S>,
    services: &[(OrgId, &str, &str)],
) -> Vec<String> {
    let mut orgs: Vec<Value> = Vec::new();
    let mut ids = Vec::new();
    for (org, name, kind) in services {
        let id = uuid::Uuid::new_v4().to_string();
        ids.push(id.clone());
        let service = json!({ "id": id, "name": name, "status": "active", "attributes": [{
            "id": uuid::Uuid::new_v4().to_string(), "taxonomy_term_id": "3f7b145d-84af-42d7-8fae-eaca714b02b2",
            "taxonomy_term": { "id": "3f7b145d-84af-42d7-8fae-eaca714b02b2", "code": format!("haven-service-kind:{kind}"),
                "name": kind, "description": kind } }] });
        match orgs.iter_mut().find(|o| o["id"] == json!(org)) {
            Some(o) => o["services"].as_array_mut().unwrap().push(service),
            None => orgs.push(
                json!({ "id": org, "name": format!("Org {org}"), "description": "test",
                "services": [service] }),
            ),
        }
    }
    app.haven
        .import_directory(system("test"), Value::Array(orgs).to_string().as_bytes())
        .await
        .unwrap();
    ids
}

async fn moves<S: Store>(app: &App<S>, token: &str, referral: &str, b: Value) -> Reply {
    app.api_post(
        &format!("/api/v1/referrals/{referral}/moves"),
        token,
        &b.to_string(),
    )
    .await
}

async fn a_referral_closes_the_loop_and_refuses_moves_out_of_order<S: Store>(app: App<S>) {
    let n = network_on(app).await;
    let ids = directory(
        &n.app,
        &[
            (n.app.org_b, "Medical care", "medical"),
            (n.app.org_a, "Case management", "case_management"),
        ],
    )
    .await;
    let (medical, own_service) = (&ids[0], &ids[1]);
    let consent = body(&n.release(n.app.org_b, &["identity", "medical"], 30).await)["id"].clone();
    let refer = |b: Value| {
        let app = &n.app;
        let path = format!("/api/v1/cases/{}/referrals", n.case);
        let cm = n.cm.clone();
        async move { app.api_post(&path, &cm, &b.to_string()).await }
    };
    // Bad referrals: no such service, one's own organisation, a release for someone else.
    for (b, field) in [
        (
            json!({ "service_id": "00000000-0000-4000-8000-000000000000" }),
            "service",
        ),
        (json!({ "service_id": own_service }), "service"),
        (
            json!({ "service_id": medical, "consent_id": "00000000-0000-4000-8000-000000000000" }),
            "consent",
        ),
    ] {
        let r = refer(b.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}: {}",
            r.body
        );
        assert_eq!(body(&r)["error"]["field"], field);
    }
    let r = refer(json!({ "service_id": medical, "consent_id": consent })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let referral = body(&r)["id"].as_str().unwrap().to_owned();

    // The clinic sees the pseudonym and the service asked for, nothing else of the record.
    let incoming = n.app.api_get("/api/v1/referrals", &n.clinician).await;
    let inbox = body(&incoming);
    assert_eq!(inbox["referrals"][0]["pseudonym"], "Lucia");
    assert_eq!(inbox["referrals"][0]["service_name"], "Medical care");
    assert!(!incoming.body.contains(CANARY_PHONE));

    // Out of order: complete before accepting; the sender cannot accept; a bad outcome.
    let r = moves(
        &n.app,
        &n.clinician,
        &referral,
        json!({ "action": "complete", "outcome": "delivered" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = moves(&n.app, &n.cm, &referral, json!({ "action": "accept" })).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = moves(
        &n.app,
        &n.clinician,
        &referral,
        json!({ "action": "decline" }),
    )
    .await;
    assert_eq!(body(&r)["error"]["field"], "reason");

    let r = moves(
        &n.app,
        &n.clinician,
        &referral,
        json!({ "action": "accept" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let second = moves(
        &n.app,
        &n.clinic_cm,
        &referral,
        json!({ "action": "accept" }),
    )
    .await;
    assert_eq!(
        second.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a second accept"
    );
    let before = n.app.audit_reasons("referral_move").await;

    // Messages across the team: the receiving clinician may write and read.
    let m = n
        .app
        .api_post(
            &format!("/api/v1/cases/{}/messages", n.case),
            &n.clinician,
            r#"{"body":"Appointment on Tuesday at 10"}"#,
        )
        .await;
    assert_eq!(m.status, StatusCode::CREATED, "{}", m.body);
    let thread = n
        .app
        .api_get(&format!("/api/v1/cases/{}/messages", n.case), &n.cm)
        .await;
    assert!(thread.body.contains("Appointment on Tuesday"));

    for step in [
        json!({ "action": "start" }),
        json!({ "action": "complete", "outcome": "delivered" }),
    ] {
        let r = moves(&n.app, &n.clinician, &referral, step).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    assert_eq!(
        n.app.audit_reasons("referral_move").await.len(),
        before.len() + 2
    );
    // The NGO sees the loop closed, with the outcome, on its case.
    let sent = body(
        &n.app
            .api_get(&format!("/api/v1/cases/{}/referrals", n.case), &n.cm)
            .await,
    );
    assert_eq!(sent["referrals"][0]["state"], "completed");
    assert_eq!(sent["referrals"][0]["reason"], "delivered");
    let timeline = body(&n.case_as(&n.cm).await)["timeline"].to_string();
    assert!(timeline.contains("completed"), "{timeline}");
    // Closed: nothing moves any more.
    let r = moves(&n.app, &n.cm, &referral, json!({ "action": "withdraw" })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The clinic never saw the safety note through any of it.
    let seen = n.case_as(&n.clinician).await;
    assert!(!seen.body.contains(CANARY_NOTE));
}

async fn police_refer_a_person_into_an_ngo_and_nothing_exists_until_it_accepts<S: Store>(
    app: App<S>,
) {
    let n = network_on(app).await;
    let ids = directory(
        &n.app,
        &[(n.app.org_a, "Case management", "case_management")],
    )
    .await;
    let cases_before = body(&n.app.api_get("/api/v1/cases", &n.cm).await)["cases"]
        .as_array()
        .unwrap()
        .len();
    let r = n
        .app
        .api_post(
            "/api/v1/referrals/intake",
            &n.liaison,
            &json!({ "service_id": ids[0], "pseudonym": "Person met at the raid", "note": "Speaks Tagalog" })
                .to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let referral = body(&r)["id"].as_str().unwrap().to_owned();
    // Only a liaison may send one.
    let r = n
        .app
        .api_post(
            "/api/v1/referrals/intake",
            &n.clinician,
            &json!({ "service_id": ids[0], "pseudonym": "X" }).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let inbox = body(&n.app.api_get("/api/v1/referrals", &n.cm).await);
    assert_eq!(inbox["referrals"][0]["intake_note"], "Speaks Tagalog");
    let cases = body(&n.app.api_get("/api/v1/cases", &n.cm).await);
    assert_eq!(cases["cases"].as_array().unwrap().len(), cases_before);
    let r = moves(&n.app, &n.cm, &referral, json!({ "action": "accept" })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let case = body(&r)["case_id"].as_str().unwrap().to_owned();
    let opened = n.app.api_get(&format!("/api/v1/cases/{case}"), &n.cm).await;
    assert_eq!(
        body(&opened)["survivor"]["pseudonym"],
        "Person met at the raid"
    );
    // The liaison has no release: the new case is not theirs to see.
    let r = n
        .app
        .api_get(&format!("/api/v1/cases/{case}"), &n.liaison)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

async fn hsds_import_export_round_trips_and_the_api_serves_schema_valid_services<S: Store>(
    app: App<S>,
) {
    let schemas = Schemas::load().unwrap();
    let input = format!("[{EXAMPLE}]");
    let summary = app
        .haven
        .import_directory(system("test"), input.as_bytes())
        .await
        .unwrap();
    assert_eq!(summary.organizations, 1);
    let exported = app.haven.export_directory(system("test")).await.unwrap();
    let a: Value = serde_json::from_str(&input).unwrap();
    let b: Value = serde_json::from_slice(&exported).unwrap();
    assert_eq!(a, b, "export equals import");

    let page = app.get("/api/v1/hsds/services?per_page=10", None).await;
    assert_eq!(page.status, StatusCode::OK);
    let page = body(&page);
    assert_eq!(page["total_items"], 1);
    let service = &page["contents"][0];
    schemas.check_service(service).unwrap();
    let id = service["id"].as_str().unwrap();
    let one = app.get(&format!("/api/v1/hsds/services/{id}"), None).await;
    assert_eq!(&body(&one), service);
    let filtered = body(
        &app.get("/api/v1/hsds/services?search=no-such-thing", None)
            .await,
    );
    assert_eq!(filtered["total_items"], 0);

    // An invalid file is refused whole with the path of its first error; nothing changes.
    let mut bad: Value = serde_json::from_str(EXAMPLE).unwrap();
    bad["services"][0]["status"] = json!("sometimes");
    bad["name"] = json!("Renamed");
    let err = app
        .haven
        .import_directory(
            system("test"),
            Value::Array(vec![bad]).to_string().as_bytes(),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("/0/services/0/status"), "{err}");
    let still = app.haven.export_directory(system("test")).await.unwrap();
    assert_eq!(still, exported);
}

async fn ten_thousand_probes_of_another_organisations_sharing_records_learn_nothing<S: Store>(
    app: App<S>,
) {
    let n = network_on(app).await;
    let ids = directory(&n.app, &[(n.app.org_b, "Medical care", "medical")]).await;
    let consent = body(&n.release(n.app.org_b, &["identity"], 30).await)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let referral = body(
        &n.app
            .api_post(
                &format!("/api/v1/cases/{}/referrals", n.case),
                &n.cm,
                &json!({ "service_id": ids[0] }).to_string(),
            )
            .await,
    )["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The police liaison has no release and is on neither side of the referral.
    let missing = n
        .app
        .api_get(
            "/api/v1/referrals/00000000-0000-4000-8000-000000000000",
            &n.liaison,
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let case = n.case.clone();
    let mut seed = 0x2545f4914f6cdd1du64;
    for i in 0..10_000usize {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let random = uuid::Uuid::from_u64_pair(seed, seed.rotate_left(29)).to_string();
        let pick = |real: &str| {
            if i % 2 == 0 {
                real.to_owned()
            } else {
                random.clone()
            }
        };
        let (path, post): (String, Option<Value>) = match i % 6 {
            0 => (format!("/api/v1/referrals/{}", pick(&referral)), None),
            1 => (
                format!("/api/v1/referrals/{}/moves", pick(&referral)),
                Some(json!({ "action": "accept" })),
            ),
            2 => (
                format!(
                    "/api/v1/cases/{}/consents/{}/revoke",
                    pick(&case),
                    pick(&consent)
                ),
                Some(json!({ "channel": "oral" })),
            ),
            3 => (format!("/api/v1/cases/{}/messages", pick(&case)), None),
            4 => (format!("/api/v1/cases/{}/consents", pick(&case)), None),
            _ => (format!("/api/v1/cases/{}/access-report", pick(&case)), None),
        };
        let r = match post {
            Some(b) => n.app.api_post(&path, &n.liaison, &b.to_string()).await,
            None => n.app.api_get(&path, &n.liaison).await,
        };
        assert_eq!(r.status, StatusCode::NOT_FOUND, "probe {i}: {path}");
        assert_eq!(
            r.body, missing.body,
            "probe {i} differs from a missing record"
        );
    }
    let inbox = body(&n.app.api_get("/api/v1/referrals", &n.liaison).await);
    assert_eq!(
        inbox["referrals"],
        json!([]),
        "no count, no existence signal"
    );
    // And the referral is untouched.
    let sent = body(
        &n.app
            .api_get(&format!("/api/v1/cases/{}/referrals", n.case), &n.cm)
            .await,
    );
    assert_eq!(sent["referrals"][0]["state"], "sent");
}

async fn a_transfer_moves_the_record_only_when_the_receiver_accepts<S: Store>(app: App<S>) {
    let n = network_on(app).await;
    let propose = |to: Value| {
        let app = &n.app;
        let path = format!("/api/v1/cases/{}/transfers", n.case);
        let cm = n.cm.clone();
        async move {
            app.api_post(&path, &cm, &json!({ "to_org": to }).to_string())
                .await
        }
    };
    n.release(n.police, &["identity"], 10).await;
    let goal = n
        .app
        .api_post(
            &format!("/api/v1/cases/{}/goals", n.case),
            &n.cm,
            r#"{"title":"Canary goal: a safe flat"}"#,
        )
        .await;
    assert_eq!(goal.status, StatusCode::CREATED, "{}", goal.body);
    let r = propose(json!(n.app.org_a)).await;
    assert_eq!(body(&r)["error"]["field"], "to_org", "not to oneself");
    let r = propose(json!(n.app.org_b)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = body(&r)["id"].as_str().unwrap().to_owned();
    assert_eq!(
        propose(json!(n.app.org_b)).await.status,
        StatusCode::CONFLICT
    );
    // Proposed is not moved: the clinic still sees nothing, the NGO still everything.
    assert_eq!(n.case_as(&n.clinic_cm).await.status, StatusCode::NOT_FOUND);
    assert_eq!(n.case_as(&n.cm).await.status, StatusCode::OK);
    let decide = |who: String, d: &'static str| {
        let app = &n.app;
        let path = format!("/api/v1/transfers/{id}/decision");
        async move {
            app.api_post(&path, &who, &json!({ "decision": d }).to_string())
                .await
        }
    };
    assert_eq!(
        decide(n.liaison.clone(), "accepted").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        decide(n.cm.clone(), "accepted").await.status,
        StatusCode::FORBIDDEN,
        "the sender cannot accept"
    );
    let listed = body(&n.app.api_get("/api/v1/transfers", &n.clinic_cm).await);
    assert_eq!(listed["transfers"][0]["pseudonym"], "Lucia");
    let r = decide(n.clinic_cm.clone(), "accepted").await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let again = decide(n.clinic_cm.clone(), "declined").await;
    assert_eq!(again.status, StatusCode::CONFLICT, "decided once");
    assert_eq!(body(&again)["error"]["reason"], "transfer_decided");
    // The clinic owns the whole record now: every note and field opens for its case manager
    // (resealed for the new owner); the NGO and the police, whose release ended, see nothing.
    let seen = n.case_as(&n.clinic_cm).await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
    assert_eq!(body(&seen)["survivor"]["legal_name"], "Lucía Hernández");
    assert!(
        seen.body.contains(CANARY_NOTE),
        "the safety note moved with the case"
    );
    assert!(seen.body.contains(CANARY_PHONE));
    assert!(
        seen.body.contains("Canary goal: a safe flat"),
        "the plan moved too"
    );
    assert_eq!(n.case_as(&n.cm).await.status, StatusCode::NOT_FOUND);
    assert_eq!(n.case_as(&n.liaison).await.status, StatusCode::NOT_FOUND);
    let consents = body(
        &n.app
            .api_get(&format!("/api/v1/cases/{}/consents", n.case), &n.clinic_cm)
            .await,
    );
    assert_eq!(consents["consents"][0]["revocation_channel"], "transfer");
    n.app.haven.verify_audit(None).await.unwrap();
}

/// The receiving organisation's inbox page: each referral can be accepted, or declined with
/// a reason the form names as the reason for declining (not the case form's reopening one).
async fn the_inbox_page_asks_why_a_referral_is_declined<S: Store>(app: App<S>) {
    let n = network_on(app).await;
    let ids = directory(&n.app, &[(n.app.org_b, "Medical care", "medical")]).await;
    let r = n
        .app
        .api_post(
            &format!("/api/v1/cases/{}/referrals", n.case),
            &n.cm,
            &json!({ "service_id": ids[0] }).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let referral = body(&r)["id"].as_str().unwrap().to_owned();
    let user = n
        .app
        .enrolled(
            n.app.org_b,
            "doc2@clinic.org",
            &[haven_domain::access::Role::Clinician],
        )
        .await;
    let session = n.app.session(&user).await;
    let page = n.app.get("/referrals", Some(&session)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains(&format!(
            r#"<label for="decline-{referral}">Reason for declining</label>"#
        )),
        "{}",
        page.body
    );
    assert!(!page.body.contains("needed to reopen"), "{}", page.body);
}
