//! An organisation's admins manage its staff accounts. Anyone else gets "not found".

use crate::errors::PageError;
use crate::extract::{SignedIn, check_csrf};
use crate::i18n::Tr;
use crate::views::{self, AdminUsers, UserLine};
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use haven_core::auth::{Acting, Authenticated, NewUser};
use haven_core::{CoreError, Haven};
use haven_domain::access::Role;
use haven_store::Store;
use serde::Deserialize;

struct Outcome {
    notice: Option<String>,
    error: Option<String>,
    one_time_password: Option<String>,
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
            is_admin: true,
            users: users
                .into_iter()
                .map(|(s, disabled)| UserLine {
                    roles: s
                        .roles
                        .iter()
                        .map(|r| r.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
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
        },
    ))
}

const NOTHING: Outcome = Outcome {
    notice: None,
    error: None,
    one_time_password: None,
};

pub(crate) async fn list<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
) -> Result<Response, PageError> {
    page(t, &haven, &auth, StatusCode::OK, NOTHING).await
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
    Form(form): Form<AddForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &form.csrf)?;
    let role: Role = form.role.parse().map_err(|_| CoreError::InvalidInput {
        field: "role",
        message: "choose a role from the list".into(),
    })?;
    let by = Acting::Staff(auth.staff.clone());
    let new = NewUser {
        org: auth.staff.org,
        email: form.email,
        display_name: form.display_name,
        roles: vec![role],
        password: None,
    };
    match haven.add_user(&by, new).await {
        Ok((_, password)) => {
            page(
                t,
                &haven,
                &auth,
                StatusCode::OK,
                Outcome {
                    notice: Some("Account added.".into()),
                    error: None,
                    one_time_password: password,
                },
            )
            .await
        }
        Err(CoreError::Forbidden) => Err(CoreError::NotFound.into()),
        Err(e @ (CoreError::InvalidInput { .. } | CoreError::Conflict(_))) => {
            page(
                t,
                &haven,
                &auth,
                StatusCode::UNPROCESSABLE_ENTITY,
                Outcome {
                    notice: None,
                    error: Some(e.to_string()),
                    one_time_password: None,
                },
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
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
    Form(form): Form<EmailForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &form.csrf)?;
    let by = Acting::Staff(auth.staff.clone());
    match haven.disable_user(&by, &form.email).await {
        Ok(()) => {
            page(
                t,
                &haven,
                &auth,
                StatusCode::OK,
                Outcome {
                    notice: Some("Account disabled; its sessions and tokens have ended.".into()),
                    error: None,
                    one_time_password: None,
                },
            )
            .await
        }
        Err(e @ CoreError::InvalidInput { .. }) => {
            page(
                t,
                &haven,
                &auth,
                StatusCode::UNPROCESSABLE_ENTITY,
                Outcome {
                    notice: None,
                    error: Some(e.to_string()),
                    one_time_password: None,
                },
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) async fn reset_password<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
    Form(form): Form<EmailForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &form.csrf)?;
    let by = Acting::Staff(auth.staff.clone());
    match haven.reset_password(&by, &form.email).await {
        Ok(password) => {
            page(
                t,
                &haven,
                &auth,
                StatusCode::OK,
                Outcome {
                    notice: Some(
                        "New one-time password set; their sessions and tokens have ended.".into(),
                    ),
                    error: None,
                    one_time_password: Some(password),
                },
            )
            .await
        }
        Err(e @ CoreError::InvalidInput { .. }) => {
            page(
                t,
                &haven,
                &auth,
                StatusCode::UNPROCESSABLE_ENTITY,
                Outcome {
                    notice: None,
                    error: Some(e.to_string()),
                    one_time_password: None,
                },
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) async fn reset_mfa<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
    Form(form): Form<EmailForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &form.csrf)?;
    let by = Acting::Staff(auth.staff.clone());
    haven.reset_mfa(&by, &form.email).await?;
    let notice = if form.email.trim().eq_ignore_ascii_case(&auth.staff.email) {
        // Resetting one's own factor ends this session too.
        return Err(CoreError::Unauthenticated.into());
    } else {
        "Second factor removed; the person sets it up again at their next sign-in."
    };
    page(
        t,
        &haven,
        &auth,
        StatusCode::OK,
        Outcome {
            notice: Some(notice.into()),
            error: None,
            one_time_password: None,
        },
    )
    .await
}
