//! Sessions end when they should, server-side (security.md §7 C 18–20): new tokens at every
//! step, idle and absolute timeouts on an injected clock, logout, and immediate revocation
//! of every session and token when an account is disabled, its password changed or its
//! factor reset.

use crate::support::*;
use axum::http::StatusCode;
use haven_core::auth::Acting;
use haven_domain::access::Role;
use time::Duration;

on_both_stores!(
    every_step_issues_a_new_token_and_old_ones_stop_working,
    idle_and_absolute_timeouts_force_a_new_sign_in,
    typing_into_a_form_keeps_the_session_but_not_past_its_limit,
    an_ended_session_met_through_htmx_loads_the_sign_in_page_whole,
    logout_ends_the_session_and_clears_the_browser,
    disabling_changing_the_password_or_resetting_the_factor_ends_every_session_and_token,
    weak_new_passwords_are_refused_with_a_reason_and_nothing_changes,
    only_an_organisations_admins_see_its_accounts,
    admins_add_accounts_that_get_a_one_time_password,
    an_admin_resets_a_forgotten_password_and_the_old_one_and_its_sessions_stop,
);

fn signed_out(r: &Reply) -> bool {
    r.status == StatusCode::SEE_OTHER && r.location() == Some("/login")
}

async fn every_step_issues_a_new_token_and_old_ones_stop_working<S: Store>(app: App<S>) {
    let user = app
        .account(app.org_a, "fix@example.org", &[Role::CaseManager])
        .await;
    let enrolment = app.enrol_through_pages(&user).await;
    let enrolling = enrolment.session;
    let stepped_up = enrolment.done.cookie("__Host-haven_session").unwrap();
    assert_ne!(enrolling, stepped_up);
    assert!(
        signed_out(&app.get("/enrol", Some(&enrolling)).await),
        "the pre-step-up token is dead"
    );
    assert_eq!(app.get("/", Some(&stepped_up)).await.status, StatusCode::OK);
}

async fn idle_and_absolute_timeouts_force_a_new_sign_in<S: Store>(app: App<S>) {
    let user = app
        .enrolled(app.org_a, "idle@example.org", &[Role::CaseManager])
        .await;
    let s = app.session(&user).await;
    app.clock.advance(Duration::minutes(14));
    assert_eq!(
        app.get("/", Some(&s)).await.status,
        StatusCode::OK,
        "14 minutes idle is fine"
    );
    app.clock.advance(Duration::minutes(16));
    assert!(
        signed_out(&app.get("/", Some(&s)).await),
        "16 minutes idle is not"
    );

    let s = app.session(&user).await;
    for _ in 0..51 {
        app.clock.advance(Duration::minutes(14));
        assert_eq!(
            app.get("/", Some(&s)).await.status,
            StatusCode::OK,
            "active use keeps it alive"
        );
    }
    app.clock.advance(Duration::minutes(14));
    assert!(
        signed_out(&app.get("/", Some(&s)).await),
        "12 hours is the absolute limit, however active"
    );
}

/// Someone writing a long note for longer than the idle timeout keeps their session: the
/// form tells the server, at most once a minute, that they are typing. Never past the
/// absolute limit.
async fn typing_into_a_form_keeps_the_session_but_not_past_its_limit<S: Store>(app: App<S>) {
    let PageUser { session, csrf, .. } = app
        .page_user(app.org_a, "typing@example.org", &[Role::CaseManager])
        .await;
    let page = app.get("/intake", Some(&session)).await;
    assert!(
        page.body.contains("hx-post=\"/session/keep-alive\""),
        "the intake form says when someone types: {}",
        page.body
    );
    let still_here = |token: &str| {
        let (app, session, token) = (&app, session.clone(), token.to_owned());
        async move {
            app.post_form("/session/keep-alive", Some(&session), &[("csrf", &token)])
                .await
        }
    };
    // Forty minutes of writing, with the page saying so each minute.
    for _ in 0..40 {
        app.clock.advance(Duration::minutes(1));
        assert_eq!(still_here(&csrf).await.status, StatusCode::NO_CONTENT);
    }
    assert_eq!(
        app.get("/", Some(&session)).await.status,
        StatusCode::OK,
        "forty minutes of typing is not idle"
    );
    assert_eq!(
        still_here("forged").await.status,
        StatusCode::FORBIDDEN,
        "like every form, it carries the session's CSRF token"
    );
    app.clock.advance(Duration::minutes(16));
    assert!(
        signed_out(&app.get("/", Some(&session)).await),
        "once the typing stops, the idle timeout runs again"
    );
    let late = still_here(&csrf).await;
    assert_eq!(
        late.status,
        StatusCode::OK,
        "a line for beside the form, not the sign-in page in place of it"
    );
    assert!(
        late.body.contains("role=\"alert\"")
            && late.body.contains("Your session has ended")
            && !late.body.contains("<form"),
        "{}",
        late.body
    );
    // However busy the writer, twelve hours is the limit.
    let PageUser { session, csrf, .. } = app
        .page_user(app.org_a, "typing2@example.org", &[Role::CaseManager])
        .await;
    let mut kept = 0;
    for _ in 0..(12 * 60 + 1) {
        app.clock.advance(Duration::minutes(1));
        let r = app
            .post_form("/session/keep-alive", Some(&session), &[("csrf", &csrf)])
            .await;
        if r.status != StatusCode::NO_CONTENT {
            assert!(r.body.contains("Your session has ended"), "{}", r.status);
            break;
        }
        kept += 1;
    }
    assert_eq!(
        kept,
        12 * 60,
        "kept alive to the absolute limit, not a minute past it"
    );
}

/// With JavaScript on, a boosted form or link whose session has ended follows the redirect
/// to the sign-in page inside htmx. That page asks htmx for a whole page load, so the
/// signed-in page's navigation does not stay around the sign-in form.
async fn an_ended_session_met_through_htmx_loads_the_sign_in_page_whole<S: Store>(app: App<S>) {
    use axum::body::Body;
    use axum::http::{Request, header};
    let user = app
        .enrolled(app.org_a, "htmx@example.org", &[Role::CaseManager])
        .await;
    let s = app.session(&user).await;
    app.clock.advance(Duration::minutes(31));
    let boosted = |path: &str| {
        Request::get(path)
            .header("hx-request", "true")
            .header(header::COOKIE, format!("__Host-haven_session={s}"))
            .body(Body::empty())
            .unwrap()
    };
    let ended = app.send(boosted("/")).await;
    assert!(signed_out(&ended), "{}", ended.body);
    let login = app.send(boosted("/login")).await;
    assert_eq!(login.status, StatusCode::OK);
    assert_eq!(
        login
            .headers
            .get("hx-redirect")
            .and_then(|v| v.to_str().ok()),
        Some("/login")
    );
    assert!(login.body.is_empty(), "nothing to swap in: {}", login.body);
    // Loaded as a whole page, it is the sign-in form.
    let page = app.get("/login", None).await;
    assert!(page.headers.get("hx-redirect").is_none());
    assert!(page.body.contains("action=\"/login\""), "{}", page.body);
}

async fn logout_ends_the_session_and_clears_the_browser<S: Store>(app: App<S>) {
    let PageUser {
        session: s, csrf, ..
    } = app
        .page_user(app.org_a, "out@example.org", &[Role::CaseManager])
        .await;
    assert_eq!(
        app.post_form("/logout", Some(&s), &[("csrf", "wrong")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = app.post_form("/logout", Some(&s), &[("csrf", &csrf)]).await;
    assert!(signed_out(&r));
    assert!(r.headers.get("clear-site-data").is_some());
    assert!(
        r.set_cookie_line("__Host-haven_session")
            .unwrap()
            .contains("Max-Age=0")
    );
    assert!(
        signed_out(&app.get("/", Some(&s)).await),
        "the old cookie no longer works"
    );
}

async fn disabling_changing_the_password_or_resetting_the_factor_ends_every_session_and_token<
    S: Store,
>(
    app: App<S>,
) {
    for event in ["disable", "password", "reset"] {
        let admin = app
            .enrolled(
                app.org_a,
                &format!("admin-{event}@example.org"),
                &[Role::Admin],
            )
            .await;
        let user = app
            .enrolled(
                app.org_a,
                &format!("who-{event}@example.org"),
                &[Role::CaseManager],
            )
            .await;
        let (s1, s2) = (app.session(&user).await, app.session(&user).await);
        let token = app.token(&user).await;
        assert_eq!(
            app.api_get("/api/v1/me", &token).await.status,
            StatusCode::OK
        );
        match event {
            "disable" => {
                let admin_session = app.session(&admin).await;
                let csrf = app.csrf_of(&admin_session).await;
                let r = app
                    .post_form(
                        "/admin/users/disable",
                        Some(&admin_session),
                        &[("csrf", &csrf), ("email", &user.email)],
                    )
                    .await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            }
            "password" => {
                let csrf = app.csrf_of(&s1).await;
                let r = app
                    .post_form(
                        "/account/password",
                        Some(&s1),
                        &[
                            ("csrf", &csrf),
                            ("current_password", PASSWORD),
                            ("new_password", "an entirely new passphrase"),
                        ],
                    )
                    .await;
                assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
                let fresh = r.cookie("__Host-haven_session").unwrap();
                assert_eq!(
                    app.get("/", Some(&fresh)).await.status,
                    StatusCode::OK,
                    "this browser gets a new session"
                );
            }
            _ => app
                .haven
                .reset_mfa(&Acting::Operator("test".into()), &user.email)
                .await
                .unwrap(),
        }
        for s in [&s1, &s2] {
            assert!(
                signed_out(&app.get("/", Some(s)).await),
                "{event}: old session still works"
            );
        }
        assert_eq!(
            app.api_get("/api/v1/me", &token).await.status,
            StatusCode::UNAUTHORIZED,
            "{event}: token still works"
        );
    }
}

async fn weak_new_passwords_are_refused_with_a_reason_and_nothing_changes<S: Store>(app: App<S>) {
    let PageUser {
        session: s, csrf, ..
    } = app
        .page_user(app.org_a, "pw@example.org", &[Role::CaseManager])
        .await;
    for (new, reason) in [
        ("short one", "at least 12"),
        ("qwertyuiop123", "common"),
        ("harbour light ngo rocks", "name of the organisation"),
    ] {
        let r = app
            .post_form(
                "/account/password",
                Some(&s),
                &[
                    ("csrf", &csrf),
                    ("current_password", PASSWORD),
                    ("new_password", new),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{new}");
        assert!(r.body.contains(reason), "{new}: {}", r.body);
    }
    assert_eq!(
        app.get("/", Some(&s)).await.status,
        StatusCode::OK,
        "the session survives a refused change"
    );
}

async fn only_an_organisations_admins_see_its_accounts<S: Store>(app: App<S>) {
    let admin_a = app
        .enrolled(app.org_a, "a-admin@example.org", &[Role::Admin])
        .await;
    let cm = app
        .enrolled(app.org_a, "cm@example.org", &[Role::CaseManager])
        .await;
    let admin_b = app
        .enrolled(app.org_b, "b-admin@example.org", &[Role::Admin])
        .await;
    let page = app
        .get("/admin/users", Some(&app.session(&admin_a).await))
        .await;
    assert!(page.body.contains("cm@example.org"));
    assert!(
        !page.body.contains("b-admin@example.org"),
        "other organisations' staff are not listed"
    );
    assert!(
        page.body
            .contains("name=\"email\" value=\"cm@example.org\"")
    );
    assert!(
        !page
            .body
            .contains("name=\"email\" value=\"a-admin@example.org\""),
        "no disable or reset is offered on the admin's own row"
    );
    assert!(
        page.body
            .contains("<a id=\"own-account\" href=\"/account\">My account</a>")
    );
    assert_eq!(
        app.get("/admin/users", Some(&app.session(&cm).await))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Admin B cannot disable A's people: not found.
    let sb = app.session(&admin_b).await;
    let csrf = app.csrf_of(&sb).await;
    let r = app
        .post_form(
            "/admin/users/disable",
            Some(&sb),
            &[("csrf", &csrf), ("email", &cm.email)],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/", Some(&app.session(&cm).await)).await.status,
        StatusCode::OK
    );
}

async fn admins_add_accounts_that_get_a_one_time_password<S: Store>(app: App<S>) {
    let PageUser {
        session: s, csrf, ..
    } = app
        .page_user(app.org_a, "adm@example.org", &[Role::Admin])
        .await;
    let r = app
        .post_form(
            "/admin/users",
            Some(&s),
            &[
                ("csrf", &csrf),
                ("display_name", "Ana"),
                ("email", "ana@example.org"),
                ("role", "clinician"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let password = r
        .body
        .split("id=\"one-time-password\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    let login = app.login_raw("ana@example.org", &password, "").await;
    assert_eq!(login.location(), Some("/enrol"));
    let dup = app
        .post_form(
            "/admin/users",
            Some(&s),
            &[
                ("csrf", &csrf),
                ("display_name", "Ana"),
                ("email", "ana@example.org"),
                ("role", "clinician"),
            ],
        )
        .await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    let extra = app
        .post_form(
            "/admin/users",
            Some(&s),
            &[
                ("csrf", &csrf),
                ("display_name", "X"),
                ("email", "x@example.org"),
                ("role", "admin"),
                ("org_id", "other"),
            ],
        )
        .await;
    assert!(
        extra.status.is_client_error(),
        "unknown form fields are refused (no mass assignment)"
    );
    assert_eq!(
        app.post_form(
            "/admin/users",
            Some(&s),
            &[
                ("display_name", "Y"),
                ("email", "y@example.org"),
                ("role", "admin")
            ]
        )
        .await
        .status
        .as_u16()
            / 100,
        4,
        "missing CSRF"
    );
}

async fn an_admin_resets_a_forgotten_password_and_the_old_one_and_its_sessions_stop<S: Store>(
    app: App<S>,
) {
    let admin = app
        .enrolled(app.org_a, "ra@example.org", &[Role::Admin])
        .await;
    let user = app
        .enrolled(app.org_a, "forgot@example.org", &[Role::CaseManager])
        .await;
    let old_session = app.session(&user).await;
    let s = app.session(&admin).await;
    let csrf = app.csrf_of(&s).await;
    let r = app
        .post_form(
            "/admin/users/reset-password",
            Some(&s),
            &[("csrf", &csrf), ("email", &user.email)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let password = r
        .body
        .split("id=\"one-time-password\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    assert!(signed_out(&app.get("/", Some(&old_session)).await));
    let code = app.next_code(&user);
    assert_eq!(
        app.login_raw(&user.email, PASSWORD, &code).await.status,
        StatusCode::UNAUTHORIZED,
        "the old password is gone"
    );
    let code = app.next_code(&user);
    assert_eq!(
        app.login_raw(&user.email, &password, &code)
            .await
            .location(),
        Some("/"),
        "the new one works, with the factor"
    );
    assert_eq!(
        app.login_raw(&user.email, &password, "").await.status,
        StatusCode::UNAUTHORIZED,
        "never without the factor"
    );
}
