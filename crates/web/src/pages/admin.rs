//! An organisation's admins manage its staff accounts. Anyone else gets "not found".

use super::Typed;
use super::form::PageForm;
use crate::errors::PageError;
use crate::extract::{SignedIn, check_csrf};
use crate::i18n::Tr;
use crate::views::{self, AdminUsers, UserLine};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use haven_core::auth::{Acting, Authenticated, NewUser};
use haven_core::problem::Reason;
use haven_core::{CoreError, Haven};
use haven_domain::access::Role;
use haven_store::Store;
use serde::Deserialize;

#[derive(Default)]
struct Outcome {
    notice: Option<String>,
    error: Option<String>,
    one_time_password: Option<String>,
    /// A refused new account's form, shown again as typed.
    typed: Typed,
}

async fn page<S: Store>(
    t: Tr,
    haven: &Haven<S>,
    auth: &Authenticated,
    status: StatusCode,
    outcome: Outcome,
) -> Result<Response, PageError> {
    let by = Acting::Staff(auth.staff.clone());
    let users = haven
        .users_of(&by, auth.staff.org)
        .await
        .map_err(|e| match e {
            CoreError::Forbidden => CoreError::NotFound,
            other => other,
        })?;
    Ok(views::render(
        status,
        &AdminUsers {
            t,
            csrf: auth.csrf_token().unwrap_or_default().to_owned(),
            nav: super::cases::nav(haven, auth),
            users: users
                .into_iter()
                .map(|(s, disabled)| UserLine {
                    roles: t.labels(
                        "role",
                        &s.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
                    ),
                    is_self: s.id == auth.staff.id,
                    name: s.display_name,
                    email: s.email,
                    enrolled: s.mfa_enrolled,
                    disabled,
                })
                .collect(),
            roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
            notice: outcome.notice,
            error: outcome.error,
            one_time_password: outcome.one_time_password,
            typed: outcome.typed,
        },
    ))
}

impl Outcome {
    fn done(notice: String) -> Self {
        Self {
            notice: Some(notice),
            ..Self::default()
        }
    }

    fn with_password(self, one_time_password: Option<String>) -> Self {
        Self {
            one_time_password,
            ..self
        }
    }
}

pub(crate) async fn list<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
) -> Result<Response, PageError> {
    page(t, &haven, &auth, StatusCode::OK, Outcome::default()).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AddForm {
    csrf: String,
    display_name: String,
    email: String,
    role: String,
}

pub(crate) async fn add<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
    PageForm(form): PageForm<AddForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &form.csrf)?;
    let typed = Typed::form("users")
        .field("display_name", &form.display_name)
        .field("email", &form.email)
        .field("role", &form.role);
    let result = match form.role.parse::<Role>() {
        Ok(role) => {
            let by = Acting::Staff(auth.staff.clone());
            let new = NewUser {
                org: auth.staff.org,
                email: form.email,
                display_name: form.display_name,
                roles: vec![role],
                password: None,
            };
            haven
                .add_user(&by, new)
                .await
                .map(|(_, password)| Outcome::done(t.t("staff-added")).with_password(password))
        }
        Err(_) => Err(CoreError::invalid("role", Reason::ChooseFromList)),
    };
    respond(t, &haven, &auth, result, typed).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EmailForm {
    csrf: String,
    email: String,
}

pub(crate) async fn disable<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
    PageForm(form): PageForm<EmailForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &form.csrf)?;
    let result = haven
        .disable_user(&Acting::Staff(auth.staff.clone()), &form.email)
        .await;
    respond(
        t,
        &haven,
        &auth,
        result.map(|()| Outcome::done(t.t("staff-disabled"))),
        Typed::default(),
    )
    .await
}

pub(crate) async fn reset_password<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
    PageForm(form): PageForm<EmailForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &form.csrf)?;
    let result = haven
        .reset_password(&Acting::Staff(auth.staff.clone()), &form.email)
        .await;
    let outcome =
        result.map(|pw| Outcome::done(t.t("staff-password-reset")).with_password(Some(pw)));
    respond(t, &haven, &auth, outcome, Typed::default()).await
}

pub(crate) async fn reset_mfa<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
    PageForm(form): PageForm<EmailForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &form.csrf)?;
    haven
        .reset_mfa(&Acting::Staff(auth.staff.clone()), &form.email)
        .await?;
    if form.email.trim().eq_ignore_ascii_case(&auth.staff.email) {
        // Resetting one's own factor ends this session too.
        return Err(CoreError::Unauthenticated.into());
    }
    let done = Outcome::done(t.t("staff-factor-reset"));
    respond(t, &haven, &auth, Ok(done), Typed::default()).await
}

/// The accounts page after a change: the outcome, or the client's mistake shown on the page
/// (422); anything else is the usual error page. An admin of another organisation gets "not
/// found", as for anything they may not see.
async fn respond<S: Store>(
    t: Tr,
    haven: &Haven<S>,
    auth: &Authenticated,
    result: Result<Outcome, CoreError>,
    typed: Typed,
) -> Result<Response, PageError> {
    match result {
        Ok(outcome) => page(t, haven, auth, StatusCode::OK, outcome).await,
        Err(e @ (CoreError::InvalidInput { .. } | CoreError::Conflict(_))) => {
            let outcome = Outcome {
                error: Some(t.refusal(&e)),
                typed,
                ..Outcome::default()
            };
            page(t, haven, auth, StatusCode::UNPROCESSABLE_ENTITY, outcome).await
        }
        Err(CoreError::Forbidden) => Err(CoreError::NotFound.into()),
        Err(e) => Err(e.into()),
    }
}
