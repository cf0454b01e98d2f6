//! The API's authorisation and input handling (security.md §7 D 22, 25, 26): a record the
//! caller may not see answers exactly like one that does not exist, on every id; writes
//! refuse unknown fields; bad input is a 4xx with a stable code.

use crate::support::*;
use axum::http::StatusCode;
use haven_domain::access::Role;
use serde_json::Value;

on_both_stores!(
    the_case_team_reads_its_categories_and_everyone_else_gets_the_same_404,
    ten_thousand_probes_from_another_organisation_learn_nothing,
    only_intake_roles_may_take_in_a_survivor,
    api_tokens_authenticate_until_revoked_and_bad_tokens_never_do,
);

fn json(r: &Reply) -> Value {
    serde_json::from_str(&r.body).unwrap_or(Value::Null)
}

async fn intake<S: Store>(app: &App<S>, token: &str) -> String {
    let r = app
        .api_post(
            "/api/v1/survivors",
            token,
            r#"{"pseudonym":"Rosa","legal_name":"Rosa Example","phone":"+1 555 0100","date_of_birth":"1999-03-14"}"#,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    json(&r)["id"].as_str().unwrap().to_owned()
}

async fn the_case_team_reads_its_categories_and_everyone_else_gets_the_same_404<S: Store>(
    app: App<S>,
) {
    let cm = app
        .enrolled(app.org_a, "cm@example.org", &[Role::CaseManager])
        .await;
    let colleague = app
        .enrolled(app.org_a, "colleague@example.org", &[Role::CaseManager])
        .await;
    let supervisor = app
        .enrolled(app.org_a, "sup@example.org", &[Role::Supervisor])
        .await;
    let admin = app
        .enrolled(app.org_a, "admin@example.org", &[Role::Admin])
        .await;
    let other_org = app
        .enrolled(app.org_b, "clin@example.org", &[Role::CaseManager])
        .await;
    let police_org = app
        .haven
        .create_org(
            haven_core::system("test"),
            "Metro Police",
            "law_enforcement",
        )
        .await
        .unwrap();
    let police = app
        .enrolled(police_org, "le@example.org", &[Role::LeLiaison])
        .await;

    let cm_token = app.token(&cm).await;
    let id = intake(&app, &cm_token).await;
    let own = app
        .api_get(&format!("/api/v1/survivors/{id}"), &cm_token)
        .await;
    assert_eq!(own.status, StatusCode::OK);
    assert_eq!(json(&own)["legal_name"], "Rosa Example");
    assert_eq!(json(&own)["phone"], "+1 555 0100");

    let sup = app
        .api_get(
            &format!("/api/v1/survivors/{id}"),
            &app.token(&supervisor).await,
        )
        .await;
    assert_eq!(sup.status, StatusCode::OK, "supervisors have oversight");

    let missing = app
        .api_get(
            "/api/v1/survivors/3f0e1c9e-1111-4222-8333-444455556666",
            &cm_token,
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    for who in [&colleague, &admin, &other_org, &police] {
        let r = app
            .api_get(&format!("/api/v1/survivors/{id}"), &app.token(who).await)
            .await;
        assert_eq!(
            (r.status, &r.body),
            (missing.status, &missing.body),
            "{} must get the not-found answer",
            who.email
        );
    }
    let garbage = app.api_get("/api/v1/survivors/not-an-id", &cm_token).await;
    assert_eq!(
        (garbage.status, &garbage.body),
        (missing.status, &missing.body)
    );
    let denials = app.audit_reasons("access_denied").await;
    assert!(denials.len() >= 4, "each refusal is audited: {denials:?}");
}

async fn ten_thousand_probes_from_another_organisation_learn_nothing<S: Store>(app: App<S>) {
    let owner = app
        .enrolled(app.org_a, "owner@example.org", &[Role::CaseManager])
        .await;
    let owner_token = app.token(&owner).await;
    let mut real = Vec::new();
    for _ in 0..20 {
        real.push(intake(&app, &owner_token).await);
    }
    let probers = [
        app.enrolled(app.org_b, "p1@example.org", &[Role::CaseManager])
            .await,
        app.enrolled(app.org_b, "p2@example.org", &[Role::Supervisor])
            .await,
        app.enrolled(app.org_b, "p3@example.org", &[Role::Admin, Role::Clinician])
            .await,
    ];
    let mut tokens = Vec::new();
    for p in &probers {
        tokens.push(app.token(p).await);
    }
    let reference = app
        .api_get(
            "/api/v1/survivors/00000000-0000-4000-8000-000000000000",
            &tokens[0],
        )
        .await;
    let mut seed = 0x9e3779b97f4a7c15u64;
    for i in 0..10_000usize {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let id = if i % 2 == 0 {
            real[(seed % real.len() as u64) as usize].clone()
        } else {
            uuid::Uuid::from_u64_pair(seed, seed.rotate_left(17)).to_string()
        };
        let r = app
            .api_get(
                &format!("/api/v1/survivors/{id}"),
                &tokens[i % tokens.len()],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "probe {i}");
        assert_eq!(
            r.body, reference.body,
            "probe {i} differs from a missing record"
        );
    }
}

#[tokio::test]
async fn writes_refuse_unknown_fields_wrong_types_and_bad_bodies_and_change_nothing() {
    let app = App::new().await;
    let cm = app
        .enrolled(app.org_a, "w@example.org", &[Role::CaseManager])
        .await;
    let token = app.token(&cm).await;
    let before = app.audit_reasons("survivor_create").await.len();
    let cases = [
        (
            r#"{"pseudonym":"A","org_id":"00000000-0000-4000-8000-000000000000"}"#,
            "unknown_field",
        ),
        (r#"{"pseudonym":42}"#, "invalid_json_data"),
        (r#"{"pseudonym":"#, "malformed_json"),
        (r#"{"pseudonym":"   "}"#, "invalid"),
        (
            r#"{"pseudonym":"A","date_of_birth":"14/03/1999"}"#,
            "invalid_json_data",
        ),
    ];
    for (body, code) in cases {
        let r = app.api_post("/api/v1/survivors", &token, body).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            r.body
        );
        assert_eq!(json(&r)["error"]["code"], code, "{body}");
    }
    let long = format!(r#"{{"pseudonym":"{}"}}"#, "x".repeat(600));
    let r = app.api_post("/api/v1/survivors", &token, &long).await;
    assert_eq!(
        (r.status, json(&r)["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("pseudonym"))
    );
    let huge = format!(r#"{{"pseudonym":"{}"}}"#, "x".repeat(2 * 1024 * 1024));
    let r = app.api_post("/api/v1/survivors", &token, &huge).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    let invalid_utf8 = axum::http::Request::post("/api/v1/survivors")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(axum::body::Body::from(vec![
            b'{', b'"', 0xff, 0xfe, b'"', b'}',
        ]))
        .unwrap();
    assert!(app.send(invalid_utf8).await.status.is_client_error());
    assert_eq!(
        app.audit_reasons("survivor_create").await.len(),
        before,
        "nothing was written"
    );
}

/// Survivors and cases stored, counted behind the server's back.
fn stored(app: &App) -> (i64, i64) {
    let db = rusqlite::Connection::open(app.data_dir().join("db/haven.db")).unwrap();
    db.query_row(
        "SELECT (SELECT count(*) FROM survivors), (SELECT count(*) FROM cases)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

/// The database fails an intake after the survivor's rows and before the case's (a
/// trigger standing in for a full disk or a lost connection; PostgreSQL's own test kills
/// the connection): the caller gets a server error with a reference and no detail, nothing
/// of the intake is stored, and the same request goes through once the fault is gone.
#[tokio::test]
async fn an_intake_the_database_fails_halfway_stores_nothing() {
    let app = App::new().await;
    let cm = app
        .enrolled(app.org_a, "half@example.org", &[Role::CaseManager])
        .await;
    let token = app.token(&cm).await;
    let body = r#"{"pseudonym":"Rosa","legal_name":"Rosa Example"}"#;
    let db = rusqlite::Connection::open(app.data_dir().join("db/haven.db")).unwrap();
    db.execute_batch(
        "CREATE TRIGGER fail_the_case BEFORE INSERT ON cases \
         BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END;",
    )
    .unwrap();
    let before = stored(&app);
    let audited = app.audit_reasons("survivor_create").await.len();

    let r = app.api_post("/api/v1/survivors", &token, body).await;
    assert!(r.status.is_server_error(), "{}: {}", r.status, r.body);
    assert!(
        json(&r)["error"]["correlation_id"].is_string(),
        "{}",
        r.body
    );
    for leak in ["Rosa", "disk", "cases", "trigger"] {
        assert!(!r.body.contains(leak), "the error shows {leak}: {}", r.body);
    }
    assert_eq!(stored(&app), before, "half an intake was stored");
    assert_eq!(app.audit_reasons("survivor_create").await.len(), audited);

    db.execute_batch("DROP TRIGGER fail_the_case;").unwrap();
    let r = app.api_post("/api/v1/survivors", &token, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(stored(&app), (before.0 + 1, before.1 + 1));
}

async fn only_intake_roles_may_take_in_a_survivor<S: Store>(app: App<S>) {
    for (role, allowed) in [
        (Role::CaseManager, true),
        (Role::HotlineAdvocate, true),
        (Role::Supervisor, true),
        (Role::Clinician, false),
        (Role::Admin, false),
        (Role::Analyst, false),
    ] {
        let u = app
            .enrolled(
                app.org_a,
                &format!("{}@example.org", role.as_str()),
                &[role],
            )
            .await;
        let r = app
            .api_post(
                "/api/v1/survivors",
                &app.token(&u).await,
                r#"{"pseudonym":"P"}"#,
            )
            .await;
        assert_eq!(
            r.status == StatusCode::CREATED,
            allowed,
            "{role}: {}",
            r.body
        );
    }
}

async fn api_tokens_authenticate_until_revoked_and_bad_tokens_never_do<S: Store>(app: App<S>) {
    let cm = app
        .enrolled(app.org_a, "tok@example.org", &[Role::CaseManager])
        .await;
    let token = app.token(&cm).await;
    assert!(token.starts_with("haven_pat_"));
    let me = app.api_get("/api/v1/me", &token).await;
    assert_eq!(json(&me)["email"], "tok@example.org");
    for bad in [
        "",
        "haven_pat_",
        "haven_pat_AAAA",
        "Basic abc",
        &token[..token.len() - 1],
    ] {
        assert_eq!(
            app.api_get("/api/v1/me", bad).await.status,
            StatusCode::UNAUTHORIZED,
            "{bad}"
        );
    }
    let s = app.session(&cm).await;
    let account = app.get("/account", Some(&s)).await;
    let id = account
        .body
        .split("name=\"id\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let r = app
        .post_form(
            "/account/tokens/revoke",
            Some(&s),
            &[("csrf", &account.field("csrf").unwrap()), ("id", &id)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Token revoked."), "{}", r.body);
    assert_eq!(
        app.api_get("/api/v1/me", &token).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert!(app.audit_reasons("token_revoke").await.len() == 1);
}

#[tokio::test]
async fn the_openapi_document_matches_its_snapshot_and_every_operation_is_routed() {
    let app = App::new().await;
    let r = app.get("/api/v1/openapi.json", None).await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = json(&r);
    let snapshot_path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/web/openapi.snapshot.json");
    let pretty = serde_json::to_string_pretty(&doc).unwrap() + "\n";
    if std::env::var("HAVEN_UPDATE_SNAPSHOTS").as_deref() == Ok("1") {
        std::fs::write(&snapshot_path, &pretty).unwrap();
    }
    let snapshot = std::fs::read_to_string(&snapshot_path)
        .expect("snapshot (HAVEN_UPDATE_SNAPSHOTS=1 writes it)");
    assert_eq!(
        pretty, snapshot,
        "the API description changed: review it and update the snapshot"
    );
    let id = "00000000-0000-4000-8000-000000000000";
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "post", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            let concrete = path
                .replace("{id}", id)
                .replace("{task}", id)
                .replace("{consent}", id)
                .replace("{user}", id)
                .replace("{goal}", id);
            let req = axum::http::Request::builder()
                .method(method.to_uppercase().as_str())
                .uri(&concrete)
                .body(axum::body::Body::empty())
                .unwrap();
            let r = app.send(req).await;
            if item[method].get("security").is_none() {
                // The public directory (HSDS): routed, and answering without a session.
                let want = if path.contains("{id}") {
                    StatusCode::NOT_FOUND
                } else {
                    StatusCode::OK
                };
                assert_eq!(r.status, want, "public {method} {path}");
                continue;
            }
            assert_eq!(
                r.status,
                StatusCode::UNAUTHORIZED,
                "{method} {path} is not routed behind authentication"
            );
        }
    }
}
