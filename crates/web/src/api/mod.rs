//! The JSON API under `/api/v1`: the same authorisation as the pages, bearer tokens or a
//! signed-in session, unknown fields refused on every write.

mod case_json;
pub(crate) mod cases;
mod hsds;
mod json;
mod openapi;
mod sharing;
pub(crate) mod survivors;

use crate::errors::ApiError;
use crate::extract::ApiCaller;
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use haven_core::Haven;
use haven_store::Store;
use serde_json::{Value, json};

pub(crate) fn routes<S: Store>() -> Router<Haven<S>> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi::serve))
        .route("/api/v1/me", get(me::<S>))
        .route("/api/v1/survivors", post(survivors::create::<S>))
        .route("/api/v1/survivors/{id}", get(survivors::show::<S>))
        .route(
            "/api/v1/cases",
            post(cases::create::<S>).get(cases::list::<S>),
        )
        .route("/api/v1/cases/{id}", get(cases::show::<S>))
        .route(
            "/api/v1/cases/{id}/classification",
            axum::routing::put(cases::classify::<S>),
        )
        .route(
            "/api/v1/cases/{id}/survivor",
            axum::routing::put(survivors::edit::<S>),
        )
        .route("/api/v1/cases/{id}/status", post(cases::change_status::<S>))
        .route(
            "/api/v1/cases/{id}/notes",
            post(cases::add_note::<S>).get(cases::notes::<S>),
        )
        .route("/api/v1/cases/{id}/tasks", post(cases::add_task::<S>))
        .route("/api/v1/cases/{id}/goals", post(cases::add_goal::<S>))
        .route(
            "/api/v1/cases/{id}/goals/{goal}/status",
            post(cases::set_goal_status::<S>),
        )
        .route("/api/v1/cases/{id}/team", post(cases::add_member::<S>))
        .route(
            "/api/v1/cases/{id}/team/{user}",
            axum::routing::delete(cases::remove_member::<S>),
        )
        .route(
            "/api/v1/cases/{id}/tasks/{task}/done",
            post(cases::complete_task::<S>),
        )
        .route("/api/v1/search", get(cases::search::<S>))
        .route(
            "/api/v1/cases/{id}/consents",
            post(sharing::record_consent::<S>).get(sharing::consents::<S>),
        )
        .route(
            "/api/v1/cases/{id}/consents/{consent}/revoke",
            post(sharing::revoke_consent::<S>),
        )
        .route(
            "/api/v1/cases/{id}/consents/{consent}/scan",
            get(sharing::consent_scan::<S>),
        )
        .route(
            "/api/v1/cases/{id}/adversaries",
            post(sharing::add_adversary::<S>),
        )
        .route(
            "/api/v1/cases/{id}/referrals",
            post(sharing::refer::<S>).get(sharing::case_referrals::<S>),
        )
        .route(
            "/api/v1/cases/{id}/messages",
            post(sharing::send_message::<S>).get(sharing::messages::<S>),
        )
        .route(
            "/api/v1/cases/{id}/access-report",
            get(sharing::access_report::<S>),
        )
        .route(
            "/api/v1/cases/{id}/subject-export",
            get(sharing::subject_export::<S>),
        )
        .route(
            "/api/v1/cases/{id}/meeting-requests",
            post(sharing::request_meeting::<S>),
        )
        .route(
            "/api/v1/cases/{id}/transfers",
            post(sharing::propose_transfer::<S>),
        )
        .route("/api/v1/transfers", get(sharing::transfers::<S>))
        .route(
            "/api/v1/transfers/{id}/decision",
            post(sharing::decide_transfer::<S>),
        )
        .route("/api/v1/referrals", get(sharing::incoming::<S>))
        .route("/api/v1/referrals/intake", post(sharing::refer_intake::<S>))
        .route("/api/v1/referrals/{id}", get(sharing::show_referral::<S>))
        .route(
            "/api/v1/referrals/{id}/moves",
            post(sharing::move_referral::<S>),
        )
        .route("/api/v1/hsds", get(hsds::root))
        .route("/api/v1/hsds/services", get(hsds::services::<S>))
        .route("/api/v1/hsds/services/{id}", get(hsds::service::<S>))
}

async fn me<S: Store>(
    State(_haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
) -> Result<Json<Value>, ApiError> {
    let s = &auth.staff;
    Ok(Json(json!({
        "id": s.id,
        "org": s.org,
        "email": s.email,
        "display_name": s.display_name,
        "roles": s.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
    })))
}
