//! The signed-in person's own account: API tokens and password.

use super::form::PageForm;
use super::session::redirect_signed_in;
use crate::errors::PageError;
use crate::extract::{SignedIn, check_csrf};
use crate::i18n::{Lang, Tr};
use crate::shown_time;
use crate::views::{self, Account, TokenLine};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use haven_core::auth::{Acting, Authenticated};
use haven_core::local_time::zones_by_area;
use haven_core::{CoreError, Haven};
use haven_domain::TokenId;
use haven_store::Store;
use serde::Deserialize;

async fn page<S: Store>(
    t: Tr,
    haven: &Haven<S>,
    auth: &Authenticated,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, PageError> {
    let by = Acting::Staff(auth.staff.clone());
    let tokens = haven.api_tokens(&by, &auth.staff.email).await?;
    Ok(views::render(
        status,
        &Account {
            t,
            chosen: auth.staff.language.clone().unwrap_or_default(),
            languages: Lang::ALL.iter().map(|l| (l.code(), l.name())).collect(),
            zone: auth.staff.local_time.name().unwrap_or_default().to_owned(),
            zones: offered_zones(t, auth.staff.local_time.name()),
            csrf: auth.csrf_token().unwrap_or_default().to_owned(),
            nav: super::cases::nav(haven, auth),
            tokens: tokens
                .into_iter()
                .map(|t| TokenLine {
                    name: t.name,
                    id: t.id.to_string(),
                    created: shown_time::date(&auth.staff.local_time, t.created_at),
                    revoked: t.revoked_at.is_some(),
                })
                .collect(),
            notice,
            error,
        },
    ))
}

/// The account page again, answering 422 with why a change was refused; nothing changed.
async fn refused<S: Store>(
    t: Tr,
    haven: &Haven<S>,
    auth: &Authenticated,
    why: &CoreError,
) -> Result<Response, PageError> {
    let reason = t.refusal(why);
    page(
        t,
        haven,
        auth,
        StatusCode::UNPROCESSABLE_ENTITY,
        None,
        Some(reason),
    )
    .await
}

pub(crate) async fn show<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
) -> Result<Response, PageError> {
    page(t, &haven, &auth, StatusCode::OK, None, None).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RevokeForm {
    csrf: String,
    id: String,
}

pub(crate) async fn revoke_token<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
    PageForm(form): PageForm<RevokeForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &form.csrf)?;
    let id: TokenId = form.id.parse().map_err(|_| CoreError::NotFound)?;
    haven
        .revoke_api_token(&Acting::Staff(auth.staff.clone()), &auth.staff.email, id)
        .await?;
    page(
        t,
        &haven,
        &auth,
        StatusCode::OK,
        Some(t.t("token-revoked")),
        None,
    )
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PasswordForm {
    csrf: String,
    current_password: String,
    new_password: String,
}

pub(crate) async fn change_password<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
    PageForm(form): PageForm<PasswordForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &form.csrf)?;
    match haven
        .change_password(&auth, &form.current_password, &form.new_password)
        .await
    {
        Ok(session) => Ok(redirect_signed_in("/", &session)),
        Err(e @ (CoreError::InvalidInput { .. } | CoreError::PasswordRejected(_))) => {
            refused(t, &haven, &auth, &e).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LanguageForm {
    csrf: String,
    language: String,
}

pub(crate) async fn set_language<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, _): SignedIn,
    PageForm(form): PageForm<LanguageForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &form.csrf)?;
    let choice = Some(form.language.as_str()).filter(|l| !l.is_empty());
    haven.set_language(&auth, choice).await?;
    Ok(axum::response::Redirect::to("/account").into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TimeZoneForm {
    csrf: String,
    time_zone: String,
}

/// Sets the zone the pages show times in; an empty choice goes back to UTC. A name the
/// database does not know comes back to the account page with the reason, nothing changed.
pub(crate) async fn set_time_zone<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
    PageForm(form): PageForm<TimeZoneForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &form.csrf)?;
    let choice = Some(form.time_zone.trim()).filter(|z| !z.is_empty());
    match haven.set_time_zone(&auth, choice).await {
        Ok(()) => Ok(axum::response::Redirect::to("/account").into_response()),
        Err(e @ CoreError::InvalidInput { .. }) => refused(t, &haven, &auth, &e).await,
        Err(e) => Err(e.into()),
    }
}

/// The zones the account page offers, by area, with `chosen` first where it is none of
/// them, so that the list still shows what is chosen.
fn offered_zones(t: Tr, chosen: Option<&str>) -> Vec<(String, Vec<String>)> {
    let mut groups: Vec<(String, Vec<String>)> = zones_by_area()
        .into_iter()
        .map(|(area, zones)| (area.to_owned(), zones))
        .collect();
    if let Some(zone) = chosen
        && !groups
            .iter()
            .any(|(_, zones)| zones.iter().any(|z| z == zone))
    {
        groups.insert(0, (t.t("time-zone-chosen"), vec![zone.to_owned()]));
    }
    groups
}
