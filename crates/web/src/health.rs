//! Liveness and readiness. `/healthz` answers while the process runs; `/readyz` answers 200
//! only when the database answers, so a load balancer stops sending work to a process that
//! lost its database.

use crate::ApiError;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use haven_core::Haven;
use haven_store::Store;
use serde_json::{Value, json};

pub(crate) fn routes<S: Store>() -> Router<Haven<S>> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz::<S>))
}

async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

async fn readyz<S: Store>(State(haven): State<Haven<S>>) -> Result<Json<Value>, ApiError> {
    haven
        .store()
        .ping()
        .await
        .map_err(|e| ApiError::Unavailable(e.to_string()))?;
    Ok(Json(
        json!({ "status": "ready", "database": haven.store().backend() }),
    ))
}
