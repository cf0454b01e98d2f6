//! Haven's HTTP surface. Handlers only parse, call `haven-core` and render; this crate never
//! touches a store directly except through the `Store` bound it passes along.

mod errors;
mod headers;
mod health;

pub use errors::ApiError;

use axum::Router;
use haven_core::Haven;
use haven_store::Store;

/// Largest request body accepted, in bytes (uploads will get their own route and limit).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// The whole application router.
pub fn router<S: Store>(haven: Haven<S>) -> Router {
    Router::new()
        .merge(health::routes())
        .with_state(haven)
        .layer(tower_http::limit::RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(axum::middleware::from_fn(headers::security_headers))
}
