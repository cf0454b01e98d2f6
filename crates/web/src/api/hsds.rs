//! The service directory as an HSDS 3.0 API (`reference/domain_standards.md` §2.3): `GET /`,
//! `GET /services` (paginated, `search` and `organization_id` combined with AND) and
//! `GET /services/{id}`. Public, like any service directory: confidential locations were
//! stripped of their address when imported, so nothing here can reveal one.

use crate::errors::ApiError;
use axum::Json;
use axum::extract::{Path, Query, State};
use haven_core::{CoreError, Haven};
use haven_domain::ServiceId;
use haven_store::Store;
use serde::Deserialize;
use serde_json::{Value, json};

const MAX_PER_PAGE: usize = 100;

pub(crate) async fn root() -> Json<Value> {
    Json(json!({
        "version": "3.0",
        "profile": "https://openreferral.org/imports/hsds/",
        "openapi_url": "/api/v1/openapi.json",
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ServiceQuery {
    search: Option<String>,
    organization_id: Option<String>,
    page: Option<usize>,
    per_page: Option<usize>,
}

pub(crate) async fn services<S: Store>(
    State(haven): State<Haven<S>>,
    Query(q): Query<ServiceQuery>,
) -> Result<Json<Value>, ApiError> {
    let per_page = q.per_page.unwrap_or(50).clamp(1, MAX_PER_PAGE);
    let page = q.page.unwrap_or(1).max(1);
    let needle = q.search.as_deref().map(str::to_lowercase);
    let mut matching = Vec::new();
    for s in haven.directory_services().await? {
        let org_ok = q
            .organization_id
            .as_deref()
            .is_none_or(|o| o == s.org.to_string());
        let text_ok = needle.as_deref().is_none_or(|n| {
            s.name.to_lowercase().contains(n) || s.org_name.to_lowercase().contains(n)
        });
        if org_ok && text_ok {
            matching.push(s.id);
        }
    }
    let total = matching.len();
    let pages = total.div_ceil(per_page).max(1);
    let mut contents = Vec::new();
    for id in matching.iter().skip((page - 1) * per_page).take(per_page) {
        contents.push(haven.service_document(*id).await?);
    }
    Ok(Json(json!({
        "total_items": total,
        "total_pages": pages,
        "page_number": page,
        "size": contents.len(),
        "first_page": page == 1,
        "last_page": page >= pages,
        "empty": contents.is_empty(),
        "contents": contents,
    })))
}

pub(crate) async fn service<S: Store>(
    State(haven): State<Haven<S>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id: ServiceId = id.parse().map_err(|_| CoreError::NotFound)?;
    Ok(Json(haven.service_document(id).await?))
}
