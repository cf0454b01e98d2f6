//! The session's clock on every signed-in page: a little before the session ends for want
//! of activity, the page says when, with a button to stay signed in; once it has ended, the
//! page says so, with a way to sign in again that comes back to the page.
//!
//! The page asks `GET /session/clock` when the session would be near its end, and again when
//! its window gets the focus back (a laptop woken up, a tab come back to). Asking does not
//! count as activity, so a page left open does not keep its session alive; each answer
//! carries when to ask next, worked out from the session as the server has it, so a
//! request from another tab meanwhile moves the warning along. `POST /session/clock` is
//! the button: it counts as activity, as any request does, and its answer says "You are
//! still signed in" for a few seconds in the button's place, holding the keyboard focus.
//! Needs JavaScript (htmx); without it the session ends as before, and the next page asked
//! for is the sign-in page.

use super::cases::csrf;
use super::form::PageForm;
use super::session::CsrfOnly;
use crate::cookies;
use crate::errors::{PageError, log_fault};
use crate::extract::{SignedIn, check_csrf};
use crate::i18n::{Locale, Tr};
use crate::return_to::ReturnTo;
use crate::shown_time;
use crate::views::{self, ClockState, SessionClockView};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use haven_core::auth::SessionClock;
use haven_core::{CoreError, Haven};
use haven_store::Store;
use time::Duration;

/// How long before its end a session says it is ending: two minutes, or half the idle
/// timeout where that is shorter.
pub(crate) fn warn_before(idle: Duration) -> Duration {
    (idle / 2_i32).min(Duration::minutes(2))
}

/// When a freshly shown page first asks: just before the warning is due, if nothing else
/// is sent meanwhile.
pub(crate) fn first_ask_after(idle: Duration) -> i64 {
    seconds(idle - warn_before(idle))
}

/// Whole seconds, rounded up, and at least one.
fn seconds(d: Duration) -> i64 {
    let whole = d.whole_seconds() + i64::from(d.subsec_nanoseconds() > 0);
    whole.max(1)
}

/// `GET /session/clock`: what the page should say now, without counting as activity.
pub(crate) async fn show<S: Store>(
    State(haven): State<Haven<S>>,
    Locale(lang): Locale,
    headers: HeaderMap,
) -> Response {
    let Some(token) = cookies::get(&headers, cookies::SESSION) else {
        return ended(Tr(lang), &headers);
    };
    match haven.session_clock(&token).await {
        Ok((auth, clock)) => {
            let t = Tr::pick(auth.staff.language.as_deref(), Locale(lang));
            let view = view_of(&haven, t, csrf(&auth), &auth.staff.local_time, clock);
            views::render(StatusCode::OK, &view)
        }
        Err(CoreError::Unauthenticated) => ended(Tr(lang), &headers),
        // A poll nobody asked for is no place for an error page: keep quiet and ask again in
        // a minute.
        Err(e) => {
            log_fault(&e);
            let quiet = SessionClockView {
                t: Tr(lang),
                csrf: String::new(),
                ask_after: Some(60),
                state: ClockState::Quiet,
            };
            views::render(StatusCode::OK, &quiet)
        }
    }
}

/// `POST /session/clock`: "stay signed in". Signing in with the session is the activity;
/// the answer is the clock as it now stands. Sent without htmx, the answer is
/// `204 No Content`, which leaves the browser on its page. Pressed after the session has
/// ended, it answers the ended line, as asking would, not the sign-in page in place of the
/// page.
pub(crate) async fn stay<S: Store>(
    State(haven): State<Haven<S>>,
    signed_in: Result<SignedIn, PageError>,
    Locale(lang): Locale,
    headers: HeaderMap,
    PageForm(form): PageForm<CsrfOnly>,
) -> Result<Response, PageError> {
    let SignedIn(auth, t) = match signed_in {
        Ok(signed_in) => signed_in,
        Err(PageError::Core(CoreError::Unauthenticated)) if headers.contains_key("hx-request") => {
            return Ok(ended(Tr(lang), &headers));
        }
        Err(e) => return Err(e),
    };
    check_csrf(&auth, &form.csrf)?;
    if !headers.contains_key("hx-request") {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let token = cookies::get(&headers, cookies::SESSION).ok_or(CoreError::Unauthenticated)?;
    let (auth, clock) = haven.session_clock(&token).await?;
    let mut view = view_of(&haven, t, csrf(&auth), &auth.staff.local_time, clock);
    // Said where the button was, so that a screen reader hears it worked and the keyboard
    // focus has somewhere to go; near the absolute limit the limit's line stays instead.
    if matches!(view.state, ClockState::Quiet) {
        view.state = ClockState::Stayed;
    }
    Ok(views::render(StatusCode::OK, &view))
}

fn view_of<S: Store>(
    haven: &Haven<S>,
    t: Tr,
    csrf: String,
    zone: &haven_core::local_time::LocalTime,
    clock: SessionClock,
) -> SessionClockView {
    let left = clock.left();
    let warn = warn_before(haven.idle_timeout());
    let (state, ask_after) = if left > warn {
        (ClockState::Quiet, left - warn)
    } else {
        let at = shown_time::time_of_day(zone, clock.ends_at());
        let state = if clock.ends_at_limit() {
            ClockState::Limit(t.t_args("session-ends-limit", &[("at", at)]))
        } else {
            ClockState::Idle(t.t_args("session-ends-idle", &[("at", at)]))
        };
        // Ask again just after the end: by then it has ended, or someone has been active
        // (here or in another tab) and the warning goes.
        (state, left + Duration::seconds(1))
    };
    SessionClockView {
        t,
        csrf,
        ask_after: Some(seconds(ask_after)),
        state,
    }
}

/// The session has ended: say so, with the sign-in page that comes back to this one (htmx
/// names the page in `HX-Current-URL`). Nothing more to ask.
fn ended(t: Tr, headers: &HeaderMap) -> Response {
    let page = headers
        .get("hx-current-url")
        .and_then(|v| v.to_str().ok())
        .and_then(ReturnTo::from_page_url);
    let sign_in = page.map_or_else(|| "/login".to_owned(), |p| p.login_url());
    let view = SessionClockView {
        t,
        csrf: String::new(),
        ask_after: None,
        state: ClockState::Ended(sign_in),
    };
    let mut r = views::render(StatusCode::OK, &view);
    if let Ok(v) = cookies::clear(cookies::SESSION).parse::<axum::http::HeaderValue>() {
        r.headers_mut().insert(axum::http::header::SET_COOKIE, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_warning_comes_two_minutes_before_or_halfway() {
        assert_eq!(warn_before(Duration::minutes(15)), Duration::minutes(2));
        assert_eq!(warn_before(Duration::minutes(30)), Duration::minutes(2));
        assert_eq!(warn_before(Duration::minutes(1)), Duration::seconds(30));
        assert_eq!(first_ask_after(Duration::minutes(15)), 780);
        assert_eq!(first_ask_after(Duration::minutes(1)), 30);
    }

    #[test]
    fn seconds_round_up_and_never_reach_zero() {
        assert_eq!(seconds(Duration::milliseconds(1500)), 2);
        assert_eq!(seconds(Duration::seconds(3)), 3);
        assert_eq!(seconds(Duration::ZERO), 1);
        assert_eq!(seconds(Duration::seconds(-5)), 1);
    }
}
