//! The case most API tests start from: a survivor taken in by a case manager of
//! organisation A, with a clinician on the team, a colleague who is not, and a case manager
//! of organisation B; and the helpers that read a reply and add a task.

use crate::support::*;
use axum::http::StatusCode;
use haven_domain::access::Role;
use haven_store_sqlite::SqliteStore;
use serde_json::json;

/// A case in organisation A with its case manager, a clinician on the team, a colleague
/// who is not, and a case manager of organisation B (API tokens each).
pub(crate) struct Team<S: Store = SqliteStore> {
    pub(crate) app: App<S>,
    /// The case manager's account (for a browser session) and API token.
    pub(crate) cm_user: User,
    pub(crate) cm: String,
    pub(crate) clinician: String,
    pub(crate) colleague: String,
    pub(crate) other_org: String,
    pub(crate) case: String,
    pub(crate) survivor: String,
}

/// Adds a task to `case` through the API; returns its id.
pub(crate) async fn add_task<S: Store>(
    app: &App<S>,
    token: &str,
    case: &str,
    title: &str,
    due_on: &str,
) -> String {
    let r = app
        .api_post(
            &format!("/api/v1/cases/{case}/tasks"),
            token,
            &json!({ "title": title, "due_on": due_on }).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    body(&r)["id"].as_str().unwrap().to_owned()
}

pub(crate) async fn team() -> Team {
    team_on(App::new().await).await
}

pub(crate) async fn team_on<S: Store>(app: App<S>) -> Team<S> {
    let cm_user = app
        .enrolled(app.org_a, "cm@example.org", &[Role::CaseManager])
        .await;
    let cm = app.token(&cm_user).await;
    let clinician_user = app
        .enrolled(app.org_a, "clin@example.org", &[Role::Clinician])
        .await;
    let clinician = app.token(&clinician_user).await;
    let colleague = app
        .staff_token(app.org_a, "col@example.org", &[Role::CaseManager])
        .await;
    let other_org = app
        .staff_token(app.org_b, "b@example.org", &[Role::CaseManager])
        .await;
    let r = app
        .api_post(
            "/api/v1/survivors",
            &cm,
            &json!({
                "pseudonym": "Rosa", "legal_name": "María López", "date_of_birth": "2010-05-01",
                "phone": "+1 (555) 010-2030", "gender": "female", "nationality": "Atlantis", "nationality_region": "americas",
                "languages": ["Spanish"], "interpreter_needed": true,
                "case": { "exploitation": "labour", "trafficking_types": [5, 11], "safety_risk": true }
            })
            .to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let (survivor, case) = (
        body(&r)["id"].as_str().unwrap().to_owned(),
        body(&r)["case_id"].as_str().unwrap().to_owned(),
    );
    let me = body(&app.api_get("/api/v1/me", &clinician).await);
    let add = app
        .api_post(
            &format!("/api/v1/cases/{case}/team"),
            &cm,
            &json!({ "user_id": me["id"] }).to_string(),
        )
        .await;
    assert_eq!(add.status, StatusCode::NO_CONTENT, "{}", add.body);
    Team {
        app,
        cm_user,
        cm,
        clinician,
        colleague,
        other_org,
        case,
        survivor,
    }
}
