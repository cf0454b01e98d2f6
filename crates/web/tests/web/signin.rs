//! Signing in: the second factor is mandatory and single-use, failures are throttled per
//! account, and no response tells whether an account exists (security.md §7 B 13–15, C 21).

use crate::case_team::{Team, team_on};
use crate::support::*;
use axum::http::StatusCode;
use haven_domain::access::Role;

on_both_stores!(
    an_account_without_a_second_factor_reaches_only_the_enrolment_page,
    enrolment_shows_recovery_codes_once_and_one_of_them_signs_in_once,
    a_totp_code_is_accepted_once_and_never_a_code_from_an_earlier_step,
    five_wrong_codes_lock_the_factor_for_at_least_a_minute,
    the_second_factor_is_checked_before_the_password_is_evaluated,
    guessing_is_throttled_per_account_and_not_globally,
    failures_are_identical_for_unknown_wrong_disabled_and_throttled_accounts,
    session_cookies_are_hardened_and_fresh_at_every_sign_in,
    sign_in_without_the_csrf_pair_is_refused,
    only_a_demo_installation_shows_codes_on_the_sign_in_page,
    a_demo_installation_marks_every_staff_page,
    a_change_of_hashing_parameters_rehashes_at_the_next_sign_in,
    every_route_answers_with_the_security_headers,
);

async fn an_account_without_a_second_factor_reaches_only_the_enrolment_page<S: Store>(app: App<S>) {
    let user = app
        .account(app.org_a, "new@example.org", &[Role::CaseManager])
        .await;
    let r = app.login(&user, "").await;
    assert_eq!(r.location(), Some("/enrol"));
    let session = r.cookie("__Host-haven_session").unwrap();
    for path in ["/", "/account", "/admin/users"] {
        let page = app.get(path, Some(&session)).await;
        assert_eq!(
            (page.status, page.location()),
            (StatusCode::SEE_OTHER, Some("/enrol")),
            "{path}"
        );
    }
    let api = app
        .send(
            axum::http::Request::get("/api/v1/me")
                .header("cookie", format!("__Host-haven_session={session}"))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    assert!(
        app.get("/enrol", Some(&session))
            .await
            .body
            .contains("<svg"),
        "the QR code is rendered server-side as SVG"
    );
}

async fn enrolment_shows_recovery_codes_once_and_one_of_them_signs_in_once<S: Store>(app: App<S>) {
    let user = app
        .account(app.org_a, "rec@example.org", &[Role::CaseManager])
        .await;
    let Enrolment { session, done, .. } = app.enrol_through_pages(&user).await;
    let recovery = done
        .body
        .split("<li><code>")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    assert_ne!(
        done.cookie("__Host-haven_session").unwrap(),
        session,
        "a new session after the step-up"
    );
    app.clock.advance(time::Duration::seconds(30));
    assert_eq!(app.login(&user, &recovery).await.location(), Some("/"));
    assert_eq!(
        app.login(&user, &recovery).await.status,
        StatusCode::UNAUTHORIZED,
        "a recovery code works once"
    );
}

async fn a_totp_code_is_accepted_once_and_never_a_code_from_an_earlier_step<S: Store>(app: App<S>) {
    let user = app
        .enrolled(app.org_a, "cm@example.org", &[Role::CaseManager])
        .await;
    let code = app.next_code(&user);
    assert_eq!(app.login(&user, &code).await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.login(&user, &code).await.status,
        StatusCode::UNAUTHORIZED,
        "replayed"
    );
    let earlier = haven_crypto::totp::code(user.secret.as_ref().unwrap(), app.unix() - 30).unwrap();
    assert_eq!(
        app.login(&user, &earlier).await.status,
        StatusCode::UNAUTHORIZED,
        "earlier step"
    );
    assert!(
        app.audit_reasons("login_failed")
            .await
            .iter()
            .filter(|r| *r == "wrong_code")
            .count()
            >= 2,
        "replays are logged"
    );
}

async fn five_wrong_codes_lock_the_factor_for_at_least_a_minute<S: Store>(app: App<S>) {
    let user = app
        .enrolled(app.org_a, "lock@example.org", &[Role::CaseManager])
        .await;
    for _ in 0..5 {
        assert_eq!(
            app.login(&user, "000000").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let good = app.next_code(&user); // 30 s later: still locked
    assert_eq!(
        app.login(&user, &good).await.status,
        StatusCode::UNAUTHORIZED
    );
    app.clock.advance(time::Duration::seconds(31));
    let good = app.next_code(&user);
    assert_eq!(
        app.login(&user, &good).await.status,
        StatusCode::SEE_OTHER,
        "unlocked after the lock period"
    );
}

async fn the_second_factor_is_checked_before_the_password_is_evaluated<S: Store>(app: App<S>) {
    let user = app
        .enrolled(app.org_a, "order@example.org", &[Role::CaseManager])
        .await;
    let r = app.login_raw(&user.email, PASSWORD, "123456").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.audit_reasons("login_failed")
            .await
            .last()
            .map(String::as_str),
        Some("wrong_code")
    );
}

async fn guessing_is_throttled_per_account_and_not_globally<S: Store>(app: App<S>) {
    // An account still without a factor: every guess reaches the password. (With a factor,
    // a guess without the right code never does; see the test above.)
    let victim = app
        .account(app.org_a, "victim@example.org", &[Role::CaseManager])
        .await;
    let other = app
        .enrolled(app.org_a, "other@example.org", &[Role::CaseManager])
        .await;
    // 1,000 guesses over a simulated hour.
    for i in 0..1000 {
        if i % 10 == 0 {
            app.clock.advance(time::Duration::seconds(3));
        }
        let r = app
            .login_raw(&victim.email, &format!("wrong guess number {i}"), "")
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        if i == 500 {
            let code = app.next_code(&other);
            assert_eq!(
                app.login(&other, &code).await.location(),
                Some("/"),
                "another account signs in meanwhile"
            );
        }
    }
    let reasons = app.audit_reasons("login_failed").await;
    let evaluated = reasons.iter().filter(|r| *r == "wrong_password").count();
    assert!(evaluated <= 100, "{evaluated} passwords evaluated");
    assert!(reasons.iter().any(|r| r == "throttled"));
}

async fn failures_are_identical_for_unknown_wrong_disabled_and_throttled_accounts<S: Store>(
    app: App<S>,
) {
    let known = app
        .enrolled(app.org_a, "known@example.org", &[Role::CaseManager])
        .await;
    let gone = app
        .enrolled(app.org_a, "gone@example.org", &[Role::CaseManager])
        .await;
    app.haven
        .disable_user(
            &haven_core::auth::Acting::Operator("test".into()),
            &gone.email,
        )
        .await
        .unwrap();
    let unknown = app
        .login_raw("nobody@example.org", "some password here", "123456")
        .await;
    let wrong = app
        .login_raw(&known.email, "some password here", &app.next_code(&known))
        .await;
    let disabled = app.login_raw(&gone.email, PASSWORD, "123456").await;
    let malformed = app.login_raw("not an email", "", "").await;
    for r in [&wrong, &disabled, &malformed] {
        assert_eq!(r.status, unknown.status);
        assert_eq!(r.body, unknown.body, "byte-identical bodies");
        assert_eq!(
            r.headers.get("set-cookie"),
            unknown.headers.get("set-cookie")
        );
    }
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn unknown_and_known_accounts_take_the_same_time() {
    let app = App::new().await;
    let known = app
        .enrolled(app.org_a, "t@example.org", &[Role::CaseManager])
        .await;
    let samples = |times: &mut Vec<f64>, elapsed: std::time::Duration| {
        times.push(elapsed.as_secs_f64() * 1000.0)
    };
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for i in 0..200 {
        app.clock.advance(time::Duration::minutes(1)); // keep the account out of throttling
        let code = haven_crypto::totp::code(known.secret.as_ref().unwrap(), app.unix()).unwrap();
        let start = std::time::Instant::now();
        app.login_raw(&known.email, &format!("wrong password {i}"), &code)
            .await;
        samples(&mut a, start.elapsed());
        let start = std::time::Instant::now();
        app.login_raw("nobody@example.org", &format!("wrong password {i}"), &code)
            .await;
        samples(&mut b, start.elapsed());
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(|x, y| x.total_cmp(y));
        v[v.len() / 2]
    };
    let (ma, mb) = (median(&mut a), median(&mut b));
    assert!((ma - mb).abs() < 5.0, "median {ma:.2} ms vs {mb:.2} ms");
}

async fn session_cookies_are_hardened_and_fresh_at_every_sign_in<S: Store>(app: App<S>) {
    let user = app
        .enrolled(app.org_a, "cookie@example.org", &[Role::CaseManager])
        .await;
    let code = app.next_code(&user);
    let r = app.login(&user, &code).await;
    let line = r.set_cookie_line("__Host-haven_session").unwrap();
    for attr in ["Path=/", "Secure", "HttpOnly", "SameSite=Strict"] {
        assert!(line.contains(attr), "{line} lacks {attr}");
    }
    let first = r.cookie("__Host-haven_session").unwrap();
    assert!(first.len() >= 43, "at least 256 bits, base64url");
    let second = app.session(&user).await;
    assert_ne!(first, second);
    assert!(
        !r.location().unwrap_or_default().contains(&first),
        "never in a URL"
    );
}

async fn sign_in_without_the_csrf_pair_is_refused<S: Store>(app: App<S>) {
    let req = axum::http::Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(encode(&[
            ("csrf", "x"),
            ("email", "a@b.org"),
            ("password", "p"),
            ("code", ""),
        ])))
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::FORBIDDEN);
    let page = app.get("/login", None).await;
    assert!(page.cookie("__Host-haven_csrf").is_some());
    assert_eq!(page.cookie("__Host-haven_csrf"), page.field("csrf"));
}

async fn only_a_demo_installation_shows_codes_on_the_sign_in_page<S: Store>(mut app: App<S>) {
    let user = app
        .enrolled(app.org_a, "demo.cm@example.org", &[Role::CaseManager])
        .await;
    let page = app.get("/login", None).await;
    assert!(
        !page.body.contains("DEMO"),
        "a real installation never shows codes"
    );
    let failed = app.login_raw(&user.email, "not the passphrase", "").await;
    assert_eq!(failed.status, StatusCode::UNAUTHORIZED);
    assert!(!failed.body.contains("DEMO"), "nor after a failed sign-in");

    serve_as_demo(&mut app);
    let current = haven_crypto::totp::code(user.secret.as_ref().unwrap(), app.unix()).unwrap();
    let page = app.get("/login", None).await;
    assert!(page.body.contains("DEMO — synthetic data only"));
    assert_eq!(
        shown_code(&page.body, &user.email).as_deref(),
        Some(current.as_str()),
        "the shown code is the current one"
    );

    // A newcomer who mistypes is not sent off to reload the page for a code.
    let failed = app.login_raw(&user.email, "not the passphrase", "").await;
    assert_eq!(failed.status, StatusCode::UNAUTHORIZED);
    assert!(failed.body.contains("Sign-in failed"), "{}", failed.body);
    assert_eq!(
        shown_code(&failed.body, &user.email).as_deref(),
        Some(current.as_str()),
        "the failed sign-in lists the codes again"
    );
}

/// Every page a signed-in person sees says, on a demo installation, that its data is
/// synthetic, so nobody takes a real survivor into a demo's temporary data directory; a
/// real installation never says so.
async fn a_demo_installation_marks_every_staff_page<S: Store>(app: App<S>) {
    let Team {
        mut app,
        cm_user,
        case,
        ..
    } = team_on(app).await;
    let admin = app
        .enrolled(app.org_a, "admin@example.org", &[Role::Admin])
        .await;
    let cm = app.session(&cm_user).await;
    let admin = app.session(&admin).await;
    let pages = [
        ("/", &cm),
        ("/search", &cm),
        ("/intake", &cm),
        ("/referrals", &cm),
        ("/account", &cm),
        (&*format!("/cases/{case}"), &cm),
        (&*format!("/cases/{case}/survivor"), &cm),
        (&*format!("/cases/{case}/access-report"), &cm),
        ("/admin/users", &admin),
    ];
    let marked = "<p class=\"demo-tag\">DEMO — synthetic data only</p>";
    for (path, session) in pages {
        let page = app.get(path, Some(session)).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(!page.body.contains("DEMO"), "{path} on a real installation");
    }
    let missing = "/cases/00000000-0000-4000-8000-000000000000";
    let not_found = app.get(missing, Some(&cm)).await;
    assert_eq!(not_found.status, StatusCode::NOT_FOUND);
    assert!(!not_found.body.contains("DEMO"), "the not-found page");
    serve_as_demo(&mut app);
    for (path, session) in pages {
        let page = app.get(path, Some(session)).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(page.body.contains(marked), "{path} on a demo installation");
    }
    // Its error pages too, in either language.
    let not_found = app.get(missing, Some(&cm)).await;
    assert_eq!(not_found.status, StatusCode::NOT_FOUND);
    assert!(not_found.body.contains(marked), "{}", not_found.body);
    let nowhere = app.get("/nowhere", None).await;
    assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
    assert!(nowhere.body.contains(marked), "{}", nowhere.body);
}

/// From here on, `app` answers as a demo installation (`haven demo`) of the same store.
fn serve_as_demo<S: Store>(app: &mut App<S>) {
    app.router = haven_web::router(app.haven.clone().with_auth(haven_core::auth::AuthSettings {
        password: haven_crypto::password::PasswordParams::TESTING,
        demo: true,
        ..Default::default()
    }));
}

/// The code a demo sign-in page lists beside `email`.
fn shown_code(body: &str, email: &str) -> Option<String> {
    let row = body.split(email).nth(1)?;
    Some(row.split("<code>").nth(1)?.split('<').next()?.to_owned())
}

async fn a_change_of_hashing_parameters_rehashes_at_the_next_sign_in<S: Store>(app: App<S>) {
    let user = app
        .enrolled(app.org_a, "rehash@example.org", &[Role::CaseManager])
        .await;
    let stronger = haven_crypto::password::PasswordParams {
        t: 2,
        ..haven_crypto::password::PasswordParams::TESTING
    };
    let before = app
        .haven
        .store()
        .user_by_email(&user.email)
        .await
        .unwrap()
        .unwrap()
        .password_hash;
    assert_eq!(
        haven_crypto::password::parse_params(&before),
        Some(haven_crypto::password::PasswordParams::TESTING)
    );
    let haven = app.haven.clone().with_auth(haven_core::auth::AuthSettings {
        password: stronger,
        ..Default::default()
    });
    let code = app.next_code(&user);
    haven.login(&user.email, PASSWORD, &code).await.unwrap();
    let after = app
        .haven
        .store()
        .user_by_email(&user.email)
        .await
        .unwrap()
        .unwrap()
        .password_hash;
    assert_eq!(haven_crypto::password::parse_params(&after), Some(stronger));
    assert!(haven_crypto::password::verify(PASSWORD.as_bytes(), &after));
}

async fn every_route_answers_with_the_security_headers<S: Store>(app: App<S>) {
    let user = app
        .enrolled(app.org_a, "crawl@example.org", &[Role::Admin])
        .await;
    let s = app.session(&user).await;
    let routes = [
        "/",
        "/login",
        "/enrol",
        "/account",
        "/admin/users",
        "/api/v1/me",
        "/api/v1/survivors/x",
        "/healthz",
        "/readyz",
        "/assets/haven.css",
        "/assets/htmx.min.js",
        "/no-such-page",
    ];
    for session in [None, Some(s.as_str())] {
        for path in routes {
            let r = app.get(path, session).await;
            let h = |name: &str| {
                r.headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned()
            };
            let csp = h("content-security-policy");
            assert!(
                csp.contains("default-src 'none'")
                    && csp.contains("frame-ancestors 'none'")
                    && !csp.contains("unsafe-inline"),
                "{path}: {csp}"
            );
            assert_eq!(h("cache-control"), "no-store", "{path}");
            assert_eq!(h("referrer-policy"), "no-referrer", "{path}");
            assert_eq!(h("x-content-type-options"), "nosniff", "{path}");
            assert!(
                h("strict-transport-security").contains("max-age=31536000; includeSubDomains"),
                "{path}"
            );
            assert_eq!(h("cross-origin-opener-policy"), "same-origin", "{path}");
            let inline = r.body.match_indices("<script").any(|(i, _)| {
                !r.body[i..]
                    .split('>')
                    .next()
                    .unwrap_or("")
                    .contains(" src=")
            });
            assert!(!inline, "{path}: no inline script");
        }
    }
}
