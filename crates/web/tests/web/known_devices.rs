//! Known devices: a browser that has signed in with both factors keeps its owner able to
//! sign in while someone else guesses at the account — wrong codes that lock the second
//! factor, failures from an address past its limit. The cookie counts only for its own
//! account, a device that keeps failing is forgotten, and so is every device when the
//! password changes or the device's time runs out.

use crate::support::*;
use axum::http::StatusCode;
use haven_core::auth::AuthSettings;
use haven_crypto::password::PasswordParams;
use haven_domain::access::Role;
use haven_store::Store;

on_both_stores!(
    guesses_from_elsewhere_do_not_lock_the_owner_out_of_a_known_browser,
    a_known_device_counts_only_for_its_own_account,
    a_known_device_that_keeps_failing_is_forgotten,
    a_password_change_or_the_passing_of_time_forgets_a_device,
    a_known_device_signs_in_while_guesses_write_the_account,
);

const OFFICE: &str = "192.0.2.10";
const GUESSER: &str = "203.0.113.7";
const DEVICE: &str = "__Host-haven_device";

/// Signs `user` in from `peer` with the right password and code, holding `device`; the new
/// known-device cookie it is given.
async fn signs_in<S: Store>(app: &App<S>, peer: &str, device: Option<&str>, user: &User) -> String {
    let code = app.next_code(user);
    let r = app
        .login_on_device(peer, device, &user.email, PASSWORD, &code)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.cookie(DEVICE).expect("a known-device cookie")
}

/// A minute after any earlier lock has ended, five wrong codes from five addresses: the
/// second factor locks for the next minute, as someone could keep it locked.
async fn lock_the_factor<S: Store>(app: &App<S>, email: &str) {
    app.clock.advance(time::Duration::seconds(61));
    for i in 0..5 {
        let r = app
            .login_from(
                &format!("203.0.113.{}", 100 + i),
                None,
                email,
                "a guess",
                "000000",
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
}

/// Fails from `peer` until it is refused.
async fn spend_the_burst<S: Store>(app: &App<S>, peer: &str) {
    for i in 0..=20 {
        let r = app
            .login_from(peer, None, &format!("g{i}@example.org"), "a guess", "")
            .await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            return;
        }
    }
    panic!("{peer} was never refused");
}

async fn guesses_from_elsewhere_do_not_lock_the_owner_out_of_a_known_browser<S: Store>(
    app: App<S>,
) {
    let user = app
        .enrolled(app.org_a, "harbour@example.org", &[Role::CaseManager])
        .await;
    let code = app.next_code(&user);
    let first = app
        .login_on_device(OFFICE, None, &user.email, PASSWORD, &code)
        .await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let line = first
        .set_cookie_line(DEVICE)
        .expect("the browser is remembered");
    for part in [
        "Path=/",
        "Secure",
        "HttpOnly",
        "SameSite=Strict",
        "Max-Age=7776000",
    ] {
        assert!(line.contains(part), "{line} has {part}");
    }
    let device = first.cookie(DEVICE).unwrap();
    // Signing out ends the session and keeps the device.
    let session = first.cookie("__Host-haven_session").unwrap();
    let csrf = app.csrf_of(&session).await;
    let out = app
        .post_form("/logout", Some(&session), &[("csrf", &csrf)])
        .await;
    assert!(out.set_cookie_line(DEVICE).is_none(), "the device is kept");
    let cleared = out
        .headers
        .get("clear-site-data")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(!cleared.contains("cookies"), "{cleared}");

    // Someone who knows the address of the account locks its second factor.
    lock_the_factor(&app, &user.email).await;
    let code = app.next_code(&user);
    let unknown = app
        .login_on_device("198.51.100.4", None, &user.email, PASSWORD, &code)
        .await;
    assert_eq!(
        unknown.status,
        StatusCode::UNAUTHORIZED,
        "from a browser it does not know, even the owner waits"
    );
    // From the known browser the owner signs in, even from the guesser's own address,
    // which has spent its burst of failures.
    let code = app.next_code(&user);
    spend_the_burst(&app, GUESSER).await;
    let limited = app
        .login_on_device(GUESSER, None, &user.email, PASSWORD, &code)
        .await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    let renewed = signs_in(&app, GUESSER, Some(&device), &user).await;
    assert_ne!(renewed, device, "each sign-in replaces the cookie");
    assert_eq!(
        app.audit_reasons("login").await.last().map(String::as_str),
        Some("password_totp_known_device")
    );
    // The cookie it replaced is no longer known: the factor is locked to it.
    lock_the_factor(&app, &user.email).await;
    let code = app.next_code(&user);
    let replaced = app
        .login_on_device(OFFICE, Some(&device), &user.email, PASSWORD, &code)
        .await;
    assert_eq!(replaced.status, StatusCode::UNAUTHORIZED);
    signs_in(&app, OFFICE, Some(&renewed), &user).await;
}

async fn a_known_device_counts_only_for_its_own_account<S: Store>(app: App<S>) {
    let insider = app
        .enrolled(app.org_a, "insider@example.org", &[Role::CaseManager])
        .await;
    let other = app
        .enrolled(app.org_a, "colleague@example.org", &[Role::CaseManager])
        .await;
    let device = signs_in(&app, OFFICE, None, &insider).await;
    // Guessing at a colleague's account with one's own known device is counted against the
    // address like any other attempt.
    for i in 0..20 {
        let r = app
            .login_on_device(
                GUESSER,
                Some(&device),
                &other.email,
                &format!("guess {i}"),
                "",
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let over = app
        .login_on_device(GUESSER, Some(&device), &other.email, "guess", "")
        .await;
    assert_eq!(over.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        app.audit_reasons("login_failed")
            .await
            .iter()
            .all(|r| !r.ends_with("_on_known_device")),
        "counted against the colleague's account, not the insider's device"
    );
    // Its own account it still signs in to, from there.
    signs_in(&app, GUESSER, Some(&device), &insider).await;
    // A cookie the server never gave is no cookie.
    let forged = "f".repeat(43);
    let code = app.next_code(&insider);
    spend_the_burst(&app, GUESSER).await;
    let r = app
        .login_on_device(GUESSER, Some(&forged), &insider.email, PASSWORD, &code)
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
}

async fn a_known_device_that_keeps_failing_is_forgotten<S: Store>(app: App<S>) {
    let user = app
        .enrolled(app.org_a, "harbour@example.org", &[Role::CaseManager])
        .await;
    let device = signs_in(&app, OFFICE, None, &user).await;
    lock_the_factor(&app, &user.email).await;
    // Someone holding the cookie (a stolen laptop, say) has five tries.
    for i in 0..5 {
        let code = app.next_code(&user);
        let r = app
            .login_on_device(OFFICE, Some(&device), &user.email, "a guess", &code)
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "try {i}");
    }
    let reasons = app.audit_reasons("login_failed").await;
    assert_eq!(
        reasons
            .iter()
            .filter(|r| *r == "wrong_password_on_known_device")
            .count(),
        5
    );
    // Then the device is forgotten: even the right password and code meet the lock.
    lock_the_factor(&app, &user.email).await;
    let code = app.next_code(&user);
    let r = app
        .login_on_device(OFFICE, Some(&device), &user.email, PASSWORD, &code)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.audit_reasons("login_failed")
            .await
            .last()
            .map(String::as_str),
        Some("factor_locked")
    );
}

async fn a_password_change_or_the_passing_of_time_forgets_a_device<S: Store>(app: App<S>) {
    let user = app
        .enrolled(app.org_a, "harbour@example.org", &[Role::CaseManager])
        .await;
    let device = signs_in(&app, OFFICE, None, &user).await;
    // The password is reset: every device of the account is forgotten.
    let by = haven_core::auth::Acting::Operator("test".into());
    let password = app.haven.reset_password(&by, &user.email).await.unwrap();
    lock_the_factor(&app, &user.email).await;
    let code = app.next_code(&user);
    let r = app
        .login_on_device(OFFICE, Some(&device), &user.email, &password, &code)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "forgotten");
    // A device remembered afterwards lasts 90 days, and not a day more.
    app.clock.advance(time::Duration::minutes(2));
    let code = app.next_code(&user);
    let again = app
        .login_on_device(OFFICE, None, &user.email, &password, &code)
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    let device = again.cookie(DEVICE).unwrap();
    app.clock.advance(time::Duration::days(89));
    lock_the_factor(&app, &user.email).await;
    let code = app.next_code(&user);
    let in_time = app
        .login_on_device(OFFICE, Some(&device), &user.email, &password, &code)
        .await;
    assert_eq!(in_time.status, StatusCode::SEE_OTHER, "{}", in_time.body);
    let device = in_time.cookie(DEVICE).unwrap();
    app.clock.advance(time::Duration::days(90));
    lock_the_factor(&app, &user.email).await;
    let code = app.next_code(&user);
    let late = app
        .login_on_device(OFFICE, Some(&device), &user.email, &password, &code)
        .await;
    assert_eq!(late.status, StatusCode::UNAUTHORIZED, "ran out");
    // An installation that remembers no device sets no cookie.
    let app = app.with_auth(AuthSettings {
        password: PasswordParams::TESTING,
        known_device_for: time::Duration::ZERO,
        ..AuthSettings::default()
    });
    app.clock.advance(time::Duration::minutes(2));
    let code = app.next_code(&user);
    let r = app
        .login_on_device(OFFICE, None, &user.email, &password, &code)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.cookie(DEVICE).is_none());
}

async fn a_known_device_signs_in_while_guesses_write_the_account<S: Store>(app: App<S>) {
    let user = app
        .enrolled(app.org_a, "harbour@example.org", &[Role::CaseManager])
        .await;
    let mut device = signs_in(&app, OFFICE, None, &user).await;
    // Each failure writes the account. A sign-in that read it before one of them must
    // read it again, not give up as a sign-in from anywhere would.
    for round in 0..12 {
        lock_the_factor(&app, &user.email).await;
        let code = app.next_code(&user);
        let guesses = async {
            for i in 0..4 {
                app.login_from(
                    &format!("198.51.100.{i}"),
                    None,
                    &user.email,
                    "a guess",
                    "1",
                )
                .await;
            }
        };
        let (owner, ()) = tokio::join!(
            app.login_on_device(OFFICE, Some(&device), &user.email, PASSWORD, &code),
            guesses
        );
        assert_eq!(
            owner.status,
            StatusCode::SEE_OTHER,
            "round {round}: {}",
            owner.body
        );
        device = owner.cookie(DEVICE).unwrap();
    }
}
