//! Signing in and out, enrolling the second factor, and the home page.

use super::form::PageForm;
use crate::api::cases::{not_a_page_position, page_after};
use crate::client_address::ClientAddress;
use crate::cookies;
use crate::errors::PageError;
use crate::extract::{AnySession, SignedIn, check_csrf, check_login_csrf};
use crate::i18n::{Lang, Locale, Tr};
use crate::return_to::ReturnTo;
use crate::views::{self, Enrol, Home, Login, Recovery, SessionEnded};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use haven_core::auth::{NewSession, SignInFrom};
use haven_core::{CoreError, Haven};
use haven_store::Store;
use serde::Deserialize;

/// A response that sets `cookie` and goes to `to`.
pub(crate) fn redirect_setting(to: &str, cookie: &str) -> Response {
    let mut r = Redirect::to(to).into_response();
    if let Ok(v) = HeaderValue::from_str(cookie) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

/// A response that goes to `to` with a new session's cookie, and its known-device cookie
/// where it has one.
pub(crate) fn redirect_signed_in(to: &str, session: &NewSession) -> Response {
    let mut r = redirect_setting(to, &cookies::set(cookies::SESSION, &session.token));
    if let Some(device) = &session.device
        && let Ok(v) = HeaderValue::from_str(&cookies::set_lasting(
            cookies::DEVICE,
            &device.token,
            device.lasts,
        ))
    {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

/// The sign-in page, coming back to `next` once signed in; on a demo installation it lists
/// the accounts with their current codes.
async fn login_page<S: Store>(
    haven: &Haven<S>,
    lang: Lang,
    csrf: String,
    refused: Option<String>,
    next: Option<ReturnTo>,
) -> Login {
    Login {
        t: Tr(lang),
        csrf,
        refused,
        next: next.map(|page| page.as_str().to_owned()),
        demo: haven.demo_accounts().await.unwrap_or_default(),
    }
}

pub(crate) async fn login_form<S: Store>(
    State(haven): State<Haven<S>>,
    Locale(lang): Locale,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let next = ReturnTo::from_query(query.as_deref());
    // A boosted link or form whose session has ended arrives here through htmx, which
    // would swap the sign-in form into the signed-in page and leave its navigation around
    // it. Asking htmx for a whole page load leaves nothing of that page.
    if headers.contains_key("hx-request") {
        let whole = next.map_or_else(|| "/login".to_owned(), |page| page.login_url());
        let mut r = StatusCode::OK.into_response();
        if let Ok(v) = HeaderValue::from_str(&whole) {
            r.headers_mut().insert("hx-redirect", v);
        }
        return r;
    }
    let csrf = cookies::get(&headers, cookies::LOGIN_CSRF)
        .filter(|c| c.len() == 43)
        .unwrap_or_else(|| haven.random_token());
    let mut r = views::render(
        StatusCode::OK,
        &login_page(&haven, lang, csrf.clone(), None, next).await,
    );
    if let Ok(v) = HeaderValue::from_str(&cookies::set(cookies::LOGIN_CSRF, &csrf)) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoginForm {
    csrf: String,
    email: String,
    password: String,
    #[serde(default)]
    code: String,
    /// The page the session ended on (`/login?next=…`), to go back to.
    #[serde(default)]
    next: String,
}

pub(crate) async fn login<S: Store>(
    State(haven): State<Haven<S>>,
    Locale(lang): Locale,
    ClientAddress(from): ClientAddress,
    headers: HeaderMap,
    PageForm(form): PageForm<LoginForm>,
) -> Result<Response, PageError> {
    let cookie = cookies::get(&headers, cookies::LOGIN_CSRF);
    check_login_csrf(cookie.as_deref(), &form.csrf)?;
    let next = ReturnTo::parse(&form.next);
    let from = SignInFrom {
        address: from,
        device: cookies::get(&headers, cookies::DEVICE),
    };
    match haven
        .login_from(&from, &form.email, &form.password, &form.code)
        .await
    {
        Ok(session) => {
            let to = match (session.mfa_verified, &next) {
                (false, _) => "/enrol",
                (true, Some(page)) => page.as_str(),
                (true, None) => "/",
            };
            Ok(redirect_signed_in(to, &session))
        }
        // Identical, byte for byte, whatever the reason. A demo installation lists its
        // accounts' codes again, as the form did, so a newcomer who mistyped or waited past
        // a code's 30 seconds can try again without reloading the page.
        Err(CoreError::LoginFailed) => Ok(views::render(
            StatusCode::UNAUTHORIZED,
            &login_page(
                &haven,
                lang,
                form.csrf,
                Some(Tr(lang).t("signin-failed")),
                next,
            )
            .await,
        )),
        // Nothing was read or checked. Said per address, it tells nothing about any account.
        Err(CoreError::TooManyAttempts { retry_after }) => {
            let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
            let why = Tr(lang).t_args("signin-wait", &[("seconds", seconds.to_string())]);
            let mut r = views::render(
                StatusCode::TOO_MANY_REQUESTS,
                &login_page(&haven, lang, form.csrf, Some(why), next).await,
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CsrfOnly {
    pub(crate) csrf: String,
}

pub(crate) async fn logout<S: Store>(
    State(haven): State<Haven<S>>,
    AnySession(auth): AnySession,
    PageForm(form): PageForm<CsrfOnly>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &form.csrf)?;
    haven.logout(&auth).await?;
    // The session's cookie goes, and everything the pages left in the browser; the known
    // device's cookie stays (Clear-Site-Data's "cookies" would take it too). It holds
    // nothing about anyone, and without it a sign-out would leave its owner open to being
    // locked out by guesses from elsewhere.
    let mut r = redirect_setting("/login", &cookies::clear(cookies::SESSION));
    if let Ok(v) = HeaderValue::from_str(&cookies::clear(cookies::LOGIN_CSRF)) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r.headers_mut().insert(
        "clear-site-data",
        HeaderValue::from_static("\"cache\", \"storage\""),
    );
    Ok(r)
}

/// `POST /session/keep-alive`: someone is typing into a form (the pages send this at most
/// once a minute while they do). Signing in with the session already counts as activity, so
/// there is nothing more to do. The absolute limit still holds, and the session cookie is
/// `SameSite=Strict`, so no other site can send this. A session that has ended gets a line
/// saying so for beside the form, not the sign-in page in place of it: what was typed stays
/// on screen to be copied.
pub(crate) async fn keep_alive(
    signed_in: Result<SignedIn, PageError>,
    Locale(lang): Locale,
    PageForm(form): PageForm<CsrfOnly>,
) -> Result<Response, PageError> {
    match signed_in {
        Ok(SignedIn(auth, _)) => {
            check_csrf(&auth, &form.csrf)?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        Err(PageError::Core(CoreError::Unauthenticated)) => {
            Ok(views::render(StatusCode::OK, &SessionEnded { t: Tr(lang) }))
        }
        Err(e) => Err(e),
    }
}

fn qr_svg(uri: &str) -> String {
    match qrcode::QrCode::new(uri.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
        Err(_) => String::new(),
    }
}

fn enrol_page<S: Store>(
    haven: &Haven<S>,
    auth: &haven_core::auth::Authenticated,
    t: Tr,
    error: Option<String>,
) -> Result<Response, PageError> {
    let e = haven.begin_totp(auth)?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(views::render(
        status,
        &Enrol {
            t,
            csrf: auth.csrf_token().unwrap_or_default().to_owned(),
            qr_svg: qr_svg(&e.uri),
            secret: e.secret_base32,
            sealed: e.sealed,
            error,
        },
    ))
}

pub(crate) async fn enrol_form<S: Store>(
    State(haven): State<Haven<S>>,
    locale: Locale,
    AnySession(auth): AnySession,
) -> Result<Response, PageError> {
    if auth.mfa_verified() {
        return Ok(Redirect::to("/").into_response());
    }
    enrol_page(
        &haven,
        &auth,
        Tr::pick(auth.staff.language.as_deref(), locale),
        None,
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EnrolForm {
    csrf: String,
    sealed: String,
    code: String,
}

pub(crate) async fn enrol<S: Store>(
    State(haven): State<Haven<S>>,
    locale: Locale,
    AnySession(auth): AnySession,
    PageForm(form): PageForm<EnrolForm>,
) -> Result<Response, PageError> {
    let t = Tr::pick(auth.staff.language.as_deref(), locale);
    check_csrf(&auth, &form.csrf)?;
    if auth.mfa_verified() {
        return Ok(Redirect::to("/").into_response());
    }
    match haven.confirm_totp(&auth, &form.sealed, &form.code).await {
        Ok((session, codes)) => {
            let mut r = views::render(StatusCode::OK, &Recovery { t, codes });
            if let Ok(v) = HeaderValue::from_str(&cookies::set(cookies::SESSION, &session.token)) {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
            Ok(r)
        }
        Err(haven_core::CoreError::InvalidInput { problem, .. }) => {
            enrol_page(&haven, &auth, t, Some(problem.text(t.lang())))
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) fn roles_text(t: Tr, auth: &haven_core::auth::Authenticated) -> String {
    let codes: Vec<&str> = auth.staff.roles.iter().map(|r| r.as_str()).collect();
    t.labels("role", &codes)
}

/// Where the dashboard's list of my cases starts: the newest, or after `after`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HomeQuery {
    after: Option<String>,
}

pub(crate) async fn home<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let HomeQuery { after } = serde_urlencoded::from_str(query.as_deref().unwrap_or(""))
        .map_err(|_| not_a_page_position())?;
    let after = after.as_deref().map(page_after).transpose()?;
    let older = after.is_some();
    let org = haven.organisation(auth.staff.org).await?;
    let board = super::cases::dashboard_lines(t, haven.dashboard(&auth, after).await?);
    Ok(views::render(
        StatusCode::OK,
        &Home {
            csrf: auth.csrf_token().unwrap_or_default().to_owned(),
            nav: super::cases::nav(&haven, &auth),
            welcome: t.t_args("welcome", &[("name", auth.staff.display_name.clone())]),
            signed_in: t.t_args(
                "signed-in-as",
                &[("org", org.name), ("roles", roles_text(t, &auth))],
            ),
            t,
            must_change_password: haven.must_change_password(&auth).await?,
            can_intake: haven.may_intake(&auth),
            cases: board.cases,
            next: board.next,
            older,
            tasks: board.tasks,
        },
    ))
}
