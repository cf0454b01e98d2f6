//! Signing in again after a session ends goes back to the page it ended on, and never
//! anywhere but a page of this server.

use crate::case_team::team_on;
use crate::support::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use haven_domain::access::Role;
use time::Duration;

on_both_stores!(
    signing_in_again_returns_to_the_page_the_session_ended_on,
    signing_in_goes_nowhere_but_a_page_of_this_server,
);

/// A page asked for with `session`, as htmx asks for it when `boosted`.
fn page(path: &str, session: &str, boosted: bool) -> Request<Body> {
    let mut req =
        Request::get(path).header(header::COOKIE, format!("__Host-haven_session={session}"));
    if boosted {
        req = req.header("hx-request", "true");
    }
    req.body(Body::empty()).unwrap()
}

async fn signing_in_again_returns_to_the_page_the_session_ended_on<S: Store>(app: App<S>) {
    let team = team_on(app).await;
    let app = &team.app;
    let case = format!("/cases/{}?history=all", team.case);
    let session = app.session(&team.cm_user).await;
    assert_eq!(
        app.send(page(&case, &session, false)).await.status,
        StatusCode::OK
    );

    // Fifteen minutes on the page without a request: the next one finds the session over.
    app.clock.advance(Duration::minutes(16));
    let ended = app.send(page(&case, &session, false)).await;
    let login = format!("/login?{}", encode(&[("next", &case)]));
    assert_eq!(
        (ended.status, ended.location()),
        (StatusCode::SEE_OTHER, Some(login.as_str())),
        "the sign-in page is asked to come back"
    );
    // Through htmx (a boosted link), the sign-in page is loaded whole, still coming back.
    let boosted = app.send(page(&case, &session, true)).await;
    assert_eq!(boosted.location(), Some(login.as_str()));
    let whole = app.send(page(&login, &session, true)).await;
    assert_eq!(
        whole
            .headers
            .get("hx-redirect")
            .and_then(|v| v.to_str().ok()),
        Some(login.as_str())
    );
    let form = app.get(&login, None).await;
    assert_eq!(
        form.field("next").as_deref(),
        Some(case.as_str()),
        "{}",
        form.body
    );

    // A wrong code keeps the way back; the right one takes it.
    let (email, next) = (team.cm_user.email.as_str(), case.as_str());
    let failed = app
        .submit_login(&[
            ("email", email),
            ("password", PASSWORD),
            ("code", "000000"),
            ("next", next),
        ])
        .await;
    assert_eq!(failed.status, StatusCode::UNAUTHORIZED);
    assert_eq!(failed.field("next").as_deref(), Some(next));
    let code = app.next_code(&team.cm_user);
    let signed_in = app
        .submit_login(&[
            ("email", email),
            ("password", PASSWORD),
            ("code", &code),
            ("next", next),
        ])
        .await;
    assert_eq!(signed_in.location(), Some(next));
    let fresh = signed_in.cookie("__Host-haven_session").unwrap();
    assert_eq!(
        app.send(page(&case, &fresh, false)).await.status,
        StatusCode::OK
    );

    // A form sent after the session ended is not returned to: it went nowhere.
    app.clock.advance(Duration::minutes(16));
    let note = app
        .post_form(
            &format!("/cases/{}/notes", team.case),
            Some(&fresh),
            &[("csrf", "x"), ("category", "general"), ("body", "Late.")],
        )
        .await;
    assert_eq!(note.location(), Some("/login"), "{}", note.body);
    // Nor is the home page, where signing in goes anyway.
    let home = app.send(page("/", &fresh, false)).await;
    assert_eq!(home.location(), Some("/login"));
}

async fn signing_in_goes_nowhere_but_a_page_of_this_server<S: Store>(app: App<S>) {
    let user = app
        .enrolled(app.org_a, "back@example.org", &[Role::CaseManager])
        .await;
    for elsewhere in [
        "//evil.example/cases",
        "https://evil.example/",
        "/\\evil.example",
        "/api/v1/cases",
        "/logout",
        "cases",
    ] {
        let form = app
            .get(&format!("/login?{}", encode(&[("next", elsewhere)])), None)
            .await;
        assert_eq!(form.status, StatusCode::OK, "{elsewhere}");
        assert_eq!(form.field("next"), None, "{elsewhere}: {}", form.body);
        let code = app.next_code(&user);
        let r = app
            .submit_login(&[
                ("email", &user.email),
                ("password", PASSWORD),
                ("code", &code),
                ("next", elsewhere),
            ])
            .await;
        assert_eq!(r.location(), Some("/"), "{elsewhere}");
        app.clock.advance(Duration::seconds(30));
    }
    // An account still to enrol its second factor goes to enrolment, wherever it came from.
    let new = app
        .account(app.org_a, "new@example.org", &[Role::CaseManager])
        .await;
    let r = app
        .submit_login(&[
            ("email", &new.email),
            ("password", PASSWORD),
            ("code", ""),
            ("next", "/account"),
        ])
        .await;
    assert_eq!(r.location(), Some("/enrol"));
}
