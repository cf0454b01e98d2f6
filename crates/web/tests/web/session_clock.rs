//! A page says, two minutes before its session ends for want of activity, when it ends and
//! offers to stay signed in; once it has ended, it says so, with a sign-in that comes back to
//! the page. Asking the clock is not activity: a page left open does not keep its session.

use crate::case_team::team_on;
use crate::support::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use haven_core::Clock;
use haven_domain::access::Role;
use time::Duration;
use time::macros::format_description;

on_both_stores!(
    a_page_warns_before_its_session_ends_and_asking_keeps_nothing_alive,
    staying_signed_in_moves_the_end_and_needs_the_form_token,
    a_request_from_another_tab_moves_the_warning_along,
    near_the_absolute_limit_the_page_says_so_and_offers_no_stay,
    a_one_minute_timeout_warns_halfway_and_keeps_someone_who_clicks,
    the_case_pages_long_fields_keep_the_session_while_someone_types,
);

/// The clock asked for by htmx on `page`.
fn ask(session: &str, page: Option<&str>) -> Request<Body> {
    let mut req = Request::get("/session/clock")
        .header(header::COOKIE, format!("__Host-haven_session={session}"))
        .header("hx-request", "true");
    if let Some(page) = page {
        req = req.header("hx-current-url", format!("http://127.0.0.1:7878{page}"));
    }
    req.body(Body::empty()).unwrap()
}

/// "Stay signed in", through htmx.
fn stay(session: &str, csrf: &str) -> Request<Body> {
    Request::post("/session/clock")
        .header(header::COOKIE, format!("__Host-haven_session={session}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("hx-request", "true")
        .body(Body::from(encode(&[("csrf", csrf)])))
        .unwrap()
}

/// The seconds after which the clock asks again, if it does.
fn asks_after(r: &Reply) -> Option<u32> {
    let at = r.body.find("load delay:")? + "load delay:".len();
    let digits: String = r.body[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

fn warns(r: &Reply) -> bool {
    r.body.contains("clock-warning")
}

async fn a_page_warns_before_its_session_ends_and_asking_keeps_nothing_alive<S: Store>(
    app: App<S>,
) {
    let PageUser { session, .. } = app
        .page_user(app.org_a, "clock@example.org", &[Role::CaseManager])
        .await;
    let ends = (app.clock.now() + Duration::minutes(15))
        .format(format_description!("[hour]:[minute]"))
        .unwrap();
    let page = app.get("/search", Some(&session)).await;
    assert!(
        page.body.contains("hx-get=\"/session/clock\"") && asks_after(&page) == Some(780),
        "a page first asks two minutes before the fifteen are up: {}",
        page.body
    );

    app.clock.advance(Duration::minutes(12));
    let early = app.send(ask(&session, Some("/search"))).await;
    assert_eq!(early.status, StatusCode::OK);
    assert!(!warns(&early), "{}", early.body);
    assert_eq!(
        asks_after(&early),
        Some(60),
        "three minutes left: ask in one"
    );

    app.clock.advance(Duration::seconds(90));
    let near = app.send(ask(&session, Some("/search"))).await;
    assert!(
        warns(&near)
            && near
                .body
                .contains(&format!("your session ends at {ends} UTC"))
            && near.body.contains("Stay signed in")
            && near.body.contains("name=\"csrf\""),
        "{}",
        near.body
    );
    assert_eq!(asks_after(&near), Some(91), "asks again just after the end");

    app.clock.advance(Duration::seconds(60));
    let still = app.send(ask(&session, Some("/search"))).await;
    assert!(
        warns(&still) && asks_after(&still) == Some(31),
        "asking did not move the end: {}",
        still.body
    );

    app.clock.advance(Duration::seconds(31));
    let ended = app.send(ask(&session, Some("/search?x=1"))).await;
    assert_eq!(
        ended.status,
        StatusCode::OK,
        "a line for the page, not a redirect"
    );
    let sign_in = format!("/login?{}", encode(&[("next", "/search?x=1")]));
    assert!(
        ended.body.contains("Your session has ended")
            && ended
                .body
                .contains(&format!("href=\"{}\"", sign_in.replace('&', "&amp;")))
            && asks_after(&ended).is_none()
            && !ended.body.contains("hx-get"),
        "says so once, with a sign-in that comes back here: {}",
        ended.body
    );
    assert!(
        ended
            .set_cookie_line("__Host-haven_session")
            .is_some_and(|c| c.contains("Max-Age=0")),
        "and clears the cookie"
    );
    let after = app.get("/", Some(&session)).await;
    assert_eq!(
        (after.status, after.location()),
        (StatusCode::SEE_OTHER, Some("/login")),
        "the session is over"
    );

    // Pressing "Stay signed in" too late says the same, in place of the button.
    let late = app.send(stay(&session, "any")).await;
    assert!(
        late.status == StatusCode::OK && late.body.contains("Your session has ended"),
        "{}: {}",
        late.status,
        late.body
    );
    // In the browser's language, as the reader's own choice is no longer known.
    let mut spanish = ask(&session, None);
    spanish
        .headers_mut()
        .insert(header::ACCEPT_LANGUAGE, "es".parse().unwrap());
    let r = app.send(spanish).await;
    assert!(r.body.contains("Su sesión ha terminado"), "{}", r.body);
    // Without a page named, or with one that is not a page, signing in goes home.
    for page in [None, Some("/api/v1/cases"), Some("//evil.example/cases")] {
        let r = app.send(ask(&session, page)).await;
        assert!(r.body.contains("href=\"/login\""), "{page:?}: {}", r.body);
    }
}

async fn staying_signed_in_moves_the_end_and_needs_the_form_token<S: Store>(app: App<S>) {
    let PageUser { session, csrf, .. } = app
        .page_user(app.org_a, "stay@example.org", &[Role::CaseManager])
        .await;
    app.clock.advance(Duration::seconds(13 * 60 + 30));
    let warning = app.send(ask(&session, None)).await;
    assert!(
        warns(&warning)
            && warning
                .body
                .contains("<button type=\"submit\" id=\"session-stay\">"),
        "{}",
        warning.body
    );

    let forged = app.send(stay(&session, "forged")).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "like every form");

    let stayed = app.send(stay(&session, &csrf)).await;
    assert_eq!(stayed.status, StatusCode::OK);
    assert!(
        !warns(&stayed) && asks_after(&stayed) == Some(780),
        "fifteen minutes again from now: {}",
        stayed.body
    );
    // It says so where the button was, under the button's id, which htmx gives the focus
    // back to, and only for a moment.
    assert!(
        stayed.body.contains(
            "<p class=\"clock-stayed\" id=\"session-stay\" tabindex=\"-1\">You are still signed in.</p>"
        ) && stayed.body.contains("class=\"session-clock fades\""),
        "{}",
        stayed.body
    );
    // Asking afterwards is quiet again.
    let asked = app.send(ask(&session, None)).await;
    assert!(!asked.body.contains("clock-stayed") && !asked.body.contains("fades"));
    app.clock.advance(Duration::minutes(14));
    assert_eq!(
        app.get("/", Some(&session)).await.status,
        StatusCode::OK,
        "27½ minutes after signing in, 14 after staying"
    );

    // Without htmx the button still counts, and leaves the browser on its page.
    app.clock.advance(Duration::minutes(14));
    let plain = app
        .post_form("/session/clock", Some(&session), &[("csrf", &csrf)])
        .await;
    assert_eq!(plain.status, StatusCode::NO_CONTENT);
    app.clock.advance(Duration::minutes(14));
    assert_eq!(app.get("/", Some(&session)).await.status, StatusCode::OK);
}

async fn a_request_from_another_tab_moves_the_warning_along<S: Store>(app: App<S>) {
    let PageUser { session, .. } = app
        .page_user(app.org_a, "tabs@example.org", &[Role::CaseManager])
        .await;
    app.clock.advance(Duration::seconds(13 * 60 + 30));
    assert_eq!(app.get("/", Some(&session)).await.status, StatusCode::OK);
    let r = app.send(ask(&session, Some("/search"))).await;
    assert!(
        !warns(&r) && asks_after(&r) == Some(780),
        "the other tab's request counts: {}",
        r.body
    );
}

async fn near_the_absolute_limit_the_page_says_so_and_offers_no_stay<S: Store>(app: App<S>) {
    let PageUser { session, csrf, .. } = app
        .page_user(app.org_a, "limit@example.org", &[Role::CaseManager])
        .await;
    let limit = (app.clock.now() + Duration::hours(12))
        .format(format_description!("[hour]:[minute]"))
        .unwrap();
    for _ in 0..51 {
        app.clock.advance(Duration::minutes(14));
        assert_eq!(app.get("/", Some(&session)).await.status, StatusCode::OK);
    }
    // 714 minutes in: six minutes to the limit, fifteen to the idle timeout.
    let r = app.send(ask(&session, None)).await;
    assert!(!warns(&r) && asks_after(&r) == Some(240), "{}", r.body);
    app.clock.advance(Duration::minutes(5));
    let r = app.send(stay(&session, &csrf)).await;
    assert!(
        r.body
            .contains(&format!("reaches its time limit at {limit} UTC"))
            && !r.body.contains("Stay signed in"),
        "staying would not help, so it is not offered: {}",
        r.body
    );
}

/// An installation that sets `session_idle_minutes = 1`: the warning comes halfway, and a
/// session is touched often enough that someone clicking every 50 seconds stays signed in.
async fn a_one_minute_timeout_warns_halfway_and_keeps_someone_who_clicks<S: Store>(app: App<S>) {
    let app = app.with_idle_timeout(Duration::minutes(1));
    let PageUser { session, .. } = app
        .page_user(app.org_a, "brief@example.org", &[Role::CaseManager])
        .await;
    let page = app.get("/search", Some(&session)).await;
    assert_eq!(asks_after(&page), Some(30), "{}", page.body);
    for _ in 0..10 {
        app.clock.advance(Duration::seconds(50));
        assert_eq!(
            app.get("/search", Some(&session)).await.status,
            StatusCode::OK,
            "a click every 50 seconds keeps a one-minute session"
        );
    }
    app.clock.advance(Duration::seconds(35));
    let r = app.send(ask(&session, None)).await;
    assert!(warns(&r) && asks_after(&r) == Some(26), "{}", r.body);
}

/// A note, and a status change's reason (up to 2,000 characters, kept as a note when a case
/// reopens), tell the server someone is typing; the short fields (a task's or a goal's
/// title, a colleague's address) do not need to.
async fn the_case_pages_long_fields_keep_the_session_while_someone_types<S: Store>(app: App<S>) {
    let team = team_on(app).await;
    let session = team.app.session(&team.cm_user).await;
    let page = team
        .app
        .get(&format!("/cases/{}", team.case), Some(&session))
        .await
        .body;
    let form = |action: &str| {
        let start = page
            .find(&format!("action=\"/cases/{}/{action}\"", team.case))
            .unwrap_or_else(|| panic!("the {action} form in {page}"));
        let rest = &page[start..];
        rest[..rest.find("</form>").unwrap_or(rest.len())].to_owned()
    };
    for action in ["notes", "status"] {
        assert!(
            form(action).contains("hx-post=\"/session/keep-alive\""),
            "{action}: {}",
            form(action)
        );
    }
    assert!(!form("tasks").contains("keep-alive"));
}
