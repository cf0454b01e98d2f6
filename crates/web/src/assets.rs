//! Static assets, compiled into the binary (no CDN, nothing fetched at run time).

use axum::http::header;
use axum::response::IntoResponse;

pub(crate) async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../assets/haven.css"),
    )
}
