//! The one place where errors become HTTP responses. Client mistakes get a stable code and
//! a field name; server faults get an opaque body with a correlation id, and the detail
//! goes to the log (never personal data: core errors carry none).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use haven_core::CoreError;
use serde_json::json;

#[derive(Debug)]
pub enum ApiError {
    Core(CoreError),
    Unavailable(String),
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        Self::Core(e)
    }
}

fn body(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({ "error": { "code": code, "message": message } })),
    )
        .into_response()
}

fn opaque(status: StatusCode, detail: &dyn std::fmt::Display) -> Response {
    let correlation = uuid::Uuid::new_v4();
    tracing::error!(%correlation, %detail, "request failed");
    (
        status,
        Json(json!({ "error": { "code": "internal", "message": "something went wrong", "correlation_id": correlation } })),
    )
        .into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Core(CoreError::NotFound) => {
                body(StatusCode::NOT_FOUND, "not_found", "not found")
            }
            ApiError::Core(CoreError::Invalid(e)) => {
                body(StatusCode::UNPROCESSABLE_ENTITY, "invalid", &e.to_string())
            }
            ApiError::Core(other) => opaque(StatusCode::INTERNAL_SERVER_ERROR, &other),
            ApiError::Unavailable(detail) => opaque(StatusCode::SERVICE_UNAVAILABLE, &detail),
        }
    }
}
