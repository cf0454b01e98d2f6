//! Who is asking, as axum extractors. Pages: a session cookie (no session → the sign-in
//! page; a session without a second factor → the enrolment page). API: a bearer token or a
//! session cookie. Every check happens on every request (`haven-core` does not cache).

use crate::cookies;
use crate::errors::{ApiError, PageError};
use crate::i18n::{Locale, Tr};
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use haven_core::auth::Authenticated;
use haven_core::{CoreError, Haven};
use haven_store::Store;
use subtle::ConstantTimeEq;

/// A signed-in person who has presented their second factor, with the language of their
/// pages (their choice, else their browser's).
pub struct SignedIn(pub Authenticated, pub Tr);

/// Any signed-in session, including one that still has to enrol a second factor.
pub struct AnySession(pub Authenticated);

/// An API caller: bearer token, or a fully signed-in session.
pub struct ApiCaller(pub Authenticated);

async fn session<S: Store>(parts: &Parts, haven: &Haven<S>) -> Result<Authenticated, CoreError> {
    let token = cookies::get(&parts.headers, cookies::SESSION).ok_or(CoreError::Unauthenticated)?;
    haven.authenticate_session(&token).await
}

impl<S: Store> FromRequestParts<Haven<S>> for AnySession {
    type Rejection = PageError;
    async fn from_request_parts(
        parts: &mut Parts,
        haven: &Haven<S>,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(session(parts, haven).await?))
    }
}

impl<S: Store> FromRequestParts<Haven<S>> for SignedIn {
    type Rejection = PageError;
    async fn from_request_parts(
        parts: &mut Parts,
        haven: &Haven<S>,
    ) -> Result<Self, Self::Rejection> {
        let auth = session(parts, haven).await?;
        if !auth.mfa_verified() {
            return Err(PageError::EnrolFirst);
        }
        let Ok(locale) = Locale::from_request_parts(parts, haven).await;
        let t = Tr::pick(auth.staff.language.as_deref(), locale);
        if let Some(chosen) = parts.extensions.get::<crate::i18n::ChosenLang>() {
            chosen.set(t.0);
        }
        Ok(Self(auth, t))
    }
}

impl<S: Store> FromRequestParts<Haven<S>> for ApiCaller {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        haven: &Haven<S>,
    ) -> Result<Self, Self::Rejection> {
        let bearer = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let auth = match bearer {
            Some(token) => haven.authenticate_bearer(token).await?,
            None => session(parts, haven).await?,
        };
        if !auth.mfa_verified() {
            return Err(CoreError::Unauthenticated.into());
        }
        Ok(Self(auth))
    }
}

/// Checks a form's CSRF field against the session's token.
pub fn check_csrf(auth: &Authenticated, submitted: &str) -> Result<(), PageError> {
    let expected = auth.csrf_token().ok_or(PageError::Csrf)?;
    if bool::from(expected.as_bytes().ct_eq(submitted.as_bytes())) {
        Ok(())
    } else {
        Err(PageError::Csrf)
    }
}

/// Checks a pre-sign-in form's CSRF field against its cookie (double submit).
pub fn check_login_csrf(parts_cookie: Option<&str>, submitted: &str) -> Result<(), PageError> {
    match parts_cookie {
        Some(c) if !c.is_empty() && bool::from(c.as_bytes().ct_eq(submitted.as_bytes())) => Ok(()),
        _ => Err(PageError::Csrf),
    }
}
