//! Password hashes are worked out a few at a time: a sign-in that cannot have its turn is
//! told the server is busy (503, `Retry-After`), rather than every attempt of a flood taking
//! its 64 MiB and a core at once.

use crate::support::*;
use axum::http::{StatusCode, header};
use haven_core::auth::AuthSettings;
use haven_crypto::password::PasswordParams;
use haven_domain::access::Role;

#[tokio::test]
async fn a_sign_in_that_cannot_have_its_turn_is_told_the_server_is_busy() {
    let app = App::new().await.with_auth(AuthSettings {
        // Dear enough that the first hash is still being worked out when the second asks.
        password: PasswordParams {
            m_kib: 16 * 1024,
            t: 2,
            p: 1,
        },
        passwords_at_once: 1,
        password_wait: std::time::Duration::ZERO,
        ..AuthSettings::default()
    });
    let user = app
        .account(app.org_a, "flood@example.org", &[Role::CaseManager])
        .await;
    let (a, b) = tokio::join!(
        app.login_raw(&user.email, "wrong password one", ""),
        app.login_raw(&user.email, "wrong password two", ""),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::UNAUTHORIZED, StatusCode::SERVICE_UNAVAILABLE],
        "one checked, one told to wait: {} / {}",
        a.body,
        b.body
    );
    let busy = if a.status == StatusCode::SERVICE_UNAVAILABLE {
        a
    } else {
        b
    };
    assert!(busy.headers.contains_key(header::RETRY_AFTER));
    assert!(busy.body.contains("The server is busy"), "{}", busy.body);
    assert_eq!(
        app.audit_reasons("login_failed").await,
        ["wrong_password"],
        "the busy attempt was not checked, so it counts as no failure"
    );
    // Once the hash is done, the next sign-in has its turn.
    assert_eq!(
        app.login(&user, "").await.status,
        StatusCode::SEE_OTHER,
        "the account's own password"
    );
}
