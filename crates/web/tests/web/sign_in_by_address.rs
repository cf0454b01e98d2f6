//! Failed sign-ins are limited per address, before anything is read or checked: a machine
//! that keeps failing waits (429, `Retry-After`), while everyone else signs in, the staff of
//! one office behind one address are limited only by their mistakes, and behind a trusted
//! reverse proxy the client it names is counted, never an address the client chose.

use crate::support::*;
use axum::http::{StatusCode, header};
use haven_core::auth::AuthSettings;
use haven_crypto::password::PasswordParams;
use haven_domain::access::Role;
use haven_store::Store;

on_both_stores!(
    an_address_that_keeps_failing_waits_while_others_sign_in,
    staff_behind_one_address_are_limited_only_by_their_mistakes,
    behind_a_trusted_proxy_the_client_it_names_is_counted,
);

const GUESSER: &str = "203.0.113.7";

async fn an_address_that_keeps_failing_waits_while_others_sign_in<S: Store>(app: App<S>) {
    let user = app
        .enrolled(app.org_a, "harbour@example.org", &[Role::CaseManager])
        .await;
    let code = app.next_code(&user);
    // Twenty failures in a row, by default, each checked and audited.
    for i in 0..20 {
        let r = app
            .login_from(
                GUESSER,
                None,
                &format!("guess{i}@example.org"),
                "a guess",
                "",
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let refused = app
        .login_from(GUESSER, None, "guess@example.org", "a guess", "")
        .await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        refused
            .headers
            .get(header::RETRY_AFTER)
            .map(|v| v.as_bytes()),
        Some(&b"6"[..])
    );
    assert!(
        refused
            .body
            .contains("Too many sign-ins have failed from your network"),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("name=\"password\""),
        "the form is there to try again"
    );
    // Even the right password waits: nothing is checked from this address for now.
    let right = app
        .login_from(GUESSER, None, &user.email, PASSWORD, &code)
        .await;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        app.audit_reasons("login_failed").await.len(),
        20,
        "the refused attempts were not checked, so nothing more was audited"
    );
    // From anywhere else the same account signs in, with the code the refused attempt
    // never spent.
    let elsewhere = app
        .login_from("198.51.100.4", None, &user.email, PASSWORD, &code)
        .await;
    assert_eq!(
        elsewhere.status,
        StatusCode::SEE_OTHER,
        "{}",
        elsewhere.body
    );
    // One more attempt every six seconds.
    app.clock.advance(time::Duration::seconds(6));
    let again = app
        .login_from(GUESSER, None, "guess@example.org", "a guess", "")
        .await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
    let over = app
        .login_from(GUESSER, None, "guess@example.org", "a guess", "")
        .await;
    assert_eq!(over.status, StatusCode::TOO_MANY_REQUESTS);
}

async fn staff_behind_one_address_are_limited_only_by_their_mistakes<S: Store>(app: App<S>) {
    const OFFICE: &str = "192.0.2.10";
    // An account still without a second factor signs in with its password alone.
    let user = app
        .account(app.org_a, "office@example.org", &[Role::CaseManager])
        .await;
    for _ in 0..19 {
        let r = app
            .login_from(OFFICE, None, &user.email, "a mistyped password", "")
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    // A morning's sign-ins from the office's one address.
    for i in 0..30 {
        let r = app
            .login_from(OFFICE, None, &user.email, PASSWORD, "")
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "sign-in {i}: {}", r.body);
    }
    // The twentieth mistake is still allowed; the twenty-first waits.
    let twentieth = app
        .login_from(OFFICE, None, &user.email, "a mistyped password", "")
        .await;
    assert_eq!(twentieth.status, StatusCode::UNAUTHORIZED);
    let next = app
        .login_from(OFFICE, None, &user.email, PASSWORD, "")
        .await;
    assert_eq!(next.status, StatusCode::TOO_MANY_REQUESTS);
}

async fn behind_a_trusted_proxy_the_client_it_names_is_counted<S: Store>(app: App<S>) {
    let app = app.with_auth(AuthSettings {
        password: PasswordParams::TESTING,
        failures_per_address: 2,
        trusted_proxies: vec!["10.0.0.0/8".parse().unwrap()],
        ..AuthSettings::default()
    });
    const PROXY: &str = "10.0.0.2";
    let fail = |peer: &'static str, forwarded: Option<&'static str>| {
        let app = &app;
        async move {
            app.login_from(peer, forwarded, "nobody@example.org", "a guess", "")
                .await
                .status
        }
    };
    assert_eq!(fail(PROXY, Some(GUESSER)).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        fail(PROXY, Some("10.9.9.9, 203.0.113.7, 10.1.1.1")).await,
        StatusCode::UNAUTHORIZED,
        "the same client, through two proxies"
    );
    assert_eq!(
        fail(PROXY, Some(GUESSER)).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Naming another address in front of its own changes nothing.
    assert_eq!(
        fail(PROXY, Some("198.51.100.99, 203.0.113.7")).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Straight to the server, its own address is counted, whatever it says.
    assert_eq!(
        fail(GUESSER, Some("198.51.100.99")).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another client behind the same proxy is not limited.
    assert_eq!(
        fail(PROXY, Some("203.0.113.8")).await,
        StatusCode::UNAUTHORIZED
    );
    // A proxy that is not trusted is one more client: its header is not read.
    assert_eq!(
        fail("192.0.2.50", Some("203.0.113.9")).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        fail("192.0.2.50", Some("203.0.113.10")).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        fail("192.0.2.50", Some("203.0.113.11")).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}
