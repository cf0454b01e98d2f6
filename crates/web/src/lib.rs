//! Haven's HTTP surface: staff pages (askama, no JavaScript needed), the JSON API, health
//! checks. Handlers only parse, call `haven-core` and render; this crate never touches a
//! store. Every response carries the security headers.

// The OpenAPI document is one `json!` literal; it outgrew the default macro recursion limit.
#![recursion_limit = "256"]

mod api;
mod assets;
mod client_address;
mod cookies;
mod errors;
mod extract;
mod headers;
mod health;
mod i18n;
mod pages;
mod return_to;
mod shown_time;
mod views;

pub use errors::ApiError;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use haven_core::Haven;
use haven_store::Store;

/// Largest request body accepted, in bytes (uploads will get their own route and limit).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// The whole application router.
pub fn router<S: Store>(haven: Haven<S>) -> Router {
    Router::new()
        .merge(health::routes())
        // Only pages are returned to after signing in; the API's requests never pass here.
        .merge(pages::routes().layer(axum::middleware::from_fn(return_to::remember_page)))
        .merge(api::routes())
        .route("/assets/haven.css", get(assets::stylesheet))
        .route("/assets/htmx.min.js", get(assets::htmx))
        .fallback(|| async {
            views::error_page(
                StatusCode::NOT_FOUND,
                "error-not-found",
                "error-not-found-body",
                None,
            )
        })
        .with_state(haven.clone())
        .layer(axum::middleware::from_fn_with_state(
            haven.is_demo(),
            i18n::localise_error_pages,
        ))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(axum::middleware::from_fn(headers::security_headers))
}
