//! Static assets, compiled into the binary (no CDN, nothing fetched at run time).

use axum::http::header;
use axum::response::IntoResponse;

pub(crate) async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../assets/haven.css"),
    )
}

/// htmx 2.0.11 (npm `htmx.org`, Zero-Clause BSD, `assets/htmx.LICENSE`), vendored so the
/// build and the pages need nothing from the network. Pages work without it; with it, case
/// forms update the page in place.
pub(crate) async fn htmx() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../assets/htmx-2.0.11.min.js"),
    )
}
